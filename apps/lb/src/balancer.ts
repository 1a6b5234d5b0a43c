import { KetamaRing } from '@scaleout/hashing';
import type { BackendServer } from './backend-server.js';

export type Algorithm = 'roundrobin' | 'leastconn' | 'hash';

/** What to hash for `hash` (and for the cookieless sticky fallback). */
export type HashKeySource = { kind: 'source' } | { kind: 'header'; name: string } | { kind: 'cookie'; name: string };

/** Result of a pick: a server, `full` (candidates exist but all are at maxconn) or null (none). */
export type Pick = BackendServer | 'full' | null;

/**
 * Server selection over a pool's candidates (the servers that may take new clients). The candidate
 * list and the hash ring are rebuilt only when the pool changes (`invalidate`).
 */
export class Balancer {
  #candidates: BackendServer[] = [];
  #ring: KetamaRing | null = null;
  #ringIndex = new Map<string, BackendServer>();
  #dirty = true;
  #random: () => number;
  #failOpen: boolean;
  #panic = false;

  constructor(
    readonly algorithm: Algorithm,
    private readonly servers: () => readonly BackendServer[],
    private readonly slowStartMs: number,
    random: () => number = Math.random,
    failOpen = false,
  ) {
    this.#random = random;
    this.#failOpen = failOpen;
  }

  /**
   * True while no server is healthy and the pool fails open: the candidates are then every `ready`
   * server whatever its checks say (Envoy's panic mode, like our DNS's fail-open). A fault shared by
   * every server — the web tier's database failing over, say — then yields the servers' own answers
   * (cached pages, 503 pages with Retry-After) instead of the LB's blanket 503.
   */
  get panic(): boolean {
    this.#refresh();
    return this.#panic;
  }

  /** The pool changed (membership, state, health, weight): rebuild on the next pick. */
  invalidate(): void {
    this.#dirty = true;
  }

  /** Pick by the pool's algorithm. `key` is the hash key (hash only; undefined = no key → round robin). */
  pick(key: string | undefined, exclude: ReadonlySet<BackendServer> | null): Pick {
    this.#refresh();
    if (this.#candidates.length === 0) return null;
    switch (this.algorithm) {
      case 'leastconn':
        return this.leastConn(exclude);
      case 'hash':
        return key === undefined ? this.roundRobin(exclude) : this.hashed(key, exclude);
      default:
        return this.roundRobin(exclude);
    }
  }

  /** Consistent-hash pick over the candidates whatever the algorithm (the cookieless sticky fallback). */
  pickHashed(key: string, exclude: ReadonlySet<BackendServer> | null): Pick {
    this.#refresh();
    if (this.#candidates.length === 0) return null;
    return this.hashed(key, exclude);
  }

  /**
   * Smooth weighted round robin (as in nginx): every candidate's counter grows by its weight, the
   * largest wins and pays back the total. Spreads a 5:1:1 weighting as a,a,b,a,c,a,a rather than in bursts.
   */
  roundRobin(exclude: ReadonlySet<BackendServer> | null): Pick {
    const list = this.#candidates;
    const now = this.slowStartMs > 0 ? performance.now() : 0;
    let best: BackendServer | null = null;
    let total = 0;
    let anyFull = false;
    for (let i = 0; i < list.length; i++) {
      const s = list[i]!;
      if (exclude !== null && exclude.has(s)) continue;
      if (s.full) {
        anyFull = true;
        continue;
      }
      const w = this.slowStartMs > 0 ? s.effectiveWeight(now, this.slowStartMs) : s.weight;
      s.current += w;
      total += w;
      if (best === null || s.current > best.current) best = s;
    }
    if (best === null) return anyFull ? 'full' : null;
    best.current -= total;
    return best;
  }

  /**
   * Least connections by the power of two choices: two distinct random candidates, the one with fewer
   * in-flight requests per unit of weight wins (ties: the first draw).
   */
  leastConn(exclude: ReadonlySet<BackendServer> | null): Pick {
    let list = this.#candidates;
    const n0 = list.length;
    const r = this.#random;
    if (exclude === null && n0 >= 2) {
      const i = Math.floor(r() * n0);
      let j = Math.floor(r() * (n0 - 1));
      if (j >= i) j++;
      const a = list[i]!;
      const b = list[j]!;
      const aOk = !a.full;
      const bOk = !b.full;
      if (aOk && bOk) return this.#lessLoaded(a, b);
      if (aOk !== bOk) return aOk ? a : b;
    }
    let anyFull = false;
    list = list.filter((s) => {
      if (exclude !== null && exclude.has(s)) return false;
      if (s.full) {
        anyFull = true;
        return false;
      }
      return true;
    });
    const n = list.length;
    if (n === 0) return anyFull ? 'full' : null;
    if (n === 1) return list[0]!;
    const i = Math.floor(r() * n);
    let j = Math.floor(r() * (n - 1));
    if (j >= i) j++;
    return this.#lessLoaded(list[i]!, list[j]!);
  }

  #lessLoaded(a: BackendServer, b: BackendServer): BackendServer {
    const now = this.slowStartMs > 0 ? performance.now() : 0;
    const wa = this.slowStartMs > 0 ? a.effectiveWeight(now, this.slowStartMs) : a.weight;
    const wb = this.slowStartMs > 0 ? b.effectiveWeight(now, this.slowStartMs) : b.weight;
    return (b.inflight + 1) / wb < (a.inflight + 1) / wa ? b : a;
  }

  /**
   * Consistent hash (ketama ring over the candidates, weighted): the owner of `key`, or the next
   * distinct servers clockwise when it is excluded or full. Only the keys of a server that leaves or
   * joins move.
   */
  hashed(key: string, exclude: ReadonlySet<BackendServer> | null): Pick {
    const ring = this.#ring!;
    const owner = this.#ringIndex.get(ring.get(key))!;
    if ((exclude === null || !exclude.has(owner)) && !owner.full) return owner;
    let anyFull = false;
    for (const id of ring.getN(key, ring.size)) {
      const s = this.#ringIndex.get(id)!;
      if (exclude !== null && exclude.has(s)) continue;
      if (s.full) {
        anyFull = true;
        continue;
      }
      return s;
    }
    return anyFull ? 'full' : null;
  }

  #refresh(): void {
    if (!this.#dirty) return;
    this.#dirty = false;
    this.#candidates = this.servers().filter((s) => s.balanceable);
    this.#panic = false;
    if (this.#candidates.length === 0 && this.#failOpen) {
      const ready = this.servers().filter((s) => s.adminState === 'ready' && !s.removed);
      if (ready.length > 0) {
        this.#candidates = ready;
        this.#panic = true;
      }
    }
    for (const s of this.#candidates) s.current = 0;
    this.#ringIndex = new Map(this.#candidates.map((s) => [s.cookieId, s]));
    this.#ring = this.#candidates.length === 0 ? null : new KetamaRing(this.#candidates.map((s) => ({ id: s.cookieId, weight: s.weight })));
  }
}
