/**
 * Capacity: at most `capacity` jobs run at once, and the machine's GPUs (where `nvidia-smi` lists
 * some) go to one running job each; the others wait in creation order (SecondaryStatus Pending)
 * and start as running jobs finish and give back their slot and GPUs.
 */
export interface Slot {
  /** Give back the slot and the GPUs (call it exactly once; later calls do nothing). */
  readonly release: () => void;
  /** The GPUs (nvidia-smi indexes) the job was given. */
  readonly gpus: readonly string[];
}

export class Scheduler {
  private running = 0;
  private readonly waiting: { readonly gpus: number; readonly wake: (slot: Slot) => void }[] = [];
  private readonly freeGpus: string[];

  /** @param gpus the machine's GPUs (nvidia-smi indexes), handed out to the jobs that need them. */
  constructor(
    readonly capacity: number,
    readonly gpus: readonly string[] = [],
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`capacity must be a whole number >= 1, got ${capacity}`);
    this.freeGpus = [...gpus];
  }

  /** How many jobs wait for capacity. */
  get queued(): number {
    return this.waiting.length;
  }

  /** Whether a job would have to wait now. */
  get full(): boolean {
    return this.running >= this.capacity;
  }

  /** Whether a job needing `gpus` GPUs would have to wait now. */
  wouldWait(gpus: number): boolean {
    return !this.fits(gpus) || this.waiting.length > 0;
  }

  /** How many GPUs are free now. */
  get gpusFree(): number {
    return this.freeGpus.length;
  }

  private fits(gpus: number): boolean {
    return this.running < this.capacity && gpus <= this.freeGpus.length;
  }

  /** Wait for a slot; the returned function gives it back (call it exactly once). */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    return (await this.acquireGpus(0, signal)).release;
  }

  /**
   * Wait for a slot and `gpus` GPUs (at most the machine's: ask for no more), in creation order:
   * a job waits while one created before it waits.
   */
  async acquireGpus(gpus: number, signal?: AbortSignal): Promise<Slot> {
    if (gpus > this.gpus.length) throw new Error(`a job asks for ${gpus} GPUs, more than this machine's ${this.gpus.length}`);
    if (!this.wouldWait(gpus)) return this.take(gpus);
    return new Promise<Slot>((resolve, reject) => {
      const entry = {
        gpus,
        wake: (slot: Slot) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(slot);
        },
      };
      const onAbort = () => {
        const i = this.waiting.indexOf(entry);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(signal!.reason);
        // The head left: those behind it may fit now.
        this.wakeWaiting();
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiting.push(entry);
    });
  }

  /** Take a slot and these GPUs at once (a job that had them before a restart); returns its release. */
  claim(gpus: readonly string[]): () => void {
    const mine = gpus.filter((g) => this.freeGpus.includes(g));
    for (const g of mine) this.freeGpus.splice(this.freeGpus.indexOf(g), 1);
    return this.slot(mine).release;
  }

  private take(gpus: number): Slot {
    return this.slot(this.freeGpus.splice(0, gpus));
  }

  private slot(taken: string[]): Slot {
    this.running++;
    let released = false;
    return {
      gpus: taken,
      release: () => {
        if (released) return;
        released = true;
        this.running--;
        this.freeGpus.push(...taken);
        this.freeGpus.sort((a, b) => this.gpus.indexOf(a) - this.gpus.indexOf(b));
        this.wakeWaiting();
      },
    };
  }

  /** Start the waiting jobs at the head of the queue that fit now (in order: none jumps the queue). */
  private wakeWaiting(): void {
    while (this.waiting.length > 0) {
      const head = this.waiting[0]!;
      if (!this.fits(head.gpus)) return;
      this.waiting.shift();
      // Its slot and GPUs are taken now: no later caller gets them before it resumes.
      head.wake(this.take(head.gpus));
    }
  }
}
