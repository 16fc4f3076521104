import { copyFileSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { Command, Option } from "commander";
import { usageError } from "../cli-error.js";
import { IMAGE_PATTERNS, pythonScaffoldFiles, scaffoldFiles, vendoredPaths, type ImagePattern } from "../init-templates.js";
import { vendorTarballs } from "../vendor-tarballs.js";

interface InitOptions {
  force?: boolean;
  image: ImagePattern;
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
    .addOption(
      new Option("--image <pattern>", "the training image's pattern: runner (@optml/runner's train, TypeScript), toolkit (SageMaker's training toolkit, Python), byoc (a bare train executable, Python)")
        .choices([...IMAGE_PATTERNS])
        .default("runner"),
    )
    .addHelpText(
      "after",
      `
Files: src/train.ts, src/package.json (depends on @optml/contract), job.json, data/train/data.csv,
Dockerfile (a SageMaker training image whose train is @optml/runner), .gitignore, README.md, and
the tarballs of @optml/contract (src/vendor/) and @optml/runner (vendor/), which are not on the
npm registry.
--image toolkit: src/train.py, job.json, data/train/data.csv, a Dockerfile extending python:3.11-slim
with SageMaker's training toolkit (pip install sagemaker-training), .gitignore, README.md.
--image byoc: the same with a bare \`train\` executable (./train) as the image's train.

Examples:
  optml init my-model && cd my-model && optml train job.json
  optml init my-model --image toolkit && cd my-model && docker build -t my-model . && optml train job.json --executor docker
  optml init . --force`,
    )
    .action(async (dir: string, options: InitOptions) => {
      const root = resolve(dir);
      if (options.image !== "runner") {
        write(root, dir, pythonScaffoldFiles({ name: projectName(root) }, options.image), {}, options.force);
        return;
      }
      const tarballs = await vendorTarballs();
      try {
        const input = { name: projectName(root), contractTarball: basename(tarballs.contract), runnerTarball: basename(tarballs.runner) };
        const vendored = vendoredPaths(input);
        write(root, dir, scaffoldFiles(input), { [vendored.contract]: tarballs.contract, [vendored.runner]: tarballs.runner }, options.force);
      } finally {
        tarballs.dispose();
      }
    });
}

/** Write the project's files and copies, refusing to overwrite any without --force; say what was made. */
function write(root: string, dir: string, files: Record<string, string>, copies: Record<string, string>, force: boolean | undefined): void {
  const written = [...Object.keys(files), ...Object.keys(copies)];
  const there = written.filter((f) => existsSync(join(root, f)));
  if (there.length && !force) {
    throw usageError(`${dir} already has ${there.join(", ")}: optml init writes only new files; pick another directory, or give --force to overwrite them`);
  }
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    // The BYOC image's `train` is an executable.
    writeFileSync(join(root, file), text, file === "train" ? { mode: 0o755 } : {});
  }
  for (const [file, from] of Object.entries(copies)) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    copyFileSync(from, join(root, file));
  }
  const shown = relative(process.cwd(), root) || ".";
  process.stdout.write(`Created ${shown}: ${written.join(", ")}\n` + `Next:\n  ${shown === "." ? "" : `cd ${shown} && `}optml train job.json\n`);
}
