import type { IncomingHttpHeaders } from 'node:http';
import { parseClientVersion } from './api-version.js';
import type { AsyncActionStore } from './async-actions.js';
import { authenticate, userOfRequest } from './auth.js';
import { MAX_BODY_BYTES, type RequestBody } from './body.js';
import type { Dataset } from './dataset.js';
import {
  badRequest,
  errorResponse,
  notFound,
  serverErrorResponse,
  STATUS_METHOD_NOT_ALLOWED,
  STATUS_PAYLOAD_TOO_LARGE,
  STATUS_SERVER_ERROR,
  tooManyRequestsResponse,
  VspcError,
} from './errors.js';
import { getCopyJob, getJob, listCopyJobs, listJobs, type JobsRequest } from './jobs-endpoints.js';
import { decideForcedStatus, type ForcedStatus, type SimulatorKnobs } from './knobs.js';
import { itemEnvelope } from './present.js';
import type { Rng } from './prng.js';
import { STATUS_ACCEPTED, STATUS_OK, type EndpointResponse } from './respond.js';
import { ASYNC_ACTIONS_PATH, matchRoute, type RouteMatch } from './router.js';
import { handleTokenRequest } from './token-endpoint.js';
import type { TokenStore } from './tokens.js';
import {
  getTypedJob,
  listJobObjects,
  listJobsObjects,
  listTypedJobs,
  type TypedJobsRequest,
} from './typed-job-endpoints.js';
import { isUuid } from './uuid.js';

/** The simulator's state that endpoints read or change. */
export interface DispatchState {
  readonly knobs: SimulatorKnobs;
  readonly tokens: TokenStore;
  readonly dataset: Dataset;
  readonly asyncActions: AsyncActionStore;
  /** Draws for `failureRate`. */
  readonly failureRng: Rng;
  /** The simulator's origin, for `Location` headers. */
  readonly origin: () => string;
}

/** A request after its body was read. */
export interface IncomingRequest {
  readonly method: string;
  readonly pathname: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly body: RequestBody;
}

/** `initiatorUid` of an async action queued for a request without a valid token. */
const ANONYMOUS_INITIATOR_UID = '00000000-0000-4000-8000-000000000000';

function queuedResponse(state: DispatchState, request: IncomingRequest, match: RouteMatch): EndpointResponse {
  const action = state.asyncActions.create({
    initiatorUid: userOfRequest(request.headers, state.tokens)?.userUid ?? ANONYMOUS_INITIATOR_UID,
    actionName: match.kind === 'found' ? match.route.operationId : `${request.method} ${request.pathname}`,
    body: request.body.text,
    query: request.query,
  });
  return {
    status: STATUS_ACCEPTED,
    headers: { Location: `${state.origin()}${ASYNC_ACTIONS_PATH}/${action.id}` },
  };
}

function forcedResponse(
  state: DispatchState,
  request: IncomingRequest,
  match: RouteMatch,
  status: ForcedStatus,
): EndpointResponse {
  switch (status) {
    case 520:
      return { status: STATUS_SERVER_ERROR, body: serverErrorResponse() };
    case 429:
      return { status, body: tooManyRequestsResponse(state.knobs.retryAfterS) };
    case 202:
      return queuedResponse(state, request, match);
  }
}

function getAsyncAction(state: DispatchState, id: string): EndpointResponse {
  if (!isUuid(id)) throw badRequest(`Parameter 'actionId' must be a UUID, not '${id}'.`);
  const action = state.asyncActions.get(id.toLowerCase());
  if (action === undefined) throw notFound(`Async action '${id}' was not found.`);
  return { status: STATUS_OK, body: itemEnvelope(action) };
}

function routeResponse(state: DispatchState, request: IncomingRequest, match: RouteMatch): EndpointResponse {
  if (match.kind === 'notFound') throw notFound(`There is no endpoint at '${request.pathname}'.`);
  if (match.kind === 'methodNotAllowed') {
    return {
      status: STATUS_METHOD_NOT_ALLOWED,
      body: errorResponse(
        STATUS_METHOD_NOT_ALLOWED,
        'logical',
        `Method ${request.method} is not allowed at '${request.pathname}'; allowed: ${match.allow.join(', ')}.`,
      ),
      headers: { Allow: match.allow.join(', ') },
    };
  }
  const { route, pathParams } = match;
  if (route.name === 'token') {
    return handleTokenRequest(request.headers['content-type'], request.body.text, state.tokens);
  }
  const user = authenticate(request.headers, state.tokens);
  if (route.name === 'asyncAction') return getAsyncAction(state, pathParams[0] ?? '');
  const jobsRequest: JobsRequest = {
    user,
    query: request.query,
    pathParams,
    dataset: state.dataset,
    legacyEnumCasing: state.knobs.legacyEnumCasing,
    clientVersion: parseClientVersion(request.headers['x-client-version']),
  };
  const typedRequest = (): TypedJobsRequest => {
    if (route.typedCollection === undefined) throw new Error(`route ${route.name} has no typed collection`);
    return { ...jobsRequest, collection: route.typedCollection };
  };
  switch (route.name) {
    case 'copyJobs':
      return listCopyJobs(jobsRequest);
    case 'copyJob':
      return getCopyJob(jobsRequest);
    case 'jobs':
      return listJobs(jobsRequest);
    case 'job':
      return getJob(jobsRequest);
    case 'typedJobs':
      return listTypedJobs(typedRequest());
    case 'typedJob':
      return getTypedJob(typedRequest());
    case 'jobsObjects':
      return listJobsObjects(typedRequest());
    case 'jobObjects':
      return listJobObjects(typedRequest());
  }
}

/**
 * Decides the answer to a request whose body has been read: 413 for an oversized body, then a forced status
 * (every request but the token request, before routing and authentication), then routing (404/405),
 * authentication (401) and the endpoint. A `VspcError` becomes its `ErrorResponse`; any other exception a 520.
 */
export function dispatch(state: DispatchState, request: IncomingRequest): EndpointResponse {
  try {
    if (request.body.tooLarge) {
      return {
        status: STATUS_PAYLOAD_TOO_LARGE,
        body: errorResponse(
          STATUS_PAYLOAD_TOO_LARGE,
          'logical',
          `The request body exceeds the limit of ${MAX_BODY_BYTES} bytes.`,
        ),
        headers: { Connection: 'close' },
      };
    }
    const match = matchRoute(request.method, request.pathname);
    const routeName = match.kind === 'found' ? match.route.name : undefined;
    if (routeName !== 'token') {
      const forced = decideForcedStatus(state.knobs, state.failureRng, routeName !== 'asyncAction');
      if (forced !== null) return forcedResponse(state, request, match, forced);
    }
    return routeResponse(state, request, match);
  } catch (error) {
    if (error instanceof VspcError) return { status: error.status, body: error.toBody() };
    return { status: STATUS_SERVER_ERROR, body: serverErrorResponse() };
  }
}
