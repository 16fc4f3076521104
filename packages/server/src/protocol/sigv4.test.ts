import { CloudWatchLogsClient, DescribeLogGroupsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { DescribeTrainingJobCommand, SageMakerClient } from "@aws-sdk/client-sagemaker";
import type http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiError, INVALID_SIGNATURE_MESSAGE, UNRECOGNIZED_CLIENT_MESSAGE } from "./errors.js";
import { createApiServer } from "./server.js";
import { parseAuthorization, readCredentialScope, signingKey, verifySigV4, type SignedRequest } from "./sigv4.js";
import type { RequestContext, ServiceDefinition } from "./types.js";

const EXAMPLE_KEY = "AKIDEXAMPLE";
const EXAMPLE_SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

function rawHeaders(headers: Record<string, string>): string[] {
  return Object.entries(headers).flat();
}

interface SdkRequest {
  body: string | Uint8Array;
  headers: Record<string, string>;
}
type Middleware = Parameters<SageMakerClient["middlewareStack"]["addRelativeTo"]>[0];

/** Changes the SDK's request after it was signed, before it is sent. */
function afterSigning(client: SageMakerClient, change: (request: SdkRequest) => void): void {
  const middleware = (next: (args: { request: unknown }) => Promise<unknown>) => async (args: { request: unknown }) => {
    const request = args.request as SdkRequest;
    expect(request.headers.authorization).toContain("Signature=");
    change(request);
    return next(args);
  };
  client.middlewareStack.addRelativeTo(middleware as unknown as Middleware, {
    relation: "after",
    toMiddleware: "httpSigningMiddleware",
  });
}

function thrown(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error("expected an ApiError");
}

describe("signing key", () => {
  it("matches AWS's documented derivation example", () => {
    expect(signingKey(EXAMPLE_SECRET, "20120215", "us-east-1", "iam").toString("hex")).toBe(
      "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d",
    );
  });
});

