import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { batchScript, expandHostlist, feederScript, hostScript, sbatchArguments, slurmHostsFile, slurmSettingsFor, slurmTime, splitOptions, taskScript } from "./scripts.js";

const dirs: string[] = [];
function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), "optml-slurm-scripts-"));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("Slurm settings", () => {
  it("takes the server's defaults under the job's optml:slurm-* tags, and names a misspelt one", () => {
    const defaults = { partition: "cpu", qos: "normal", sbatchOptions: ["--gres=gpu:1"] };
    const { settings, problems } = slurmSettingsFor(
      [
        { Key: "optml:slurm-partition", Value: "gpu" },
        { Key: "optml:slurm-sbatch-options", Value: " --constraint=a100   --gres=gpu:8 " },
        { Key: "optml:slurm-acount", Value: "x" },
        { Key: "team", Value: "vision" },
      ],
      defaults,
    );
    expect(settings).toEqual({ partition: "gpu", qos: "normal", sbatchOptions: ["--constraint=a100", "--gres=gpu:8"] });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain("optml:slurm-acount");
    expect(problems[0]).toContain("optml:slurm-account");
  });

  it("asks for whole nodes, one task each, for the runtime plus the grace, output in the job's dir", () => {
    const args = sbatchArguments({
      name: "job-1",
      nodes: 3,
      timeLimitSeconds: 3600 + 120,
      dir: "/shared/jobs/job-1/slurm",
      settings: { partition: "gpu", account: "ml", sbatchOptions: splitOptions("--gres=gpu:8") },
    });
    expect(args).toEqual([
      "--job-name=job-1",
      "--nodes=3",
      "--ntasks=3",
      "--ntasks-per-node=1",
      "--exclusive",
      "--no-requeue",
      "--time=62:00",
      "--chdir=/shared/jobs/job-1/slurm",
      "--output=/shared/jobs/job-1/slurm/slurm-%j.out",
      "--partition=gpu",
      "--account=ml",
      "--gres=gpu:8",
    ]);
    expect(slurmTime(61)).toBe("1:01");
    // Slurm's limits are in minutes: under one is a minute.
    expect(slurmTime(5)).toBe("1:00");
  });
});

describe("the task script", () => {
  it("waits for the go file, then runs the host its node is; ends without running anything once the stop file is there", () => {
    const dir = scratch();
    const task = join(dir, "task.sh");
    writeFileSync(task, taskScript());
    writeFileSync(join(dir, "host-2.sh"), 'echo "host 2 ran"\n');
    writeFileSync(join(dir, "stop"), "");
    expect(execFileSync("/bin/sh", [task, dir], { encoding: "utf8", env: { ...process.env, SLURM_NODEID: "1" } })).toContain("ended before its hosts started");
    rmSync(join(dir, "stop"));
    writeFileSync(join(dir, "go"), "");
    expect(execFileSync("/bin/sh", [task, dir], { encoding: "utf8", env: { ...process.env, SLURM_NODEID: "1" } })).toBe("host 2 ran\n");
  });

  it("the batch script names the allocation's nodes in the running file before it starts the tasks", () => {
    const script = batchScript({ name: "j", nodes: 2, timeLimitSeconds: 60, dir: "/shared/j/slurm", settings: { sbatchOptions: [] } });
    expect(script.indexOf("SLURM_JOB_NODELIST")).toBeLessThan(script.indexOf("exec srun --nodes=2 --ntasks=2 --ntasks-per-node=1"));
  });
});

describe("Slurm hostlists", () => {
  it("expand in Slurm's order, keeping zero padding", () => {
    expect(expandHostlist("n[1-3,5],gpu[08-10],login")).toEqual(["n1", "n2", "n3", "n5", "gpu08", "gpu09", "gpu10", "login"]);
    expect(expandHostlist("n7\n")).toEqual(["n7"]);
  });
});

