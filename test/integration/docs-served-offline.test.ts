import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from '@jest/globals';
import express from 'express';
import request from 'supertest';
import { createDocsRouter, DOCS_CONTENT_SECURITY_POLICY } from '../../src/http/docs.js';
import { OPENAPI_DOCUMENT } from '../../src/http/openapi/index.js';
import { createBaseHeaders } from '../../src/http/security-headers.js';

const API_CSP = "default-src 'none';frame-ancestors 'none'";
const EXTERNAL_URL = /https?:\/\//i;
const SWAGGER_UI_DIR = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

/** The router alone, as the brief's harness: `express().use(createDocsRouter())`. */
const docsOnly = express().use(createDocsRouter());

/** The router behind helmet's API headers, as the app runs it: the API CSP is set first. */
function behindApiHeaders(): express.Express {
  const base = createBaseHeaders();
  const app = express();
  app.use((_req, res, next) => {
    base.apply(res, 'request-1');
    next();
  });
  app.use(createDocsRouter());
  app.use((_req, res) => {
    res.status(404).json({ code: 'not-found' });
  });
  return app;
}

/** Values of `attribute` on every `tag` element of an HTML page. */
function attributeValues(html: string, tag: string, attribute: string): string[] {
  const elements = html.match(new RegExp(`<${tag}\\b[^>]*>`, 'gi')) ?? [];
  return elements.flatMap((element) => {
    const value = new RegExp(`\\s${attribute}="([^"]*)"`, 'i').exec(element)?.[1];
    return value === undefined ? [] : [value];
  });
}

/** Every URL the page makes the browser load: scripts, stylesheets, icons, images. */
function loadedUrls(html: string): string[] {
  return [
    ...attributeValues(html, 'script', 'src'),
    ...attributeValues(html, 'link', 'href'),
    ...attributeValues(html, 'img', 'src'),
  ];
}

function directives(policy: string): Map<string, string[]> {
  return new Map(
    policy
      .split(';')
      .map((part) => part.trim().split(/\s+/))
      .filter((words) => words[0] !== undefined && words[0] !== '')
      .map(([name, ...sources]) => [name ?? '', sources]),
  );
}

describe('/openapi.json', () => {
  it('is the document, as JSON, revalidated by ETag', async () => {
    const res = await request(docsOnly).get('/openapi.json').expect(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.body).toEqual(OPENAPI_DOCUMENT);
    const etag = res.headers.etag;
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await request(docsOnly).get('/openapi.json').set('If-None-Match', String(etag)).expect(304);
    expect(again.text).toBe('');
  });

  it("keeps the API's Content-Security-Policy", async () => {
    const res = await request(behindApiHeaders()).get('/openapi.json').expect(200);
    expect(res.headers['content-security-policy']).toBe(API_CSP);
  });
});

