/**
 * Multi-host jobs on one machine (as root): every host has its own network namespace, address and
 * hostname algo-N, and every algo-N resolves from every host; a failing host fails the job and
 * stops the others; network isolation leaves loopback only; nothing is left behind.
 */
import { CreateTrainingJobCommand } from "@aws-sdk/client-sagemaker";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existingNetworks, planNetwork } from "../src/executors/netns/network.js";
import { startHarness, type Harness } from "./harness.js";
import { scriptModeRequest } from "./requests.js";
import { tarNames } from "./tar-names.js";

const root = process.getuid?.() === 0;
let h: Harness;
beforeAll(async () => {
  if (root) h = await startHarness({ capacity: 4 });
});
afterAll(async () => h?.close());

function multiHost(name: string, program: string, count: number, extra: Record<string, unknown> = {}) {
  const out = h.output();
  const req = scriptModeRequest({ name, codeDir: h.code({ "train.py": program }), program: "train.py", outputDir: out });
  return { out, req: { ...req, ResourceConfig: { InstanceType: "ml.m5.large", InstanceCount: count, VolumeSizeInGB: 1 }, ...extra } };
}

/** The job leaves no namespace, bridge, record or process behind. */
async function expectNothingLeft(name: string, hosts: number, isolated = false) {
  const record = h.server.controlPlane.view(name).record;
  const id = planNetwork(record.workDir, Array.from({ length: hosts }, (_, i) => `algo-${i + 1}`), isolated, new Set()).id;
  const nets = await existingNetworks();
  expect(nets.has(id)).toBe(false);
  expect(readdirSync(join(h.root, "home", "networks"))).not.toContain(`${id}.json`);
  const running = readdirSync("/proc").filter((p) => {
    try {
      return /^\d+$/.test(p) && readFileSync(`/proc/${p}/environ`, "utf8").includes(`OPTML_HOST_BASE_DIR=${record.workDir}/`);
    } catch {
      return false;
    }
  });
  expect(running).toEqual([]);
}


const PEERS = `
import json, os, socket, time
me, hosts = os.environ["SM_CURRENT_HOST"], json.loads(os.environ["SM_HOSTS"])
env = json.loads(os.environ["SM_TRAINING_ENV"])
master = env["master_hostname"]
print("hostname", socket.gethostname(), "is", me, flush=True)
addresses = {h: socket.gethostbyname(h) for h in hosts}
print("resolved", json.dumps(addresses, sort_keys=True), flush=True)
if me == master:
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", 7000)); s.listen()
    peers = []
    while len(peers) < len(hosts) - 1:
        c, (addr, _) = s.accept()
        name = c.recv(100).decode()
        peers.append(name)
        assert addresses[name] == addr, (name, addr)
        c.send(b"welcome " + name.encode()); c.close()
    print("master heard", sorted(peers), flush=True)
else:
    time.sleep(0.2 * hosts.index(me))  # hosts start at different times
    for attempt in range(100):
        try:
            c = socket.create_connection((master, 7000), timeout=2); break
        except OSError:
            time.sleep(0.1)
    c.send(me.encode()); print(c.recv(100).decode(), flush=True)
open(os.path.join(os.environ["SM_MODEL_DIR"], me + ".txt"), "w").write(me)
open(os.path.join(os.environ["SM_MODEL_DIR"], "shared.txt"), "w").write("written by " + me)
`;

