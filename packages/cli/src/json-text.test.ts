import { describe, expect, it } from "vitest";
import { parseJsonText } from "./json-text.js";

function problem(text: string) {
  const r = parseJsonText(text);
  if (r.ok) throw new Error("parsed");
  return `${r.line}:${r.column} ${r.problem}`;
}

describe("parseJsonText", () => {
  it("parses what JSON.parse parses, a byte order mark aside", () => {
    expect(parseJsonText('\uFEFF{"a": [1, 2.5e3, "x\\n", true, null]}')).toEqual({ ok: true, value: { a: [1, 2500, "x\n", true, null] } });
  });

  it("names the line and column of the first error, and what was expected there", () => {
    expect(problem('{\n  "a": 1,\n  "b": 2\n  "c": 3\n}')).toBe("4:3 expected ',' or '}' after the property value, found '\"'");
    expect(problem('{\n  "a": 1,\n}')).toBe("3:1 a trailing comma before '}' (JSON allows none)");
    expect(problem("[1, 2,]")).toBe("1:7 a trailing comma before ']' (JSON allows none)");
    expect(problem('{"a" 1}')).toBe("1:6 expected ':' after the property name, found '1'");
    expect(problem("{'a': 1}")).toBe("1:2 expected a property name in double quotes, found \"'\"");
    expect(problem('{"a": tru}')).toBe("1:7 expected a value (an object, array, string, number, true, false or null), found 't'");
    expect(problem('{"a": "x')).toBe("1:9 unterminated string: a closing '\"' is missing");
    expect(problem('{"a": "\\q"}')).toMatch(/^1:8 a bad escape in a string: \\q/);
    expect(problem('{"a": "line\nbreak"}')).toMatch(/^1:12 a control character/);
    expect(problem('{"a": 01}')).toBe("1:8 expected ',' or '}' after the property value, found '1'");
    expect(problem('{"a": 1.}')).toBe("1:9 expected a digit after the decimal point, found '}'");
    expect(problem('{"a": 1} x')).toBe("1:10 unexpected 'x' after the end of the JSON value");
    expect(problem("")).toBe("1:1 expected a value (an object, array, string, number, true, false or null), found the end of the text");
    expect(problem('{"a": [1, 2')).toBe("1:12 expected ',' or ']' after the array element, found the end of the text");
  });
});
