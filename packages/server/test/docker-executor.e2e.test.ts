/**
 * The container executor driven directly, on plans laid out as the lifecycle lays them out:
 * images built here (busybox and Node + @optml/runner), one container per host on the job's own
 * network, output resumable at any offset, exit codes, SIGTERM then SIGKILL, isolation, and
 * nothing left behind. Skips, saying why, when no Docker engine can be started.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DockerExecutor } from "../src/executors/docker/index.js";
import type { HostHandle } from "../src/executors/types.js";
import type { JobPlan } from "../src/jobs/plan.js";
import { BUSYBOX_IMAGE, buildBusyboxImage, buildNodeImage, dockerUnavailableReason, imageRequest, leftovers, NODE_IMAGE, planImageJob, removeTestImages } from "./docker-images.js";

const unavailable = dockerUnavailableReason();
const home = mkdtempSync(join(tmpdir(), "optml-docker-exec-"));
let executor: DockerExecutor;

async function collect(handle: HostHandle, from = 0): Promise<{ text: string; offset: number }> {
  let text = "";
  let offset = from;
  for await (const chunk of handle.output(from, new AbortController().signal)) {
    text += chunk.data.toString("utf8");
    offset = chunk.offset;
  }
  return { text, offset };
}

async function runJob(plan: JobPlan): Promise<{ handles: HostHandle[]; logs: string[]; codes: (number | null)[] }> {
  await executor.prepare(plan);
  const handles: HostHandle[] = [];
  for (const host of plan.hosts) handles.push(await executor.launch(plan, host));
  const logs = await Promise.all(handles.map((h) => collect(h).then((r) => r.text)));
  const codes = (await Promise.all(handles.map((h) => h.exited))).map((e) => e.exitCode);
  return { handles, logs, codes };
}

describe.skipIf(unavailable !== undefined)(`container executor${unavailable ? ` (skipped: ${unavailable})` : ""}`, () => {
  beforeAll(async () => {
    executor = new DockerExecutor({ home, gpus: false });
    await Promise.all([buildBusyboxImage(executor.engine), buildNodeImage(executor.engine)]);
  }, 180_000);
  afterAll(async () => {
    if (executor) {
      await executor.reclaim([]);
      await removeTestImages(executor.engine);
    }
    rmSync(home, { recursive: true, force: true });
  }, 60_000);

  it("runs a single-host image job as `<image> train`: hostname, /opt/ml, environment, model, exit code", async () => {
    const plan = planImageJob(home, imageRequest("one-host", BUSYBOX_IMAGE, { hyperparameters: { epochs: "3" }, environment: { MODE: "ok" } }));
    expect(await executor.cannotRun(plan)).toBeUndefined();
    const { logs, codes } = await runJob(plan);
    expect(codes).toEqual([0]);
    const log = logs[0]!;
    expect(log).toContain("hostname algo-1\n");
    expect(log).toContain("program /usr/local/bin/train args \n");
    expect(log).toContain("job one-host region us-east-1\n");
    expect(log).toContain('"current_host":"algo-1"');
    expect(log).toContain('hyperparameters {"epochs":"3"}');
    expect(log).toContain("to stderr\n");
    expect(readFileSync(join(plan.hosts[0]!.baseDir, "model/model.txt"), "utf8")).toBe("model of algo-1\n");
    expect(readFileSync(plan.hosts[0]!.exitFile, "utf8").trim()).toBe("0");
    await executor.release(plan);
    expect(await leftovers(executor, plan, home)).toEqual({ containers: 0, networks: 0 });
  });

  it("runs ContainerEntrypoint + ContainerArguments when given", async () => {
    const plan = planImageJob(home, imageRequest("entrypoint", BUSYBOX_IMAGE, { entrypoint: ["/bin/sh", "-c"], args: ['echo "custom $0 $TRAINING_JOB_NAME"; exit 4', "arg0"] }));
    const { logs, codes } = await runJob(plan);
    expect(logs[0]).toBe("custom arg0 entrypoint\n");
    expect(codes).toEqual([4]);
    await executor.release(plan);
  });

  it("output resumes at any offset, as after a restart: no line lost or doubled", async () => {
    const plan = planImageJob(home, imageRequest("resume", BUSYBOX_IMAGE, { environment: { MODE: "ok", LINES_OUT: "2000" } }));
    const { handles, logs } = await runJob(plan);
    const whole = logs[0]!;
    expect(whole).toContain("line 1999\n");
    const bytes = Buffer.byteLength(whole);
    const again = executor.reattach(JSON.parse(JSON.stringify(handles[0]!.state)))!;
    for (const cut of [0, 1, 100, Math.floor(bytes / 2), bytes - 1, bytes]) {
      const rest = await collect(again, cut);
      expect(Buffer.concat([Buffer.from(whole).subarray(0, cut), Buffer.from(rest.text)]).toString()).toBe(whole);
      expect(rest.offset).toBe(bytes);
    }
    expect((await again.exited).exitCode).toBe(0);
    await executor.release(plan);
    // The container is gone: the exit code is still known from the exit file.
    const afterRelease = executor.reattach(handles[0]!.state)!;
    expect((await afterRelease.exited).exitCode).toBe(0);
    expect((await collect(afterRelease, bytes)).text).toBe("");
  });

  it("runs a 2-host job whose containers reach each other by algo-N on the job's network", async () => {
    const plan = planImageJob(home, imageRequest("two-hosts", BUSYBOX_IMAGE, { hosts: 2, environment: { MODE: "peers" } }));
    const { logs, codes } = await runJob(plan);
    expect(codes).toEqual([0, 0]);
    expect(logs[0]).toContain("algo-1 reached algo-2: hello from algo-2");
    expect(logs[1]).toContain("algo-2 reached algo-1: hello from algo-1");
    expect(await leftovers(executor, plan, home)).toEqual({ containers: 2, networks: 1 });
    await executor.release(plan);
    expect(await leftovers(executor, plan, home)).toEqual({ containers: 0, networks: 0 });
  });

  it("a failing image: its exit code, its output/failure, its output", async () => {
    const plan = planImageJob(home, imageRequest("failing", BUSYBOX_IMAGE, { environment: { MODE: "fail" } }));
    const { logs, codes } = await runJob(plan);
    expect(codes).toEqual([3]);
    expect(logs[0]).toContain("hostname algo-1");
    expect(readFileSync(join(plan.hosts[0]!.baseDir, "output/failure"), "utf8")).toBe("custom failure from algo-1\n");
    await executor.release(plan);
  });

  it("an image without `train`: the host fails with exit code 127 and says why", async () => {
    const plan = planImageJob(home, imageRequest("no-train", BUSYBOX_IMAGE, { entrypoint: ["/no/such/program"] }));
    const { logs, codes } = await runJob(plan);
    expect(codes).toEqual([127]);
    expect(logs[0]).toMatch(/^\[optml\] the container could not start: .*no such file or directory/);
    await executor.release(plan);
  });

  it("stop: SIGTERM reaches the program, SIGKILL ends it (exit 137)", async () => {
    const plan = planImageJob(home, imageRequest("stopped", BUSYBOX_IMAGE, { environment: { MODE: "stop" } }));
    await executor.prepare(plan);
    const handle = await executor.launch(plan, plan.hosts[0]!);
    const abort = new AbortController();
    let text = "";
    const reading = (async () => {
      for await (const c of handle.output(0, abort.signal)) text += c.data.toString();
    })();
    while (!text.includes("waiting to be stopped")) await new Promise((r) => setTimeout(r, 50));
    handle.terminate();
    while (!text.includes("got SIGTERM")) await new Promise((r) => setTimeout(r, 50));
    handle.kill();
    expect((await handle.exited).exitCode).toBe(137);
    await reading;
    expect(text).toContain("got SIGTERM, not stopping");
    await executor.release(plan);
    expect(await leftovers(executor, plan, home)).toEqual({ containers: 0, networks: 0 });
  });

  it("EnableNetworkIsolation: the container has loopback only, and no job network is made", async () => {
    const plan = planImageJob(home, imageRequest("isolated", BUSYBOX_IMAGE, { isolated: true, environment: { MODE: "net" } }));
    await executor.prepare(plan);
    expect(await leftovers(executor, plan, home)).toEqual({ containers: 0, networks: 0 });
    const { logs, codes } = await runJob(plan);
    expect(codes).toEqual([0]);
    expect(logs[0]).toContain("interfaces lo \n");
    expect(logs[0]).toContain("no network");
    await executor.release(plan);
  });

  it("a Node-based image whose `train` is @optml/runner runs a JavaScript entry point", async () => {
    const plan = planImageJob(home, imageRequest("node-runner", NODE_IMAGE, { hyperparameters: { epochs: "2", sagemaker_submit_directory: '"/opt/program"' } }));
    const { logs, codes } = await runJob(plan);
    expect(logs[0]).toContain(`node ${process.version} on algo-1 as algo-1, hosts ["algo-1"]`);
    expect(logs[0]).toContain("epochs=2 model_dir=/opt/ml/model");
    expect(codes).toEqual([0]);
    expect(JSON.parse(readFileSync(join(plan.hosts[0]!.baseDir, "model/model.json"), "utf8"))).toEqual({ trainedOn: "algo-1" });
    expect(existsSync(join(plan.hosts[0]!.baseDir, "output/success"))).toBe(true);
    await executor.release(plan);
  });

  it("cannotRun says why: an image that is neither here nor pullable; an engine that does not answer", async () => {
    const plan = planImageJob(home, imageRequest("missing-image", "optml-test/not-there:1"));
    expect(await new DockerExecutor({ home, pullTimeoutMs: 5000 }).cannotRun(plan)).toMatch(/^image optml-test\/not-there:1 is not present locally and could not be pulled: /);
    expect(await new DockerExecutor({ home, socketPath: join(home, "no.sock") }).cannotRun(plan)).toBe(`Docker is not running at ${join(home, "no.sock")}`);
  });

  it("reclaim removes this control plane's leftovers of jobs not active, and nothing else", async () => {
    const gone = planImageJob(home, imageRequest("crashed", BUSYBOX_IMAGE, { environment: { MODE: "stop" } }));
    const kept = planImageJob(home, imageRequest("still-active", BUSYBOX_IMAGE, { environment: { MODE: "ok" } }));
    const otherHome = mkdtempSync(join(tmpdir(), "optml-docker-other-"));
    const other = new DockerExecutor({ home: otherHome, gpus: false });
    const foreign = planImageJob(otherHome, imageRequest("someone-elses", BUSYBOX_IMAGE, { environment: { MODE: "ok" } }));
    for (const [ex, plan] of [[executor, gone], [executor, kept], [other, foreign]] as const) {
      await ex.prepare(plan);
      await ex.launch(plan, plan.hosts[0]!);
    }
    await executor.reclaim([kept]);
    expect(await leftovers(executor, gone, home)).toEqual({ containers: 0, networks: 0 });
    expect(await leftovers(executor, kept, home)).toEqual({ containers: 1, networks: 1 });
    expect(await leftovers(other, foreign, otherHome)).toEqual({ containers: 1, networks: 1 });
    await executor.release(kept);
    await other.reclaim([]);
    expect(await leftovers(other, foreign, otherHome)).toEqual({ containers: 0, networks: 0 });
    rmSync(otherHome, { recursive: true, force: true });
  });
});
