/**
 * The /proc reading against real processes: a child busy on one core reads near 100% between two
 * readings, a sleeping one near 0, and resident memory is what the child holds.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { CpuMeter, processUsage, readProcesses } from "./proc.js";

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill("SIGKILL");
});

async function child(script: string): Promise<number> {
  const c = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  children.push(c);
  // The child says when it is ready (its memory allocated, its loop about to start).
  await new Promise<void>((resolve, reject) => {
    c.stdout!.once("data", () => resolve());
    c.once("exit", (code) => reject(new Error(`the child exited (${code}) before it was ready`)));
  });
  return c.pid!;
}

describe("/proc usage", () => {
  it("a busy loop reads near one core; a sleeping process near none", async () => {
    const busy = await child("console.log('ready'); for (;;) {}");
    const idle = await child("console.log('ready'); setInterval(() => {}, 1000)");
    const busyMeter = new CpuMeter();
    const idleMeter = new CpuMeter();
    expect(busyMeter.next(readProcesses([busy]))).toBeUndefined();
    idleMeter.next(readProcesses([idle]));
    await sleep(1000);
    const busyPercent = busyMeter.next(readProcesses([busy]))!;
    const idlePercent = idleMeter.next(readProcesses([idle]))!;
    // One core (this machine is shared: the loop gets at least half of one) and never two.
    expect(busyPercent).toBeGreaterThan(50);
    expect(busyPercent).toBeLessThan(110);
    expect(idlePercent).toBeLessThan(10);
  });

  it("resident memory is what the process holds; a pid that is gone reads nothing", async () => {
    const pid = await child("const b = Buffer.alloc(64 * 1024 * 1024, 1); console.log('ready', b.length); setInterval(() => {}, 1000)");
    const usage = processUsage(pid)!;
    expect(usage.rssBytes).toBeGreaterThan(64 * 1024 * 1024);
    expect(usage.id).toMatch(new RegExp(`^${pid}:\\d+$`));
    const c = children.pop()!;
    c.kill("SIGKILL");
    await new Promise((r) => c.once("exit", r));
    // Its parent has reaped it: no /proc entry.
    expect(processUsage(pid)).toBeUndefined();
    expect(readProcesses([pid]).processes.size).toBe(0);
  });

  it("two processes' CPU adds up, and one new since the last reading counts all it used", async () => {
    const a = await child("console.log('ready'); for (;;) {}");
    const meter = new CpuMeter();
    meter.next(readProcesses([a]));
    const b = await child("console.log('ready'); for (;;) {}");
    await sleep(1000);
    const both = meter.next(readProcesses([a, b]))!;
    // On a 2-core machine shared with others this is not 200; but more than one process's share.
    expect(both).toBeGreaterThan(60);
  });
});