describe.skipIf(!root)("multi-host jobs (root: network namespaces)", () => {
  it("gives 4 hosts their own names and addresses, reachable from each other, and one model.tar.gz", async () => {
    const { out, req } = multiHost("mh-peers-4", PEERS, 4);
    await h.sagemaker.send(new CreateTrainingJobCommand(req as never));
    const d = await h.waitForEnd("mh-peers-4", 120_000);
    expect(d.FailureReason).toBeUndefined();
    expect(d.TrainingJobStatus).toBe("Completed");
    expect((await h.describedOnTheWire("mh-peers-4")).OptmlExecutor).toEqual({ Name: "netns", Description: "local processes, one network namespace per host" });
    const streams = h.server.controlPlane.store.logs.streamsOfJob("mh-peers-4");
    expect(streams.map((s) => s.host)).toEqual(["algo-1", "algo-2", "algo-3", "algo-4"]);
    const lines = (host: string) => {
      const s = streams.find((x) => x.host === host)!;
      return h.server.controlPlane.store.logs.events(s.id, { fromSeq: 0, toSeq: 1e9, limit: 1000 }).map((e) => e.message);
    };
    const resolved = new Set<string>();
    for (const host of ["algo-1", "algo-2", "algo-3", "algo-4"]) {
      expect(lines(host)).toContain(`hostname ${host} is ${host}`);
      resolved.add(lines(host).find((l) => l.startsWith("resolved "))!);
      if (host !== "algo-1") expect(lines(host)).toContain(`welcome ${host}`);
    }
    expect(resolved.size).toBe(1); // every host sees the same four addresses
    const addresses = Object.values(JSON.parse([...resolved][0]!.slice("resolved ".length)) as Record<string, string>);
    expect(new Set(addresses).size).toBe(4);
    expect(lines("algo-1")).toContain("master heard ['algo-2', 'algo-3', 'algo-4']");
    const model = readFileSync(join(out, "mh-peers-4", "output", "model.tar.gz"));
    expect(tarNames(model).sort()).toEqual(["algo-1.txt", "algo-2.txt", "algo-3.txt", "algo-4.txt", "shared.txt"]);
    await expectNothingLeft("mh-peers-4", 4);
  }, 150_000);

  it("fails the job with the failing host's reason and stops the others", async () => {
    const program = `
import os, signal, sys, time
if os.environ["SM_CURRENT_HOST"] == "algo-2":
    time.sleep(1); print("algo-2 gives up", file=sys.stderr); sys.exit(5)
def on_term(*_):
    print("algo-1 stopped by SIGTERM", flush=True); sys.exit(0)
signal.signal(signal.SIGTERM, on_term)
time.sleep(120)
`;
    const { req } = multiHost("mh-fail-2", program, 2);
    await h.sagemaker.send(new CreateTrainingJobCommand(req as never));
    const d = await h.waitForEnd("mh-fail-2", 60_000);
    expect(d.TrainingJobStatus).toBe("Failed");
    expect(d.FailureReason).toMatch(/^AlgorithmError: ExecuteUserScriptError:\nExitCode 5\n[^]*algo-2 gives up/);
    const s = h.server.controlPlane.store.logs.streamsOfJob("mh-fail-2").find((x) => x.host === "algo-1")!;
    expect(h.server.controlPlane.store.logs.events(s.id, { fromSeq: 0, toSeq: 1e9, limit: 100 }).map((e) => e.message)).toContain(
      "algo-1 stopped by SIGTERM",
    );
    await expectNothingLeft("mh-fail-2", 2);
  }, 90_000);

  it("with EnableNetworkIsolation leaves each host loopback only", async () => {
    const program = `
import os, socket
print("interfaces", sorted(os.listdir("/sys/class/net")), flush=True)
try:
    socket.create_connection(("127.0.0.1", ${h?.server.port ?? 0}), timeout=2)
    print("reached the control plane", flush=True)
except OSError as e:
    print("control plane unreachable:", type(e).__name__, flush=True)
`;
    const { req } = multiHost("mh-isolated", program, 2, { EnableNetworkIsolation: true });
    await h.sagemaker.send(new CreateTrainingJobCommand(req as never));
    const d = await h.waitForEnd("mh-isolated", 60_000);
    expect(d.TrainingJobStatus).toBe("Completed");
    for (const s of h.server.controlPlane.store.logs.streamsOfJob("mh-isolated")) {
      const lines = h.server.controlPlane.store.logs.events(s.id, { fromSeq: 0, toSeq: 1e9, limit: 100 }).map((e) => e.message);
      expect(lines).toContain("interfaces ['lo']");
      expect(lines).toContain("control plane unreachable: ConnectionRefusedError");
    }
    await expectNothingLeft("mh-isolated", 2, true);
  }, 90_000);
});
