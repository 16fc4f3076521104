/**
 * A bounded, seeded fuzz run against a real control plane (both services at one endpoint): a few
 * thousand malformed and hostile requests (bad JSON, wrong types, huge strings, NUL bytes, deep
 * nesting, `__proto__` keys, odd and missing headers, unknown targets and methods, raw bytes that
 * are not HTTP) must each get an answer below 500 that is AWS-shaped: JSON of
 * `application/x-amz-json-1.1` with `__type` and `message` (and the same `x-amzn-ErrorType`) for
 * an error, a JSON object for a success. Afterwards the server still answers a real SDK call.
 *
 * Creations (CreateTrainingJob, CreateHyperParameterTuningJob) always carry an invalid job name,
 * so that no request starts a job: the rest of each request is still fully checked (every member's
 * type, then every constraint), which is the door under test. The seed is fixed so a failure
 * reproduces; OPTML_FUZZ_SEED and OPTML_FUZZ_REQUESTS change it and the count.
 */
import { ListTrainingJobsCommand } from "@aws-sdk/client-sagemaker";
import http from "node:http";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { logsService } from "../src/logs/handlers.js";
import { sagemakerService } from "../src/sagemaker/handlers.js";
import { startHarness, type Harness } from "./harness.js";

const SEED = Number(process.env.OPTML_FUZZ_SEED ?? 20261130);
const REQUESTS = Number(process.env.OPTML_FUZZ_REQUESTS ?? 3000);
const CONTENT_TYPE = "application/x-amz-json-1.1";
const NEVER_A_JOB_NAME = "-fuzz never a valid name-";

/** mulberry32: small, fast, seeded. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Plausible bodies per operation, for mutation: the fuzz starts near what the door expects. */
const BASES: Record<string, Json> = {
  CreateTrainingJob: {
    TrainingJobName: "job",
    AlgorithmSpecification: { TrainingImage: "image:latest", TrainingInputMode: "File" },
    RoleArn: "arn:aws:iam::123456789012:role/Role",
    InputDataConfig: [{ ChannelName: "train", DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: "file:///tmp/x" } } }],
    OutputDataConfig: { S3OutputPath: "file:///tmp/out" },
    ResourceConfig: { InstanceType: "ml.m5.large", InstanceCount: 1, VolumeSizeInGB: 1 },
    StoppingCondition: { MaxRuntimeInSeconds: 3600 },
    HyperParameters: { epochs: "3", sagemaker_program: "train.py" },
    Environment: { A: "b" },
    Tags: [{ Key: "k", Value: "v" }],
  },
  CreateHyperParameterTuningJob: {
    HyperParameterTuningJobName: "tune",
    HyperParameterTuningJobConfig: {
      Strategy: "Random",
      ResourceLimits: { MaxNumberOfTrainingJobs: 2, MaxParallelTrainingJobs: 1 },
      ParameterRanges: { ContinuousParameterRanges: [{ Name: "lr", MinValue: "0.1", MaxValue: "1" }] },
    },
    TrainingJobDefinition: {
      AlgorithmSpecification: { TrainingImage: "image:latest", TrainingInputMode: "File" },
      RoleArn: "arn:aws:iam::123456789012:role/Role",
      OutputDataConfig: { S3OutputPath: "file:///tmp/out" },
      ResourceConfig: { InstanceType: "ml.m5.large", InstanceCount: 1, VolumeSizeInGB: 1 },
      StoppingCondition: { MaxRuntimeInSeconds: 3600 },
    },
  },
  ListTrainingJobs: { MaxResults: 10, SortBy: "CreationTime", StatusEquals: "Completed", NameContains: "a" },
  AddTags: { ResourceArn: "arn:aws:sagemaker:us-east-1:123456789012:training-job/x", Tags: [{ Key: "k", Value: "v" }] },
  DeleteTags: { ResourceArn: "arn:aws:sagemaker:us-east-1:123456789012:training-job/x", TagKeys: ["k"] },
  ListTags: { ResourceArn: "arn:aws:sagemaker:us-east-1:123456789012:training-job/x", MaxResults: 5 },
  GetLogEvents: { logGroupName: "/aws/sagemaker/TrainingJobs", logStreamName: "x/algo-1-1", limit: 10, startFromHead: true },
  FilterLogEvents: { logGroupName: "/aws/sagemaker/TrainingJobs", filterPattern: "loss", limit: 5 },
  DescribeLogStreams: { logGroupName: "/aws/sagemaker/TrainingJobs", logStreamNamePrefix: "x", descending: true },
  DescribeLogGroups: { logGroupNamePrefix: "/aws" },
};
const baseFor = (op: string): Json => (Object.hasOwn(BASES, op) ? (BASES[op] as Json) : NAME_ONLY(op));
const NAME_ONLY = (op: string): Json =>
  op.includes("TuningJob") ? { HyperParameterTuningJobName: "tune" } : { TrainingJobName: "job" };

