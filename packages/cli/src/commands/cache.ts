import { Command } from "commander";
import { byteSize } from "@optml/runner";
import { cacheInfo, clearCache, defaultHome, type CacheInfo } from "@optml/server";

interface CacheOptions {
  home?: string;
  json?: boolean;
}

/** 1536 -> "1.5 KiB" (the runner's, for one way of showing sizes). */
export { byteSize };

function describeCache(info: CacheInfo): string {
  const limit = info.limitBytes === 0 ? "off (OPTML_CACHE_LIMIT=0)" : `${byteSize(info.limitBytes)} (OPTML_CACHE_LIMIT)`;
  return `cache:   ${info.dir}\nobjects: ${info.entries}\nsize:    ${byteSize(info.bytes)}\nlimit:   ${limit}\n`;
}

const homeOption = ["--home <dir>", "state directory (default: $OPTML_HOME, else ~/.optml)"] as const;

/** `optml cache`: the content cache of S3 objects that File mode channels are served from. */
export function cacheCommand(): Command {
  // --home and --json are the parent's (commander gives them to it wherever they stand).
  const clear = new Command("clear")
    .description("remove every cached object (files already given to jobs stay theirs); takes --home and --json")
    .action(async (_options: CacheOptions, command: Command) => {
      const options = command.optsWithGlobals<CacheOptions>();
      const before = await clearCache(options.home ?? defaultHome());
      if (options.json) {
        process.stdout.write(`${JSON.stringify({ dir: before.dir, removedEntries: before.entries, removedBytes: before.bytes }, null, 2)}\n`);
        return;
      }
      process.stdout.write(`removed ${before.entries} object(s), ${byteSize(before.bytes)}, from ${before.dir}\n`);
    });
  return new Command("cache")
    .description("show the content cache of S3 objects that channels are downloaded into, and clear it")
    .option(...homeOption)
    .option("--json", 'print {"dir", "entries", "bytes", "limitBytes"} instead of lines')
    .addHelpText(
      "after",
      `
A channel's S3 objects are cached by bucket, key and ETag, so a job run again with unchanged
data downloads nothing. The least recently used objects are removed beyond the limit,
OPTML_CACHE_LIMIT (bytes, or a number with K, M, G or T; default 20G; 0 turns the cache off).

Examples:
  optml cache
  optml cache --json
  optml cache clear
  OPTML_HOME=/data/optml optml cache clear --json`,
    )
    .action(async (options: CacheOptions) => {
      const info = await cacheInfo(options.home ?? defaultHome());
      process.stdout.write(options.json ? `${JSON.stringify(info, null, 2)}\n` : describeCache(info));
    })
    .addCommand(clear);
}