describe("verifySigV4 against known signatures", () => {
  // The vectors were signed at 20150830T123600Z: check them with that clock.
  const options = {
    credentials: { [EXAMPLE_KEY]: EXAMPLE_SECRET },
    signingName: "service",
    now: () => Date.UTC(2015, 7, 30, 12, 36, 0),
  };

  it("verifies AWS's get-vanilla test vector", () => {
    const request: SignedRequest = {
      method: "GET",
      url: "/",
      body: Buffer.alloc(0),
      rawHeaders: rawHeaders({
        Host: "example.amazonaws.com",
        "X-Amz-Date": "20150830T123600Z",
        Authorization:
          "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, " +
          "SignedHeaders=host;x-amz-date, " +
          "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
      }),
    };
    expect(verifySigV4(request, options)).toEqual({
      accessKeyId: EXAMPLE_KEY,
      date: "20150830",
      region: "us-east-1",
      service: "service",
      terminator: "aws4_request",
    });
  });

  // Signed by @smithy/signature-v4 (the JS SDK's signer): repeated and unsorted query keys, a value
  // needing encoding, a header with runs of spaces, a JSON body and x-amz-content-sha256.
  const sdkSigned: SignedRequest = {
    method: "POST",
    url: "/?b=2&a=z%20y&a=x&c~=%2A",
    body: Buffer.from('{"MaxResults":5}'),
    rawHeaders: rawHeaders({
      host: "example.amazonaws.com",
      "x-amz-target": "SageMaker.ListTrainingJobs",
      "content-type": "application/x-amz-json-1.1",
      "x-amz-meta-spaces": "  a   b  ",
      "x-amz-date": "20150830T123600Z",
      "x-amz-content-sha256": "82eef3ee4d2728db9e62c35b6d42acf8a5c1a903c67b99303e68d73ba2635306",
      authorization:
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, " +
        "SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;x-amz-meta-spaces;x-amz-target, " +
        "Signature=9013db20db4986b2fe5f7cfc323f8de712abca3061b7cfe438e55ec435b56cc9",
    }),
  };

  it("verifies a request the SDK's signer signed, query string and header folding included", () => {
    expect(verifySigV4(sdkSigned, options).region).toBe("us-east-1");
  });

  it("refuses the same request with a changed query, header or method", () => {
    const variants: SignedRequest[] = [
      { ...sdkSigned, url: "/?b=3&a=z%20y&a=x&c~=%2A" },
      { ...sdkSigned, url: "/other?b=2&a=z%20y&a=x&c~=%2A" },
      { ...sdkSigned, method: "PUT" },
      { ...sdkSigned, rawHeaders: sdkSigned.rawHeaders.map((v) => (v === "  a   b  " ? "a b c" : v)) },
    ];
    for (const variant of variants) {
      expect(thrown(() => verifySigV4(variant, options))).toMatchObject({
        code: "InvalidSignatureException",
        message: INVALID_SIGNATURE_MESSAGE,
      });
    }
  });

  it("refuses a credential scoped to another service", () => {
    const error = thrown(() => verifySigV4(sdkSigned, { ...options, signingName: "sagemaker" }));
    expect(error.code).toBe("InvalidSignatureException");
    expect(error.message).toBe("Credential should be scoped to correct service: 'sagemaker'.");
  });

  it("refuses a date that is not ISO 8601 basic format with AWS's IncompleteSignatureException", () => {
    const badDate = { ...sdkSigned, rawHeaders: sdkSigned.rawHeaders.map((v) => (v === "20150830T123600Z" ? "20150830T126000Z" : v)) };
    expect(thrown(() => verifySigV4(badDate, options))).toMatchObject({
      code: "IncompleteSignatureException",
      message: "Date must be in ISO-8601 'basic format'. Got '20150830T126000Z'. See http://en.wikipedia.org/wiki/ISO_8601",
    });
  });

  it("refuses the known vectors an hour after they were signed, with AWS's wording", () => {
    const later = { ...options, now: () => Date.UTC(2015, 7, 30, 13, 36, 0) };
    expect(thrown(() => verifySigV4(sdkSigned, later))).toMatchObject({
      code: "InvalidSignatureException",
      statusCode: 400,
      message: "Signature expired: 20150830T123600Z is now earlier than 20150830T132100Z (20150830T133600Z - 15 min.)",
    });
    const earlier = { ...options, now: () => Date.UTC(2015, 7, 30, 11, 36, 0) };
    expect(thrown(() => verifySigV4(sdkSigned, earlier))).toMatchObject({
      code: "InvalidSignatureException",
      statusCode: 400,
      message: "Signature not yet current: 20150830T123600Z is still later than 20150830T115100Z (20150830T113600Z + 15 min.)",
    });
  });

  it("refuses a credential scoped to another region when the server serves one", () => {
    const error = thrown(() => verifySigV4(sdkSigned, { ...options, region: "eu-west-1" }));
    expect(error).toMatchObject({
      code: "InvalidSignatureException",
      message: "Credential should be scoped to a valid region, not 'us-east-1'.",
    });
    expect(verifySigV4(sdkSigned, { ...options, region: "us-east-1" }).region).toBe("us-east-1");
  });

  it("refuses an access key it does not know", () => {
    const error = thrown(() => verifySigV4(sdkSigned, { ...options, credentials: { OTHER: EXAMPLE_SECRET } }));
    expect(error).toMatchObject({ code: "UnrecognizedClientException", message: UNRECOGNIZED_CLIENT_MESSAGE });
  });

  it("refuses a request with no Authorization header", () => {
    const request = { ...sdkSigned, rawHeaders: rawHeaders({ host: "example.amazonaws.com" }) };
    expect(thrown(() => verifySigV4(request, options)).code).toBe("MissingAuthenticationTokenException");
  });

  it("refuses a scope date that is not the request's date", () => {
    const request = {
      ...sdkSigned,
      rawHeaders: sdkSigned.rawHeaders.map((v) => (v === "20150830T123600Z" ? "20150831T000000Z" : v)),
    };
    const error = thrown(() => verifySigV4(request, options));
    expect(error.code).toBe("InvalidSignatureException");
    expect(error.message).toContain("Date in Credential scope does not match YYYYMMDD");
  });
});

