/**
 * `optml serve --auth`: SigV4 is verified for every service at the one endpoint, with the real SDK
 * clients signing.
 */
import { CloudWatchClient, ListMetricsCommand } from "@aws-sdk/client-cloudwatch";
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { execFile } from "node:child_process";
import { ListTrainingJobsCommand, SageMakerClient } from "@aws-sdk/client-sagemaker";
import { afterAll, beforeAll, expect, it } from "vitest";
import { credentials, startHarness, type Harness } from "./harness.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ auth: { credentials: { [credentials.accessKeyId]: credentials.secretAccessKey } } });
});
afterAll(async () => h?.close());

const client = <T>(Client: new (c: object) => T, secret: string, accessKeyId = credentials.accessKeyId) =>
  new Client({ endpoint: h.server.endpoint, region: "eu-west-1", credentials: { accessKeyId, secretAccessKey: secret }, maxAttempts: 1 });

it("accepts requests signed with a configured key, for SageMaker and CloudWatch Logs", async () => {
  const sm = client(SageMakerClient, credentials.secretAccessKey);
  const logs = client(CloudWatchLogsClient, credentials.secretAccessKey);
  expect((await sm.send(new ListTrainingJobsCommand({}))).TrainingJobSummaries).toEqual([]);
  const groups = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: "/aws/sagemaker/" }));
  // The region comes from the signature's scope.
  expect(groups.logGroups![0]!.arn).toBe("arn:aws:logs:eu-west-1:000000000000:log-group:/aws/sagemaker/TrainingJobs:*");
  sm.destroy();
  logs.destroy();
});

it("refuses a wrong secret and an unknown key with AWS's errors", async () => {
  const wrong = client(SageMakerClient, "not-the-secret");
  await expect(wrong.send(new ListTrainingJobsCommand({}))).rejects.toMatchObject({ name: "InvalidSignatureException" });
  const stranger = client(SageMakerClient, "x", "AKIDSTRANGER");
  await expect(stranger.send(new ListTrainingJobsCommand({}))).rejects.toMatchObject({
    name: "UnrecognizedClientException",
    message: "The security token included in the request is invalid.",
  });
  wrong.destroy();
  stranger.destroy();
});

it("verifies CloudWatch metrics requests in each of its protocols (signing name monitoring): JS SDK (JSON 1.0), boto3 over CBOR and query", async () => {
  const cw = client(CloudWatchClient, credentials.secretAccessKey);
  expect((await cw.send(new ListMetricsCommand({ Namespace: "/aws/sagemaker/TrainingJobs" }))).Metrics).toEqual([]);
  const wrong = client(CloudWatchClient, "not-the-secret");
  await expect(wrong.send(new ListMetricsCommand({}))).rejects.toMatchObject({ name: "InvalidSignatureException" });
  cw.destroy();
  wrong.destroy();
  // boto3 with the model's protocol list narrowed to one (as test/cloudwatch_client.py does).
  const script = `
import json, os, sys, tempfile
import botocore.session
protocol, secret = sys.argv[2], sys.argv[3]
model = botocore.session.get_session().get_component("data_loader").load_service_model("cloudwatch", "service-2", api_version="2010-08-01")
model["metadata"]["protocol"] = protocol
model["metadata"]["protocols"] = [protocol]
d = tempfile.mkdtemp()
os.makedirs(os.path.join(d, "cloudwatch", "2010-08-01"))
json.dump(model, open(os.path.join(d, "cloudwatch", "2010-08-01", "service-2.json"), "w"))
os.environ["AWS_DATA_PATH"] = d
import boto3
from botocore.exceptions import ClientError
cw = boto3.client("cloudwatch", endpoint_url=sys.argv[1], region_name="eu-west-1", aws_access_key_id="${credentials.accessKeyId}", aws_secret_access_key=secret)
try:
    print(json.dumps(cw.list_metrics(Namespace="/aws/sagemaker/TrainingJobs")["Metrics"]))
except ClientError as e:
    print(json.dumps(e.response["Error"]["Code"]))
`;
  // Asynchronously: this process answers the requests.
  const python = (protocol: string, secret: string) =>
    new Promise<{ stdout: string; stderr: string }>((resolve) =>
      execFile("python3", ["-c", script, h.server.endpoint, protocol, secret], { encoding: "utf8", timeout: 60_000 }, (_e, stdout, stderr) => resolve({ stdout, stderr })),
    );
  for (const protocol of ["smithy-rpc-v2-cbor", "query"]) {
    const ok = await python(protocol, credentials.secretAccessKey);
    expect(JSON.parse(ok.stdout || "null"), ok.stderr).toEqual([]);
    const refused = await python(protocol, "not-the-secret");
    expect(JSON.parse(refused.stdout || "null"), refused.stderr).toBe("InvalidSignatureException");
  }
});
