import { describe, expect, it } from "vitest";
import { shebangCommand } from "./program.js";

describe("a script that cannot be made executable", () => {
  it("runs through its #! interpreter, with the one argument Linux passes, else /bin/sh", () => {
    expect(shebangCommand("#!/bin/bash\necho hi\n")).toEqual(["/bin/bash"]);
    expect(shebangCommand("#! /usr/bin/env  python3 \nprint(1)\n")).toEqual(["/usr/bin/env", "python3"]);
    expect(shebangCommand("#!/bin/sh -eu x\n")).toEqual(["/bin/sh", "-eu x"]);
    expect(shebangCommand("echo no shebang\n")).toEqual(["/bin/sh"]);
    expect(shebangCommand("#!\n")).toEqual(["/bin/sh"]);
  });
});
