import { parseCollectionQuery, parseItemSelect } from './collection-query.js';
import { notFound } from './errors.js';
import { jobUidOf, visibleCopyJob, type JobsRequest } from './jobs-endpoints.js';
import { pageOf } from './paging.js';
import { collectionEnvelope } from './present.js';
import { STATUS_OK, type EndpointResponse } from './respond.js';
import { COPY_JOBS_SEGMENT, type TypedJobCollection } from './typed-jobs.js';

/**
 * The typed job collections and object lists the simulator holds no resources for (see `typed-jobs.ts`): valid
 * queries get an empty page, jobs a 404. Query parameters are checked for their syntax only, as the simulator
 * does not know these resources' properties.
 */

/** A typed job request: the job request and the collection its route belongs to. */
export interface TypedJobsRequest extends JobsRequest {
  readonly collection: TypedJobCollection;
}

/** An empty page after checking `limit`, `offset`, `filter`, `sort` and `select`. */
function emptyPage(request: TypedJobsRequest): EndpointResponse {
  const query = parseCollectionQuery(request.query, null);
  return { status: STATUS_OK, body: collectionEnvelope(pageOf([], query.offset, query.limit)) };
}

/** `GET .../jobs/{typed collection}` (e.g. `backupVmJobs`): an empty page. */
export function listTypedJobs(request: TypedJobsRequest): EndpointResponse {
  return emptyPage(request);
}

/** `GET .../jobs/{typed collection}/{jobUid}`: 404 (400 when `jobUid` is not a UUID). */
export function getTypedJob(request: TypedJobsRequest): EndpointResponse {
  const uid = jobUidOf(request);
  parseItemSelect(request.query, null);
  throw notFound(`${request.collection.label} '${uid}' was not found.`);
}

/** `GET .../jobs/{typed collection}/{object list}` (e.g. `backupVmJobs/objects`): an empty page. */
export function listJobsObjects(request: TypedJobsRequest): EndpointResponse {
  return emptyPage(request);
}

/**
 * `GET .../jobs/{typed collection}/{jobUid}/{object list}`: an empty page for a backup copy job the user may see
 * (the simulator knows no job objects), else 404.
 */
export function listJobObjects(request: TypedJobsRequest): EndpointResponse {
  if (request.collection.segment !== COPY_JOBS_SEGMENT) {
    throw notFound(`${request.collection.label} '${jobUidOf(request)}' was not found.`);
  }
  visibleCopyJob(request);
  return emptyPage(request);
}
