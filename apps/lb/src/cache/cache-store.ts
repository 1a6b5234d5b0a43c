import type { CacheObject } from './cache-object.js';

/** What the store counts (exported as metrics and by GET /api/cache). */
export interface StoreCounters {
  evictions: number;
  purged: number;
  banned: number;
}

/**
 * The objects of the page cache: a map from URL key to its variants (at most `maxVariants`, the
 * oldest dropped first), one LRU list over every object bounded by bytes, and an index from
 * surrogate key to objects for bans.
 */
export class CacheStore {
  readonly #byKey = new Map<string, CacheObject[]>();
  readonly #bySurrogate = new Map<string, Set<CacheObject>>();
  /** Most recently used. */
  #head: CacheObject | null = null;
  #tail: CacheObject | null = null;
  bytes = 0;
  objects = 0;
  readonly counters: StoreCounters = { evictions: 0, purged: 0, banned: 0 };

  constructor(
    public maxBytes: number,
    readonly maxVariants: number,
  ) {}

  variants(key: string): readonly CacheObject[] | undefined {
    return this.#byKey.get(key);
  }

  /** Mark `o` most recently used. */
  touch(o: CacheObject): void {
    if (this.#head === o) return;
    this.#unlink(o);
    this.#pushHead(o);
  }

  /** Add `o`, replacing the variant with the same Vary values; then evict down to the byte bound. */
  insert(o: CacheObject): void {
    const existing = this.#byKey.get(o.key);
    if (existing !== undefined) {
      const same = existing.find((old) => sameValues(old.varyNames, o.varyNames) && sameValues(old.varyValues, o.varyValues));
      if (same !== undefined) this.remove(same);
      for (let cur = this.#byKey.get(o.key); cur !== undefined && cur.length >= this.maxVariants; cur = this.#byKey.get(o.key)) {
        this.remove(cur[0]!);
        this.counters.evictions++;
      }
    }
    let list = this.#byKey.get(o.key);
    if (list === undefined) this.#byKey.set(o.key, (list = []));
    list.push(o);
    this.#pushHead(o);
    this.bytes += o.size;
    this.objects++;
    for (const k of o.surrogateKeys) {
      let set = this.#bySurrogate.get(k);
      if (set === undefined) this.#bySurrogate.set(k, (set = new Set()));
      set.add(o);
    }
    while (this.bytes > this.maxBytes && this.#tail !== null && this.#tail !== o) {
      this.remove(this.#tail);
      this.counters.evictions++;
    }
  }

  /** Size of `o` changed (a 304 refreshed its headers). */
  resized(o: CacheObject, oldSize: number, oldKeys: readonly string[]): void {
    this.bytes += o.size - oldSize;
    for (const k of oldKeys) this.#unindex(k, o);
    for (const k of o.surrogateKeys) {
      let set = this.#bySurrogate.get(k);
      if (set === undefined) this.#bySurrogate.set(k, (set = new Set()));
      set.add(o);
    }
  }

  remove(o: CacheObject): void {
    if (o.dead) return;
    o.dead = true;
    this.#unlink(o);
    this.bytes -= o.size;
    this.objects--;
    const list = this.#byKey.get(o.key);
    if (list !== undefined) {
      const i = list.indexOf(o);
      if (i >= 0) list.splice(i, 1);
      if (list.length === 0) this.#byKey.delete(o.key);
    }
    for (const k of o.surrogateKeys) this.#unindex(k, o);
  }

  /** Remove every variant of `key`; returns how many. */
  purgeKey(key: string): number {
    const list = this.#byKey.get(key);
    if (list === undefined) return 0;
    const n = list.length;
    for (const o of [...list]) this.remove(o);
    this.counters.purged += n;
    return n;
  }

  /** Remove every object whose target is `target`, whatever its host. */
  purgeTarget(target: string): number {
    let n = 0;
    for (const list of [...this.#byKey.values()]) {
      if (list[0]!.target !== target) continue;
      n += list.length;
      for (const o of [...list]) this.remove(o);
    }
    this.counters.purged += n;
    return n;
  }

  /** Remove every object tagged with one of `keys` (surrogate keys). */
  banKeys(keys: readonly string[]): number {
    let n = 0;
    for (const k of keys) {
      const set = this.#bySurrogate.get(k);
      if (set === undefined) continue;
      for (const o of [...set]) {
        this.remove(o);
        n++;
      }
    }
    this.counters.banned += n;
    return n;
  }

  /** Remove every object for which `match` is true. */
  banWhere(match: (o: CacheObject) => boolean): number {
    let n = 0;
    for (let o = this.#head; o !== null; ) {
      const next = o.next;
      if (match(o)) {
        this.remove(o);
        n++;
      }
      o = next;
    }
    this.counters.banned += n;
    return n;
  }

  #unindex(k: string, o: CacheObject): void {
    const set = this.#bySurrogate.get(k);
    if (set === undefined) return;
    set.delete(o);
    if (set.size === 0) this.#bySurrogate.delete(k);
  }

  #pushHead(o: CacheObject): void {
    o.prev = null;
    o.next = this.#head;
    if (this.#head !== null) this.#head.prev = o;
    this.#head = o;
    if (this.#tail === null) this.#tail = o;
  }

  #unlink(o: CacheObject): void {
    if (o.prev !== null) o.prev.next = o.next;
    else if (this.#head === o) this.#head = o.next;
    if (o.next !== null) o.next.prev = o.prev;
    else if (this.#tail === o) this.#tail = o.prev;
    o.prev = o.next = null;
  }
}

function sameValues(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
