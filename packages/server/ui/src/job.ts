/**
 * One training job: status and its timeline of secondary statuses, the Stop button (the same stop
 * as StopTrainingJob), hyperparameters, channels, artifacts to download, each host's log (live),
 * metric charts and host utilisation charts, updated every 2 s while the job runs.
 */
import { get, job as jobPath, post, type Artifacts, type HostUtilization, type JobDetail, type MetricSeries } from "./api.js";
import { Chart, align } from "./charts.js";
import { bytes, clear, duration, h, jobDuration, num, route, statusBadge, time } from "./dom.js";
import { LogView } from "./logview.js";
import type { Leave } from "./main.js";

const FIGURES: Record<string, string> = {
  cpuPercent: "CPUUtilization (%)",
  memoryPercent: "MemoryUtilization (%)",
  diskPercent: "DiskUtilization (%)",
  gpuPercent: "GPUUtilization (%)",
  gpuMemoryPercent: "GPUMemoryUtilization (%)",
};

const running = (status: string) => status === "InProgress" || status === "Stopping";

export function jobPage(root: HTMLElement, name: string): Leave {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const logs = new Map<string, LogView>();
  const metricCharts = new Map<string, Chart>();
  const utilCharts = new Map<string, Chart>();

  const title = h("h1", {}, name);
  const status = h("span", { id: "job-status" });
  const stopButton = h("button", { id: "stop", class: "danger", onclick: () => void stop() }, "Stop");
  const message = h("span", { class: "muted", id: "job-message" });
  const summary = h("dl", { class: "facts", id: "job-facts" });
  const timeline = h("div", { id: "timeline" });
  const metricsBox = h("div", { class: "charts", id: "metric-charts" });
  const utilBox = h("div", { class: "charts", id: "utilization-charts" });
  const logTabs = h("div", { class: "tabs", id: "log-tabs" });
  const logBox = h("div", { id: "logs" });
  const params = h("div", { id: "hyperparameters" });
  const channels = h("div", { id: "channels" });
  const artifacts = h("div", { id: "artifacts" });
  root.append(
    h("p", { class: "crumbs" }, h("a", { href: "#/" }, "Jobs"), " / "),
    h("div", { class: "title-row" }, title, status, stopButton, message),
    summary,
    h("h2", {}, "Timeline"),
    timeline,
    h("h2", {}, "Metrics"),
    metricsBox,
    h("h2", {}, "Logs"),
    logTabs,
    logBox,
    h("h2", {}, "Host utilisation"),
    utilBox,
    h("div", { class: "columns" }, h("div", {}, h("h2", {}, "Hyperparameters"), params), h("div", {}, h("h2", {}, "Channels"), channels, h("h2", {}, "Artifacts"), artifacts)),
  );

  async function stop(): Promise<void> {
    stopButton.disabled = true;
    try {
      await post(`${jobPath(name)}/stop`);
      message.textContent = "stop requested";
    } catch (e) {
      message.textContent = String(e);
      stopButton.disabled = false;
    }
  }

  let current: JobDetail | undefined;
  let artifactsFinal = false;

  function drawArtifacts(a: Artifacts): void {
    clear(artifacts);
    if (a.location) artifacts.append(h("p", { class: "muted" }, a.location));
    if (a.files.length) {
      artifacts.append(
        h("ul", { class: "files" }, ...a.files.map((f) => h("li", {}, h("a", { href: `/_optml/api${jobPath(name)}/artifacts?path=${encodeURIComponent(f.path)}`, download: f.path.split("/").pop() ?? f.path }, f.path), " ", h("span", { class: "muted" }, bytes(f.bytes))))),
      );
    } else artifacts.append(h("p", { class: "muted" }, artifactsFinal ? "none" : "written when the job ends"));
  }
  let shownHost: string | undefined;

  function showLog(host: string): void {
    shownHost = host;
    for (const [hname, view] of logs) view.element.hidden = hname !== host;
    for (const b of logTabs.querySelectorAll("button")) b.classList.toggle("active", (b as HTMLElement).dataset.host === host);
  }

  function drawDetail(d: JobDetail): void {
    clear(status);
    status.append(statusBadge(d.status, d.secondaryStatus));
    stopButton.disabled = !running(d.status) || d.status === "Stopping";
    stopButton.hidden = !running(d.status) && d.status !== "Stopping";
    clear(summary);
    const fact = (k: string, v: Node | string) => summary.append(h("dt", {}, k), h("dd", {}, v));
    fact("Created", time(d.creationTime));
    fact("Duration", duration(jobDuration(d)));
    fact("Instances", `${d.instanceCount ?? ""} × ${d.instanceType ?? ""}`);
    if (d.trainingImage) fact("Image", d.trainingImage);
    if (d.tuningJob) fact("Tuning job", h("a", { href: route("tuning", d.tuningJob) }, d.tuningJob));
    if (d.failureReason) fact("Failure", h("span", { class: "error" }, d.failureReason));
    for (const w of d.warnings) fact("Warning", w);
    for (const [m, v] of Object.entries(d.finalMetrics)) fact(m, num(v));

    clear(timeline);
    const end = running(d.status) ? Date.now() / 1000 : (d.transitions[d.transitions.length - 1]?.endTime ?? d.lastModifiedTime);
    const start = d.transitions[0]?.startTime ?? d.creationTime;
    const span = Math.max(1e-3, end - start);
    const bar = h("div", { class: "timeline-bar" });
    const rows = h("tbody");
    for (const t of d.transitions) {
      const tEnd = t.endTime ?? end;
      const width = Math.max(0.5, ((tEnd - t.startTime) / span) * 100);
      bar.append(h("span", { class: `seg seg-${t.status.toLowerCase()}`, style: `width:${width}%`, title: `${t.status}: ${t.message}` }, t.status));
      rows.append(h("tr", {}, h("td", {}, t.status), h("td", {}, time(t.startTime)), h("td", {}, duration(tEnd - t.startTime)), h("td", {}, t.message)));
    }
    timeline.append(bar, h("table", { class: "grid" }, h("thead", {}, h("tr", {}, h("th", {}, "Status"), h("th", {}, "Start"), h("th", {}, "Duration"), h("th", {}, "Message"))), rows));

    if (!current) {
      clear(params);
      const entries = Object.entries(d.hyperParameters).sort(([a], [b]) => a.localeCompare(b));
      params.append(entries.length ? h("table", { class: "grid kv" }, h("tbody", {}, ...entries.map(([k, v]) => h("tr", {}, h("th", {}, k), h("td", {}, v))))) : h("p", { class: "muted" }, "none"));
      clear(channels);
      channels.append(
        d.inputDataConfig.length
          ? h("table", { class: "grid" }, h("tbody", {}, ...d.inputDataConfig.map((c) => h("tr", {}, h("th", {}, c.ChannelName ?? ""), h("td", {}, c.DataSource?.S3DataSource?.S3Uri ?? ""), h("td", {}, c.InputMode ?? ""), h("td", {}, c.ContentType ?? "")))))
          : h("p", { class: "muted" }, "none"),
      );
    }
    // The output folder is listed once while the job runs, and again when it has ended.
    const ended = !running(d.status);
    if (!current || (ended && !artifactsFinal)) {
      artifactsFinal = ended;
      void get<Artifacts>(`${jobPath(name)}/artifacts`).then(drawArtifacts, (e: unknown) => artifacts.replaceChildren(h("p", { class: "error" }, String(e))));
    }

    for (const s of d.streams) {
      if (logs.has(s.host)) continue;
      const view = new LogView(name, s.host, s.lines, running(d.status));
      logs.set(s.host, view);
      logBox.append(view.element);
      logTabs.append(h("button", { "data-host": s.host, onclick: () => showLog(s.host) }, s.host));
      if (!shownHost) showLog(s.host);
      else view.element.hidden = true;
    }
    if (d.streams.length === 0 && logBox.childElementCount === 0) logBox.append(h("p", { class: "muted", id: "no-logs" }, "no log lines yet"));
    else logBox.querySelector("#no-logs")?.remove();
    current = d;
  }

  function drawMetrics(series: MetricSeries[]): void {
    const byName = new Map<string, MetricSeries[]>();
    for (const s of series) byName.set(s.name, [...(byName.get(s.name) ?? []), s]);
    for (const [metric, list] of byName) {
      const data = align(list);
      const chart = metricCharts.get(metric);
      if (chart) chart.setData(data);
      else {
        const c = new Chart({ title: metric, labels: list.map((s) => s.host ?? metric), timeAxis: true }, data);
        metricCharts.set(metric, c);
        metricsBox.append(c.element);
      }
    }
    if (byName.size === 0 && !metricsBox.firstChild) metricsBox.append(h("p", { class: "muted", id: "no-metrics" }, "no metric samples yet (the job's MetricDefinitions match its log lines)"));
    if (byName.size > 0) metricsBox.querySelector("#no-metrics")?.remove();
  }

  function drawUtilization(hosts: HostUtilization[]): void {
    for (const [figure, label] of Object.entries(FIGURES)) {
      const withFigure = hosts.filter((x) => x.figures[figure]);
      if (withFigure.length === 0) continue;
      const data = align(withFigure.map((x) => x.figures[figure]!));
      const chart = utilCharts.get(figure);
      if (chart) chart.setData(data);
      else {
        const c = new Chart({ title: label, labels: withFigure.map((x) => x.host), timeAxis: true, height: 160 }, data);
        utilCharts.set(figure, c);
        utilBox.append(c.element);
      }
    }
    if (hosts.length === 0 && !utilBox.firstChild) utilBox.append(h("p", { class: "muted" }, "no samples"));
  }

  const refresh = async (): Promise<void> => {
    try {
      const width = Math.max(200, Math.floor((metricsBox.clientWidth || 800) / 2));
      const [d, m, u] = await Promise.all([
        get<JobDetail>(jobPath(name)),
        get<{ series: MetricSeries[] }>(`${jobPath(name)}/metrics?points=${width}`),
        get<{ hosts: HostUtilization[] }>(`${jobPath(name)}/utilization?points=${width}`),
      ]);
      if (stopped) return;
      drawDetail(d);
      drawMetrics(m.series);
      drawUtilization(u.hosts);
      document.body.dataset.loaded = "true";
      if (!running(d.status)) return; // ended: nothing changes any more
    } catch (e) {
      message.textContent = String(e);
    }
    if (!stopped) timer = setTimeout(() => void refresh(), 2000);
  };
  void refresh();

  return () => {
    stopped = true;
    clearTimeout(timer);
    for (const v of logs.values()) v.destroy();
    for (const c of [...metricCharts.values(), ...utilCharts.values()]) c.destroy();
    delete document.body.dataset.loaded;
  };
}
