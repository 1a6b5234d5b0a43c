import { connect as netConnect } from 'node:net';
import { readGreeting } from '../protocol/handshake.js';
import { PacketReader } from '../protocol/packet-reader.js';
import type { BackendTarget, ServerOffer } from './backend-connection.js';

/**
 * Reads a server's greeting (capabilities, MariaDB extended capabilities) and hangs up without
 * authenticating: what the proxy needs before its own first greeting. Rejects on error or timeout.
 */
export function probeGreeting(target: BackendTarget, timeoutMs: number): Promise<ServerOffer> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host: target.host, port: target.port });
    const reader = new PacketReader(1 << 16);
    const done = (err: Error | undefined, offer?: ServerOffer) => {
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(offer!);
    };
    const timer = setTimeout(() => done(new Error(`greeting of ${target.name} timed out after ${timeoutMs} ms`)), timeoutMs);
    socket.on('error', (err) => done(err));
    socket.on('close', () => done(new Error(`${target.name} closed the connection before its greeting`)));
    socket.on('data', (chunk) => {
      try {
        reader.push(chunk);
        const m = reader.next();
        if (!m) return;
        if (m.payload[0] === 0xff) throw new Error(`${target.name} refused the connection`);
        const g = readGreeting(m.payload);
        done(undefined, { capabilities: g.capabilities, extCapabilities: g.extCapabilities });
      } catch (err) {
        done(err as Error);
      }
    });
  });
}
