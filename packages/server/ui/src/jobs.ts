/** The jobs list: filter by status and name, sort by any column, select jobs to compare; refreshed every 2 s. */
import { get, type JobSummary } from "./api.js";
import { clear, duration, h, jobDuration, num, route, statusBadge, time } from "./dom.js";
import type { Leave } from "./main.js";

interface List {
  jobs: JobSummary[];
  tuningJobs: { name: string; status: string; creationTime: number }[];
}

type Column = { key: string; label: string; value: (j: JobSummary) => string | number | null; cell: (j: JobSummary) => Node | string };

const STATUSES = ["", "InProgress", "Completed", "Failed", "Stopping", "Stopped"];

export function jobsPage(root: HTMLElement): Leave {
  const params = new URLSearchParams(sessionStorage.getItem("optml.jobs") ?? "");
  const state = {
    status: params.get("status") ?? "",
    name: params.get("name") ?? "",
    sort: params.get("sort") ?? "creationTime",
    dir: params.get("dir") === "asc" ? 1 : -1,
    selected: new Set<string>(),
  };
  let data: List = { jobs: [], tuningJobs: [] };
  const save = () => sessionStorage.setItem("optml.jobs", new URLSearchParams({ status: state.status, name: state.name, sort: state.sort, dir: state.dir === 1 ? "asc" : "desc" }).toString());

  const statusSelect = h("select", { id: "filter-status", "aria-label": "status", onchange: () => { state.status = statusSelect.value; save(); draw(); } }, ...STATUSES.map((s) => h("option", { value: s }, s === "" ? "any status" : s)));
  statusSelect.value = state.status;
  const nameInput = h("input", { id: "filter-name", type: "search", placeholder: "name contains", "aria-label": "name contains", value: state.name, oninput: () => { state.name = nameInput.value; save(); draw(); } });
  const compareButton = h("button", { id: "compare", disabled: true, onclick: () => { location.hash = `#/compare?jobs=${[...state.selected].map(encodeURIComponent).join(",")}`; } }, "Compare selected");
  const count = h("span", { class: "muted" });
  const table = h("table", { id: "jobs", class: "grid" });
  const tuning = h("div", { id: "tuning-jobs" });
  root.append(h("h1", {}, "Training jobs"), h("div", { class: "toolbar" }, statusSelect, nameInput, compareButton, count), table, tuning);

  function columns(): Column[] {
    const metricNames = [...new Set(data.jobs.flatMap((j) => Object.keys(j.finalMetrics)))].sort();
    return [
      { key: "name", label: "Name", value: (j) => j.name, cell: (j) => h("a", { href: route("jobs", j.name) }, j.name) },
      { key: "status", label: "Status", value: (j) => j.status, cell: (j) => statusBadge(j.status, j.secondaryStatus) },
      { key: "creationTime", label: "Created", value: (j) => j.creationTime, cell: (j) => time(j.creationTime) },
      { key: "duration", label: "Duration", value: (j) => jobDuration(j), cell: (j) => duration(jobDuration(j)) },
      { key: "instanceType", label: "Instance", value: (j) => j.instanceType, cell: (j) => j.instanceType ?? "" },
      { key: "instanceCount", label: "Count", value: (j) => j.instanceCount, cell: (j) => String(j.instanceCount ?? "") },
      ...metricNames.map((m): Column => ({ key: `metric:${m}`, label: m, value: (j) => j.finalMetrics[m] ?? null, cell: (j) => num(j.finalMetrics[m]) })),
    ];
  }

  function draw(): void {
    const cols = columns();
    const sortCol = cols.find((c) => c.key === state.sort) ?? cols[2]!;
    const filter = state.name.toLowerCase();
    const rows = data.jobs
      .filter((j) => (state.status === "" || j.status === state.status) && (filter === "" || j.name.toLowerCase().includes(filter)))
      .sort((a, b) => {
        const x = sortCol.value(a);
        const y = sortCol.value(b);
        if (x === y) return 0;
        if (x === null) return 1;
        if (y === null) return -1;
        return (x < y ? -1 : 1) * state.dir;
      });
    clear(table);
    const head = h("tr", {}, h("th", {}, ""));
    for (const c of cols) {
      const arrow = c.key === sortCol.key ? (state.dir === 1 ? " ▲" : " ▼") : "";
      head.append(h("th", { class: "sortable", "data-key": c.key, onclick: () => { state.dir = state.sort === c.key ? -state.dir : c.key === "name" ? 1 : -1; state.sort = c.key; save(); draw(); } }, c.label, arrow));
    }
    table.append(h("thead", {}, head));
    const body = h("tbody");
    for (const j of rows) {
      const box = h("input", { type: "checkbox", "aria-label": `select ${j.name}`, checked: state.selected.has(j.name), onchange: () => { if (box.checked) state.selected.add(j.name); else state.selected.delete(j.name); compareButton.disabled = state.selected.size < 2; } });
      const tr = h("tr", { "data-job": j.name }, h("td", {}, box));
      for (const c of cols) tr.append(h("td", { "data-col": c.key }, c.cell(j)));
      body.append(tr);
    }
    table.append(body);
    if (rows.length === 0) table.append(h("tbody", {}, h("tr", {}, h("td", { colspan: cols.length + 1, class: "muted" }, data.jobs.length ? "No job matches." : "No training jobs yet: optml train job.json"))));
    count.textContent = `${rows.length} of ${data.jobs.length}`;
    compareButton.disabled = state.selected.size < 2;
    clear(tuning);
    if (data.tuningJobs.length) {
      tuning.append(
        h("h2", {}, "Tuning jobs"),
        h("table", { class: "grid" }, h("tbody", {}, ...data.tuningJobs.map((t) => h("tr", {}, h("td", {}, h("a", { href: route("tuning", t.name) }, t.name)), h("td", {}, statusBadge(t.status)), h("td", {}, time(t.creationTime)))))),
      );
    }
  }

  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const refresh = async () => {
    try {
      data = await get<List>("/jobs");
      if (!stopped) draw();
    } catch (e) {
      count.textContent = String(e);
    }
    if (!stopped) timer = setTimeout(refresh, 2000);
  };
  void refresh();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
