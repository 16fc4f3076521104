import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { claimHome, LEASE_FILE } from "./home-lease.js";

const root = mkdtempSync(join(tmpdir(), "optml-home-lease-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A pid that is certainly gone: a process that has exited. */
function deadPid(): number {
  return Number(spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" }).stdout);
}

describe("claimHome", () => {
  it("claims a free home, publishes the endpoint, and releases it", async () => {
    const home = join(root, "a");
    const claim = await claimHome(home, "test");
    expect(claim.kind).toBe("claimed");
    if (claim.kind !== "claimed") return;
    claim.lease.publish("http://127.0.0.1:1234");
    expect(JSON.parse(readFileSync(join(home, LEASE_FILE), "utf8"))).toMatchObject({ pid: process.pid, endpoint: "http://127.0.0.1:1234", by: "test" });
    claim.lease.release();
    expect(existsSync(join(home, LEASE_FILE))).toBe(false);
  });

  it("finds a live holder that listens, and clears one whose process is gone", async () => {
    const home = join(root, "b");
    await claimHome(home, "x").then((c) => c.kind === "claimed" && c.lease.release());
    // A holder that is not this process (this process's own pid counts as stale): the parent's.
    writeFileSync(join(home, LEASE_FILE), JSON.stringify({ pid: process.ppid, endpoint: "http://127.0.0.1:9", by: "optml serve", since: "" }));
    const found = await claimHome(home, "second");
    expect(found).toEqual({ kind: "served", record: { pid: process.ppid, endpoint: "http://127.0.0.1:9", by: "optml serve", since: "" } });
    writeFileSync(join(home, LEASE_FILE), JSON.stringify({ pid: deadPid(), endpoint: "http://127.0.0.1:9", by: "gone", since: "" }));
    const again = await claimHome(home, "third");
    expect(again.kind).toBe("claimed");
    if (again.kind === "claimed") again.lease.release();
  });

  it("waits for a holder that is starting, then gives up naming it", async () => {
    const home = join(root, "c");
    await claimHome(home, "x").then((c) => c.kind === "claimed" && c.lease.release());
    writeFileSync(join(home, LEASE_FILE), JSON.stringify({ pid: process.ppid, endpoint: null, by: "optml train", since: "" }));
    await expect(claimHome(home, "optml jobs", 300)).rejects.toThrow(`optml jobs: the optml control plane of process ${process.ppid} (optml train) holds ${home} but has not started listening`);
  });
});
