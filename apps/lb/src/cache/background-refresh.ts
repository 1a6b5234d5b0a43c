import http from 'node:http';
import type { Pool } from '../pool.js';
import { HOP_BY_HOP } from '../response-head.js';
import type { CacheObject } from './cache-object.js';
import { storedHeaders, type PageCache } from './page-cache.js';


export interface RefreshOptions {
  serverTimeoutMs: number;
  /** LB instance for `Via` (null: no Via). */
  via: string | null;
}

/**
 * Background refreshes for stale-while-revalidate: one conditional GET per stale object (the object
 * is marked `refreshing` until it ends) to a server picked by the pool's balancer, outside any client
 * exchange, on a small keep-alive agent. 304 refreshes the object, a cacheable answer replaces it, an
 * uncacheable one removes it, a failure (5xx, connection error, timeout) keeps it for stale-if-error.
 */
export function backgroundRefresher(pc: PageCache, o: RefreshOptions): { refresh: (obj: CacheObject, pool: Pool, headers: Record<string, string>) => void; close: () => void } {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16, timeout: o.serverTimeoutMs });
  const refresh = (obj: CacheObject, pool: Pool, headers: Record<string, string>): void => {
    const server = pool.balancer.pick(undefined, null);
    if (server === null || server === 'full') {
      obj.refreshing = false;
      pc.metrics.refreshes.labels({ pool: pool.name, result: 'failed' }).inc();
      return;
    }
    pool.take(server);
    const f = obj.freshness;
    if (f.etag !== null) headers['if-none-match'] = f.etag;
    if (f.lastModified !== null) headers['if-modified-since'] = new Date(f.lastModified).toUTCString();
    if (o.via !== null) headers.via = `1.1 ${o.via}`;
    const requestMs = Date.now();
    let done = false;
    const finish = (result: 'updated' | 'not_modified' | 'uncacheable' | 'failed') => {
      if (done) return;
      done = true;
      pool.release(server);
      obj.refreshing = false;
      pc.metrics.refreshes.labels({ pool: pool.name, result }).inc();
    };
    const req = http.request({ host: server.host, port: server.port, path: obj.target, method: 'GET', headers, agent, timeout: o.serverTimeoutMs }, (res) => {
      const responseMs = Date.now();
      const rawNames: string[] = [];
      const names: string[] = [];
      const values: string[] = [];
      for (let i = 0; i < res.rawHeaders.length; i += 2) {
        const n = res.rawHeaders[i]!.toLowerCase();
        if (HOP_BY_HOP.has(n)) continue;
        rawNames.push(res.rawHeaders[i]!);
        names.push(n);
        values.push(res.rawHeaders[i + 1]!);
      }
      const status = res.statusCode ?? 0;
      if (status === 304) {
        res.resume();
        pc.revalidated(obj, rawNames, names, values, requestMs, responseMs);
        finish('not_modified');
        return;
      }
      const chunks: Buffer[] = [];
      let bytes = 0;
      res.on('data', (c: Buffer) => {
        bytes += c.length;
        if (bytes <= pc.settings.maxObjectBytes) chunks.push(c);
      });
      res.on('error', () => finish('failed'));
      res.on('end', () => {
        if (status >= 500) {
          finish('failed');
          return;
        }
        const stored =
          bytes <= pc.settings.maxObjectBytes &&
          pc.storeAnswer(obj.key, obj.host, obj.target, (n) => headers[n] ?? '', status, res.statusMessage ?? '', { names, values }, storedHeaders(rawNames, names, values), Buffer.concat(chunks, bytes), requestMs, responseMs);
        if (!stored) pc.store.remove(obj);
        finish(stored ? 'updated' : 'uncacheable');
      });
    });
    req.on('timeout', () => req.destroy(new Error('refresh timed out')));
    req.on('error', (err) => {
      pc.logger.debug({ err: err.message, pool: pool.name, server: server.name, url: obj.target }, 'background refresh failed');
      finish('failed');
    });
    req.end();
  };
  return { refresh, close: () => agent.destroy() };
}
