import net from 'node:net';
import { abortError, HealthConnectError, HealthOptionError } from './health-error.js';
import type { Probe, ProbeResult } from './probe.js';

export interface TcpProbeOptions {
  host: string;
  port: number;
  /** Local address to connect from (e.g. the checking instance's own loopback address). */
  localAddress?: string;
}

/** A TCP connect probe: healthy when a connection can be opened; it is closed right away. */
export function tcpProbe(options: TcpProbeOptions): Probe {
  const { host, port, localAddress } = options;
  if (typeof host !== 'string' || host === '') throw new HealthOptionError('host must be a non-empty string');
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new HealthOptionError(`port must be an integer in [1, 65535], got ${String(port)}`);
  }
  const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;

  return (signal: AbortSignal): Promise<ProbeResult> =>
    new Promise<ProbeResult>((resolve, reject) => {
      if (signal.aborted) {
        reject(abortError(signal));
        return;
      }
      const socket = net.connect({ host, port, ...(localAddress ? { localAddress } : {}) });
      let settled = false;
      const finish = (err: Error | undefined): void => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        socket.destroy();
        if (err) reject(err);
        else resolve({ detail: `connected to ${address}` });
      };
      const onAbort = (): void => finish(abortError(signal));
      signal.addEventListener('abort', onAbort, { once: true });
      socket.once('connect', () => finish(undefined));
      socket.once('error', (err) => finish(signal.aborted ? abortError(signal) : new HealthConnectError(address, err)));
    });
}
