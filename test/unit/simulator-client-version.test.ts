import { describe, expect, it } from '@jest/globals';
import {
  compareApiVersions,
  formatApiVersion,
  parseClientVersion,
  SERVER_API_VERSION,
} from '../../src/simulator/api-version.js';
import { enumValueForClient, knowsEveryValue } from '../../src/simulator/enum-versions.js';
import { presentServerJob } from '../../src/simulator/present-job.js';
import { buildDataset } from '../../src/simulator/index.js';

const V3_5_1 = parseClientVersion('3.5.1');

describe('parseClientVersion (X-Client-Version)', () => {
  it.each([
    ['3.6', '3.6.0'],
    ['3.5.1', '3.5.1'],
    [' 3.5 ', '3.5.0'],
    ['3.7', '3.7.0'],
    ['10.0.2', '10.0.2'],
  ])('reads %j as %s', (header, version) => {
    expect(formatApiVersion(parseClientVersion(header))).toBe(version);
  });

  it.each([
    [undefined],
    [''],
    ['latest'],
    ['3'],
    ['v3.5'],
    ['3.5.1.2'],
    ['3.5-rev1'],
    ['3.5, 3.6'],
    [['3.5']],
  ])('answers as the server’s version (3.6) to %j', (header) => {
    expect(parseClientVersion(header)).toBe(SERVER_API_VERSION);
  });

  it('orders versions by major, minor, patch', () => {
    const sorted = ['3.6', '3.5.1', '3.10', '3.5', '4.0'].map(parseClientVersion).sort(compareApiVersions);
    expect(sorted.map(formatApiVersion)).toEqual(['3.5.0', '3.5.1', '3.6.0', '3.10.0', '4.0.0']);
  });
});

describe('enum values by client version', () => {
  it('maps SobrMaintenance, new in 3.6, to Unknown for 3.5.1 and older clients only', () => {
    for (const header of ['3.5.1', '3.5', '3.0']) {
      expect(enumValueForClient('BackupServerJobType', 'SobrMaintenance', parseClientVersion(header))).toBe(
        'Unknown',
      );
    }
    for (const header of ['3.6', '3.6.1', '3.7']) {
      expect(enumValueForClient('BackupServerJobType', 'SobrMaintenance', parseClientVersion(header))).toBe(
        'SobrMaintenance',
      );
    }
  });

  it('keeps every value 3.5.1 already had', () => {
    expect(enumValueForClient('BackupServerJobType', 'BackupVm', V3_5_1)).toBe('BackupVm');
    expect(enumValueForClient('BackupServerJobStatus', 'WaitingRepository', V3_5_1)).toBe(
      'WaitingRepository',
    );
    expect(enumValueForClient('BBackupServerJobSessionTaskStatus', 'Pending', V3_5_1)).toBe('Pending');
    expect(enumValueForClient('BackupServerBackupCopyJobRetentionPolicyType', 'GFS', V3_5_1)).toBe('GFS');
  });

  it('knows that 3.6 and newer clients need no mapping', () => {
    expect(knowsEveryValue(V3_5_1)).toBe(false);
    expect(knowsEveryValue(parseClientVersion('3.6'))).toBe(true);
    expect(knowsEveryValue(parseClientVersion('3.7'))).toBe(true);
  });

  it('presents a job unchanged (the same object) to a 3.6 client, and a copy with mapped values to 3.5.1', () => {
    const [job] = buildDataset().jobs;
    if (job === undefined) throw new Error('the dataset has jobs');
    expect(presentServerJob(job, SERVER_API_VERSION)).toBe(job);
    const sobr = { ...job, type: 'SobrMaintenance' as const };
    expect(presentServerJob(sobr, V3_5_1)).toEqual({ ...job, type: 'Unknown' });
    expect(sobr.type).toBe('SobrMaintenance');
  });
});
