/**
 * One host's log, virtualised: only the rows in view exist in the DOM; lines are fetched from the
 * server in windows of CHUNK by their seq (an indexed range read), kept in a bounded cache, and new
 * lines arrive over server-sent events while the job runs. A million-line log costs what a screen
 * of lines costs. Lines are text nodes: nothing in a log is ever read as HTML.
 */
import { get, job, type LogWindow } from "./api.js";
import { h } from "./dom.js";

const ROW = 18;
const CHUNK = 500;
const MAX_CHUNKS = 400;
/** Taller scroll areas are scaled down: browsers cap an element's height (Chrome ~33M px, Firefox ~17M). */
const MAX_PX = 8_000_000;

export class LogView {
  readonly element: HTMLElement;
  private readonly scroller: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly rows: HTMLElement;
  private readonly info: HTMLElement;
  private readonly followBox: HTMLInputElement;
  private total = 0;
  private readonly chunks = new Map<number, string[]>();
  private readonly loading = new Set<number>();
  private source: EventSource | undefined;
  private frame = 0;
  private following: boolean;
  private destroyed = false;
  /** Set while the view scrolls itself, so that the scroll is not taken as the user's. */
  private selfScroll = false;
  /** Nothing is drawn (or fetched) before the tail is in: the view opens at the end. */
  private started = false;

  constructor(
    private readonly jobName: string,
    readonly host: string,
    total: number,
    private readonly live: boolean,
  ) {
    this.total = total;
    this.following = true;
    this.followBox = h("input", { type: "checkbox", checked: true, onchange: () => this.setFollow(this.followBox.checked) });
    this.info = h("span", { class: "muted log-info" });
    this.spacer = h("div", { class: "log-spacer" });
    this.rows = h("div", { class: "log-rows" });
    this.scroller = h("div", { class: "log-scroller", tabindex: 0, "data-host": host }, this.spacer, this.rows);
    this.element = h("section", { class: "log", "data-log-host": host }, h("div", { class: "toolbar" }, h("label", {}, this.followBox, live ? " follow" : " jump to end"), this.info), this.scroller);
    this.scroller.addEventListener("scroll", () => this.onScroll(), { passive: true });
    // A view shown (another host's tab) or resized keeps to the end while it follows.
    new ResizeObserver(() => (this.following && this.started ? this.scrollToEnd() : this.schedule())).observe(this.scroller);
    this.layout();
    void this.start();
  }

  private async start(): Promise<void> {
    // The tail first: where a log is usually read, and what follow shows.
    if (this.total > 0) await this.fetchChunk(Math.floor((this.total - 1) / CHUNK));
    this.started = true;
    this.scrollToEnd();
    if (this.live) this.follow();
  }

  private follow(): void {
    const url = `/_optml/api${job(this.jobName)}/logs/${encodeURIComponent(this.host)}/follow?from=${this.total}`;
    this.source = new EventSource(url);
    this.source.addEventListener("lines", (e) => {
      const w = JSON.parse((e as MessageEvent<string>).data) as LogWindow;
      this.put(w.from, w.lines.map((l) => l[2]));
      this.total = Math.max(this.total, w.total);
      this.layout();
      if (this.following) this.scrollToEnd();
      else this.schedule();
    });
    this.source.addEventListener("status", (e) => {
      const s = JSON.parse((e as MessageEvent<string>).data) as { status: string };
      if (s.status !== "InProgress" && s.status !== "Stopping") {
        // Ended: the last lines arrive with the end; a moment later there is nothing more to follow.
        setTimeout(() => this.source?.close(), 1500);
      }
    });
  }

  /** Lines of the stream starting at seq `from`, into the chunk cache. */
  private put(from: number, lines: string[]): void {
    for (let i = 0; i < lines.length; i++) {
      const seq = from + i;
      const c = Math.floor(seq / CHUNK);
      let chunk = this.chunks.get(c);
      if (!chunk) {
        chunk = [];
        this.chunks.set(c, chunk);
      }
      chunk[seq - c * CHUNK] = lines[i]!;
    }
    this.evict();
  }

