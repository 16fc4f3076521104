/**
 * Stop requests: SIGTERM or SIGINT received by the runner (or a library caller's AbortSignal).
 * The first request is the one reported; every request is passed on to whatever runs now.
 */
export type StopListener = (signal: NodeJS.Signals) => void;

export class StopRequests {
  #signal: NodeJS.Signals | undefined;
  readonly #listeners = new Set<StopListener>();
  readonly #controller = new AbortController();

  /** The first signal received, if any. */
  get signal(): NodeJS.Signals | undefined {
    return this.#signal;
  }

  /** Aborted at the first request: for work that is abandoned, not forwarded to (downloads, waits). */
  get abortSignal(): AbortSignal {
    return this.#controller.signal;
  }

  request(signal: NodeJS.Signals): void {
    this.#signal ??= signal;
    if (!this.#controller.signal.aborted) this.#controller.abort(new StopRequested(signal));
    for (const listener of [...this.#listeners]) listener(signal);
  }

  /** Listen to every request from now on; returns the unsubscribe function. */
  onRequest(listener: StopListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

/** What an abandoned step throws. */
export class StopRequested extends Error {
  override readonly name = "StopRequested";
  constructor(readonly signal: NodeJS.Signals) {
    super(`stopped by ${signal}`);
  }
}
