/**
 * Helpers for the end-to-end data tests: a job's program lines from CloudWatch Logs, a channel
 * on S3, a code archive to put in S3.
 */
import { DescribeLogStreamsCommand, GetLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tar from "tar";
import type { ChannelShape } from "../src/sagemaker/request.js";
import type { Harness } from "./harness.js";

/** The program's own lines (not the runner's nor the control plane's) of a job's first host. */
export async function programLines(h: Harness, job: string): Promise<string[]> {
  return (await logLines(h, job)).filter((l) => !l.startsWith("[optml-train]") && !l.startsWith("[optml] "));
}

/** Every line of a job's log stream of one host (default: its first), as CloudWatch Logs serves them. */
export async function logLines(h: Harness, job: string, host?: string): Promise<string[]> {
  const group = "/aws/sagemaker/TrainingJobs";
  const prefix = host === undefined ? `${job}/` : `${job}/${host}-`;
  const streams = await h.logs.send(new DescribeLogStreamsCommand({ logGroupName: group, logStreamNamePrefix: prefix, orderBy: "LogStreamName" }));
  const stream = streams.logStreams![0]!.logStreamName!;
  const lines: string[] = [];
  let token: string | undefined;
  for (;;) {
    const page = await h.logs.send(new GetLogEventsCommand({ logGroupName: group, logStreamName: stream, startFromHead: true, ...(token ? { nextToken: token } : {}) }));
    if (page.events!.length === 0) break;
    lines.push(...page.events!.map((e) => e.message!));
    token = page.nextForwardToken;
  }
  return lines;
}

/** The JSON a program printed after `tag `. */
export function printed<T>(lines: readonly string[], tag: string): T {
  const line = lines.find((l) => l.startsWith(`${tag} `));
  if (!line) throw new Error(`no '${tag}' line in:\n${lines.join("\n")}`);
  return JSON.parse(line.slice(tag.length + 1)) as T;
}

export function s3Channel(name: string, uri: string, over: Partial<ChannelShape> & { dataType?: "S3Prefix" | "ManifestFile"; distribution?: "FullyReplicated" | "ShardedByS3Key" } = {}): ChannelShape {
  const { dataType, distribution, ...rest } = over;
  return {
    ChannelName: name,
    DataSource: { S3DataSource: { S3DataType: dataType ?? "S3Prefix", S3Uri: uri, S3DataDistributionType: distribution ?? "FullyReplicated" } },
    ...rest,
  };
}

/** A sourcedir.tar.gz holding these files. */
export async function sourceArchive(files: Record<string, string>): Promise<Buffer> {
  const dir = mkdtempSync(join(tmpdir(), "optml-source-"));
  try {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    await tar.create({ gzip: true, cwd: dir, file: join(dir, "sourcedir.tar.gz"), portable: true }, Object.keys(files));
    return readFileSync(join(dir, "sourcedir.tar.gz"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
