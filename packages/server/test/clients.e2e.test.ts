/**
 * The control plane driven by the other real clients: the AWS CLI (Debian's awscli, /usr/bin/aws,
 * including `aws logs tail`) and boto3 from the machine's python3, the latter pointed at the
 * server only through AWS_ENDPOINT_URL_SAGEMAKER / AWS_ENDPOINT_URL_CLOUDWATCH_LOGS.
 * Clients run asynchronously: the server answers from this same process.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "./harness.js";
import { scriptModeRequest } from "./requests.js";

const AWS = "/usr/bin/aws";
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.close());

describe.skipIf(!existsSync(AWS))(`the AWS CLI (${AWS}; .ci/run installs Debian's awscli)`, () => {
  const aws = (...args: string[]) => h.runClient(AWS, [...args, "--endpoint-url", h.server.endpoint, "--output", "json"]);

  it("creates from --cli-input-json, describes, lists, tails the logs and reports errors", async () => {
    const jobFile = join(h.root, "cli-job.json");
    const out = h.output();
    writeFileSync(
      jobFile,
      JSON.stringify(
        scriptModeRequest({
          name: "cli-job-1",
          codeDir: h.code({ "train.py": "for i in range(3):\n    print(f'cli line {i}', flush=True)\n" }),
          program: "train.py",
          outputDir: out,
        }),
      ),
    );
    const created = await aws("sagemaker", "create-training-job", "--cli-input-json", `file://${jobFile}`);
    expect(created.stderr).toBe("");
    expect(JSON.parse(created.stdout).TrainingJobArn).toBe("arn:aws:sagemaker:us-east-1:000000000000:training-job/cli-job-1");
    await h.waitForEnd("cli-job-1");

    const described = JSON.parse((await aws("sagemaker", "describe-training-job", "--training-job-name", "cli-job-1")).stdout);
    expect(described.TrainingJobStatus).toBe("Completed");
    expect(typeof described.CreationTime).toBe("string"); // the CLI renders epoch seconds as ISO times
    expect(described.ModelArtifacts.S3ModelArtifacts).toBe(`file://${out}/cli-job-1/output/model.tar.gz`);

    const listed = JSON.parse((await aws("sagemaker", "list-training-jobs", "--name-contains", "cli-job")).stdout);
    expect(listed.TrainingJobSummaries.map((s: { TrainingJobName: string }) => s.TrainingJobName)).toEqual(["cli-job-1"]);

    const tail = await h.runClient(
      AWS,
      ["logs", "tail", "/aws/sagemaker/TrainingJobs", "--log-stream-name-prefix", "cli-job-1/", "--since", "1h", "--format", "short", "--endpoint-url", h.server.endpoint],
    );
    expect(tail.stderr).toBe("");
    expect(tail.stdout).toMatch(/cli line 0\n.*cli line 1\n.*cli line 2\n/);

    const missing = await aws("sagemaker", "describe-training-job", "--training-job-name", "no-such-job");
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain("An error occurred (ValidationException) when calling the DescribeTrainingJob operation: Requested resource not found.");

    const bad = await aws("sagemaker", "stop-training-job", "--training-job-name", "bad_name");
    expect(bad.stderr).toContain(
      "Value 'bad_name' at 'trainingJobName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}",
    );
  });

  it("creates a processing job from --cli-input-json, describes and lists it, and tails /aws/sagemaker/ProcessingJobs", async () => {
    const jobFile = join(h.root, "cli-processing.json");
    const out = h.output();
    const code = h.code({ "p.py": "import os\nfor i in range(3):\n    print(f'processing line {i}', flush=True)\nopen('/opt/ml/processing/out/x.txt', 'w').write('x')\n" });
    writeFileSync(
      jobFile,
      JSON.stringify({
        ProcessingJobName: "cli-proc-1",
        RoleArn: "arn:aws:iam::000000000000:role/R",
        AppSpecification: { ImageUri: "unused:latest", ContainerEntrypoint: ["python3", "/opt/ml/processing/code/p.py"] },
        ProcessingResources: { ClusterConfig: { InstanceCount: 1, InstanceType: "ml.m5.large", VolumeSizeInGB: 1 } },
        ProcessingInputs: [{ InputName: "code", S3Input: { S3Uri: `file://${code}`, LocalPath: "/opt/ml/processing/code", S3DataType: "S3Prefix" } }],
        ProcessingOutputConfig: { Outputs: [{ OutputName: "out", S3Output: { S3Uri: `file://${out}`, LocalPath: "/opt/ml/processing/out", S3UploadMode: "EndOfJob" } }] },
      }),
    );
    const created = await aws("sagemaker", "create-processing-job", "--cli-input-json", `file://${jobFile}`);
    expect(created.stderr).toBe("");
    expect(JSON.parse(created.stdout).ProcessingJobArn).toBe("arn:aws:sagemaker:us-east-1:000000000000:processing-job/cli-proc-1");
    const describe = async () => JSON.parse((await aws("sagemaker", "describe-processing-job", "--processing-job-name", "cli-proc-1")).stdout);
    let described = await describe();
    for (let i = 0; i < 300 && described.ProcessingJobStatus === "InProgress"; i++) {
      await new Promise((r) => setTimeout(r, 100));
      described = await describe();
    }
    expect(described.ProcessingJobStatus).toBe("Completed");
    expect(typeof described.CreationTime).toBe("string");
    const listed = JSON.parse((await aws("sagemaker", "list-processing-jobs", "--name-contains", "cli-proc")).stdout);
    expect(listed.ProcessingJobSummaries.map((s: { ProcessingJobName: string }) => s.ProcessingJobName)).toEqual(["cli-proc-1"]);
    const tail = await h.runClient(
      AWS,
      ["logs", "tail", "/aws/sagemaker/ProcessingJobs", "--log-stream-name-prefix", "cli-proc-1/", "--since", "1h", "--format", "short", "--endpoint-url", h.server.endpoint],
    );
    expect(tail.stderr).toBe("");
    expect(tail.stdout).toMatch(/processing line 0\n.*processing line 1\n.*processing line 2\n/);
    const missing = await aws("sagemaker", "describe-processing-job", "--processing-job-name", "no-such-job");
    expect(missing.stderr).toContain(
      "An error occurred (ResourceNotFound) when calling the DescribeProcessingJob operation: Could not find processing job 'arn:aws:sagemaker:us-east-1:000000000000:processing-job/no-such-job'.",
    );
  });

  it("tags a job in the region given with --region: add-tags, list-tags, delete-tags", async () => {
    const jobFile = join(h.root, "cli-tags-job.json");
    const request = scriptModeRequest({ name: "cli-tags-1", codeDir: h.code({ "train.py": "print('tagged')\n" }), program: "train.py", outputDir: h.output() });
    writeFileSync(jobFile, JSON.stringify({ ...request, Tags: [{ Key: "team", Value: "ml" }] }));
    const inRegion = (...args: string[]) => aws(...args, "--region", "eu-west-1");
    const created = await inRegion("sagemaker", "create-training-job", "--cli-input-json", `file://${jobFile}`);
    expect(created.stderr).toBe("");
    const arn = JSON.parse(created.stdout).TrainingJobArn as string;
    expect(arn).toBe("arn:aws:sagemaker:eu-west-1:000000000000:training-job/cli-tags-1");

    expect((await inRegion("sagemaker", "add-tags", "--resource-arn", arn, "--tags", "Key=stage,Value=dev")).stderr).toBe("");
    expect((await inRegion("sagemaker", "delete-tags", "--resource-arn", arn, "--tag-keys", "team")).stderr).toBe("");
    const listed = await inRegion("sagemaker", "list-tags", "--resource-arn", arn);
    expect(JSON.parse(listed.stdout).Tags).toEqual([{ Key: "stage", Value: "dev" }]);
    const missing = await inRegion("sagemaker", "list-tags", "--resource-arn", arn.replace("eu-west-1", "us-east-1"));
    expect(missing.stderr).toContain("An error occurred (ValidationException) when calling the ListTags operation: Requested resource not found: arn:aws:sagemaker:us-east-1:");
    await h.waitForEnd("cli-tags-1");
  });
});

describe("boto3 from the machine's python3", () => {
  it("runs a job found through the per-service endpoint variables, and reads its logs", async () => {
    const jobFile = join(h.root, "boto-job.json");
    writeFileSync(
      jobFile,
      JSON.stringify(
        scriptModeRequest({
          name: "boto-job-1",
          codeDir: h.code({ "train.py": "print('hello from boto3 job', flush=True)\n" }),
          program: "train.py",
          outputDir: h.output(),
        }),
      ),
    );
    const script = `
import json, sys, time, boto3
req = json.load(open(sys.argv[1]))
sm = boto3.client("sagemaker")
logs = boto3.client("logs")
arn = sm.create_training_job(**req)["TrainingJobArn"]
while True:
    d = sm.describe_training_job(TrainingJobName=req["TrainingJobName"])
    if d["TrainingJobStatus"] not in ("InProgress", "Stopping"):
        break
    time.sleep(0.2)
streams = logs.describe_log_streams(logGroupName="/aws/sagemaker/TrainingJobs", logStreamNamePrefix=req["TrainingJobName"] + "/", orderBy="LogStreamName", limit=1)["logStreams"]
events, token = [], None
while True:
    kw = {"nextToken": token} if token else {}
    page = logs.get_log_events(logGroupName="/aws/sagemaker/TrainingJobs", logStreamName=streams[0]["logStreamName"], startFromHead=True, **kw)
    if not page["events"]:
        break
    events += [e["message"] for e in page["events"]]
    token = page["nextForwardToken"]
try:
    sm.describe_training_job(TrainingJobName="missing-job")
    err = None
except sm.exceptions.ClientError as e:
    err = [e.response["Error"]["Code"], e.response["Error"]["Message"]]
print(json.dumps({"arn": arn, "status": d["TrainingJobStatus"], "secondary": d["SecondaryStatus"],
                  "created_is_datetime": hasattr(d["CreationTime"], "isoformat"), "events": events, "error": err}))
`;
    const r = await h.runClient("python3", ["-c", script, jobFile], {
      AWS_ENDPOINT_URL_SAGEMAKER: h.server.endpoint,
      AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: h.server.endpoint,
    });
    expect(r.stderr).toBe("");
    const result = JSON.parse(r.stdout);
    expect(result.arn).toBe("arn:aws:sagemaker:us-east-1:000000000000:training-job/boto-job-1");
    expect([result.status, result.secondary, result.created_is_datetime]).toEqual(["Completed", "Completed", true]);
    expect(result.events).toContain("hello from boto3 job");
    expect(result.error).toEqual(["ValidationException", "Requested resource not found."]);
  });
});