describe("parseAuthorization", () => {
  it("reads the algorithm, scope, signed headers and signature", () => {
    const parsed = parseAuthorization(
      "AWS4-HMAC-SHA256 Credential=AKID/20240102/eu-central-1/sagemaker/aws4_request, " +
        "SignedHeaders=Host;X-Amz-Date, Signature=abc123",
    );
    expect(parsed).toEqual({
      algorithm: "AWS4-HMAC-SHA256",
      scope: {
        accessKeyId: "AKID",
        date: "20240102",
        region: "eu-central-1",
        service: "sagemaker",
        terminator: "aws4_request",
      },
      signedHeaders: ["host", "x-amz-date"],
      signature: "abc123",
    });
  });

  it("names every missing part, as AWS does", () => {
    const error = thrown(() => parseAuthorization("AWS4-HMAC-SHA256 Credential=a/b/c/d/e", false));
    expect(error.code).toBe("IncompleteSignatureException");
    expect(error.message).toBe(
      "Authorization header requires 'Signature' parameter. " +
        "Authorization header requires 'SignedHeaders' parameter. " +
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. " +
        "Authorization=AWS4-HMAC-SHA256 Credential=a/b/c/d/e",
    );
  });

  it("refuses another algorithm and a malformed credential", () => {
    expect(thrown(() => parseAuthorization("AWS4-HMAC-SHA1 Credential=a/b/c/d/e, SignedHeaders=host, Signature=x")))
      .toMatchObject({ code: "IncompleteSignatureException", message: expect.stringContaining("AWS4-HMAC-SHA1") });
    expect(thrown(() => parseAuthorization("AWS4-HMAC-SHA256 Credential=a/b/c, SignedHeaders=host, Signature=x")))
      .toMatchObject({
        code: "IncompleteSignatureException",
        message: expect.stringContaining("Credential must have exactly 5 slash-delimited elements"),
      });
  });

  it("reads a credential scope leniently for servers without auth", () => {
    expect(readCredentialScope("AWS4-HMAC-SHA256 Credential=K/20240101/sa-east-1/sagemaker/aws4_request")?.region)
      .toBe("sa-east-1");
    expect(readCredentialScope("Bearer token")).toBeUndefined();
    expect(readCredentialScope(undefined)).toBeUndefined();
    // A presigned URL carries the scope in its query string.
    const presigned = "/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=K%2F20240101%2Feu-west-3%2Fsagemaker%2Faws4_request&X-Amz-Date=20240101T000000Z";
    expect(readCredentialScope(undefined, presigned)).toMatchObject({ accessKeyId: "K", region: "eu-west-3", service: "sagemaker" });
    expect(readCredentialScope(undefined, "/?X-Amz-Credential=not-a-scope")).toBeUndefined();
    expect(readCredentialScope(undefined, "/?other=1")).toBeUndefined();
  });
});

