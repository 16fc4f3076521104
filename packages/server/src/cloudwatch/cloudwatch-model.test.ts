import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { invalidNextToken, invalidParameterCombination, invalidParameterValue, missingParameter } from "../protocol/errors.js";
import type { Store } from "../store/index.js";
import { CLOUDWATCH_MODEL } from "./cloudwatch-model.generated.js";
import { cloudwatchService } from "./handlers.js";

const ROOT = join(import.meta.dirname, "..", "..", "..", "..");
const GENERATED = join(import.meta.dirname, "cloudwatch-model.generated.ts");

function python(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync("python3", args, { cwd: ROOT, encoding: "utf8" });
  if (r.error) throw new Error(`python3 with botocore is needed to regenerate the CloudWatch model: ${r.error.message} (apt-get install python3 python3-botocore)`);
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("the generated CloudWatch model", () => {
  it("is what scripts/gen-cloudwatch-model.py writes from this machine's botocore, when it is the same release", (context) => {
    const committed = readFileSync(GENERATED, "utf8");
    const probe = python(["-c", "import botocore; print(botocore.__version__)"]);
    if (probe.code !== 0) throw new Error(`this machine's python3 has no botocore (apt-get install python3-botocore): ${probe.stderr.trim()}`);
    const version = probe.stdout.trim();
    if (version !== CLOUDWATCH_MODEL.botocoreVersion) {
      context.skip(
        `this machine has botocore ${version}, the committed model is from botocore ${CLOUDWATCH_MODEL.botocoreVersion}: ` +
          "regenerate with python3 scripts/gen-cloudwatch-model.py and review the difference",
      );
    }
    const r = python(["scripts/gen-cloudwatch-model.py", "--stdout"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(committed);
  });

  it("holds every operation the handlers serve, with the protocols CloudWatch's clients speak", () => {
    expect(Object.keys(CLOUDWATCH_MODEL.operations).sort()).toEqual(Object.keys(cloudwatchService({ store: {} as Store }).handlers).sort());
    expect(CLOUDWATCH_MODEL).toMatchObject({ targetPrefix: "GraniteServiceVersion20100801", signingName: "monitoring", apiVersion: "2010-08-01", awsQueryCompatible: true });
    expect([...CLOUDWATCH_MODEL.protocols].sort()).toEqual(["json", "query", "smithy-rpc-v2-cbor"]);
    expect(CLOUDWATCH_MODEL.errors.InvalidParameterValueException).toEqual({ code: "InvalidParameterValue", status: 400, sender: true });
  });

  it("gives the errors of the catalogue the codes, statuses and faults the model states", () => {
    for (const e of [invalidParameterValue("m"), invalidParameterCombination("m"), missingParameter("P"), invalidNextToken()]) {
      const stated = CLOUDWATCH_MODEL.errors[e.code];
      expect(stated, e.code).toBeDefined();
      expect([e.queryCode, e.statusCode, e.fault]).toEqual([stated!.code, stated!.status, stated!.sender ? "Sender" : "Receiver"]);
    }
  });
});
