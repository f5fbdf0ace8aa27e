/** Calls in flight against their two caps: in total, and per token (calls without a token have no cap of their own). */
export class Slots {
  readonly #max: number;
  readonly #maxPerToken: number;
  #inflight = 0;
  readonly #byToken = new Map<string, number>();

  constructor(max: number, maxPerToken: number) {
    this.#max = max;
    this.#maxPerToken = maxPerToken;
  }

  get inflight(): number {
    return this.#inflight;
  }

  /** True while the total cap has room, whatever the tokens. */
  get anyFree(): boolean {
    return this.#inflight < this.#max;
  }

  /** True when a call of `tokenHash` may take a slot now. */
  hasRoom(tokenHash: string | undefined): boolean {
    if (this.#inflight >= this.#max) return false;
    if (tokenHash === undefined) return true;
    return (this.#byToken.get(tokenHash) ?? 0) < this.#maxPerToken;
  }

  take(tokenHash: string | undefined): void {
    this.#inflight += 1;
    if (tokenHash !== undefined) this.#byToken.set(tokenHash, (this.#byToken.get(tokenHash) ?? 0) + 1);
  }

  release(tokenHash: string | undefined): void {
    this.#inflight -= 1;
    if (tokenHash === undefined) return;
    const left = (this.#byToken.get(tokenHash) ?? 1) - 1;
    if (left === 0) this.#byToken.delete(tokenHash);
    else this.#byToken.set(tokenHash, left);
  }
}
