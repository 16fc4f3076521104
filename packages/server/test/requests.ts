import type { CreateTrainingJobRequest } from "../src/sagemaker/request.js";

/** A script-mode CreateTrainingJob request as the SageMaker Python SDK sends it, on local paths. */
export function scriptModeRequest(options: {
  name: string;
  codeDir: string;
  program: string;
  outputDir: string;
  channels?: Record<string, string>;
  hyperparameters?: Record<string, string>;
  maxRuntimeSeconds?: number;
  metricDefinitions?: { Name: string; Regex: string }[];
  environment?: Record<string, string>;
  compression?: "GZIP" | "NONE";
}): CreateTrainingJobRequest {
  return {
    TrainingJobName: options.name,
    HyperParameters: {
      sagemaker_program: JSON.stringify(options.program),
      sagemaker_submit_directory: JSON.stringify(`file://${options.codeDir}`),
      sagemaker_container_log_level: "20",
      sagemaker_job_name: JSON.stringify(options.name),
      sagemaker_region: '"us-east-1"',
      ...options.hyperparameters,
    },
    AlgorithmSpecification: {
      TrainingImage: "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.1-cpu-py310",
      TrainingInputMode: "File",
      ...(options.metricDefinitions ? { MetricDefinitions: options.metricDefinitions } : {}),
      EnableSageMakerMetricsTimeSeries: true,
    },
    RoleArn: "arn:aws:iam::123456789012:role/SageMakerRole",
    ...(options.channels
      ? {
          InputDataConfig: Object.entries(options.channels).map(([name, dir]) => ({
            ChannelName: name,
            DataSource: { S3DataSource: { S3DataType: "S3Prefix" as const, S3Uri: `file://${dir}`, S3DataDistributionType: "FullyReplicated" as const } },
            ContentType: "text/csv",
          })),
        }
      : {}),
    OutputDataConfig: { S3OutputPath: `file://${options.outputDir}`, ...(options.compression ? { CompressionType: options.compression } : {}) },
    ResourceConfig: { InstanceType: "ml.m5.large", InstanceCount: 1, VolumeSizeInGB: 30 },
    StoppingCondition: { MaxRuntimeInSeconds: options.maxRuntimeSeconds ?? 86400 },
    ...(options.environment ? { Environment: options.environment } : {}),
    DebugHookConfig: { S3OutputPath: `file://${options.outputDir}`, CollectionConfigurations: [] },
    ProfilerConfig: { S3OutputPath: `file://${options.outputDir}`, DisableProfiler: false },
  };
}