describe("a host's script", () => {
  it("runs the command with exactly the host's environment, its output in the log, its exit code in the exit file", () => {
    const dir = scratch();
    const script = join(dir, "host-1.sh");
    const tricky = `it's "quoted" $HOME \`x\`\nand a second line`;
    writeFileSync(
      script,
      hostScript({
        host: "algo-1",
        env: { A: "1", TRICKY: tricky, PATH: process.env.PATH, SKIPPED: undefined },
        command: ["/bin/sh", "-c", 'env; printf "%s" "$TRICKY" > "$0"; exit 7', join(dir, "tricky")],
        logFile: join(dir, "algo-1.log"),
        exitFile: join(dir, "algo-1.exit"),
      }),
    );
    execFileSync("/bin/sh", [script], { env: { ...process.env, SLURM_JOB_ID: "12", SLURM_NODEID: "0" } });
    const log = readFileSync(join(dir, "algo-1.log"), "utf8");
    expect(log).toContain("A=1\n");
    // Slurm's variables do not reach train.
    expect(log).not.toContain("SLURM_");
    expect(log).not.toContain("SKIPPED");
    expect(readFileSync(join(dir, "tricky"), "utf8")).toBe(tricky);
    expect(readFileSync(join(dir, "algo-1.exit"), "utf8")).toBe("7\n");
  });

  it("lives through SIGTERM to record how train ended", async () => {
    const dir = scratch();
    const script = join(dir, "host-1.sh");
    const ready = join(dir, "ready");
    writeFileSync(
      script,
      hostScript({
        host: "algo-1",
        env: { PATH: process.env.PATH },
        // The command stands for train, a Node program (whose signal dispositions start afresh,
        // unlike a shell's under the wrapper's ignored SIGTERM): it exits 143 on SIGTERM.
        command: [process.execPath, "-e", `process.on("SIGTERM", () => process.exit(143)); require("fs").writeFileSync(${JSON.stringify(ready)}, ""); setInterval(() => {}, 1000);`],
        logFile: join(dir, "algo-1.log"),
        exitFile: join(dir, "algo-1.exit"),
      }),
    );
    const wrapper = spawn("/bin/sh", [script], { stdio: "ignore", detached: true });
    while (!readFileIf(ready)) await new Promise((r) => setTimeout(r, 20));
    // As slurmstepd signals every process of the step.
    process.kill(-wrapper.pid!, "SIGTERM");
    const code = await new Promise<number | null>((resolve) => wrapper.once("exit", (c) => resolve(c)));
    expect(code).toBe(0);
    expect(readFileSync(join(dir, "algo-1.exit"), "utf8")).toBe("143\n");
  });
});

function readFileIf(file: string): boolean {
  try {
    readFileSync(file);
    return true;
  } catch {
    return false;
  }
}

describe("Pipe mode fed on the node", () => {
  it("streams the staged objects into each epoch's FIFO in order (gunzipped), and the feeder ends with train", () => {
    const dir = scratch();
    const staged = join(dir, "staged");
    mkdirSync(staged);
    writeFileSync(join(staged, "0"), gzipSync("hello "));
    writeFileSync(join(staged, "1"), gzipSync("pipe"));
    mkdirSync(join(dir, "data"));
    const feeder = join(dir, "feeder.sh");
    writeFileSync(feeder, feederScript());
    const fifo = join(dir, "data", "train");
    execFileSync("mkfifo", [`${fifo}_0`]);
    // train stands in: two passes read whole, a third closed after one byte, then the fourth's FIFO is there.
    const program = `
const fs = require("fs");
const base = ${JSON.stringify(fifo)};
const out = [fs.readFileSync(base + "_0", "utf8"), fs.readFileSync(base + "_1", "utf8")];
const fd = fs.openSync(base + "_2", "r"); const one = Buffer.alloc(1); fs.readSync(fd, one); fs.closeSync(fd);
out.push(one.toString());
for (let i = 0; i < 100 && !fs.existsSync(base + "_3"); i++) require("child_process").execSync("sleep 0.02");
out.push(String(fs.existsSync(base + "_0")), String(fs.existsSync(base + "_3")));
console.log(JSON.stringify(out));`;
    const script = join(dir, "host-1.sh");
    writeFileSync(
      script,
      hostScript({
        host: "algo-1",
        feeds: [{ fifoBase: fifo, dir: staged, gzip: true }],
        feederScript: feeder,
        env: { PATH: process.env.PATH },
        command: [process.execPath, "-e", program],
        logFile: join(dir, "algo-1.log"),
        exitFile: join(dir, "algo-1.exit"),
      }),
    );
    execFileSync("/bin/sh", [script], { timeout: 20_000 });
    expect(readFileSync(join(dir, "algo-1.exit"), "utf8")).toBe("0\n");
    expect(JSON.parse(readFileSync(join(dir, "algo-1.log"), "utf8").trim())).toEqual(["hello pipe", "hello pipe", "h", "false", "true"]);
    // No feeder is left waiting on the next FIFO.
    const feeders = readdirSync("/proc").filter((p) => {
      try {
        return /^\d+$/.test(p) && readFileSync(`/proc/${p}/cmdline`, "utf8").includes(feeder);
      } catch {
        return false;
      }
    });
    expect(feeders).toEqual([]);
  });
});

describe("a Slurm host's /etc/hosts", () => {
  it("names every host at its node's address", () => {
    expect(slurmHostsFile([{ host: "algo-1", address: "10.0.0.2" }, { host: "algo-2", address: "10.0.0.3" }])).toBe(
      "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n10.0.0.2\talgo-1\n10.0.0.3\talgo-2\n",
    );
  });
});
