/**
 * Code from S3: the runner downloads s3://bucket/key.tar.gz through the AWS SDK from an
 * S3-compatible server on loopback (moto, started and stopped here), found through
 * AWS_ENDPOINT_URL_S3 as any AWS tool would.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startS3Server, type S3Server } from "../../../test-support/s3-server.js";
import { TestJob } from "./job.js";
import { tarGz } from "./tar-writer.js";

let server: S3Server;
let endpoint = "";
const credentials = { AWS_ACCESS_KEY_ID: "testing", AWS_SECRET_ACCESS_KEY: "testing", AWS_REGION: "us-east-1" };

beforeAll(async () => {
  server = await startS3Server(["code-bucket"]);
  endpoint = server.endpoint;
  await server.put("code-bucket", {
    "job-1/source/sourcedir.tar.gz": tarGz([
      { name: "train.py", content: "import helper\nprint('trained with', helper.NAME)\n" },
      { name: "helper.py", content: "NAME = 'code from s3'\n" },
    ]),
    "evil.tar.gz": tarGz([{ name: "../escaped", content: "pwned" }]),
    "node-job/sourcedir.tar.gz": tarGz([{ name: "train.mjs", content: 'process.emitWarning("the user program warns", "UserWarning");\nconsole.log("trained in node");\n' }]),
  });
});

afterAll(() => server?.stop());

const jobs: TestJob[] = [];
afterEach(() => {
  while (jobs.length) jobs.pop()!.remove();
});

function job(uri: string, program = "train.py") {
  const j = new TestJob({
    hyperparameters: { sagemaker_program: JSON.stringify(program), sagemaker_submit_directory: JSON.stringify(uri) },
  });
  jobs.push(j);
  return j;
}

describe("code from S3", () => {
  it("downloads and unpacks s3://bucket/key.tar.gz from the endpoint in AWS_ENDPOINT_URL_S3", async () => {
    const j = job("s3://code-bucket/job-1/source/sourcedir.tar.gz");
    const exit = await j.run({ ...credentials, AWS_ENDPOINT_URL_S3: endpoint, AWS_ENDPOINT_URL: "http://127.0.0.1:9" });
    expect(exit.stderr).toContain("[optml-train] downloading s3://code-bucket/job-1/source/sourcedir.tar.gz\n");
    expect(exit.code).toBe(0);
    expect(exit.stdout).toBe("trained with code from s3\n");
    expect(j.success).toBe("");
  });

  it("prints none of Node's warnings (the AWS SDK's NodeVersionSupportWarning) into the job's log", async () => {
    const j = job("s3://code-bucket/job-1/source/sourcedir.tar.gz");
    // The SDK's own switch for its notice is off, as in a user's shell.
    const exit = await j.run({ ...credentials, AWS_ENDPOINT_URL_S3: endpoint, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: undefined, NODE_NO_WARNINGS: undefined });
    expect(exit.code).toBe(0);
    expect(exit.stderr).toContain("[optml-train] downloading s3://code-bucket/job-1/source/sourcedir.tar.gz\n");
    expect(exit.stderr).not.toMatch(/Warning|\(node:\d+\)/);
  });

  it("leaves the user program's own Node warnings in the log, its environment untouched", async () => {
    const j = job("s3://code-bucket/node-job/sourcedir.tar.gz", "train.mjs");
    const exit = await j.run({ ...credentials, AWS_ENDPOINT_URL_S3: endpoint, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: undefined, NODE_NO_WARNINGS: undefined });
    expect(exit.code).toBe(0);
    expect(exit.stdout).toBe("trained in node\n");
    expect(exit.stderr).toMatch(/^\(node:\d+\) UserWarning: the user program warns$/m);
    expect(exit.stderr.match(/Warning/g)).toHaveLength(1);
  });

  it("uses AWS_ENDPOINT_URL when there is no S3-specific endpoint", async () => {
    const j = job("s3://code-bucket/job-1/source/sourcedir.tar.gz");
    const exit = await j.run({ ...credentials, AWS_ENDPOINT_URL: endpoint, AWS_ENDPOINT_URL_S3: undefined });
    expect(exit.code).toBe(0);
    expect(exit.stdout).toBe("trained with code from s3\n");
  });

  it("writes a Framework Error naming the object when it does not exist", async () => {
    const j = job("s3://code-bucket/nope.tar.gz");
    const exit = await j.run({ ...credentials, AWS_ENDPOINT_URL_S3: endpoint });
    expect(exit.code).toBe(1);
    expect(j.failure).toMatch(/^Framework Error: cannot download s3:\/\/code-bucket\/nope\.tar\.gz: NoSuchKey: .*\(HTTP 404\)$/);
  });

  it("refuses an unsafe archive from S3 too", async () => {
    const j = job("s3://code-bucket/evil.tar.gz");
    const exit = await j.run({ ...credentials, AWS_ENDPOINT_URL_S3: endpoint });
    expect(exit.code).toBe(1);
    expect(j.failure).toBe(
      `Framework Error: s3://code-bucket/evil.tar.gz: refusing to unpack entry "../escaped": its path has a '..' component; nothing was unpacked`,
    );
  });
});
