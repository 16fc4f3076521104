/**
 * Hyperparameter rendering for inputs no vector shows, checked against python3 running the
 * reference's rules with Python's own builtins: `json.loads` of each value (raw string kept when it
 * fails), `SM_HP_<KEY.upper()>` as the string or `json.dumps(sort_keys, compact, ensure_ascii)`,
 * and command-line arguments from `sorted()` keys with `str()` values and `k=v` pairs for dicts.
 */
import { describe, expect, it } from "vitest";
import { computeContract, dumps, parseConfigTexts } from "../src/index.js";
import { prng, pythonMap } from "./python-oracle.js";

const SEED = Number(process.env.OPTML_DIFF_SEED ?? 20261127);

const ORACLE = `
def decode(v):
    try:
        return json.loads(v)
    except (ValueError, TypeError):
        return v

def env_value(v):
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    return json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=True)

def arg_value(v):
    if hasattr(v, "items"):
        return ",".join("%s=%s" % (k, x) for k, x in sorted(v.items()))
    return "" if v is None else str(v)

def run(text):
    hps = {k: decode(v) for k, v in json.loads(text).items()}
    args = []
    for k in sorted(hps):
        args += [("--%s" % k if len(k) > 1 else "-%s" % k) if k else "", arg_value(hps[k])]
    env = {}
    for k, v in hps.items():
        env["SM_HP_%s" % k.upper()] = env_value(v)
    env["SM_HPS"] = env_value(hps)
    env["SM_USER_ARGS"] = env_value(args)
    return {"args": args, "env": env}
`;

function generateHyperparameterFiles(seed: number, count: number): string[] {
  const rnd = prng(seed);
  const int = (n: number) => Math.floor(rnd() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const char = (): string => {
    const r = rnd();
    if (r < 0.5) return String.fromCharCode(0x61 + int(26));
    if (r < 0.6) return pick(["-", "_", ".", "A", "Z", "'", '"', " ", "\\", "\n", "\t", "\u0085", "\u00a0"]);
    if (r < 0.75) return String.fromCodePoint(0xa1 + int(0x500));
    if (r < 0.85) return String.fromCodePoint(0xe000 + int(0x1000));
    return String.fromCodePoint(0x10000 + int(0xf000));
  };
  const word = (n = int(6)) => Array.from({ length: n }, char).join("");
  const nested = (depth: number): string => {
    const r = rnd();
    if (depth < 3 && r < 0.2) return `[${Array.from({ length: int(4) }, () => nested(depth + 1)).join(", ")}]`;
    if (depth < 3 && r < 0.4) {
      return `{${Array.from({ length: int(4) }, () => `${JSON.stringify(word(int(3) + 1))}: ${nested(depth + 1)}`).join(", ")}}`;
    }
    return pick([
      () => JSON.stringify(word()),
      () => String(int(1000) - 500),
      () => `${int(100)}.${int(100)}e${int(40) - 20}`,
      () => "12345678901234567890123",
      () => pick(["true", "false", "null", "NaN", "-Infinity", "1.0", "-0.0", "1e16", "0.0001"]),
    ])();
  };
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const hps: Record<string, string> = {};
    const n = int(8);
    for (let j = 0; j < n; j++) {
      const key = rnd() < 0.15 ? word(1) : word(int(8) + 1);
      hps[key] = rnd() < 0.8 ? nested(0) : word(); // some values are not JSON at all
    }
    files.push(JSON.stringify(hps));
  }
  return files;
}

describe(`hyperparameters rendered as SM_* and arguments, against python3 (seed ${SEED})`, () => {
  it("agrees for 1500 generated hyperparameters.json files", () => {
    const files = generateHyperparameterFiles(SEED, 1500);
    const expected = pythonMap<{ args: string[]; env: Record<string, string> }>(ORACLE, files);
    files.forEach((text, i) => {
      const config = parseConfigTexts({
        hyperparameters: text,
        inputDataConfig: "{}",
        resourceConfig: '{"current_host": "algo-1", "hosts": ["algo-1"]}',
      });
      const got = computeContract(config, {
        baseDir: "/opt/ml",
        env: {},
        host: { numCpus: 1, numGpus: 0, numNeurons: 0, smddprunInstalled: false, smddpmprunInstalled: false },
      });
      const want = expected[i]!;
      expect(got.cmdArgs, `file #${i}: ${text}`).toEqual(want.args);
      for (const [name, value] of Object.entries(want.env)) {
        expect(got.envVars[name], `file #${i}: ${name}`).toBe(value);
      }
      expect(dumps(got.cmdArgs)).toBe(want.env.SM_USER_ARGS);
    });
  });
});
