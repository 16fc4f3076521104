/**
 * The web dashboard in a real browser (Debian's Chromium driven by playwright-core) against a real
 * control plane running real jobs: the list shows a new job; its page shows log lines arriving and
 * the loss chart growing while it runs; Stop stops it; compare overlays two jobs and diffs their
 * hyperparameters; a tuning job's page charts its trials; a big seeded log is virtualised; log
 * lines and hyperparameters are shown as text; with --auth the token is needed. Screenshots go to
 * test-artifacts/dashboard/.
 */
import { CreateHyperParameterTuningJobCommand, CreateTrainingJobCommand, DescribeHyperParameterTuningJobCommand } from "@aws-sdk/client-sagemaker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { browserProblem, launchBrowser, screenshotPath, seedJob, type Browser } from "../../../test-support/dashboard.js";
import { startS3Server, type S3Server } from "../../../test-support/s3-server.js";
import { credentials, startHarness, type Harness } from "./harness.js";
import { scriptModeRequest } from "./requests.js";

// Prints a loss every 0.1 s for up to a minute (until stopped).
const LIVE = `
import time
for i in range(600):
    print(f"step {i} loss={1.0 / (i + 1):.5f}", flush=True)
    time.sleep(0.1)
`;
const SHORT = `
import json, os
lr = float(json.loads(os.environ["SM_HPS"])["lr"])
for i in range(20):
    print(f"epoch {i} loss={1.0 / (1 + lr * i * 10):.5f}", flush=True)
open(os.path.join(os.environ["SM_MODEL_DIR"], "weights.txt"), "w").write("w")
`;
const HOSTILE = `
print("<script>window.__pwned = 1</script>", flush=True)
print('<img src=x onerror="window.__pwned = 2">', flush=True)
print("plain & simple < > \\" '", flush=True)
`;
const LOSS = [{ Name: "loss", Regex: "loss=([0-9.]+)" }];

let h: Harness;
let browser: Browser;

beforeAll(async () => {
  const problem = browserProblem();
  if (problem) throw new Error(`the dashboard's browser tests cannot run: ${problem}`);
  h = await startHarness({ utilizationIntervalMs: 300, capacity: 4 });
  browser = await launchBrowser();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await h?.close();
}, 60_000);

function job(name: string, program: string, source: string, hyperparameters: Record<string, string> = {}) {
  return scriptModeRequest({ name, codeDir: h.code({ [program]: source }), program, outputDir: h.output(), metricDefinitions: LOSS, hyperparameters });
}

let current: Page | undefined;

async function open(path: string): Promise<Page> {
  const page = await browser.context.newPage();
  current = page;
  page.on("pageerror", (e) => {
    throw e;
  });
  await page.goto(`${h.server.endpoint}${path}`);
  return page;
}

const attr = async (page: Page, selector: string, name: string) => {
  const el = page.locator(selector).first();
  return (await el.count()) === 0 ? 0 : Number((await el.getAttribute(name)) ?? "0");
};
const messages = (page: Page) => page.locator(".log-row .msg").allTextContents();

