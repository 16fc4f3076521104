/**
 * The API error catalogue: every error code the control plane answers with, its HTTP status and,
 * where AWS has a fixed wording, its message. Handlers throw these; the protocol layer
 * (server.ts) writes them as `{"__type": code, "message": message}` with `x-amzn-ErrorType`.
 *
 * Constructor names are the error code with a lower-case first letter, so `ResourceNotFound`
 * (SageMaker's code) is `resourceNotFound()` and `ResourceNotFoundException` (CloudWatch Logs')
 * is `resourceNotFoundException()`.
 */

export class ApiError extends Error {
  /** The AWS error code, sent as `__type` and `x-amzn-ErrorType`, e.g. "ValidationException". */
  readonly code: string;
  /** HTTP status of the error response. */
  readonly statusCode: number;

  /**
   * For services that came from the query protocol (CloudWatch): the error's query code
   * (`InvalidParameterValue` for `InvalidParameterValueException`), written as the XML `<Code>`
   * and, in JSON and CBOR, as `x-amzn-query-error: <queryCode>;<Sender|Receiver>`.
   */
  readonly queryCode: string | undefined;
  /** Whose fault: the caller's (Sender, 4xx) or the server's (Receiver, 5xx). */
  readonly fault: "Sender" | "Receiver";

  constructor(code: string, message: string, statusCode = 400, queryCode?: string) {
    super(message);
    this.name = code;
    this.code = code;
    this.statusCode = statusCode;
    this.queryCode = queryCode;
    this.fault = statusCode >= 500 ? "Receiver" : "Sender";
  }
}

export function isApiError(value: unknown): value is ApiError {
  return value instanceof ApiError;
}

// ---------------------------------------------------------------------------------------------
// Request shape and protocol errors (shared by every service)

export function validationException(message: string): ApiError {
  return new ApiError("ValidationException", message);
}

/** One ValidationException listing every constraint violation, in AWS's message form. */
export function validationErrors(violations: readonly string[]): ApiError {
  return validationException(formatValidationErrors(violations));
}

/** The request body is not JSON, not a JSON object, or a member has the wrong JSON type. */
export function serializationException(message: string): ApiError {
  return new ApiError("SerializationException", message);
}

/** Missing, malformed or unknown `X-Amz-Target`, or a request that is not `POST /`. */
export function unknownOperationException(message: string, statusCode = 400): ApiError {
  return new ApiError("UnknownOperationException", message, statusCode);
}

/**
 * The body is larger than the server accepts. AWS's JSON front ends answer an oversize body with a
 * bare HTTP 413; the code and shape here are those AWS uses for oversize payloads elsewhere
 * (Lambda, IoT Data: `RequestEntityTooLargeException`, HTTP 413), so SDKs name the error.
 */
export function requestEntityTooLargeException(maxBytes: number): ApiError {
  return new ApiError(
    "RequestEntityTooLargeException",
    `Request body exceeds the maximum request size of ${maxBytes} bytes.`,
    413,
  );
}

/**
 * HTTP that Node parsed but that cannot be served as it is (no Host on HTTP/1.1, an Expect header
 * other than 100-continue): the answer Node would give (400, 417), with an AWS-shaped body.
 */
export function unservableHttpRequest(message: string, statusCode: number): ApiError {
  return new ApiError("SerializationException", message, statusCode);
}

export function internalFailure(
  message = "The request processing has failed because of an unknown error, exception or failure.",
): ApiError {
  return new ApiError("InternalFailure", message, 500);
}

// ---------------------------------------------------------------------------------------------
// Authentication (SigV4) errors, with AWS's wording

export const INVALID_SIGNATURE_MESSAGE =
  "The request signature we calculated does not match the signature you provided. " +
  "Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

export const UNRECOGNIZED_CLIENT_MESSAGE = "The security token included in the request is invalid.";

export const MISSING_AUTHENTICATION_TOKEN_MESSAGE = "Request is missing Authentication Token";

export function invalidSignatureException(message = INVALID_SIGNATURE_MESSAGE): ApiError {
  return new ApiError("InvalidSignatureException", message);
}

export function incompleteSignatureException(message: string): ApiError {
  return new ApiError("IncompleteSignatureException", message);
}

export function missingAuthenticationTokenException(
  message = MISSING_AUTHENTICATION_TOKEN_MESSAGE,
): ApiError {
  return new ApiError("MissingAuthenticationTokenException", message);
}

