import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { createApp, createAppDeps } from './app.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { createHttpServer } from './http/server.js';
import { createLogger } from './logger.js';
import { createMetrics } from './metrics.js';
import { DEMO_USERS, startSimulator, type Simulator } from './simulator/index.js';

const USER_AGENT = 'vspc-proxy/0.1';

/** Starts the embedded simulator when no VSPC_URL is configured (never in production: config refuses it). */
async function resolveUpstream(config: Config): Promise<{ origin: string; simulator: Simulator | null }> {
  if (config.vspcUrl !== null) return { origin: config.vspcUrl, simulator: null };
  const simulator = await startSimulator({
    host: '127.0.0.1',
    port: 0,
    tokenTtlS: config.simulator.tokenTtlS,
    knobs: config.simulator.knobs,
  });
  return { origin: simulator.url, simulator };
}

/** The one warning that demo data is served, with how to log in. */
function warnDemoData(logger: Logger, simulator: Simulator, port: number): void {
  const users = DEMO_USERS.map((user) => `${user.username} (${user.description})`).join(', ');
  logger.warn(
    { simulatorUrl: simulator.url },
    `VSPC_URL is not set: serving DEMO DATA from the embedded VSPC simulator. Demo users: ${users}; ` +
      'each password is the user name followed by "-demo-password". Log in with ' +
      `curl -d grant_type=password -d username=admin -d password=... http://localhost:${port}/api/v3/token`,
  );
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger({ level: config.logLevel });
  if (config.vspcTlsInsecure) {
    logger.warn(
      'VSPC_TLS_INSECURE=true: VSPC certificate checks are OFF; use VSPC_CA_FILE instead where you can.',
    );
  }
  const { origin, simulator } = await resolveUpstream(config);
  let stopping = false;
  const deps = createAppDeps(config, {
    origin,
    logger,
    userAgent: USER_AGENT,
    isStopping: () => stopping,
    // With Node's own process metrics (CPU, heap, event-loop lag), which tests leave out.
    metrics: createMetrics({ defaultMetrics: true }),
  });
  const { upstream } = deps;
  const server = createHttpServer(createApp(deps), deps);
  server.on('error', (error) => {
    logger.fatal({ err: { message: error.message } }, 'cannot listen');
    logger.flush(() => process.exit(1));
  });
  server.listen(config.port, config.host, () => {
    const { port } = server.address() as AddressInfo;
    if (simulator !== null) warnDemoData(logger, simulator, port);
    logger.info(
      {
        host: config.host,
        port,
        vspc: simulator === null ? origin : 'embedded simulator',
      },
      'vspc-proxy listening',
    );
  });

  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      logger.flush(() => process.exit(1));
      return;
    }
    stopping = true;
    logger.info({ signal, graceMs: config.shutdownTimeoutMs }, 'shutting down: finishing in-flight requests');
    // Every VSPC call ends before the grace does, with time left to write its answer; calls that
    // cannot start in time are answered 503 shutting-down with Retry-After, never cut off.
    const marginMs = Math.min(DRAIN_MARGIN_MS, config.shutdownTimeoutMs / DRAIN_MARGIN_SHARE_DIVISOR);
    upstream.drain(Date.now() + config.shutdownTimeoutMs - marginMs);
    const force = setTimeout(() => {
      logger.warn('grace period over: closing remaining connections');
      server.closeAllConnections();
    }, config.shutdownTimeoutMs);
    force.unref();
    // Responses now carry `Connection: close`; idle keep-alive sockets are closed as they appear.
    const idleSweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
    server.close(() => {
      clearInterval(idleSweep);
      clearTimeout(force);
      upstream.close();
      void (simulator?.close() ?? Promise.resolve()).finally(() => {
        logger.info('stopped');
        logger.flush(() => process.exit(0));
      });
    });
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

const IDLE_SWEEP_MS = 100;
/** Time kept at the end of the shutdown grace to write the answers of the last VSPC calls... */
const DRAIN_MARGIN_MS = 1000;
/** ...at most a tenth of the grace. */
const DRAIN_MARGIN_SHARE_DIVISOR = 10;

void main();