/** Polls until `check` holds (the page changes on its own: live updates). */
async function until(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      await current?.screenshot({ path: screenshotPath(`failed-${what.replace(/[^a-z0-9]+/gi, "-")}`), fullPage: true });
      throw new Error(`the page did not show ${what} within ${timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("dashboard", () => {
  it("the list shows a new job; its page shows log lines arriving and the loss chart growing; Stop stops it", async () => {
    const page = await open("/");
    await page.waitForSelector("#jobs");
    await h.sagemaker.send(new CreateTrainingJobCommand(job("dash-live", "live.py", LIVE) as never));
    const row = page.locator('tr[data-job="dash-live"]');
    await row.waitFor({ timeout: 10_000 });
    await page.screenshot({ path: screenshotPath("jobs-list") });
    // Filters: another status hides it; its name finds it.
    await page.selectOption("#filter-status", "Completed");
    await row.waitFor({ state: "detached" });
    await page.selectOption("#filter-status", "");
    await page.fill("#filter-name", "live");
    await row.waitFor();

    await row.locator("a").click();
    await page.waitForSelector('.log[data-log-host="algo-1"]', { timeout: 20_000 });
    await until(async () => (await attr(page, ".log", "data-total")) >= 5, "log lines");
    const lines = await attr(page, ".log", "data-total");
    await until(async () => (await attr(page, ".log", "data-total")) >= lines + 10, "more log lines");
    // Following: the newest line is in view.
    const total = await attr(page, ".log", "data-total");
    await until(async () => (await messages(page)).some((m) => /^step \d+ loss=/.test(m)), "a step line in view");

    await page.waitForSelector('figure[data-chart="loss"][data-points]', { timeout: 10_000 });
    const points = await attr(page, 'figure[data-chart="loss"]', "data-points");
    await until(async () => (await attr(page, 'figure[data-chart="loss"]', "data-points")) > points, "more chart points");
    await page.waitForSelector('figure[data-chart="CPUUtilization (%)"]', { timeout: 10_000 });
    expect(total).toBeGreaterThan(lines);
    await page.screenshot({ path: screenshotPath("job-running"), fullPage: true });

    await page.click("#stop");
    const d = await h.waitForEnd("dash-live", 30_000);
    expect(d.TrainingJobStatus).toBe("Stopped");
    await page.waitForSelector('#job-status [data-status="Stopped"]', { timeout: 10_000 });
    await page.screenshot({ path: screenshotPath("job-stopped"), fullPage: true });
    await page.close();
  }, 90_000);

  it("compare overlays two jobs' loss curves and shows the hyperparameters that differ; artifacts download", async () => {
    await h.sagemaker.send(new CreateTrainingJobCommand(job("dash-a", "short.py", SHORT, { lr: "0.1" }) as never));
    await h.sagemaker.send(new CreateTrainingJobCommand(job("dash-b", "short.py", SHORT, { lr: "0.01" }) as never));
    for (const name of ["dash-a", "dash-b"]) expect((await h.waitForEnd(name)).TrainingJobStatus).toBe("Completed");

    const page = await open("/");
    await page.locator('tr[data-job="dash-b"]').waitFor();
    // Sortable: by name, then the other way; by the final loss (a column of its own).
    const order = async () => (await page.locator("#jobs tbody tr[data-job]").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-job")))).filter((n) => n?.startsWith("dash-") && n.length === 6);
    await page.click('th[data-key="name"]');
    expect(await order()).toEqual(["dash-a", "dash-b"]);
    await page.click('th[data-key="name"]');
    expect(await order()).toEqual(["dash-b", "dash-a"]);
    await page.click('th[data-key="metric:loss"]');
    expect(await page.locator('tr[data-job="dash-a"] td[data-col="metric:loss"]').innerText()).toBe("0.05");
    await page.check('input[aria-label="select dash-a"]');
    await page.check('input[aria-label="select dash-b"]');
    await page.click("#compare");
    await page.waitForSelector('figure[data-chart="loss"][data-points]');
    expect(await attr(page, 'figure[data-chart="loss"]', "data-points")).toBe(40);
    const legend = await page.locator('figure[data-chart="loss"] .u-legend').innerText();
    expect(legend).toContain("dash-a");
    expect(legend).toContain("dash-b");
    const lr = page.locator('tr[data-hp="lr"]');
    expect(await lr.getAttribute("class")).toBe("differs");
    expect(await lr.locator("td").allInnerTexts()).toEqual(["0.1", "0.01"]);
    await page.screenshot({ path: screenshotPath("compare"), fullPage: true });

    await page.goto(`${h.server.endpoint}/#/jobs/dash-a`);
    const link = page.locator("#artifacts a", { hasText: "model.tar.gz" });
    await link.waitFor();
    const download = await page.request.get(new URL((await link.getAttribute("href"))!, h.server.endpoint).toString());
    expect(download.status()).toBe(200);
    expect([...(await download.body()).subarray(0, 2)]).toEqual([0x1f, 0x8b]);
    await page.close();
  }, 90_000);

  it("log lines and hyperparameters are text: a <script> line shows as written and runs nothing", async () => {
    await h.sagemaker.send(new CreateTrainingJobCommand(job("dash-hostile", "hostile.py", HOSTILE, { note: "<b>bold</b>" }) as never));
    expect((await h.waitForEnd("dash-hostile")).TrainingJobStatus).toBe("Completed");
    const page = await open("/#/jobs/dash-hostile");
    await until(async () => (await messages(page)).some((m) => m.includes("<script>")), "the script line");
    const texts = await page.locator(".log-row .msg").allTextContents();
    expect(texts).toContain("<script>window.__pwned = 1</script>");
    expect(texts).toContain('<img src=x onerror="window.__pwned = 2">');
    expect(texts).toContain("plain & simple < > \" '");
    expect(await page.locator(".log-rows script, .log-rows img, #hyperparameters b").count()).toBe(0);
    expect(await page.evaluate("typeof window.__pwned")).toBe("undefined");
    expect(await page.locator('#hyperparameters td', { hasText: "<b>bold</b>" }).count()).toBe(1);
    await page.screenshot({ path: screenshotPath("escaping"), fullPage: true });
    await page.close();
  }, 60_000);

  it("a 200,000-line log is virtualised: a screen of rows in the DOM, any window fetched by seq; charts are downsampled", async () => {
    seedJob(h.server.controlPlane, "dash-big", { lines: 200_000, points: 20_000 });
    const page = await open("/#/jobs/dash-big");
    await until(async () => (await attr(page, ".log", "data-total")) === 200_000, "200,000 lines");
    await until(async () => (await messages(page)).some((m) => m.startsWith("step 199999 ")), "the last line");
    expect(await page.locator(".log-row").count()).toBeLessThan(100);
    // Jump to the middle: the rows there come from the server by their seq.
    await page.locator(".log-scroller").evaluate((s, top) => {
      (s as unknown as { scrollTop: number }).scrollTop = top;
    }, 100_000 * 18);
    await until(async () => (await messages(page)).some((m) => m.startsWith("step 100000 ")), "line 100,000");
    const first = await attr(page, ".log", "data-first");
    expect(first).toBe(100_000);
    const points = await attr(page, 'figure[data-chart="loss"]', "data-points");
    expect(points).toBeGreaterThan(100);
    expect(points).toBeLessThan(5_000);
    await page.screenshot({ path: screenshotPath("big-job") });
    await page.close();
  }, 120_000);

  it("each host's log has its tab", async () => {
    const cp = h.server.controlPlane;
    seedJob(cp, "dash-hosts", { lines: 30, points: 10 });
    const stream = cp.store.logs.createStream("dash-hosts", "algo-2", "dash-hosts/algo-2-1", Date.now());
    const lines = Array.from({ length: 200 }, (_, i) => ({ timestamp: Date.now(), message: i === 199 ? "hello from algo-2" : `algo-2 line ${i}` }));
    cp.store.logs.append(stream, lines, lines.length);
    const page = await open("/#/jobs/dash-hosts");
    await until(async () => (await page.locator("#log-tabs button").allInnerTexts()).join(",") === "algo-1,algo-2", "both hosts' tabs");
    expect(await page.locator('.log[data-log-host="algo-2"]').isHidden()).toBe(true);
    await page.click('#log-tabs button[data-host="algo-2"]');
    // Shown at its end, as the first host's was.
    await until(async () => (await page.locator('.log[data-log-host="algo-2"] .log-row .msg').allTextContents()).includes("hello from algo-2"), "algo-2's last line");
    expect(await page.locator('.log[data-log-host="algo-1"]').isHidden()).toBe(true);
    await page.close();
  });

  it("a tuning job's page charts the objective against each hyperparameter and the best so far", async () => {
    const code = h.code({ "objective.py": 'import json, os\nx = float(json.loads(os.environ["SM_HPS"])["x"])\nprint(f"final loss={(x - 0.3) ** 2:.6f}", flush=True)\n' });
    await h.sagemaker.send(
      new CreateHyperParameterTuningJobCommand({
        HyperParameterTuningJobName: "dash-tune",
        HyperParameterTuningJobConfig: {
          Strategy: "Random",
          HyperParameterTuningJobObjective: { Type: "Minimize", MetricName: "loss" },
          ResourceLimits: { MaxNumberOfTrainingJobs: 4, MaxParallelTrainingJobs: 2 },
          ParameterRanges: { ContinuousParameterRanges: [{ Name: "x", MinValue: "0", MaxValue: "1", ScalingType: "Linear" }] },
        },
        TrainingJobDefinition: {
          StaticHyperParameters: { sagemaker_program: '"objective.py"', sagemaker_submit_directory: JSON.stringify(`file://${code}`) },
          AlgorithmSpecification: { TrainingImage: "tuning:latest", TrainingInputMode: "File", MetricDefinitions: LOSS },
          RoleArn: "arn:aws:iam::123456789012:role/SageMakerRole",
          OutputDataConfig: { S3OutputPath: `file://${h.output()}` },
          ResourceConfig: { InstanceType: "ml.m5.large", InstanceCount: 1, VolumeSizeInGB: 1 },
          StoppingCondition: { MaxRuntimeInSeconds: 600 },
        },
      }),
    );
    for (const deadline = Date.now() + 90_000; ; ) {
      const d = await h.sagemaker.send(new DescribeHyperParameterTuningJobCommand({ HyperParameterTuningJobName: "dash-tune" }));
      if (d.HyperParameterTuningJobStatus !== "InProgress") break;
      if (Date.now() > deadline) throw new Error("tuning job still InProgress after 90 s");
      await new Promise((r) => setTimeout(r, 300));
    }
    const page = await open("/");
    await page.locator("#tuning-jobs a", { hasText: "dash-tune" }).click();
    await until(async () => (await attr(page, 'figure[data-chart="loss vs x"]', "data-points")) > 0, "the loss vs x chart");
    expect(await attr(page, 'figure[data-chart="loss vs x"]', "data-points")).toBe(4);
    // Best so far: one point per trial for the objective, one for the running best.
    expect(await attr(page, 'figure[data-chart="best so far"]', "data-points")).toBe(8);
    expect(await page.locator("#trials tbody tr").count()).toBe(4);
    await page.screenshot({ path: screenshotPath("tuning"), fullPage: true });
    await page.close();
  }, 120_000);
});