export function unrecognizedClientException(message = UNRECOGNIZED_CLIENT_MESSAGE): ApiError {
  return new ApiError("UnrecognizedClientException", message);
}

// ---------------------------------------------------------------------------------------------
// SageMaker errors (SPEC.md section 8)

export function resourceInUse(message: string): ApiError {
  return new ApiError("ResourceInUse", message);
}

/** SageMaker's code is `ResourceNotFound` (no "Exception" suffix). */
export function resourceNotFound(message: string): ApiError {
  return new ApiError("ResourceNotFound", message);
}

export function resourceLimitExceeded(message: string): ApiError {
  return new ApiError("ResourceLimitExceeded", message);
}

/** CreateTrainingJob with a name that is already taken. */
export function trainingJobNameInUse(arn: string): ApiError {
  return resourceInUse(
    "Training job names must be unique within an AWS account and region, " +
      `and a training job with this name already exists (${arn})`,
  );
}

/** Describe/Stop/Delete of a training job that does not exist: AWS answers a ValidationException. */
export function trainingJobNotFound(): ApiError {
  return validationException("Requested resource not found.");
}

/** Stop (or Delete) of a training job whose status does not allow it. */
export function trainingJobInStatus(status: string): ApiError {
  return validationException(`The request was rejected because the training job is in status ${status}.`);
}

/**
 * Describe/Stop/Delete/ListTrainingJobsFor... of a tuning job that does not exist. SageMaker's
 * words (DescribeHyperParameterTuningJob answers ResourceNotFound: "Amazon SageMaker can't find a
 * tuning job called DEMO-hpo-mxnet. Type another name.").
 */
export function tuningJobNotFound(name: string): ApiError {
  return resourceNotFound(`Amazon SageMaker can't find a tuning job called ${name}. Type another name.`);
}

/** CreateHyperParameterTuningJob with a name that is already taken, in SageMaker's words. */
export function tuningJobNameInUse(name: string): ApiError {
  return resourceInUse(`A hyperparameter tuning job with the name, ${name}, already exists. Choose a different name.`);
}

/**
 * Stop of a tuning job that is no longer running, or Delete of one that still is (or is being
 * deleted): the tuning-job form of trainingJobInStatus.
 */
export function tuningJobInStatus(status: string, operation: "stop" | "delete"): ApiError {
  const allowed = operation === "stop" ? "InProgress" : "Completed, Failed or Stopped";
  return validationException(
    `The request was rejected because the hyperparameter tuning job is in status ${status}; ` +
      `only a tuning job in status ${allowed} can be ${operation === "stop" ? "stopped" : "deleted"}.`,
  );
}

/** CreateProcessingJob with a name that is already taken (by a processing job: training jobs are another namespace). */
export function processingJobNameInUse(arn: string): ApiError {
  return resourceInUse(
    "Processing job names must be unique within an AWS account and region, " +
      `and a processing job with this name already exists (${arn})`,
  );
}

/** Describe/Stop of a processing job that does not exist: these operations declare ResourceNotFound. */
export function processingJobNotFound(arn: string): ApiError {
  return resourceNotFound(`Could not find processing job '${arn}'.`);
}

/** DeleteProcessingJob of a job that is still running: the operation declares ResourceInUse. */
export function processingJobRunning(status: string): ApiError {
  return resourceInUse(`The processing job is in status ${status}: only a processing job that has ended (Completed, Failed or Stopped) can be deleted.`);
}

/** StopProcessingJob of a job that is no longer running. */
export function processingJobInStatus(status: string): ApiError {
  return validationException(`The request was rejected because the processing job is in status ${status}.`);
}

/**
 * AddTags/ListTags/DeleteTags of an ARN that names no resource here. These operations declare no
 * error of their own (botocore's model, the API reference), so SageMaker answers with the common
 * ValidationException, as it does for an unknown training job; the message names the ARN.
 */
export function resourceNotFoundForArn(arn: string): ApiError {
  return validationException(`Requested resource not found: ${arn}`);
}

/** AddTags that would leave a resource with more tags than it may have. */
export function tooManyTags(arn: string, count: number, max: number): ApiError {
  return validationException(
    `Too many tags: ${arn} would have ${count} tags; a resource can have at most ${max}. Remove some with DeleteTags first.`,
  );
}

