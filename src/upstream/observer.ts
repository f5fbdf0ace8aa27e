import type { ShieldRefusal, UpstreamFailure } from './errors.js';

/** What the shield's layers report as they work; the metrics listen. Every method is optional. */
export interface ShieldObserver {
  /** One attempt reached VSPC (retries are attempts of their own): its HTTP status, or the transport failure. */
  attempt?(outcome: number | UpstreamFailure, seconds: number): void;
  /** VSPC answered 429. */
  throttled?(): void;
  /** A layer refused a call without asking VSPC. */
  rejected?(reason: ShieldRefusal): void;
}
