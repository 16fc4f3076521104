/**
 * The job's Python, chosen one way and shown: the job's Environment OPTML_PYTHON, else the control
 * plane's --python, else python3 on its PATH; resolved when the job is created, refused with a
 * ValidationException naming it when it cannot run, named in the runner's first log line, and
 * shown by DescribeTrainingJob as OptmlPython (read off the wire: SDKs drop members they do not know).
 */
import { CreateTrainingJobCommand } from "@aws-sdk/client-sagemaker";
import { DescribeLogStreamsCommand, GetLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "./harness.js";
import { scriptModeRequest } from "./requests.js";

const WHICH = "import os, sys\nprint('executable', sys.executable)\nprint('prefix', sys.prefix)\nprint('venvs', os.environ.get('OPTML_VENVS'))\n";

let h: Harness;
let venv: string;
beforeAll(async () => {
  h = await startHarness();
  venv = join(h.root, "venv");
  execFileSync("python3", ["-m", "venv", "--system-site-packages", "--without-pip", venv]);
}, 60_000);
afterAll(() => h.close());

async function describeOnWire(endpoint: string, name: string): Promise<Record<string, unknown>> {
  const response = await fetch(endpoint, {
    method: "POST",
    headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": "SageMaker.DescribeTrainingJob" },
    body: JSON.stringify({ TrainingJobName: name }),
  });
  return (await response.json()) as Record<string, unknown>;
}

async function logLines(harness: Harness, name: string): Promise<string[]> {
  const streams = await harness.logs.send(new DescribeLogStreamsCommand({ logGroupName: "/aws/sagemaker/TrainingJobs", logStreamNamePrefix: `${name}/` }));
  const page = await harness.logs.send(
    new GetLogEventsCommand({ logGroupName: "/aws/sagemaker/TrainingJobs", logStreamName: streams.logStreams![0]!.logStreamName!, startFromHead: true }),
  );
  return page.events!.map((e) => e.message!);
}

async function runWhich(harness: Harness, name: string, environment?: Record<string, string>) {
  const request = scriptModeRequest({ name, codeDir: harness.code({ "which.py": WHICH }), program: "which.py", outputDir: harness.output(), ...(environment ? { environment } : {}) });
  await harness.sagemaker.send(new CreateTrainingJobCommand(request as never));
  const described = await harness.waitForEnd(name);
  expect(described.FailureReason).toBeUndefined();
  expect(described.TrainingJobStatus).toBe("Completed");
  return { wire: await describeOnWire(harness.server.endpoint, name), lines: await logLines(harness, name) };
}

const version = execFileSync("python3", ["-c", "import sys; print(sys.version.split()[0])"], { encoding: "utf8" }).trim();

describe("the job's Python", () => {
  it("is the job's Environment OPTML_PYTHON, a virtual environment's bin/python kept as it is", async () => {
    const python = join(venv, "bin", "python");
    const { wire, lines } = await runWhich(h, "which-env", { OPTML_PYTHON: python });
    expect(wire.OptmlPython).toEqual({ Path: python, Version: version });
    expect(lines.find((l) => l.startsWith("[optml-train]"))).toBe(`[optml-train] python: ${python} ${version}`);
    expect(lines).toContain(`executable ${python}`);
    expect(lines).toContain(`prefix ${venv}`);
    expect(lines).toContain(`venvs ${join(h.root, "home", "venvs")}`);
  });

  it("is python3 on the control plane's PATH by default, pinned to the interpreter it starts", async () => {
    const expected = execFileSync("python3", ["-c", "import sys; print(sys.executable)"], { encoding: "utf8" }).trim();
    const { wire, lines } = await runWhich(h, "which-default");
    expect(wire.OptmlPython).toEqual({ Path: expected, Version: version });
    expect(lines.find((l) => l.startsWith("[optml-train]"))).toBe(`[optml-train] python: ${expected} ${version}`);
    expect(lines).toContain(`executable ${expected}`);
  });

  it("is the control plane's --python for a job that names none, and the job's own wins over it", async () => {
    const python = join(venv, "bin", "python");
    const other = await startHarness({ python });
    try {
      const { wire, lines } = await runWhich(other, "which-server");
      expect(wire.OptmlPython).toEqual({ Path: python, Version: version });
      expect(lines).toContain(`prefix ${venv}`);
      const system = execFileSync("python3", ["-c", "import sys; print(sys.executable)"], { encoding: "utf8" }).trim();
      const own = await runWhich(other, "which-own", { OPTML_PYTHON: system });
      expect(own.wire.OptmlPython).toEqual({ Path: system, Version: version });
    } finally {
      await other.close();
    }
  });

  it("refuses a job whose Python does not exist, is not executable or is no Python, naming it", async () => {
    const cases: [string, RegExp][] = [
      ["/nonexistent/bin/python", /\/nonexistent\/bin\/python \(the job's Environment OPTML_PYTHON\) does not exist: set OPTML_PYTHON/],
      [join(h.root, "home"), /is not an executable file/],
      ["/bin/false", /\/bin\/false \(the job's Environment OPTML_PYTHON\) does not run as Python/],
      ["venv/bin/python", /is a relative path: give an absolute path or a command name on PATH/],
      ["python-optml-missing", /python-optml-missing \(the job's Environment OPTML_PYTHON\) is not found on the PATH of the control plane/],
    ];
    for (const [python, message] of cases) {
      const name = `bad-python-${cases.findIndex((c) => c[0] === python)}`;
      const request = scriptModeRequest({ name, codeDir: h.code({ "which.py": WHICH }), program: "which.py", outputDir: h.output(), environment: { OPTML_PYTHON: python } });
      const error = await h.sagemaker.send(new CreateTrainingJobCommand(request as never)).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(error?.name).toBe("ValidationException");
      expect(error?.message).toMatch(message);
    }
  });
});
