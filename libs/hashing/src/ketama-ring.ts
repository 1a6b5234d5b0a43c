import { HashingError } from './hashing-error.js';
import { md5, uint32LE } from './internal/md5.js';

/** A ring member: a bare id (weight 1) or an id with a positive weight. */
export type KetamaNode = string | { id: string; weight?: number };

/**
 * How a node's number of MD5 digests (each giving 4 points) is derived from the weights. Both compute
 * `floor(weight / totalWeight * 40 * nodeCount)`; they differ only in floating-point rounding:
 * - `'libmemcached'` (default) rounds like libmemcached's weighted ketama (single-precision floats, as on
 *   x86-64 and arm64), so a ring shared with libmemcached clients (PHP memcached, pylibmc, …) agrees.
 * - `'hashring'` rounds like the npm `hashring` package (double precision), for rings shared with it.
 */
export type KetamaCompat = 'libmemcached' | 'hashring';

export interface KetamaRingOptions {
  /** Rounding of the per-node digest count; see {@link KetamaCompat}. Default `'libmemcached'`. */
  compat?: KetamaCompat;
}

/** MD5 digests per node at equal weight; each digest yields 4 points, so 160 points per node. */
const DIGESTS_PER_NODE = 40;
const POINTS_PER_DIGEST = 4;
/** Points and owner indexes are packed as `point * OWNER_SPACE + owner` (< 2^52, exact in a double). */
const OWNER_SPACE = 2 ** 20;
const MAX_NODES = OWNER_SPACE;

function digestCount(weight: number, total: number, count: number, compat: KetamaCompat): number {
  if (compat === 'hashring') return Math.floor((weight / total) * DIGESTS_PER_NODE * count);
  // libmemcached: float pct = (float)w / (float)total; floor((float)(pct * 160 / 4 * (float)n + 1e-10))
  const f = Math.fround;
  const pct = f(f(weight) / f(total));
  const scaled = f(f(f(pct * DIGESTS_PER_NODE * POINTS_PER_DIGEST) / POINTS_PER_DIGEST) * f(count));
  return Math.floor(f(scaled + 1e-10));
}

function checkId(id: unknown): string {
  if (typeof id !== 'string' || id.length === 0) {
    throw new HashingError('HASH_ERR_INVALID_NODE', `node id must be a non-empty string, got ${JSON.stringify(id)}`);
  }
  return id;
}

function checkWeight(id: string, weight: unknown): number {
  if (typeof weight !== 'number' || !Number.isFinite(weight) || weight <= 0) {
    throw new HashingError(
      'HASH_ERR_INVALID_WEIGHT',
      `weight of node "${id}" must be a finite number > 0, got ${String(weight)}`,
    );
  }
  return weight;
}

function checkKey(key: unknown): void {
  if (typeof key !== 'string' && !(key instanceof Uint8Array)) {
    throw new HashingError('HASH_ERR_INVALID_KEY', `key must be a string or a Uint8Array, got ${typeof key}`);
  }
}

/**
 * Ketama consistent-hash ring (libmemcached weighted ketama / npm `hashring` compatible).
 *
 * Each node gets `floor(weight / totalWeight * 40 * nodeCount)` MD5 digests of `"<id>-<i>"`
 * (i = 0, 1, …); each 16-byte digest gives 4 points (its 4 little-endian uint32 words). A key maps to
 * the owner of the first point >= the first 4 bytes (little-endian) of MD5(key), wrapping to the
 * first point. Points shared by two nodes go to the node added first. Equal weights give 160 points
 * per node (see {@link KetamaCompat} for the float-rounding exceptions).
 *
 * The ring is rebuilt (MD5 of every node's digests, one sort) on `add`/`remove`; lookups are one MD5
 * and a binary search over a sorted `Uint32Array`, with nothing cached.
 */
export class KetamaRing {
  readonly compat: KetamaCompat;
  #ids: string[] = [];
  #weights: number[] = [];
  #index = new Map<string, number>();
  #points = new Uint32Array(0);
  #owners = new Uint32Array(0);
  #reachable = 0;
  #nodes: readonly string[] = Object.freeze([]);

