import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The installed @optml/runner's package directory. */
function runnerPackageDir(): string {
  let dir = dirname(fileURLToPath(import.meta.resolve("@optml/runner")));
  while (!existsSync(join(dir, "package.json"))) {
    const up = dirname(dir);
    if (up === dir) throw new Error("cannot find the package.json of @optml/runner");
    dir = up;
  }
  return dir;
}

/**
 * The command that starts @optml/runner's `train`: `OPTML_RUNNER` (a path to a `train`
 * executable) when set, else this Node running the installed @optml/runner.
 */
export function defaultRunnerCommand(env: NodeJS.ProcessEnv = process.env): string[] {
  if (env.OPTML_RUNNER) return [env.OPTML_RUNNER];
  const dir = runnerPackageDir();
  const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { bin?: Record<string, string> };
  const bin = pkg.bin?.train ?? pkg.bin?.["optml-train"];
  if (!bin) throw new Error(`@optml/runner at ${dir} declares no train executable`);
  return [process.execPath, join(dir, bin)];
}
