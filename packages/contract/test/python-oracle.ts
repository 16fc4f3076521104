import { spawnSync } from "node:child_process";

/**
 * Ask the machine's own python3 to evaluate a Python snippet over a list of inputs.
 * Inputs travel as a JSON array of strings (lone surrogates survive: Node escapes them and
 * Python decodes them back); outputs come back as JSON with ensure_ascii, so both directions
 * are lossless. The snippet defines `def run(item): ...`.
 */
export function pythonMap<T>(snippet: string, inputs: readonly unknown[]): T[] {
  const program = `
import json, sys
${snippet}
items = json.loads(sys.stdin.read())
sys.stdout.write(json.dumps([run(item) for item in items], ensure_ascii=True))
`;
  const result = spawnSync("python3", ["-c", program], {
    input: JSON.stringify(inputs),
    encoding: "utf8",
    maxBuffer: 1 << 30,
  });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`python3 failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as T[];
}

/** A small deterministic PRNG (mulberry32), so a failing case can be replayed from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
