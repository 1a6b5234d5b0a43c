import { connect } from 'node:net';
import { request } from 'node:http';

/** A readiness probe: resolves when the daemon answers, rejects otherwise. */
export type ReadyProbe = (signal: AbortSignal) => Promise<void>;

/** Sends `version\r\n` to a memcached and expects `VERSION …`. */
export function memcachedProbe(host: string, port: number): ReadyProbe {
  return (signal) =>
    new Promise<void>((resolve, reject) => {
      const socket = connect({ host, port });
      let buf = '';
      const done = (err?: Error) => {
        socket.destroy();
        signal.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve();
      };
      const onAbort = () => done(new Error('aborted'));
      signal.addEventListener('abort', onAbort, { once: true });
      socket.setTimeout(2000, () => done(new Error('memcached probe timed out')));
      socket.on('connect', () => socket.write('version\r\n'));
      socket.on('data', (d) => {
        buf += d.toString('latin1');
        if (buf.includes('\r\n')) done(buf.startsWith('VERSION ') ? undefined : new Error(`unexpected reply ${JSON.stringify(buf)}`));
      });
      socket.on('error', (e) => done(e));
    });
}

/** Expects HTTP 200 from `url` (e.g. a `/readyz`). */
export function httpProbe(url: string): ReadyProbe {
  return (signal) =>
    new Promise<void>((resolve, reject) => {
      const req = request(url, { signal, agent: false, timeout: 2000 }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`))));
      });
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', reject);
      req.end();
    });
}

/** Resolves when a TCP connection to host:port succeeds. */
export function tcpProbe(host: string, port: number): ReadyProbe {
  return (signal) =>
    new Promise<void>((resolve, reject) => {
      const socket = connect({ host, port, signal });
      socket.setTimeout(2000, () => socket.destroy(new Error('timed out')));
      socket.on('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.on('error', reject);
    });
}
