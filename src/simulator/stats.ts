/** A request as it reached the simulator, before any knob acted on it. */
export interface RecordedRequest {
  method: string;
  path: string;
  /** Raw query string without '?'. */
  query: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Request counters and the bounded list of recent requests. */
export class RequestStats {
  requestCount = 0;
  /** Requests answered 429 by the `throttleRps` knob (forced 429s are not counted). */
  throttledCount = 0;
  inFlight = 0;
  peakInFlight = 0;
  private recent: RecordedRequest[] = [];

  constructor(private readonly maxRecent: number) {}

  /** A request arrived (counted before its body is read). */
  arrive(): void {
    this.requestCount += 1;
    this.inFlight += 1;
    this.peakInFlight = Math.max(this.peakInFlight, this.inFlight);
  }

  /** A request was answered 429 for exceeding the `throttleRps` rate. */
  throttled(): void {
    this.throttledCount += 1;
  }

  /** A request's response finished or its connection closed. */
  depart(): void {
    this.inFlight -= 1;
  }

  /** Keeps a request, dropping the oldest beyond the bound. */
  record(request: RecordedRequest): void {
    this.recent.push(request);
    if (this.recent.length > this.maxRecent) this.recent.splice(0, this.recent.length - this.maxRecent);
  }

  /** A snapshot of the recent requests, newest last. */
  get recentRequests(): readonly RecordedRequest[] {
    return [...this.recent];
  }

  /**
   * Zeroes the request and throttled counts and forgets recent requests. `inFlight` is live state and is kept;
   * `peakInFlight` restarts from it.
   */
  reset(): void {
    this.requestCount = 0;
    this.throttledCount = 0;
    this.recent = [];
    this.peakInFlight = this.inFlight;
  }
}
