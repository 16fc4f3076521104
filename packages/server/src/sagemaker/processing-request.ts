/**
 * The members of a CreateProcessingJob request that the control plane acts on. The request as a
 * whole is stored and echoed as it came; processing-validate.ts has already checked shapes,
 * constraints and the rules between members.
 */
export interface ProcessingS3InputShape {
  S3Uri: string;
  LocalPath?: string;
  S3DataType: "S3Prefix" | "ManifestFile";
  S3InputMode?: "File" | "Pipe";
  S3DataDistributionType?: "FullyReplicated" | "ShardedByS3Key";
  S3CompressionType?: "None" | "Gzip";
}

export interface ProcessingInputShape {
  InputName: string;
  AppManaged?: boolean;
  S3Input?: ProcessingS3InputShape;
  DatasetDefinition?: Record<string, unknown>;
}

export interface ProcessingOutputShape {
  OutputName: string;
  AppManaged?: boolean;
  S3Output?: { S3Uri: string; LocalPath?: string; S3UploadMode: "EndOfJob" | "Continuous" };
  FeatureStoreOutput?: { FeatureGroupName: string };
}

export interface CreateProcessingJobRequest {
  ProcessingJobName: string;
  ProcessingInputs?: ProcessingInputShape[];
  ProcessingOutputConfig?: { Outputs: ProcessingOutputShape[]; KmsKeyId?: string };
  ProcessingResources: { ClusterConfig: { InstanceCount: number; InstanceType: string; VolumeSizeInGB: number; VolumeKmsKeyId?: string } };
  StoppingCondition?: { MaxRuntimeInSeconds: number };
  AppSpecification: { ImageUri: string; ContainerEntrypoint?: string[]; ContainerArguments?: string[] };
  Environment?: Record<string, string>;
  NetworkConfig?: {
    EnableInterContainerTrafficEncryption?: boolean;
    EnableNetworkIsolation?: boolean;
    VpcConfig?: { SecurityGroupIds: string[]; Subnets: string[] };
  };
  RoleArn: string;
  Tags?: { Key: string; Value: string }[];
  ExperimentConfig?: Record<string, unknown>;
}

/** The prefix every processing LocalPath lies under. */
export const PROCESSING_ROOT = "/opt/ml/processing";
