/** The simulator's URL space (all under `/api/v3`). Pure functions. */

/** Every endpoint the simulator serves. */
export type RouteName = 'token' | 'copyJobs' | 'copyJob' | 'jobs' | 'job' | 'asyncAction';

/** One endpoint: its method, path pattern and VSPC `operationId`. */
export interface Route {
  readonly name: RouteName;
  readonly method: 'GET' | 'POST';
  /** Matched against the lower-cased path (VSPC's routing ignores case); groups capture path parameters. */
  readonly pattern: RegExp;
  readonly operationId: string;
}

/** Outcome of matching a request line. */
export type RouteMatch =
  | { readonly kind: 'found'; readonly route: Route; readonly pathParams: readonly string[] }
  | { readonly kind: 'methodNotAllowed'; readonly allow: readonly string[] }
  | { readonly kind: 'notFound' };

/** Path of the token endpoint. */
export const TOKEN_PATH = '/api/v3/token';
/** Path prefix of async action resources; a forced 202 points its `Location` here. */
export const ASYNC_ACTIONS_PATH = '/api/v3/asyncActions';

const JOBS = '/api/v3/infrastructure/backupservers/jobs';
const SEGMENT = '([^/]+)';

/** Order matters: `/jobs/backupCopyJobs` must match the copy-job collection before `/jobs/{jobUid}`. */
const ROUTES: readonly Route[] = [
  { name: 'token', method: 'POST', pattern: /^\/api\/v3\/token$/, operationId: 'OAuth2IssueToken' },
  {
    name: 'copyJobs',
    method: 'GET',
    pattern: new RegExp(`^${JOBS}/backupcopyjobs$`),
    operationId: 'GetBackupServerBackupCopyJobs',
  },
  {
    name: 'copyJob',
    method: 'GET',
    pattern: new RegExp(`^${JOBS}/backupcopyjobs/${SEGMENT}$`),
    operationId: 'GetBackupServerBackupCopyJob',
  },
  { name: 'jobs', method: 'GET', pattern: new RegExp(`^${JOBS}$`), operationId: 'GetBackupServerJobs' },
  {
    name: 'job',
    method: 'GET',
    pattern: new RegExp(`^${JOBS}/${SEGMENT}$`),
    operationId: 'GetBackupServerJob',
  },
  {
    name: 'asyncAction',
    method: 'GET',
    pattern: new RegExp(`^${ASYNC_ACTIONS_PATH.toLowerCase()}/${SEGMENT}$`),
    operationId: 'GetAsyncActionInfo',
  },
];

/** Drops one trailing slash (`/jobs/` is `/jobs`) and lower-cases the path for matching. */
function normalizePath(pathname: string): string {
  const trimmed = pathname.length > 1 && pathname.endsWith('/') ? pathname.slice(0, -1) : pathname;
  return trimmed.toLowerCase();
}

/** Finds the endpoint for a method and path; a known path with another method is a 405. */
export function matchRoute(method: string, pathname: string): RouteMatch {
  const path = normalizePath(pathname);
  const allow: string[] = [];
  for (const route of ROUTES) {
    const match = route.pattern.exec(path);
    if (match === null) continue;
    if (route.method === method) return { kind: 'found', route, pathParams: match.slice(1) };
    if (!allow.includes(route.method)) allow.push(route.method);
  }
  return allow.length > 0 ? { kind: 'methodNotAllowed', allow } : { kind: 'notFound' };
}
