import { companyNamed, PROVIDER_NAME } from './companies.js';

/** `provider`: a provider administrator who sees every job; `company`: a user who sees one company's jobs. */
export type DemoUserRole = 'provider' | 'company';

/** A user the simulator accepts at `POST /api/v3/token`. Demo data: the passwords are not secrets. */
export interface DemoUser {
  readonly username: string;
  readonly password: string;
  readonly role: DemoUserRole;
  readonly companyName: string;
  /** Set for company users: the organization whose jobs they may see. */
  readonly organizationUid?: string;
  readonly description: string;
  /** The user's own UID (reported as `initiatorUid` of async actions they start). */
  readonly userUid: string;
}

const ALPHA = companyNamed('Alpha Logistics');
const BETA = companyNamed('Beta Health');

/** The only place the demo users are defined. */
export const DEMO_USERS: readonly DemoUser[] = Object.freeze([
  {
    username: 'admin',
    password: 'admin-demo-password',
    role: 'provider',
    companyName: PROVIDER_NAME,
    description: 'Provider administrator: sees every job of every company',
    userUid: '0d5e3c71-6a2b-4f88-9b1e-2c4d6f8a0b13',
  },
  {
    username: 'alpha',
    password: 'alpha-demo-password',
    role: 'company',
    companyName: ALPHA.name,
    organizationUid: ALPHA.organizationUid,
    description: `Company user of ${ALPHA.name}: sees only the jobs of ${ALPHA.name}`,
    userUid: '6b7c8d9e-0f1a-4b2c-8d3e-4f5a6b7c8d9e',
  },
  {
    username: 'beta',
    password: 'beta-demo-password',
    role: 'company',
    companyName: BETA.name,
    organizationUid: BETA.organizationUid,
    description: `Company user of ${BETA.name}: sees only the jobs of ${BETA.name}`,
    userUid: 'e1f2a3b4-c5d6-4e7f-a081-92a3b4c5d6e7',
  },
]);

/** The demo user with this username, if any. */
export function findDemoUser(username: string): DemoUser | undefined {
  return DEMO_USERS.find((user) => user.username === username);
}

/** The demo user whose username and password both match, if any. */
export function authenticateDemoUser(username: string, password: string): DemoUser | undefined {
  const user = findDemoUser(username);
  return user !== undefined && user.password === password ? user : undefined;
}

/** Whether `user` may see a job owned by `organizationUid`. */
export function canSeeOrganization(user: DemoUser, organizationUid: string): boolean {
  return user.role === 'provider' || user.organizationUid === organizationUid;
}
