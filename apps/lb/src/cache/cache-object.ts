import type { Freshness } from './freshness.js';

/** Fixed bytes counted per object besides its head and body (maps, links, strings). */
const OVERHEAD = 256;

/** Stored response headers (without framing, hop-by-hop, Age and the LB's own headers). */
export interface StoredHeaders {
  rawNames: string[];
  names: string[];
  values: string[];
}

/**
 * One stored response (one variant of a URL): status, headers, body, freshness and the request
 * header values its `Vary` names, plus the links of the store's LRU list.
 */
export class CacheObject {
  prev: CacheObject | null = null;
  next: CacheObject | null = null;
  /** A background refresh (stale-while-revalidate) is running. */
  refreshing = false;
  /** Removed from the store (purged, banned, evicted, replaced). */
  dead = false;
  /** `HTTP/1.1 <status> <reason>\r\n` + headers + Content-Length, latin1. */
  headPrefix!: Buffer;
  size!: number;

  constructor(
    /** host + target. */
    readonly key: string,
    readonly host: string,
    readonly target: string,
    readonly status: number,
    readonly reason: string,
    public headers: StoredHeaders,
    readonly body: Buffer,
    public freshness: Freshness,
    /** When the response arrived (ms). */
    public storedAt: number,
    /** Lowercased names from `Vary` (sorted, unique). */
    readonly varyNames: readonly string[],
    /** The request's values for `varyNames`. */
    readonly varyValues: readonly string[],
    public surrogateKeys: readonly string[],
  ) {
    this.#build();
  }

  #build(): void {
    const h = this.headers;
    let s = `HTTP/1.1 ${this.status} ${this.reason}\r\n`;
    for (let i = 0; i < h.names.length; i++) s += `${h.rawNames[i]}: ${h.values[i]}\r\n`;
    if (this.status !== 204) s += `Content-Length: ${this.body.length}\r\n`;
    this.headPrefix = Buffer.from(s, 'latin1');
    this.size = this.headPrefix.length + this.body.length + OVERHEAD;
  }

  /** A 304 from the server refreshed this object: new headers and freshness (RFC 9111 §4.3.4). */
  refresh(headers: StoredHeaders, freshness: Freshness, storedAt: number, surrogateKeys: readonly string[]): void {
    this.headers = headers;
    this.freshness = freshness;
    this.storedAt = storedAt;
    this.surrogateKeys = surrogateKeys;
    this.#build();
  }

  ageMs(now: number): number {
    return this.freshness.initialAgeMs + Math.max(0, now - this.storedAt);
  }

  /** ms past the end of freshness (≤ 0 while fresh). */
  staleness(now: number): number {
    return this.ageMs(now) - this.freshness.lifetimeMs;
  }

  fresh(now: number): boolean {
    return !this.freshness.noCache && this.staleness(now) < 0;
  }

  get hasValidators(): boolean {
    return this.freshness.etag !== null || this.freshness.lastModified !== null;
  }

  /** How long past freshness this object is still worth keeping: stale serving windows, grace, keep for validators. */
  keepPastMs(graceMs: number, keepMs: number): number {
    const f = this.freshness;
    return Math.max(f.swrMs, f.sieMs, f.graceAllowed ? graceMs : 0, this.hasValidators ? keepMs : 0);
  }
}
