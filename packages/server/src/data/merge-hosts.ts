/**
 * One directory from the same directory of every host (model dirs into one model.tar.gz).
 * Hosts are taken in order algo-1, algo-2, ...: a file that several hosts wrote at the same path
 * comes from the lowest-numbered of them (algo-1 is the master that usually writes the model).
 */
import { cp, mkdir, readdir } from "node:fs/promises";

/** Hosts by their number: algo-2 before algo-10. */
export function sortHosts(hosts: readonly string[]): string[] {
  const n = (h: string) => Number(/(\d+)$/.exec(h)?.[1] ?? 0);
  return [...hosts].sort((a, b) => n(a) - n(b));
}

/**
 * The directory to package: the only non-empty one as it is (no copy, the usual case), or a merge
 * into `scratch`, copying from the last host to the first so that the first's files win.
 */
export async function mergeHostDirs(dirs: readonly string[], scratch: string): Promise<string> {
  const nonEmpty: string[] = [];
  for (const dir of dirs) if ((await readdir(dir).catch(() => [])).length > 0) nonEmpty.push(dir);
  if (nonEmpty.length <= 1) return nonEmpty[0] ?? dirs[0]!;
  await mkdir(scratch, { recursive: true });
  for (const dir of [...nonEmpty].reverse()) await cp(dir, scratch, { recursive: true, force: true });
  return scratch;
}
