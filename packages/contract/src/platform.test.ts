import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfigTexts } from "./config-files.js";
import { computeContract } from "./contract-env.js";
import { contractForBaseDir } from "./contract-env.js";
import { clusterLayout, configFilesFor, writeJobLayout, type JobDescription } from "./platform.js";

const host = { numCpus: 2, numGpus: 0, numNeurons: 0, smddprunInstalled: false, smddpmprunInstalled: false };

function contractOf(job: JobDescription, current: string, env: Record<string, string> = {}) {
  const files = configFilesFor(job, current);
  const config = parseConfigTexts({
    hyperparameters: files["hyperparameters.json"],
    inputDataConfig: files["inputdataconfig.json"],
    resourceConfig: files["resourceconfig.json"],
  });
  return computeContract(config, { baseDir: "/opt/ml", env, host });
}

describe("clusterLayout", () => {
  it("numbers hosts algo-1..N and lists them lexicographically", () => {
    const layout = clusterLayout({ instanceType: "ml.m5.xlarge", instanceCount: 12 });
    expect(layout.hosts.slice(0, 4)).toEqual(["algo-1", "algo-10", "algo-11", "algo-12"]);
    expect(layout.hosts).toHaveLength(12);
    expect(layout.groups).toEqual([{ name: "homogeneousCluster", instanceType: "ml.m5.xlarge", hosts: layout.hosts }]);
  });

  it("gives instance groups consecutive hosts in group order", () => {
    const layout = clusterLayout({
      instanceGroups: [
        { name: "gpus", instanceType: "ml.p4d.24xlarge", instanceCount: 2 },
        { name: "cpus", instanceType: "ml.c5.xlarge", instanceCount: 1 },
      ],
    });
    expect(layout.groups.map((g) => [g.name, g.hosts])).toEqual([
      ["gpus", ["algo-1", "algo-2"]],
      ["cpus", ["algo-3"]],
    ]);
  });

  it("refuses counts below one, repeated groups and mixed shapes", () => {
    expect(() => clusterLayout({ instanceType: "ml.m5.large", instanceCount: 0 })).toThrow(/instanceCount must be a whole number >= 1, got 0/);
    expect(() =>
      clusterLayout({
        instanceGroups: [
          { name: "a", instanceType: "ml.m5.large", instanceCount: 1 },
          { name: "a", instanceType: "ml.m5.large", instanceCount: 1 },
        ],
      }),
    ).toThrow(/repeats the group name "a"/);
    expect(() =>
      clusterLayout({ instanceCount: 2, instanceGroups: [{ name: "a", instanceType: "ml.m5.large", instanceCount: 1 }] }),
    ).toThrow(/cannot be combined/);
  });
});

