/**
 * The Python package optml_sagemaker (python/), tested in Python against a real control plane:
 * `optml serve` on a free loopback port (found by the tests through its control-plane.json, as
 * users find it), backed by moto's S3 server on loopback. The package goes into a virtual
 * environment this test creates (`python3 -m venv --system-site-packages`, for the machine's
 * boto3), installed with `pip install --no-deps ./python`; each test module runs with unittest.
 *
 * The tests that drive the real SageMaker Python SDK (test_sdk_session: the Estimator; test_sdk_tuning:
 * the HyperparameterTuner; test_sdk_processing: the processors) run with OPTML_TEST_SAGEMAKER_SDK=1: the SDK
 * is then taken from the Python environment OPTML_SAGEMAKER_PYTHON names (default python3), which
 * the test environment sees (python/README.md, "Testing with the real SDK", says how to build one).
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startS3Server, type S3Server } from "../../test-support/s3-server.js";

const REPO = resolve(import.meta.dirname, "../..");
const SDK_WANTED = process.env.OPTML_TEST_SAGEMAKER_SDK === "1";
const SDK_PYTHON = process.env.OPTML_SAGEMAKER_PYTHON ?? "python3";
const HOW_TO_GET_THE_SDK =
  "OPTML_TEST_SAGEMAKER_SDK=1 needs the SageMaker Python SDK v2: build it from source into a virtual environment as " +
  "python/README.md says under 'Testing with the real SDK', then set OPTML_SAGEMAKER_PYTHON to that environment's python";

interface Run {
  code: number | null;
  output: string;
}

/** Run a program without blocking this process; stdout and stderr together. */
function run(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 300_000): Promise<Run> {
  return new Promise((done) => {
    execFile(command, args, { env, cwd: REPO, encoding: "utf8", timeout: timeoutMs, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      done({ code: error ? ((error as { code?: number }).code ?? 1) : 0, output: `${stdout}${stderr}` });
    });
  });
}

async function must(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const r = await run(command, args, env);
  if (r.code !== 0) throw new Error(`${command} ${args.join(" ")} exited with ${r.code}:\n${r.output}`);
  return r.output;
}

/** The endpoint `optml serve` publishes in <home>/control-plane.json once it listens. */
async function published(home: string, serve: ChildProcess, log: () => string): Promise<string> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (serve.exitCode !== null) throw new Error(`optml serve exited with ${serve.exitCode}:\n${log()}`);
    try {
      const record = JSON.parse(readFileSync(join(home, "control-plane.json"), "utf8")) as { endpoint?: string | null };
      if (record.endpoint) return record.endpoint;
    } catch {
      // not written yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`optml serve published no endpoint in 60 s:\n${log()}`);
}

/** The environment the Python tests run in: no AWS settings of this shell. */
function testEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("AWS_") && !k.startsWith("OPTML_")) env[k] = v;
  return { ...env, SAGEMAKER_SUPPRESS_V2_WARNING: "1", AWS_EC2_METADATA_DISABLED: "true", ...extra };
}

let root: string;
let s3: S3Server | undefined;
let serve: ChildProcess | undefined;
let venvPython: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "optml-python-test-"));
  const home = join(root, "home");
  s3 = await startS3Server();
  let serveLog = "";
  serve = spawn(process.execPath, [join(REPO, "packages/cli/bin/optml.js"), "serve", "--port", "0", "--home", home], {
    env: { ...process.env, ...s3.awsEnv },
    stdio: ["ignore", "pipe", "pipe"],
  });
  serve.stdout!.on("data", (d: Buffer) => (serveLog += d.toString()));
  serve.stderr!.on("data", (d: Buffer) => (serveLog += d.toString()));
  await published(home, serve, () => serveLog);

  // The base interpreter: the SDK's when its tests run (its packages are then added to the venv's path).
  let base = "python3";
  let sdkSite: string | undefined;
  if (SDK_WANTED) {
    const probe = await run(
      SDK_PYTHON,
      ["-c", "import sys, sysconfig, sagemaker; print('base=' + sys._base_executable); print('site=' + sysconfig.get_paths()['purelib'])"],
      { ...process.env, SAGEMAKER_SUPPRESS_V2_WARNING: "1" },
    );
    if (probe.code !== 0) throw new Error(`${HOW_TO_GET_THE_SDK} (${SDK_PYTHON}: ${probe.output.trim().split("\n").pop()})`);
    const said = (key: string) => probe.output.split("\n").find((l) => l.startsWith(`${key}=`))!.slice(key.length + 1);
    [base, sdkSite] = [said("base"), said("site")];
  }
  const venv = join(root, "venv");
  await must(base, ["-m", "venv", "--system-site-packages", venv]);
  venvPython = join(venv, "bin", "python");
  if (sdkSite) {
    const purelib = (await must(venvPython, ["-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"])).trim();
    writeFileSync(join(purelib, "optml-test-sagemaker-sdk.pth"), `import site; site.addsitedir(${JSON.stringify(sdkSite)})\n`);
  }
  // pip builds it with setuptools from the configured package index (PIP_RETRIES=0: an index out of reach is passed over at once).
  await must(venvPython, ["-m", "pip", "install", "--quiet", "--no-deps", join(REPO, "python")], { ...process.env, PIP_RETRIES: "0" });
  env = testEnv({
    OPTML_HOME: home,
    OPTML_TEST_S3_ENDPOINT: s3.endpoint,
    ...(SDK_WANTED ? { OPTML_TEST_SAGEMAKER_SDK: "1" } : {}),
  });
}, 300_000);

