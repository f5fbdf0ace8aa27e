import { parseCollectionQuery, runCollectionQuery } from './collection-query.js';
import { organizationOfCopyJob, type Dataset } from './dataset.js';
import { badRequest, notFound } from './errors.js';
import { collectionEnvelope, itemEnvelope, presentCopyJob, type CopyJobPresentation } from './present.js';
import { STATUS_OK, type EndpointResponse } from './respond.js';
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

function jobUidOf(request: JobsRequest): string {
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
  };
  const query = parseCollectionQuery(request.query, dataset.copyJobPaths);
  // Filters and sorts see the expanded record, so `_embedded.backupServerJob.*` works with or without expand.
  const visible = dataset.copyJobs.filter((job) => canSeeOrganization(user, organizationOfCopyJob(job)));
  const page = runCollectionQuery(visible, query);
  const data = page.data.map((job) => presentCopyJob(job, presentation));
  return { status: STATUS_OK, body: collectionEnvelope({ data, pagingInfo: page.pagingInfo }) };
}

/**
 * `GET .../backupCopyJobs/{jobUid}`: one copy job; 404 when unknown or not the user's. The 3.6 schema gives
 * this operation no `expand`, so `_embedded` is never filled here.
 */
export function getCopyJob(request: JobsRequest): EndpointResponse {
  const uid = jobUidOf(request);
  const job = request.dataset.copyJobsByUid.get(uid);
  if (job === undefined || !canSeeOrganization(request.user, organizationOfCopyJob(job))) {
    throw notFound(`Backup copy job '${uid}' was not found.`);
  }
  const data = presentCopyJob(job, { expand: false, legacyEnumCasing: request.legacyEnumCasing });
  return { status: STATUS_OK, body: itemEnvelope(data) };
}

/** `GET /api/v3/infrastructure/backupServers/jobs`: every job (copy and backup) the user may see. */
export function listJobs(request: JobsRequest): EndpointResponse {
  const { dataset, user } = request;
  const query = parseCollectionQuery(request.query, dataset.jobPaths);
  const visible = dataset.jobs.filter((job) => canSeeOrganization(user, job.organizationUid));
  return { status: STATUS_OK, body: collectionEnvelope(runCollectionQuery(visible, query)) };
}

/** `GET /api/v3/infrastructure/backupServers/jobs/{jobUid}`: one job; 404 when unknown or not the user's. */
export function getJob(request: JobsRequest): EndpointResponse {
  const uid = jobUidOf(request);
  const job = request.dataset.jobsByUid.get(uid);
  if (job === undefined || !canSeeOrganization(request.user, job.organizationUid)) {
    throw notFound(`Job '${uid}' was not found.`);
  }
  return { status: STATUS_OK, body: itemEnvelope(job) };
}
