import { BlockList, isIP } from 'node:net';
import { LbError } from './errors.js';

/** `::ffff:127.0.0.1` → `127.0.0.1`; other addresses unchanged. */
export function normalizeIp(ip: string | undefined): string {
  if (!ip) return '';
  return ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
}

/**
 * The upstream proxies whose `X-Forwarded-*` headers are believed: addresses or CIDR blocks
 * (`10.0.0.0/8`, `127.0.0.1`, `::1`). Headers from anyone else are replaced.
 */
export class TrustedProxies {
  readonly #list = new BlockList();
  readonly size: number;

  constructor(entries: readonly string[]) {
    for (const e of entries) {
      const [addr, bits] = e.split('/');
      const family = isIP(addr ?? '');
      if (family === 0) throw new LbError('LB_ERR_CONFIG', `trusted proxy ${JSON.stringify(e)} is not an IP address or CIDR block`);
      const type = family === 4 ? 'ipv4' : 'ipv6';
      if (bits === undefined) this.#list.addAddress(addr!, type);
      else {
        const n = Number(bits);
        if (!/^\d+$/.test(bits) || n > (family === 4 ? 32 : 128)) throw new LbError('LB_ERR_CONFIG', `trusted proxy ${JSON.stringify(e)} has an invalid prefix length`);
        this.#list.addSubnet(addr!, n, type);
      }
    }
    this.size = entries.length;
  }

  has(ip: string): boolean {
    if (this.size === 0) return false;
    const family = isIP(ip);
    if (family === 0) return false;
    return this.#list.check(ip, family === 4 ? 'ipv4' : 'ipv6');
  }

  /**
   * The client address: the peer, or — when the peer is trusted — the right-most address of
   * `X-Forwarded-For` that is not itself a trusted proxy.
   */
  clientIp(peer: string, xff: string | null): string {
    if (xff === null || !this.has(peer)) return peer;
    const parts = xff.split(',');
    for (let i = parts.length - 1; i >= 0; i--) {
      const ip = parts[i]!.trim();
      if (isIP(ip) === 0) return peer;
      if (!this.has(ip)) return ip;
    }
    return parts[0]!.trim() || peer;
  }
}
