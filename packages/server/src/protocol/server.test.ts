import { CloudWatchLogsClient, DescribeLogGroupsCommand } from "@aws-sdk/client-cloudwatch-logs";
import {
  DescribeTrainingJobCommand,
  ListTrainingJobsCommand,
  ResourceInUse,
  ResourceNotFound,
  SageMakerClient,
  StopTrainingJobCommand,
} from "@aws-sdk/client-sagemaker";
import type http from "node:http";
import type { AddressInfo } from "node:net";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resourceInUse, resourceNotFound, trainingJobNotFound, validationErrors } from "./errors.js";
import { createApiServer } from "./server.js";
import type { RequestContext, ServiceDefinition } from "./types.js";

const CREATED = new Date(1_700_000_000_123);
const STARTED = new Date(1_700_000_005_000);
const MAX_BODY = 64 * 1024;

const seen: { input: Record<string, unknown>; ctx: RequestContext }[] = [];
const internalErrors: { error: unknown; ctx: RequestContext | undefined }[] = [];

const sagemaker: ServiceDefinition = {
  targetPrefix: "SageMaker",
  signingName: "sagemaker",
  handlers: {
    DescribeTrainingJob: (input, ctx) => {
      seen.push({ input, ctx });
      switch (input.TrainingJobName) {
        case "missing":
          throw trainingJobNotFound();
        case "not-found":
          throw resourceNotFound("No such thing.");
        case "taken":
          throw resourceInUse("Training job names must be unique.");
        case "invalid":
          throw validationErrors(["first problem", "second problem"]);
        case "boom":
          throw new Error("handler bug");
        case "async-boom":
          return Promise.reject(new TypeError("async handler bug"));
      }
      return {
        TrainingJobName: input.TrainingJobName,
        TrainingJobArn: `arn:aws:sagemaker:${ctx.region}:123456789012:training-job/x`,
        TrainingJobStatus: "InProgress",
        SecondaryStatus: "Starting",
        CreationTime: CREATED,
        SecondaryStatusTransitions: [
          { Status: "Starting", StartTime: CREATED, EndTime: STARTED, StatusMessage: "Starting" },
          { Status: "Training", StartTime: STARTED, StatusMessage: "Training" },
        ],
        AlgorithmSpecification: { TrainingInputMode: "File" },
      };
    },
    ListTrainingJobs: async (input, ctx) => {
      seen.push({ input, ctx });
      return { TrainingJobSummaries: [], NextToken: JSON.stringify({ input, region: ctx.region }) };
    },
  },
};

const logs: ServiceDefinition = {
  targetPrefix: "Logs_20140328",
  signingName: "logs",
  handlers: {
    DescribeLogGroups: (input) => ({
      logGroups: [{ logGroupName: String(input.logGroupNamePrefix), creationTime: 1_700_000_000_000 }],
    }),
  },
};

let server: http.Server;
let url: string;

