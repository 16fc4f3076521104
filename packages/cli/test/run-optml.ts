import { spawnSync } from "node:child_process";
import { join } from "node:path";

export const OPTML_BIN = join(import.meta.dirname, "..", "bin", "optml.js");

/** Run the built `optml` as a user would, with a controlled environment. */
export function optml(args: string[], env: Record<string, string | undefined> = {}, cwd?: string) {
  const result = spawnSync(process.execPath, [OPTML_BIN, ...args], {
    encoding: "utf8",
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    ...(cwd ? { cwd } : {}),
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}