  private evict(): void {
    while (this.chunks.size > MAX_CHUNKS) {
      const first = this.chunks.keys().next().value as number;
      this.chunks.delete(first);
    }
  }

  private async fetchChunk(c: number): Promise<void> {
    if (this.loading.has(c) || this.destroyed) return;
    this.loading.add(c);
    try {
      const w = await get<LogWindow>(`${job(this.jobName)}/logs/${encodeURIComponent(this.host)}?from=${c * CHUNK}&count=${CHUNK}`);
      this.total = Math.max(this.total, w.total);
      const chunk = this.chunks.get(c) ?? [];
      this.chunks.delete(c); // re-inserted: most recently used
      w.lines.forEach((l) => (chunk[l[0] - c * CHUNK] = l[2]));
      this.chunks.set(c, chunk);
      this.evict();
      this.layout();
      this.schedule();
    } finally {
      this.loading.delete(c);
    }
  }

  private virtualHeight(): number {
    return Math.min(this.total * ROW, MAX_PX);
  }

  private layout(): void {
    this.spacer.style.height = `${this.virtualHeight() + ROW}px`;
    this.info.textContent = `${this.total.toLocaleString("en")} lines`;
    this.element.dataset.total = String(this.total);
  }

  /** The first line in view and the pixel offset of its row. */
  private firstLine(): { first: number; offset: number } {
    const top = this.scroller.scrollTop;
    const view = this.scroller.clientHeight;
    const height = this.virtualHeight();
    if (this.total * ROW <= MAX_PX) return { first: Math.floor(top / ROW), offset: -(top % ROW) };
    const visible = Math.ceil(view / ROW);
    const fraction = Math.min(1, top / Math.max(1, height + ROW - view));
    return { first: Math.round(fraction * Math.max(0, this.total - visible + 1)), offset: 0 };
  }

  private schedule(): void {
    if (this.frame || this.destroyed) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  private draw(): void {
    if (!this.started) return;
    const { first, offset } = this.firstLine();
    const count = Math.ceil(this.scroller.clientHeight / ROW) + 1;
    this.rows.style.transform = `translateY(${this.scroller.scrollTop + offset}px)`;
    const want = new Set<number>();
    const frag = document.createDocumentFragment();
    for (let seq = first; seq < Math.min(this.total, first + count); seq++) {
      const c = Math.floor(seq / CHUNK);
      const line = this.chunks.get(c)?.[seq - c * CHUNK];
      if (line === undefined) want.add(c);
      frag.append(h("div", { class: line === undefined ? "log-row pending" : "log-row", "data-seq": seq }, h("span", { class: "ln" }, String(seq + 1)), h("span", { class: "msg" }, line ?? "…")));
    }
    this.rows.replaceChildren(frag);
    this.element.dataset.first = String(first);
    for (const c of want) void this.fetchChunk(c);
  }

  private onScroll(): void {
    if (!this.selfScroll) {
      const atEnd = this.scroller.scrollTop + this.scroller.clientHeight >= this.scroller.scrollHeight - ROW * 2;
      if (this.following !== atEnd) {
        this.following = atEnd;
        this.followBox.checked = atEnd;
      }
    }
    this.selfScroll = false;
    this.schedule();
  }

  private setFollow(on: boolean): void {
    this.following = on;
    if (on) this.scrollToEnd();
  }

  private scrollToEnd(): void {
    const target = this.scroller.scrollHeight - this.scroller.clientHeight;
    if (Math.abs(this.scroller.scrollTop - target) > 1) {
      this.selfScroll = true;
      this.scroller.scrollTop = target;
    }
    this.schedule();
  }

  /** Scroll so that line `seq` (0-based) is at the top: for the bench and keyboard jumps. */
  scrollToLine(seq: number): void {
    const height = this.virtualHeight();
    this.scroller.scrollTop = this.total * ROW <= MAX_PX ? seq * ROW : (seq / Math.max(1, this.total)) * height;
    this.schedule();
  }

  destroy(): void {
    this.destroyed = true;
    this.source?.close();
    cancelAnimationFrame(this.frame);
  }
}
