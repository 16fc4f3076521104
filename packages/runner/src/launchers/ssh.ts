/**
 * How an MPI job's hosts reach each other, as on SageMaker: SSH, with a key pair made for the job
 * (the first host to need it makes it, in the job's shared SSH dir, `OPTML_SSH_DIR`), an SSH daemon
 * on every worker host, and `ssh` from the master.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rename, rm, stat, writeFile } from "node:fs/promises";
import { createConnection } from "node:net";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { launcherUnavailable } from "../errors.js";
import type { Log } from "../log.js";
import { FINISHED_COMMAND, sshClientOptions, sshdConfig } from "./mpi.js";

const run = promisify(execFile);

/** Where the job's SSH files go: set by the executor for the hosts of one job. */
export const SSH_DIR_VARIABLE = "OPTML_SSH_DIR";

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined)) !== undefined;
}

/**
 * The job's private key file, made on first use: generated in a directory of its own, then renamed
 * into place (atomic), so that hosts starting together agree on one key pair.
 */
export async function jobKey(sshDir: string, sshKeygen: string): Promise<string> {
  const keys = join(sshDir, "keys");
  const key = join(keys, "id_ed25519");
  if (await exists(key)) return key;
  await mkdir(sshDir, { recursive: true, mode: 0o700 });
  const draft = await mkdtemp(join(sshDir, ".keys-"));
  try {
    await run(sshKeygen, ["-q", "-t", "ed25519", "-N", "", "-C", "optml-job", "-f", join(draft, "id_ed25519")]);
    await rename(draft, keys).catch(async (e: NodeJS.ErrnoException) => {
      // Another host was first: its key pair is the job's.
      if (e.code !== "ENOTEMPTY" && e.code !== "EEXIST") throw e;
    });
  } catch (e) {
    throw launcherUnavailable("mpi", `the job's SSH key could not be made with ${sshKeygen}: ${(e as Error).message.trim()}`, "install openssh-client (apt-get install openssh-client)");
  } finally {
    await rm(draft, { recursive: true, force: true });
  }
  return key;
}

/** Write a worker's daemon configuration; returns it and the file that will say "done". */
export async function writeWorkerConfig(sshDir: string, host: string, keyFile: string): Promise<{ configFile: string; finishedFile: string }> {
  const dir = join(sshDir, host);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const finishedFile = join(dir, "finished");
  await rm(finishedFile, { force: true });
  const configFile = join(dir, "sshd_config");
  await writeFile(configFile, sshdConfig({ keyFile, finishedFile }));
  // sshd refuses to start without its privilege separation directory.
  await mkdir("/run/sshd", { recursive: true, mode: 0o755 }).catch(() => undefined);
  return { configFile, finishedFile };
}

/**
 * Whether an SSH server answers at host:port: it sends its identification first; this probe
 * answers with its own and leaves (the daemon then logs nothing at its ERROR level).
 */
function answers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port, timeout: 2000 });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once("data", (data: Buffer) => {
      const ok = data.toString("latin1").startsWith("SSH-");
      if (ok) socket.end("SSH-2.0-optml-probe\r\n", () => done(true));
      else done(false);
    });
    socket.once("error", () => done(false));
    socket.once("timeout", () => done(false));
    socket.once("close", () => done(false));
  });
}

/** Wait until every worker's SSH daemon accepts connections (toolkit: `_wait_for_workers`). */
export async function waitForWorkers(workers: readonly string[], options: { timeoutSeconds: number; log: Log; signal?: AbortSignal; port?: number }): Promise<void> {
  const deadline = Date.now() + options.timeoutSeconds * 1000;
  for (const host of workers) {
    while (!(await answers(host, options.port ?? 22))) {
      options.signal?.throwIfAborted();
      if (Date.now() > deadline) {
        throw launcherUnavailable("mpi", `the SSH daemon of ${host} did not answer within ${options.timeoutSeconds} s`, "see that host's log (OPTML_HOST_WAIT_SECONDS sets the wait)");
      }
      await sleep(100, undefined, { signal: options.signal });
    }
    options.log(`worker ${host} available for communication`);
  }
}

/** Tell each worker that the master's mpirun has ended (toolkit: the status file), a few tries each. */
export async function notifyWorkers(workers: readonly string[], options: { ssh: string; keyFile: string; log: Log }): Promise<void> {
  await Promise.all(
    workers.map(async (host) => {
      for (let attempt = 1; ; attempt++) {
        try {
          await run(options.ssh, [...sshClientOptions(options.keyFile), host, FINISHED_COMMAND], { timeout: 30_000 });
          return;
        } catch (e) {
          if (attempt >= 5) {
            options.log(`could not tell ${host} that the MPI run is over: ${(e as Error).message.trim()}`);
            return;
          }
          await sleep(1000);
        }
      }
    }),
  );
}
