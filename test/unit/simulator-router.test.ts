import { describe, expect, it } from '@jest/globals';
import { matchRoute } from '../../src/simulator/router.js';

const UID = 'ed9b33f2-31a8-4e7b-aa69-495afe20dd09';

function routeOf(method: string, path: string): string {
  const match = matchRoute(method, path);
  return match.kind === 'found' ? `${match.route.name}(${match.pathParams.join(',')})` : match.kind;
}

describe('matchRoute', () => {
  it('finds every endpoint', () => {
    expect(routeOf('POST', '/api/v3/token')).toBe('token()');
    expect(routeOf('GET', '/api/v3/infrastructure/backupServers/jobs/backupCopyJobs')).toBe('copyJobs()');
    expect(routeOf('GET', `/api/v3/infrastructure/backupServers/jobs/backupCopyJobs/${UID}`)).toBe(
      `copyJob(${UID})`,
    );
    expect(routeOf('GET', '/api/v3/infrastructure/backupServers/jobs')).toBe('jobs()');
    expect(routeOf('GET', `/api/v3/infrastructure/backupServers/jobs/${UID}`)).toBe(`job(${UID})`);
    expect(routeOf('GET', `/api/v3/asyncActions/${UID}`)).toBe(`asyncAction(${UID})`);
  });

  it('finds the typed job collections, their jobs and object lists before /jobs/{jobUid}', () => {
    const jobs = '/api/v3/infrastructure/backupServers/jobs';
    expect(routeOf('GET', `${jobs}/backupVmJobs`)).toBe('typedJobs()');
    expect(routeOf('GET', `${jobs}/backupVmJobs/${UID}`)).toBe(`typedJob(${UID})`);
    expect(routeOf('GET', `${jobs}/backupVmJobs/objects`)).toBe('jobsObjects()');
    expect(routeOf('GET', `${jobs}/backupVmJobs/${UID}/objects`)).toBe(`jobObjects(${UID})`);
    expect(routeOf('GET', `${jobs}/backupCopyJobs/jobObjects`)).toBe('jobsObjects()');
    expect(routeOf('GET', `${jobs}/backupCopyJobs/${UID}/jobObjects`)).toBe(`jobObjects(${UID})`);
    expect(routeOf('GET', `${jobs}/backupTapeJobs/repositoryObjects`)).toBe('jobsObjects()');
    expect(routeOf('GET', `${jobs}/agentJobs/${UID}`)).toBe(`typedJob(${UID})`);
  });

  it('names each typed route with its VSPC operation id', () => {
    const operationOf = (path: string): string => {
      const match = matchRoute('GET', `/api/v3/infrastructure/backupServers/jobs/${path}`);
      return match.kind === 'found' ? match.route.operationId : match.kind;
    };
    expect(operationOf('backupVmJobs')).toBe('GetBackupServerBackupVmJobs');
    expect(operationOf(`backupVmJobs/${UID}`)).toBe('GetBackupServerBackupVmJob');
    expect(operationOf('backupVmJobs/objects')).toBe('GetBackupServerBackupVmJobsObjects');
    expect(operationOf(`backupVmJobs/${UID}/objects`)).toBe('GetBackupServerBackupVmJobObjects');
    expect(operationOf('backupCopyJobs/jobObjects')).toBe('GetBackupServerBackupCopyJobsLinkedJobObjects');
    expect(operationOf('simpleBackupCopyJobs/objects')).toBe(
      'GetBackupServerSimpleBackupCopyJobsLinkedJobObjects',
    );
    expect(operationOf(`backupTapeJobs/${UID}/repositoryObjects`)).toBe(
      'GetBackupServerBackupTapeJobLinkedRepositoryObjects',
    );
    // VM copy jobs have no object list in 3.6: `objects` is a (malformed) jobUid there.
    expect(operationOf('vmCopyJobs/objects')).toBe('GetBackupServerVmCopyJob');
  });

  it('matches the copy-job collection before /jobs/{jobUid}', () => {
    expect(routeOf('GET', '/api/v3/infrastructure/backupServers/jobs/backupCopyJobs')).toBe('copyJobs()');
  });

  it('ignores case and one trailing slash, as VSPC routing does', () => {
    expect(routeOf('GET', '/API/V3/Infrastructure/BackupServers/Jobs/BackupCopyJobs/')).toBe('copyJobs()');
  });

  it('answers methodNotAllowed with the allowed methods for a known path', () => {
    expect(matchRoute('POST', '/api/v3/infrastructure/backupServers/jobs/backupCopyJobs')).toEqual({
      kind: 'methodNotAllowed',
      allow: ['GET'],
    });
    expect(matchRoute('GET', '/api/v3/token')).toEqual({ kind: 'methodNotAllowed', allow: ['POST'] });
  });

  it('answers notFound for unknown paths', () => {
    expect(routeOf('GET', '/api/v3/infrastructure/backupServers')).toBe('notFound');
    expect(routeOf('GET', `/api/v3/asyncActions/${UID}/result`)).toBe('notFound');
    expect(routeOf('GET', '/')).toBe('notFound');
  });
});
