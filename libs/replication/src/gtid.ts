import { GtidParseError } from './replication-error.js';

/** One MariaDB GTID: `domain-server-seq`. */
export interface Gtid {
  domain: number;
  server: number;
  seq: bigint;
}

const ONE = /^(\d{1,10})-(\d{1,10})-(\d{1,20})$/;

/** Parses `0-1-10`. */
export function parseGtid(text: string): Gtid {
  const m = ONE.exec(text.trim());
  if (!m) throw new GtidParseError(text);
  const domain = Number(m[1]);
  const server = Number(m[2]);
  if (domain > 0xffffffff || server > 0xffffffff) throw new GtidParseError(text);
  return { domain, server, seq: BigInt(m[3]!) };
}

export function formatGtid(g: Gtid): string {
  return `${g.domain}-${g.server}-${g.seq}`;
}

/**
 * A GTID position: at most one GTID per replication domain (what `@@gtid_binlog_pos`,
 * `@@gtid_slave_pos`, `@@gtid_current_pos` and `last_gtid` hold). Immutable.
 */
export class GtidPosition {
  readonly #byDomain: ReadonlyMap<number, Gtid>;

  private constructor(byDomain: Map<number, Gtid>) {
    this.#byDomain = byDomain;
  }

  static readonly EMPTY = new GtidPosition(new Map());

  /** Parses a comma-separated GTID list; empty or whitespace means the empty position. */
  static parse(text: string | null | undefined): GtidPosition {
    const map = new Map<number, Gtid>();
    for (const part of (text ?? '').split(',')) {
      if (part.trim() === '') continue;
      const g = parseGtid(part);
      const prev = map.get(g.domain);
      if (!prev || g.seq > prev.seq) map.set(g.domain, g);
    }
    return new GtidPosition(map);
  }

  static of(gtids: Iterable<Gtid>): GtidPosition {
    const map = new Map<number, Gtid>();
    for (const g of gtids) {
      const prev = map.get(g.domain);
      if (!prev || g.seq > prev.seq) map.set(g.domain, g);
    }
    return new GtidPosition(map);
  }

  get domains(): number[] {
    return [...this.#byDomain.keys()].sort((a, b) => a - b);
  }

  get(domain: number): Gtid | undefined {
    return this.#byDomain.get(domain);
  }

  get isEmpty(): boolean {
    return this.#byDomain.size === 0;
  }

  /** True when this position has reached `other` in every domain of `other` (seq numbers compared). */
  contains(other: GtidPosition | Gtid): boolean {
    const list = other instanceof GtidPosition ? [...other.#byDomain.values()] : [other];
    for (const g of list) {
      const mine = this.#byDomain.get(g.domain);
      if (!mine || mine.seq < g.seq) return false;
    }
    return true;
  }

  /** Per-domain maximum of both positions. */
  merge(other: GtidPosition | Gtid): GtidPosition {
    const list = other instanceof GtidPosition ? [...other.#byDomain.values()] : [other];
    return GtidPosition.of([...this.#byDomain.values(), ...list]);
  }

  /** How many transactions this position is behind `other`, summed over `other`'s domains. */
  behind(other: GtidPosition): bigint {
    let n = 0n;
    for (const g of other.#byDomain.values()) {
      const mine = this.#byDomain.get(g.domain)?.seq ?? 0n;
      if (g.seq > mine) n += g.seq - mine;
    }
    return n;
  }

  /** The GTIDs of this position that `known` does not contain yet (what is still to wait for). */
  notIn(known: GtidPosition): GtidPosition {
    const map = new Map<number, Gtid>();
    for (const g of this.#byDomain.values()) {
      const k = known.#byDomain.get(g.domain);
      if (!k || k.seq < g.seq) map.set(g.domain, g);
    }
    return map.size === this.#byDomain.size ? this : new GtidPosition(map);
  }

  /** This position without the given domains (e.g. a server's own domain before MASTER_GTID_WAIT). */
  withoutDomains(domains: Iterable<number>): GtidPosition {
    const drop = new Set(domains);
    const map = new Map<number, Gtid>();
    for (const [d, g] of this.#byDomain) if (!drop.has(d)) map.set(d, g);
    return map.size === this.#byDomain.size ? this : new GtidPosition(map);
  }

  equals(other: GtidPosition): boolean {
    return this.contains(other) && other.contains(this);
  }

  /** Canonical text, domains in ascending order (what MASTER_GTID_WAIT accepts). */
  toString(): string {
    return this.domains.map((d) => formatGtid(this.#byDomain.get(d)!)).join(',');
  }

  toJSON(): string {
    return this.toString();
  }
}
