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

/** Builds the real app against `vspcUrl` with `env` overriding config/default.json, logs captured. */
export function buildProxy(vspcUrl: string, env: Record<string, string> = {}, now?: () => number): TestProxy {
  const config = loadConfig({ NODE_ENV: 'test', VSPC_URL: vspcUrl, ...env });
  const logs = captureLogs();
  const deps = createAppDeps(config, {
    origin: vspcUrl,
    logger: logs.logger,
    ...(now === undefined ? {} : { now }),
  });
  return { app: createApp(deps), config, deps, logs, close: () => deps.upstream.close() };
}
