import { connect } from 'node:net';

/**
 * A readiness probe: resolves when the daemon answers, rejects otherwise (the contract of
 * `@scaleout/health`'s probes, so its `httpProbe` and `tcpProbe` serve here too).
 */
export type ReadyProbe = (signal: AbortSignal) => Promise<unknown>;

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
