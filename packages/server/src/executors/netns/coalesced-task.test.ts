import { describe, expect, it } from "vitest";
import { CoalescedTask } from "./coalesced-task.js";

describe("CoalescedTask", () => {
  it("serves requests made together with one run, and a request during a run with the next", async () => {
    const events: string[] = [];
    let value = 0;
    let release: (() => void) | undefined;
    const task = new CoalescedTask(async () => {
      const seen = value;
      events.push(`start ${seen}`);
      await new Promise<void>((r) => (release = r));
      events.push(`end ${seen}`);
    });
    value = 1;
    const a = task.run();
    value = 2;
    const b = task.run();
    expect(b).toBe(a);
    await new Promise((r) => setImmediate(r));
    expect(events).toEqual(["start 2"]);
    // A request while the first run is in progress waits for it, then runs once more.
    value = 3;
    const c = task.run();
    const d = task.run();
    expect(c).toBe(d);
    expect(c).not.toBe(a);
    release!();
    await a;
    await new Promise((r) => setImmediate(r));
    expect(events).toEqual(["start 2", "end 2", "start 3"]);
    release!();
    await c;
    expect(events).toEqual(["start 2", "end 2", "start 3", "end 3"]);
  });

  it("runs again after a failed run, and gives each request its own run's outcome", async () => {
    let calls = 0;
    const task = new CoalescedTask(async () => {
      calls++;
      if (calls === 1) throw new Error("disk full");
    });
    await expect(task.run()).rejects.toThrow("disk full");
    await expect(task.run()).resolves.toBeUndefined();
    expect(calls).toBe(2);
  });
});
