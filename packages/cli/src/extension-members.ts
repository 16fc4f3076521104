/**
 * optml's extension members of DescribeTrainingJob (top level, prefixed `Optml`: `OptmlExecutor`,
 * `OptmlPython`, `OptmlWarnings`): the AWS SDK
 * drops the members its model does not know, so two middlewares keep them. One, just inside the
 * SDK's deserializer, reads them from the raw response body (and hands the SDK the same bytes);
 * the other, outermost, adds them to the command's output.
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

const CONTEXT_KEY = "optmlMembers";

type Context = Record<string, unknown> & { commandName?: string };
type Handler = (args: unknown) => Promise<{ response: unknown; output: unknown }>;

export function keepOptmlMembers(client: SageMakerClient): void {
  const stack = client.middlewareStack as unknown as {
    add(mw: (next: Handler, context: Context) => Handler, options: Record<string, unknown>): void;
    addRelativeTo(mw: (next: Handler, context: Context) => Handler, options: Record<string, unknown>): void;
  };
  stack.addRelativeTo(
    (next, context) => async (args) => {
      const result = await next(args);
      const response = result.response as { statusCode?: number; body?: unknown };
      if (context.commandName === "DescribeTrainingJobCommand" && response.statusCode === 200 && response.body instanceof Readable) {
        const bytes = Buffer.concat(await response.body.toArray());
        response.body = Readable.from([bytes]);
        const members: Record<string, unknown> = {};
        try {
          const body = JSON.parse(bytes.toString("utf8")) as Record<string, unknown>;
          for (const [name, value] of Object.entries(body)) if (name.startsWith("Optml")) members[name] = value;
        } catch {
          // Not JSON: the SDK's deserializer says what is wrong with it.
        }
        context[CONTEXT_KEY] = members;
      }
      return result;
    },
    { relation: "after", toMiddleware: "deserializerMiddleware", name: "optmlMembersFromBody" },
  );
  stack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      const members = context[CONTEXT_KEY] as Record<string, unknown> | undefined;
      return members ? { ...result, output: { ...(result.output as object), ...members } } : result;
    },
    { step: "initialize", name: "optmlMembersIntoOutput" },
  );
}
