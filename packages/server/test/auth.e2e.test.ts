/**
 * `optml serve --auth`: SigV4 is verified for both services at the one endpoint, with the real SDK
 * clients signing.
 */
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from "@aws-sdk/client-cloudwatch-logs";
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
