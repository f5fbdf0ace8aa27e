import type { RequestListener } from 'node:http';
import { createApp, createAppDeps, type AppDeps } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { captureLogs, type CapturedLogs } from './logs.js';

export interface TestProxy {
  app: RequestListener;
  config: Config;
  deps: AppDeps;
  logs: CapturedLogs;
  close(): void;
}

/**
 * The shield's features that change how many calls VSPC sees or refuse clients: off unless a test
 * turns them on, so tests of the cache and the proxy count exactly the calls they make. The
 * shield's own tests set them. (The concurrency budget stays on: it only orders calls.)
 */
export const SHIELD_OFF: Readonly<Record<string, string>> = {
  RATE_LIMIT_RPS: '0',
  UPSTREAM_RETRIES: '0',
  BREAKER_FAILURES: '0',
};

/** Builds the real app against `vspcUrl` with `env` overriding config/default.json (and {@link SHIELD_OFF}), logs captured. */
export function buildProxy(
  vspcUrl: string,
  env: Record<string, string> = {},
  now?: () => number,
  random?: () => number,
): TestProxy {
  const config = loadConfig({ NODE_ENV: 'test', VSPC_URL: vspcUrl, ...SHIELD_OFF, ...env });
  const logs = captureLogs();
  const deps = createAppDeps(config, {
    origin: vspcUrl,
    logger: logs.logger,
    ...(now === undefined ? {} : { now }),
    ...(random === undefined ? {} : { random }),
  });
  return { app: createApp(deps), config, deps, logs, close: () => deps.upstream.close() };
}
