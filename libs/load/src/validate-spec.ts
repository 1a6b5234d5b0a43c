import { isIP } from 'node:net';
import { LoadError } from './load-error.js';
import { RateSchedule } from './rate-schedule.js';
import { JOURNEY_NAMES, SEEDED_USERS } from './shop-journeys.js';
import type { LoadSpec, RateSpec } from './types.js';

export const MAX_DURATION_MS = 3_600_000;
export const DEFAULT_DURATION_MS = 30_000;
export const DEFAULT_TIMEOUT_MS = 5_000;
export const MAX_CONNECTIONS = 10_000;
/** Closed model default; open model default cap (connections for get, concurrent journeys for shop). */
export const DEFAULT_CLOSED_CONNECTIONS = 10;
/** shop: members signed in before the run (each sign-in costs the shop one scrypt derivation). */
export const DEFAULT_MEMBERS = 100;
export const DEFAULT_OPEN_MAX_CONNECTIONS = 1_000;
/**
 * Ceilings of the open model. One generator process (one core) sends and times at most a few tens of
 * thousands of requests/s (see bench/load), so a `get` rate above 100k/s cannot be generated, nor a
 * shop rate above 5k journeys/s (each journey is 1–6 requests). And a pool of N connections carries at
 * most N / (minimum round trip): we take 50 µs per request on loopback (20k/s per connection) and 1 ms
 * per journey.
 */
export const MAX_GET_RATE = 100_000;
export const MAX_SHOP_RATE = 5_000;
export const GET_RATE_PER_CONNECTION = 20_000;
export const SHOP_RATE_PER_JOURNEY_SLOT = 1_000;

export const DEFAULT_DNS = { server: '127.0.0.1', port: 5300, name: 'www.scaleout.test', httpPort: 8080 } as const;

/** True for an IPv4 address in 127.0.0.0/8. */
export function isLoopbackV4(address: string): boolean {
  return isIP(address) === 4 && address.startsWith('127.');
}

/** Checks an http URL whose host is a loopback IPv4 literal (or `localhost`); returns it parsed. */
export function checkLoopbackUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new LoadError('LOAD_ERR_TARGET', `bad URL "${text}": expected http://127.x.y.z:port/path`);
  }
  if (url.protocol !== 'http:') throw new LoadError('LOAD_ERR_TARGET', `unsupported URL scheme in "${text}": only http: is generated`);
  if (url.hostname === 'localhost') url.hostname = '127.0.0.1';
  if (!isLoopbackV4(url.hostname)) {
    throw new LoadError('LOAD_ERR_TARGET', `target ${url.hostname} is outside 127.0.0.0/8: load goes to loopback addresses only`);
  }
  return url;
}

function positiveInt(v: number | undefined, what: string, max: number): void {
  if (v === undefined) return;
  if (!Number.isInteger(v) || v < 1 || v > max) throw new LoadError('LOAD_ERR_USAGE', `bad ${what} ${v}: expected a whole number 1..${max}`);
}

function checkRate(rate: RateSpec): void {
  const bad = (msg: string): never => {
    throw new LoadError('LOAD_ERR_RATE', msg);
  };
  const ok = (n: number) => Number.isFinite(n) && n >= 0;
  if (rate.kind === 'constant') {
    if (!ok(rate.rate) || rate.rate <= 0) bad(`bad rate ${rate.rate}: expected a rate > 0/s`);
  } else if (rate.kind === 'ramp') {
    if (!ok(rate.from) || !ok(rate.to) || Math.max(rate.from, rate.to) <= 0) bad(`bad ramp ${rate.from}..${rate.to}/s: rates must be >= 0 and one > 0`);
    if (!(rate.overMs > 0) || !Number.isFinite(rate.overMs)) bad(`bad ramp length ${rate.overMs} ms`);
  } else if (rate.kind === 'steps') {
    if (!Array.isArray(rate.steps) || rate.steps.length === 0) bad('steps: at least one step');
    for (const s of rate.steps) {
      if (!ok(s.rate)) bad(`bad step rate ${s.rate}`);
      if (!(s.forMs > 0) || !Number.isFinite(s.forMs)) bad(`bad step length ${s.forMs} ms`);
    }
    if (rate.steps.every((s) => s.rate === 0)) bad('steps: every rate is 0');
  } else bad(`unknown rate kind ${(rate as { kind: string }).kind}`);
}

