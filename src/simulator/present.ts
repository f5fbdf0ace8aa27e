import type { ApiVersion } from './api-version.js';
import { enumValueForClient } from './enum-versions.js';
import type { Page, PagingInfo } from './paging.js';
import { presentServerJob } from './present-job.js';
import type { BackupServerBackupCopyJob, ExpandedCopyJob } from './resources.js';

/** Paths `select` keeps whenever the embedded job is kept: the properties `BackupServerJob` requires. */
export const COPY_JOB_REQUIRED_PATHS: readonly string[] = [
  '_embedded.backupServerJob.status',
  '_embedded.backupServerJob.isEnabled',
];

/** A copy job as sent: enums possibly lower-cased by the `legacyEnumCasing` knob, `_embedded` only when expanded. */
export type PresentedCopyJob = Omit<BackupServerBackupCopyJob, 'retentionPolicyType' | 'rpoOptionsUnit'> & {
  readonly retentionPolicyType: string;
  readonly rpoOptionsUnit: string;
  readonly _embedded?: ExpandedCopyJob['_embedded'];
};

/** How to present a copy job. */
export interface CopyJobPresentation {
  /** Include `_embedded.backupServerJob` (`expand=BackupServerJob`); otherwise there is no `_embedded` at all. */
  readonly expand: boolean;
  /**
   * Lower-case `retentionPolicyType` and `rpoOptionsUnit` (`simple`, `gfs`, `minutes`): the `legacyEnumCasing`
   * robustness knob. No official VSPC document from 3.5.1 to 3.6.1 has these values.
   */
  readonly legacyEnumCasing: boolean;
  /** The client's `X-Client-Version`: enum values it does not know are sent as `Unknown`. */
  readonly clientVersion: ApiVersion;
}

/** The envelope of a collection response. */
export interface CollectionEnvelope<T> {
  readonly meta: { readonly pagingInfo: PagingInfo };
  readonly data: readonly T[];
  readonly errors: null;
}

/** The envelope of a single-resource response (the schema's `meta` is nullable; VSPC sends no paging here). */
export interface ItemEnvelope<T> {
  readonly meta: null;
  readonly data: T;
  readonly errors: null;
}

/** A copy job as the response body carries it. */
export function presentCopyJob(job: ExpandedCopyJob, presentation: CopyJobPresentation): PresentedCopyJob {
  const { _embedded, ...copyJob } = job;
  const { clientVersion } = presentation;
  const retentionPolicyType = enumValueForClient(
    'BackupServerBackupCopyJobRetentionPolicyType',
    copyJob.retentionPolicyType,
    clientVersion,
  );
  const cased: PresentedCopyJob = presentation.legacyEnumCasing
    ? {
        ...copyJob,
        retentionPolicyType: retentionPolicyType.toLowerCase(),
        rpoOptionsUnit: copyJob.rpoOptionsUnit.toLowerCase(),
      }
    : retentionPolicyType === copyJob.retentionPolicyType
      ? copyJob
      : { ...copyJob, retentionPolicyType };
  if (!presentation.expand) return cased;
  return {
    ...cased,
    _embedded: { backupServerJob: presentServerJob(_embedded.backupServerJob, clientVersion) },
  };
}

/** `{meta: {pagingInfo}, data, errors: null}`. */
export function collectionEnvelope<T>(page: Page<T>): CollectionEnvelope<T> {
  return { meta: { pagingInfo: page.pagingInfo }, data: page.data, errors: null };
}

/** `{meta: null, data, errors: null}`. */
export function itemEnvelope<T>(data: T): ItemEnvelope<T> {
  return { meta: null, data, errors: null };
}
