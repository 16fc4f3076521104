/**
 * Each difference random testing found between @optml/contract and SageMaker's toolkit
 * (sagemaker-training 5.1.1.dev0), one test each, with what the toolkit does (measured by running
 * it) and, where Python decides, python3 asked directly.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  computeContract,
  CONFIG_FILE_MAX_DEPTH,
  ContractError,
  contractForBaseDir,
  checkTrainStart,
  HYPERPARAMETER_MAX_DEPTH,
  HYPERPARAMETERS_FILE_MAX_DEPTH,
  parseConfigTexts,
  pyIntAccepts,
  readTrainingEnvironment,
  type ContractEnvironment,
} from "../src/index.js";
import { prng, pythonMap } from "./python-oracle.js";

const RC = '{"current_host": "algo-1", "hosts": ["algo-1"]}';
const HOST = { numCpus: 2, numGpus: 0, numNeurons: 0, smddprunInstalled: false, smddpmprunInstalled: false };

interface Texts {
  hyperparameters?: string;
  inputDataConfig?: string;
  resourceConfig?: string;
}

function contract(texts: Texts, env: Record<string, string> = {}, host = HOST): ContractEnvironment {
  const config = parseConfigTexts({
    hyperparameters: texts.hyperparameters ?? "{}",
    inputDataConfig: texts.inputDataConfig ?? "{}",
    resourceConfig: texts.resourceConfig ?? RC,
  });
  return computeContract(config, { baseDir: "/opt/ml", env, host });
}

/** hyperparameters.json with each value JSON-encoded, as the SDK writes it. */
const hps = (values: Record<string, string>) => JSON.stringify(values);

function failure(fn: () => unknown): ContractError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ContractError) return e;
    throw e;
  }
  throw new Error("expected a ContractError");
}

const trainingEnv = (c: ContractEnvironment) => JSON.parse(c.envVars.SM_TRAINING_ENV!) as Record<string, unknown>;

describe("1. a present key whose value is null is not a missing key (Python's dict.get)", () => {
  it('keeps "topology": null in SM_TRAINING_ENV, and sets no SM_TOPOLOGY', () => {
    const c = contract({ resourceConfig: '{"current_host": "algo-1", "hosts": ["algo-1"], "topology": null}' });
    expect(c.envVars.SM_TRAINING_ENV).toContain('"topology":null');
    expect(c.envVars.SM_TOPOLOGY).toBeUndefined();
    expect(trainingEnv(contract({})).topology).toEqual([]); // missing: the default
  });

  it('gives SM_LOG_LEVEL="" and "log_level": null for sagemaker_container_log_level "null"', () => {
    const c = contract({ hyperparameters: hps({ sagemaker_container_log_level: "null" }) });
    expect(c.envVars.SM_LOG_LEVEL).toBe("");
    expect(trainingEnv(c).log_level).toBeNull();
    expect(contract({}).envVars.SM_LOG_LEVEL).toBe("20");
    // The typed reader keeps it too, rather than putting INFO in its place.
    expect(readTrainingEnvironment({ env: { SM_TRAINING_ENV: c.envVars.SM_TRAINING_ENV! } }).logLevel).toBeNull();
  });

  it('gives SM_MODULE_DIR=None for sagemaker_submit_directory "null" (Python\'s str(None))', () => {
    expect(contract({ hyperparameters: hps({ sagemaker_submit_directory: "null" }) }).envVars.SM_MODULE_DIR).toBe("None");
    expect(contract({}).envVars.SM_MODULE_DIR).toBe("/opt/ml/code");
  });

  it("keeps a null current_group_name, network_interface_name and instance group type", () => {
    const rc =
      '{"current_host": "algo-1", "hosts": ["algo-1"], "current_group_name": null, "network_interface_name": null,' +
      ' "instance_groups": [{"instance_group_name": "g", "instance_type": null, "hosts": ["algo-1"]}]}';
    const c = contract({ resourceConfig: rc, hyperparameters: hps({ sagemaker_mpi_enabled: "true" }) });
    expect([c.envVars.SM_CURRENT_INSTANCE_GROUP, c.envVars.SM_NETWORK_INTERFACE_NAME]).toEqual(["", ""]);
    expect(c.envVars.SM_CURRENT_INSTANCE_GROUP_HOSTS).toBe("[]");
    expect(c.envVars.SM_DISTRIBUTION_INSTANCE_GROUPS).toBe("[null]");
    expect(c.envVars.SM_INSTANCE_GROUPS_DICT).toBe('{"g":{"hosts":["algo-1"],"instance_group_name":"g","instance_type":null}}');
  });
});

