import type { Company } from './companies.js';
import type { Rng } from './prng.js';
import { SEED_COMPANY_NAME, SEED_REPOSITORY_UID } from './seed-jobs.js';
import { uuidFromRng } from './uuid.js';

const REPOSITORIES_PER_COMPANY = 3;
const WAN_ACCELERATORS_PER_COMPANY = 4;

/** The fixed infrastructure of one company that its jobs refer to (one backup server, its repositories, …). */
export interface CompanyAssets {
  readonly company: Company;
  readonly backupServerUid: string;
  readonly locationUid: string;
  readonly cloudSiteUid: string;
  readonly repositories: readonly { readonly uid: string; readonly name: string }[];
  readonly wanAcceleratorUids: readonly string[];
}

/** Draws a company's infrastructure; the seed company's first repository is the seed example's. */
export function makeAssets(rng: Rng, company: Company): CompanyAssets {
  const repositoryUids = Array.from({ length: REPOSITORIES_PER_COMPANY }, () => uuidFromRng(rng));
  if (company.name === SEED_COMPANY_NAME) repositoryUids[0] = SEED_REPOSITORY_UID;
  return {
    company,
    backupServerUid: uuidFromRng(rng),
    locationUid: uuidFromRng(rng),
    cloudSiteUid: uuidFromRng(rng),
    repositories: repositoryUids.map((uid, i) => ({ uid, name: `${company.name} repository ${i + 1}` })),
    wanAcceleratorUids: Array.from({ length: WAN_ACCELERATORS_PER_COMPANY }, () => uuidFromRng(rng)),
  };
}
