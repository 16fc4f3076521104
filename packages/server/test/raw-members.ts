/**
 * The SDK keeps only the members its model knows, so optml's extension members (`Optml*`) are read
 * from the response body, which this middleware keeps before the SDK parses it.
 */
import { Readable } from "node:stream";

interface Command {
  middlewareStack: { addRelativeTo(middleware: unknown, options: { relation: "after"; toMiddleware: string; name: string }): void };
}

/** Send `command` (by `send`), and return its parsed output and the JSON body as the server sent it. */
export async function sendKeepingBody<O>(command: Command, send: () => Promise<O>): Promise<{ output: O; body: Record<string, unknown> }> {
  let body: Record<string, unknown> = {};
  command.middlewareStack.addRelativeTo(
    (next: (args: unknown) => Promise<{ response: { body: Readable } }>) => async (args: unknown) => {
      const result = await next(args);
      const chunks: Buffer[] = [];
      for await (const chunk of result.response.body) chunks.push(Buffer.from(chunk as Buffer));
      const bytes = Buffer.concat(chunks);
      body = bytes.length ? (JSON.parse(bytes.toString("utf8")) as Record<string, unknown>) : {};
      result.response.body = Readable.from([bytes]);
      return result;
    },
    { relation: "after", toMiddleware: "deserializerMiddleware", name: "keepBody" },
  );
  const output = await send();
  return { output, body };
}
