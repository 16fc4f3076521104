/**
 * What ran a job, in words: DescribeTrainingJob's `OptmlExecutor` member, and the warning for a
 * job whose TrainingImage was not run because its script ran as local processes instead. Pure.
 */

/** The TrainingImage that `optml run` records: it names no image to run, so nothing is said of it. */
export const RECORDED_ONLY_IMAGE = "optml/run:local";

/** DescribeTrainingJob's `OptmlExecutor`: the executor's name and what it means for the job. */
export interface OptmlExecutor {
  readonly Name: string;
  readonly Description: string;
}

/** "local processes", "local processes, one network namespace per host", "Docker image X", "Slurm job N". */
export function executorDescription(name: string, trainingImage: string | undefined, slurmJobId?: string): OptmlExecutor {
  switch (name) {
    case "process":
      return { Name: name, Description: "local processes" };
    case "netns":
      return { Name: name, Description: "local processes, one network namespace per host" };
    case "docker":
      return { Name: name, Description: `Docker image ${trainingImage ?? "(none)"}` };
    case "slurm":
      return { Name: name, Description: slurmJobId ? `Slurm job ${slurmJobId}, one node per host` : "Slurm, one node per host (not yet running)" };
    default:
      return { Name: name, Description: `the ${name} executor` };
  }
}

/**
 * The executor a job runs on, from the state stored with it when it was created
 * (`{ executor: name, hosts }`, the hosts once launched); undefined when none is stored.
 */
export function optmlExecutor(executorState: unknown, request: Record<string, unknown>): OptmlExecutor | undefined {
  const name = (executorState as { executor?: unknown } | null)?.executor;
  if (typeof name !== "string") return undefined;
  const image = (request.AlgorithmSpecification as { TrainingImage?: string } | undefined)?.TrainingImage;
  const hosts = (executorState as { hosts?: { state?: { slurmJobId?: unknown } }[] }).hosts;
  const slurmJobId = hosts?.[0]?.state?.slurmJobId;
  return executorDescription(name, image, typeof slurmJobId === "string" ? slurmJobId : undefined);
}

/** Why a job's image was not run: the reasons `imageNotRunWarning` words. */
export type ImageNotRun =
  | { readonly reason: "process-mode" }
  | { readonly reason: "no-engine"; readonly socketPath: string }
  | { readonly reason: "image-absent" };

/** The warning for a script-mode job whose TrainingImage runs as local processes; none for optml run's own. */
export function imageNotRunWarning(image: string | undefined, why: ImageNotRun): string | undefined {
  if (!image || image === RECORDED_ONLY_IMAGE) return undefined;
  const because =
    why.reason === "process-mode"
      ? "the executor is process (optml serve --executor, the tag optml:executor or OPTML_EXECUTOR in Environment)"
      : why.reason === "no-engine"
        ? `no Docker engine answers at ${why.socketPath}`
        : "the Docker engine does not have the image";
  return (
    `TrainingImage ${image} was not run: the job runs as local processes with this machine's Python and Node (${because}); ` +
    "to run the image, build or pull it and use the docker executor (optml train --executor docker, or the tag optml:executor=docker)"
  );
}
