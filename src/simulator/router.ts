/** The simulator's URL space (all under `/api/v3`). Pure functions. */
import { COPY_JOBS_SEGMENT, TYPED_JOB_COLLECTIONS, type TypedJobCollection } from './typed-jobs.js';

/**
 * Every endpoint the simulator serves. `typedJobs`/`typedJob`: a typed job collection other than backup copy
 * jobs and one of its jobs; `jobsObjects`/`jobObjects`: an object list of a typed collection, over all its jobs
 * or of one job.
 */
export type RouteName =
  | 'token'
  | 'copyJobs'
  | 'copyJob'
  | 'typedJobs'
  | 'typedJob'
  | 'jobsObjects'
  | 'jobObjects'
  | 'jobs'
  | 'job'
  | 'asyncAction';

/** One endpoint: its method, path pattern and VSPC `operationId`. */
export interface Route {
  readonly name: RouteName;
  readonly method: 'GET' | 'POST';
  /** Matched against the lower-cased path (VSPC's routing ignores case); groups capture path parameters. */
  readonly pattern: RegExp;
  readonly operationId: string;
  /** The typed job collection of a `typedJobs`, `typedJob`, `jobsObjects` or `jobObjects` route. */
  readonly typedCollection?: TypedJobCollection;
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

/** One typed collection's routes: its list and item (unless served by the copy-job routes), its object lists. */
function typedJobRoutes(typed: TypedJobCollection): Route[] {
  const base = `${JOBS}/${typed.segment.toLowerCase()}`;
  const routes: Route[] = typed.objectLists.flatMap((list): Route[] => [
    {
      name: 'jobsObjects',
      method: 'GET',
      pattern: new RegExp(`^${base}/${list.segment.toLowerCase()}$`),
      operationId: list.collectionOperationId,
      typedCollection: typed,
    },
    {
      name: 'jobObjects',
      method: 'GET',
      pattern: new RegExp(`^${base}/${SEGMENT}/${list.segment.toLowerCase()}$`),
      operationId: list.itemOperationId,
      typedCollection: typed,
    },
  ]);
  if (typed.segment === COPY_JOBS_SEGMENT) return routes;
  return [
    ...routes,
    {
      name: 'typedJobs',
      method: 'GET',
      pattern: new RegExp(`^${base}$`),
      operationId: typed.listOperationId,
      typedCollection: typed,
    },
    {
      name: 'typedJob',
      method: 'GET',
      pattern: new RegExp(`^${base}/${SEGMENT}$`),
      operationId: typed.itemOperationId,
      typedCollection: typed,
    },
  ];
}

/**
 * Order matters: the object lists (`/backupVmJobs/objects`) come before the typed items (`/backupVmJobs/{jobUid}`),
 * and every typed collection before `/jobs/{jobUid}`.
 */
const ROUTES: readonly Route[] = [
  { name: 'token', method: 'POST', pattern: /^\/api\/v3\/token$/, operationId: 'OAuth2IssueToken' },
  ...TYPED_JOB_COLLECTIONS.flatMap(typedJobRoutes),
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
