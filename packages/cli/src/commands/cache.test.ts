import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { byteSize, cacheCommand } from "./cache.js";

const home = mkdtempSync(join(tmpdir(), "optml-cache-cli-"));
afterAll(() => rmSync(home, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

async function run(...args: string[]): Promise<string> {
  let out = "";
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  await cacheCommand().exitOverride().parseAsync(args, { from: "user" });
  vi.restoreAllMocks();
  return out;
}

describe("optml cache", () => {
  it("shows the cache under a state directory, and clears it", async () => {
    mkdirSync(join(home, "cache", "objects", "ab"), { recursive: true });
    writeFileSync(join(home, "cache", "objects", "ab", "abcd"), Buffer.alloc(1536));
    const shown = JSON.parse(await run("--home", home, "--json"));
    expect(shown).toMatchObject({ dir: join(home, "cache"), entries: 1, bytes: 1536 });
    expect(await run("--home", home)).toMatch(new RegExp(`^cache: +${join(home, "cache")}\nobjects: 1\nsize: +1.5 KiB\nlimit: `));
    expect(await run("clear", "--home", home)).toBe(`removed 1 object(s), 1.5 KiB, from ${join(home, "cache")}\n`);
    expect(JSON.parse(await run("--home", home, "--json"))).toMatchObject({ entries: 0, bytes: 0 });
  });

  it("writes sizes in binary units", () => {
    expect([byteSize(0), byteSize(1023), byteSize(1024), byteSize(20 * 1024 ** 3)]).toEqual(["0 bytes", "1023 bytes", "1.0 KiB", "20.0 GiB"]);
  });
});
