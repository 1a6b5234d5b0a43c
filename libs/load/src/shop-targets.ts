import { Resolver } from 'node:dns/promises';
import { LoadError } from './load-error.js';
import type { DnsTarget } from './types.js';
import { isLoopbackV4 } from './validate-spec.js';

export interface ShopTarget {
  host: string;
  port: number;
  /** `Host` header value. */
  hostHeader: string;
}

/** Shortest and longest time an answer is used before asking again (the TTL is clamped to these). */
const MIN_TTL_MS = 1000;
const MAX_TTL_MS = 300_000;

/**
 * The LB addresses of the shop: fixed base URLs, or `www.scaleout.test` resolved through the stack's
 * DNS server, asked again when the answer's TTL runs out. Every address must be in 127.0.0.0/8; a
 * resolution that returns another address aborts the run. `next()` spreads virtual users over the
 * current answer in its (rotating) order.
 */
export class ShopTargets {
  private current: ShopTarget[] = [];
  private counter = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Resolutions made, and the answers seen (address lists in order). */
  resolutions = 0;
  readonly answers: string[][] = [];
  lastError: string | undefined;

  constructor(
    private readonly options: { baseUrls?: string[]; dns?: DnsTarget; timeoutMs: number; onAbort(err: Error): void },
  ) {}

  async start(): Promise<void> {
    if (this.options.baseUrls && this.options.baseUrls.length > 0) {
      this.current = this.options.baseUrls.map((u) => {
        const url = new URL(u);
        return { host: url.hostname, port: Number(url.port || 80), hostHeader: url.host };
      });
      return;
    }
    await this.resolve();
  }

  list(): readonly ShopTarget[] {
    return this.current;
  }

  next(): ShopTarget {
    const list = this.current;
    return list[this.counter++ % list.length]!;
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private async resolve(): Promise<void> {
    const dns = this.options.dns!;
    const resolver = new Resolver({ timeout: Math.min(this.options.timeoutMs, 5000), tries: 2 });
    resolver.setServers([`${dns.server}:${dns.port}`]);
    let answer: Array<{ address: string; ttl: number }>;
    try {
      answer = await resolver.resolve4(dns.name, { ttl: true });
    } catch (err) {
      const msg = `cannot resolve ${dns.name} via ${dns.server}:${dns.port}: ${(err as Error).message}`;
      if (this.current.length === 0) throw new LoadError('LOAD_ERR_DNS', msg, { cause: err });
      // Keep using the last answer; try again soon.
      this.lastError = msg;
      this.schedule(MIN_TTL_MS);
      return;
    }
    if (answer.length === 0) throw new LoadError('LOAD_ERR_DNS', `${dns.name} has no A records at ${dns.server}:${dns.port}`);
    const outside = answer.find((a) => !isLoopbackV4(a.address));
    if (outside) {
      const err = new LoadError('LOAD_ERR_TARGET', `${dns.name} resolved to ${outside.address}, outside 127.0.0.0/8: load goes to loopback addresses only`);
      if (this.current.length === 0) throw err;
      this.options.onAbort(err);
      return;
    }
    this.resolutions++;
    this.answers.push(answer.map((a) => a.address));
    this.current = answer.map((a) => ({ host: a.address, port: dns.httpPort, hostHeader: `${dns.name}:${dns.httpPort}` }));
    const ttlMs = Math.min(MAX_TTL_MS, Math.max(MIN_TTL_MS, Math.min(...answer.map((a) => a.ttl)) * 1000));
    this.schedule(ttlMs);
  }

  private schedule(ms: number): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      this.resolve().catch((err: Error) => this.options.onAbort(err));
    }, ms);
    this.timer.unref();
  }
}
