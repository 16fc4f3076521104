/**
 * Two or more jobs side by side: each metric's curves overlaid (x: the sample number, so runs
 * started at different times and running at different speeds line up by step) and the
 * hyperparameters that differ.
 */
import { get, job as jobPath, type JobDetail, type MetricSeries } from "./api.js";
import { Chart, align } from "./charts.js";
import { h, num, route, statusBadge } from "./dom.js";
import type { Leave } from "./main.js";

export function comparePage(root: HTMLElement, names: string[]): Leave {
  const charts: Chart[] = [];
  root.append(h("p", { class: "crumbs" }, h("a", { href: "#/" }, "Jobs"), " / compare"), h("h1", {}, `Compare ${names.length} jobs`));
  if (names.length < 2) {
    root.append(h("p", { class: "error" }, "Pick two or more jobs on the jobs page."));
    return () => undefined;
  }
  const table = h("div", { id: "hp-diff" });
  const chartsBox = h("div", { class: "charts", id: "compare-charts" });
  root.append(h("h2", {}, "Metrics"), chartsBox, h("h2", {}, "Hyperparameters"), table);
  let stopped = false;

  void (async () => {
    const details = await Promise.all(names.map((n) => get<JobDetail>(jobPath(n))));
    const metrics = await Promise.all(names.map((n) => get<{ series: MetricSeries[] }>(`${jobPath(n)}/metrics?points=600`)));
    if (stopped) return;
    const keys = [...new Set(details.flatMap((d) => Object.keys(d.hyperParameters)))].sort();
    const differs = (k: string) => new Set(details.map((d) => d.hyperParameters[k] ?? "")).size > 1;
    const showAll = h("input", { type: "checkbox", id: "hp-all", onchange: () => draw() });
    const draw = () => {
      table.replaceChildren(
        h("label", {}, showAll, " show equal ones too"),
        h(
          "table",
          { class: "grid", id: "hp-table" },
          h("thead", {}, h("tr", {}, h("th", {}, "Hyperparameter"), ...details.map((d) => h("th", {}, h("a", { href: route("jobs", d.name) }, d.name), " ", statusBadge(d.status))))),
          h(
            "tbody",
            {},
            ...keys
              .filter((k) => showAll.checked || differs(k))
              .map((k) => h("tr", { class: differs(k) ? "differs" : "", "data-hp": k }, h("th", {}, k), ...details.map((d) => h("td", {}, d.hyperParameters[k] ?? "—")))),
          ),
          h("tbody", {}, ...[...new Set(details.flatMap((d) => Object.keys(d.finalMetrics)))].sort().map((m) => h("tr", { class: "metric" }, h("th", {}, `final ${m}`), ...details.map((d) => h("td", {}, num(d.finalMetrics[m])))))),
        ),
      );
    };
    draw();
    const metricNames = [...new Set(metrics.flatMap((m) => m.series.map((s) => s.name)))].sort();
    for (const metric of metricNames) {
      const perJob = metrics.map((m) => {
        // One curve per job: the host with the most samples of it (usually algo-1, the one that reports).
        const s = m.series.filter((x) => x.name === metric).sort((a, b) => b.count - a.count)[0];
        // x: the sample number (1, 2, ...), which lines up epochs or steps of runs of any speed.
        return s ? { t: s.i.map((x) => x + 1), v: s.v } : { t: [], v: [] };
      });
      const chart = new Chart({ title: metric, labels: names, timeAxis: false, xLabel: "sample" }, align(perJob));
      charts.push(chart);
      chartsBox.append(chart.element);
    }
    if (metricNames.length === 0) chartsBox.append(h("p", { class: "muted" }, "none of these jobs has metric samples"));
    document.body.dataset.loaded = "true";
  })().catch((e) => root.append(h("p", { class: "error" }, String(e))));

  return () => {
    stopped = true;
    for (const c of charts) c.destroy();
    delete document.body.dataset.loaded;
  };
}
