/**
 * The @optml/contract and @optml/runner tarballs that `optml init` copies into a new project, so
 * that the project installs (npm, `docker build`) without a registry that has them and without a
 * path into the clone optml was built from.
 *
 * An installed optml (`npm run install-cli`) carries them in its package's vendor/ (put there by
 * scripts/pack.mjs). optml run from a source checkout packs them from the checkout.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { CliError } from "./cli-error.js";

export interface VendorTarballs {
  /** The @optml/contract tarball (the project's code depends on it). */
  readonly contract: string;
  /** The @optml/runner tarball (the Dockerfile installs it as the image's `train`). */
  readonly runner: string;
  /** Remove what was made for this call (nothing for an installed optml). */
  dispose(): void;
}

/** This CLI's package directory (dist/.. ). */
const CLI_PACKAGE_DIR = fileURLToPath(new URL("..", import.meta.url));

function findTarball(dir: string, prefix: string): string | undefined {
  if (!existsSync(dir)) return undefined;
  const found = readdirSync(dir).filter((f) => f.startsWith(prefix) && f.endsWith(".tgz")).sort();
  return found.length ? join(dir, found.at(-1)!) : undefined;
}

type PackAll = (out: string, log: (m: string) => void, only: string[]) => Record<string, string>;

export async function vendorTarballs(cliPackageDir: string = CLI_PACKAGE_DIR): Promise<VendorTarballs> {
  const vendor = join(cliPackageDir, "vendor");
  const contract = findTarball(vendor, "optml-contract-");
  const runner = findTarball(vendor, "optml-runner-");
  if (contract && runner) return { contract, runner, dispose: () => undefined };
  const packScript = join(cliPackageDir, "..", "..", "scripts", "pack.mjs");
  if (!existsSync(packScript)) {
    throw new CliError(
      `this optml (${cliPackageDir}) carries no @optml/contract and @optml/runner tarballs in vendor/: install it from a clone with 'npm ci && npm run install-cli'`,
    );
  }
  const out = mkdtempSync(join(tmpdir(), "optml-init-"));
  try {
    const { packAll } = (await import(pathToFileURL(packScript).href)) as { packAll: PackAll };
    const packed = packAll(out, () => undefined, ["@optml/runner"]);
    return { contract: packed["@optml/contract"]!, runner: packed["@optml/runner"]!, dispose: () => rmSync(out, { recursive: true, force: true }) };
  } catch (e) {
    rmSync(out, { recursive: true, force: true });
    throw new CliError(`cannot pack @optml/contract and @optml/runner from the checkout at ${join(cliPackageDir, "..", "..")} (${e instanceof Error ? e.message : String(e)}): run 'npm run build' there first`);
  }
}
