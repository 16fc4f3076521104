import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { createNetwork, destroyNetwork, existingNetworks, hostsFile, planNetwork, publishStartedHosts, routedSubnets } from "./network.js";

describe("planNetwork", () => {
  it("derives names from the job and avoids routed subnets", () => {
    const first = planNetwork("/jobs/a-1", ["algo-1", "algo-2"], false, new Set());
    expect(first.bridge).toMatch(/^optml[0-9a-f]{8}$/);
    expect(first.hosts.map((h) => h.namespace)).toEqual([`optml-${first.id}-algo-1`, `optml-${first.id}-algo-2`]);
    expect(first.hosts.every((h) => h.veth!.length <= 15)).toBe(true);
    expect(first.hosts.map((h) => h.address)).toEqual([`${first.subnet}.2`, `${first.subnet}.3`]);
    const moved = planNetwork("/jobs/a-1", ["algo-1"], false, new Set([first.subnet!]));
    expect(moved.subnet).not.toBe(first.subnet);
    expect(planNetwork("/jobs/a-1", ["algo-1"], false, new Set())).toEqual(planNetwork("/jobs/a-1", ["algo-1"], false, new Set()));
  });

  it("gives isolated hosts loopback only", () => {
    const net = planNetwork("/jobs/b", ["algo-1", "algo-2"], true, new Set());
    expect(net.hosts.map((h) => h.veth)).toEqual([undefined, undefined]);
    // Every name resolves (the runner waits for them), but no interface holds the addresses.
    expect(hostsFile(net, "algo-1")).toContain("127.0.1.1\talgo-1");
    expect(hostsFile(net, "algo-1")).toContain(`${net.subnet}.3\talgo-2`);
  });

  it("reads the subnets the machine routes", () => {
    const used = routedSubnets("default via 192.0.2.1 dev eth0\n192.0.2.0/24 dev eth0 proto kernel\n10.1.0.0/23 dev x\n");
    expect([...used].sort()).toEqual(["10.1.0", "10.1.1", "192.0.2"]);
  });

  it("writes /etc/hosts naming every host", () => {
    const net = planNetwork("/jobs/c", ["algo-1", "algo-2"], false, new Set());
    expect(hostsFile(net, "algo-2")).toBe(
      `127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n${net.subnet}.2\talgo-1\n${net.subnet}.3\talgo-2\n`,
    );
  });
});

const root = process.getuid?.() === 0;
describe.skipIf(!root)("networks on this machine (root)", () => {
  it("connects hosts by name, isolates, and leaves nothing behind", async () => {
    const net = planNetwork(`/jobs/test-${process.pid}`, ["algo-1", "algo-2"], false, routedSubnets(execFileSync("ip", ["-4", "route"], { encoding: "utf8" })));
    await createNetwork(net);
    try {
      const [a, b] = net.hosts.map((h) => h.namespace) as [string, string];
      // Until a host has started, the others cannot resolve its name.
      expect(() => execFileSync("ip", ["netns", "exec", a, "getent", "hosts", "algo-2"], { stdio: "ignore" })).toThrow();
      await publishStartedHosts(net, new Set(["algo-1", "algo-2"]));
      const out = execFileSync(
        "sh",
        [
          "-c",
          `ip netns exec ${b} python3 -c "
import socket; s = socket.socket(); s.settimeout(20); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('0.0.0.0', 5000)); s.listen(); c, _ = s.accept(); c.send(b'hello'); c.close()" &
          sleep 0.5; ip netns exec ${a} python3 -c "
import socket; print(socket.create_connection(('algo-2', 5000), timeout=5).recv(10).decode())"; wait`,
        ],
        { encoding: "utf8", timeout: 30_000 },
      );
      expect(out.trim()).toBe("hello");
      expect(execFileSync("ip", ["netns", "exec", a, "unshare", "--uts", "--", "sh", "-c", "hostname algo-1 && hostname"], { encoding: "utf8" }).trim()).toBe("algo-1");
    } finally {
      await destroyNetwork(net);
    }
    expect((await existingNetworks()).has(net.id)).toBe(false);

    const isolated = planNetwork(`/jobs/iso-${process.pid}`, ["algo-1"], true, new Set());
    await createNetwork(isolated);
    try {
      const links = execFileSync("ip", ["-n", isolated.hosts[0]!.namespace, "-o", "link"], { encoding: "utf8" });
      expect(links.trim().split("\n").map((l) => l.split(": ")[1])).toEqual(["lo"]);
    } finally {
      await destroyNetwork(isolated);
    }
    expect((await existingNetworks()).has(isolated.id)).toBe(false);
  });
});
