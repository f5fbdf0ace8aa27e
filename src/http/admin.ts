import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { ResponseCache } from '../cache/store.js';
import { bearerToken } from '../callers/bearer.js';
import { instanceOf, requestIdOf } from './api-request.js';
import { sendProblem } from './problems.js';
import { API_PREFIX, normaliseTarget } from './target.js';

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Answers 401 unless the request carries `Bearer <ADMIN_TOKEN>`; compares in constant time. */
export function createAdminGuard(adminToken: string): RequestHandler {
  const expected = digest(adminToken);
  return (req, res, next) => {
    const token = bearerToken(req.headers.authorization);
    if (token !== null && timingSafeEqual(digest(token), expected)) return next();
    sendProblem(res, 'unauthorized', 'Send Authorization: Bearer <ADMIN_TOKEN>.', {
      instance: instanceOf(req),
      requestId: requestIdOf(req),
      headers: { 'WWW-Authenticate': 'Bearer' },
    });
  };
}

/** `GET /admin/cache`: entry count and the bytes the LRU accounts for, against its bound, and the process's memory. */
export function createAdminCacheStats(cache: ResponseCache): RequestHandler {
  return (_req, res) => {
    const memory = process.memoryUsage();
    res.setHeader('Cache-Control', 'no-store');
    res.json({
      ...cache.stats,
      process: {
        rssBytes: memory.rss,
        heapUsedBytes: memory.heapUsed,
        externalBytes: memory.external,
        arrayBuffersBytes: memory.arrayBuffers,
      },
    });
  };
}

/**
 * `DELETE /admin/cache[?prefix=/infrastructure/...]`: purges the whole cache, or every entry whose
 * VSPC path (below `/api/v3`) starts with `prefix`, for all tokens. A prefix that already starts with
 * `/api/v3` means the same path.
 */
export function createAdminCachePurge(cache: ResponseCache): RequestHandler {
  return (req, res) => {
    const context = { instance: instanceOf(req), requestId: requestIdOf(req) };
    const prefix = req.query.prefix;
    if (prefix === undefined) {
      res.setHeader('Cache-Control', 'no-store');
      res.json({ purged: cache.purgeAll(), prefix: null });
      return;
    }
    const checked = typeof prefix === 'string' && prefix.startsWith('/') ? normaliseTarget(prefix) : null;
    if (checked === null || !checked.ok || checked.search !== '') {
      return sendProblem(
        res,
        'bad-request',
        'prefix must be a VSPC path below /api/v3, such as /infrastructure/backupServers.',
        context,
      );
    }
    // `/api/v3/infrastructure` is taken as meant: the same as `/infrastructure`.
    const below =
      checked.path === API_PREFIX || checked.path.startsWith(`${API_PREFIX}/`)
        ? checked.path.slice(API_PREFIX.length) || '/'
        : checked.path;
    const vspcPrefix = `${API_PREFIX}${below}`;
    res.setHeader('Cache-Control', 'no-store');
    res.json({ purged: cache.purgePrefix(vspcPrefix), prefix: vspcPrefix });
  };
}
