import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cacheInfo, cacheLimitFromEnv, clearCache, ContentCache, DEFAULT_CACHE_LIMIT_BYTES, parseByteSize, type CachedObject } from "./cache.js";

const root = mkdtempSync(join(tmpdir(), "optml-cache-test-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
const fresh = (limit = 1 << 20) => new ContentCache(join(root, `cache-${n++}`), limit);
const object = (key: string, size: number, etag = `"${key}"`): CachedObject => ({ bucket: "bkt", key, etag, size, lastModified: new Date("2024-05-01T10:00:00Z") });

async function download(cache: ContentCache, o: CachedObject, content: string, destination: string) {
  const tmp = await cache.temporaryPath();
  writeFileSync(tmp, content);
  await cache.admit(tmp, o, destination);
}

describe("the content cache", () => {
  it("places an admitted object again as a hard link with the object's LastModified", async () => {
    const cache = fresh();
    const o = object("a.csv", 5);
    expect(await cache.place(o, join(root, "miss"))).toBe(false);
    await download(cache, o, "hello", join(root, "first"));
    expect(readFileSync(join(root, "first"), "utf8")).toBe("hello");
    expect(statSync(join(root, "first")).mtime.toISOString()).toBe("2024-05-01T10:00:00.000Z");
    expect(await cache.place(o, join(root, "second"))).toBe(true);
    expect(statSync(join(root, "second")).ino).toBe(statSync(join(root, "first")).ino);
    expect(cache.stats).toEqual({ hits: 1, misses: 1 });
  });

  it("keys on bucket, key and ETag: a new ETag is a miss", async () => {
    const cache = fresh();
    await download(cache, object("k", 3, '"v1"'), "one", join(root, `v1-${n}`));
    expect(await cache.place(object("k", 3, '"v2"'), join(root, `v2-${n}`))).toBe(false);
    expect(await cache.place({ ...object("k", 3, '"v1"'), bucket: "other" }, join(root, `ob-${n}`))).toBe(false);
  });

  it("drops an entry that a program changed in place instead of serving it", async () => {
    const cache = fresh();
    const o = object("t", 4);
    const first = join(root, `t-${n}`);
    await download(cache, o, "good", first);
    writeFileSync(first, "evil"); // same size, new mtime: through the hard link, the entry changed
    expect(await cache.place(o, join(root, `t2-${n}`))).toBe(false);
    expect((await cache.info()).entries).toBe(0);
  });

  it("keeps within its limit by removing the least recently used entries", async () => {
    const cache = fresh(10);
    const [a, b, c] = [object("a", 4), object("b", 4), object("c", 4)];
    await download(cache, a, "aaaa", join(root, `a-${n}`));
    await download(cache, b, "bbbb", join(root, `b-${n}`));
    await download(cache, c, "cccc", join(root, `c-${n}`));
    // a was used last long ago (an entry's atime is its last use).
    const objects = join(cache.dir, "objects");
    for (const d of readdirSync(objects)) {
      for (const f of readdirSync(join(objects, d))) {
        const p = join(objects, d, f);
        if (readFileSync(p, "utf8") === "aaaa") utimesSync(p, new Date(1_000), statSync(p).mtime);
      }
    }
    await cache.trim();
    const info = await cache.info();
    expect(info).toMatchObject({ entries: 2, bytes: 8 });
    expect(await cache.place(a, join(root, `a-again-${n}`))).toBe(false);
    expect(await cache.place(c, join(root, `c-again-${n}`))).toBe(true);
  });

  it("scans its entries only when what it knows says it may be over its limit", async () => {
    const cache = fresh(10);
    await download(cache, object("p", 4), "pppp", join(root, `p-${n}`));
    await cache.trim(); // the first trim scans: 4 bytes
    // Another process adds 8 bytes: this one does not know, and does not scan again yet.
    const other = new ContentCache(cache.dir, 10);
    await download(other, object("q", 8), "qqqqqqqq", join(root, `q-${n}`));
    await cache.trim();
    expect((await cache.info()).bytes).toBe(12);
    // Its own next entry takes what it knows over the limit: it scans, and trims to the limit.
    await download(cache, object("r", 7), "rrrrrrr", join(root, `r-${n}`));
    await cache.trim();
    expect((await cache.info()).bytes).toBeLessThanOrEqual(10);
  });

  it("is off with a limit of 0", async () => {
    const cache = fresh(0);
    expect(cache.enabled).toBe(false);
    expect(await cache.place(object("x", 1), join(root, "off"))).toBe(false);
  });

  it("shows and clears what it holds under a state directory", async () => {
    const home = join(root, "home");
    const cache = new ContentCache(join(home, "cache"), 1 << 20);
    await download(cache, object("s", 6), "sixsix", join(root, "s-placed"));
    expect(await cacheInfo(home, {})).toEqual({ dir: join(home, "cache"), entries: 1, bytes: 6, limitBytes: DEFAULT_CACHE_LIMIT_BYTES });
    expect((await clearCache(home, {})).entries).toBe(1);
    expect(await cacheInfo(home, { OPTML_CACHE_LIMIT: "1G" })).toEqual({ dir: join(home, "cache"), entries: 0, bytes: 0, limitBytes: 1024 ** 3 });
    expect(readFileSync(join(root, "s-placed"), "utf8")).toBe("sixsix");
  });

  it("reads its limit from OPTML_CACHE_LIMIT", () => {
    expect(cacheLimitFromEnv({})).toBe(20 * 1024 ** 3);
    expect(cacheLimitFromEnv({ OPTML_CACHE_LIMIT: "0" })).toBe(0);
    expect([parseByteSize("512M"), parseByteSize("1.5GiB"), parseByteSize("100"), parseByteSize("2t")]).toEqual([512 * 1024 ** 2, 1.5 * 1024 ** 3, 100, 2 * 1024 ** 4]);
    expect(() => cacheLimitFromEnv({ OPTML_CACHE_LIMIT: "lots" })).toThrow(/OPTML_CACHE_LIMIT: 'lots' is not a size/);
  });
});
