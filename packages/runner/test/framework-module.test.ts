/**
 * SAGEMAKER_TRAINING_MODULE=module:function: a JavaScript module (a path in the code dir or a
 * package installed there) is imported and its function awaited; a Python module is imported and
 * its function called, as the reference does.
 */
import { afterEach, describe, expect, it } from "vitest";
import { TestJob } from "./job.js";

const jobs: TestJob[] = [];
afterEach(() => {
  while (jobs.length) jobs.pop()!.remove();
});

function job(code: Record<string, string>) {
  const j = new TestJob({ hyperparameters: { sagemaker_program: JSON.stringify("user.py"), epochs: "2" }, code });
  jobs.push(j);
  return j;
}

const ASYNC_MAIN = `
export async function main() {
  await new Promise((resolve) => setTimeout(resolve, 50));
  console.log("framework ran", process.env.SM_FRAMEWORK_MODULE, process.env.SM_USER_ENTRY_POINT, process.cwd());
}
`;

describe("SAGEMAKER_TRAINING_MODULE", () => {
  it("imports a JavaScript module from the code dir and awaits the function", async () => {
    const j = job({ "lib/framework.mjs": ASYNC_MAIN });
    const exit = await j.run({ SAGEMAKER_TRAINING_MODULE: "lib/framework.mjs:main" });
    expect(exit.stderr).toContain("invoking the user program (javascript-framework-module)");
    expect(exit.code).toBe(0);
    expect(exit.stdout).toBe(`framework ran lib/framework.mjs:main user.py ${j.path("code")}\n`);
    expect(j.success).toBe("");
  });

  it("imports a TypeScript module with the loader", async () => {
    const j = job({ "framework.ts": ASYNC_MAIN.replace("async function main()", "async function main(): Promise<void>") });
    const exit = await j.run({ SAGEMAKER_TRAINING_MODULE: "./framework.ts:main" });
    expect(exit.code).toBe(0);
    expect(exit.stdout).toContain("framework ran ./framework.ts:main");
  });

  it("resolves an installed (ESM-only) package from the code dir", async () => {
    const j = job({
      "node_modules/@acme/trainer/package.json": JSON.stringify({ name: "@acme/trainer", type: "module", exports: { ".": { import: "./index.js" } } }),
      "node_modules/@acme/trainer/index.js": ASYNC_MAIN,
    });
    const exit = await j.run({ SAGEMAKER_TRAINING_MODULE: "@acme/trainer:main" });
    expect(exit.code).toBe(0);
    expect(exit.stdout).toContain("framework ran @acme/trainer:main");
  });

  it("fails like a user program when the function throws, or is not exported", async () => {
    const j = job({ "fw.mjs": "export async function main() { throw new Error('framework exploded'); }\n" });
    const exit = await j.run({ SAGEMAKER_TRAINING_MODULE: "fw.mjs:main" });
    expect(exit.code).toBe(1);
    expect(j.failure).toMatch(/^ExecuteUserScriptError:\nExitCode 1\nErrorMessage "[^]*Error: framework exploded[^]*"\nCommand "\S+ --input-type=module --eval /);
    const k = job({ "fw.mjs": "export const other = 1;\n" });
    expect((await k.run({ SAGEMAKER_TRAINING_MODULE: "fw.mjs:main" })).code).toBe(1);
    expect(k.failure).toContain("./fw.mjs exports no function main");
  });

  it("imports a Python module and calls the function", async () => {
    const j = job({ "my_framework.py": "import os, sys\ndef main():\n    print('python framework', os.environ['SM_HP_EPOCHS'], sys.argv[1:])\n" });
    const exit = await j.run({ SAGEMAKER_TRAINING_MODULE: "my_framework:main" });
    expect(exit.stderr).toContain("(python-framework-module)");
    expect(exit.code).toBe(0);
    expect(exit.stdout).toBe("python framework 2 ['--epochs', '2']\n");
  });

  it("writes a Framework Error for a value without a function", async () => {
    const j = job({});
    expect((await j.run({ SAGEMAKER_TRAINING_MODULE: "just_a_module" })).code).toBe(1);
    expect(j.failure).toBe('Framework Error: SAGEMAKER_TRAINING_MODULE must be "module:function", found "just_a_module"');
  });
});
