/**
 * The disk a job takes: the bytes of its work dir (`<home>/jobs/<name>-<ms>`: each host's /opt/ml
 * tree, staged channels, code copy, logs, exit files), as `du -s --block-size=1` counts them:
 * allocated blocks, directories included, a file with several links inside the dir once, symbolic
 * links not followed. A channel file hard-linked from the content cache counts here too, though
 * deleting the job frees it only once the cache lets it go.
 */
import { lstat, readdir } from "node:fs/promises";
import { join } from "node:path";

/** Bytes on disk under `dir`; 0 when it does not exist. */
export async function diskBytes(dir: string): Promise<number> {
  const seen = new Set<string>();
  const walk = async (path: string): Promise<number> => {
    const info = await lstat(path).catch((e: NodeJS.ErrnoException) => {
      if (e.code === "ENOENT") return undefined; // gone meanwhile (a running job's files come and go)
      throw e;
    });
    if (!info) return 0;
    const inode = `${info.dev}:${info.ino}`;
    if (info.nlink > 1 && !info.isDirectory()) {
      if (seen.has(inode)) return 0;
      seen.add(inode);
    }
    let bytes = info.blocks * 512;
    if (info.isDirectory()) {
      const entries = await readdir(path).catch(() => [] as string[]);
      for (const entry of entries) bytes += await walk(join(path, entry));
    }
    return bytes;
  };
  return walk(dir);
}
