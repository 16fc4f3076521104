#!/usr/bin/env node
/**
 * The dashboard's job page for a big job (issue 17, item 4): 1,000,000 log lines and 100,000 metric
 * points, seeded straight into a control plane's store, against the same page for a job with a
 * 1,000-line log (and the same 100,000 points), in the same run, in Debian's Chromium (headless,
 * driven by playwright-core). Two figures per page, each the median of `runs` fresh page loads,
 * alternating big and small:
 *   - first meaningful paint: from navigation start to the log's last lines shown (no row still
 *     loading) and the loss chart drawn;
 *   - responsive scroll: from setting the log's scroll position to its middle to that position's
 *     lines shown (fetched by seq from the server), and a page-down scroll within loaded lines to
 *     its next frame.
 * Target: the big page under 1 s for both, and at most 2x the small page.
 * Run: npm run build && node --import tsx bench/dashboard.mts [runs]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { startServer } from "../packages/server/src/server.js";
import { launchBrowser, seedJob } from "../test-support/dashboard.js";

const runs = Number(process.argv[2] ?? 5);
const BIG_LINES = 1_000_000;
const SMALL_LINES = 1_000;
const POINTS = 100_000;
const line = (s: string) => process.stdout.write(`${s}\n`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (x: number) => `${x.toFixed(0)} ms`;

const root = mkdtempSync(join(tmpdir(), "optml-bench-dashboard-"));
const server = await startServer({ port: 0, home: join(root, "home"), log: () => undefined });
const browser = await launchBrowser();
try {
  let t = performance.now();
  seedJob(server.controlPlane, "big", { lines: BIG_LINES, points: POINTS });
  line(`seeded big: ${BIG_LINES.toLocaleString("en")} log lines + ${POINTS.toLocaleString("en")} metric points in ${ms(performance.now() - t)}`);
  t = performance.now();
  seedJob(server.controlPlane, "small", { lines: SMALL_LINES, points: POINTS });
  line(`seeded small: ${SMALL_LINES.toLocaleString("en")} log lines + ${POINTS.toLocaleString("en")} metric points in ${ms(performance.now() - t)}`);

  // Evaluated in the page (strings: this file is type-checked without the DOM's types).
  // Polled every frame from the start (not by page.waitForFunction, which the page's CSP refuses to eval).
  const PAINTED = `new Promise((resolve, reject) => {
    const give = performance.now() + 30000;
    const check = () => {
      const ok = document.querySelectorAll(".log-row").length > 10 && document.querySelectorAll(".log-row.pending").length === 0
        && Number(document.querySelector('figure[data-chart="loss"]')?.dataset.points ?? 0) > 0
        && document.querySelector('figure[data-chart="loss"] canvas') !== null;
      if (ok) resolve(performance.now());
      else if (performance.now() > give) reject(new Error("the page did not paint in 30 s"));
      else requestAnimationFrame(check);
    };
    check();
  })`;
  const JUMP = `new Promise((resolve) => {
    const s = document.querySelector(".log-scroller");
    const log = document.querySelector(".log");
    const before = log.dataset.first;
    const t0 = performance.now();
    s.scrollTop = (s.scrollHeight - s.clientHeight) / 2;
    const check = () => {
      const ready = log.dataset.first !== before && document.querySelectorAll(".log-row.pending").length === 0
        && document.querySelectorAll(".log-row").length > 10;
      if (!ready) return requestAnimationFrame(check);
      const fetches = performance.getEntriesByType("resource").filter((e) => e.name.includes("/logs/") && e.startTime >= t0);
      resolve([performance.now() - t0, fetches.reduce((a, e) => a + e.duration, 0)]);
    };
    requestAnimationFrame(check);
  })`;
  const PAGE_DOWN = `new Promise((resolve) => {
    const s = document.querySelector(".log-scroller");
    const times = [];
    let n = 0;
    const step = () => {
      const t0 = performance.now();
      s.scrollTop = s.scrollTop - s.clientHeight;
      requestAnimationFrame(() => requestAnimationFrame(() => {
        times.push(performance.now() - t0);
        if (++n < 15) step(); else resolve(times.sort((a, b) => a - b)[Math.floor(times.length / 2)]);
      }));
    };
    step();
  })`;

  const results: Record<string, { paint: number[]; jump: number[]; jumpFetch: number[]; pageDown: number[]; rows: number[] }> = {};
  for (let i = 0; i < runs; i++) {
    for (const name of ["big", "small"]) {
      const page = await browser.context.newPage();
      await page.goto(`${server.endpoint}/#/jobs/${name}`, { waitUntil: "commit" });
      const paint = (await page.evaluate(PAINTED)) as number;
      const [jump, jumpFetch] = (await page.evaluate(JUMP)) as [number, number];
      const pageDown = (await page.evaluate(PAGE_DOWN)) as number;
      const rows = (await page.evaluate('document.querySelectorAll(".log-row").length')) as number;
      const r = (results[name] ??= { paint: [], jump: [], jumpFetch: [], pageDown: [], rows: [] });
      r.paint.push(paint);
      r.jump.push(jump);
      r.jumpFetch.push(jumpFetch);
      r.pageDown.push(pageDown);
      r.rows.push(rows);
      await page.close();
    }
  }
  const big = results.big!;
  const small = results.small!;
  line(`\njob page, median of ${runs} loads each (Chromium headless, this machine):`);
  line(`                               ${"1,000,000 lines".padStart(16)} ${"1,000 lines".padStart(12)}  ratio`);
  const row = (label: string, a: number[], b: number[]) => line(`  ${label.padEnd(29)}${ms(median(a)).padStart(16)} ${ms(median(b)).padStart(12)}  ${(median(a) / median(b)).toFixed(2)}x`);
  row("first meaningful paint", big.paint, small.paint);
  row("scroll to middle -> lines", big.jump, small.jump);
  row("  of which the window's fetch", big.jumpFetch, small.jumpFetch);
  row("page-up scroll -> frame", big.pageDown, small.pageDown);
  line(`  log rows in the DOM: ${median(big.rows)} (big), ${median(small.rows)} (small)`);
  const ok = median(big.paint) < 1000 && median(big.jump) < 1000 && median(big.paint) <= 2 * Math.max(median(small.paint), 1) && median(big.jump) <= 2 * Math.max(median(small.jump), 1);
  line(`target (big < 1 s and <= 2x small, for paint and scroll): ${ok ? "met" : "NOT met"}`);
} finally {
  await browser.close();
  await server.close();
  rmSync(root, { recursive: true, force: true });
}
