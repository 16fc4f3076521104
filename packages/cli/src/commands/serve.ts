import { resolve } from "node:path";
import { Command } from "commander";
import { DEFAULT_PORT, defaultHome, EXECUTOR_MODES, INSTANCE_RESOURCES_MODES, resolvePython, splitOptions, startServer, type ExecutorMode, type InstanceResourcesMode } from "@optml/server";
import { CliError, wholeNumber } from "../cli-error.js";
import { claimHome } from "../home-lease.js";

interface ServeOptions {
  port: number;
  home?: string;
  auth?: boolean;
  authRegion?: string;
  maxConcurrentJobs?: number;
  stopGraceSeconds?: number;
  executor: string;
  python?: string;
  slurmPartition?: string;
  slurmAccount?: string;
  slurmQos?: string;
  slurmSbatchOptions?: string;
  slurmDir?: string;
  allowPath: string[];
  instanceResources: string;
  dashboard: boolean;
}

/** Access keys for --auth: OPTML_ACCESS_KEYS="AKID:SECRET,AKID2:SECRET2", else this shell's AWS keys. */
export function accessKeys(env: NodeJS.ProcessEnv): Record<string, string> {
  const spec = env.OPTML_ACCESS_KEYS;
  if (spec) {
    const keys: Record<string, string> = {};
    for (const pair of spec.split(",")) {
      const at = pair.indexOf(":");
      if (at <= 0 || at === pair.length - 1) throw new CliError(`OPTML_ACCESS_KEYS: '${pair}' is not ACCESS_KEY_ID:SECRET_ACCESS_KEY`, 2);
      keys[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
    }
    return keys;
  }
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) return { [env.AWS_ACCESS_KEY_ID]: env.AWS_SECRET_ACCESS_KEY };
  throw new CliError("--auth needs access keys: set OPTML_ACCESS_KEYS=AKID:SECRET[,...] (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)", 2);
}