  constructor(nodes: readonly KetamaNode[] = [], opts: KetamaRingOptions = {}) {
    const compat = opts.compat ?? 'libmemcached';
    if (compat !== 'libmemcached' && compat !== 'hashring') {
      throw new HashingError('HASH_ERR_INVALID_VALUE', `compat must be "libmemcached" or "hashring", got ${String(compat)}`);
    }
    this.compat = compat;
    for (const node of nodes) {
      const [id, weight] = KetamaRing.#parse(node, undefined);
      if (this.#index.has(id)) throw new HashingError('HASH_ERR_DUPLICATE_NODE', `node "${id}" is listed twice`);
      this.#push(id, weight);
    }
    this.#rebuild();
  }

  /** Node ids in insertion order (a frozen snapshot, replaced on every change). */
  get nodes(): readonly string[] {
    return this.#nodes;
  }

  /** Number of nodes. */
  get size(): number {
    return this.#ids.length;
  }

  /** Number of points on the ring (160 per node at equal weights). */
  get pointCount(): number {
    return this.#points.length;
  }

  /** Whether `node` is a member of the ring. */
  has(node: string): boolean {
    return this.#index.has(node);
  }

  /** The weight of `node`, or undefined when it is not a member. */
  weightOf(node: string): number | undefined {
    const i = this.#index.get(node);
    return i === undefined ? undefined : this.#weights[i];
  }

  /** The node owning `key`. Throws `HASH_ERR_EMPTY_RING` when the ring has no nodes. */
  get(key: string | Uint8Array): string {
    return this.#ids[this.#owners[this.#position(key)]];
  }

  /**
   * Up to `n` distinct nodes for `key`: the owner first, then the next distinct nodes clockwise
   * (replica placement). Returns fewer than `n` only when the ring has fewer nodes holding points.
   */
  getN(key: string | Uint8Array, n: number): string[] {
    if (!Number.isInteger(n) || n < 0) {
      throw new HashingError('HASH_ERR_INVALID_COUNT', `n must be an integer >= 0, got ${String(n)}`);
    }
    const start = this.#position(key);
    const want = Math.min(n, this.#reachable);
    const out: string[] = [];
    if (want === 0) return out;
    const seen = new Uint8Array(this.#ids.length);
    const owners = this.#owners;
    const len = owners.length;
    for (let k = 0, i = start; k < len && out.length < want; k++, i = i + 1 === len ? 0 : i + 1) {
      const owner = owners[i];
      if (seen[owner] === 0) {
        seen[owner] = 1;
        out.push(this.#ids[owner]);
      }
    }
    return out;
  }

  /**
   * Adds `node` (weight from the argument, else from the object form, else 1). Adding an existing id
   * changes its weight (a no-op when unchanged). Returns the ring.
   */
  add(node: KetamaNode, weight?: number): this {
    const [id, w] = KetamaRing.#parse(node, weight);
    const at = this.#index.get(id);
    if (at === undefined) {
      if (this.#ids.length >= MAX_NODES) {
        throw new HashingError('HASH_ERR_INVALID_NODE', `a ring holds at most ${MAX_NODES} nodes`);
      }
      this.#push(id, w);
    } else if (this.#weights[at] !== w) {
      this.#weights[at] = w;
    } else {
      return this;
    }
    this.#rebuild();
    return this;
  }

  /** Removes `node`; returns whether it was a member. */
  remove(node: string): boolean {
    const at = this.#index.get(node);
    if (at === undefined) return false;
    this.#ids.splice(at, 1);
    this.#weights.splice(at, 1);
    this.#index.clear();
    this.#ids.forEach((id, i) => this.#index.set(id, i));
    this.#rebuild();
    return true;
  }

  /** The points owned by `node`, ascending (empty when it is not a member). */
  pointsOf(node: string): number[] {
    const at = this.#index.get(node);
    const out: number[] = [];
    if (at === undefined) return out;
    for (let i = 0; i < this.#points.length; i++) if (this.#owners[i] === at) out.push(this.#points[i]);
    return out;
  }

  static #parse(node: KetamaNode, weight: number | undefined): [string, number] {
    if (typeof node === 'object' && node !== null) {
      const id = checkId(node.id);
      return [id, checkWeight(id, weight ?? node.weight ?? 1)];
    }
    const id = checkId(node);
    return [id, checkWeight(id, weight ?? 1)];
  }

  #push(id: string, weight: number): void {
    this.#index.set(id, this.#ids.length);
    this.#ids.push(id);
    this.#weights.push(weight);
  }

  /** Index of the first point >= hash(key), wrapping to 0. */
  #position(key: string | Uint8Array): number {
    const points = this.#points;
    const len = points.length;
    if (len === 0) {
      if (this.#ids.length === 0) throw new HashingError('HASH_ERR_EMPTY_RING', 'the ring has no nodes');
      throw new HashingError('HASH_ERR_EMPTY_RING', 'no node of the ring holds a point (weights too small)');
    }
    checkKey(key);
    const hash = uint32LE(md5(key), 0);
    let lo = 0;
    let hi = len;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (points[mid] < hash) lo = mid + 1;
      else hi = mid;
    }
    return lo === len ? 0 : lo;
  }

  #rebuild(): void {
    const count = this.#ids.length;
    const total = this.#weights.reduce((sum, w) => sum + w, 0);
    const digests = this.#weights.map((w) => digestCount(w, total, count, this.compat));
    const packed = new Float64Array(digests.reduce((sum, d) => sum + d, 0) * POINTS_PER_DIGEST);
    let k = 0;
    for (let owner = 0; owner < count; owner++) {
      const id = this.#ids[owner];
      for (let i = 0; i < digests[owner]; i++) {
        const digest = md5(`${id}-${i}`);
        for (let j = 0; j < POINTS_PER_DIGEST; j++) packed[k++] = uint32LE(digest, j * 4) * OWNER_SPACE + owner;
      }
    }
    // Numeric sort by point, then by owner index: equal points keep insertion order, like hashring.
    packed.sort();
    const points = new Uint32Array(packed.length);
    const owners = new Uint32Array(packed.length);
    for (let i = 0; i < packed.length; i++) {
      const owner = packed[i] % OWNER_SPACE;
      owners[i] = owner;
      points[i] = (packed[i] - owner) / OWNER_SPACE;
    }
    this.#points = points;
    this.#owners = owners;
    this.#reachable = digests.filter((d) => d > 0).length;
    this.#nodes = Object.freeze(this.#ids.slice());
  }
}
