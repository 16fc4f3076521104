import { describe, expect, it } from "vitest";
import {
  compareCodePoints,
  dumps,
  floatRepr,
  isPrintable,
  loads,
  PyJsonDecodeError,
  pyRepr,
  pyStr,
  tryLoads,
} from "./index.js";

describe("loads", () => {
  it("keeps Python's int/float split by lexeme", () => {
    expect(loads("10")).toBe(10n);
    expect(loads("10.0")).toBe(10);
    expect(loads("1E5")).toBe(100000);
    expect(typeof loads("1e1")).toBe("number");
    expect(loads("-0")).toBe(0n);
    expect(Object.is(loads("-0.0"), -0)).toBe(true);
  });

  it("keeps integers exact beyond 2^53", () => {
    expect(loads("12345678901234567890")).toBe(12345678901234567890n);
    expect(dumps(loads("-98765432109876543210987654321"))).toBe("-98765432109876543210987654321");
  });

  it("refuses ints longer than Python's 4300-digit limit, as Python does", () => {
    expect(loads("9".repeat(4300))).toBe(BigInt("9".repeat(4300)));
    expect(() => loads("9".repeat(4301))).toThrow(/Exceeds the limit/);
    expect(loads("9".repeat(4301) + ".0")).toBe(Infinity);
  });

  it("accepts NaN, Infinity and -Infinity and overflows to infinity", () => {
    expect(loads("NaN")).toBeNaN();
    expect(loads("Infinity")).toBe(Infinity);
    expect(loads("[-Infinity]")).toEqual([-Infinity]);
    expect(loads("1e400")).toBe(Infinity);
  });

  it("keeps key order and lets a repeated key keep its first place with the last value", () => {
    const d = loads('{"b": 1, "a": 2, "b": 3}') as Map<string, unknown>;
    expect([...d.entries()]).toEqual([
      ["b", 3n],
      ["a", 2n],
    ]);
  });

  it("accepts JSON whitespace around the value and nothing else", () => {
    expect(loads(" \t\n 7 \r\n")).toBe(7n);
    expect(tryLoads("\u00a07")).toBeUndefined();
    expect(tryLoads("7 8")).toBeUndefined();
    expect(tryLoads("")).toBeUndefined();
  });

  it("decodes escapes, including surrogate pairs and lone surrogates", () => {
    expect(loads('"\\ud83d\\ude00"')).toBe("😀");
    expect(loads('"\\ud800x"')).toBe("\ud800x");
    expect(loads('"a\\/b\\u00E9"')).toBe("a/bé");
  });

  it("rejects what Python rejects, naming line and column", () => {
    for (const bad of ["01", "1.", ".5", "+1", "[1,]", "{'a':1}", '"a\nb"', "tru", "-NaN", '"\\x41"', "\ufeff1"]) {
      expect(tryLoads(bad), bad).toBeUndefined();
    }
    try {
      loads('{\n  "a": 1,\n  "b" 2\n}');
      expect.fail("should throw");
    } catch (e) {
      expect(e).toBeInstanceOf(PyJsonDecodeError);
      expect((e as PyJsonDecodeError).message).toBe("Expecting ':' delimiter: line 3 column 7 (char 18)");
      expect((e as PyJsonDecodeError).line).toBe(3);
    }
  });
});

describe("dumps", () => {
  it("sorts keys by code point at every level with compact separators", () => {
    expect(dumps(loads('{"b": {"z": 1, "a": [1.0, null]}, "a": true}'))).toBe('{"a":true,"b":{"a":[1.0,null],"z":1}}');
    // U+FF01 sorts before U+1F600 by code point, after it by UTF-16 code unit.
    expect(dumps(loads('{"\\ud83d\\ude00": 1, "\\uff01": 2}'))).toBe('{"\\uff01":2,"\\ud83d\\ude00":1}');
  });

  it("escapes with ensure_ascii and lowercase hex", () => {
    expect(dumps('a"\\\n\r\t\b\f\u0001\u007f/é日😀')).toBe('"a\\"\\\\\\n\\r\\t\\b\\f\\u0001\\u007f/\\u00e9\\u65e5\\ud83d\\ude00"');
  });

  it("writes floats as Python repr and non-finite values bare", () => {
    expect(dumps([1e-5, 100000, 1e16, 1e15, 0.1, -0, NaN, Infinity, -Infinity])).toBe(
      "[1e-05,100000.0,1e+16,1000000000000000.0,0.1,-0.0,NaN,Infinity,-Infinity]",
    );
  });

  it("writes empty containers", () => {
    expect(dumps([])).toBe("[]");
    expect(dumps(new Map())).toBe("{}");
  });
});

describe("floatRepr", () => {
  it("follows CPython's layout", () => {
    const cases: [number, string][] = [
      [1, "1.0"],
      [0.0001, "0.0001"],
      [0.00001, "1e-05"],
      [2.5e-7, "2.5e-07"],
      [1e16, "1e+16"],
      [1.5e16, "1.5e+16"],
      [9999999999999998, "9999999999999998.0"],
      [1e22, "1e+22"],
      [5e-324, "5e-324"],
      [1.7976931348623157e308, "1.7976931348623157e+308"],
      [-123.456, "-123.456"],
      [0.1 + 0.2, "0.30000000000000004"],
    ];
    for (const [x, s] of cases) expect(floatRepr(x), String(x)).toBe(s);
  });
});

describe("pyRepr and pyStr", () => {
  it("renders scalars as Python does", () => {
    expect([null, true, false, 3n, 1.0, NaN, -Infinity].map((v) => pyRepr(v))).toEqual([
      "None",
      "True",
      "False",
      "3",
      "1.0",
      "nan",
      "-inf",
    ]);
    expect(pyStr("x y")).toBe("x y");
    expect(pyRepr("x y")).toBe("'x y'");
  });

  it("chooses quotes and escapes as Python's repr", () => {
    expect(pyRepr("it's")).toBe(`"it's"`);
    expect(pyRepr(`it's "q"`)).toBe(`'it\\'s "q"'`);
    expect(pyRepr("a\\b\n\t\r\u0000\u007f\u0085é\u00a0\u200b😀\udfff")).toBe(
      "'a\\\\b\\n\\t\\r\\x00\\x7f\\x85é\\xa0\\u200b😀\\udfff'",
    );
  });

  it("renders nested containers in insertion order with Python separators", () => {
    expect(pyStr(loads('{"y": [1, "q", null], "a": {"k": 2.0}}'))).toBe("{'y': [1, 'q', None], 'a': {'k': 2.0}}");
    expect(pyStr([])).toBe("[]");
    expect(pyStr(new Map())).toBe("{}");
  });

  it("knows Python's printable set", () => {
    expect(isPrintable(0x41)).toBe(true);
    expect(isPrintable(0x20)).toBe(true);
    expect(isPrintable(0xa0)).toBe(false); // NO-BREAK SPACE is Zs
    expect(isPrintable(0xe9)).toBe(true);
    expect(isPrintable(0xe000)).toBe(false); // private use
    expect(isPrintable(0x1f600)).toBe(true);
  });
});

describe("compareCodePoints", () => {
  it("orders by code point, not UTF-16 code unit", () => {
    expect(["😀", "\uff01", "a"].sort(compareCodePoints)).toEqual(["a", "\uff01", "😀"]);
    expect(compareCodePoints("ab", "a")).toBe(1);
    expect(compareCodePoints("", "")).toBe(0);
  });
});