describe("configFilesFor", () => {
  it("writes resourceconfig.json in the shape SageMaker writes", () => {
    const files = configFilesFor({ instanceType: "ml.m5.xlarge", instanceCount: 2 }, "algo-2");
    expect(JSON.parse(files["resourceconfig.json"])).toEqual({
      current_host: "algo-2",
      current_instance_type: "ml.m5.xlarge",
      current_group_name: "homogeneousCluster",
      hosts: ["algo-1", "algo-2"],
      instance_groups: [{ instance_group_name: "homogeneousCluster", instance_type: "ml.m5.xlarge", hosts: ["algo-1", "algo-2"] }],
      network_interface_name: "eth0",
    });
  });

  it("writes inputdataconfig.json with ContentType only when given", () => {
    const files = configFilesFor(
      {
        channels: [
          { name: "train", contentType: "text/csv" },
          { name: "pipe", inputMode: "Pipe", s3DistributionType: "ShardedByS3Key", recordWrapperType: "RecordIO" },
        ],
      },
      "algo-1",
    );
    expect(files["inputdataconfig.json"]).toBe(
      '{"train":{"ContentType":"text/csv","TrainingInputMode":"File","S3DistributionType":"FullyReplicated","RecordWrapperType":"None"},' +
        '"pipe":{"TrainingInputMode":"Pipe","S3DistributionType":"ShardedByS3Key","RecordWrapperType":"RecordIO"}}',
    );
  });

  it("refuses a host outside the cluster and bad or repeated channel names", () => {
    expect(() => configFilesFor({ instanceCount: 2 }, "algo-3")).toThrow(/"algo-3" is not one of the job's hosts \(algo-1, algo-2\)/);
    expect(() => configFilesFor({ channels: [{ name: "a b" }] }, "algo-1")).toThrow(/channels\[0\]\.name "a b" is not a valid channel name/);
    expect(() => configFilesFor({ channels: [{ name: "a" }, { name: "a" }] }, "algo-1")).toThrow(/repeats the channel name "a"/);
  });
});

describe("round trip: platform writes, contract reads", () => {
  it("gives a homogeneous multi-host job the variables distributed code relies on", () => {
    const job: JobDescription = {
      hyperparameters: { epochs: "3", optimizer: '"adam"', sagemaker_program: '"train.py"' },
      channels: [{ name: "train", contentType: "text/csv" }, { name: "validation" }],
      instanceType: "ml.m5.xlarge",
      instanceCount: 3,
    };
    const c = contractOf(job, "algo-2", { TRAINING_JOB_NAME: "rt-job" });
    expect(c.envVars.SM_HOSTS).toBe('["algo-1","algo-2","algo-3"]');
    expect(c.envVars.SM_CURRENT_HOST).toBe("algo-2");
    expect(c.envVars.SM_CURRENT_INSTANCE_TYPE).toBe("ml.m5.xlarge");
    expect(c.envVars.SM_CURRENT_INSTANCE_GROUP_HOSTS).toBe('["algo-1","algo-2","algo-3"]');
    expect(c.envVars.SM_INSTANCE_GROUPS).toBe('["homogeneousCluster"]');
    expect(c.envVars.SM_IS_HETERO).toBe("false");
    expect(c.envVars.SM_CHANNELS).toBe('["train","validation"]');
    expect(c.envVars.SM_CHANNEL_VALIDATION).toBe("/opt/ml/input/data/validation");
    expect(c.envVars.SM_HP_EPOCHS).toBe("3");
    expect(c.envVars.SM_USER_ENTRY_POINT).toBe("train.py");
    expect(c.cmdArgs).toEqual(["--epochs", "3", "--optimizer", "adam"]);
    const te = c.trainingEnvironment;
    expect([te.masterHostname, te.isMaster, te.jobName]).toEqual(["algo-1", false, "rt-job"]);
  });

  it("gives a heterogeneous job its group and distribution hosts", () => {
    const job: JobDescription = {
      hyperparameters: { sagemaker_distribution_instance_groups: '["gpus"]', sagemaker_mpi_enabled: "true" },
      channels: [{ name: "training", contentType: "text/csv" }],
      instanceGroups: [
        { name: "gpus", instanceType: "ml.p4d.24xlarge", instanceCount: 2 },
        { name: "cpus", instanceType: "ml.c5.xlarge", instanceCount: 1 },
      ],
      networkInterfaceName: "eth1",
    };
    const c = contractOf(job, "algo-3");
    expect(c.envVars.SM_CURRENT_INSTANCE_GROUP).toBe("cpus");
    expect(c.envVars.SM_CURRENT_INSTANCE_GROUP_HOSTS).toBe('["algo-3"]');
    expect(c.envVars.SM_INSTANCE_GROUPS).toBe('["gpus","cpus"]');
    expect(c.envVars.SM_IS_HETERO).toBe("true");
    expect(c.envVars.SM_DISTRIBUTION_INSTANCE_GROUPS).toBe('["gpus"]');
    expect(c.envVars.SM_NETWORK_INTERFACE_NAME).toBe("eth1");
    expect(c.trainingEnvironment.distributionHosts).toEqual(["algo-1", "algo-2"]);
    expect(c.trainingEnvironment.masterHostname).toBe("algo-1");
  });

  it("lays out a base dir that the reader side reads", () => {
    const base = mkdtempSync(join(tmpdir(), "optml-layout-"));
    try {
      const channels = [{ name: "train" }, { name: "stream", inputMode: "Pipe" as const }];
      writeJobLayout(base, configFilesFor({ channels, hyperparameters: { lr: "0.1" } }, "algo-1"), channels);
      expect(readdirSync(join(base, "input", "data"))).toEqual(["train"]);
      for (const d of ["code", "model", "output/data", "output/intermediate"]) expect(statSync(join(base, d)).isDirectory()).toBe(true);
      const c = contractForBaseDir(base, {}, host);
      expect(c.envVars.SM_HP_LR).toBe("0.1");
      expect(c.envVars.SM_CHANNEL_STREAM).toBe(join(base, "input/data/stream"));
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});
