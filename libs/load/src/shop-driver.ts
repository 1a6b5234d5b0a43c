import { CookieJar } from './cookie-jar.js';
import type { Driver, DriverContext } from './driver.js';
import { HttpPool } from './http-pool.js';
import { LatencyHistogram } from './latency-histogram.js';
import { LoadError } from './load-error.js';
import type { ParsedResponse } from './response-parser.js';
import { DEFAULT_MIX, JOURNEYS, JourneyFailure, MEMBER_JOURNEYS, MixPicker, SEED_PASSWORD, type JourneyName, type Membership, type StepOptions, type StepResponse, type VirtualUser } from './shop-journeys.js';
import { ShopTargets, type ShopTarget } from './shop-targets.js';
import type { ErrorKind, JourneyStats, LoadResult, LoadSpec } from './types.js';

interface JourneyCounters {
  started: number;
  ok: number;
  failed: number;
  outOfStock: number;
  latency: LatencyHistogram;
}

function statusKind(status: number): ErrorKind {
  return status >= 500 ? 'http_5xx' : status >= 400 ? 'http_4xx' : 'unexpected';
}

interface Member extends Membership {
  jar: CookieJar;
  busy: boolean;
}

/**
 * `shop`: each arrival is one journey on one LB address. Anonymous journeys (browse, search, sign-up)
 * are a new visitor each (a fresh cookie jar); member journeys (cart, checkout, orders, login) are run
 * by one of `users` members, seeded users signed in before the clock starts whose session (cookie jar)
 * lasts across journeys, as a real shopper's does. At most `connections` journeys run at once, later
 * arrivals wait (their latency counts the wait).
 */
export class ShopDriver implements Driver {
  private readonly targets: ShopTargets;
  private readonly pools = new Map<string, HttpPool>();
  private readonly picker: MixPicker;
  private readonly journeys = new Map<JourneyName, JourneyCounters>();
  private readonly steps: Record<string, { ok: number; failed: number }> = {};
  private readonly perTarget: Record<string, number> = {};
  private readonly waiting: Array<{ intended: number; done: () => void }> = [];
  private productIds: number[] = [];
  private readonly members: Member[] = [];
  private active = 0;
  private requestCount = 0;
  private closed = false;

  constructor(
    private readonly spec: LoadSpec,
    private readonly ctx: DriverContext,
  ) {
    this.targets = new ShopTargets({ baseUrls: spec.baseUrls, dns: spec.dns, timeoutMs: spec.timeoutMs!, onAbort: ctx.abort });
    this.picker = new MixPicker(spec.mix ?? DEFAULT_MIX);
    for (const name of this.picker.journeys) this.journeys.set(name, { started: 0, ok: 0, failed: 0, outOfStock: 0, latency: new LatencyHistogram() });
  }

  /** Resolves the LBs and reads the catalogue's product ids (so every product is picked at random). */
  async prepare(): Promise<void> {
    await this.targets.start();
    const first = this.targets.list()[0]!;
    const page = async (n: number) => {
      const r = await this.fetch(first, 'GET', `/api/products?page=${n}&pageSize=100`, undefined, true);
      if (r.status !== 200 || !r.body) throw new Error(`status ${r.status}`);
      return JSON.parse(r.body.toString('utf8')) as { pages: number; items: Array<{ id: number }> };
    };
    try {
      const p1 = await page(1);
      const ids = p1.items.map((i) => i.id);
      for (let n = 2; n <= Math.min(p1.pages, 1000); n += 10) {
        const batch = await Promise.all(Array.from({ length: Math.min(10, p1.pages - n + 1) }, (_, k) => page(n + k)));
        for (const b of batch) ids.push(...b.items.map((i) => i.id));
      }
      this.productIds = ids;
    } catch (err) {
      this.close();
      throw new LoadError('LOAD_ERR_SHOP', `the shop at ${first.host}:${first.port} did not list its products (GET /api/products): ${(err as Error).message}`, { cause: err });
    }
    if (this.productIds.length === 0) {
      this.close();
      throw new LoadError('LOAD_ERR_SHOP', `the shop at ${first.host}:${first.port} has no products`);
    }
    if (this.picker.journeys.some((j) => MEMBER_JOURNEYS.has(j))) await this.signInMembers();
  }

