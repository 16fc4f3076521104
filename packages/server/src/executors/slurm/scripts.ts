/**
 * What a training job becomes in Slurm, as text: pure.
 *
 * - the sbatch options: one allocation of InstanceCount whole nodes, named after the job, with the
 *   job's time limit (MaxRuntimeInSeconds plus the stop grace), its output in the job's dir;
 * - the batch script: it runs on the allocation's first node and waits until the control plane
 *   has staged the job's data (the `go` file), then starts one task per node with srun. It ends
 *   without running anything once the control plane gave up on the job (the `stop` file);
 * - the task script, run by srun on every node: it runs the script of the host that node is
 *   (algo-k on the node with SLURM_NODEID k-1, the allocation's k-th node in Slurm's order);
 * - each host's script: as the process executor's wrapper, it sends train's output to the host's
 *   log, records the exit code in the host's exit file, and ignores SIGTERM itself (train gets it
 *   and forwards it to the program), so it lives to record how train ended. `train` runs with
 *   exactly the environment the process executor gives a host (`env -i`): none of Slurm's SLURM_*
 *   variables reach the program, as no launcher or framework must mistake the job for a Slurm job.
 */

/** The Slurm settings of a job: the server's (`optml serve --slurm-*`) under its own tags (`optml:slurm-*`). */
export interface SlurmJobSettings {
  readonly partition?: string;
  readonly account?: string;
  readonly qos?: string;
  /** More sbatch options, as separate arguments (e.g. ["--gres=gpu:8", "--constraint=a100"]). */
  readonly sbatchOptions: readonly string[];
}

/** The names of the settings: `optml serve --slurm-<name>` and the job tag `optml:slurm-<name>`. */
export const SLURM_SETTING_NAMES = ["partition", "account", "qos", "sbatch-options"] as const;
export type SlurmSettingName = (typeof SLURM_SETTING_NAMES)[number];

/** Split sbatch options given as one string on whitespace (`--gres=gpu:8 --constraint=a100`). */
export function splitOptions(text: string): string[] {
  return text.split(/\s+/).filter((o) => o !== "");
}

/**
 * A job's settings from the server's defaults and its tags; a tag `optml:slurm-<name>` with a name
 * not in SLURM_SETTING_NAMES is a problem (so a misspelt setting is not silently ignored).
 */
export function slurmSettingsFor(
  tags: readonly { readonly Key: string; readonly Value: string }[],
  defaults: SlurmJobSettings,
): { settings: SlurmJobSettings; problems: string[] } {
  const problems: string[] = [];
  let settings: SlurmJobSettings = defaults;
  for (const { Key, Value } of tags) {
    if (!Key.startsWith("optml:slurm-")) continue;
    const name = Key.slice("optml:slurm-".length);
    if (!(SLURM_SETTING_NAMES as readonly string[]).includes(name)) {
      problems.push(`tag ${Key} is not a Slurm setting: use one of ${SLURM_SETTING_NAMES.map((n) => `optml:slurm-${n}`).join(", ")}`);
      continue;
    }
    if (name === "sbatch-options") settings = { ...settings, sbatchOptions: splitOptions(Value) };
    else settings = { ...settings, [name]: Value };
  }
  return { settings, problems };
}

