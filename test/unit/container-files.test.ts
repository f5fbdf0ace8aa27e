import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { loadConfig, readDefaults } from '../../src/config.js';

interface Service {
  command?: string[];
  environment?: Record<string, string | number | boolean>;
  ports?: string[];
  expose?: string[];
  stop_grace_period?: string;
}

const compose = parse(readFileSync('docker-compose.yml', 'utf8')) as { services: Record<string, Service> };
const defaults = readDefaults();
const proxy = compose.services['vspc-proxy'];
const simulator = compose.services['vspc-simulator'];
const env = (service: Service | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(service?.environment ?? {}).map(([key, value]) => [key, String(value)]));

describe('docker-compose.yml', () => {
  it('has the proxy and the simulator standing in for VSPC', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['vspc-proxy', 'vspc-simulator']);
    expect(simulator?.command).toEqual(['node', 'dist/simulator/cli.js']);
  });

  it('uses only variables the configuration knows', () => {
    for (const service of [proxy, simulator]) {
      for (const key of Object.keys(env(service))) expect(Object.keys(defaults)).toContain(key);
    }
  });

  it("gives the proxy a configuration that validates, VSPC_URL pointing at the simulator's port", () => {
    const config = loadConfig(env(proxy));
    expect(config.nodeEnv).toBe('production');
    const vspc = new URL(config.vspcUrl ?? '');
    expect(vspc.hostname).toBe('vspc-simulator');
    expect(vspc.port).toBe(env(simulator).SIMULATOR_PORT ?? defaults.SIMULATOR_PORT);
  });

  it("gives the proxy more time to stop than its own shutdown grace, so Docker's SIGKILL does not cut it short", () => {
    const graceS = Number(/^(\d+)s$/.exec(proxy?.stop_grace_period ?? '')?.[1]);
    expect(graceS * 1000).toBeGreaterThan(loadConfig(env(proxy)).shutdownTimeoutMs);
  });

  it('publishes the port the proxy listens on and exposes the simulator port', () => {
    const port = String(loadConfig(env(proxy)).port);
    expect(proxy?.ports?.map((mapping) => mapping.split(':').at(-1))).toEqual([port]);
    expect(simulator?.expose).toEqual([env(simulator).SIMULATOR_PORT]);
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync('Dockerfile', 'utf8');
  it('is multi-stage on Node 22, non-root, with a health check on /healthz and port 8080', () => {
    expect(dockerfile.match(/^FROM node:22[\w.-]* AS \w+$/gm)).toHaveLength(2);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\n?.*\/healthz/m);
    expect(dockerfile).toMatch(/^EXPOSE 8080$/m);
    expect(dockerfile).toMatch(/^COPY config \.\/config$/m);
    expect(dockerfile).toMatch(/^CMD \["node", "dist\/main\.js"\]$/m);
  });
  it('builds into the path package.json starts from', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
      main: string;
      scripts: Record<string, string>;
    };
    expect(pkg.main).toBe('dist/main.js');
    // The image starts the proxy the way npm start does.
    expect(pkg.scripts.start).toBe('node dist/main.js');
  });
});
