/** `output/success` and `output/failure`; `output/` is created when missing (unlike the reference). */
import { mkdir, writeFile } from "node:fs/promises";
import type { ContractPaths } from "@optml/contract";
import type { Log } from "./log.js";

export async function writeSuccessFile(paths: ContractPaths): Promise<void> {
  await mkdir(paths.output, { recursive: true });
  await writeFile(paths.successFile, "");
}

/**
 * Write the failure report, unless the user program wrote a failure file itself: that one is
 * kept. Returns whether the report was written.
 */
export async function writeFailureFile(paths: ContractPaths, report: string, log: Log): Promise<boolean> {
  await mkdir(paths.output, { recursive: true });
  try {
    await writeFile(paths.failureFile, report, { flag: "wx" });
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    log(`${paths.failureFile} exists (written by the user program): keeping it`);
    return false;
  }
}