interface Answer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
}

describe("hostile requests, fuzzed and bounded", () => {
  let h: Harness;
  let targets: string[];
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });

  beforeAll(async () => {
    h = await startHarness();
    const sm = sagemakerService(h.server.controlPlane);
    const logs = logsService(h.server.controlPlane);
    targets = [
      ...Object.keys(sm.handlers).map((op) => `${sm.targetPrefix}.${op}`),
      ...Object.keys(logs.handlers).map((op) => `${logs.targetPrefix}.${op}`),
    ];
  });
  afterAll(async () => {
    agent.destroy();
    await h?.close();
  });

  it(`answers ${REQUESTS} hostile requests (seed ${SEED}) below 500, every answer AWS-shaped`, async () => {
    const random = prng(SEED);
    const int = (n: number) => Math.floor(random() * n);
    const pick = <T,>(items: readonly T[]): T => items[int(items.length)] as T;
    const port = new URL(h.server.endpoint).port;

    const hostileString = (): string =>
      pick([
        () => "",
        () => "a\u0000b",
        () => "\u0000".repeat(1 + int(64)),
        () => "x".repeat(1 + int(100_000)),
        () => "é😀\u202e\ufeff".repeat(1 + int(50)),
        () => "../".repeat(1 + int(20)) + "etc/passwd",
        () => ".",
        () => "..",
        () => "line\nbreak\r\n",
        () => "file:///" + "a/".repeat(int(100)),
        () => "s3://" + "b".repeat(int(100)) + "/k",
        () => "arn:aws:sagemaker:us-east-1:123456789012:training-job/" + "j".repeat(int(100)),
        () => "__proto__",
        () => String(random()),
        () => "%00%2e%2e/",
      ])();
    const deep = (depth: number, leaf: Json): Json => {
      let value = leaf;
      for (let i = 0; i < depth; i++) value = random() < 0.5 ? [value] : { a: value };
      return value;
    };
    const hostileValue = (): Json =>
      pick<() => Json>([
        hostileString,
        () => null,
        () => true,
        () => pick([0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 1, Number.MAX_SAFE_INTEGER]),
        () => [],
        () => ({}),
        () => Array.from({ length: int(200) }, hostileString),
        () => Object.fromEntries(Array.from({ length: int(200) }, (_, i) => [`${hostileString().slice(0, 50)}${i}`, hostileString()])),
        () => deep(1 + int(1_000), hostileString()),
        () => JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"x": 1}}}') as Json,
      ])();

    /** Replaces, deletes or adds one member somewhere in `value` (a deep copy is mutated). */
    const mutate = (value: Json): Json => {
      if (value === null || typeof value !== "object" || random() < 0.2) return hostileValue();
      if (Array.isArray(value)) {
        if (value.length === 0 || random() < 0.2) return [...value, hostileValue()];
        const i = int(value.length);
        return value.map((v, j) => (j === i ? mutate(v) : v));
      }
      const keys = Object.keys(value);
      const out: Record<string, Json> = { ...value };
      const roll = random();
      if (keys.length === 0 || roll < 0.15) out[pick([hostileString().slice(0, 40), "Unknown", "__proto__", "constructor"])] = hostileValue();
      else if (roll < 0.3) delete out[pick(keys)];
      else {
        const key = pick(keys);
        out[key] = mutate(value[key] as Json);
      }
      return out;
    };

    /** No fuzzed request may start a job: creations get a name that can never be valid. */
    const disarm = (target: string, body: Json): Json => {
      if (body === null || typeof body !== "object" || Array.isArray(body)) return body;
      if (target.endsWith(".CreateTrainingJob")) return { ...body, TrainingJobName: NEVER_A_JOB_NAME };
      if (target.endsWith(".CreateHyperParameterTuningJob")) return { ...body, HyperParameterTuningJobName: NEVER_A_JOB_NAME };
      return body;
    };

    const rawBodies = [
      "",
      "{",
      "[",
      "null",
      "[]",
      "1",
      '"text"',
      "{}}",
      "\ufeff{}",
      '{"a":1,"a":2}',
      "\u0000",
      "{\"TrainingJobName\":\"\u0000\"}",
      "[".repeat(100_000),
      "{\"a\":".repeat(50_000),
      '{"TrainingJobName": 1e999}',
      "not json at all",
      // Deep nesting beyond what JSON.stringify here can write: as text.
      "[".repeat(50_000) + "]".repeat(50_000),
      '{"HyperParameters":' + '{"a":'.repeat(50_000) + "1" + "}".repeat(50_000) + "}",
      '{"Tags":' + "[".repeat(50_000) + "]".repeat(50_000) + "}",
      '{"InputDataConfig":[{"ChannelName":"c","DataSource":' + '{"S3DataSource":'.repeat(50_000) + "{}" + "}".repeat(50_000) + "}]}",
      '{"TrainingJobName":"j","Unknown":' + "[".repeat(50_000) + "]".repeat(50_000) + "}",
    ];
    const oddTargets = ["", " ", "SageMaker", "SageMaker.", ".CreateTrainingJob", "SageMaker.__proto__", "SageMaker.constructor",
      "SageMaker.toString", "Logs_20140328.hasOwnProperty", "Unknown.Op", "SageMaker.CreateTrainingJob.Extra", "x".repeat(10_000)];

    const send = (method: string, path: string, headers: Record<string, string>, body: string): Promise<Answer> =>
      new Promise((resolve, reject) => {
        const req = http.request({ host: "127.0.0.1", port, method, path, headers, agent }, (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
          res.on("error", reject);
        });
        req.on("error", reject);
        req.end(body);
      });

    /** Bytes as they are, on a fresh connection; the parsed answer, or undefined when none came. */
    const sendRaw = (text: string | Buffer): Promise<Answer | undefined> =>
      new Promise((resolve) => {
        const socket = net.connect(Number(port), "127.0.0.1", () => socket.end(text));
        const chunks: Buffer[] = [];
        socket.on("data", (c: Buffer) => chunks.push(c));
        socket.on("error", () => undefined);
        socket.on("close", () => {
          const all = Buffer.concat(chunks).toString("utf8");
          const split = all.indexOf("\r\n\r\n");
          if (all === "" || split < 0) return resolve(undefined);
          const lines = all.slice(0, split).split("\r\n");
          const headers: Record<string, string> = {};
          for (const line of lines.slice(1)) {
            const colon = line.indexOf(":");
            headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
          }
          resolve({ status: Number(lines[0]?.split(" ")[1]), headers, body: all.slice(split + 4) });
        });
      });

    const oneRequest = async (): Promise<{ what: string; answer: Answer | undefined; raw: boolean }> => {
      const kind = random();
      const target = random() < 0.9 ? pick(targets) : pick(oddTargets);
      const op = target.slice(target.indexOf(".") + 1);
      const headers: Record<string, string> = { "Content-Type": CONTENT_TYPE, "X-Amz-Target": target };
      if (kind < 0.55) {
        let body: Json = baseFor(op);
        for (let n = 1 + int(4); n > 0; n--) body = mutate(body);
        const text = JSON.stringify(disarm(target, body));
        return { what: `${target} ${text.slice(0, 300)}`, answer: await send("POST", "/", headers, text), raw: false };
      }
      if (kind < 0.7) {
        const text = pick(rawBodies);
        return { what: `${target} raw ${JSON.stringify(text.slice(0, 100))}`, answer: await send("POST", "/", headers, text), raw: false };
      }
      if (kind < 0.85) {
        // Odd headers and methods around a plausible body.
        const text = JSON.stringify(disarm(target, baseFor(op)));
        const odd: Record<string, string>[] = [
          { "Content-Type": "text/plain" },
          { "Content-Type": "" },
          { "Content-Encoding": "gzip" },
          { "X-Amz-Target": `${target}, ${target}` },
          { Authorization: "AWS4-HMAC-SHA256 Credential=a/b/c/d/e, SignedHeaders=host, Signature=00" },
          { Authorization: "AWS4-HMAC-SHA256 Credential=AKID/20260101/EU WEST/sagemaker/aws4_request" },
          { Authorization: "Basic " + "A".repeat(int(5000)) },
          { "X-Amz-Date": "garbage" },
          { Expect: "100-continue" },
          { "X-Amz-Security-Token": "\u00e9".repeat(int(100)) },
          { "X-Forwarded-For": "1.2.3.4".repeat(int(500)) },
        ];
        const method = random() < 0.8 ? "POST" : pick(["GET", "PUT", "DELETE", "OPTIONS", "PATCH"]);
        const path = random() < 0.85 ? "/" : pick(["/x", "/?a=b", "//", "/%00", "/..%2f", "*"]);
        const all = { ...headers, ...pick(odd) };
        return {
          what: `${method} ${path} ${JSON.stringify(all).slice(0, 300)}`,
          answer: await send(method, path, all, method === "GET" ? "" : text),
          raw: false,
        };
      }
      // Raw bytes: requests Node's client would refuse to send.
      const body = JSON.stringify(disarm(target, baseFor(op)));
      const raws = [
        `POST / HTTP/1.1\r\nX-Amz-Target: ${target}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
        `POST / HTTP/1.1\r\nHost: x\r\nExpect: ${hostileString().replace(/[\r\n\u0000]/g, "").slice(0, 100) || "garbage"}\r\nContent-Length: 2\r\n\r\n{}`,
        `POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: ${target}\u0000\r\nContent-Length: 2\r\n\r\n{}`,
        `POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}`,
        `POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nX-Amz-Target: ${target}\r\n\r\n2\r\n{}\r\n0\r\n\r\n`,
        `POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n`,
        `POST / HTTP/1.1\r\nHost: x\r\nX-Big: ${"h".repeat(20_000 + int(60_000))}\r\n\r\n`,
        `POST / HTTP/9.9\r\nHost: x\r\n\r\n`,
        `\u0000\u0001\u0002 not http\r\n\r\n`,
        `POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"Trunc`,
      ];
      const text = pick(raws);
      return { what: `raw ${JSON.stringify(text.slice(0, 200))}`, answer: await sendRaw(text), raw: true };
    };

    const problems: string[] = [];
    let answered = 0;
    let silentlyClosed = 0;
    const statuses = new Map<number, number>();
    for (let i = 0; i < REQUESTS; i += 8) {
      const batch = await Promise.all(Array.from({ length: Math.min(8, REQUESTS - i) }, oneRequest));
      for (const { what, answer, raw } of batch) {
        if (answer === undefined) {
          // Only a raw exchange may end without an answer (the server closed a connection it
          // could not read); it must never happen to a well-formed HTTP request.
          if (!raw) problems.push(`no answer: ${what}`);
          silentlyClosed++;
          continue;
        }
        answered++;
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        const problem = shapeProblem(answer);
        if (problem !== undefined) problems.push(`${problem}: ${what}`);
      }
      if (problems.length > 20) break;
    }
    if (process.env.OPTML_FUZZ_REPORT) console.log({ answered, silentlyClosed, statuses: Object.fromEntries(statuses) });
    expect(problems.slice(0, 20)).toEqual([]);
    expect(answered).toBeGreaterThan(REQUESTS * 0.9);
    expect(silentlyClosed).toBeLessThan(REQUESTS * 0.1);
    // Every family reached the door: successes and several kinds of refusal.
    expect([...statuses.keys()].sort()).toEqual(expect.arrayContaining([200, 400, 404]));

    // And the control plane is still there for a real client.
    const listed = await h.sagemaker.send(new ListTrainingJobsCommand({}));
    expect(listed.TrainingJobSummaries).toEqual([]);
  });
});

/** Why an answer is not AWS-shaped, or undefined when it is. */
function shapeProblem(answer: Answer): string | undefined {
  if (answer.status >= 500) return `HTTP ${answer.status} ${answer.body.slice(0, 300)}`;
  const type = String(answer.headers["content-type"] ?? "");
  if (type !== CONTENT_TYPE) return `HTTP ${answer.status} with Content-Type '${type}'`;
  if (answer.status === 100) return undefined;
  let body: unknown;
  try {
    body = JSON.parse(answer.body);
  } catch {
    return `HTTP ${answer.status} body is not JSON: ${answer.body.slice(0, 200)}`;
  }
  if (body === null || typeof body !== "object" || Array.isArray(body)) return `HTTP ${answer.status} body is not a JSON object`;
  if (answer.status === 200) return undefined;
  const { __type, message } = body as { __type?: unknown; message?: unknown };
  if (typeof __type !== "string" || __type === "" || typeof message !== "string") {
    return `HTTP ${answer.status} error without __type and message: ${answer.body.slice(0, 200)}`;
  }
  if (answer.headers["x-amzn-errortype"] !== __type) return `HTTP ${answer.status} x-amzn-ErrorType differs from __type ${__type}`;
  return undefined;
}
