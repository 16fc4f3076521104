import { existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { Command } from "commander";
import { usageError } from "../cli-error.js";
import { scaffoldFiles } from "../init-templates.js";

interface InitOptions {
  force?: boolean;
}

/** The directory and version of an installed package, found from this CLI. */
function installedPackage(name: string): { dir: string; version: string } {
  let dir = dirname(fileURLToPath(import.meta.resolve(name)));
  while (!existsSync(join(dir, "package.json"))) dir = dirname(dir);
  const version = (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { version: string }).version;
  return { dir: realpathSync(dir), version };
}

/**
 * The @optml/contract the project depends on: this optml's own version from the registry, or,
 * when this optml runs from a source checkout (the package is not under node_modules), that
 * checkout's package by a file: path, so that jobs install it without a registry.
 */
export function contractSpec(): string {
  const { dir, version } = installedPackage("@optml/contract");
  return dir.split(sep).includes("node_modules") ? `^${version}` : `file:${dir}`;
}

function runnerVersion(): string {
  try {
    return installedPackage("@optml/runner").version;
  } catch {
    return installedPackage("@optml/contract").version;
  }
}

/** A name npm and image registries take: lower case letters, digits, '-', '.', '_'. */
export function projectName(dir: string): string {
  const name = basename(resolve(dir))
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/^[-._]+|[-._]+$/g, "");
  return name || "optml-project";
}

/** `optml init [DIR]`: scaffold a TypeScript training project. */
export function initCommand(): Command {
  return new Command("init")
    .summary("create a TypeScript training project")
    .description("create a TypeScript training project: src/train.ts using the typed reader, job.json, package.json, a Dockerfile and sample data")
    .argument("[dir]", "where to create it (default: the current directory)", ".")
    .option("--force", "overwrite files that are already there")
    .addHelpText(
      "after",
      `
Files: src/train.ts, src/package.json (depends on @optml/contract), job.json, data/train/data.csv,
Dockerfile (a SageMaker training image whose train is @optml/runner), .gitignore, README.md.

Examples:
  optml init my-model && cd my-model && optml train job.json
  optml init . --force`,
    )
    .action((dir: string, options: InitOptions) => {
      const root = resolve(dir);
      const files = scaffoldFiles({ name: projectName(root), contractSpec: contractSpec(), runnerVersion: runnerVersion() });
      const there = Object.keys(files).filter((f) => existsSync(join(root, f)));
      if (there.length && !options.force) {
        throw usageError(`${dir} already has ${there.join(", ")}: optml init writes only new files; pick another directory, or give --force to overwrite them`);
      }
      for (const [file, text] of Object.entries(files)) {
        mkdirSync(dirname(join(root, file)), { recursive: true });
        writeFileSync(join(root, file), text);
      }
      const shown = relative(process.cwd(), root) || ".";
      process.stdout.write(
        `Created ${shown}: ${Object.keys(files).join(", ")}\n` + `Next:\n  ${shown === "." ? "" : `cd ${shown} && `}optml train job.json\n`,
      );
    });
}
