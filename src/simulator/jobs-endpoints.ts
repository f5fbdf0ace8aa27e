import type { ApiVersion } from './api-version.js';
import { parseCollectionQuery, parseItemSelect, runCollectionQuery } from './collection-query.js';
import { organizationOfCopyJob, type Dataset } from './dataset.js';
import { badRequest, notFound } from './errors.js';
import {
  collectionEnvelope,
  COPY_JOB_REQUIRED_PATHS,
  itemEnvelope,
  presentCopyJob,
  type CopyJobPresentation,
} from './present.js';
import { presentServerJob, SERVER_JOB_REQUIRED_PATHS } from './present-job.js';
import { STATUS_OK, type EndpointResponse } from './respond.js';
import { selector } from './select.js';
import { canSeeOrganization, type DemoUser } from './users.js';
import { isUuid } from './uuid.js';

/** What a job endpoint needs to know about its request. */
export interface JobsRequest {
  readonly user: DemoUser;
  readonly query: URLSearchParams;
  /** Path parameters captured by the route (the job UID for single-job routes). */
  readonly pathParams: readonly string[];
  readonly dataset: Dataset;
  readonly legacyEnumCasing: boolean;
  /** The client's `X-Client-Version` (the server's version when absent or unreadable). */
  readonly clientVersion: ApiVersion;
}

/** The only `expand` value of the copy-job collection (`BackupServerBackupCopyJobExpand`). */
const COPY_JOB_EXPAND = 'BackupServerJob';

/**
 * Whether `expand=BackupServerJob` was asked for. The parameter may repeat or hold a comma-separated list;
 * values compare ignoring case; any other value is a 400.
 */
export function parseCopyJobExpand(query: URLSearchParams): boolean {
  const values = query
    .getAll('expand')
    .flatMap((value) => value.split(','))
    .map((value) => value.trim())
    .filter((value) => value !== '');
  for (const value of values) {
    if (value.toLowerCase() !== COPY_JOB_EXPAND.toLowerCase()) {
      throw badRequest(`Parameter 'expand' accepts only '${COPY_JOB_EXPAND}', not '${value}'.`);
    }
  }
  return values.length > 0;
}

/** The job UID path parameter, lower-cased; a 400 when it is not a UUID. */
export function jobUidOf(request: Pick<JobsRequest, 'pathParams'>): string {
  const uid = request.pathParams[0] ?? '';
  if (!isUuid(uid)) throw badRequest(`Parameter 'jobUid' must be a UUID, not '${uid}'.`);
  return uid.toLowerCase();
}

/** `GET /api/v3/infrastructure/backupServers/jobs/backupCopyJobs`: the copy jobs the user may see. */
export function listCopyJobs(request: JobsRequest): EndpointResponse {
  const { dataset, user } = request;
  const presentation: CopyJobPresentation = {
    expand: parseCopyJobExpand(request.query),
    legacyEnumCasing: request.legacyEnumCasing,
    clientVersion: request.clientVersion,
  };
  const query = parseCollectionQuery(request.query, dataset.copyJobPaths);
  const select = selector(query.select, COPY_JOB_REQUIRED_PATHS);
  // Filters and sorts see the expanded record, so `_embedded.backupServerJob.*` works with or without expand.
  const visible = dataset.copyJobs.filter((job) => canSeeOrganization(user, organizationOfCopyJob(job)));
  const page = runCollectionQuery(visible, query);
  const data = page.data.map((job) => select(presentCopyJob(job, presentation)));
  return { status: STATUS_OK, body: collectionEnvelope({ data, pagingInfo: page.pagingInfo }) };
}

/** The copy job with the UID of the path, if the user may see it; a 404 otherwise. */
export function visibleCopyJob(request: JobsRequest): Dataset['copyJobs'][number] {
  const uid = jobUidOf(request);
  const job = request.dataset.copyJobsByUid.get(uid);
  if (job === undefined || !canSeeOrganization(request.user, organizationOfCopyJob(job))) {
    throw notFound(`Backup copy job '${uid}' was not found.`);
  }
  return job;
}

/**
 * `GET .../backupCopyJobs/{jobUid}`: one copy job; 404 when unknown or not the user's. The 3.6 schema gives
 * this operation no `expand`, so `_embedded` is never filled here.
 */
export function getCopyJob(request: JobsRequest): EndpointResponse {
  const job = visibleCopyJob(request);
  const select = selector(
    parseItemSelect(request.query, request.dataset.copyJobPaths),
    COPY_JOB_REQUIRED_PATHS,
  );
  const data = presentCopyJob(job, {
    expand: false,
    legacyEnumCasing: request.legacyEnumCasing,
    clientVersion: request.clientVersion,
  });
  return { status: STATUS_OK, body: itemEnvelope(select(data)) };
}

/** `GET /api/v3/infrastructure/backupServers/jobs`: every job (copy and backup) the user may see. */
export function listJobs(request: JobsRequest): EndpointResponse {
  const { dataset, user } = request;
  const query = parseCollectionQuery(request.query, dataset.jobPaths);
  const select = selector(query.select, SERVER_JOB_REQUIRED_PATHS);
  const visible = dataset.jobs.filter((job) => canSeeOrganization(user, job.organizationUid));
  const page = runCollectionQuery(visible, query);
  const data = page.data.map((job) => select(presentServerJob(job, request.clientVersion)));
  return { status: STATUS_OK, body: collectionEnvelope({ data, pagingInfo: page.pagingInfo }) };
}

/** `GET /api/v3/infrastructure/backupServers/jobs/{jobUid}`: one job; 404 when unknown or not the user's. */
export function getJob(request: JobsRequest): EndpointResponse {
  const uid = jobUidOf(request);
  const job = request.dataset.jobsByUid.get(uid);
  if (job === undefined || !canSeeOrganization(request.user, job.organizationUid)) {
    throw notFound(`Job '${uid}' was not found.`);
  }
  const select = selector(
    parseItemSelect(request.query, request.dataset.jobPaths),
    SERVER_JOB_REQUIRED_PATHS,
  );
  return { status: STATUS_OK, body: itemEnvelope(select(presentServerJob(job, request.clientVersion))) };
}
