import { describe, expect, it } from "vitest";
import { Scheduler } from "./scheduler.js";

describe("Scheduler", () => {
  it("runs at most `capacity` at once and starts waiters in order", async () => {
    const s = new Scheduler(2);
    const order: string[] = [];
    const a = await s.acquire();
    const b = await s.acquire();
    expect(s.full).toBe(true);
    const c = s.acquire().then((release) => (order.push("c"), release));
    const d = s.acquire().then((release) => (order.push("d"), release));
    expect(s.queued).toBe(2);
    a();
    (await c)();
    b();
    (await d)();
    expect(order).toEqual(["c", "d"]);
    expect(s.full).toBe(false);
  });

  it("lets a waiter give up", async () => {
    const s = new Scheduler(1);
    const release = await s.acquire();
    const controller = new AbortController();
    const waiting = s.acquire(controller.signal);
    controller.abort(new Error("stopped"));
    await expect(waiting).rejects.toThrow("stopped");
    expect(s.queued).toBe(0);
    release();
    (await s.acquire())();
  });
});

describe("Scheduler's GPUs", () => {
  it("gives each job GPUs of its own; a job that needs more than are free waits, and those behind it too", async () => {
    const s = new Scheduler(10, ["0", "1"]);
    const a = await s.acquireGpus(1);
    const b = await s.acquireGpus(1);
    expect([...a.gpus, ...b.gpus].sort()).toEqual(["0", "1"]);
    expect(s.wouldWait(1)).toBe(true);
    const order: string[] = [];
    const c = s.acquireGpus(2).then((slot) => (order.push("c"), slot));
    const d = s.acquireGpus(0).then((slot) => (order.push("d"), slot));
    await new Promise((r) => setTimeout(r, 10));
    expect(order).toEqual([]);
    a.release();
    await new Promise((r) => setTimeout(r, 10));
    expect(order).toEqual([]);
    b.release();
    expect((await c).gpus).toEqual(["0", "1"]);
    await d;
    expect(order).toEqual(["c", "d"]);
  });

  it("refuses to wait for more GPUs than the machine has", async () => {
    await expect(new Scheduler(1, ["0"]).acquireGpus(2)).rejects.toThrow(/asks for 2 GPUs, more than this machine's 1/);
  });
});
