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
