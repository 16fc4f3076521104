import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { groupAlive, parseProcStat, signalGroup } from "./process-group.js";

describe("parseProcStat", () => {
  it("reads state and process group, whatever the command name holds", () => {
    expect(parseProcStat("1234 (python3) S 1 1234 1234 0 -1 4194560 ...")).toEqual({ state: "S", pgrp: 1234 });
    expect(parseProcStat("77 (a) b (c)) Z 5 70 70 0")).toEqual({ state: "Z", pgrp: 70 });
    expect(parseProcStat("garbage")).toBeUndefined();
  });
});

describe("groupAlive", () => {
  it("sees a detached child's group until it ends", async () => {
    const child = spawn("/bin/sh", ["-c", "sleep 30"], { detached: true, stdio: "ignore" });
    await new Promise((resolve) => child.once("spawn", resolve));
    expect(groupAlive(child.pid!)).toBe(true);
    const exited = new Promise((resolve) => child.once("exit", resolve));
    expect(signalGroup(child.pid!, "SIGKILL")).toBe(true);
    await exited;
    await expect.poll(() => groupAlive(child.pid!)).toBe(false);
  });
});
