/**
 * The JSON of the awsJson1_1 protocol in both directions: request bodies in (a JSON object, or
 * `{}` for an empty body) and response bodies out, with every `Date` written as epoch seconds.
 */
import { serializationException } from "./errors.js";

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Parses a request body into the operation's input object. An empty (or all-whitespace) body is
 * `{}`. Anything that is not a JSON object throws a SerializationException.
 */
export function parseRequestBody(body: Buffer): Record<string, unknown> {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    throw serializationException("The request body is not valid UTF-8.");
  }
  if (text.trim() === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw serializationException("The request body is not valid JSON.");
  }
  if (Array.isArray(value)) throw serializationException("Start of list found where not expected");
  if (value === null || typeof value !== "object") {
    throw serializationException("Expected a JSON object as the request body.");
  }
  return value as Record<string, unknown>;
}

/**
 * Serializes an operation's output. `Date` values anywhere in it (nested objects and arrays
 * included) become epoch seconds, a number with the milliseconds as a fraction
 * (`1700000000.123`); an invalid Date becomes null; a bigint becomes a number.
 * `undefined` or `null` output is `{}`.
 */
export function toWireJson(output: unknown): string {
  return JSON.stringify(output ?? {}, epochSecondsReplacer);
}

/** The JSON of an error response: `{"__type": code, "message": message}`. */
export function errorBody(code: string, message: string): string {
  return JSON.stringify({ __type: code, message });
}

/** Dates by their epoch seconds: epoch milliseconds / 1000, as AWS JSON protocols send them. */
export function epochSeconds(date: Date): number | null {
  const ms = date.getTime();
  return Number.isNaN(ms) ? null : ms / 1000;
}

// A function (not an arrow): JSON.stringify calls it with the holder as `this`, and the raw value
// must be read from the holder because Date.prototype.toJSON has already run on `value`.
function epochSecondsReplacer(this: unknown, key: string, value: unknown): unknown {
  const raw = (this as Record<string, unknown>)[key];
  if (raw instanceof Date) return epochSeconds(raw);
  if (typeof value === "bigint") return Number(value);
  return value;
}
