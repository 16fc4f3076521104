/**
 * The codec checked against the machine's python3 on thousands of generated JSON documents:
 * doubles across the whole range in many spellings, big integers, arbitrary Unicode (lone
 * surrogates, controls, supplementary planes), nested containers with repeated keys, and broken
 * documents. For each text both sides must agree on whether it parses, and then on
 * `json.dumps(sort_keys, compact, ensure_ascii)`, `repr()` and `str()`.
 */
import { describe, expect, it } from "vitest";
import { dumps, pyRepr, pyStr, pyUpper, tryLoads } from "../src/pyjson/index.js";
import { prng, pythonMap } from "./python-oracle.js";

const SEED = Number(process.env.OPTML_DIFF_SEED ?? 20261127);

function generate(seed: number, count: number): string[] {
  const rnd = prng(seed);
  const int = (n: number) => Math.floor(rnd() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const buf = new DataView(new ArrayBuffer(8));

  const randomDouble = (): number => {
    if (rnd() < 0.15) return pick([0, -0, 1, 0.1, 1e16, 1e-5, 9.999999999999999e15, 5e-324, 2 ** 53, 1e22, 123456789.125]);
    buf.setUint32(0, Math.floor(rnd() * 2 ** 32));
    buf.setUint32(4, Math.floor(rnd() * 2 ** 32));
    const x = buf.getFloat64(0);
    return Number.isFinite(x) ? x : rnd() * 1e6;
  };
  const doubleLexeme = (): string => {
    const x = randomDouble();
    const s = String(x);
    switch (int(6)) {
      case 0:
        return s.includes(".") || s.includes("e") ? s : s + ".0";
      case 1:
        return x.toExponential(int(20));
      case 2:
        return Math.abs(x) < 1e21 && Math.abs(x) > 1e-6 ? x.toFixed(int(12) + 1) : x.toExponential();
      case 3:
        return x.toPrecision(int(21) + 1).replace(/^(-?\d+)$/, "$1.0");
      case 4: {
        // Long decimal strings exercise correct rounding of the parse.
        const digits = Array.from({ length: int(40) + 1 }, () => String(int(10))).join("").replace(/^0+/, "") || "0";
        return `${rnd() < 0.5 ? "-" : ""}${digits}.${int(1000)}e${rnd() < 0.5 ? "-" : "+"}${int(330)}`;
      }
      default:
        return `${int(10)}E${int(40) - 20}`;
    }
  };
  const intLexeme = (): string => {
    const len = pick([1, 2, 5, 15, 16, 17, 19, 20, 30, 60]);
    const digits = String(int(9) + 1) + Array.from({ length: len - 1 }, () => String(int(10))).join("");
    return (rnd() < 0.3 ? "-" : "") + (rnd() < 0.05 ? "0" : digits);
  };
  const randomChar = (): string => {
    const r = rnd();
    if (r < 0.3) return String.fromCharCode(0x20 + int(0x5f));
    if (r < 0.4) return pick(["'", '"', "\\", "\n", "\t", "\r", "\b", "\f", "/", "\u007f", "\u0000", "\u001f"]);
    if (r < 0.55) return String.fromCodePoint(0x80 + int(0x780));
    if (r < 0.7) return String.fromCodePoint(0x800 + int(0xd800 - 0x800));
    if (r < 0.75) return String.fromCharCode(0xd800 + int(0x800)); // lone surrogate
    if (r < 0.85) return String.fromCodePoint(0xe000 + int(0x2000));
    return String.fromCodePoint(0x10000 + int(0x100000));
  };
  const stringLexeme = (): string => {
    let s = '"';
    const n = int(12);
    for (let i = 0; i < n; i++) {
      const ch = randomChar();
      const cp = ch.charCodeAt(0);
      // Lone surrogates are always escaped: config files are UTF-8, which cannot carry them raw.
      const lone = cp >= 0xd800 && cp < 0xe000 && ch.length === 1;
      if (ch === '"' || ch === "\\" || cp < 0x20 || lone || rnd() < 0.25) {
        for (let j = 0; j < ch.length; j++) {
          const h = ch.charCodeAt(j).toString(16).padStart(4, "0");
          s += "\\u" + (rnd() < 0.5 ? h : h.toUpperCase());
        }
      } else if (ch === "/" && rnd() < 0.5) s += "\\/";
      else s += ch;
    }
    return s + '"';
  };
  const ws = (): string => (rnd() < 0.7 ? "" : pick([" ", "  ", "\n", "\t", "\r\n "]));
  const value = (depth: number): string => {
    const r = rnd();
    if (depth < 4 && r < 0.12) {
      const n = int(5);
      return `[${ws()}${Array.from({ length: n }, () => value(depth + 1)).join(`${ws()},${ws()}`)}${ws()}]`;
    }
    if (depth < 4 && r < 0.24) {
      const keys = Array.from({ length: int(5) }, () => (rnd() < 0.3 ? pick(['"a"', '"b"', '"A"']) : stringLexeme()));
      return `{${ws()}${keys.map((k) => `${k}${ws()}:${ws()}${value(depth + 1)}`).join(`${ws()},${ws()}`)}${ws()}}`;
    }
    if (r < 0.45) return doubleLexeme();
    if (r < 0.6) return intLexeme();
    if (r < 0.85) return stringLexeme();
    return pick(["true", "false", "null", "NaN", "Infinity", "-Infinity"]);
  };
  const corrupt = (s: string): string => {
    const at = int(s.length + 1);
    switch (int(3)) {
      case 0:
        return s.slice(0, at);
      case 1:
        return s.slice(0, at) + pick(["}", "]", ",", ":", '"', "x", "\\", "-", ".", "e", "\u0001", " 1"]) + s.slice(at);
      default:
        return s.slice(0, at) + s.slice(at + 1);
    }
  };

  const texts: string[] = [];
  for (let i = 0; i < count; i++) {
    const text = ws() + value(0) + ws();
    texts.push(rnd() < 0.1 ? corrupt(text) : text);
  }
  return texts;
}

describe(`pyjson against python3 (seed ${SEED}, OPTML_DIFF_SEED to change)`, () => {
  it("agrees on parse, dumps, repr and str for 6000 generated documents", () => {
    const texts = generate(SEED, 6000);
    const expected = pythonMap<[string, string, string] | null>(
      `
def run(text):
    try:
        v = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return [json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=True), repr(v), str(v)]
`,
      texts,
    );
    let parsed = 0;
    texts.forEach((text, i) => {
      const v = tryLoads(text);
      const got = v === undefined ? null : [dumps(v), pyRepr(v), pyStr(v)];
      if (got !== null) parsed++;
      expect(got, `document #${i}: ${JSON.stringify(text)}`).toEqual(expected[i]);
    });
    // The generator must really exercise both paths.
    expect(parsed).toBeGreaterThan(5000);
    expect(texts.length - parsed).toBeGreaterThan(100);
  });

  it("agrees on float repr for 20000 random bit patterns", () => {
    const rnd = prng(SEED + 1);
    const buf = new DataView(new ArrayBuffer(8));
    const xs: number[] = [];
    while (xs.length < 20000) {
      buf.setUint32(0, Math.floor(rnd() * 2 ** 32));
      buf.setUint32(4, Math.floor(rnd() * 2 ** 32));
      const x = buf.getFloat64(0);
      if (Number.isFinite(x)) xs.push(x);
    }
    // Send exact bit patterns, not decimal text, so the comparison does not depend on parsing.
    const hexes = xs.map((x) => {
      buf.setFloat64(0, x);
      return buf.getBigUint64(0).toString(16);
    });
    const expected = pythonMap<string>(
      `
import struct
def run(h):
    return repr(struct.unpack(">d", int(h, 16).to_bytes(8, "big"))[0])
`,
      hexes,
    );
    xs.forEach((x, i) => expect(pyRepr(x), hexes[i]).toBe(expected[i]));
  });
});

describe("pyUpper against python3", () => {
  it("upper-cases every code point as str.upper() does", () => {
    const chars: string[] = [];
    for (let cp = 0; cp < 0x110000; cp++) if (cp < 0xd800 || cp >= 0xe000) chars.push(String.fromCodePoint(cp));
    const expected = pythonMap<string>("def run(s):\n    return s.upper()", chars);
    const wrong = chars.filter((c, i) => pyUpper(c) !== expected[i]).map((c) => c.codePointAt(0)!.toString(16));
    expect(wrong).toEqual([]);
  });
});
