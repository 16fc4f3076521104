/**
 * Staging channels into a host's base dir. A local (`file://`) channel is not copied: the
 * channel directory is a symbolic link to the data (or, for a single file, a directory holding a
 * link to it), so staging takes the same time for a kilobyte or a terabyte.
 */
import { mkdir, readdir, stat, symlink } from "node:fs/promises";
import { basename, dirname } from "node:path";
import type { ChannelPlacement } from "../jobs/plan.js";

/** A problem with the job's data: the job fails with `ClientError: <message>`. */
export class DataError extends Error {
  override readonly name = "DataError";
}

export async function stageChannel(placement: ChannelPlacement): Promise<void> {
  const { source } = placement;
  if (source.kind !== "file") throw new DataError(`channel '${placement.channel}': ${placement.sourceUri} is not a local location`);
  const info = await stat(source.path).catch(() => undefined);
  if (!info) throw new DataError(`No files found under local path "${placement.sourceUri}" (channel '${placement.channel}'): it does not exist`);
  await mkdir(dirname(placement.target), { recursive: true });
  if (info.isDirectory()) {
    const entries = await readdir(source.path);
    if (entries.length === 0) throw new DataError(`No files found under local path "${placement.sourceUri}" (channel '${placement.channel}')`);
    await symlink(source.path, placement.target, "dir");
    return;
  }
  await mkdir(placement.target, { recursive: true });
  await symlink(source.path, `${placement.target}/${basename(source.path)}`);
}
