import type { Express } from 'express';
import { createApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createUpstreamClient, upstreamOptionsFrom, type UpstreamClient } from '../../src/upstream/client.js';
import { captureLogs, type CapturedLogs } from './logs.js';

export interface TestProxy {
  app: Express;
  config: Config;
  logs: CapturedLogs;
  upstream: UpstreamClient;
  close(): void;
}

/** Builds the real app against `vspcUrl` with `env` overriding config/default.json, logs captured. */
export function buildProxy(vspcUrl: string, env: Record<string, string> = {}): TestProxy {
  const config = loadConfig({ NODE_ENV: 'test', VSPC_URL: vspcUrl, ...env });
  const logs = captureLogs();
  const upstream = createUpstreamClient(upstreamOptionsFrom(config, vspcUrl));
  const app = createApp({ config, logger: logs.logger, upstream });
  return { app, config, logs, upstream, close: () => upstream.close() };
}
