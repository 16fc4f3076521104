/**
 * A task that runs one at a time and whose requests coalesce: `run()` while no run is waiting
 * queues one (after the run in progress, if any); `run()` while one is waiting joins it. So a run
 * covers every request made before it starts, and requests made together cost one run.
 */
export class CoalescedTask {
  private current: Promise<void> = Promise.resolve();
  private waiting: Promise<void> | undefined;

  constructor(private readonly task: () => Promise<void>) {}

  run(): Promise<void> {
    if (this.waiting) return this.waiting;
    const next = this.current
      .catch(() => undefined)
      .then(() => {
        this.waiting = undefined;
        return this.task();
      });
    this.waiting = next;
    this.current = next;
    return next;
  }
}
