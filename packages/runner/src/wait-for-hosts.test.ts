import { describe, expect, it } from "vitest";
import { RunnerError } from "./errors.js";
import { retryDelayMs, waitForHosts } from "./wait-for-hosts.js";

/** A fake clock: sleeping advances it; nothing really waits. */
function fakeTime() {
  let t = 0;
  return { now: () => t, sleep: async (ms: number) => void (t += ms) };
}

describe("waitForHosts", () => {
  it("does not wait, or even look up, for a single-host job", async () => {
    const lookups: string[] = [];
    await waitForHosts(["algo-1"], { timeoutSeconds: 1, log: () => {}, resolve: async (h) => lookups.push(h) });
    expect(lookups).toEqual([]);
  });

  it("retries until every host resolves, with a progress line", async () => {
    const time = fakeTime();
    const logs: string[] = [];
    let calls = 0;
    await waitForHosts(["algo-1", "algo-2"], {
      timeoutSeconds: 900,
      log: (m) => logs.push(m),
      ...time,
      resolve: async (host) => {
        calls++;
        if (host === "algo-2" && time.now() < 1_000) throw new Error("ENOTFOUND");
      },
    });
    expect(calls).toBeGreaterThan(2);
    expect(logs[0]).toMatch(/^waiting for host algo-2 to resolve \(0 s of at most 900 s/);
    expect(logs.at(-1)).toBe("all 2 hosts resolve");
  });

  it("gives up after the timeout, naming the hosts that never resolved", async () => {
    const time = fakeTime();
    const attempt = waitForHosts(["algo-1", "algo-2", "algo-3"], {
      timeoutSeconds: 60,
      log: () => {},
      ...time,
      resolve: async (host) => {
        if (host !== "algo-1") throw new Error("ENOTFOUND");
      },
    });
    await expect(attempt).rejects.toThrow(RunnerError);
    await expect(attempt).rejects.toThrow("hosts algo-2, algo-3 did not resolve within 60 s");
    expect(time.now()).toBe(60_000);
  });

  it("stops waiting when aborted", async () => {
    const controller = new AbortController();
    const time = fakeTime();
    const attempt = waitForHosts(["a", "b"], {
      timeoutSeconds: 900,
      log: () => {},
      signal: controller.signal,
      now: time.now,
      sleep: async (ms) => {
        await time.sleep(ms);
        controller.abort(new Error("stop"));
      },
      resolve: async () => {
        throw new Error("ENOTFOUND");
      },
    });
    await expect(attempt).rejects.toThrow("stop");
  });

  it("backs off exponentially up to 30 s", () => {
    expect([0, 1, 2, 3, 8, 9, 50].map(retryDelayMs)).toEqual([100, 200, 400, 800, 25_600, 30_000, 30_000]);
  });
});
