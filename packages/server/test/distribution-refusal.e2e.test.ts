/**
 * A job that asks for SageMaker's smdistributed libraries (data or model parallel), which exist
 * only on SageMaker, is refused at CreateTrainingJob with a ValidationException naming the local
 * equivalent, torch_distributed; the SDK's other distribution settings are accepted.
 */
import { CreateTrainingJobCommand, DescribeTrainingJobCommand, StopTrainingJobCommand } from "@aws-sdk/client-sagemaker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "./harness.js";
import { scriptModeRequest } from "./requests.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.close());

function request(name: string, hyperparameters: Record<string, string>) {
  return scriptModeRequest({ name, codeDir: h.code({ "train.py": "import time; time.sleep(30)\n" }), program: "train.py", outputDir: h.output(), hyperparameters });
}

describe("smdistributed at CreateTrainingJob", () => {
  it.each([
    ["data parallel", { sagemaker_distributed_dataparallel_enabled: "true", sagemaker_instance_type: '"ml.p4d.24xlarge"' }, "smdistributed data parallel (sagemaker_distributed_dataparallel_enabled)"],
    ["model parallel", { sagemaker_mpi_enabled: "true", mp_parameters: '{"partitions": 2}' }, "smdistributed model parallel (mp_parameters)"],
    ["model parallel v2", { sagemaker_torch_distributed_enabled: "true", mp_parameters: '{"tensor_parallel_degree": 2}' }, "smdistributed model parallel (mp_parameters)"],
  ])("refuses %s, naming torch_distributed as the local equivalent", async (_, hyperparameters, what) => {
    const name = `smd-${_.replaceAll(" ", "-")}`;
    const refused = h.sagemaker.send(new CreateTrainingJobCommand(request(name, hyperparameters) as never));
    await expect(refused).rejects.toMatchObject({ name: "ValidationException" });
    await expect(refused).rejects.toThrow(
      `HyperParameters: ${what} needs AWS's smdistributed libraries, which exist only on SageMaker; to run the same training here use torch_distributed`,
    );
    await expect(h.sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: name }))).rejects.toThrow("Requested resource not found.");
  });

  it("accepts torch_distributed, and dataparallel switched off", async () => {
    for (const [name, hyperparameters] of [
      ["smd-off", { sagemaker_distributed_dataparallel_enabled: "false" }],
      ["torchrun-on", { sagemaker_torch_distributed_enabled: "true" }],
    ] as const) {
      await h.sagemaker.send(new CreateTrainingJobCommand(request(name, hyperparameters) as never));
      await h.sagemaker.send(new StopTrainingJobCommand({ TrainingJobName: name }));
      await h.waitForEnd(name);
    }
  });
});
