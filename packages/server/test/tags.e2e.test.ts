/**
 * AddTags, ListTags and DeleteTags, and the region of ARNs, through two real AWS SDK v3 clients
 * configured for different regions against one control plane: a job's ARN (and its AWS_REGION)
 * is the region its CreateTrainingJob was signed for.
 */
import { FilterLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import {
  AddTagsCommand,
  CreateTrainingJobCommand,
  DeleteTagsCommand,
  DeleteTrainingJobCommand,
  DescribeTrainingJobCommand,
  ListTagsCommand,
  ListTrainingJobsCommand,
  SageMakerClient,
} from "@aws-sdk/client-sagemaker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { credentials, startHarness, type Harness } from "./harness.js";
import { scriptModeRequest } from "./requests.js";

let h: Harness;
let west: SageMakerClient;
const east = () => h.sagemaker; // the harness's client: us-east-1
beforeAll(async () => {
  h = await startHarness();
  west = new SageMakerClient({ endpoint: h.server.endpoint, region: "us-west-2", credentials, maxAttempts: 1 });
});
afterAll(async () => {
  west?.destroy();
  await h?.close();
});

const arnIn = (region: string, name: string) => `arn:aws:sagemaker:${region}:000000000000:training-job/${name}`;

/** The API error a call fails with, as the SDK names it. */
async function failure(call: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await call;
  } catch (e) {
    return { name: (e as Error).name, message: (e as Error).message };
  }
  throw new Error("the call succeeded");
}

const REGION_PY = "import os\nprint('region', os.environ['AWS_REGION'], 'arn', os.environ['TRAINING_JOB_ARN'], flush=True)\n";

function job(name: string, tags?: { Key: string; Value: string }[]) {
  const request = scriptModeRequest({ name, codeDir: h.code({ "train.py": REGION_PY }), program: "train.py", outputDir: h.output() });
  return new CreateTrainingJobCommand({ ...request, ...(tags ? { Tags: tags } : {}) } as never);
}

describe("ARNs carry the region of the request's credential scope", () => {
  it("names each job in the region its client was configured for, and runs it there", async () => {
    const w = await west.send(job("region-west", [{ Key: "team", Value: "ml" }]));
    const e = await east().send(job("region-east"));
    expect(w.TrainingJobArn).toBe(arnIn("us-west-2", "region-west"));
    expect(e.TrainingJobArn).toBe(arnIn("us-east-1", "region-east"));

    // Either client describes and lists both jobs, each under its own ARN.
    expect((await east().send(new DescribeTrainingJobCommand({ TrainingJobName: "region-west" }))).TrainingJobArn).toBe(w.TrainingJobArn);
    const listed = await west.send(new ListTrainingJobsCommand({ NameContains: "region-" }));
    expect(Object.fromEntries((listed.TrainingJobSummaries ?? []).map((s) => [s.TrainingJobName, s.TrainingJobArn]))).toEqual({
      "region-west": w.TrainingJobArn,
      "region-east": e.TrainingJobArn,
    });

    // Inside the job, AWS_REGION and TRAINING_JOB_ARN are those of the region it was created in.
    for (const [name, region] of [["region-west", "us-west-2"], ["region-east", "us-east-1"]] as const) {
      expect((await h.waitForEnd(name)).TrainingJobStatus).toBe("Completed");
      const events = await h.logs.send(new FilterLogEventsCommand({ logGroupName: "/aws/sagemaker/TrainingJobs", logStreamNamePrefix: `${name}/` }));
      expect(events.events?.map((ev) => ev.message)).toContain(`region ${region} arn ${arnIn(region, name)}`);
    }
  });
});

