import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { commandLine, shellQuote } from "./shell-quote.js";

describe("shellQuote", () => {
  it("leaves safe words alone", () => {
    expect(shellQuote("--epochs")).toBe("--epochs");
    expect(shellQuote("a=1,b=2")).toBe("a=1,b=2");
    expect(shellQuote("/usr/bin/python3")).toBe("/usr/bin/python3");
  });

  it("quotes the empty string, spaces, quotes and non-ASCII", () => {
    expect(shellQuote("")).toBe("''");
    expect(shellQuote("a b")).toBe("'a b'");
    expect(shellQuote("it's")).toBe(`'it'"'"'s'`);
    expect(shellQuote('say "hi"')).toBe(`'say "hi"'`);
    expect(shellQuote("héllo")).toBe("'héllo'");
    expect(shellQuote("$HOME")).toBe("'$HOME'");
  });

  it("gives back the same argv through /bin/sh", () => {
    const argv = ["", "a b", "it's", '"q"', "$(touch x)", "back\\slash", "new\nline", "ünï 🎉", "*", "-n"];
    const script = `for a in ${commandLine(argv)}; do printf '%s\\0' "$a"; done`;
    const out = spawnSync("/bin/sh", ["-c", script], { encoding: "utf8" });
    expect(out.stdout.split("\0").slice(0, -1)).toEqual(argv);
  });
});
