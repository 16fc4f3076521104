/**
 * What Slurm says of a job, and what it means for the training job: pure.
 *
 * - `parseSqueue` reads the `%i|%T|%r|%N` lines this executor asks squeue for;
 * - `queueMessage` is the StatusMessage of a job waiting in the Slurm queue (SecondaryStatus
 *   Starting), quoting Slurm's reason;
 * - `slurmEndReason` is the catalogue of FailureReasons for ends Slurm decided (a node failed, the
 *   job was preempted, cancelled outside optml, ran into its time limit or out of memory): the job
 *   fails with one of these, naming Slurm's state, instead of with its program's exit code.
 */

/** A Slurm job as squeue (or sacct) shows it. */
export interface SlurmJobStatus {
  readonly id: string;
  /** PENDING, RUNNING, COMPLETED, NODE_FAIL, ... (squeue's long form, %T). */
  readonly state: string;
  /** Why it waits or why it ended (squeue's %r): Resources, Priority, None, ... */
  readonly reason: string;
  /** Its nodes in Slurm's hostlist form (n[1-3]); empty while pending. */
  readonly nodes: string;
}

/** States from which a job does not run again (squeue keeps them for MinJobAge). */
const TERMINAL = new Set([
  "BOOT_FAIL",
  "CANCELLED",
  "COMPLETED",
  "DEADLINE",
  "FAILED",
  "NODE_FAIL",
  "OUT_OF_MEMORY",
  "PREEMPTED",
  "TIMEOUT",
  "REVOKED",
  "SPECIAL_EXIT",
]);

export function isTerminal(state: string): boolean {
  return TERMINAL.has(state);
}

/** Lines of `squeue -h -o '%i|%T|%r|%N'`, by job id. */
export function parseSqueue(output: string): SlurmJobStatus[] {
  const jobs: SlurmJobStatus[] = [];
  for (const line of output.split("\n")) {
    if (line.trim() === "") continue;
    const [id = "", state = "", reason = "", nodes = ""] = line.trim().split("|");
    jobs.push({ id, state, reason, nodes });
  }
  return jobs;
}

/** Lines of `sacct -n -X -P -o JobID,State,Reason,NodeList`; a state may read `CANCELLED by 0`. */
export function parseSacct(output: string): SlurmJobStatus[] {
  return parseSqueue(output).map((job) => ({ ...job, state: job.state.split(" ")[0]! }));
}

/** Slurm's reasons that say a job can never start as asked (not a wait). */
const NEVER_STARTS = /^(PartitionConfig|PartitionNodeLimit|PartitionTimeLimit|AccountNotAllowed|QOSJobLimit|InvalidAccount|InvalidQOS|PartitionDown|PartitionInactive|BadConstraints|ReqNodeNotAvail.*Down)/;

/** The StatusMessage of a job Slurm has not started yet. */
export function queueMessage(status: SlurmJobStatus): string {
  if (status.state === "CONFIGURING") return `Slurm job ${status.id} is configuring its nodes`;
  const reason = status.reason && status.reason !== "None" ? status.reason : "Priority";
  const hint = NEVER_STARTS.test(reason) ? ": Slurm says the job cannot start as asked; stop it and change the Slurm settings (optml:slurm-* tags)" : "";
  return `Waiting in the Slurm queue (${reason})${hint}`;
}

const REASONS: Record<string, (id: string, why: string) => string> = {
  NODE_FAIL: (id, why) => `InternalServerError: a node of Slurm job ${id} failed (Slurm state NODE_FAIL${why}); the hosts on it are gone`,
  BOOT_FAIL: (id, why) => `InternalServerError: the nodes of Slurm job ${id} failed to boot (Slurm state BOOT_FAIL${why})`,
  PREEMPTED: (id, why) => `CapacityError: Slurm preempted job ${id} for other work (Slurm state PREEMPTED${why})`,
  CANCELLED: (id, why) =>
    `ClientError: Slurm job ${id} was cancelled outside optml (Slurm state CANCELLED${why}), by scancel from a user or an administrator; optml's own StopTrainingJob ends a job as Stopped`,
  TIMEOUT: (id, why) =>
    `ClientError: Slurm ended job ${id} at its time limit (Slurm state TIMEOUT${why}), MaxRuntimeInSeconds plus the stop grace: the control plane was not there to stop it first`,
  DEADLINE: (id, why) => `ClientError: Slurm ended job ${id} at its deadline (Slurm state DEADLINE${why})`,
  OUT_OF_MEMORY: (id, why) => `AlgorithmError: Slurm ended job ${id}: a process ran out of the memory Slurm allows it (Slurm state OUT_OF_MEMORY${why})`,
};

/**
 * The FailureReason of a job that Slurm ended (a state in the catalogue above); undefined when the
 * job's end was its program's own (COMPLETED, FAILED) or it still runs.
 */
export function slurmEndReason(status: SlurmJobStatus): string | undefined {
  const why = status.reason && status.reason !== "None" ? `, reason ${status.reason}` : "";
  return REASONS[status.state]?.(status.id, why);
}

/**
 * The FailureReason of a job whose srun ended (FAILED) because a node of it failed, before
 * slurmctld could end the job as NODE_FAIL: the nodes Slurm holds as down say it.
 */
export function nodeDownReason(status: SlurmJobStatus, down: readonly string[]): string {
  return `InternalServerError: a node of Slurm job ${status.id} failed (Slurm holds ${down.join(", ")} as down; the job ended ${status.state}); the hosts on it are gone`;
}

/** The FailureReason of a Slurm job that neither squeue nor sacct knows any more. */
export function vanishedReason(id: string): string {
  return `InternalServerError: Slurm job ${id} vanished: neither squeue nor sacct knows it (the Slurm controller lost its state, or the job ended longer ago than MinJobAge while no control plane watched it)`;
}

/**
 * The FailureReason of a host that left no exit status when its Slurm job ended for a reason of
 * its own (FAILED, COMPLETED): its task or its node died, or srun could not start it.
 */
export function hostLostReason(status: SlurmJobStatus, host: string, output: string): string {
  const tail = output.trim().split("\n").slice(-5).join(" | ");
  return `InternalServerError: Slurm job ${status.id} ended (${status.state}) and ${host} left no exit status (its task or its node died, or srun did not start it)${tail ? `: ${tail}` : ""}`;
}
