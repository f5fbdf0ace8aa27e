/**
 * `npm run simulator`: runs the VSPC simulator in the foreground.
 *
 * Environment: the SIMULATOR_* settings of config/default.json (SIMULATOR_HOST, SIMULATOR_PORT — VSPC's 1280 by
 * default —, SIMULATOR_TOKEN_TTL_S and the knobs). A bad value prints one line naming the variable and exits 1.
 * SIGINT/SIGTERM close the server and exit 0.
 */
import { loadSimulatorSettings } from '../config.js';
import { startSimulator, type SimulatorOptions } from './server.js';
import { DEMO_USERS } from './users.js';

function optionsFromEnv(env: NodeJS.ProcessEnv): SimulatorOptions {
  const settings = loadSimulatorSettings(env);
  return { host: settings.host, port: settings.port, tokenTtlS: settings.tokenTtlS, knobs: settings.knobs };
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
