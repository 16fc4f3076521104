import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import type { HostHandle, OutputChunk } from "../executors/types.js";
import { Store } from "../store/index.js";
import { compileMetricDefinitions } from "./metrics.js";
import { pumpLogs } from "./log-pump.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A host whose output is what the test pushes, as it pushes it. */
function scriptedHost() {
  const queue: (OutputChunk | null)[] = [];
  let wake: (() => void) | undefined;
  let offset = 0;
  const host = {
    async *output(): AsyncIterable<OutputChunk> {
      for (;;) {
        while (queue.length === 0) await new Promise<void>((r) => (wake = r));
        const next = queue.shift()!;
        if (next === null) return;
        yield next;
      }
    },
  } as unknown as HostHandle;
  const push = (text: string | null) => {
    if (text !== null) offset += Buffer.byteLength(text);
    queue.push(text === null ? null : { data: Buffer.from(text), offset });
    wake?.();
  };
  return { host, push };
}

describe("pumpLogs", () => {
  it("stores lines that arrive right after a flush without waiting for more output", async () => {
    const dir = mkdtempSync(join(tmpdir(), "optml-pump-"));
    dirs.push(dir);
    const store = Store.open(join(dir, "optml.db"));
    const now = Date.now() / 1000;
    store.jobs.insert(
      {
        name: "job",
        arn: "arn:aws:sagemaker:us-east-1:000000000000:training-job/job",
        request: {},
        status: "InProgress",
        secondaryStatus: "Training",
        failureReason: null,
        creationTime: now,
        lastModifiedTime: now,
        trainingStartTime: now,
        trainingEndTime: null,
        modelArtifacts: null,
        workDir: dir,
        executorState: null,
        stopRequested: null,
        warnings: [],
        python: null,
        tuning: null,
      },
      { status: "Training", message: "" },
    );
    const stream = store.logs.createStream("job", "algo-2", "job/algo-1-1", Date.now());
    const { host, push } = scriptedHost();
    const metrics = compileMetricDefinitions([{ name: "loss", regex: "loss=(\\S+)" }]);
    const pumped = pumpLogs({ store, job: "job", stream, host, metrics, signal: new AbortController().signal });
    const stored = () => store.logs.events(store.logs.streamByName("job/algo-1-1")!.id, { fromSeq: 0, toSeq: Number.MAX_SAFE_INTEGER, limit: 100 }).map((e) => e.message);

    push("first\n"); // flushed at once: the first chunk is more than 100 ms after the pump began
    await sleep(150);
    push("second loss=0.5\n");
    push("third loss=0.25\n");
    // The program now works quietly: its lines are stored within the batch interval all the same.
    await sleep(400);
    expect(stored()).toEqual(["first", "second loss=0.5", "third loss=0.25"]);
    // Every match is a sample with its line's time and its host.
    const lines = store.logs.events(store.logs.streamByName("job/algo-1-1")!.id, { fromSeq: 0, toSeq: 9, limit: 10 });
    expect(store.metrics.samples("job", "loss")).toEqual([
      { name: "loss", host: "algo-2", seq: 0, timestamp: lines[1]!.timestamp / 1000, value: 0.5 },
      { name: "loss", host: "algo-2", seq: 1, timestamp: lines[2]!.timestamp / 1000, value: 0.25 },
    ]);
    // A value the rules read as NaN is no sample (and does not stop the pump); infinity is one.
    push("loss=nan\nloss=inf\n");
    await sleep(300);
    expect(store.metrics.samples("job", "loss").map((m) => m.value)).toEqual([0.5, 0.25, Infinity]);
    push("partial");
    push(null);
    await pumped;
    expect(stored()).toEqual(["first", "second loss=0.5", "third loss=0.25", "loss=nan", "loss=inf", "partial"]);
    store.close();
  });
});
