/**
 * What the SageMaker Python SDK's `Estimator.attach(job_name)` (v2: `EstimatorBase._attach`,
 * `_prepare_init_params_from_job_description`, `Framework`'s override, `_TrainingJob.wait`,
 * `model_data`) reads from DescribeTrainingJob and ListTags, replayed with boto3 from the machine's
 * python3 against a job created with only the members CreateTrainingJob requires. Each lookup is
 * the SDK's own: a `[...]` is one the SDK does unconditionally (a KeyError there is the failure
 * this test guards against), a `.get` one it does leniently.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { credentials, startHarness, type Harness } from "./harness.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.close());

function python(script: string, args: string[], env: Record<string, string | undefined>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile("python3", ["-c", script, ...args], { encoding: "utf8", env, timeout: 90_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const ATTACH_PY = `
import json, sys, time, boto3
name, code_dir, output_dir = sys.argv[1:4]
sm = boto3.client("sagemaker")
# Only what CreateTrainingJob requires, plus the script-mode hyperparameters the SDK's Framework sends.
sm.create_training_job(
    TrainingJobName=name,
    HyperParameters={
        "sagemaker_program": json.dumps("train.py"),
        "sagemaker_submit_directory": json.dumps("file://" + code_dir),
        "sagemaker_container_log_level": "20",
        "epochs": "2",
    },
    AlgorithmSpecification={"TrainingImage": "763104351884.dkr.ecr.us-west-2.amazonaws.com/pytorch-training:2.1-cpu-py310", "TrainingInputMode": "File"},
    RoleArn="arn:aws:iam::123456789012:role/SageMakerRole",
    OutputDataConfig={"S3OutputPath": "file://" + output_dir},
    ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1},
    StoppingCondition={},
    Tags=[{"Key": "project", "Value": "attach"}],
)

# _TrainingJob.wait -> Session.wait_for_job -> _train_done, secondary_training_status_message, _check_job_status
desc = None
while True:
    desc = sm.describe_training_job(TrainingJobName=name)
    last = desc["SecondaryStatusTransitions"][-1]
    message = "{} {} - {}".format(desc["LastModifiedTime"].isoformat(), last["Status"], last["StatusMessage"])
    if desc["TrainingJobStatus"] not in ("InProgress", "Created"):
        break
    time.sleep(0.2)
assert desc["TrainingJobStatus"] == "Completed", desc.get("FailureReason", "(No reason provided)")

# EstimatorBase._attach
job_details = sm.describe_training_job(TrainingJobName=name)
# EstimatorBase._prepare_init_params_from_job_description
init = {}
init["role"] = job_details["RoleArn"]
init["instance_count"] = job_details["ResourceConfig"]["InstanceCount"]
init["instance_type"] = job_details["ResourceConfig"]["InstanceType"]
init["volume_size"] = job_details["ResourceConfig"]["VolumeSizeInGB"]
init["max_run"] = job_details["StoppingCondition"]["MaxRuntimeInSeconds"]
init["input_mode"] = job_details["AlgorithmSpecification"]["TrainingInputMode"]
init["base_job_name"] = job_details["TrainingJobName"]
init["output_path"] = job_details["OutputDataConfig"]["S3OutputPath"]
init["output_kms_key"] = job_details["OutputDataConfig"]["KmsKeyId"]
if "EnableNetworkIsolation" in job_details:
    init["enable_network_isolation"] = job_details["EnableNetworkIsolation"]
init["hyperparameters"] = job_details["HyperParameters"] if "HyperParameters" in job_details else {}
if "AlgorithmName" in job_details["AlgorithmSpecification"]:
    init["algorithm_arn"] = job_details["AlgorithmSpecification"]["AlgorithmName"]
elif "TrainingImage" in job_details["AlgorithmSpecification"]:
    init["image_uri"] = job_details["AlgorithmSpecification"]["TrainingImage"]
else:
    raise RuntimeError("Invalid AlgorithmSpecification. Either TrainingImage or AlgorithmName is expected. None was found.")
if "EnableInterContainerTrafficEncryption" in job_details:
    init["encrypt_inter_container_traffic"] = job_details["EnableInterContainerTrafficEncryption"]
vpc = job_details.get("VpcConfig")
if job_details.get("EnableManagedSpotTraining", False):
    init["use_spot_instances"] = True
if job_details.get("RetryStrategy", False):
    init["max_retry_attempts"] = job_details.get("RetryStrategy", {}).get("MaximumRetryAttempts")
# Framework._prepare_init_params_from_job_description
hps = init["hyperparameters"]
init["entry_point"] = json.loads(hps.get("sagemaker_program"))
init["source_dir"] = json.loads(hps.get("sagemaker_submit_directory"))
init["container_log_level"] = json.loads(hps.get("sagemaker_container_log_level"))
init["hyperparameters"] = {k: json.loads(v) for k, v in hps.items()}
# back in _attach
init["tags"] = sm.list_tags(ResourceArn=job_details["TrainingJobArn"])["Tags"]
# EstimatorBase.model_data
model_uri = job_details["ModelArtifacts"]["S3ModelArtifacts"]
compression = job_details.get("OutputDataConfig", {}).get("CompressionType", "GZIP")
# enable_default_profiling / disable_profiling look at ProfilingStatus
profiling = job_details.get("ProfilingStatus")
print(json.dumps({"init": init, "model_uri": model_uri, "compression": compression, "profiling": profiling,
                  "arn": job_details["TrainingJobArn"], "last_message": message}))
`;

describe("the SageMaker Python SDK's Estimator.attach, replayed with boto3", () => {
  it("finds every member it reads in the description of a job created with only the required members", async () => {
    const code = h.code({ "train.py": "import os\nopen(os.path.join(os.environ['SM_MODEL_DIR'], 'm.txt'), 'w').write('ok')\n" });
    const out = h.output();
    const r = await python(ATTACH_PY, ["attach-1", code, out], {
      PATH: process.env.PATH,
      HOME: h.root,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_DEFAULT_REGION: "us-west-2",
      AWS_ENDPOINT_URL_SAGEMAKER: h.server.endpoint,
    });
    if (r.code !== 0 && /No module named 'boto3'/.test(r.stderr)) {
      throw new Error("this test needs boto3 in the machine's python3: apt-get install python3-boto3 (or pip install boto3)");
    }
    expect(r.stderr).toBe("");
    const result = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(result.arn).toBe("arn:aws:sagemaker:us-west-2:000000000000:training-job/attach-1");
    expect(result.init).toEqual({
      role: "arn:aws:iam::123456789012:role/SageMakerRole",
      instance_count: 1,
      instance_type: "ml.m5.large",
      volume_size: 30,
      max_run: 86400,
      input_mode: "File",
      base_job_name: "attach-1",
      output_path: `file://${out}`,
      output_kms_key: "",
      enable_network_isolation: false,
      hyperparameters: { sagemaker_program: "train.py", sagemaker_submit_directory: `file://${code}`, sagemaker_container_log_level: 20, epochs: 2 },
      image_uri: "763104351884.dkr.ecr.us-west-2.amazonaws.com/pytorch-training:2.1-cpu-py310",
      encrypt_inter_container_traffic: false,
      entry_point: "train.py",
      source_dir: `file://${code}`,
      container_log_level: 20,
      tags: [{ Key: "project", Value: "attach" }],
    });
    expect(result.model_uri).toBe(`file://${join(out, "attach-1", "output", "model.tar.gz")}`);
    expect([result.compression, result.profiling]).toEqual(["GZIP", "Disabled"]);
    expect(result.last_message).toMatch(/ Completed - /);
  });
});
