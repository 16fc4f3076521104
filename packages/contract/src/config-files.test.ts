import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseConfigTexts, readConfigFiles } from "./config-files.js";
import { ContractError } from "./errors.js";

const okRc = '{"current_host": "algo-1", "hosts": ["algo-1"]}';

function errorOf(fn: () => unknown): ContractError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ContractError) return e;
    throw e;
  }
  throw new Error("expected a ContractError");
}

describe("readConfigFiles", () => {
  let base: string;
  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), "optml-config-"));
    mkdirSync(join(base, "input", "config"), { recursive: true });
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));
  const write = (name: string, text: string | Buffer) => writeFileSync(join(base, "input", "config", name), text);

  it("names a missing file", () => {
    write("hyperparameters.json", "{}");
    write("resourceconfig.json", okRc);
    const e = errorOf(() => readConfigFiles(base));
    expect(e.code).toBe("ConfigFileMissing");
    expect(e.message).toContain(join(base, "input/config/inputdataconfig.json"));
    expect(e.message).toContain("file not found");
  });

  it("names malformed JSON with its line and column", () => {
    write("hyperparameters.json", '{\n  "a": "1",\n  "b" "2"\n}');
    write("inputdataconfig.json", "{}");
    write("resourceconfig.json", okRc);
    const e = errorOf(() => readConfigFiles(base));
    expect(e.code).toBe("ConfigFileMalformed");
    expect(e.message).toBe(`${join(base, "input/config/hyperparameters.json")}: not valid JSON: Expecting ':' delimiter: line 3 column 7 (char 20)`);
  });

  it("refuses text that is not UTF-8", () => {
    write("hyperparameters.json", Buffer.from([0x7b, 0xff, 0x7d]));
    write("inputdataconfig.json", "{}");
    write("resourceconfig.json", okRc);
    expect(errorOf(() => readConfigFiles(base)).message).toMatch(/hyperparameters\.json: cannot be read: it is not UTF-8 text/);
  });
});

describe("parseConfigTexts checks", () => {
  const parse = (rc: string, idc = "{}", hp = "{}") =>
    errorOf(() => parseConfigTexts({ hyperparameters: hp, inputDataConfig: idc, resourceConfig: rc }));

  it("requires current_host", () => {
    const e = parse('{"hosts": ["algo-1"]}');
    expect([e.file, e.field]).toEqual(["resourceconfig.json", "current_host"]);
    expect(e.message).toBe('resourceconfig.json: field "current_host" is missing (the name of this host, e.g. "algo-1")');
  });

  it("requires hosts to be a non-empty list of strings that holds the current host", () => {
    expect(parse('{"current_host": "algo-1", "hosts": "algo-1"}').message).toBe(
      `resourceconfig.json: field "hosts" must be a list of host names (strings), found 'algo-1'`,
    );
    expect(parse('{"current_host": "algo-1", "hosts": ["algo-1", 2]}').field).toBe("hosts");
    expect(parse('{"current_host": "algo-1"}').message).toMatch(/field "hosts" is missing/);
    expect(parse('{"current_host": "algo-1", "hosts": []}').message).toMatch(/must list at least one host/);
    expect(parse('{"current_host": "algo-9", "hosts": ["algo-1"]}').message).toBe(
      `resourceconfig.json: field "current_host" names "algo-9", which is not among hosts ['algo-1']`,
    );
  });

  it("checks instance groups", () => {
    expect(parse('{"current_host": "algo-1", "hosts": ["algo-1"], "instance_groups": [{"hosts": ["algo-1"]}]}').field).toBe(
      "instance_groups[0].instance_group_name",
    );
    expect(parse('{"current_host": "algo-1", "hosts": ["algo-1"], "instance_groups": {}}').field).toBe("instance_groups");
  });

  it("refuses invalid channel names and non-object channels", () => {
    expect(parse(okRc, '{"bad name": {}}').message).toBe(
      `inputdataconfig.json: field "bad name" is not a valid channel name (1 to 64 characters from A-Z, a-z, 0-9, '.', '-' and '_')`,
    );
    expect(parse(okRc, `{"${"x".repeat(65)}": {}}`).code).toBe("ConfigFieldInvalid");
    expect(parse(okRc, '{"train": "File"}').message).toMatch(/field "train" must be an object of channel settings/);
  });

  it("requires each file to hold a JSON object, and says a list is valid JSON of the wrong type", () => {
    const e = parse(okRc, "[]");
    expect(e.message).toBe("inputdataconfig.json: must hold a JSON object ({...}) at the top level, found a list: []");
    expect(e.message).not.toMatch(/not valid JSON/);
    expect(parse(okRc, '"train"').message).toBe(
      "inputdataconfig.json: must hold a JSON object ({...}) at the top level, found a string: 'train'",
    );
  });
});