describe("dashboard of a job whose output is on S3", () => {
  let s3: S3Server;
  let o: Harness;
  beforeAll(async () => {
    s3 = await startS3Server(["out"]);
    o = await startHarness({ data: { awsEnv: s3.awsEnv } });
  }, 60_000);
  afterAll(async () => {
    await o?.close();
    s3?.stop();
  });

  it("lists its artifacts from S3 and downloads them through the control plane", async () => {
    const request = {
      ...scriptModeRequest({ name: "dash-s3", codeDir: o.code({ "short.py": SHORT }), program: "short.py", outputDir: o.output(), metricDefinitions: LOSS, hyperparameters: { lr: "0.1" } }),
      OutputDataConfig: { S3OutputPath: "s3://out/runs/" },
    };
    await o.sagemaker.send(new CreateTrainingJobCommand(request as never));
    expect((await o.waitForEnd("dash-s3")).TrainingJobStatus).toBe("Completed");
    const page = await browser.context.newPage();
    current = page;
    await page.goto(`${o.server.endpoint}/#/jobs/dash-s3`);
    const link = page.locator("#artifacts a", { hasText: "output/model.tar.gz" });
    await link.waitFor();
    expect(await page.locator("#artifacts").innerText()).toContain("s3://out/runs/dash-s3/");
    const download = await page.request.get(new URL((await link.getAttribute("href"))!, o.server.endpoint).toString());
    expect(download.status()).toBe(200);
    expect((await download.body()).equals(await s3.get("out", "runs/dash-s3/output/model.tar.gz"))).toBe(true);
    expect((await page.request.get(`${o.server.endpoint}/_optml/api/jobs/dash-s3/artifacts?path=output/none.tar.gz`)).status()).toBe(404);
    expect((await page.request.get(`${o.server.endpoint}/_optml/api/jobs/dash-s3/artifacts?path=../other/x`)).status()).toBe(404);
    await page.close();
  }, 60_000);
});

