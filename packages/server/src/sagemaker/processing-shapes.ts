/**
 * The request shapes of the processing job operations (CreateProcessingJob,
 * Describe/Stop/DeleteProcessingJob, ListProcessingJobs), after botocore's SageMaker service model, in
 * the manner of validate-shapes.ts (service-model.test.ts checks them against the model): lengths,
 * ranges and enums from the model, patterns as AWS prints them, and the same optml extension:
 * `file:///` URIs wherever an S3 URI goes.
 *
 * DatasetDefinition's Athena and Redshift queries are modelled as bare structures: optml refuses
 * them (processing-validate.ts), whatever they hold.
 */
import { pattern } from "./validate-model.js";
import {
  ANY,
  boolean,
  EXPERIMENT_ENTITY_NAME,
  integer,
  KMS_KEY_ID,
  list,
  map,
  oneOf,
  PROCESSING_INSTANCE_TYPE,
  ROLE_ARN,
  S3_URI,
  string,
  structure,
  TAG,
  timestamp,
  VPC_CONFIG,
} from "./validate-shapes.js";

export const PROCESSING_JOB_NAME = string(1, 63, pattern("^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}"));
export const PROCESSING_JOB_STATUSES = ["InProgress", "Completed", "Failed", "Stopping", "Stopped"];
const LOCAL_PATH = string(0, 256, ANY);

const PROCESSING_INPUT = structure(
  {
    InputName: string(),
    AppManaged: boolean,
    S3Input: structure(
      {
        S3Uri: S3_URI,
        LocalPath: LOCAL_PATH,
        S3DataType: oneOf("ManifestFile", "S3Prefix"),
        S3InputMode: oneOf("Pipe", "File"),
        S3DataDistributionType: oneOf("FullyReplicated", "ShardedByS3Key"),
        S3CompressionType: oneOf("None", "Gzip"),
      },
      ["S3Uri", "S3DataType"],
    ),
    DatasetDefinition: structure({
      AthenaDatasetDefinition: structure({}),
      RedshiftDatasetDefinition: structure({}),
      LocalPath: LOCAL_PATH,
      DataDistributionType: oneOf("FullyReplicated", "ShardedByS3Key"),
      InputMode: oneOf("Pipe", "File"),
    }),
  },
  ["InputName"],
);

const PROCESSING_OUTPUT = structure(
  {
    OutputName: string(),
    S3Output: structure({ S3Uri: S3_URI, LocalPath: LOCAL_PATH, S3UploadMode: oneOf("Continuous", "EndOfJob") }, ["S3Uri", "S3UploadMode"]),
    FeatureStoreOutput: structure({ FeatureGroupName: string(1, 64, pattern("^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,63}")) }, ["FeatureGroupName"]),
    AppManaged: boolean,
  },
  ["OutputName"],
);

export const CREATE_PROCESSING_JOB_REQUEST = structure(
  {
    ProcessingInputs: list(PROCESSING_INPUT, 0, 10),
    ProcessingOutputConfig: structure({ Outputs: list(PROCESSING_OUTPUT, 0, 10), KmsKeyId: KMS_KEY_ID }, ["Outputs"]),
    ProcessingJobName: PROCESSING_JOB_NAME,
    ProcessingResources: structure(
      {
        ClusterConfig: structure(
          { InstanceCount: integer(1, 100), InstanceType: PROCESSING_INSTANCE_TYPE, VolumeSizeInGB: integer(1, 16384), VolumeKmsKeyId: KMS_KEY_ID },
          ["InstanceCount", "InstanceType", "VolumeSizeInGB"],
        ),
      },
      ["ClusterConfig"],
    ),
    StoppingCondition: structure({ MaxRuntimeInSeconds: integer(1, 777600) }, ["MaxRuntimeInSeconds"]),
    AppSpecification: structure(
      { ImageUri: string(0, 255, ANY), ContainerEntrypoint: list(string(0, 256, ANY), 1, 100), ContainerArguments: list(string(0, 256, ANY), 1, 100) },
      ["ImageUri"],
    ),
    Environment: map(string(0, 256, pattern("[a-zA-Z_][a-zA-Z0-9_]*")), string(0, 256, pattern("[\\S\\s]*")), 0, 100),
    NetworkConfig: structure({ EnableInterContainerTrafficEncryption: boolean, EnableNetworkIsolation: boolean, VpcConfig: VPC_CONFIG }),
    RoleArn: ROLE_ARN,
    Tags: list(TAG, 0, 50),
    ExperimentConfig: structure({
      ExperimentName: EXPERIMENT_ENTITY_NAME,
      TrialName: EXPERIMENT_ENTITY_NAME,
      TrialComponentDisplayName: EXPERIMENT_ENTITY_NAME,
      RunName: EXPERIMENT_ENTITY_NAME,
    }),
  },
  ["ProcessingJobName", "ProcessingResources", "AppSpecification", "RoleArn"],
);

/** DescribeProcessingJob, StopProcessingJob and DeleteProcessingJob take only the job's name. */
export const PROCESSING_JOB_NAME_REQUEST = structure({ ProcessingJobName: PROCESSING_JOB_NAME }, ["ProcessingJobName"]);

export const LIST_PROCESSING_JOBS_REQUEST = structure({
  CreationTimeAfter: timestamp,
  CreationTimeBefore: timestamp,
  LastModifiedTimeAfter: timestamp,
  LastModifiedTimeBefore: timestamp,
  NameContains: string(),
  StatusEquals: oneOf(...PROCESSING_JOB_STATUSES),
  SortBy: oneOf("Name", "CreationTime", "Status"),
  SortOrder: oneOf("Ascending", "Descending"),
  NextToken: string(0, 8192, ANY),
  MaxResults: integer(1, 100),
});
