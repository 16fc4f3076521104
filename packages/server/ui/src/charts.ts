/**
 * Charts with uPlot: canvas drawing, small (~50 KB), fast on large series and cheap to update
 * in place (setData), which live charts need. The server sends downsampled series, so a chart
 * holds a few thousand points whatever the job logged.
 */
import uPlot from "uplot";
import { h } from "./dom.js";

export const PALETTE = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#ca8a04", "#db2777", "#4b5563", "#65a30d"];

export interface LineChartOptions {
  title: string;
  /** The series' names, one per y array. */
  labels: string[];
  /** Time on the x axis (epoch seconds) or plain numbers. */
  timeAxis: boolean;
  xLabel?: string;
  yLabel?: string;
  points?: boolean;
  lines?: boolean;
  height?: number;
  /** Per series: false draws its points only (a scatter). Default: `lines`. */
  seriesLines?: boolean[];
  /** Values on the x axis are category indexes into these names. */
  xCategories?: string[];
}

export class Chart {
  readonly element: HTMLElement;
  private plot: uPlot | undefined;
  private observer: ResizeObserver;

  constructor(
    readonly options: LineChartOptions,
    private data: uPlot.AlignedData,
  ) {
    this.element = h("figure", { class: "chart", "data-chart": options.title });
    this.observer = new ResizeObserver(() => this.resize());
    requestAnimationFrame(() => {
      this.make();
      this.observer.observe(this.element);
    });
  }

  private width(): number {
    return Math.max(240, Math.floor(this.element.clientWidth || 480));
  }

  private make(): void {
    if (this.plot) return;
    const o = this.options;
    const categories = o.xCategories;
    const opts: uPlot.Options = {
      title: o.title,
      width: this.width(),
      height: o.height ?? 220,
      scales: { x: { time: o.timeAxis } },
      legend: { live: true },
      cursor: { drag: { x: true, y: false } },
      axes: [
        {
          ...(o.xLabel ? { label: o.xLabel } : {}),
          ...(categories ? { values: (_u: uPlot, ticks: number[]) => ticks.map((t) => (Number.isInteger(t) ? (categories[t] ?? "") : "")) } : {}),
        },
        { ...(o.yLabel ? { label: o.yLabel } : {}), size: 60 },
      ],
      series: [
        {},
        ...o.labels.map((label, i) => ({
          label,
          stroke: PALETTE[i % PALETTE.length]!,
          width: 1.5,
          spanGaps: true,
          points: { show: o.points ?? false, size: 6, fill: PALETTE[i % PALETTE.length]! },
          ...((o.seriesLines?.[i] ?? o.lines) === false ? { paths: () => null } : {}),
        })),
      ],
    };
    this.plot = new uPlot(opts, this.data, this.element);
    this.element.dataset.points = String(this.pointCount());
  }

  private resize(): void {
    if (this.plot && Math.abs(this.plot.width - this.width()) > 4) this.plot.setSize({ width: this.width(), height: this.plot.height });
  }

  /** Points drawn (over every series), for tests and the bench. */
  pointCount(): number {
    let n = 0;
    for (let i = 1; i < this.data.length; i++) for (const y of this.data[i] ?? []) if (y !== null && y !== undefined) n++;
    return n;
  }

  setData(data: uPlot.AlignedData): void {
    this.data = data;
    this.plot?.setData(data);
    this.element.dataset.points = String(this.pointCount());
  }

  destroy(): void {
    this.observer.disconnect();
    this.plot?.destroy();
  }
}

/** Several series with their own x values on one x axis: the union of xs, nulls where a series has none. */
export function align(series: { t: number[]; v: number[] }[]): uPlot.AlignedData {
  const xs = [...new Set(series.flatMap((s) => s.t))].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const ys = series.map((s) => {
    const y: (number | null)[] = new Array(xs.length).fill(null);
    s.t.forEach((t, i) => {
      y[index.get(t)!] = s.v[i]!;
    });
    return y;
  });
  return [xs, ...ys] as uPlot.AlignedData;
}