beforeAll(async () => {
  server = createApiServer({
    services: [sagemaker, logs],
    maxBodyBytes: MAX_BODY,
    defaultRegion: "eu-west-1",
    onInternalError: (error, ctx) => internalErrors.push({ error, ctx }),
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function sdk(region = "us-west-2"): SageMakerClient {
  return new SageMakerClient({
    endpoint: url,
    region,
    credentials: { accessKeyId: "AKIDANYTHING", secretAccessKey: "whatever" },
    maxAttempts: 1,
  });
}

async function post(body: RequestInit["body"], headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${url}/`, {
    method: "POST",
    headers: { "Content-Type": "application/x-amz-json-1.1", ...headers },
    ...(body === undefined ? {} : { body }),
  });
}

const describeTarget = { "X-Amz-Target": "SageMaker.DescribeTrainingJob" };

async function expectAwsError(response: Response, status: number, code: string): Promise<string> {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toBe("application/x-amz-json-1.1");
  expect(response.headers.get("x-amzn-errortype")).toBe(code);
  expect(response.headers.get("x-amzn-requestid")).toMatch(/^[0-9a-f-]{36}$/);
  const body = (await response.json()) as { __type: string; message: string };
  expect(body.__type).toBe(code);
  expect(typeof body.message).toBe("string");
  return body.message;
}

describe("with the real SageMaker SDK", () => {
  it("returns Dates as Dates equal to the handler's, nested ones included", async () => {
    const out = await sdk().send(new DescribeTrainingJobCommand({ TrainingJobName: "job-1" }));
    expect(out.CreationTime).toBeInstanceOf(Date);
    expect(out.CreationTime?.getTime()).toBe(CREATED.getTime());
    expect(out.SecondaryStatusTransitions?.[0]?.EndTime?.getTime()).toBe(STARTED.getTime());
    expect(out.SecondaryStatusTransitions?.[1]?.StartTime?.getTime()).toBe(STARTED.getTime());
    expect(out.TrainingJobName).toBe("job-1");
    expect(out.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("passes the region of the credential scope and the access key to the handler", async () => {
    seen.length = 0;
    const out = await sdk("ap-south-1").send(new DescribeTrainingJobCommand({ TrainingJobName: "job-2" }));
    expect(out.TrainingJobArn).toBe("arn:aws:sagemaker:ap-south-1:123456789012:training-job/x");
    expect(seen[0]?.ctx).toMatchObject({
      operation: "DescribeTrainingJob",
      service: "SageMaker",
      region: "ap-south-1",
      accessKeyId: "AKIDANYTHING",
    });
    expect(seen[0]?.input).toEqual({ TrainingJobName: "job-2" });
  });

  it("receives the SDK's timestamps as epoch seconds", async () => {
    const out = await sdk().send(
      new ListTrainingJobsCommand({ CreationTimeAfter: CREATED, MaxResults: 5, SortBy: "Name" }),
    );
    const echoed = JSON.parse(out.NextToken ?? "{}") as { input: Record<string, unknown>; region: string };
    expect(echoed.input).toEqual({ CreationTimeAfter: 1_700_000_000.123, MaxResults: 5, SortBy: "Name" });
    expect(echoed.region).toBe("us-west-2");
  });

  it("delivers ApiErrors as the SDK's named exceptions with their messages", async () => {
    const client = sdk();
    const send = (name: string) => client.send(new DescribeTrainingJobCommand({ TrainingJobName: name }));

    await expect(send("missing")).rejects.toMatchObject({
      name: "ValidationException",
      message: "Requested resource not found.",
      $metadata: { httpStatusCode: 400 },
    });
    await expect(send("invalid")).rejects.toMatchObject({
      name: "ValidationException",
      message: "2 validation errors detected: first problem; second problem",
    });
    const notFound = await send("not-found").catch((e: unknown) => e);
    expect(notFound).toBeInstanceOf(ResourceNotFound);
    expect(notFound).toMatchObject({ name: "ResourceNotFound", message: "No such thing." });
    const inUse = await send("taken").catch((e: unknown) => e);
    expect(inUse).toBeInstanceOf(ResourceInUse);
    expect(inUse).toMatchObject({ message: "Training job names must be unique." });
  });

  it("turns a handler's own failure into a 500 InternalFailure and reports it", async () => {
    internalErrors.length = 0;
    const client = sdk();
    for (const name of ["boom", "async-boom"]) {
      await expect(client.send(new DescribeTrainingJobCommand({ TrainingJobName: name }))).rejects.toMatchObject({
        name: "InternalFailure",
        $metadata: { httpStatusCode: 500 },
      });
    }
    expect(internalErrors.map((e) => (e.error as Error).message)).toEqual(["handler bug", "async handler bug"]);
    expect(internalErrors[0]?.ctx?.operation).toBe("DescribeTrainingJob");
  });

  it("answers an operation the service does not implement with UnknownOperationException", async () => {
    await expect(sdk().send(new StopTrainingJobCommand({ TrainingJobName: "x" }))).rejects.toMatchObject({
      name: "UnknownOperationException",
      $metadata: { httpStatusCode: 400 },
    });
  });
});

describe("with the real CloudWatch Logs SDK", () => {
  it("dispatches the Logs_20140328 target prefix", async () => {
    const client = new CloudWatchLogsClient({
      endpoint: url,
      region: "us-east-2",
      credentials: { accessKeyId: "AKID", secretAccessKey: "s" },
      maxAttempts: 1,
    });
    const out = await client.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: "/aws/sagemaker/TrainingJobs" }));
    expect(out.logGroups?.[0]?.logGroupName).toBe("/aws/sagemaker/TrainingJobs");
    expect(out.logGroups?.[0]?.creationTime).toBe(1_700_000_000_000);
  });
});

describe("raw HTTP", () => {
  it("answers a good request with the JSON content type, a request id and epoch seconds", async () => {
    const response = await post(JSON.stringify({ TrainingJobName: "raw" }), describeTarget);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/x-amz-json-1.1");
    expect(response.headers.get("x-amzn-requestid")).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-/);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body.CreationTime).toBe(1_700_000_000.123);
    expect(body.SecondaryStatusTransitions).toEqual([
      { Status: "Starting", StartTime: 1_700_000_000.123, EndTime: 1_700_000_005, StatusMessage: "Starting" },
      { Status: "Training", StartTime: 1_700_000_005, StatusMessage: "Training" },
    ]);
  });

  it("treats an empty body as {} and uses the default region without credentials", async () => {
    seen.length = 0;
    const response = await post(undefined, describeTarget);
    expect(response.status).toBe(200);
    expect(seen[0]?.input).toEqual({});
    expect(seen[0]?.ctx.region).toBe("eu-west-1");
    expect(seen[0]?.ctx.accessKeyId).toBeUndefined();
  });

  it("takes the region of a presigned URL's X-Amz-Credential without auth", async () => {
    seen.length = 0;
    const scope = encodeURIComponent("AKID/20240101/ap-east-1/sagemaker/aws4_request");
    const response = await fetch(`${url}/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${scope}`, {
      method: "POST",
      headers: { "Content-Type": "application/x-amz-json-1.1", ...describeTarget },
      body: "{}",
    });
    expect(response.status).toBe(200);
    expect([seen[0]?.ctx.region, seen[0]?.ctx.accessKeyId]).toEqual(["ap-east-1", "AKID"]);
  });

  it("refuses a credential scope whose region is not a region name (it would go into ARNs)", async () => {
    const authorization = "AWS4-HMAC-SHA256 Credential=AKID/20240101/US_WEST_2/sagemaker/aws4_request, SignedHeaders=host, Signature=00";
    const message = await expectAwsError(await post("{}", { ...describeTarget, Authorization: authorization }), 400, "InvalidSignatureException");
    expect(message).toBe("Credential should be scoped to a valid region, not 'US_WEST_2'. ");
  });

  it.each([
    ["malformed JSON", "{not json"],
    ["a JSON array", "[1, 2]"],
    ["a JSON string", '"text"'],
    ["a JSON number", "42"],
    ["JSON null", "null"],
    ["truncated JSON", '{"TrainingJobName": "x"'],
  ])("refuses %s with SerializationException", async (_label, body) => {
    await expectAwsError(await post(body, describeTarget), 400, "SerializationException");
  });

  it("refuses a body that is not UTF-8 with SerializationException", async () => {
    const bytes = new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]);
    await expectAwsError(await post(bytes, describeTarget), 400, "SerializationException");
  });

  it.each([
    ["missing", undefined],
    ["empty", ""],
    ["without an operation", "SageMaker"],
    ["with an unknown prefix", "Nope_2020.DescribeTrainingJob"],
    ["with an unknown operation", "SageMaker.DeleteEverything"],
    ["naming an Object.prototype member", "SageMaker.toString"],
    ["naming __proto__", "SageMaker.__proto__"],
    ["with the wrong service", "Logs_20140328.DescribeTrainingJob"],
  ])("refuses a target %s with UnknownOperationException", async (_label, target) => {
    const headers: Record<string, string> = target === undefined ? {} : { "X-Amz-Target": target };
    await expectAwsError(await post("{}", headers), 400, "UnknownOperationException");
  });

  it.each([
    ["GET /", "GET", "/"],
    ["PUT /", "PUT", "/"],
    ["DELETE /", "DELETE", "/"],
    ["POST /other", "POST", "/other"],
  ])("answers %s with a 4xx AWS-shaped error", async (_label, method, path) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: describeTarget,
      ...(method === "GET" ? {} : { body: "{}" }),
    });
    await expectAwsError(response, 404, "UnknownOperationException");
  });

  it("accepts POST / with a query string", async () => {
    const response = await fetch(`${url}/?x=1`, { method: "POST", headers: describeTarget, body: "{}" });
    expect(response.status).toBe(200);
  });

  it("refuses a body over the limit declared by Content-Length with HTTP 413", async () => {
    const response = await post("x".repeat(MAX_BODY + 1), describeTarget);
    const message = await expectAwsError(response, 413, "RequestEntityTooLargeException");
    expect(message).toContain(String(MAX_BODY));
  });

  it("refuses a streamed (chunked) body once it passes the limit", async () => {
    const chunk = new TextEncoder().encode("y".repeat(16 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 20) controller.close();
        else {
          sent += 1;
          controller.enqueue(chunk);
        }
      },
    });
    const response = await fetch(`${url}/`, {
      method: "POST",
      headers: describeTarget,
      body: stream,
      duplex: "half",
    } as RequestInit);
    await expectAwsError(response, 413, "RequestEntityTooLargeException");
  });

  it("accepts a body exactly at the limit", async () => {
    const padding = " ".repeat(MAX_BODY - JSON.stringify({ TrainingJobName: "edge" }).length);
    const body = JSON.stringify({ TrainingJobName: "edge" }) + padding;
    expect(Buffer.byteLength(body)).toBe(MAX_BODY);
    expect((await post(body, describeTarget)).status).toBe(200);
  });

  it("survives aborted requests and garbage on the socket, and keeps answering", async () => {
    const port = (server.address() as AddressInfo).port;
    const send = (text: string, destroyAfterMs: number) =>
      new Promise<string>((resolve) => {
        const socket = net.connect(port, "127.0.0.1", () => socket.write(text));
        let received = "";
        socket.on("data", (d) => (received += d.toString()));
        socket.on("error", () => resolve(received));
        socket.on("close", () => resolve(received));
        setTimeout(() => socket.destroy(), destroyAfterMs);
      });

    // Headers promise a body that never comes.
    await send(
      "POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: SageMaker.DescribeTrainingJob\r\nContent-Length: 100\r\n\r\n{\"Train",
      50,
    );
    // Not HTTP at all.
    const garbage = await send("\x00\x01 this is not http\r\n\r\n", 500);
    expect(garbage).toMatch(/^HTTP\/1\.1 400/);
    // Chunked encoding that breaks off.
    await send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 200);

    const out = await sdk().send(new DescribeTrainingJobCommand({ TrainingJobName: "still-here" }));
    expect(out.TrainingJobName).toBe("still-here");
  });

  /** Sends `text` as is, half-closes, and returns everything the server wrote before closing. */
  function exchange(text: string): Promise<string> {
    const port = (server.address() as AddressInfo).port;
    return new Promise<string>((resolve, reject) => {
      const socket = net.connect(port, "127.0.0.1", () => socket.end(text));
      let received = "";
      socket.on("data", (d) => (received += d.toString()));
      socket.on("error", reject);
      socket.on("close", () => resolve(received));
    });
  }

  function parseRaw(response: string): { status: number; headers: string; body: Record<string, unknown> } {
    const split = response.indexOf("\r\n\r\n");
    const head = response.slice(0, split);
    return { status: Number(head.split(" ")[1]), headers: head.toLowerCase(), body: JSON.parse(response.slice(split + 4)) as Record<string, unknown> };
  }

  it("answers an HTTP/1.1 request without Host with 400 and an AWS-shaped body, not Node's bare one", async () => {
    const answer = parseRaw(
      await exchange("POST / HTTP/1.1\r\nX-Amz-Target: SageMaker.DescribeTrainingJob\r\nContent-Length: 2\r\n\r\n{}"),
    );
    expect(answer.status).toBe(400);
    expect(answer.headers).toContain("content-type: application/x-amz-json-1.1");
    expect(answer.headers).toContain("x-amzn-errortype: serializationexception");
    expect(answer.body).toEqual({
      __type: "SerializationException",
      message: "An HTTP/1.1 request must carry a Host header (RFC 9112, section 3.2); this one has none.",
    });
    // HTTP/1.0 needs no Host.
    const http10 = parseRaw(
      await exchange(
        'POST / HTTP/1.0\r\nX-Amz-Target: SageMaker.DescribeTrainingJob\r\nContent-Length: 24\r\n\r\n{"TrainingJobName":"hi"}',
      ),
    );
    expect(http10).toMatchObject({ status: 200, body: { TrainingJobName: "hi" } });
  });

  it("answers an Expect header other than 100-continue with 417 and an AWS-shaped body", async () => {
    const answer = parseRaw(
      await exchange(
        "POST / HTTP/1.1\r\nHost: x\r\nExpect: garbage\r\nX-Amz-Target: SageMaker.DescribeTrainingJob\r\nContent-Length: 2\r\n\r\n{}",
      ),
    );
    expect(answer.status).toBe(417);
    expect(answer.headers).toContain("x-amzn-errortype: serializationexception");
    expect(answer.body).toEqual({
      __type: "SerializationException",
      message: "Expect: 'garbage' is not supported; the only expectation served is '100-continue'.",
    });
    // 100-continue is still served as Node serves it.
    const continued = await exchange(
      'POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nX-Amz-Target: SageMaker.DescribeTrainingJob\r\nContent-Length: 24\r\nConnection: close\r\n\r\n{"TrainingJobName":"go"}',
    );
    expect(continued).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK/);
    expect(continued).toContain('"TrainingJobName":"go"');
  });

  it("keeps answering after every kind of bad request", async () => {
    await post("[", describeTarget);
    await post("x".repeat(MAX_BODY * 2), describeTarget);
    await fetch(`${url}/`);
    await post("{}", { "X-Amz-Target": "Bad.Target" });
    const response = await post(JSON.stringify({ TrainingJobName: "after" }), describeTarget);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { TrainingJobName: string }).TrainingJobName).toBe("after");
  });
});