describe("dashboard with --auth", () => {
  let a: Harness;
  beforeAll(async () => {
    a = await startHarness({ auth: { credentials: { [credentials.accessKeyId]: credentials.secretAccessKey } } });
  });
  afterAll(async () => a?.close());

  it("needs the printed token: without it a login page and 401s; with it the UI, then by cookie", async () => {
    const url = a.server.dashboardUrl!;
    const token = a.server.dashboardToken!;
    expect(url).toBe(`${a.server.endpoint}/?token=${token}`);
    expect(token.length).toBeGreaterThanOrEqual(32);
    const bare = await fetch(`${a.server.endpoint}/`);
    expect(bare.status).toBe(401);
    expect(await bare.text()).toContain("token");
    expect((await fetch(`${a.server.endpoint}/_optml/api/jobs`)).status).toBe(401);
    expect((await fetch(`${a.server.endpoint}/_optml/api/jobs`, { headers: { Authorization: "Bearer wrong" } })).status).toBe(401);
    expect((await fetch(`${a.server.endpoint}/_optml/api/jobs`, { headers: { Authorization: `Bearer ${token}` } })).status).toBe(200);

    seedJob(a.server.controlPlane, "auth-job", { lines: 10, points: 10 });
    const page = await browser.context.newPage();
    await page.goto(`${a.server.endpoint}/`);
    expect(await page.locator("input[name=token]").count()).toBe(1);
    await page.goto(url);
    expect(new URL(page.url()).search).toBe("");
    await page.locator('tr[data-job="auth-job"]').waitFor();
    await page.goto(`${a.server.endpoint}/#/jobs/auth-job`);
    await until(async () => (await attr(page, ".log", "data-total")) === 10, "the 10 lines");
    await page.screenshot({ path: screenshotPath("auth") });
    await page.close();
  });

  it("answers only requests addressed to it (DNS rebinding) and POSTs with the dashboard's header", async () => {
    const { request } = await import("node:http");
    const status = (path: string, headers: Record<string, string>, method = "GET") =>
      new Promise<number>((resolve, reject) => {
        const req = request(`${h.server.endpoint}${path}`, { method, headers }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on("error", reject);
        req.end();
      });
    expect(await status("/_optml/api/jobs", { Host: "attacker.example:80" })).toBe(421);
    expect(await status("/_optml/api/jobs", { Host: `localhost:${h.server.port}` })).toBe(200);
    expect(await status("/_optml/api/jobs/dash-live/stop", {}, "POST")).toBe(403);
    expect(await status("/_optml/api/jobs/no-such-job/stop", { "X-Optml-Dashboard": "1" }, "POST")).toBe(400);
  });
});
