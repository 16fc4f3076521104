/**
 * Code acquisition: put the job's code (`sagemaker_submit_directory`) into `<base>/code`.
 * The source is `s3://bucket/key.tar.gz`, a local archive, a local directory, a single local file
 * (a plain path or a `file://` URI), or absent (the code is already in `<base>/code`). As in the
 * reference, the code dir is filled only when it is empty. A local directory is copied without what
 * code-copy.ts leaves out (.git, .venv, node_modules, ..., and what its .optmlignore lists).
 */
import { cp, mkdir, mkdtemp, open, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { ProcessEnv } from "@optml/contract";
import { byteSize, CODE_IGNORE_FILE, codeFilter, copyCode, DEFAULT_CODE_EXCLUDES, dropSpecialModeBits, largeCodeWarning, measureCode } from "./code-copy.js";
import { submitDirectoryNotFound, submitDirectoryUnsupported } from "./errors.js";
import type { Log } from "./log.js";
import { parseS3Uri, type S3Location } from "./s3-location.js";

export type CodeSource =
  | { readonly kind: "code-dir" }
  | { readonly kind: "s3"; readonly uri: string; readonly location: S3Location }
  | { readonly kind: "local"; readonly path: string };

/** Where the code comes from. Pure; throws a RunnerError for an unsupported URI. */
export function codeSource(submitDirectory: string | undefined, codeDir: string): CodeSource {
  if (submitDirectory === undefined) return { kind: "code-dir" };
  if (submitDirectory.startsWith("s3://")) {
    const location = parseS3Uri(submitDirectory);
    if (location === undefined) throw submitDirectoryUnsupported(submitDirectory);
    return { kind: "s3", uri: submitDirectory, location };
  }
  let path = submitDirectory;
  if (submitDirectory.startsWith("file:")) {
    try {
      path = fileURLToPath(submitDirectory);
    } catch {
      throw submitDirectoryUnsupported(submitDirectory);
    }
  } else if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(submitDirectory)) {
    throw submitDirectoryUnsupported(submitDirectory);
  }
  return resolve(path) === resolve(codeDir) ? { kind: "code-dir" } : { kind: "local", path };
}

export interface AcquireCodeOptions {
  readonly submitDirectory: string | undefined;
  readonly codeDir: string;
  readonly env: ProcessEnv;
  /** The job's region (`sagemaker_region`), for S3 when the environment names none. */
  readonly region: string | undefined;
  readonly log: Log;
  readonly signal: AbortSignal;
}

export async function acquireCode(options: AcquireCodeOptions): Promise<void> {
  const { codeDir, log } = options;
  const source = codeSource(options.submitDirectory, codeDir);
  await mkdir(codeDir, { recursive: true });
  if (source.kind === "code-dir") return;
  const from = source.kind === "s3" ? source.uri : source.path;
  if ((await readdir(codeDir)).length > 0) {
    log(`${codeDir} is not empty: using the code already there, not ${from}`);
    return;
  }
  // Archive and S3 support load only when needed: most jobs start faster without them.
  const { extractArchive, looksLikeArchive } = await import("./archive.js");
  if (source.kind === "s3") {
    const { downloadS3Object, s3ClientConfig } = await import("./s3.js");
    const scratch = await mkdtemp(join(tmpdir(), "optml-code-"));
    try {
      const archive = join(scratch, "sourcedir.tar.gz");
      log(`downloading ${source.uri}`);
      const config = s3ClientConfig(options.env, options.region);
      await downloadS3Object(source.uri, source.location, archive, config, options.signal);
      log(`unpacking ${source.uri} into ${codeDir}`);
      await extractArchive(archive, codeDir, source.uri);
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
    return;
  }
  const info = await stat(source.path).catch(() => undefined);
  if (info === undefined) throw submitDirectoryNotFound(options.submitDirectory!);
  if (info.isDirectory()) {
    const filter = await codeFilter(source.path);
    const size = await measureCode(source.path, filter);
    const warning = largeCodeWarning(source.path, size);
    if (warning) log(`warning: ${warning}`);
    log(`copying ${source.path} into ${codeDir}: ${size.files} file(s), ${byteSize(size.bytes)} (leaving out ${DEFAULT_CODE_EXCLUDES.join(", ")} and what ${CODE_IGNORE_FILE} lists)`);
    await copyCode(source.path, codeDir, filter);
  } else if (looksLikeArchive(await readHead(source.path))) {
    log(`unpacking ${source.path} into ${codeDir}`);
    await extractArchive(source.path, codeDir, source.path);
  } else {
    log(`copying ${source.path} into ${codeDir}`);
    const copy = join(codeDir, basename(source.path));
    await cp(source.path, copy, { preserveTimestamps: true });
    await dropSpecialModeBits(copy);
  }
}

async function readHead(file: string): Promise<Buffer> {
  const handle = await open(file, "r");
  try {
    const buffer = Buffer.alloc(512);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}
