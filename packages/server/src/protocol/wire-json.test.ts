import { describe, expect, it } from "vitest";
import { ApiError } from "./errors.js";
import { epochSeconds, errorBody, parseRequestBody, toWireJson } from "./wire-json.js";

describe("toWireJson", () => {
  it("writes every Date as epoch seconds, in nested objects and arrays", () => {
    const at = new Date(1_700_000_000_123);
    const json = toWireJson({
      CreationTime: at,
      Nested: { Deeper: [{ StartTime: at, EndTime: new Date(0) }], Text: "2024-01-01" },
      Times: [at, [at]],
    });
    expect(JSON.parse(json)).toEqual({
      CreationTime: 1_700_000_000.123,
      Nested: { Deeper: [{ StartTime: 1_700_000_000.123, EndTime: 0 }], Text: "2024-01-01" },
      Times: [1_700_000_000.123, [1_700_000_000.123]],
    });
    expect(json).toContain('"CreationTime":1700000000.123');
  });

  it("writes whole seconds without a fraction and keeps millisecond precision", () => {
    expect(toWireJson({ t: new Date(1_700_000_005_000) })).toBe('{"t":1700000005}');
    expect(toWireJson({ t: new Date(1_700_000_000_001) })).toBe('{"t":1700000000.001}');
    expect(epochSeconds(new Date(Number.NaN))).toBeNull();
  });

  it("writes nothing as {}, an invalid Date as null and a bigint as a number", () => {
    expect(toWireJson(undefined)).toBe("{}");
    expect(toWireJson(null)).toBe("{}");
    expect(toWireJson({ bad: new Date(Number.NaN), big: 5n, skip: undefined })).toBe('{"bad":null,"big":5}');
  });

  it("writes error bodies as {__type, message}", () => {
    expect(JSON.parse(errorBody("ValidationException", "nope"))).toEqual({ __type: "ValidationException", message: "nope" });
  });
});

describe("parseRequestBody", () => {
  it("reads a JSON object, and an empty or blank body as {}", () => {
    expect(parseRequestBody(Buffer.from('{"a":[1,{"b":null}]}'))).toEqual({ a: [1, { b: null }] });
    expect(parseRequestBody(Buffer.alloc(0))).toEqual({});
    expect(parseRequestBody(Buffer.from(" \n"))).toEqual({});
  });

  it.each([["{"], ["[]"], ["1"], ['"s"'], ["null"], ["true"], ["{'a': 1}"]])(
    "refuses %s with SerializationException",
    (text) => {
      let caught: unknown;
      try {
        parseRequestBody(Buffer.from(text));
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(ApiError);
      expect((caught as ApiError).code).toBe("SerializationException");
    },
  );

  it("keeps __proto__ as plain data", () => {
    const input = parseRequestBody(Buffer.from('{"__proto__": {"polluted": true}}'));
    expect(Object.hasOwn(input, "__proto__")).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
