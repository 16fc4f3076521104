/**
 * Cases through SageMaker's toolkit itself (reference-toolkit.py), for local runs of the fuzz
 * test where the toolkit is installed: never in CI.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import type { ContractCase } from "./config-generator.js";

export type ReferenceOutcome = { env: Record<string, string>; args: string[] } | { error: string };

/** `toolkitSrc`: the directory holding the `sagemaker_training` package; `python`: an interpreter with its dependencies. */
export function referenceOutcomes(toolkitSrc: string, python: string, cases: readonly ContractCase[]): ReferenceOutcome[] {
  const result = spawnSync(python, [join(import.meta.dirname, "reference-toolkit.py"), toolkitSrc], {
    input: JSON.stringify(cases),
    encoding: "utf8",
    maxBuffer: 1 << 30,
  });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    throw new Error(
      `${python} could not run SageMaker's toolkit from ${toolkitSrc} (it needs boto3, six and the toolkit's source): ${result.stderr}`,
    );
  }
  return JSON.parse(result.stdout) as ReferenceOutcome[];
}
