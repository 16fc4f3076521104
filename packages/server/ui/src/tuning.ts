/**
 * A tuning job: its trials in a table, the objective against each tuned hyperparameter, and the
 * best objective so far over the trials in creation order. Refreshed every 3 s while it runs.
 */
import { get, type TuningDetail } from "./api.js";
import { Chart } from "./charts.js";
import { clear, duration, h, jobDuration, num, route, statusBadge } from "./dom.js";
import type { Leave } from "./main.js";

export function tuningPage(root: HTMLElement, name: string): Leave {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let charts: Chart[] = [];
  const head = h("div", { class: "title-row" }, h("h1", {}, name));
  const facts = h("p", { id: "tuning-facts" });
  const chartsBox = h("div", { class: "charts", id: "tuning-charts" });
  const trials = h("div", { id: "trials" });
  root.append(h("p", { class: "crumbs" }, h("a", { href: "#/" }, "Jobs"), " / tuning"), head, facts, h("h2", {}, "Objective"), chartsBox, h("h2", {}, "Trials"), trials);
  let drawnFor = "";

  function draw(t: TuningDetail): void {
    clear(facts);
    facts.append(statusBadge(t.status), ` ${t.strategy ?? ""} · ${t.objective.type ?? ""} ${t.objective.metricName ?? ""} · ${t.trials.length} trials`);
    if (t.failureReason) facts.append(h("span", { class: "error" }, ` ${t.failureReason}`));
    const done = t.trials.filter((x) => x.objective !== null).sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
    const key = JSON.stringify(done.map((x) => [x.name, x.objective]));
    if (key !== drawnFor) {
      drawnFor = key;
      for (const c of charts) c.destroy();
      charts = [];
      clear(chartsBox);
      const minimize = t.objective.type !== "Maximize";
      let best: number | null = null;
      const bestSoFar = done.map((x) => (best = best === null ? x.objective! : minimize ? Math.min(best, x.objective!) : Math.max(best, x.objective!)));
      const seqs = done.map((x, i) => x.seq ?? i + 1);
      if (done.length > 0) charts.push(new Chart({ title: "best so far", labels: [t.objective.metricName ?? "objective", "best so far"], timeAxis: false, xLabel: "trial", points: true, seriesLines: [false, true] }, [seqs, done.map((x) => x.objective), bestSoFar]));
      const tuned = [...new Set(done.flatMap((x) => Object.keys(x.tuned)))].sort();
      for (const hp of tuned) {
        const values = done.map((x) => x.tuned[hp] ?? "");
        const numeric = values.every((v) => v !== "" && Number.isFinite(Number(v)));
        const categories = numeric ? undefined : [...new Set(values)].sort();
        const xs = values.map((v) => (numeric ? Number(v) : categories!.indexOf(v)));
        const order = xs.map((_, i) => i).sort((a, b) => xs[a]! - xs[b]!);
        charts.push(
          new Chart(
            { title: `${t.objective.metricName ?? "objective"} vs ${hp}`, labels: [t.objective.metricName ?? "objective"], timeAxis: false, xLabel: hp, points: true, lines: false, ...(categories ? { xCategories: categories } : {}) },
            [order.map((i) => xs[i]!), order.map((i) => done[i]!.objective)],
          ),
        );
      }
      for (const c of charts) chartsBox.append(c.element);
      if (done.length === 0) chartsBox.append(h("p", { class: "muted" }, "no trial has reported its objective yet"));
    }
    clear(trials);
    const hps = [...new Set(t.trials.flatMap((x) => Object.keys(x.tuned)))].sort();
    trials.append(
      h(
        "table",
        { class: "grid" },
        h("thead", {}, h("tr", {}, h("th", {}, "#"), h("th", {}, "Training job"), h("th", {}, "Status"), h("th", {}, "Duration"), h("th", {}, t.objective.metricName ?? "objective"), ...hps.map((p) => h("th", {}, p)))),
        h("tbody", {}, ...t.trials.map((x) => h("tr", {}, h("td", {}, String(x.seq ?? "")), h("td", {}, h("a", { href: route("jobs", x.name) }, x.name)), h("td", {}, statusBadge(x.status)), h("td", {}, duration(jobDuration(x))), h("td", {}, num(x.objective)), ...hps.map((p) => h("td", {}, x.tuned[p] ?? ""))))),
      ),
    );
  }

  const refresh = async () => {
    try {
      const t = await get<TuningDetail>(`/tuning/${encodeURIComponent(name)}`);
      if (stopped) return;
      draw(t);
      document.body.dataset.loaded = "true";
      if (t.status !== "InProgress" && t.status !== "Stopping") return;
    } catch (e) {
      facts.textContent = String(e);
    }
    if (!stopped) timer = setTimeout(() => void refresh(), 3000);
  };
  void refresh();
  return () => {
    stopped = true;
    clearTimeout(timer);
    for (const c of charts) c.destroy();
    delete document.body.dataset.loaded;
  };
}