describe("AddTags, ListTags and DeleteTags", () => {
  const name = "tagged-1";
  const arn = arnIn("us-west-2", name);

  beforeAll(async () => {
    await west.send(job(name, [{ Key: "team", Value: "ml" }, { Key: "stage", Value: "dev" }]));
  });

  it("starts from the tags the job was created with, which Describe does not echo", async () => {
    expect((await west.send(new ListTagsCommand({ ResourceArn: arn }))).Tags).toEqual([
      { Key: "team", Value: "ml" },
      { Key: "stage", Value: "dev" },
    ]);
    expect(await west.send(new DescribeTrainingJobCommand({ TrainingJobName: name }))).not.toHaveProperty("Tags");
    // A name differing only in case would share the ARN (and so the tags): it is taken.
    expect(await failure(west.send(job("Tagged-1", [{ Key: "other", Value: "x" }])))).toEqual({
      name: "ResourceInUse",
      message: `Training job names must be unique within an AWS account and region, and a training job with this name already exists (${arn})`,
    });
    expect((await west.send(new ListTagsCommand({ ResourceArn: arn }))).Tags).toHaveLength(2);
  });

  it("adds and overwrites, answering the tags given, and deletes by key", async () => {
    const added = await west.send(new AddTagsCommand({ ResourceArn: arn, Tags: [{ Key: "stage", Value: "prod" }, { Key: "owner", Value: "" }] }));
    expect(added.Tags).toEqual([{ Key: "stage", Value: "prod" }, { Key: "owner", Value: "" }]);
    expect((await west.send(new ListTagsCommand({ ResourceArn: arn, MaxResults: 50 }))).Tags).toEqual([
      { Key: "team", Value: "ml" },
      { Key: "stage", Value: "prod" },
      { Key: "owner", Value: "" },
    ]);
    await west.send(new DeleteTagsCommand({ ResourceArn: arn, TagKeys: ["team", "never-set"] }));
    const left = await west.send(new ListTagsCommand({ ResourceArn: arn }));
    expect(left.Tags).toEqual([{ Key: "stage", Value: "prod" }, { Key: "owner", Value: "" }]);
    expect(left.NextToken).toBeUndefined();
  });

  it("refuses an ARN that names no resource here, another region's included", async () => {
    for (const other of [arnIn("us-east-1", name), arnIn("us-west-2", "no-such-job"), "arn:aws:sagemaker:us-west-2:000000000000:processing-job/x"]) {
      expect(await failure(west.send(new ListTagsCommand({ ResourceArn: other })))).toEqual({
        name: "ValidationException",
        message: `Requested resource not found: ${other}`,
      });
      expect((await failure(west.send(new AddTagsCommand({ ResourceArn: other, Tags: [{ Key: "a", Value: "b" }] })))).name).toBe("ValidationException");
      expect((await failure(west.send(new DeleteTagsCommand({ ResourceArn: other, TagKeys: ["a"] })))).name).toBe("ValidationException");
    }
  });

  it("validates requests as AWS does, in AWS's words", async () => {
    expect(await failure(west.send(new ListTagsCommand({ ResourceArn: "" })))).toEqual({
      name: "ValidationException",
      message:
        "1 validation error detected: Value '' at 'resourceArn' failed to satisfy constraint: " +
        "Member must satisfy regular expression pattern: arn:aws[a-z-]*:sagemaker:[a-z0-9-]*:[0-9]{12}:.+",
    });
    expect((await failure(west.send(new ListTagsCommand({ ResourceArn: arn, MaxResults: 10 })))).message).toBe(
      "1 validation error detected: Value '10' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 50",
    );
    expect((await failure(west.send(new ListTagsCommand({ ResourceArn: arn, NextToken: "bogus" })))).message).toContain("at 'nextToken'");
    expect((await failure(west.send(new DeleteTagsCommand({ ResourceArn: arn, TagKeys: [] })))).message).toBe(
      "1 validation error detected: Value '[]' at 'tagKeys' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
    const bad = await failure(west.send(new AddTagsCommand({ ResourceArn: arn, Tags: [{ Key: "", Value: "v" }, { Key: "ok", Value: "a|b" }] })));
    expect(bad.name).toBe("ValidationException");
    expect(bad.message).toMatch(/^2 validation errors detected: Value '' at 'tags\.1\.member\.key' failed to satisfy constraint: Member must have length greater than or equal to 1/);
    expect(bad.message).toContain("Value 'a|b' at 'tags.2.member.value' failed to satisfy constraint: Member must satisfy regular expression pattern");
    const many = Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: "v" }));
    expect((await failure(west.send(new AddTagsCommand({ ResourceArn: arn, Tags: many })))).message).toContain(
      "at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50",
    );
  });

  it("keeps a resource at 50 tags at most", async () => {
    const have = (await west.send(new ListTagsCommand({ ResourceArn: arn }))).Tags!.length;
    const fill = Array.from({ length: 50 - have }, (_, i) => ({ Key: `fill${i}`, Value: String(i) }));
    await west.send(new AddTagsCommand({ ResourceArn: arn, Tags: fill }));
    expect((await west.send(new ListTagsCommand({ ResourceArn: arn }))).Tags).toHaveLength(50);
    // Overwriting keeps the count; one more key does not fit.
    await west.send(new AddTagsCommand({ ResourceArn: arn, Tags: [{ Key: "fill0", Value: "again" }] }));
    expect(await failure(west.send(new AddTagsCommand({ ResourceArn: arn, Tags: [{ Key: "one-more", Value: "x" }] })))).toEqual({
      name: "ValidationException",
      message: `Too many tags: ${arn} would have 51 tags; a resource can have at most 50. Remove some with DeleteTags first.`,
    });
  });

  it("drops a job's tags with the job: a new job of the same name starts from its own", async () => {
    await h.waitForEnd(name);
    await west.send(new DeleteTrainingJobCommand({ TrainingJobName: name }));
    expect((await failure(west.send(new ListTagsCommand({ ResourceArn: arn })))).message).toBe(`Requested resource not found: ${arn}`);
    await west.send(job(name, [{ Key: "fresh", Value: "yes" }]));
    expect((await west.send(new ListTagsCommand({ ResourceArn: arn }))).Tags).toEqual([{ Key: "fresh", Value: "yes" }]);
    await h.waitForEnd(name);
  });
});
