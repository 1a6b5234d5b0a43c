// Fine-grained watching during a scenario (every 250 ms, finer than the 1 s figures): what each LB
// says about each web server (state, attempts, connection errors, retries) and what DNS answers.
import { Resolver } from 'node:dns/promises';
import { callAdmin } from '../admin-client.js';
import { DNS_PORT, LB_ADMIN_PORT, STACK_ZONE, controlHost, stackAddress } from '../stack-spec.js';

export interface ServerObservation {
  name: string;
  state: string;
  requests: number;
  connectionErrors: number;
  retries: number;
  inflight: number;
}

export interface WatchSample {
  /** Epoch ms. */
  at: number;
  /** Per LB that answered: its view of the web pool. Absent LB = it did not answer. */
  lbs: Record<string, ServerObservation[]>;
  /** DNS answer for www (null when the query failed). */
  dns: string[] | null;
  /** The answer's TTL in seconds (the shortest record's). */
  dnsTtl: number | null;
}

export class StackWatch {
  readonly samples: WatchSample[] = [];
  #timer: NodeJS.Timeout | undefined;
  #busy = false;
  readonly #resolver: Resolver;

  constructor(
    readonly net: string,
    readonly token: string,
    readonly lbs = ['lb1', 'lb2'],
    readonly periodMs = 250,
  ) {
    this.#resolver = new Resolver({ timeout: 400, tries: 1 });
    this.#resolver.setServers([`${controlHost(net)}:${DNS_PORT}`]);
  }

  lbHost(lb: string): string {
    return stackAddress(this.net, 1, Number(lb.replace(/\D/g, '')));
  }

  start(): void {
    this.#timer = setInterval(() => void this.#tick(), this.periodMs);
    void this.#tick();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
  }

  async #tick(): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    try {
      const at = Date.now();
      const [views, dns] = await Promise.all([
        Promise.all(this.lbs.map((lb) => callAdmin(`http://${this.lbHost(lb)}:${LB_ADMIN_PORT}`, this.token, { method: 'GET', path: '/api/pools/web/servers', timeoutMs: 400 }))),
        this.#resolver.resolve4(`www.${STACK_ZONE}`, { ttl: true }).catch(() => null),
      ]);
      const lbs: Record<string, ServerObservation[]> = {};
      views.forEach((v, i) => {
        if (v.status !== 200) return;
        const list = (Array.isArray(v.body) ? v.body : (v.body as { servers?: unknown[] }).servers ?? []) as ServerObservation[];
        lbs[this.lbs[i]!] = list.map((s) => ({ name: s.name, state: s.state, requests: s.requests ?? 0, connectionErrors: s.connectionErrors ?? 0, retries: s.retries ?? 0, inflight: s.inflight ?? 0 }));
      });
      this.samples.push({ at, lbs, dns: dns ? dns.map((r) => r.address).sort() : null, dnsTtl: dns && dns.length ? Math.min(...dns.map((r) => r.ttl)) : null });
    } finally {
      this.#busy = false;
    }
  }

  /** The server's observation in a sample. */
  static server(s: WatchSample, lb: string, server: string): ServerObservation | undefined {
    return s.lbs[lb]?.find((x) => x.name === server);
  }

  /** Epoch ms of the first sample after `fromMs` where `lb` reports `server` down, or null. */
  markedDown(lb: string, server: string, fromMs: number, toMs = Infinity): number | null {
    const s = this.samples.find((x) => x.at > fromMs && x.at <= toMs && StackWatch.server(x, lb, server)?.state === 'down');
    return s ? s.at : null;
  }

  /** Epoch ms of the last sample in (fromMs, toMs] in which `lb`'s attempts to `server` grew, or null. */
  lastAttempt(lb: string, server: string, fromMs: number, toMs: number): number | null {
    let prev: ServerObservation | undefined;
    let last: number | null = null;
    for (const x of this.samples) {
      if (x.at > toMs) break;
      const o = StackWatch.server(x, lb, server);
      if (!o) continue;
      if (prev && x.at > fromMs && o.requests > prev.requests) last = x.at;
      prev = o;
    }
    return last;
  }

  /** Growth of a counter of `server` summed over the LBs between the last sample at or before each bound. */
  growth(server: string, field: 'requests' | 'connectionErrors' | 'retries', fromMs: number, toMs: number): number {
    let total = 0;
    for (const lb of this.lbs) {
      const before = [...this.samples].reverse().find((x) => x.at <= fromMs && StackWatch.server(x, lb, server));
      const after = [...this.samples].reverse().find((x) => x.at <= toMs && StackWatch.server(x, lb, server));
      if (before && after) total += StackWatch.server(after, lb, server)![field] - StackWatch.server(before, lb, server)![field];
    }
    return total;
  }

  /** The largest TTL DNS gave (the zone's, before it counts down in no cache: ours answers authoritatively). */
  dnsTtl(): number | null {
    const ttls = this.samples.map((x) => x.dnsTtl).filter((t): t is number => t !== null);
    return ttls.length ? Math.max(...ttls) : null;
  }

  /** Epoch ms of the first sample after `fromMs` whose DNS answer lacks `address`, or null. */
  dnsDropped(address: string, fromMs: number): number | null {
    const s = this.samples.find((x) => x.at > fromMs && x.dns !== null && !x.dns.includes(address));
    return s ? s.at : null;
  }

  /** Attempts per second to each server (summed over the LBs), bucketed by second since `zeroMs`. */
  attemptsPerSecond(servers: string[], zeroMs: number): Map<string, { t: number; v: number | null }[]> {
    const out = new Map<string, { t: number; v: number | null }[]>();
    for (const server of servers) {
      const buckets = new Map<number, number>();
      for (const lb of this.lbs) {
        let prev: ServerObservation | undefined;
        for (const x of this.samples) {
          const o = StackWatch.server(x, lb, server);
          if (!o) continue;
          if (prev && o.requests >= prev.requests) {
            const t = Math.ceil((x.at - zeroMs) / 1000);
            buckets.set(t, (buckets.get(t) ?? 0) + o.requests - prev.requests);
          }
          prev = o;
        }
      }
      out.set(server, [...buckets.entries()].sort((a, b) => a[0] - b[0]).map(([t, v]) => ({ t, v })));
    }
    return out;
  }
}
