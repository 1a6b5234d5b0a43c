import { Resolver } from 'node:dns/promises';
import type { Logger } from '@scaleout/service';
import type { Pool } from './pool.js';

export interface DnsDiscoveryOptions {
  /** The name whose A records are the pool's servers, and their port. */
  name: string;
  port: number;
  /** `system`, or nameservers (`127.0.0.1:5300`, comma-separated). */
  resolver: string;
  intervalMs: number;
  timeoutMs: number;
  /** Keep the last good servers this long while the name does not exist (NXDOMAIN / no A records). */
  holdNxMs: number;
  /** Keep them this long while the resolver fails (timeout, refused, SERVFAIL). */
  holdErrorMs: number;
  logger: Logger;
  /** Server names the admin API removed: never re-added by discovery. */
  isRemoved?: (name: string) => boolean;
  /** Called for each server discovery adds (e.g. to apply saved admin state). */
  onAdded?: (name: string) => void;
}

const NX_CODES = new Set(['ENOTFOUND', 'ENODATA', 'NXDOMAIN']);

/**
 * DNS discovery for one pool (Envoy STRICT_DNS / HAProxy server-template): every A record of the
 * name is a server, re-resolved every `intervalMs`; servers are added and removed as the answer
 * changes. Resolver failures keep the last good answer for the hold time of their kind.
 */
export class DnsDiscovery {
  readonly #pool: Pool;
  readonly #o: DnsDiscoveryOptions;
  readonly #resolver: Resolver;
  #timer: NodeJS.Timeout | undefined;
  #lastGood = Date.now();
  #running = false;
  #inFlight: Promise<void> | null = null;
  resolutions = 0;
  failures = 0;
  lastError: string | null = null;

  constructor(pool: Pool, options: DnsDiscoveryOptions) {
    this.#pool = pool;
    this.#o = options;
    this.#resolver = new Resolver({ timeout: options.timeoutMs, tries: 1 });
    if (options.resolver !== 'system') this.#resolver.setServers(options.resolver.split(','));
  }

  /** Resolve now, then every interval. Resolves after the first answer (or failure). */
  async start(): Promise<void> {
    this.#running = true;
    await this.refresh();
    this.#schedule();
  }

  stop(): void {
    this.#running = false;
    clearTimeout(this.#timer);
    this.#resolver.cancel();
  }

  #schedule(): void {
    if (!this.#running) return;
    this.#timer = setTimeout(() => {
      void this.refresh().finally(() => this.#schedule());
    }, this.#o.intervalMs);
    this.#timer.unref();
  }

  refresh(): Promise<void> {
    this.#inFlight ??= this.#refresh().finally(() => (this.#inFlight = null));
    return this.#inFlight;
  }

  async #refresh(): Promise<void> {
    const o = this.#o;
    let addrs: string[];
    try {
      addrs = await this.#resolver.resolve4(o.name);
      this.resolutions++;
      this.lastError = null;
      this.#lastGood = Date.now();
    } catch (err) {
      if (!this.#running) return;
      const code = (err as NodeJS.ErrnoException).code ?? 'EUNKNOWN';
      this.failures++;
      this.lastError = code;
      const nx = NX_CODES.has(code);
      const hold = nx ? o.holdNxMs : o.holdErrorMs;
      const held = Date.now() - this.#lastGood;
      if (held < hold) {
        o.logger.warn({ pool: this.#pool.name, name: o.name, error: code, heldMs: held }, 'DNS discovery failed; keeping the last answer');
        return;
      }
      o.logger.warn({ pool: this.#pool.name, name: o.name, error: code }, 'DNS discovery failed past the hold time; removing discovered servers');
      addrs = [];
    }
    if (!this.#running) return;
    this.#apply(addrs);
  }

  #apply(addrs: string[]): void {
    const o = this.#o;
    const wanted = new Set(addrs.map((a) => `${a}:${o.port}`));
    for (const s of [...this.#pool.servers]) {
      if (s.source === 'dns' && !wanted.has(s.name)) {
        this.#pool.removeServer(s.name);
        o.logger.info({ pool: this.#pool.name, server: s.name }, 'server removed by DNS discovery');
      }
    }
    for (const ip of addrs) {
      const name = `${ip}:${o.port}`;
      if (this.#pool.get(name) !== undefined || o.isRemoved?.(name)) continue;
      if (this.#pool.servers.some((s) => s.host === ip && s.port === o.port)) continue; // also configured statically
      this.#pool.addServer({ name, host: ip, port: o.port, weight: 1, maxconn: 0 }, 'dns', { slowStart: this.resolutions > 1 });
      o.onAdded?.(name);
      o.logger.info({ pool: this.#pool.name, server: name }, 'server added by DNS discovery');
    }
  }
}