/** A SigV4 credential scope whose region is not a region name (lower-case letters, digits, '-'). */
export function invalidRegionInScope(region: string): ApiError {
  return invalidSignatureException(`Credential should be scoped to a valid region, not '${region}'. `);
}

// ---------------------------------------------------------------------------------------------
// CloudWatch Logs errors

export function resourceNotFoundException(message = "The specified log group does not exist."): ApiError {
  return new ApiError("ResourceNotFoundException", message);
}

export function resourceAlreadyExistsException(
  message = "The specified log group already exists",
): ApiError {
  return new ApiError("ResourceAlreadyExistsException", message);
}

export function invalidParameterException(message: string): ApiError {
  return new ApiError("InvalidParameterException", message);
}

// ---------------------------------------------------------------------------------------------
// CloudWatch (metrics) errors: the exception shape's name as the JSON/CBOR `__type`, the query
// code (botocore's model, error.code) for the XML and x-amzn-query-error.

/** A parameter's value is bad or out of range (`InvalidParameterValue`). */
export function invalidParameterValue(message: string): ApiError {
  return new ApiError("InvalidParameterValueException", message, 400, "InvalidParameterValue");
}

/** Parameters that cannot be used together, or a request beyond a limit (`InvalidParameterCombination`). */
export function invalidParameterCombination(message: string): ApiError {
  return new ApiError("InvalidParameterCombinationException", message, 400, "InvalidParameterCombination");
}

/** A required parameter is missing (`MissingParameter`): "The parameter X is required." */
export function missingParameter(parameter: string): ApiError {
  return new ApiError("MissingRequiredParameterException", `The parameter ${parameter} is required.`, 400, "MissingParameter");
}

/** A NextToken this server did not give, or for another request (`InvalidNextToken`). */
export function invalidNextToken(message = "The service couldn't process your request because the NextToken is invalid."): ApiError {
  return new ApiError("InvalidNextToken", message, 400, "InvalidNextToken");
}

// ---------------------------------------------------------------------------------------------
// ValidationException message format

/**
 * `1 validation error detected: X` / `2 validation errors detected: X; Y`.
 */
export function formatValidationErrors(violations: readonly string[]): string {
  const n = violations.length;
  return `${n} validation error${n === 1 ? "" : "s"} detected: ${violations.join("; ")}`;
}

/**
 * One violation: `Value 'v' at 'path' failed to satisfy constraint: <constraint>`, or
 * `Value null at 'path' ...` for a missing member. `path` is the camelCase member path
 * (`inputDataConfig.1.member.channelName`).
 */
export function formatViolation(path: string, value: unknown, constraint: string): string {
  const shown = value === undefined || value === null ? "null" : `'${renderValue(value)}'`;
  return `Value ${shown} at '${path}' failed to satisfy constraint: ${constraint}`;
}

/**
 * Renders a request value the way AWS's (Java) validator prints it: strings bare, lists as
 * `[a, b]`, maps and structures as `{k=v, k2=v2}`.
 */
export function renderValue(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (Array.isArray(value)) return `[${value.map(renderValue).join(", ")}]`;
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>);
    return `{${entries.map(([k, v]) => `${k}=${renderValue(v)}`).join(", ")}}`;
  }
  return String(value);
}

/** Constraint texts, as AWS words them. */
export const constraint = {
  notNull: "Member must not be null",
  minLength: (n: number) => `Member must have length greater than or equal to ${n}`,
  maxLength: (n: number) => `Member must have length less than or equal to ${n}`,
  minValue: (n: number) => `Member must have value greater than or equal to ${n}`,
  maxValue: (n: number) => `Member must have value less than or equal to ${n}`,
  pattern: (p: string) => `Member must satisfy regular expression pattern: ${p}`,
  enumValues: (values: readonly string[]) => `Member must satisfy enum value set: [${values.join(", ")}]`,
  /** For the elements of a list of scalars: every constraint of the element shape. */
  listMember: (parts: readonly string[]) => `Member must satisfy constraint: [${parts.join(", ")}]`,
  mapKey: (parts: readonly string[]) => `Map key must satisfy constraint: [${parts.join(", ")}]`,
  mapValue: (parts: readonly string[]) => `Map value must satisfy constraint: [${parts.join(", ")}]`,
} as const;