describe("2. instance types with a fixed accelerator count", () => {
  const rc = (type: string) => `{"current_host": "algo-1", "hosts": ["algo-1"], "current_instance_type": "${type}"}`;

  it("reports 64 Neuron cores on ml.trn2.48xlarge whatever neuron-ls finds", () => {
    for (const detected of [0, 8]) {
      const c = contract({ resourceConfig: rc("ml.trn2.48xlarge") }, {}, { ...HOST, numNeurons: detected });
      expect(c.envVars.SM_NUM_NEURONS).toBe("64");
      expect(trainingEnv(c).num_neurons).toBe(64);
    }
  });

  it("reports what is detected on every other instance type, GPUs always", () => {
    const host = { ...HOST, numNeurons: 32, numGpus: 3 };
    expect(contract({ resourceConfig: rc("ml.trn1.32xlarge") }, {}, host).envVars.SM_NUM_NEURONS).toBe("32");
    expect(contract({ resourceConfig: rc("ml.trn2.48xlarge") }, {}, host).envVars.SM_NUM_GPUS).toBe("3");
    expect(contract({}, {}, host).envVars.SM_NUM_NEURONS).toBe("32"); // "local"
  });
});

describe("3. deep nesting, up to where SageMaker's toolkit fails with RecursionError", () => {
  const nested = (depth: number) => "[".repeat(depth) + "]".repeat(depth);

  it(`decodes a hyperparameter nested ${HYPERPARAMETER_MAX_DEPTH} levels deep, as the toolkit does`, () => {
    expect(HYPERPARAMETER_MAX_DEPTH).toBe(987);
    for (const depth of [901, 950, HYPERPARAMETER_MAX_DEPTH]) {
      const c = contract({ hyperparameters: hps({ x: nested(depth) }) });
      expect(c.envVars.SM_HP_X).toBe(nested(depth)); // decoded: rendered by json.dumps, not the raw string
      expect(c.envVars.SM_HPS).toBe(`{"x":${nested(depth)}}`);
      expect(c.cmdArgs[1]).toBe(nested(depth));
    }
  });

  it("fails one level deeper, naming the file, the hyperparameter and the reason", () => {
    const e = failure(() => contract({ hyperparameters: hps({ deep: `{"a": ${nested(HYPERPARAMETER_MAX_DEPTH)}}` }) }));
    expect(e.code).toBe("ConfigFieldInvalid");
    expect(e.message).toBe(
      `hyperparameters.json: field "deep" is nested more than 987 levels deep; SageMaker's toolkit fails on it (Python's RecursionError): flatten it, or pass the structure in a file of a channel`,
    );
  });

  it("reads config files up to the toolkit's depth and names the file past it", () => {
    const rc = (depth: number) => `{"current_host": "algo-1", "hosts": ["algo-1"], "t": ${nested(depth - 1)}}`;
    expect(contract({ resourceConfig: rc(CONFIG_FILE_MAX_DEPTH) }).envVars.SM_RESOURCE_CONFIG).toContain(nested(CONFIG_FILE_MAX_DEPTH - 1));
    expect(failure(() => contract({ resourceConfig: rc(CONFIG_FILE_MAX_DEPTH + 1) })).message).toBe(
      "resourceconfig.json: nested more than 985 levels deep; SageMaker's toolkit fails on it (Python's json raises RecursionError): flatten the structure",
    );
    const hp = (depth: number) => `{"x": ${nested(depth - 1)}}`;
    expect(contract({ hyperparameters: hp(HYPERPARAMETERS_FILE_MAX_DEPTH) }).envVars.SM_HP_X).toBe(nested(HYPERPARAMETERS_FILE_MAX_DEPTH - 1));
    expect(failure(() => contract({ hyperparameters: hp(HYPERPARAMETERS_FILE_MAX_DEPTH + 1) })).message).toMatch(
      /^hyperparameters\.json: nested more than 983 levels deep/,
    );
  });
});

