/** The pure part of host cgroups: which hierarchy a machine's mounts give, and how cgroups are named. */
import { describe, expect, it } from "vitest";
import { chooseHierarchy, hostCgroupName, hostCgroupPath, jobOfCgroupName, scopeName } from "./cgroups.js";

const HYBRID = `31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`;
const UNIFIED = `25 21 0:22 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
`;

describe("chooseHierarchy", () => {
  it("takes cgroup v2 where it is the machine's hierarchy", () => {
    expect(chooseHierarchy(UNIFIED)).toEqual({ kind: "v2", mountPoint: "/sys/fs/cgroup" });
  });
  it("takes v1's freezer on a hybrid machine, then pids, then the hybrid cgroup2", () => {
    expect(chooseHierarchy(HYBRID)).toEqual({ kind: "freezer", mountPoint: "/sys/fs/cgroup/freezer" });
    const noFreezer = HYBRID.split("\n").filter((l) => !l.includes("freezer")).join("\n");
    expect(chooseHierarchy(noFreezer)).toEqual({ kind: "pids", mountPoint: "/sys/fs/cgroup/pids" });
    const onlyUnified = HYBRID.split("\n").filter((l) => !/freezer|pids/.test(l)).join("\n");
    expect(chooseHierarchy(onlyUnified)).toEqual({ kind: "v2", mountPoint: "/sys/fs/cgroup/unified" });
  });
  it("finds none without cgroup mounts", () => {
    expect(chooseHierarchy("22 1 0:5 / /proc rw - proc proc rw\n")).toBeUndefined();
  });
});

describe("names", () => {
  it("puts a host under its control plane's scope, named after its job's dir and the host", () => {
    const h = { kind: "freezer" as const, mountPoint: "/sys/fs/cgroup/freezer" };
    const path = hostCgroupPath(h, "/home/u/.optml/jobs", "/home/u/.optml/jobs/my-job-1700000000123", "algo-2");
    expect(path).toBe(`/sys/fs/cgroup/freezer/optml/${scopeName("/home/u/.optml/jobs")}/my-job-1700000000123.algo-2`);
    expect(scopeName("/a/jobs")).not.toBe(scopeName("/b/jobs"));
    expect(jobOfCgroupName(hostCgroupName("/x/jobs/my-job-17", "algo-1"))).toBe("my-job-17");
  });
});
