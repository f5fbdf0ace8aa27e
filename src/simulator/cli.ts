/**
 * `npm run simulator`: runs the VSPC simulator in the foreground.
 *
 * Environment: SIMULATOR_HOST (default 127.0.0.1), SIMULATOR_PORT (default 1280, VSPC's port),
 * SIMULATOR_TOKEN_TTL_S (default 3600) and the SIMULATOR_* knobs read by `knobsFromEnv`. A bad value prints one
 * line naming the variable and exits 1. SIGINT/SIGTERM close the server and exit 0.
 */
import { parseEnvInteger, readEnv } from './env.js';
import { knobsFromEnv } from './knobs.js';
import { DEFAULT_HOST, DEFAULT_TOKEN_TTL_S, startSimulator, type SimulatorOptions } from './server.js';
import { DEMO_USERS } from './users.js';

/** VSPC's own port. */
const DEFAULT_CLI_PORT = 1280;
const MAX_PORT = 65_535;
/** Longest token lifetime accepted: one year. */
const MAX_TOKEN_TTL_S = 366 * 24 * 3600;

function optionsFromEnv(env: NodeJS.ProcessEnv): SimulatorOptions {
  const port = readEnv(env, 'SIMULATOR_PORT');
  const ttl = readEnv(env, 'SIMULATOR_TOKEN_TTL_S');
  return {
    host: readEnv(env, 'SIMULATOR_HOST') ?? DEFAULT_HOST,
    port: port === undefined ? DEFAULT_CLI_PORT : parseEnvInteger('SIMULATOR_PORT', port, 0, MAX_PORT),
    tokenTtlS:
      ttl === undefined
        ? DEFAULT_TOKEN_TTL_S
        : parseEnvInteger('SIMULATOR_TOKEN_TTL_S', ttl, 1, MAX_TOKEN_TTL_S),
    knobs: knobsFromEnv(env),
  };
}

async function main(): Promise<void> {
  let options: SimulatorOptions;
  try {
    options = optionsFromEnv(process.env);
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  }
  const simulator = await startSimulator(options);
  const users = DEMO_USERS.map((user) => `${user.username}/${user.password} (${user.description})`).join(
    '; ',
  );
  console.log(`VSPC simulator (demo data) listening on ${simulator.url}/api/v3 — users: ${users}`);

  const stop = (): void => {
    void simulator.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(`VSPC simulator failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
