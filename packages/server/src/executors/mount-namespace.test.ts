import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { HostPlan, JobPlan } from "../jobs/plan.js";
import { hostScenePrefix, hostsFilePath, singleHostHostsFile } from "./mount-namespace.js";

function plan(): { job: JobPlan; host: HostPlan } {
  const workDir = mkdtempSync(join(tmpdir(), "optml-scene-"));
  const host = { host: "algo-1", baseDir: `${workDir}/algo-1`, channels: [] } as unknown as HostPlan;
  return { job: { workDir, hosts: [host] } as unknown as JobPlan, host };
}

describe("a host's scene", () => {
  it("without root keeps the machine's view, runs the command and says why in the log", async () => {
    const { job, host } = plan();
    const prefix = await hostScenePrefix(job, host, { namesProvided: false, privileged: false });
    const both = execFileSync("/bin/sh", ["-c", '"$@" 2>&1', "sh", ...prefix, "/bin/echo", "ran"], { encoding: "utf8" });
    expect(both).toBe(
      `[optml] warning: not running as root, so the host has no mount namespace: /opt/ml is not mounted (the job's files are under ${host.baseDir}; the SM_* variables say where) and algo-1 does not resolve\nran\n`,
    );
  });

  it("as root names a single host on loopback in a hosts file of its own, and sets its hostname", async () => {
    const { job, host } = plan();
    const prefix = await hostScenePrefix(job, host, { namesProvided: false, privileged: true });
    expect(prefix.slice(0, 6)).toEqual(["unshare", "--mount", "--uts", "--propagation", "private", "--"]);
    expect(prefix.slice(-4)).toEqual([host.baseDir, hostsFilePath(job, host), "algo-1", "--"]);
    expect(readFileSync(hostsFilePath(job, host), "utf8")).toBe(singleHostHostsFile("algo-1"));
    expect(singleHostHostsFile("algo-1")).toMatch(/^127\.0\.0\.1\talgo-1$/m);
  });

  it("leaves names to the network namespace when it gives them", async () => {
    const { job, host } = plan();
    const prefix = await hostScenePrefix(job, host, { namesProvided: true, privileged: true });
    expect(prefix).not.toContain("--uts");
    expect(prefix.slice(-4)).toEqual([host.baseDir, "", "", "--"]);
  });
});
