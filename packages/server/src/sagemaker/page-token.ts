/**
 * The NextToken of the list operations: an opaque token holding the offset of the next page. A
 * token that no response gave is refused with AWS's wording.
 */
import { validationErrors } from "../protocol/errors.js";

export function encodePageToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset })).toString("base64url");
}

/** The offset a NextToken stands for; 0 without one. */
export function decodePageToken(token: unknown): number {
  if (typeof token !== "string") return 0;
  try {
    const { offset } = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { offset: unknown };
    if (Number.isInteger(offset) && (offset as number) >= 0) return offset as number;
  } catch {
    // fall through
  }
  throw validationErrors([`Value '${token}' at 'nextToken' failed to satisfy constraint: Member must be a token from a previous response`]);
}