  /** Signs the members in before the clock starts, a few at a time, spread over the LB addresses. */
  private async signInMembers(): Promise<void> {
    const targets = this.targets.list();
    const count = this.spec.users ?? 100;
    let next = 0;
    const worker = async () => {
      while (next < count && !this.closed) {
        const n = next++;
        const member: Member = { username: `user${n + 1}`, signedIn: false, jar: new CookieJar(), busy: false };
        const target = targets[n % targets.length]!;
        const body = { username: member.username, password: SEED_PASSWORD };
        // Set-up, not measured: a sign-in the shop could not answer (502/503, a dropped connection) is tried again.
        let res: ParsedResponse | undefined;
        let last = '';
        for (let attempt = 0; attempt < 4 && !this.closed; attempt++) {
          if (attempt > 0) await new Promise((r) => setTimeout(r, 250 * attempt));
          try {
            res = await this.fetch(target, 'POST', '/api/login', { json: body, expect: [200] }, true, member.jar);
          } catch (err) {
            last = (err as Error).message;
            res = undefined;
            continue;
          }
          if (res.status !== 502 && res.status !== 503) break;
          last = `answered ${res.status}`;
        }
        if (res?.status !== 200) throw new Error(`POST /api/login for ${member.username} ${res ? `answered ${res.status}` : last}`);
        member.jar.store(res.setCookie);
        member.signedIn = true;
        this.members.push(member);
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(4, count) }, worker));
    } catch (err) {
      this.close();
      throw new LoadError('LOAD_ERR_SHOP', `the shop did not sign in the seeded members (user1…user${count}, password "${SEED_PASSWORD}"): ${(err as Error).message}`, { cause: err });
    }
  }

  /** An idle member if one is found in a few random draws, else any (two journeys then share a session). */
  private member(): Member {
    const random = this.ctx.random;
    for (let i = 0; i < 8; i++) {
      const m = this.members[Math.floor(random() * this.members.length)]!;
      if (!m.busy) return m;
    }
    return this.members[Math.floor(random() * this.members.length)]!;
  }

  arrive(intended: number, done: () => void): boolean {
    if (this.active < this.spec.connections!) {
      this.startJourney(intended, done);
      return true;
    }
    this.waiting.push({ intended, done });
    this.ctx.recorder.onQueued();
    return false;
  }

  inFlight(): number {
    return this.active + this.waiting.length;
  }

  requests(): number {
    return this.requestCount;
  }

  stats(): { maxConnections: number; extraConnections: number } {
    let max = 0;
    let extra = 0;
    for (const p of this.pools.values()) {
      max += p.peakConnections;
      extra += p.openedWhileBusy;
    }
    return { maxConnections: max, extraConnections: extra };
  }

  extras(): Partial<LoadResult> & { notes?: string[] } {
    const journeys: Record<string, JourneyStats> = {};
    let failed = 0;
    let outOfStock = 0;
    for (const [name, j] of this.journeys) {
      journeys[name] = { started: j.started, ok: j.ok, failed: j.failed, latency: j.latency.summary(), ...(name === 'checkout' ? { outOfStock: j.outOfStock } : {}) };
      failed += j.failed;
      outOfStock += j.outOfStock;
    }
    const notes = ['rates are journeys/s; latency is per journey, from its intended start'];
    if (this.spec.dns) notes.push(`${this.spec.dns.name} resolved ${this.targets.resolutions} times via ${this.spec.dns.server}:${this.spec.dns.port}`);
    if (this.members.length > 0) notes.push(`${this.members.length} members (user1…user${this.members.length}) signed in before the clock started; their sessions last across journeys`);
    if (this.targets.lastError) notes.push(this.targets.lastError);
    if (outOfStock > 0) notes.push(`${outOfStock} checkouts answered 409 out of stock (not a failure of the stack)`);
    return { journeys, failedJourneys: failed, steps: this.steps, targets: this.perTarget, notes };
  }

  close(): void {
    this.closed = true;
    this.targets.close();
    for (const p of this.pools.values()) p.close();
    const waiting = this.waiting.splice(0);
    for (const w of waiting) w.done();
  }

  private startJourney(intended: number, done: () => void): void {
    const rec = this.ctx.recorder;
    const name = this.picker.pick(this.ctx.random());
    const counters = this.journeys.get(name)!;
    counters.started++;
    this.active++;
    rec.onSent();
    const target = this.targets.next();
    const key = `${target.host}:${target.port}`;
    this.perTarget[key] = (this.perTarget[key] ?? 0) + 1;
    const member = MEMBER_JOURNEYS.has(name) && this.members.length > 0 ? this.member() : undefined;
    if (member) member.busy = true;
    const user = this.user(target, member);
    JOURNEYS[name](user).then(
      (outcome) => {
        const now = performance.now();
        const latency = now - intended;
        counters.latency.record(latency);
        if (outcome === 'out_of_stock') counters.outOfStock++;
        else counters.ok++;
        rec.complete(latency, now);
      },
      (err: unknown) => {
        counters.failed++;
        // The member's session may be gone (e.g. rotated by a sign-in that failed half way): sign in next time.
        if (member) member.signedIn = false;
        rec.error(err instanceof JourneyFailure ? err.kind : 'unexpected', performance.now());
      },
    ).finally(() => {
      if (member) member.busy = false;
      this.active--;
      done();
      const next = this.closed ? undefined : this.waiting.shift();
      if (next) this.startJourney(next.intended, next.done);
    });
  }

  private user(target: ShopTarget, member?: Member): VirtualUser {
    const jar = member?.jar ?? new CookieJar();
    const random = this.ctx.random;
    const think = this.spec.thinkMs;
    const ids = this.productIds;
    return {
      ...(member ? { member } : {}),
      random,
      productId: () => ids[Math.floor(random() * ids.length)]!,
      think: () => {
        if (!think || think[1] <= 0) return Promise.resolve();
        return new Promise((r) => setTimeout(r, think[0] + random() * (think[1] - think[0])));
      },
      step: async (name: string, method: 'GET' | 'POST', path: string, options: StepOptions): Promise<StepResponse> => {
        const counts = (this.steps[name] ??= { ok: 0, failed: 0 });
        let res: ParsedResponse;
        try {
          res = await this.fetch(target, method, path, options, false, jar);
        } catch (err) {
          counts.failed++;
          throw new JourneyFailure(name, (err as { kind?: ErrorKind }).kind ?? 'unexpected');
        }
        jar.store(res.setCookie);
        if (options.expect.includes(res.status) || options.allow?.includes(res.status)) {
          if (options.expect.includes(res.status)) counts.ok++;
          else counts.failed++;
          return { status: res.status, body: res.body };
        }
        counts.failed++;
        throw new JourneyFailure(name, statusKind(res.status));
      },
    };
  }

  private pool(target: ShopTarget): HttpPool {
    const key = `${target.host}:${target.port}`;
    let p = this.pools.get(key);
    if (!p) {
      p = new HttpPool({ host: target.host, port: target.port, maxConnections: this.spec.connections!, timeoutMs: this.spec.timeoutMs!, keepBodies: true });
      this.pools.set(key, p);
    }
    return p;
  }

  private fetch(target: ShopTarget, method: 'GET' | 'POST', path: string, options: StepOptions | undefined, setup: boolean, jar?: CookieJar): Promise<ParsedResponse> {
    let head = `${method} ${path} HTTP/1.1\r\nHost: ${target.hostHeader}\r\nUser-Agent: scaleout-load\r\nAccept: application/json, text/html\r\n`;
    const cookie = jar?.header();
    if (cookie) head += `Cookie: ${cookie}\r\n`;
    for (const [k, v] of Object.entries(options?.headers ?? {})) head += `${k}: ${v}\r\n`;
    let body: Buffer | undefined;
    if (method === 'POST') {
      body = Buffer.from(JSON.stringify(options?.json ?? {}), 'utf8');
      head += `Content-Type: application/json\r\nX-Requested-With: scaleout-load\r\nContent-Length: ${body.length}\r\n`;
    }
    head += '\r\n';
    const bytes = body ? Buffer.concat([Buffer.from(head, 'latin1'), body]) : Buffer.from(head, 'latin1');
    if (!setup) this.requestCount++;
    return new Promise((resolve, reject) => {
      this.pool(target).request({
        bytes,
        idempotent: method === 'GET',
        cb: (err, res) => {
          if (err !== null) reject(Object.assign(new Error(`${method} ${path}: ${err}`), { kind: err }));
          else resolve(res!);
        },
      });
    });
  }
}
