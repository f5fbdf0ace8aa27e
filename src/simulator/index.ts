/** Public API of the VSPC simulator. */
export { startSimulator, type Simulator, type SimulatorOptions } from './server.js';
export {
  knobsFromEnv,
  DEFAULT_KNOBS,
  type SimulatorKnobs,
  type ForcedStatus,
  type ThrottleScope,
} from './knobs.js';
export type { RecordedRequest } from './stats.js';
export { DEMO_USERS, type DemoUser, type DemoUserRole } from './users.js';
export { COMPANIES, type Company } from './companies.js';
export { buildDataset, type Dataset } from './dataset.js';
export { SEED_COPY_JOBS } from './seed-jobs.js';
export type * from './resources.js';