/** Slurm's `--time` in minutes:seconds. */
export function slurmTime(seconds: number): string {
  const s = Math.max(60, Math.ceil(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

export interface BatchJob {
  readonly name: string;
  readonly nodes: number;
  /** MaxRuntimeInSeconds + the stop grace. */
  readonly timeLimitSeconds: number;
  /** The job's Slurm dir, on the filesystem every node sees. */
  readonly dir: string;
  readonly settings: SlurmJobSettings;
}

/** sbatch's options (before the script's path). */
export function sbatchArguments(job: BatchJob): string[] {
  const { settings } = job;
  return [
    `--job-name=${job.name}`,
    `--nodes=${job.nodes}`,
    `--ntasks=${job.nodes}`,
    "--ntasks-per-node=1",
    // A SageMaker instance is a whole machine.
    "--exclusive",
    // A node failure ends the job, as an instance failure ends a SageMaker job.
    "--no-requeue",
    `--time=${slurmTime(job.timeLimitSeconds)}`,
    `--chdir=${job.dir}`,
    `--output=${job.dir}/slurm-%j.out`,
    ...(settings.partition ? [`--partition=${settings.partition}`] : []),
    ...(settings.account ? [`--account=${settings.account}`] : []),
    ...(settings.qos ? [`--qos=${settings.qos}`] : []),
    ...settings.sbatchOptions,
  ];
}

/** A shell word that stands for exactly `s`. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export const GO_FILE = "go";
export const STOP_FILE = "stop";
export const TASK_SCRIPT = "task.sh";
/** Written by the batch script when it starts: the allocation's nodes (SLURM_JOB_NODELIST). */
export const RUNNING_FILE = "running";

/**
 * A Slurm hostlist expanded, in Slurm's order: `n[1-3,5],gpu[08-10]` is n1 n2 n3 n5 gpu08 gpu09
 * gpu10 (ranges keep their zero padding). One bracket per name, as Slurm writes node lists.
 */
export function expandHostlist(list: string): string[] {
  const names: string[] = [];
  // Split on commas outside brackets.
  for (const part of list.trim().split(/,(?![^[]*\])/)) {
    if (part === "") continue;
    const m = /^([^[]*)\[([^\]]+)\](.*)$/.exec(part);
    if (!m) {
      names.push(part);
      continue;
    }
    const [, prefix, ranges, suffix] = m;
    for (const range of ranges!.split(",")) {
      const [from, to = from] = range.split("-") as [string, string?];
      const width = from.length;
      for (let i = Number(from); i <= Number(to); i++) names.push(`${prefix}${String(i).padStart(width, "0")}${suffix}`);
    }
  }
  return names;
}

/** The host script's file name: host-1.sh is algo-1's. */
export function hostScriptName(index: number): string {
  return `host-${index}.sh`;
}

export function batchScript(job: BatchJob): string {
  return [
    "#!/bin/sh",
    `# optml training job ${job.name}: says it runs (and on which nodes), then starts a task on every node.`,
    `dir=${shellQuote(job.dir)}`,
    `printf '%s\\n' "$SLURM_JOB_NODELIST" >"$dir/${RUNNING_FILE}.tmp" && mv "$dir/${RUNNING_FILE}.tmp" "$dir/${RUNNING_FILE}"`,
    `exec srun --nodes=${job.nodes} --ntasks=${job.nodes} --ntasks-per-node=1 --kill-on-bad-exit=0 /bin/sh "$dir/${TASK_SCRIPT}" "$dir"`,
    "",
  ].join("\n");
}

/**
 * Run by srun on every node as soon as the allocation runs (so that the step's launch overlaps
 * the staging): it waits until the data is staged (the go file; often at first, seldom after),
 * then runs the host that node is: algo-k on the node with SLURM_NODEID k-1. It ends without
 * running anything once the control plane gave up on the job (the stop file).
 */
export function taskScript(): string {
  return [
    "#!/bin/sh",
    "n=0",
    `while [ ! -e "$1/${GO_FILE}" ]; do`,
    `  if [ -e "$1/${STOP_FILE}" ]; then echo "optml: the training job ended before its hosts started"; exit 0; fi`,
    "  n=$((n + 1))",
    '  if [ "$n" -lt 100 ]; then sleep 0.02; else sleep 0.5; fi',
    "done",
    `exec /bin/sh "$1/host-$((SLURM_NODEID + 1)).sh"`,
    "",
  ].join("\n");
}

/** A Pipe mode channel fed on the node: its FIFOs' base path, its staged objects, whether to gunzip them. */
export interface NodeFeed {
  readonly fifoBase: string;
  readonly dir: string;
  readonly gzip: boolean;
}

export const FEEDER_SCRIPT = "feeder.sh";

/**
 * Pipe mode on the node, as SageMaker serves it (data/pipe.ts does it for local hosts): each time
 * the program opens `<channel>_<epoch>`, the staged objects stream into it in order (gunzipped for
 * CompressionType Gzip); when the pass is over (or the program closed its end early), the next
 * FIFO is made, the finished one removed, then closed, so the program reads EOF and finds the next.
 */
export function feederScript(): string {
  return [
    "#!/bin/sh",
    "# $1 the FIFOs' base path (<channel>_<epoch>), $2 the staged objects (0, 1, ...), $3 gzip or empty.",
    'base="$1"; src="$2"; gz="$3"; e=0',
    "while :; do",
    '  [ -p "${base}_$e" ] || mkfifo -m 0644 "${base}_$e" || exit 1',
    '  exec 3>"${base}_$e"',
    "  i=0",
    '  while [ -e "$src/$i" ]; do',
    '    if [ -n "$gz" ]; then gzip -dc "$src/$i" >&3 || break; else cat "$src/$i" >&3 || break; fi',
    "    i=$((i + 1))",
    "  done",
    '  mkfifo -m 0644 "${base}_$((e + 1))"; rm -f "${base}_$e"',
    "  exec 3>&-",
    "  e=$((e + 1))",
    "done",
    "",
  ].join("\n");
}

export interface HostScript {
  readonly host: string;
  /** Pipe mode channels fed beside train, each by a feeder in a process group of its own (ended with train). */
  readonly feeds?: readonly NodeFeed[];
  /** Where the feeder script is. */
  readonly feederScript?: string;
  /** Shell lines run on the node before train (as making the host's /etc/hosts). */
  readonly setup?: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The scene prefix and the runner command. */
  readonly command: readonly string[];
  readonly logFile: string;
  readonly exitFile: string;
}

/** A name `env` takes as NAME=VALUE (no '=' in it, not empty). */
function isEnvName(name: string): boolean {
  return name !== "" && !name.includes("=");
}

export function hostScript(h: HostScript): string {
  const env = Object.entries(h.env)
    .filter((e): e is [string, string] => e[1] !== undefined && isEnvName(e[0]))
    .map(([k, v]) => shellQuote(`${k}=${v}`));
  const exit = shellQuote(h.exitFile);
  const tmp = shellQuote(`${h.exitFile}.tmp`);
  const log = shellQuote(h.logFile);
  const feeds = h.feeds ?? [];
  return [
    "#!/bin/sh",
    `# ${h.host}: train with the host's environment, its output in the host's log, its exit code in the exit file.`,
    'trap "" TERM INT',
    ...(h.setup ?? []),
    'feeders=""',
    ...feeds.map(
      (f) =>
        `setsid /bin/sh ${shellQuote(h.feederScript ?? FEEDER_SCRIPT)} ${shellQuote(f.fifoBase)} ${shellQuote(f.dir)} ${f.gzip ? "gzip" : "''"} </dev/null >>${log} 2>&1 & feeders="$feeders $!"`,
    ),
    `env -i ${env.join(" ")} ${h.command.map(shellQuote).join(" ")} >>${log} 2>&1 </dev/null`,
    "code=$?",
    // A feeder ignores SIGTERM (as this script does): SIGKILL to its group.
    'for p in $feeders; do kill -9 -"$p" 2>/dev/null; done',
    `echo "$code" >${tmp} && mv ${tmp} ${exit}`,
    "",
  ].join("\n");
}

/** `/etc/hosts` of a host on a Slurm node: localhost, then every host as algo-k at its node's address. */
export function slurmHostsFile(hosts: readonly { readonly host: string; readonly address: string }[]): string {
  const lines = ["127.0.0.1\tlocalhost", "::1\tlocalhost ip6-localhost ip6-loopback"];
  for (const h of hosts) lines.push(`${h.address}\t${h.host}`);
  return `${lines.join("\n")}\n`;
}