export function serveCommand(): Command {
  return new Command("serve")
    .description("run the control plane: the SageMaker and CloudWatch Logs APIs and the web dashboard on 127.0.0.1")
    .option("--port <n>", `port to listen on (default ${DEFAULT_PORT}; 0 picks a free one)`, wholeNumber("--port"), DEFAULT_PORT)
    .option("--home <dir>", "state directory (default: $OPTML_HOME, else ~/.optml)")
    .option("--auth", "verify SigV4 signatures against OPTML_ACCESS_KEYS (else this shell's AWS keys); requests dated more than 15 minutes from this clock are refused, as AWS does")
    .option("--auth-region <region>", "with --auth: refuse requests signed for any other region, as an AWS endpoint does (default: any region)")
    .option("--max-concurrent-jobs <n>", "jobs running at once; more wait as Pending (default: $OPTML_MAX_CONCURRENT_JOBS, else the CPU count)", wholeNumber("--max-concurrent-jobs"))
    .option("--stop-grace-seconds <n>", "SIGTERM to SIGKILL grace when a job is stopped (default 120)", wholeNumber("--stop-grace-seconds"))
    .option(
      "--executor <mode>",
      "auto: a job's TrainingImage runs in Docker when the engine has it, else script-mode jobs run as processes; process or docker force one; slurm submits every job to Slurm (a job overrides it with the tag optml:executor or OPTML_EXECUTOR in its Environment)",
      "auto",
    )
    .option("--slurm-partition <name>", "Slurm jobs: sbatch --partition (a job's tag optml:slurm-partition wins)")
    .option("--slurm-account <name>", "Slurm jobs: sbatch --account (tag optml:slurm-account)")
    .option("--slurm-qos <name>", "Slurm jobs: sbatch --qos (tag optml:slurm-qos)")
    .option("--slurm-sbatch-options <options>", "Slurm jobs: more sbatch options, space-separated, e.g. '--gres=gpu:8 --constraint=a100' (tag optml:slurm-sbatch-options)")
    .option("--slurm-dir <dir>", "Slurm jobs' files go under <dir>/jobs, which every node must see at the same path (default: the state directory)")
    .option(
      "--allow-path <dir>",
      "file:// inputs and outputs (channels, code, checkpoints, S3OutputPath) must lie in <dir>; repeat for more; a job naming a local path outside all of them is refused (default: no limit)",
      (dir: string, dirs: string[]) => [...dirs, resolve(dir)],
      [] as string[],
    )
    .option(
      "--instance-resources <mode>",
      "enforce: each host of a job run as processes gets the vCPUs and memory of its InstanceType (capped at this machine's) through its cgroup, and a host over its memory fails the job with OutOfMemoryError; off: no limits (a job's tag optml:instance-resources wins)",
      "off",
    )
    .option("--no-dashboard", "do not serve the web dashboard at / (jobs, live logs and metric charts; see docs/dashboard.md)")
    .option("--python <path>", "the Python of jobs whose Environment sets no OPTML_PYTHON: a path, or a command on this PATH (default: $OPTML_PYTHON, else python3)")
    .addHelpText(
      "after",
      `
A job's Python is its Environment's OPTML_PYTHON, else --python, else python3 on this PATH;
DescribeTrainingJob shows it as OptmlPython ('optml describe' as Python). A job's
requirements.txt goes into a virtual environment under <home>/venvs, never into that Python.

Point any SageMaker client at it:
  export AWS_ENDPOINT_URL_SAGEMAKER=http://127.0.0.1:${DEFAULT_PORT}
  export AWS_ENDPOINT_URL_CLOUDWATCH_LOGS=http://127.0.0.1:${DEFAULT_PORT}
  export AWS_ENDPOINT_URL_CLOUDWATCH=http://127.0.0.1:${DEFAULT_PORT}   # metrics (docs/metrics.md)

Slurm (--executor slurm, or a job's tag optml:executor=slurm): each job is one allocation of
InstanceCount nodes (sbatch; the commands on PATH, SLURM_CONF honoured), train runs on every node
with srun. The nodes need this machine's Node and @optml/runner at the same paths, and must see
the job files (--slurm-dir) at the same path. See docs/slurm.md.

Examples:
  optml serve
  optml serve --executor slurm --slurm-partition gpu --slurm-dir /shared/optml
  optml serve --port 0 --max-concurrent-jobs 4
  optml serve --allow-path /data --allow-path /scratch/optml
  OPTML_ACCESS_KEYS=AKIDEXAMPLE:secret optml serve --auth`,
    )
    .action(async (options: ServeOptions) => {
      if (options.maxConcurrentJobs === 0) throw new CliError("--max-concurrent-jobs must be at least 1", 2);
      if (!EXECUTOR_MODES.includes(options.executor as ExecutorMode)) {
        throw new CliError(`--executor takes one of ${EXECUTOR_MODES.join(", ")}, got '${options.executor}'`, 2);
      }
      if (!INSTANCE_RESOURCES_MODES.includes(options.instanceResources as InstanceResourcesMode)) {
        throw new CliError(`--instance-resources takes one of ${INSTANCE_RESOURCES_MODES.join(", ")}, got '${options.instanceResources}'`, 2);
      }
      if (options.python !== undefined) {
        const python = await resolvePython({ requested: options.python, source: "optml serve --python" }, process.env.PATH, {
          pathOwner: "this shell",
          fix: "give --python the path of a Python interpreter",
        });
        if ("problem" in python) throw new CliError(python.problem, 2);
      }
      if (options.authRegion !== undefined && !options.auth) throw new CliError("--auth-region needs --auth", 2);
      const home = options.home ?? defaultHome();
      // One control plane per home: other optml commands find this one through the lease.
      const claim = await claimHome(home, "optml serve");
      if (claim.kind === "served") {
        const { pid, by, endpoint } = claim.record;
        throw new CliError(`${home} is already served by an optml control plane at ${endpoint} (${by}, pid ${pid}): use it, or give this one another --home`);
      }
      const lease = claim.lease;
      const server = await startServer({
        port: options.port,
        home,
        dashboard: options.dashboard,
        ...(process.env.OPTML_DASHBOARD_TOKEN ? { dashboardToken: process.env.OPTML_DASHBOARD_TOKEN } : {}),
        ...(options.auth
          ? {
              auth: {
                credentials: accessKeys(process.env),
                ...(options.authRegion !== undefined ? { region: options.authRegion } : {}),
              },
            }
          : {}),
        ...(options.maxConcurrentJobs !== undefined ? { capacity: options.maxConcurrentJobs } : {}),
        ...(options.stopGraceSeconds !== undefined ? { stopGraceSeconds: options.stopGraceSeconds } : {}),
        executorMode: options.executor as ExecutorMode,
        instanceResources: options.instanceResources as InstanceResourcesMode,
        ...(options.python !== undefined ? { python: options.python } : {}),
        ...(options.allowPath.length > 0 ? { allowPaths: options.allowPath } : {}),
        slurm: {
          settings: {
            ...(options.slurmPartition ? { partition: options.slurmPartition } : {}),
            ...(options.slurmAccount ? { account: options.slurmAccount } : {}),
            ...(options.slurmQos ? { qos: options.slurmQos } : {}),
            sbatchOptions: splitOptions(options.slurmSbatchOptions ?? ""),
          },
          ...(options.slurmDir !== undefined ? { dir: resolve(options.slurmDir) } : {}),
        },
      }).catch((e: NodeJS.ErrnoException) => {
        lease.release();
        if (e.code === "EADDRINUSE") throw new CliError(`port ${options.port} is in use: is another optml serve running? Pick another with --port`);
        throw e;
      });
      lease.publish(server.endpoint);
      const slurmLine =
        options.executor === "slurm"
          ? `  Slurm jobs: files under ${server.controlPlane.slurmJobsDir}, which every node must see at that path; SLURM_CONF=${process.env.SLURM_CONF ?? "(Slurm's default)"}\n`
          : "";
      const allowLine = options.allowPath.length > 0 ? `  file:// inputs and outputs only under: ${options.allowPath.join(", ")}\n` : "";
      process.stderr.write(
        `optml control plane on ${server.endpoint} (state in ${home}${options.auth ? ", SigV4 required" : ""})\n` +
          slurmLine +
          allowLine +
          `  export AWS_ENDPOINT_URL_SAGEMAKER=${server.endpoint} AWS_ENDPOINT_URL_CLOUDWATCH_LOGS=${server.endpoint} AWS_ENDPOINT_URL_CLOUDWATCH=${server.endpoint}
` +
          (server.dashboardUrl === undefined
            ? ""
            : `  dashboard: ${server.dashboardUrl}${server.dashboardToken !== undefined ? " (the token in it is needed to open the dashboard; keep it private)" : ""}
`),
      );
      // Print the endpoint on stdout for scripts that start the server in the background.
      process.stdout.write(`${server.endpoint}\n`);
      await new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          process.stderr.write(`optml serve: ${signal}, stopping; running jobs keep running and are picked up by the next optml serve\n`);
          server.http.close();
          server.http.closeAllConnections();
          server.controlPlane.detach();
          lease.release();
          resolve();
        };
        process.once("SIGINT", () => stop("SIGINT"));
        process.once("SIGTERM", () => stop("SIGTERM"));
      });
    });
}