afterAll(async () => {
  if (serve?.pid !== undefined && serve.exitCode === null) {
    const ended = new Promise((r) => serve!.once("exit", r));
    process.kill(serve.pid, "SIGTERM");
    await ended;
  }
  s3?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
}, 60_000);

/** One test module, run by unittest from the installed package (not the source tree). */
async function unittest(module: string): Promise<string> {
  const r = await run(venvPython, ["-m", "unittest", "discover", "-v", "-s", join(REPO, "python/tests"), "-p", `${module}.py`], env);
  if (r.code !== 0) throw new Error(`python -m unittest ${module} failed:\n${r.output}`);
  return r.output;
}

describe("optml_sagemaker (python/)", () => {
  it("is installed from ./python and imports without the SageMaker SDK", async () => {
    const where = await must(venvPython, ["-c", "import optml_sagemaker; print(optml_sagemaker.__file__)"], env);
    expect(where).toContain(join(root, "venv"));
    const asked = await run(venvPython, ["-c", "import sys; sys.modules['sagemaker'] = None\nimport optml_sagemaker\noptml_sagemaker.Session"], env);
    expect(asked.code).not.toBe(0);
    expect(asked.output).toContain("optml_sagemaker.Session needs the SageMaker Python SDK v2");
  });

  for (const module of ["test_control_plane", "test_tailing", "test_local_code", "test_tuning", "test_processing"]) {
    it(`passes ${module} (boto3 and the package's own logic)`, async () => {
      const out = await unittest(module);
      expect(out).toMatch(/Ran [1-9]\d* tests? in/);
    }, 300_000);
  }

  it.skipIf(!SDK_WANTED)("passes test_sdk_session with the real SageMaker Python SDK (OPTML_TEST_SAGEMAKER_SDK=1)", async () => {
    const out = await unittest("test_sdk_session");
    expect(out).toMatch(/Ran [1-9]\d* tests? in/);
    expect(out).toMatch(/^OK\b/m);
    // These ran (unittest -v names each test; a skipped one says so on the same line).
    for (const test of [
      "test_fit_runs_local_code_on_local_data_and_the_model_is_a_file_to_open",
      "test_code_and_data_go_through_s3_exactly_as_with_sagemaker_session",
      "test_training_job_analytics_reads_the_metric_as_cloudwatch_would_give_it",
    ]) {
      expect(out).toContain(`${test} (`);
      expect(out).not.toMatch(new RegExp(`${test} .*\\.\\.\\. skipped`));
    }
  }, 600_000);

  it.skipIf(!SDK_WANTED)("passes test_sdk_processing: ScriptProcessor, SKLearnProcessor, FrameworkProcessor (OPTML_TEST_SAGEMAKER_SDK=1)", async () => {
    const out = await unittest("test_sdk_processing");
    expect(out).toMatch(/^OK\b/m);
    for (const test of ["test_script_processor_run_wait_logs_describe", "test_sklearn_processor", "test_framework_processor_with_source_dir_runs_runproc_sh"]) {
      expect(out).toContain(`${test} (`);
      expect(out).not.toMatch(new RegExp(`${test} .*\\.\\.\\. skipped`));
    }
  }, 600_000);

  it.skipIf(!SDK_WANTED)("passes test_sdk_tuning: the SDK's HyperparameterTuner (OPTML_TEST_SAGEMAKER_SDK=1)", async () => {
    const out = await unittest("test_sdk_tuning");
    expect(out).toMatch(/^OK\b/m);
    for (const test of ["test_fit_wait_best_training_job_analytics_and_attach", "test_stop_tuning_job"]) {
      expect(out).toContain(`${test} (`);
      expect(out).not.toMatch(new RegExp(`${test} .*\\.\\.\\. skipped`));
    }
  }, 600_000);
});