/** Checks a spec and fills its defaults; throws a {@link LoadError} (nothing started) on bad input. */
export function validateLoadSpec(input: LoadSpec): LoadSpec {
  const spec: LoadSpec = { ...input };
  if (spec.workload !== 'get' && spec.workload !== 'shop') {
    throw new LoadError('LOAD_ERR_WORKLOAD', `unknown workload "${String(spec.workload)}": expected get or shop`);
  }
  if (!(Number.isFinite(spec.durationMs) && spec.durationMs > 0 && spec.durationMs <= MAX_DURATION_MS)) {
    throw new LoadError('LOAD_ERR_DURATION', `bad duration ${spec.durationMs} ms: expected more than 0 and at most 1h`);
  }
  positiveInt(spec.maxRequests, 'request count', 1e9);
  positiveInt(spec.connections, 'connection count', MAX_CONNECTIONS);
  spec.timeoutMs ??= DEFAULT_TIMEOUT_MS;
  if (!(Number.isFinite(spec.timeoutMs) && spec.timeoutMs >= 1 && spec.timeoutMs <= 600_000)) {
    throw new LoadError('LOAD_ERR_USAGE', `bad timeout ${spec.timeoutMs} ms: expected 1 ms .. 10 min`);
  }
  if (spec.thinkMs) {
    const [a, b] = spec.thinkMs;
    if (!(a >= 0 && b >= a && b <= 60_000)) throw new LoadError('LOAD_ERR_USAGE', `bad think time ${a}..${b} ms: expected 0 <= min <= max <= 60s`);
  }
  if (spec.workload === 'get') {
    if (!spec.url) throw new LoadError('LOAD_ERR_USAGE', 'missing URL: scaleout load get http://127.x.y.z:port/path');
    spec.url = checkLoopbackUrl(spec.url).href;
    if (spec.mix) throw new LoadError('LOAD_ERR_USAGE', '--mix applies to the shop workload only');
  } else {
    if (spec.url) throw new LoadError('LOAD_ERR_USAGE', 'the shop workload takes no URL (use --base-url or --dns)');
    if (spec.baseUrls && spec.baseUrls.length > 0) {
      spec.baseUrls = spec.baseUrls.map((u) => checkLoopbackUrl(u).origin);
      delete spec.dns;
    } else {
      const dns = { ...DEFAULT_DNS, ...spec.dns };
      if (dns.server === 'localhost') dns.server = '127.0.0.1';
      if (!isLoopbackV4(dns.server)) throw new LoadError('LOAD_ERR_TARGET', `DNS server ${dns.server} is outside 127.0.0.0/8`);
      if (!(Number.isInteger(dns.port) && dns.port >= 1 && dns.port <= 65535)) throw new LoadError('LOAD_ERR_USAGE', `bad DNS port ${dns.port}`);
      if (!(Number.isInteger(dns.httpPort) && dns.httpPort >= 1 && dns.httpPort <= 65535)) throw new LoadError('LOAD_ERR_USAGE', `bad HTTP port ${dns.httpPort}`);
      if (!/^[a-z0-9.-]+$/i.test(dns.name)) throw new LoadError('LOAD_ERR_USAGE', `bad DNS name "${dns.name}"`);
      spec.dns = dns;
    }
    spec.users ??= DEFAULT_MEMBERS;
    if (!(Number.isInteger(spec.users) && spec.users >= 1 && spec.users <= SEEDED_USERS)) {
      throw new LoadError('LOAD_ERR_USAGE', `bad member count ${spec.users}: expected 1 to ${SEEDED_USERS} (the seeded users user1…user${SEEDED_USERS})`);
    }
    if (spec.mix) {
      const entries = Object.entries(spec.mix);
      for (const [name, w] of entries) {
        if (!(JOURNEY_NAMES as readonly string[]).includes(name)) {
          throw new LoadError('LOAD_ERR_MIX', `unknown journey "${name}" in the mix: expected ${JOURNEY_NAMES.join(', ')}`);
        }
        if (!(Number.isFinite(w) && w >= 0)) throw new LoadError('LOAD_ERR_MIX', `bad weight ${w} for ${name}`);
      }
      if (entries.reduce((a, [, w]) => a + w, 0) <= 0) throw new LoadError('LOAD_ERR_MIX', 'the mix has no journey with a weight > 0');
    }
  }
  if (spec.rate) {
    checkRate(spec.rate);
    spec.connections ??= DEFAULT_OPEN_MAX_CONNECTIONS;
    const peak = new RateSchedule(spec.rate).peak(spec.durationMs);
    const unit = spec.workload === 'get' ? 'requests' : 'journeys';
    const ceiling = spec.workload === 'get' ? MAX_GET_RATE : MAX_SHOP_RATE;
    if (peak > ceiling) {
      throw new LoadError('LOAD_ERR_RATE', `rate ${Math.round(peak)}/s is more than this generator can send (${ceiling} ${unit}/s on one core)`);
    }
    const perSlot = spec.workload === 'get' ? GET_RATE_PER_CONNECTION : SHOP_RATE_PER_JOURNEY_SLOT;
    if (peak > spec.connections * perSlot) {
      throw new LoadError(
        'LOAD_ERR_RATE',
        `rate ${Math.round(peak)}/s cannot be carried by ${spec.connections} ${spec.workload === 'get' ? 'connections' : 'concurrent journeys'} (at most ${perSlot}/s each): raise --connections`,
      );
    }
  } else {
    spec.connections ??= DEFAULT_CLOSED_CONNECTIONS;
  }
  return spec;
}
