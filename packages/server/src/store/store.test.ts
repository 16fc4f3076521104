import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import Database from "better-sqlite3";
import { LOG_GROUPS, Store, type JobRecord, type ProcessingJobRecord, type TuningJobRecord, type TuningListQuery } from "./index.js";

const dir = mkdtempSync(join(tmpdir(), "optml-store-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function job(name: string, creationTime: number, status: JobRecord["status"] = "InProgress"): JobRecord {
  return {
    name,
    arn: `arn:aws:sagemaker:us-east-1:000000000000:training-job/${name.toLowerCase()}`,
    request: { TrainingJobName: name, HyperParameters: { a: "1" } },
    status,
    secondaryStatus: "Starting",
    failureReason: null,
    creationTime,
    lastModifiedTime: creationTime,
    trainingStartTime: null,
    trainingEndTime: null,
    modelArtifacts: null,
    workDir: `/w/${name}`,
    executorState: null,
    stopRequested: null,
    warnings: [],
    python: name === "one" ? { path: "/opt/venv/bin/python", version: "3.11.7" } : null,
    tuning: null,
  };
}

describe("Store", () => {
  it("keeps jobs, transitions, logs and metrics across reopening", () => {
    const file = join(dir, "a.db");
    let store = Store.open(file);
    expect(store.jobs.insert(job("one", 100), { status: "Starting", message: "Launching" })).toBe(true);
    expect(store.jobs.insert(job("one", 101), { status: "Starting", message: "again" })).toBe(false);
    store.jobs.transition("one", "Downloading", "Downloading input data", { trainingStartTime: 110 }, 110);
    store.jobs.transition("one", "Training", "Training", { executorState: { pid: 5 } }, 120);
    const stream = store.logs.createStream("one", "algo-1", "one/algo-1-120", 120_000);
    store.logs.append(stream, [{ timestamp: 120_500, message: "hello" }, { timestamp: 120_600, message: "loss=0.5" }], 15);
    store.metrics.add("one", [{ name: "loss", host: "algo-1", value: 0.5, timestamp: 120.6 }, { name: "loss", host: "algo-1", value: 0.25, timestamp: 121 }]);
    store.close();

    store = Store.open(file);
    const j = store.jobs.get("one")!;
    expect([j.secondaryStatus, j.trainingStartTime, j.executorState, j.request]).toEqual([
      "Training",
      110,
      { pid: 5 },
      { TrainingJobName: "one", HyperParameters: { a: "1" } },
    ]);
    expect(j.python).toEqual({ path: "/opt/venv/bin/python", version: "3.11.7" });
    expect(store.jobs.transitions("one")).toEqual([
      { status: "Starting", startTime: 100, endTime: 110, message: "Launching" },
      { status: "Downloading", startTime: 110, endTime: 120, message: "Downloading input data" },
      { status: "Training", startTime: 120, endTime: null, message: "Training" },
    ]);
    const s = store.logs.streamByName("one/algo-1-120")!;
    expect([s.eventCount, s.sourceOffset, s.firstEventTime, s.lastEventTime, s.storedBytes]).toEqual([2, 15, 120_500, 120_600, 13]);
    expect(store.logs.events(s.id, { fromSeq: 0, toSeq: 99, limit: 10 }).map((e) => e.message)).toEqual(["hello", "loss=0.5"]);
    expect(store.metrics.final("one")).toEqual([{ name: "loss", value: 0.25, timestamp: 121 }]);
    expect(store.metrics.samples("one", "loss").map((m) => m.value)).toEqual([0.5, 0.25]);
    expect(store.jobs.unfinished().map((r) => r.name)).toEqual(["one"]);
    store.jobs.delete("one");
    expect(store.logs.streamByName("one/algo-1-120")).toBeUndefined();
    expect(store.metrics.final("one")).toEqual([]);
    store.close();
  });

  it("adds the python column to a database of schema 2, its jobs without a recorded Python", () => {
    const file = join(dir, "v1.db");
    let store = Store.open(file);
    store.jobs.insert({ ...job("old", 100), python: null }, { status: "Starting", message: "Launching" });
    store.close();
    const db = new Database(file);
    db.exec("ALTER TABLE jobs DROP COLUMN python; DELETE FROM schema_migrations WHERE version = 3;");
    db.close();
    store = Store.open(file);
    expect(store.jobs.get("old")!.python).toBeNull();
    store.jobs.insert(job("one", 101), { status: "Starting", message: "Launching" });
    expect(store.jobs.get("one")!.python).toEqual({ path: "/opt/venv/bin/python", version: "3.11.7" });
    store.close();
  });

  it("lists with filters, sorting and pages", () => {
    const store = Store.open(join(dir, "b.db"));
    for (const [i, name] of ["beta", "Alpha", "gamma-x", "delta-x"].entries()) store.jobs.insert(job(name, 1000 + i), { status: "Starting", message: "" });
    store.jobs.update("beta", { status: "Completed" }, 2000);
    const q = { sortBy: "CreationTime" as const, sortOrder: "Ascending" as const, offset: 0, limit: 10 };
    expect(store.jobs.list(q).map((j) => j.name)).toEqual(["beta", "Alpha", "gamma-x", "delta-x"]);
    expect(store.jobs.list({ ...q, sortBy: "Name", sortOrder: "Descending" }).map((j) => j.name)).toEqual(["gamma-x", "delta-x", "beta", "Alpha"]);
    expect(store.jobs.list({ ...q, nameContains: "X" }).map((j) => j.name)).toEqual(["gamma-x", "delta-x"]);
    expect(store.jobs.list({ ...q, statusEquals: "Completed" }).map((j) => j.name)).toEqual(["beta"]);
    expect(store.jobs.list({ ...q, creationTimeAfter: 1001, creationTimeBefore: 1003 }).map((j) => j.name)).toEqual(["gamma-x"]);
    expect(store.jobs.list({ ...q, lastModifiedTimeAfter: 1500 }).map((j) => j.name)).toEqual(["beta"]);
    expect(store.jobs.list({ ...q, offset: 1, limit: 2 }).map((j) => j.name)).toEqual(["Alpha", "gamma-x"]);
    store.close();
  });

  it("keeps tags by ARN: in the order added, overwritten in place, deleted by key, cleared with the resource", () => {
    const store = Store.open(join(dir, "c.db"));
    const arn = "arn:aws:sagemaker:us-west-2:000000000000:training-job/t";
    store.tags.add(arn, [{ Key: "a", Value: "1" }, { Key: "b", Value: "2" }]);
    store.tags.add(arn, [{ Key: "c", Value: "3" }, { Key: "a", Value: "one" }]);
    expect(store.tags.list(arn)).toEqual([{ Key: "a", Value: "one" }, { Key: "b", Value: "2" }, { Key: "c", Value: "3" }]);
    expect(store.tags.countAfterAdding(arn, ["a", "d", "e"])).toBe(5);
    store.tags.delete(arn, ["b", "not-there"]);
    store.tags.add(arn, [{ Key: "d", Value: "" }]);
    expect(store.tags.list(arn)).toEqual([{ Key: "a", Value: "one" }, { Key: "c", Value: "3" }, { Key: "d", Value: "" }]);
    expect(store.tags.list(arn.replace("us-west-2", "us-east-1"))).toEqual([]);
    store.tags.clear(arn);
    expect(store.tags.list(arn)).toEqual([]);
    store.close();
  });

  it("gives jobs stored before tags were kept the tags of their request (migration 2)", () => {
    const file = join(dir, "d.db");
    let store = Store.open(file);
    const old = { ...job("old", 100), request: { TrainingJobName: "old", Tags: [{ Key: "team", Value: "ml" }, { Key: "k2", Value: "v2" }] } };
    store.jobs.insert(old, { status: "Starting", message: "" });
    // Back to the schema before migration 2, holding the job as it was stored then.
    store.db.exec("DROP TABLE tags; DROP INDEX jobs_arn; DELETE FROM schema_migrations WHERE version = 2");
    store.close();
    store = Store.open(file);
    expect(store.tags.list(old.arn)).toEqual([{ Key: "team", Value: "ml" }, { Key: "k2", Value: "v2" }]);
    expect(store.jobs.getByArn(old.arn)?.name).toBe("old");
    store.close();
  });
});

function tuningJob(name: string, creationTime: number, status: TuningJobRecord["status"] = "InProgress"): TuningJobRecord {
  return {
    name,
    arn: `arn:aws:sagemaker:us-east-1:000000000000:hyper-parameter-tuning-job/${name.toLowerCase()}`,
    request: { HyperParameterTuningJobName: name, HyperParameterTuningJobConfig: { Strategy: "Bayesian" } },
    status,
    failureReason: null,
    creationTime,
    lastModifiedTime: creationTime,
    endTime: null,
    completion: null,
    state: null,
  };
}

describe("Store: tuning jobs", () => {
  it("keeps tuning jobs across reopening: the request, updates, the tuner's state, the completion details", () => {
    const file = join(dir, "t1.db");
    let store = Store.open(file);
    const record = tuningJob("Tune", 100);
    expect(store.tuning.insert(record)).toBe(true);
    expect(store.tuning.insert({ ...record, creationTime: 101 })).toBe(false);
    // Another name with the same ARN (names differing only in case) is taken too.
    expect(store.tuning.insert({ ...tuningJob("tune", 102) })).toBe(false);
    store.tuning.update("Tune", { state: { proposals: [{ a: "1" }], seed: 7 } }, 110);
    store.close();

    store = Store.open(file);
    expect(store.tuning.get("Tune")).toEqual({ ...record, lastModifiedTime: 110, state: { proposals: [{ a: "1" }], seed: 7 } });
    expect(store.tuning.getByArn(record.arn)?.name).toBe("Tune");
    expect(store.tuning.get("nope")).toBeUndefined();
    store.tuning.update("Tune", { status: "Completed", endTime: 200, completion: { NumberOfTrainingJobsObjectiveNotImproving: 3 } }, 200);
    expect(store.tuning.get("Tune")).toMatchObject({
      status: "Completed",
      endTime: 200,
      lastModifiedTime: 200,
      completion: { NumberOfTrainingJobsObjectiveNotImproving: 3 },
      state: { proposals: [{ a: "1" }], seed: 7 },
    });
    store.tuning.update("Tune", { failureReason: "x", state: null }, 201);
    expect(store.tuning.get("Tune")).toMatchObject({ failureReason: "x", state: null });
    store.tuning.delete("Tune");
    expect(store.tuning.get("Tune")).toBeUndefined();
    store.close();
  });

  it("lists tuning jobs with filters, sorting and pages, and finds the unfinished ones", () => {
    const store = Store.open(join(dir, "t2.db"));
    for (const [i, name] of ["beta", "Alpha", "gamma-x", "delta-x"].entries()) store.tuning.insert(tuningJob(name, 1000 + i));
    store.tuning.update("beta", { status: "Completed" }, 2000);
    store.tuning.update("gamma-x", { status: "Stopping" }, 1500);
    const q = { sortBy: "CreationTime" as const, sortOrder: "Ascending" as const, offset: 0, limit: 10 };
    const names = (query: TuningListQuery) => store.tuning.list(query).map((t) => t.name);
    expect(names(q)).toEqual(["beta", "Alpha", "gamma-x", "delta-x"]);
    expect(names({ ...q, sortBy: "Name", sortOrder: "Descending" })).toEqual(["gamma-x", "delta-x", "beta", "Alpha"]);
    expect(names({ ...q, sortBy: "Status" })).toEqual(["beta", "Alpha", "delta-x", "gamma-x"]);
    expect(names({ ...q, nameContains: "X" })).toEqual(["gamma-x", "delta-x"]);
    expect(names({ ...q, statusEquals: "Completed" })).toEqual(["beta"]);
    expect(names({ ...q, creationTimeAfter: 1001, creationTimeBefore: 1003 })).toEqual(["gamma-x"]);
    expect(names({ ...q, lastModifiedTimeAfter: 1400, lastModifiedTimeBefore: 1600 })).toEqual(["gamma-x"]);
    expect(names({ ...q, offset: 1, limit: 2 })).toEqual(["Alpha", "gamma-x"]);
    expect(store.tuning.unfinished().map((t) => t.name)).toEqual(["Alpha", "gamma-x", "delta-x"]);
    store.close();
  });

  it("records the tuning job of a training job with the job, and lists a tuning job's training jobs in seq order", () => {
    const store = Store.open(join(dir, "t3.db"));
    store.tuning.insert(tuningJob("tune", 100));
    const trial = (seq: number, creationTime: number): JobRecord => ({
      ...job(`tune-${String(seq).padStart(3, "0")}-0123abcd`, creationTime),
      tuning: { job: "tune", definition: seq === 2 ? "second" : null, tuned: { lr: `0.${seq}` }, seq },
    });
    // Inserted out of order, the second created first: seq decides the order.
    expect(store.jobs.insert(trial(2, 100), { status: "Starting", message: "" })).toBe(true);
    expect(store.jobs.insert(trial(1, 101), { status: "Starting", message: "" })).toBe(true);
    expect(store.jobs.insert(trial(10, 102), { status: "Starting", message: "" })).toBe(true);
    store.jobs.insert(job("plain", 103), { status: "Starting", message: "" });
    expect(store.jobs.ofTuningJob("tune").map((j) => [j.name, j.tuning?.seq])).toEqual([
      ["tune-001-0123abcd", 1],
      ["tune-002-0123abcd", 2],
      ["tune-010-0123abcd", 10],
    ]);
    expect(store.jobs.get("tune-002-0123abcd")!.tuning).toEqual({ job: "tune", definition: "second", tuned: { lr: "0.2" }, seq: 2 });
    expect(store.jobs.get("plain")!.tuning).toBeNull();
    expect(store.jobs.ofTuningJob("other")).toEqual([]);
    store.close();
  });

  it("adds the tuning tables and columns to a database of schema 3, its jobs made by no tuner", () => {
    const file = join(dir, "v3.db");
    let store = Store.open(file);
    store.jobs.insert(job("old", 100), { status: "Starting", message: "" });
    store.close();
    const db = new Database(file);
    db.exec(
      "DROP INDEX jobs_tuning_job; ALTER TABLE jobs DROP COLUMN tuning_job; ALTER TABLE jobs DROP COLUMN tuning; " +
        "DROP TABLE tuning_jobs; DELETE FROM schema_migrations WHERE version = 4;",
    );
    db.close();
    store = Store.open(file);
    expect(store.jobs.get("old")!.tuning).toBeNull();
    expect(store.jobs.ofTuningJob("t")).toEqual([]);
    expect(store.tuning.insert(tuningJob("t", 200))).toBe(true);
    store.close();
  });
  it("keeps each host's utilisation samples in time order, the latest per host, and drops them with the job (schema 5 on a database of schema 4)", () => {
    const file = join(dir, "v4.db");
    let store = Store.open(file);
    store.jobs.insert(job("util", 100), { status: "Starting", message: "" });
    store.close();
    const db = new Database(file);
    db.exec("DROP TABLE host_utilization; DELETE FROM schema_migrations WHERE version = 5;");
    db.close();
    store = Store.open(file);
    const sample = (host: string, timestamp: number, cpuPercent: number) => ({
      host,
      timestamp,
      cpuPercent,
      memoryPercent: 1.5,
      memoryBytes: 1_000_000,
      diskPercent: 40,
      gpuCount: null,
      gpuPercent: null,
      gpuMemoryPercent: null,
      gpuMemoryBytes: null,
    });
    store.utilization.add("util", [sample("algo-2", 12, 50), sample("algo-1", 11, 180), sample("algo-1", 10, 90)]);
    expect(store.utilization.series("util", "algo-1").map((s) => [s.timestamp, s.cpuPercent])).toEqual([
      [10, 90],
      [11, 180],
    ]);
    expect(store.utilization.series("util").map((s) => s.host)).toEqual(["algo-1", "algo-1", "algo-2"]);
    expect(store.utilization.latest("util")).toEqual([sample("algo-1", 11, 180), sample("algo-2", 12, 50)]);
    store.jobs.delete("util");
    expect(store.utilization.series("util")).toEqual([]);
    store.close();
  });
  it("keeps every metric sample with its host: series per host, by seq and by time window (schema 7 on a database of schema 5)", () => {
    const file = join(dir, "v5-metrics.db");
    let store = Store.open(file);
    const single = { ...job("single", 100), request: { TrainingJobName: "single", ResourceConfig: { InstanceCount: 1 } } };
    const multi = { ...job("multi", 101), request: { TrainingJobName: "multi", ResourceConfig: { InstanceCount: 2 } } };
    store.jobs.insert(single, { status: "Starting", message: "" });
    store.jobs.insert(multi, { status: "Starting", message: "" });
    store.close();
    // Back to schema 5, with samples stored then (no host).
    let db = new Database(file);
    db.exec("DROP INDEX metric_samples_series; ALTER TABLE metric_samples DROP COLUMN host; DELETE FROM schema_migrations WHERE version = 7;");
    db.exec("INSERT INTO metric_samples (job, name, seq, timestamp, value) VALUES ('single', 'loss', 0, 10, 1), ('multi', 'loss', 0, 10, 2)");
    db.close();
    store = Store.open(file);
    expect(store.metrics.series("single")).toEqual([{ name: "loss", host: "algo-1", count: 1, first: 10, last: 10 }]);
    expect(store.metrics.series("multi")).toEqual([{ name: "loss", host: null, count: 1, first: 10, last: 10 }]);

    store.metrics.add("multi", [
      { name: "loss", host: "algo-2", value: 0.9, timestamp: 20 },
      { name: "loss", host: "algo-1", value: 0.8, timestamp: 20.5 },
      { name: "acc", host: "algo-1", value: 0.1, timestamp: 21 },
      { name: "loss", host: "algo-1", value: 0.7, timestamp: 30 },
    ]);
    expect(store.metrics.series("multi")).toEqual([
      { name: "acc", host: "algo-1", count: 1, first: 21, last: 21 },
      { name: "loss", host: null, count: 1, first: 10, last: 10 },
      { name: "loss", host: "algo-1", count: 2, first: 20.5, last: 30 },
      { name: "loss", host: "algo-2", count: 1, first: 20, last: 20 },
    ]);
    expect(store.metrics.samples("multi", "loss", { host: "algo-1" })).toEqual([
      { name: "loss", host: "algo-1", seq: 2, timestamp: 20.5, value: 0.8 },
      { name: "loss", host: "algo-1", seq: 3, timestamp: 30, value: 0.7 },
    ]);
    expect(store.metrics.samples("multi", "loss", { afterSeq: 1 }).map((s) => s.value)).toEqual([0.8, 0.7]);
    expect(store.metrics.samples("multi", "loss", { startTime: 20, endTime: 30, limit: 5 }).map((s) => s.value)).toEqual([0.9, 0.8]);
    expect(store.metrics.valuesBetween("multi", "algo-1", "loss", 20, 30.5)).toEqual([
      { timestamp: 20.5, value: 0.8 },
      { timestamp: 30, value: 0.7 },
    ]);
    expect(store.metrics.final("multi")).toEqual([
      { name: "acc", value: 0.1, timestamp: 21 },
      { name: "loss", value: 0.7, timestamp: 30 },
    ]);
    store.close();
  });

  it("keeps processing jobs apart from training jobs, with their log streams in their own group (schema 6 on a database of schema 5, its streams and events kept)", () => {
    const file = join(dir, "v5.db");
    let store = Store.open(file);
    store.jobs.insert(job("same", 100), { status: "Starting", message: "" });
    const old = store.logs.createStream("same", "algo-1", "same/algo-1-100", 100_000);
    store.logs.append(old, [{ timestamp: 100_500, message: "training line" }], 14);
    store.close();
    // Back to schema 5: log_streams as it was (one group, every stream a training job's).
    const db = new Database(file);
    db.pragma("foreign_keys = OFF");
    db.exec(`
      CREATE TABLE v5 (id INTEGER PRIMARY KEY, job TEXT NOT NULL REFERENCES jobs (name) ON DELETE CASCADE, host TEXT NOT NULL, name TEXT NOT NULL UNIQUE,
        creation_time INTEGER NOT NULL, first_event_time INTEGER, last_event_time INTEGER, last_ingestion_time INTEGER,
        stored_bytes INTEGER NOT NULL DEFAULT 0, source_offset INTEGER NOT NULL DEFAULT 0, event_count INTEGER NOT NULL DEFAULT 0);
      INSERT INTO v5 SELECT id, job, host, name, creation_time, first_event_time, last_event_time, last_ingestion_time, stored_bytes, source_offset, event_count FROM log_streams;
      DROP TABLE log_streams; ALTER TABLE v5 RENAME TO log_streams; DROP TABLE processing_jobs; DELETE FROM schema_migrations WHERE version = 6;`);
    db.close();

    store = Store.open(file);
    const kept = store.logs.streamByName("same/algo-1-100")!;
    expect([kept.id, kept.group, kept.job, kept.eventCount]).toEqual([old.id, LOG_GROUPS.training, "same", 1]);
    expect(store.logs.events(kept.id, { fromSeq: 0, toSeq: 9, limit: 10 }).map((e) => e.message)).toEqual(["training line"]);
    expect(store.db.pragma("foreign_keys", { simple: true })).toBe(1);

    const processing: ProcessingJobRecord = {
      name: "same",
      arn: "arn:aws:sagemaker:us-east-1:000000000000:processing-job/same",
      request: { ProcessingJobName: "same" },
      status: "InProgress",
      failureReason: null,
      exitMessage: null,
      creationTime: 200,
      lastModifiedTime: 200,
      startTime: null,
      endTime: null,
      workDir: "/w/p/same",
      executorState: null,
      stopRequested: null,
      warnings: ["w"],
    };
    expect(store.processing.insert(processing)).toBe(true);
    expect(store.processing.insert(processing)).toBe(false);
    store.processing.update("same", { status: "Completed", exitMessage: "done", endTime: 210 });
    expect(store.processing.get("same")).toMatchObject({ status: "Completed", exitMessage: "done", endTime: 210, warnings: ["w"] });
    // The same stream name in the other group is another stream.
    const mine = store.logs.createStream("same", "algo-1", "same/algo-1-100", 200_000, LOG_GROUPS.processing);
    expect(mine.id).not.toBe(kept.id);
    expect(store.logs.streams({ group: LOG_GROUPS.processing, orderBy: "LogStreamName", descending: false }).map((s) => [s.job, s.group])).toEqual([["same", LOG_GROUPS.processing]]);
    expect(store.logs.streamsOfJob("same").map((s) => s.id)).toEqual([kept.id]);
    expect(store.processing.list({ sortBy: "Name", sortOrder: "Ascending", offset: 0, limit: 10 }).map((r) => r.name)).toEqual(["same"]);
    // Deleting the training job takes its streams only.
    store.jobs.delete("same");
    expect(store.logs.streamByName("same/algo-1-100")).toBeUndefined();
    expect(store.logs.streamByName("same/algo-1-100", LOG_GROUPS.processing)?.id).toBe(mine.id);
    store.close();
  });
});
