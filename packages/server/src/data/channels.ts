/**
 * Staging a host's channels before its program starts.
 *
 * File and FastFile mode (FastFile is served as File): the channel's objects become files under
 * `input/data/<channel>/`. Objects from S3 are downloaded in parallel through the content cache;
 * local (`file://`) files are not copied but linked, and a whole local directory that the host
 * gets entirely is one symbolic link, so staging takes the same time for a kilobyte or a terabyte.
 *
 * Pipe mode: the objects are checked as for File mode, and the first FIFO,
 * `input/data/<channel>_0`, is made; pipe.ts streams the data while the program runs. A channel
 * fed on the host's node (`nodeFeed`: Slurm) has its objects staged into the feed's dir instead,
 * as files named 0, 1, ... in the channel's order, for the feeder on the node.
 */
import { mkdir, readdir, rm, stat, symlink } from "node:fs/promises";
import { dirname } from "node:path";
import type { ChannelPlacement } from "../jobs/plan.js";
import { channelObjects, type ChannelObject } from "./channel-objects.js";
import type { DataContext } from "./context.js";
import { noLocalFiles } from "./errors.js";
import { makeFifo, pipePath } from "./pipe.js";
import { fetchObject, forEachLimited } from "./s3-objects.js";

export { DataError } from "./errors.js";

export interface StagedChannel {
  readonly channel: string;
  /** How many objects, and their bytes (undefined for a local directory linked whole: not counted). */
  readonly objects: number | undefined;
  readonly bytes: number | undefined;
  /** Objects served by the content cache (not downloaded). */
  readonly fromCache: number;
}

async function makeParentDirs(target: string, objects: readonly ChannelObject[]): Promise<void> {
  const dirs = new Set<string>([target]);
  for (const o of objects) dirs.add(dirname(`${target}/${o.path}`));
  for (const dir of [...dirs].sort()) await mkdir(dir, { recursive: true });
}

/** A node-fed Pipe channel's objects as files 0, 1, ... in order (local files linked); returns how many the cache served. */
async function stageForNodeFeed(data: DataContext, dir: string, objects: readonly ChannelObject[], signal?: AbortSignal): Promise<number> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  let fromCache = 0;
  await forEachLimited(
    objects.map((o, i) => ({ o, i })),
    data.concurrency,
    async ({ o, i }, inner) => {
      const destination = `${dir}/${i}`;
      if (o.kind === "file") await symlink(o.file, destination);
      else if (await fetchObject(data, o, destination, inner)) fromCache++;
    },
    signal,
  );
  if (objects.some((o) => o.kind === "s3")) await data.cache.trim();
  return fromCache;
}

/** A local directory the host gets whole, as one link. */
async function linkWholeDirectory(placement: ChannelPlacement): Promise<StagedChannel | undefined> {
  const { source } = placement;
  if (source.kind !== "file" || placement.dataType !== "S3Prefix" || (placement.shard && placement.shard.count > 1)) return undefined;
  const info = await stat(source.path).catch(() => undefined);
  if (!info) throw noLocalFiles(placement.sourceUri, placement.channel, "it does not exist");
  if (!info.isDirectory()) return undefined;
  if ((await readdir(source.path)).length === 0) throw noLocalFiles(placement.sourceUri, placement.channel);
  await mkdir(dirname(placement.target), { recursive: true });
  await symlink(source.path, placement.target, "dir");
  return { channel: placement.channel, objects: undefined, bytes: undefined, fromCache: 0 };
}

export async function stageChannel(data: DataContext, placement: ChannelPlacement, signal?: AbortSignal): Promise<StagedChannel> {
  if (placement.inputMode === "Pipe") {
    const objects = await channelObjects(data, placement, signal);
    await mkdir(dirname(placement.target), { recursive: true });
    const fromCache = placement.nodeFeed ? await stageForNodeFeed(data, placement.nodeFeed.dir, objects, signal) : 0;
    await makeFifo(pipePath(placement, 0));
    return { channel: placement.channel, objects: objects.length, bytes: objects.reduce((n, o) => n + o.size, 0), fromCache };
  }
  const whole = await linkWholeDirectory(placement);
  if (whole) return whole;
  const objects = await channelObjects(data, placement, signal);
  await makeParentDirs(placement.target, objects);
  let fromCache = 0;
  await forEachLimited(
    objects,
    data.concurrency,
    async (o, inner) => {
      const destination = `${placement.target}/${o.path}`;
      if (o.kind === "file") await symlink(o.file, destination);
      else if (await fetchObject(data, o, destination, inner)) fromCache++;
    },
    signal,
  );
  if (objects.some((o) => o.kind === "s3")) await data.cache.trim();
  return { channel: placement.channel, objects: objects.length, bytes: objects.reduce((n, o) => n + o.size, 0), fromCache };
}
