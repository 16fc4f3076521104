/**
 * The ARN of a hyperparameter tuning job. SageMaker's tuning job names are not case sensitive,
 * and the ARN holds the name in lower case (`arn:aws:sagemaker:us-east-1:123456789012:
 * hyper-parameter-tuning-job/xgboost-190407-1532` for the job `xgboost-190407-1532`), as the
 * training job ARNs here do.
 */

export function tuningJobArn(region: string, account: string, name: string, partition = "aws"): string {
  return `arn:${partition}:sagemaker:${region}:${account}:hyper-parameter-tuning-job/${name.toLowerCase()}`;
}

/**
 * The ARN of the tuning job `name` in the partition, region and account of one of its training
 * jobs (`arn:<partition>:sagemaker:<region>:<account>:training-job/<name>`).
 */
export function tuningJobArnOfTrainingJob(trainingJobArn: string, name: string): string {
  const [, partition, , region, account] = trainingJobArn.split(":");
  if (partition === undefined || region === undefined || account === undefined) {
    throw new Error(`not a training job ARN: ${trainingJobArn}`);
  }
  return tuningJobArn(region, account, name, partition);
}
