import { randomUUID } from 'node:crypto';

/** `AsyncActionStatus`. */
export type AsyncActionStatus = 'running' | 'succeed' | 'canceled' | 'failed';

/** `AsyncActionInfo`. */
export interface AsyncActionInfo {
  readonly id: string;
  readonly initiatorUid: string;
  readonly actionName: string;
  readonly status: AsyncActionStatus;
  readonly requestBody: string | null;
  readonly queryParameters: Readonly<Record<string, readonly string[]>>;
}

/** What the simulator knows about the request it pretended to queue. */
export interface QueuedRequest {
  readonly initiatorUid: string;
  readonly actionName: string;
  readonly body: string;
  readonly query: URLSearchParams;
}

/** At most this many async actions are remembered; the oldest are forgotten first. */
const MAX_ASYNC_ACTIONS = 1000;

function queryParametersOf(query: URLSearchParams): Record<string, string[]> {
  const parameters: Record<string, string[]> = {};
  for (const [name, value] of query) (parameters[name] ??= []).push(value);
  return parameters;
}

/**
 * Async actions created by the forced-202 knob. They stay `running` forever: the simulator never completes the
 * work, which is what a proxy must cope with.
 */
export class AsyncActionStore {
  private readonly actions = new Map<string, AsyncActionInfo>();

  /** Registers a queued request and returns its async action. */
  create(request: QueuedRequest): AsyncActionInfo {
    const action: AsyncActionInfo = {
      id: randomUUID(),
      initiatorUid: request.initiatorUid,
      actionName: request.actionName,
      status: 'running',
      requestBody: request.body === '' ? null : request.body,
      queryParameters: queryParametersOf(request.query),
    };
    this.actions.set(action.id, action);
    for (const id of this.actions.keys()) {
      if (this.actions.size <= MAX_ASYNC_ACTIONS) break;
      this.actions.delete(id);
    }
    return action;
  }

  /** The async action with this id (lower-case UUID), if remembered. */
  get(id: string): AsyncActionInfo | undefined {
    return this.actions.get(id);
  }
}