describe('/docs', () => {
  it('is an HTML page whose every script, stylesheet and icon is local and answers 200', async () => {
    const res = await request(docsOnly).get('/docs').expect(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    const html = res.text;
    const scripts = attributeValues(html, 'script', 'src');
    const stylesheets = attributeValues(html, 'link', 'href');
    expect(scripts).toEqual(['/docs/assets/swagger-ui-bundle.js', '/docs/assets/docs-init.js']);
    expect(stylesheets).toEqual(
      expect.arrayContaining(['/docs/assets/swagger-ui.css', '/docs/assets/index.css']),
    );
    const urls = loadedUrls(html);
    expect(urls.length).toBeGreaterThanOrEqual(4);
    const expectedType: Record<string, RegExp> = {
      '.js': /^text\/javascript; charset=utf-8$/,
      '.css': /^text\/css; charset=utf-8$/,
      '.png': /^image\/png$/,
    };
    for (const url of urls) {
      expect(url).toMatch(/^\/docs\/assets\/[\w.-]+$/); // path-absolute on this origin: no scheme, no host
      const asset = await request(docsOnly).get(url);
      const type = expectedType[path.extname(url)];
      expect([url, asset.status, type?.test(String(asset.headers['content-type']))]).toEqual([
        url,
        200,
        true,
      ]);
      expect(Number(asset.headers['content-length'])).toBeGreaterThan(0);
    }
  });

  it('serves swagger-ui from the installed swagger-ui-dist, byte for byte', async () => {
    for (const name of ['swagger-ui-bundle.js', 'swagger-ui.css']) {
      const res = await request(docsOnly)
        .get(`/docs/assets/${name}`)
        .buffer(true)
        .parse((response, done) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => done(null, Buffer.concat(chunks)));
        })
        .expect(200);
      expect((res.body as Buffer).equals(readFileSync(path.join(SWAGGER_UI_DIR, name)))).toBe(true);
    }
  });

  it('runs no inline code and names no external URL, in the page or its initializer', async () => {
    const html = (await request(docsOnly).get('/docs').expect(200)).text;
    expect(html).not.toMatch(EXTERNAL_URL);
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/i); // every script is a file
    expect(html).not.toMatch(/<script\b[^>]*>[^<]+<\/script>/i);
    expect(html).not.toMatch(/\son\w+=/i);
    expect(html).not.toMatch(/<style\b|\sstyle=/i);
    const initializer = await request(docsOnly).get('/docs/assets/docs-init.js').expect(200);
    expect(initializer.text).not.toMatch(EXTERNAL_URL);
    expect(initializer.text).toContain("url: '/openapi.json'");
    expect(initializer.text).toContain('validatorUrl: null');
  });

  it("makes Try it out send /api/v3/{path}'s slashes as slashes, which swagger-ui percent-encodes", async () => {
    const source = (await request(docsOnly).get('/docs/assets/docs-init.js').expect(200)).text;
    // Run the initializer as the page does, against a stand-in swagger-ui that keeps its configuration.
    let config: { requestInterceptor?: (request: { url: string }) => { url: string } } = {};
    const SwaggerUIBundle = Object.assign(
      (options: typeof config) => {
        config = options;
        return {};
      },
      { presets: { apis: {} } },
    );
    runInNewContext(source, { window: {}, SwaggerUIBundle });
    const intercept = config.requestInterceptor;
    if (intercept === undefined) throw new Error('docs-init.js sets no requestInterceptor');
    const sent = (url: string): string => intercept({ url }).url;
    expect(sent('http://127.0.0.1:8080/api/v3/infrastructure%2FbackupServers%2Fjobs?filter=a%2Fb')).toBe(
      'http://127.0.0.1:8080/api/v3/infrastructure/backupServers/jobs?filter=a%2Fb',
    );
    expect(sent('http://127.0.0.1:8080/api/v3/infrastructure%2fbackupServers')).toBe(
      'http://127.0.0.1:8080/api/v3/infrastructure/backupServers',
    );
    for (const untouched of [
      'http://127.0.0.1:8080/jobs/copy?q=a%2Fb',
      'http://127.0.0.1:8080/admin/cache?prefix=%2Finfrastructure',
      'http://127.0.0.1:8080/api/v3/token',
    ])
      expect(sent(untouched)).toBe(untouched);
  });

  it('replaces the API CSP with one that allows this origin only', async () => {
    const res = await request(behindApiHeaders()).get('/docs').expect(200);
    const policy = String(res.headers['content-security-policy']);
    expect(policy).toBe(DOCS_CONTENT_SECURITY_POLICY);
    const parsed = directives(policy);
    expect(parsed.get('default-src')).toEqual(["'none'"]);
    expect(parsed.get('script-src')).toEqual(["'self'"]);
    expect(parsed.get('style-src')).toEqual(["'self'"]);
    expect(parsed.get('connect-src')).toEqual(["'self'"]);
    expect(parsed.get('img-src')).toEqual(["'self'", 'data:']);
    expect(parsed.get('frame-ancestors')).toEqual(["'none'"]);
    expect(parsed.get('base-uri')).toEqual(["'none'"]);
    for (const [name, sources] of parsed) {
      for (const source of sources) {
        // Keywords or data: only: no host, no scheme that reaches out, no unsafe-* escape hatch.
        expect([name, source]).toEqual([name, expect.stringMatching(/^(?:'self'|'none'|data:)$/)]);
      }
    }
    // The other API headers stay as helmet set them.
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-request-id']).toBe('request-1');
    expect(res.headers['cross-origin-resource-policy']).toBe('same-origin');
  });

  it('answers HEAD and If-None-Match like GET', async () => {
    const head = await request(docsOnly).head('/docs').expect(200);
    expect(head.headers['content-type']).toBe('text/html; charset=utf-8');
    const etag = String(head.headers.etag);
    await request(docsOnly).get('/docs').set('If-None-Match', etag).expect(304);
  });
});

describe('/docs/assets/', () => {
  it('serves only the files the page needs: anything else falls through to the 404', async () => {
    const app = behindApiHeaders();
    for (const target of [
      '/docs/assets/swagger-ui.js', // in the package, not needed
      '/docs/assets/package.json',
      '/docs/assets/swagger-ui-bundle.js.map',
      '/docs/assets/..%2Fpackage.json',
      '/docs/assets/%2e%2e/docs.ts',
      '/docs/assets/',
      '/docs/assets/SWAGGER-UI.CSS',
    ]) {
      const res = await request(app).get(target);
      expect([target, res.status]).toEqual([target, 404]);
    }
  });
});
