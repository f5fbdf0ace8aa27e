import type { VspcRequest } from './client.js';

/** A queued call stops waiting when less than this is left of its deadline... */
const MIN_ATTEMPT_MS = 250;
/** ...or less than this fraction (1/4) of its whole time budget, when that is shorter. */
const ATTEMPT_SHARE_DIVISOR = 4;

/** The call's whole time budget in ms: its own `timeoutMs`, else the client's default. Pure. */
export function budgetMsOf(request: VspcRequest, defaultTimeoutMs: number): number {
  return request.timeoutMs ?? defaultTimeoutMs;
}

/**
 * When the call must be over: its `deadlineAt` when an outer layer set it, else `now` plus its
 * budget (the layer is the outermost one). Pure.
 */
export function deadlineOf(request: VspcRequest, now: number, defaultTimeoutMs: number): number {
  return request.deadlineAt ?? now + budgetMsOf(request, defaultTimeoutMs);
}

/**
 * What a call keeps of its time budget for an attempt: it stops waiting in the queue, and skips a
 * retry, when less is left (a call sent with a sliver of its deadline only loads VSPC for an answer
 * nobody gets). Pure.
 */
export function attemptReserveMs(budgetMs: number): number {
  return Math.min(MIN_ATTEMPT_MS, budgetMs / ATTEMPT_SHARE_DIVISOR);
}
