/**
 * Where an object lands under a local directory (a channel's, a checkpoint dir): its key after
 * the prefix that selected it, as SageMaker (and the SageMaker Python SDK's local mode) lay
 * objects out. Keys that would land outside the directory are refused, and so are two objects
 * whose paths would need one to be a file and a directory at once.
 */
import { collidingObjects, unsafeObjectPath, type DataError } from "./errors.js";

/**
 * The path of `key` relative to the directory that the prefix `prefix` fills: the key with the
 * prefix taken off (and the one '/' that separates them), or the key's last segment when the
 * prefix names the object itself. Undefined for a "folder" marker (a key ending in '/').
 */
export function relativePathOfKey(prefix: string, key: string): string | undefined {
  if (!key.startsWith(prefix)) throw new Error(`key "${key}" is not under prefix "${prefix}"`);
  if (key.endsWith("/")) return undefined;
  let rest = key.slice(prefix.length);
  if (rest === "") return key.slice(key.lastIndexOf("/") + 1);
  if (!prefix.endsWith("/") && prefix !== "" && rest.startsWith("/")) rest = rest.slice(1);
  return rest;
}

/** Why `relative` cannot be written under a directory, or undefined when it can. */
export function unsafeRelativePath(relative: string): string | undefined {
  if (relative === "") return "its path is empty";
  if (relative.startsWith("/")) return "its path is absolute";
  if (relative.split("/").includes("..")) return "its path has a '..' component";
  if (relative.includes("\0")) return "its path has a NUL character";
  return undefined;
}

/** `a//b/./c` -> `a/b/c`: the path the file system would use (call after unsafeRelativePath). */
export function normalizeRelativePath(relative: string): string {
  return relative
    .split("/")
    .filter((s) => s !== "" && s !== ".")
    .join("/");
}

/**
 * The checked, normalized relative path of an object, or the DataError that refuses it.
 * `uri` names the object in messages; `where` names the directory ("the channel directory").
 */
export function safeRelativePath(relative: string, uri: string, where: string): string | DataError {
  const why = unsafeRelativePath(relative);
  if (why) return unsafeObjectPath(uri, where, why);
  const normalized = normalizeRelativePath(relative);
  if (normalized === "") return unsafeObjectPath(uri, where, "its path names the directory itself");
  return normalized;
}

/**
 * The first collision among files to be written at these relative paths (a path that is also
 * another's directory), or undefined. Duplicates are not collisions: they are the same file.
 */
export function findCollision(entries: readonly { readonly path: string; readonly uri: string }[], where: string): DataError | undefined {
  const files = new Map<string, string>();
  for (const e of entries) files.set(e.path, e.uri);
  for (const e of entries) {
    for (let at = e.path.indexOf("/"); at >= 0; at = e.path.indexOf("/", at + 1)) {
      const dir = e.path.slice(0, at);
      const other = files.get(dir);
      if (other !== undefined) return collidingObjects(other, e.uri, where);
    }
  }
  return undefined;
}
