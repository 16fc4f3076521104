import { describe, expect, it } from "vitest";
import {
  ApiError,
  constraint,
  formatValidationErrors,
  formatViolation,
  internalFailure,
  renderValue,
  requestEntityTooLargeException,
  resourceNotFound,
  resourceNotFoundException,
  trainingJobInStatus,
  trainingJobNameInUse,
  trainingJobNotFound,
  tuningJobInStatus,
  tuningJobNameInUse,
  tuningJobNotFound,
  unrecognizedClientException,
  validationErrors,
} from "./errors.js";

describe("the error catalogue", () => {
  it("gives each error its code, status and AWS's wording", () => {
    expect(resourceNotFound("x")).toMatchObject({ code: "ResourceNotFound", statusCode: 400, name: "ResourceNotFound" });
    expect(resourceNotFoundException().code).toBe("ResourceNotFoundException");
    expect(internalFailure().statusCode).toBe(500);
    expect(requestEntityTooLargeException(10).statusCode).toBe(413);
    expect(unrecognizedClientException().message).toBe("The security token included in the request is invalid.");
    expect(trainingJobNotFound()).toMatchObject({ code: "ValidationException", message: "Requested resource not found." });
    expect(trainingJobInStatus("Completed").message).toBe(
      "The request was rejected because the training job is in status Completed.",
    );
    expect(trainingJobNameInUse("arn:aws:sagemaker:us-east-1:123456789012:training-job/j")).toMatchObject({
      code: "ResourceInUse",
      message:
        "Training job names must be unique within an AWS account and region, and a training job with this name " +
        "already exists (arn:aws:sagemaker:us-east-1:123456789012:training-job/j)",
    });
    expect(new ApiError("X", "m")).toBeInstanceOf(Error);
  });

  it("words the tuning-job errors as SageMaker does", () => {
    expect(tuningJobNotFound("DEMO-hpo-mxnet")).toMatchObject({
      code: "ResourceNotFound",
      message: "Amazon SageMaker can't find a tuning job called DEMO-hpo-mxnet. Type another name.",
    });
    expect(tuningJobNameInUse("pytorch-training-210511-0008")).toMatchObject({
      code: "ResourceInUse",
      message: "A hyperparameter tuning job with the name, pytorch-training-210511-0008, already exists. Choose a different name.",
    });
    expect(tuningJobInStatus("Completed", "stop")).toMatchObject({
      code: "ValidationException",
      message:
        "The request was rejected because the hyperparameter tuning job is in status Completed; " +
        "only a tuning job in status InProgress can be stopped.",
    });
    expect(tuningJobInStatus("InProgress", "delete").message).toContain("only a tuning job in status Completed, Failed or Stopped can be deleted");
  });
});

describe("validation messages", () => {
  it("counts violations in AWS's form", () => {
    expect(formatValidationErrors(["X"])).toBe("1 validation error detected: X");
    expect(formatValidationErrors(["X", "Y"])).toBe("2 validation errors detected: X; Y");
    expect(validationErrors(["A", "B", "C"]).message).toBe("3 validation errors detected: A; B; C");
  });

  it("formats one violation with the value quoted, or null", () => {
    expect(formatViolation("trainingJobName", "bad_name", constraint.pattern("^x"))).toBe(
      "Value 'bad_name' at 'trainingJobName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^x",
    );
    expect(formatViolation("roleArn", undefined, constraint.notNull)).toBe(
      "Value null at 'roleArn' failed to satisfy constraint: Member must not be null",
    );
    expect(formatViolation("maxResults", 0, constraint.minValue(1))).toBe(
      "Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1",
    );
  });

  it("renders values as Java prints them", () => {
    expect(renderValue({ a: "1", b: ["x", { c: true }] })).toBe("{a=1, b=[x, {c=true}]}");
    expect(renderValue([])).toBe("[]");
    expect(renderValue(null)).toBe("null");
  });
});
