/**
 * @optml/contract: the SageMaker training contract. Config files in; byte-exact `SM_*` variables
 * and command-line arguments out; the platform direction (job description -> config files); and
 * `readTrainingEnvironment()`, the typed reader for user code.
 */
export * from "./pyjson/index.js";
export * from "./errors.js";
export * from "./paths.js";
export * from "./config-files.js";
export * from "./environment.js";
export * from "./env-vars.js";
export * from "./contract-env.js";
export * from "./host-facts.js";
export * from "./platform.js";
export * from "./reader.js";
export * from "./s3-settings.js";
export * from "./train-start.js";
export * from "./distribution.js";
