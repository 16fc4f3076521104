/**
 * Slurm's client commands (sbatch, squeue, sacct, scontrol, scancel, sinfo) as this executor uses
 * them: run from PATH with the control plane's environment (SLURM_CONF names the cluster), their
 * output parsed by ./states.ts. Every failure names the command and quotes Slurm's message.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { parseSacct, parseSqueue, type SlurmJobStatus } from "./states.js";

const run = promisify(execFile);

/** A Slurm command failed: its words and stderr, for a FailureReason or a refusal. */
export class SlurmCommandError extends Error {
  constructor(
    readonly command: string,
    readonly stderr: string,
  ) {
    super(`${command} failed: ${stderr.trim() || "no message"}`);
  }
}

export interface SlurmNodeAddress {
  readonly name: string;
  /** NodeAddr: where the node is reached (a name or an address). */
  readonly address: string;
}

export class SlurmClient {
  /** @param env the environment of the commands (the control plane's; SLURM_CONF where set). */
  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  private async command(name: string, args: readonly string[]): Promise<string> {
    try {
      const { stdout } = await run(name, args, { env: this.env, maxBuffer: 16 << 20, timeout: 60_000 });
      return stdout;
    } catch (e) {
      const err = e as NodeJS.ErrnoException & { stderr?: string };
      if (err.code === "ENOENT") {
        throw new SlurmCommandError(name, `${name} is not on PATH: install Slurm's client commands (Debian: apt-get install slurm-client) and set SLURM_CONF`);
      }
      throw new SlurmCommandError(`${name} ${args.join(" ")}`, err.stderr ?? err.message);
    }
  }

  /** Why Slurm cannot take jobs from here (no commands, no controller), or undefined. */
  async unavailable(): Promise<string | undefined> {
    try {
      await this.command("sinfo", ["-h", "-o", "%P"]);
      return undefined;
    } catch (e) {
      return (e as Error).message;
    }
  }

  /** Submit a batch script; returns the Slurm job id. */
  async submit(args: readonly string[], script: string): Promise<string> {
    const out = await this.command("sbatch", ["--parsable", ...args, script]);
    const id = out.trim().split(";")[0]!;
    if (!/^\d+$/.test(id)) throw new SlurmCommandError("sbatch", `unexpected output '${out.trim()}'`);
    return id;
  }

  /** The job as squeue shows it, else as sacct does; undefined when neither knows it. */
  async status(id: string): Promise<SlurmJobStatus | undefined> {
    try {
      const out = await this.command("squeue", ["-h", "-t", "all", "-j", id, "-o", "%i|%T|%r|%N"]);
      const found = parseSqueue(out).find((j) => j.id === id);
      if (found) return found;
    } catch (e) {
      // "Invalid job id specified": squeue no longer knows the job; anything else is a real failure.
      if (!(e instanceof SlurmCommandError) || !/Invalid job id/i.test(e.stderr)) throw e;
    }
    try {
      const out = await this.command("sacct", ["-n", "-X", "-P", "-j", id, "-o", "JobID,State,Reason,NodeList"]);
      return parseSacct(out).find((j) => j.id === id);
    } catch {
      // Accounting is off (accounting_storage/none): sacct knows nothing.
      return undefined;
    }
  }

  /** A field of each node `scontrol -o show node` shows, by node name. */
  private async nodeField(names: readonly string[], field: "NodeAddr" | "State"): Promise<Map<string, string>> {
    const shown = await this.command("scontrol", ["-o", "show", "node", names.join(",")]);
    const values = new Map<string, string>();
    for (const line of shown.split("\n")) {
      const name = /(?:^|\s)NodeName=(\S+)/.exec(line)?.[1];
      const value = new RegExp(`(?:^|\\s)${field}=(\\S+)`).exec(line)?.[1];
      if (name && value) values.set(name, value);
    }
    return values;
  }

  /** The nodes' addresses (NodeAddr), in the order given; a node Slurm does not show keeps its name. */
  async nodes(names: readonly string[]): Promise<SlurmNodeAddress[]> {
    const addresses = await this.nodeField(names, "NodeAddr");
    return names.map((name) => ({ name, address: addresses.get(name) ?? name }));
  }

  /** The nodes Slurm holds as failed: DOWN, FAIL or not responding (a `*` after the state). */
  async downNodes(names: readonly string[]): Promise<string[]> {
    const states = await this.nodeField(names, "State");
    return names.filter((name) => /DOWN|FAIL|NOT_RESPONDING|\*/.test(states.get(name) ?? ""));
  }

  /** Send a signal to the job's steps (`full`: to the batch script as well). */
  async signal(id: string, signal: "TERM" | "KILL", full = false): Promise<void> {
    await this.command("scancel", [`--signal=${signal}`, ...(full ? ["--full"] : []), id]);
  }

  /** End the job (queued or running). */
  async cancel(id: string): Promise<void> {
    await this.command("scancel", [id]);
  }
}
