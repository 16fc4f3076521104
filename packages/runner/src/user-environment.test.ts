import { describe, expect, it } from "vitest";
import { platformValue, userEnvironment } from "./user-environment.js";

const hps = (entries: [string, unknown][]) => new Map(entries) as Map<string, never>;

describe("userEnvironment", () => {
  it("adds the contract, job name, host, region and PYTHONPATH to the process environment", () => {
    const env = userEnvironment({
      processEnv: { PATH: "/bin", PYTHONPATH: "/lib/py", AWS_REGION: "eu-west-1", SM_HP_OLD: "stale", UNSET: undefined },
      contractVars: { SM_HP_OLD: "fresh", SM_CURRENT_HOST: "algo-1" },
      currentHost: "algo-1",
      hyperparameters: hps([["sagemaker_job_name", "job-1"], ["sagemaker_region", "us-west-2"]]),
      codeDir: "/opt/ml/code",
    });
    expect(env).toEqual({
      PATH: "/bin",
      PYTHONPATH: "/opt/ml/code:/lib/py",
      AWS_REGION: "eu-west-1",
      SM_HP_OLD: "fresh",
      SM_CURRENT_HOST: "algo-1",
      SAGEMAKER_JOB_NAME: "job-1",
      CURRENT_HOST: "algo-1",
      SAGEMAKER_REGION: "us-west-2",
      PYTHONUNBUFFERED: "1",
    });
  });

  it("falls back to the AWS region variables, then to empty strings", () => {
    const base = { contractVars: {}, currentHost: "algo-2", hyperparameters: hps([]), codeDir: "/c" };
    expect(userEnvironment({ ...base, processEnv: { AWS_DEFAULT_REGION: "ap-south-1" } }).SAGEMAKER_REGION).toBe("ap-south-1");
    const bare = userEnvironment({ ...base, processEnv: { PYTHONUNBUFFERED: "" } });
    expect(bare.SAGEMAKER_REGION).toBe("");
    expect(bare.SAGEMAKER_JOB_NAME).toBe("");
    expect(bare.PYTHONPATH).toBe("/c");
    expect(bare.PYTHONUNBUFFERED).toBe("");
  });

  it("renders non-string platform values as Python str()", () => {
    expect(platformValue(hps([["sagemaker_job_name", 12n]]), "sagemaker_job_name")).toBe("12");
    expect(platformValue(hps([["sagemaker_job_name", null]]), "sagemaker_job_name")).toBeUndefined();
  });
});
