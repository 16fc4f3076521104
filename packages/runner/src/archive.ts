/**
 * Unpacking a code archive (tar, usually gzip-compressed) into the code dir, safely: every entry is
 * checked before anything is written, and one with an absolute path, a `..` component, a path
 * through a link in the archive, or a link pointing outside the code dir refuses the whole archive.
 * Modes keep their permission bits only: setuid, setgid and sticky bits are dropped (an archive
 * unpacked as root would otherwise leave a setuid-root program in the code dir).
 */
import { posix } from "node:path";
import { permissionBits } from "./code-copy.js";
import { archiveEntryUnsafe, archiveUnreadable, RunnerError } from "./errors.js";

export interface ArchiveEntry {
  readonly path: string;
  /** node-tar's type name: File, Directory, SymbolicLink, Link, ... */
  readonly type: string;
  readonly linkpath?: string;
}

const REGULAR = new Set(["File", "OldFile", "ContiguousFile", "Directory", "SymbolicLink", "Link"]);

/**
 * Checks entries in archive order. `destination` is the absolute directory they go to; symbolic
 * links may point anywhere inside it.
 */
export class ArchiveEntryCheck {
  readonly #symlinks = new Set<string>();

  constructor(
    private readonly archive: string,
    private readonly destination: string,
  ) {}

  /** Throws a RunnerError when the entry is unsafe. */
  check(entry: ArchiveEntry): void {
    const refuse = (reason: string) => archiveEntryUnsafe(this.archive, entry.path, reason);
    if (!REGULAR.has(entry.type)) throw refuse(`it is a ${entry.type}, not a file, directory or link`);
    const relative = this.#relativePath(entry.path, refuse);
    if (entry.type === "SymbolicLink") {
      const target = entry.linkpath ?? "";
      const resolved = posix.resolve(this.destination, posix.dirname(relative), target);
      if (target === "" || !this.#inside(resolved)) {
        throw refuse(`it is a symbolic link to ${JSON.stringify(target)}, outside the code dir`);
      }
      this.#symlinks.add(relative);
    } else if (entry.type === "Link") {
      const target = entry.linkpath ?? "";
      this.#relativePath(target, (reason) => refuse(`it is a hard link to ${JSON.stringify(target)}, and that path ${reason}`));
    }
  }

  /** The entry's path, normalised and relative; refused when absolute, with `..`, or through a link. */
  #relativePath(path: string, refuse: (reason: string) => RunnerError): string {
    if (path === "") throw refuse("its name is empty");
    if (path.startsWith("/") || /^[A-Za-z]:[\\/]/.test(path)) throw refuse("its path is absolute");
    const parts = path.split("/");
    if (parts.includes("..")) throw refuse("its path has a '..' component");
    const relative = posix.normalize(path).replace(/\/+$/, "");
    const segments = relative.split("/");
    for (let i = 1; i < segments.length; i++) {
      const parent = segments.slice(0, i).join("/");
      if (this.#symlinks.has(parent)) throw refuse(`its path goes through the symbolic link ${JSON.stringify(parent)}`);
    }
    return relative;
  }

  #inside(resolved: string): boolean {
    return resolved === this.destination || resolved.startsWith(`${this.destination}/`);
  }
}

/** Check every entry of `file`, then extract it into `destination` (an existing directory). */
export async function extractArchive(file: string, destination: string, archiveName: string): Promise<void> {
  const tar = await import("tar");
  const checker = new ArchiveEntryCheck(archiveName, posix.resolve(destination));
  let unsafe: RunnerError | undefined;
  try {
    await tar.list({
      file,
      strict: true,
      onReadEntry: (entry) => {
        if (unsafe !== undefined || entry.meta) return;
        try {
          checker.check({ path: entry.path, type: entry.type, ...(entry.linkpath ? { linkpath: entry.linkpath } : {}) });
        } catch (e) {
          unsafe = e as RunnerError;
        }
      },
    });
  } catch (e) {
    throw archiveUnreadable(archiveName, (e as Error).message);
  }
  if (unsafe !== undefined) throw unsafe;
  try {
    // node-tar's own protections stay on (no absolute paths, no `..`, no writing through links).
    // onReadEntry runs before node-tar writes the entry, so the masked mode is the one it creates.
    await tar.extract({
      file,
      cwd: destination,
      strict: true,
      preservePaths: false,
      onReadEntry: (entry) => {
        if (typeof entry.mode === "number") entry.mode = permissionBits(entry.mode);
      },
    });
  } catch (e) {
    throw archiveUnreadable(archiveName, (e as Error).message);
  }
}

/** Whether the first bytes of a file are those of a gzip stream or a tar archive. */
export function looksLikeArchive(head: Buffer): boolean {
  const gzip = head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
  const ustar = head.length >= 262 && head.subarray(257, 262).toString("latin1") === "ustar";
  return gzip || ustar;
}
