/**
 * The members of a CreateTrainingJob request that the control plane acts on. The request as a
 * whole is stored and echoed as it came; validate.ts has already checked shapes and constraints.
 */
export interface S3DataSourceShape {
  S3DataType: "S3Prefix" | "ManifestFile" | "AugmentedManifestFile";
  S3Uri: string;
  S3DataDistributionType?: "FullyReplicated" | "ShardedByS3Key";
  AttributeNames?: string[];
  InstanceGroupNames?: string[];
}

export interface ChannelShape {
  ChannelName: string;
  DataSource: { S3DataSource?: S3DataSourceShape; FileSystemDataSource?: Record<string, unknown> };
  ContentType?: string;
  CompressionType?: "None" | "Gzip";
  RecordWrapperType?: "None" | "RecordIO";
  InputMode?: "Pipe" | "File" | "FastFile";
  ShuffleConfig?: { Seed: number };
}

export interface InstanceGroupShape {
  InstanceType: string;
  InstanceCount: number;
  InstanceGroupName: string;
}

export interface CreateTrainingJobRequest {
  TrainingJobName: string;
  HyperParameters?: Record<string, string>;
  AlgorithmSpecification: {
    TrainingImage?: string;
    AlgorithmName?: string;
    TrainingInputMode: "Pipe" | "File" | "FastFile";
    MetricDefinitions?: { Name: string; Regex: string }[];
    EnableSageMakerMetricsTimeSeries?: boolean;
    ContainerEntrypoint?: string[];
    ContainerArguments?: string[];
  };
  RoleArn: string;
  InputDataConfig?: ChannelShape[];
  OutputDataConfig: { S3OutputPath: string; KmsKeyId?: string; CompressionType?: "GZIP" | "NONE" };
  ResourceConfig: {
    InstanceType?: string;
    InstanceCount?: number;
    VolumeSizeInGB?: number;
    InstanceGroups?: InstanceGroupShape[];
    KeepAlivePeriodInSeconds?: number;
  };
  StoppingCondition: { MaxRuntimeInSeconds?: number; MaxWaitTimeInSeconds?: number; MaxPendingTimeInSeconds?: number };
  EnableNetworkIsolation?: boolean;
  Environment?: Record<string, string>;
  CheckpointConfig?: { S3Uri: string; LocalPath?: string };
  Tags?: { Key: string; Value: string }[];
  [member: string]: unknown;
}
