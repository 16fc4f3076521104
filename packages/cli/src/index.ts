export { buildProgram, runCli } from "./program.js";
export { CliError } from "./cli-error.js";
