/** A tenant company of the simulated service provider; its jobs carry its `organizationUid`. */
export interface Company {
  readonly name: string;
  /** VSPC organization UID; company users see only jobs with this `organizationUid`. */
  readonly organizationUid: string;
  /** Short upper-case tag used in host and account names, e.g. `ALPHA`. */
  readonly tag: string;
  /** Number of backup copy jobs generated for the company. */
  readonly copyJobCount: number;
  /** Number of plain (BackupVm) jobs generated for the company; they appear only in `/jobs`. */
  readonly backupJobCount: number;
}

/** Name of the service provider that runs the simulated VSPC (the `admin` demo user's organization). */
export const PROVIDER_NAME = 'Northwind Cloud Services';

/**
 * The simulated companies, fixed so that their UIDs never change when the generator changes.
 * Copy jobs add up to 1,200; plain backup jobs to 200.
 */
export const COMPANIES: readonly Company[] = Object.freeze([
  {
    name: 'Alpha Logistics',
    organizationUid: '3f1c2a9e-7b4d-4e21-9c55-a1f0e2d3c4b5',
    tag: 'ALPHA',
    copyJobCount: 300,
    backupJobCount: 40,
  },
  {
    name: 'Beta Health',
    organizationUid: 'b7d4e6f1-2a3c-4d8e-8f01-5c6b7a8d9e02',
    tag: 'BETA',
    copyJobCount: 200,
    backupJobCount: 40,
  },
  {
    name: 'Gamma Retail',
    organizationUid: '5e8a1b2c-3d4f-4a6b-b7c8-9d0e1f2a3b4c',
    tag: 'GAMMA',
    copyJobCount: 250,
    backupJobCount: 40,
  },
  {
    name: 'Delta Manufacturing',
    organizationUid: 'c2d3e4f5-a6b7-4c8d-9e0f-1a2b3c4d5e6f',
    tag: 'DELTA',
    copyJobCount: 250,
    backupJobCount: 40,
  },
  {
    name: 'Epsilon Media',
    organizationUid: '8a9b0c1d-2e3f-4051-a627-38495a6b7c8d',
    tag: 'EPSILON',
    copyJobCount: 200,
    backupJobCount: 40,
  },
]);

/** The company with this exact name; throws when there is none (a typo in fixed data). */
export function companyNamed(name: string): Company {
  const company = COMPANIES.find((candidate) => candidate.name === name);
  if (company === undefined) throw new Error(`No simulated company is named '${name}'`);
  return company;
}
