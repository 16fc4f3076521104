/**
 * optml's extension members (`Optml*`, top level in a response) as the CLI reads them. The AWS SDK
 * keeps only the members of its model, so this middleware keeps the response body before the SDK
 * parses it: `OptmlDiskBytes` in ListTrainingJobs summaries, `OptmlFreedBytes` in
 * DeleteTrainingJob's answer. A control plane without them (an older optml) answers without them.
 */
import { Readable } from "node:stream";

interface MiddlewareStack {
  addRelativeTo(middleware: unknown, options: { relation: "after"; toMiddleware: string; name: string }): void;
}

type Next = (args: unknown) => Promise<{ response: { body: unknown } }>;

/** Keep the JSON body of `command`'s response; read it after the command was sent. */
export function keepBody(command: { middlewareStack: MiddlewareStack }): { body(): Record<string, unknown> } {
  let body: Record<string, unknown> = {};
  command.middlewareStack.addRelativeTo(
    (next: Next) => async (args: unknown) => {
      const result = await next(args);
      const stream = result.response.body;
      if (!(stream instanceof Readable)) return result;
      const chunks: Buffer[] = [];
      for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
      const bytes = Buffer.concat(chunks);
      try {
        const parsed: unknown = bytes.length ? JSON.parse(bytes.toString("utf8")) : {};
        if (typeof parsed === "object" && parsed !== null) body = parsed as Record<string, unknown>;
      } catch {
        // Not JSON: the SDK says what is wrong with it.
      }
      result.response.body = Readable.from([bytes]);
      return result;
    },
    { relation: "after", toMiddleware: "deserializerMiddleware", name: "optmlKeepBody" },
  );
  return { body: () => body };
}

/** A whole number of bytes, or undefined. */
export function bytesMember(value: unknown): number | undefined {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 ? value : undefined;
}
