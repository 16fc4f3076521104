/**
 * The dashboard: a hash router over four pages (jobs, job, compare, tuning job). Each page returns
 * a function that stops its timers and streams when the page is left.
 */
import "uplot/dist/uPlot.min.css";
import "./style.css";
import { clear, h } from "./dom.js";
import { comparePage } from "./compare.js";
import { jobPage } from "./job.js";
import { jobsPage } from "./jobs.js";
import { tuningPage } from "./tuning.js";

export type Leave = () => void;

const app = document.getElementById("app")!;
let leave: Leave | undefined;

function render(): void {
  leave?.();
  leave = undefined;
  clear(app);
  const hash = location.hash.replace(/^#\/?/, "");
  const [path = "", query = ""] = hash.split("?", 2);
  const parts = path.split("/").filter((p) => p !== "").map(decodeURIComponent);
  const params = new URLSearchParams(query);
  try {
    if (parts.length === 0) leave = jobsPage(app);
    else if (parts[0] === "jobs" && parts[1]) leave = jobPage(app, parts[1]);
    else if (parts[0] === "compare") leave = comparePage(app, (params.get("jobs") ?? "").split(",").filter((j) => j !== ""));
    else if (parts[0] === "tuning" && parts[1]) leave = tuningPage(app, parts[1]);
    else app.append(h("p", { class: "error" }, "No such page. ", h("a", { href: "#/" }, "Jobs")));
  } catch (e) {
    app.append(h("p", { class: "error" }, String(e)));
  }
}

window.addEventListener("hashchange", render);
render();
