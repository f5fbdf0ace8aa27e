/**
 * The typed job collections of VSPC 3.6 under `/infrastructure/backupServers/jobs/` and their object lists, as the
 * official 3.6 OpenAPI document names them (operation ids and paths read from the PHP client generated from that
 * document, shellrent/veeam-vspc-api-client `src/Repositories/BackupServerJobRepository.php`, and checked against
 * the `backup_server_jobs` operations of the Python client generated from it, Cenvora/veeam-spc `veeam_spc/v3_6`).
 *
 * The simulator holds backup copy jobs only. Every other typed collection answers an empty page and every item in
 * it a 404: their resource schemas (`BackupServerBackupVmJob`, …) are not in the schema subset the simulator is
 * checked against, so it does not invent them. The per-server lists (`/backupServers/{uid}/jobs/...`) are not
 * simulated.
 */

/** An object list of a typed job collection: `.../{segment}` and `.../{jobUid}/{segment}`. */
export interface JobObjectList {
  /** Path segment as VSPC spells it (`objects`, `jobObjects`, `repositoryObjects`). */
  readonly segment: string;
  /** Operation of the list over every job of the collection. */
  readonly collectionOperationId: string;
  /** Operation of the list of one job. */
  readonly itemOperationId: string;
}

/** A typed job collection. */
export interface TypedJobCollection {
  /** Path segment after `/jobs/` as VSPC spells it (`backupVmJobs`). */
  readonly segment: string;
  /** Operation of the collection (`GetBackupServerBackupVmJobs`). */
  readonly listOperationId: string;
  /** Operation of one job (`GetBackupServerBackupVmJob`). */
  readonly itemOperationId: string;
  /** What one job is called in a 404 message. */
  readonly label: string;
  readonly objectLists: readonly JobObjectList[];
}

/** Segment of the one typed collection the simulator serves from its dataset (its own routes and endpoints). */
export const COPY_JOBS_SEGMENT = 'backupCopyJobs';

/** `objects` lists whose operation ids follow the common `...JobsObjects` / `...JobObjects` pattern. */
function objects(stem: string): JobObjectList {
  return {
    segment: 'objects',
    collectionOperationId: `GetBackupServer${stem}JobsObjects`,
    itemOperationId: `GetBackupServer${stem}JobObjects`,
  };
}

function linked(segment: string, stem: string, kind: string): JobObjectList {
  return {
    segment,
    collectionOperationId: `GetBackupServer${stem}JobsLinked${kind}Objects`,
    itemOperationId: `GetBackupServer${stem}JobLinked${kind}Objects`,
  };
}

function collection(
  segment: string,
  stem: string,
  label: string,
  objectLists: readonly JobObjectList[],
): TypedJobCollection {
  return {
    segment,
    listOperationId: `GetBackupServer${stem}Jobs`,
    itemOperationId: `GetBackupServer${stem}Job`,
    label,
    objectLists,
  };
}

/** Every typed job collection of VSPC 3.6, backup copy jobs included, in the document's path order. */
export const TYPED_JOB_COLLECTIONS: readonly TypedJobCollection[] = Object.freeze([
  collection('agentJobs', 'Agent', 'Backup agent job', [objects('Agent')]),
  collection(COPY_JOBS_SEGMENT, 'BackupCopy', 'Backup copy job', [linked('jobObjects', 'BackupCopy', 'Job')]),
  collection('backupTapeJobs', 'BackupTape', 'Backup to tape job', [
    linked('jobObjects', 'BackupTape', 'Job'),
    linked('repositoryObjects', 'BackupTape', 'Repository'),
  ]),
  collection('backupVmJobs', 'BackupVm', 'VM backup job', [objects('BackupVm')]),
  collection('cdpReplicationJobs', 'CdpReplication', 'CDP replication job', [objects('CdpReplication')]),
  collection('fileCopyJobs', 'FileCopy', 'File copy job', []),
  collection('fileShareCopyJobs', 'FileShareCopy', 'File share backup copy job', [objects('FileShareCopy')]),
  collection('fileShareJobs', 'FileShare', 'File share job', [objects('FileShare')]),
  collection('fileTapeJobs', 'FileTape', 'File to tape job', [objects('FileTape')]),
  collection('objectStorageBackupCopyJobs', 'ObjectStorageBackupCopy', 'Object storage backup copy job', [
    objects('ObjectStorageBackupCopy'),
  ]),
  collection('objectStorageBackupJobs', 'ObjectStorageBackup', 'Object storage backup job', [
    objects('ObjectStorageBackup'),
  ]),
  collection('replicationVmJobs', 'ReplicationVm', 'VM replication job', [objects('ReplicationVm')]),
  collection('simpleBackupCopyJobs', 'SimpleBackupCopy', 'Immediate backup copy job', [
    linked('objects', 'SimpleBackupCopy', 'Job'),
  ]),
  collection('vmCopyJobs', 'VmCopy', 'VM copy job', []),
]);
