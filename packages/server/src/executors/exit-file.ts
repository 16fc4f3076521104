/**
 * A host's exit file: its exit code, written whole (a temporary file renamed into place) when the
 * host ends, so that a control plane started later still learns how a host it lost sight of ended.
 */
import { readFileSync } from "node:fs";
import { rename, writeFile } from "node:fs/promises";
import type { HostExit } from "./types.js";

/** The host's exit (code null when it is not a number); undefined while there is no exit file. */
export function readExitFile(exitFile: string): HostExit | undefined {
  try {
    const text = readFileSync(exitFile, "utf8").trim();
    return { exitCode: /^\d+$/.test(text) ? Number(text) : null };
  } catch {
    return undefined;
  }
}

export async function writeExitFile(exitFile: string, code: number | null): Promise<void> {
  await writeFile(`${exitFile}.tmp`, code === null ? "unknown\n" : `${code}\n`);
  await rename(`${exitFile}.tmp`, exitFile);
}
