/**
 * optml's extension members (`Optml*`) as the CLI reads them. The AWS SDK keeps only the members
 * of its model, so two middlewares on the client keep them: one, just inside the SDK's
 * deserializer, reads the raw response body (and hands the SDK the same bytes); the other,
 * outermost, copies every `Optml*` member of that body into the command's output at the same
 * place: top level (DescribeTrainingJob's `OptmlExecutor`, `OptmlPython`, `OptmlWarnings`;
 * DeleteTrainingJob's `OptmlFreedBytes`) or inside list elements (`OptmlDiskBytes` of each
 * ListTrainingJobs summary). A control plane without them (an older optml) answers without them.
 */
import { Readable } from "node:stream";
import type { SageMakerClient } from "@aws-sdk/client-sagemaker";

export interface OptmlMembers {
  /** What ran the job: "local processes", "Docker image X", ... (once its hosts were launched). */
  readonly OptmlExecutor?: { readonly Name: string; readonly Description: string };
  /** The Python the job's hosts run (process and netns jobs). */
  readonly OptmlPython?: { readonly Path: string; readonly Version: string };
  /** What the job could not have as asked, and what it did without. */
  readonly OptmlWarnings?: readonly string[];
}

const CONTEXT_KEY = "optmlBody";
const PREFIX = "Optml";

type Context = Record<string, unknown>;
type Handler = (args: unknown) => Promise<{ response: unknown; output: unknown }>;

/** `output` with the `Optml*` members of `body` at the places they hold there. */
export function withOptmlMembers(output: unknown, body: unknown): unknown {
  if (Array.isArray(output) && Array.isArray(body) && output.length === body.length) {
    return output.map((element, i) => withOptmlMembers(element, body[i]));
  }
  if (typeof output !== "object" || output === null || Array.isArray(output) || typeof body !== "object" || body === null || Array.isArray(body)) {
    return output;
  }
  const merged: Record<string, unknown> = { ...(output as Record<string, unknown>) };
  for (const [name, value] of Object.entries(body)) {
    if (name.startsWith(PREFIX)) merged[name] = value;
    else if (name in merged) merged[name] = withOptmlMembers(merged[name], value);
  }
  return merged;
}

export function keepOptmlMembers(client: SageMakerClient): void {
  const stack = client.middlewareStack as unknown as {
    add(mw: (next: Handler, context: Context) => Handler, options: Record<string, unknown>): void;
    addRelativeTo(mw: (next: Handler, context: Context) => Handler, options: Record<string, unknown>): void;
  };
  stack.addRelativeTo(
    (next, context) => async (args) => {
      const result = await next(args);
      const response = result.response as { statusCode?: number; body?: unknown };
      if (response.statusCode === 200 && response.body instanceof Readable) {
        const bytes = Buffer.concat(await response.body.toArray());
        response.body = Readable.from([bytes]);
        try {
          if (bytes.includes(PREFIX)) context[CONTEXT_KEY] = JSON.parse(bytes.toString("utf8")) as unknown;
        } catch {
          // Not JSON: the SDK's deserializer says what is wrong with it.
        }
      }
      return result;
    },
    { relation: "after", toMiddleware: "deserializerMiddleware", name: "optmlMembersFromBody" },
  );
  stack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      const body = context[CONTEXT_KEY];
      return body === undefined ? result : { ...result, output: withOptmlMembers(result.output, body) };
    },
    { step: "initialize", name: "optmlMembersIntoOutput" },
  );
}

/** A whole number of bytes, or undefined. */
export function bytesMember(value: unknown): number | undefined {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 ? value : undefined;
}