describe("4. what SageMaker's toolkit refuses is refused, naming file, field and reason", () => {
  const base = mkdtempSync(join(tmpdir(), "optml-fidelity-"));
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it("a UTF-8 byte order mark at the start of a config file", () => {
    const config = join(base, "input", "config");
    mkdirSync(config, { recursive: true });
    writeFileSync(join(config, "hyperparameters.json"), "{}");
    writeFileSync(join(config, "inputdataconfig.json"), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from("{}")]));
    writeFileSync(join(config, "resourceconfig.json"), RC);
    const e = failure(() => contractForBaseDir(base, {}, HOST));
    expect(e.code).toBe("ConfigFileMalformed");
    expect(e.message).toBe(
      `${join(config, "inputdataconfig.json")}: not valid JSON: Unexpected UTF-8 BOM (decode using utf-8-sig): line 1 column 1 (char 0)`,
    );
  });

  it("sagemaker_region or sagemaker_job_name that decode to something else than a string", () => {
    const region = failure(() => contract({ hyperparameters: hps({ sagemaker_region: "5" }) }));
    expect(region.message).toBe(
      `hyperparameters.json: field "sagemaker_region" must hold a JSON-encoded string (as the SageMaker Python SDK writes it, e.g. "\\"my-value\\""), found an integer: 5; SageMaker's toolkit puts it into the environment variable SAGEMAKER_REGION, which cannot hold it, and fails`,
    );
    expect([region.file, region.field]).toEqual(["hyperparameters.json", "sagemaker_region"]);
    // The toolkit writes `region or ""`: a false value (None, 0, "", [], {}) is no region, not an error.
    for (const falsy of ["null", "0", '""', "[]", "{}", "false"]) {
      expect(() => contract({ hyperparameters: hps({ sagemaker_region: falsy }) })).not.toThrow();
    }
    for (const bad of ["null", "1", "[\"a\"]", '"a\\u0000b"', '"\\ud800"']) {
      const e = failure(() => contract({ hyperparameters: hps({ sagemaker_job_name: bad }) }));
      expect(e.message).toMatch(/^hyperparameters\.json: field "sagemaker_job_name" .*environment variable SAGEMAKER_JOB_NAME/);
    }
    expect(contract({ hyperparameters: hps({ sagemaker_job_name: '"job-1"', sagemaker_region: '"eu-west-1"' }) }).envVars.SM_HPS).toBe("{}");
  });

  it("current_host with a NUL or a lone surrogate", () => {
    for (const [host, what] of [
      ["algo\\u0000", "holds a NUL character (at index 4)"],
      ["algo\\udc80", "holds a lone surrogate U+DC80 (at index 4)"],
    ] as const) {
      const e = failure(() => contract({ resourceConfig: `{"current_host": "${host}", "hosts": ["${host}"]}` }));
      expect(e.message).toBe(
        `resourceconfig.json: field "current_host" ${what}: SageMaker's toolkit puts it into the environment variable CURRENT_HOST, which cannot hold it, and fails`,
      );
    }
    expect(contract({ resourceConfig: '{"current_host": "\\ud83d\\ude00", "hosts": ["\\ud83d\\ude00"]}' }).envVars.SM_CURRENT_HOST).toBe("😀");
  });

  it("SAGEMAKER_CONTAINER_LOG_LEVEL that Python's int() refuses", () => {
    const e = failure(() => contract({}, { SAGEMAKER_CONTAINER_LOG_LEVEL: "INFO" }));
    expect(e.message).toBe(
      `environment variable SAGEMAKER_CONTAINER_LOG_LEVEL must be an integer logging level (e.g. 20 for INFO), found "INFO": SageMaker's toolkit reads it with Python's int() and fails`,
    );
    // The value is only read: the hyperparameter (or 20) is the level either way.
    expect(contract({}, { SAGEMAKER_CONTAINER_LOG_LEVEL: " 10 " }).envVars.SM_LOG_LEVEL).toBe("20");
  });

  it("decides int() as python3 does, for generated strings", () => {
    const rnd = prng(20261130);
    const pieces = ["1", "0", "9", "_", "__", "-", "+", " ", "\t", "\n", "\x0b", "\x1c", "\x85", "\xa0", "\u2003", "\u3000",
      "\u0661", "\u0966", "\uff19", "\u{1d7ce}", "\u00b2", "\u2160", ".", "e", "x", "a", "\x7f", "\u200b", "\u180e", ""];
    const texts = Array.from({ length: 4000 }, () =>
      Array.from({ length: Math.floor(rnd() * 7) }, () => pieces[Math.floor(rnd() * pieces.length)]!).join(""),
    );
    texts.push("1".repeat(4300), "1".repeat(4301), "0".repeat(4301), `${"1_".repeat(2150)}1`);
    const expected = pythonMap<boolean>(
      "def run(s):\n    try:\n        int(s)\n        return True\n    except ValueError:\n        return False",
      texts,
    );
    const wrong = texts.filter((t, i) => pyIntAccepts(t) !== expected[i]).map((t) => JSON.stringify(t));
    expect(wrong).toEqual([]);
    expect(expected.filter(Boolean).length).toBeGreaterThan(300);
  });
});