describe("a server with auth, driven by the real SDKs", () => {
  const seen: RequestContext[] = [];
  const service = (signingName: string, targetPrefix = "SageMaker"): ServiceDefinition => ({
    targetPrefix,
    signingName,
    handlers: {
      DescribeTrainingJob: (input, ctx) => {
        seen.push(ctx);
        return { TrainingJobName: input.TrainingJobName, CreationTime: new Date(0) };
      },
      DescribeLogGroups: () => ({ logGroups: [] }),
    },
  });
  let servers: http.Server[] = [];
  const credentials = { AKIDGOOD: "good-secret", AKIDOTHER: "other-secret" };

  async function start(services: ServiceDefinition[], auth = true): Promise<string> {
    const server = createApiServer({ services, ...(auth ? { auth: { credentials } } : {}) });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  let url: string;
  beforeAll(async () => {
    url = await start([service("sagemaker"), service("logs", "Logs_20140328")]);
  });
  afterAll(async () => {
    for (const server of servers) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    servers = [];
  });

  function client(accessKeyId: string, secretAccessKey: string, endpoint = url, region = "us-west-2") {
    return new SageMakerClient({ endpoint, region, credentials: { accessKeyId, secretAccessKey }, maxAttempts: 1 });
  }
  const describeJob = (name = "job") => new DescribeTrainingJobCommand({ TrainingJobName: name });

  it("accepts a correctly signed request and tells the handler who signed it and where", async () => {
    seen.length = 0;
    const out = await client("AKIDGOOD", "good-secret").send(describeJob());
    expect(out.TrainingJobName).toBe("job");
    expect(seen[0]).toMatchObject({ accessKeyId: "AKIDGOOD", region: "us-west-2" });
  });

  it("refuses a wrong secret with InvalidSignatureException and AWS's message", async () => {
    await expect(client("AKIDGOOD", "wrong-secret").send(describeJob())).rejects.toMatchObject({
      name: "InvalidSignatureException",
      message: INVALID_SIGNATURE_MESSAGE,
      $metadata: { httpStatusCode: 400 },
    });
  });

  it("refuses an unknown access key with UnrecognizedClientException", async () => {
    await expect(client("AKIDUNKNOWN", "good-secret").send(describeJob())).rejects.toMatchObject({
      name: "UnrecognizedClientException",
      message: UNRECOGNIZED_CLIENT_MESSAGE,
    });
  });

  it("refuses an unsigned request with MissingAuthenticationTokenException", async () => {
    const response = await fetch(`${url}/`, {
      method: "POST",
      headers: { "X-Amz-Target": "SageMaker.DescribeTrainingJob", "Content-Type": "application/x-amz-json-1.1" },
      body: "{}",
    });
    expect(response.status).toBe(400);
    expect(response.headers.get("x-amzn-errortype")).toBe("MissingAuthenticationTokenException");
    expect(((await response.json()) as { __type: string }).__type).toBe("MissingAuthenticationTokenException");
  });

  it("refuses a body changed after signing", async () => {
    const c = client("AKIDGOOD", "good-secret");
    afterSigning(c, (request) => {
      const text = typeof request.body === "string" ? request.body : new TextDecoder().decode(request.body);
      request.body = new TextEncoder().encode(text.replace("aaaa", "bbbb"));
    });
    await expect(c.send(describeJob("aaaa"))).rejects.toMatchObject({ name: "InvalidSignatureException" });
  });

  it("ignores headers that were not signed, and verifies a signed query string", async () => {
    const c = client("AKIDGOOD", "good-secret");
    c.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { query: Record<string, string | string[]> };
        request.query = { z: "last", a: ["two words", "*"], "tilde~": "é" };
        return next(args);
      },
      { step: "build" },
    );
    afterSigning(c, (request) => {
      request.headers["x-added-after-signing"] = "anything";
    });
    expect((await c.send(describeJob("signed-query"))).TrainingJobName).toBe("signed-query");
  });

  it("checks the credential scope against the target service's signing name", async () => {
    const mismatched = await start([service("not-sagemaker")]);
    await expect(client("AKIDGOOD", "good-secret", mismatched).send(describeJob())).rejects.toMatchObject({
      name: "InvalidSignatureException",
      message: "Credential should be scoped to correct service: 'not-sagemaker'.",
    });
  });

  it("verifies CloudWatch Logs requests signed for 'logs'", async () => {
    const logs = new CloudWatchLogsClient({
      endpoint: url,
      region: "us-east-1",
      credentials: { accessKeyId: "AKIDOTHER", secretAccessKey: "other-secret" },
      maxAttempts: 1,
    });
    expect((await logs.send(new DescribeLogGroupsCommand({}))).logGroups).toEqual([]);
  });

  // A captured request replayed later, or a client whose clock is off, signs with another time:
  // the real SDK with a skewed clock (systemClockOffset) signs exactly such requests.
  const MINUTE = 60_000;
  function skewedClient(offsetMs: number): SageMakerClient {
    return new SageMakerClient({
      endpoint: url,
      region: "us-west-2",
      credentials: { accessKeyId: "AKIDGOOD", secretAccessKey: "good-secret" },
      maxAttempts: 1,
      systemClockOffset: offsetMs,
    });
  }
  const refusedSkews: [string, () => number, RegExp][] = [
    ["1 hour old", () => -60 * MINUTE, /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 15 min\.\)$/],
    ["16 minutes old", () => -16 * MINUTE, /^Signature expired: /],
    ["from 2020", () => Date.UTC(2020, 0, 1) - Date.now(), /^Signature expired: 20200101T000000Z is now earlier than /],
    ["1 hour ahead", () => 60 * MINUTE, /^Signature not yet current: \d{8}T\d{6}Z is still later than \d{8}T\d{6}Z \(\d{8}T\d{6}Z \+ 15 min\.\)$/],
  ];
  for (const [name, offset, message] of refusedSkews) {
    it(`refuses a correctly signed request ${name} with InvalidSignatureException (400)`, async () => {
      seen.length = 0;
      const error = (await skewedClient(offset()).send(describeJob()).catch((e: unknown) => e)) as {
        name: string;
        message: string;
        $metadata: { httpStatusCode: number };
      };
      expect(error).toMatchObject({ name: "InvalidSignatureException", $metadata: { httpStatusCode: 400 } });
      expect(error.message).toMatch(message);
      expect(seen).toEqual([]);
    });
  }

  it("accepts a correctly signed request 14 minutes old", async () => {
    expect((await skewedClient(-14 * MINUTE).send(describeJob("fourteen"))).TrainingJobName).toBe("fourteen");
  });

  it("refuses a request signed for another region when the server serves one, accepts its own", async () => {
    const server = createApiServer({ services: [service("sagemaker")], auth: { credentials, region: "eu-central-1" } });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const regional = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await expect(client("AKIDGOOD", "good-secret", regional, "us-west-2").send(describeJob())).rejects.toMatchObject({
      name: "InvalidSignatureException",
      message: "Credential should be scoped to a valid region, not 'us-west-2'.",
      $metadata: { httpStatusCode: 400 },
    });
    expect((await client("AKIDGOOD", "good-secret", regional, "eu-central-1").send(describeJob("here"))).TrainingJobName).toBe("here");
  });

  it("accepts any credentials without auth, still taking the region from the scope", async () => {
    const open = await start([service("sagemaker")], false);
    seen.length = 0;
    await client("ANYONE", "any-secret", open, "me-south-1").send(describeJob());
    expect(seen[0]).toMatchObject({ accessKeyId: "ANYONE", region: "me-south-1" });
  });
});
