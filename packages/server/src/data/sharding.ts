/**
 * ShardedByS3Key: which of a channel's objects a host gets.
 *
 * The rule (deterministic, and the same for every kind of channel): sort the channel's keys by
 * their UTF-8 bytes, the order in which S3 lists them (for a `file://` channel, the files' paths
 * relative to the channel's directory; for a manifest, the object keys it lists), then host
 * `algo-(i+1)` of `n` takes the keys at positions i, i+n, i+2n, ... So every object goes to
 * exactly one host, the shares differ in size by at most one object, and a host's share depends
 * only on the set of keys, the host's number and the host count. A host may get no object at all
 * when there are fewer objects than hosts. FullyReplicated gives every host every key.
 */

/** Orders strings by their UTF-8 bytes (what S3 lists in), not by UTF-16 code units. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

export function sortKeys(keys: readonly string[]): string[] {
  return [...keys].sort(compareKeys);
}

/** The share of host `hostIndex` (0 for algo-1) among `hostCount` hosts of keys already sorted by `compareKeys`. */
export function shardKeys(sortedKeys: readonly string[], hostIndex: number, hostCount: number): string[] {
  if (!Number.isInteger(hostCount) || hostCount < 1) throw new RangeError(`hostCount must be a whole number >= 1, got ${hostCount}`);
  if (!Number.isInteger(hostIndex) || hostIndex < 0 || hostIndex >= hostCount) {
    throw new RangeError(`hostIndex must be a whole number in [0, ${hostCount - 1}], got ${hostIndex}`);
  }
  const share: string[] = [];
  for (let at = hostIndex; at < sortedKeys.length; at += hostCount) share.push(sortedKeys[at]!);
  return share;
}

/** Which host a channel placement shards for: its index (algo-1 = 0) and the host count. */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

/**
 * The items a host gets, in their original order: those whose key is in the host's share. The
 * order of a channel's objects (a manifest's order, say) is kept; only membership is sharded.
 */
export function shardItems<T>(items: readonly T[], keyOf: (item: T) => string, shard: Shard | undefined): T[] {
  if (!shard || shard.count === 1) return [...items];
  const mine = new Set(shardKeys(sortKeys(items.map(keyOf)), shard.index, shard.count));
  return items.filter((item) => mine.has(keyOf(item)));
}

/** A host's index among the job's hosts, from its name: algo-1 -> 0, algo-10 -> 9. */
export function hostIndex(host: string): number {
  const m = /^algo-(\d+)$/.exec(host);
  if (!m) throw new Error(`'${host}' is not a host name of the form algo-<n>`);
  return Number(m[1]) - 1;
}
