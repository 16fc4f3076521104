/** The processes of this machine, as tests that check what a job left behind look at them. */
import { readdirSync, readlinkSync } from "node:fs";

/** Processes whose working directory is (or was, before it was deleted) the dir. */
export function processesIn(dir: string): number[] {
  return readdirSync("/proc")
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return readlinkSync(`/proc/${p}/cwd`).replace(/ \(deleted\)$/, "") === dir;
      } catch {
        return false;
      }
    })
    .map(Number);
}