describe("4. (continued) what the toolkit's train fails on before the user program starts: checkTrainStart", () => {
  const start = (values: Record<string, string>) => () => checkTrainStart(contract({ hyperparameters: hps(values) }));

  it("a log level Python's logging refuses: the environment has it, the start refuses it", () => {
    expect(contract({ hyperparameters: hps({ sagemaker_container_log_level: '"INFO"' }) }).envVars.SM_LOG_LEVEL).toBe("INFO");
    for (const bad of ['"INFO"', '"20"', "10.0", "null", "[10]"]) {
      expect(start({ sagemaker_container_log_level: bad })).toThrow(
        /^hyperparameters\.json: field "sagemaker_container_log_level" must be an integer logging level .*configures Python's logging with it and fails$/,
      );
    }
    for (const ok of ["10", "-5", "true", "1000000000000000000000000"]) expect(start({ sagemaker_container_log_level: ok })).not.toThrow();
    expect(() => checkTrainStart(contract({}))).not.toThrow();
  });

  it("a hyperparameter whose SM_HP_ name or value the environment cannot hold", () => {
    expect(start({ "a=b": "1" })).toThrow(
      'hyperparameters.json: field "a=b" makes the environment variable name "SM_HP_A=B", which holds "=" (at index 7); SageMaker\'s toolkit cannot set it and fails',
    );
    expect(start({ x: '"a\\u0000b"' })).toThrow(
      'hyperparameters.json: field "x" holds a NUL character (at index 1); SageMaker\'s toolkit cannot put it into the environment variable SM_HP_X and fails',
    );
    expect(start({ x: '"a\\ud800b"' })).toThrow(/field "x" holds a lone surrogate U\+D800/);
    // Inside JSON (a list, an object) the value is escaped and harmless.
    expect(start({ x: '["a\\u0000b"]', y: '"caf\\u00e9 \\ud83d\\ude00"' })).not.toThrow();
  });

  it("a platform value the environment cannot hold, named by its variable", () => {
    expect(start({ sagemaker_submit_directory: '"/code\\u0000"' })).toThrow(
      "SM_MODULE_DIR (computed from the job's configuration) holds a NUL character (at index 5); SageMaker's toolkit cannot put it into the user program's environment and fails",
    );
  });
});

describe("5. messages say what is wrong", () => {
  it("a top-level [] is valid JSON of the wrong type, not invalid JSON", () => {
    const e = failure(() => contract({ hyperparameters: "[]" }));
    expect(e.message).toBe("hyperparameters.json: must hold a JSON object ({...}) at the top level, found a list: []");
  });

  it("a bad sagemaker_distribution_instance_groups is a hyperparameter, not an environment variable", () => {
    const e = failure(() => contract({ hyperparameters: hps({ sagemaker_distribution_instance_groups: "1.5" }) }));
    expect(e.message).toMatch(/^hyperparameters\.json: field "sagemaker_distribution_instance_groups" must be a list/);
    expect(e.message).not.toMatch(/environment variable sagemaker/);
    expect([e.file, e.field]).toEqual(["hyperparameters.json", "sagemaker_distribution_instance_groups"]);
  });
});

describe("6. where optml is deliberately stricter than the toolkit (README)", () => {
  it.each([
    ["a channel name the API refuses", { inputDataConfig: '{"bad name": {}}' }, /field "bad name" is not a valid channel name/],
    ["current_host not among hosts", { resourceConfig: '{"current_host": "algo-9", "hosts": ["algo-1"]}' }, /which is not among hosts/],
    ["a null current_host", { resourceConfig: '{"current_host": null, "hosts": ["algo-1"]}' }, /"current_host" must be a string, found None/],
    ["null hosts", { resourceConfig: '{"current_host": "algo-1", "hosts": null}' }, /"hosts" must be a list of host names/],
    ["a null instance group name", { resourceConfig: `{"current_host": "algo-1", "hosts": ["algo-1"], "instance_groups": [{"instance_group_name": null, "hosts": []}]}` }, /instance_groups\[0\]\.instance_group_name" must be a string/],
    ["a list as current_instance_type", { resourceConfig: '{"current_host": "algo-1", "hosts": ["algo-1"], "current_instance_type": ["x"]}' }, /"current_instance_type" must be a string/],
  ] satisfies [string, Texts, RegExp][])("refuses %s", (_, texts, message) => {
    expect(failure(() => contract(texts)).message).toMatch(message);
  });
});
