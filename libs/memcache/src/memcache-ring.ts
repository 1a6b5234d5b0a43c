import { randomBytes } from 'node:crypto';
import { KetamaRing } from '@scaleout/hashing';
import { MemcacheError, isMemcacheError } from './memcache-error.js';
import {
  MemcacheNode,
  type CallOutcome,
  type NodeItem,
  type NodeState,
  type NodeStatus,
  type WarmupReason,
} from './memcache-node.js';
import { RepairQueue } from './repair-queue.js';
import { expirySeconds, toExptime, type TtlOptions } from './ttl.js';

/** Where a repair came from: a read that found a copy missing, warm-up of a node that came back, or the queue of failed writes. */
export type RepairKind = 'read' | 'warmup' | 'queued';
/** How a repair ended. `enqueued`/`dropped` are queue events; `skipped` means nothing to do (expired, moved). */
export type RepairOutcome = 'ok' | 'failed' | 'skipped' | 'enqueued' | 'dropped';

/** Hooks for metrics and logs. Every hook is optional and must not throw. */
export interface RingObserver {
  /** One call to one node: operation, outcome and duration. */
  call?(node: string, op: string, outcome: CallOutcome, seconds: number): void;
  /** A node went TKO or came back up. */
  nodeState?(node: string, state: NodeState, reason: string): void;
  /** A node entered warm-up (after rejoining, or after a restart was noticed). */
  warming?(node: string, reason: WarmupReason): void;
  repair?(kind: RepairKind, outcome: RepairOutcome, node: string): void;
  /** A write reached fewer than all replicas: `node` missed it (it is queued for repair). */
  replicaWriteFailed?(node: string, op: string): void;
}

export interface MemcacheRingOptions {
  /** Memcached nodes as `host:port` (at least one). */
  nodes: readonly string[];
  /** Replicas per key (distinct nodes), capped at the node count. Default 2. */
  replicas?: number;
  /** Bound on every call to a node, ms. Default 250. */
  timeoutMs?: number;
  /** Bound on opening a connection, ms. Default 1000. */
  connectTimeoutMs?: number;
  /** Consecutive timeouts/errors before a node is marked TKO (refused/reset connections: at once). Default 3. */
  failuresUntilTko?: number;
  /** First probe of a TKO node after this many ms, doubling up to `probeMaxMs`. Defaults 1000 and 30000. */
  probeInitialMs?: number;
  probeMaxMs?: number;
  /** Background `stats` poll of each up node (notices dead idle nodes and restarts), ms; 0 = off. Default 2000. */
  healthIntervalMs?: number;
  /** Warm-up after a node comes back: reads of its keys also copy them to it, ms; 0 = off. Default 600000. */
  warmupMs?: number;
  /** Read the next replica when one answers "miss" (it may have restarted empty). Default true. */
  missFailover?: boolean;
  /** Prepended to every key (a namespace such as `sess:`). Default ''. */
  keyPrefix?: string;
  /** Largest value accepted, bytes (memcached's default item limit is 1 MiB including overhead). Default 1000000. */
  maxValueBytes?: number;
  /** Pending replica repairs kept (oldest dropped beyond). Default 10000. */
  repairQueueSize?: number;
  /** Repairs run at once. Default 4. */
  repairConcurrency?: number;
  /** TTL in seconds used when a write gives none; 0 = no expiry. Default 0. */
  defaultTtl?: number;
  observer?: RingObserver;
  /** Clock (Unix ms), for tests. */
  now?: () => number;
}

/** A node's health plus its pending repairs. */
export interface RingNodeStatus extends NodeStatus {
  queuedRepairs: number;
}

/** An item read from the ring. */
export interface CacheItem {
  key: string;
  value: Buffer;
  /** Absolute expiry (Unix ms) recorded with the last write, or null when the item has none. */
  expiresAt: number | null;
  /** The node that answered (`host:port`). */
  node: string;
}

/** Proof of the version read by {@link MemcacheRing.gets}, for {@link MemcacheRing.cas} and {@link MemcacheRing.deleteCas}. */
export interface CasToken {
  readonly key: string;
  /** The replica whose CAS unique this is (the first replica that answered). */
  readonly node: string;
  readonly cas: Buffer;
}

export interface CasItem extends CacheItem {
  token: CasToken;
}

/** Result of a replicated write. */
export interface WriteResult {
  /** Replicas that stored it. */
  stored: string[];
  /** Replicas that did not (down, timed out); each is queued for repair. */
  failed: string[];
}

export type CasResult = 'stored' | 'exists' | 'not_found';
export type DeleteCasResult = 'deleted' | 'exists' | 'not_found';

export interface RingLock {
  readonly key: string;
  readonly token: string;
  /** Deletes the lock if it is still ours; true when it was. */
  release(): Promise<boolean>;
}

export interface ReadThroughOptions extends TtlOptions {
  /** Lock lifetime in seconds (bounds how long others wait on a crashed loader). Default 10. */
  lockTtl?: number;
  /** How long a caller that lost the lock waits for the winner's value, ms. Default 2000. */
  waitMs?: number;
  /** Poll interval while waiting, ms. Default 20. */
  pollMs?: number;
}

export interface ReadThroughResult {
  value: Buffer;
  /** `cache`: it was there; `peer`: another caller loaded it while we waited; `loader`: we loaded it. */
  source: 'cache' | 'peer' | 'loader';
}

const MAX_KEY_BYTES = 250;
const MAX_INLINE_REPAIRS = 256;

type Value = Buffer | string;

interface Resolved {
  item: NodeItem;
  node: MemcacheNode;
  index: number;
}

/**
 * Client for a ring of memcached nodes with replication, built on one memjs client per node.
 *
 * - Placement: ketama ({@link KetamaRing}); a key lives on `replicas` distinct nodes (owner first).
 * - Writes go to every replica and succeed when at least one stores; misses are queued for repair.
 * - Reads go to the first healthy replica; a miss falls through to the next (it may have restarted
 *   empty) and the copy found is added back where it was missing (read-repair).
 * - Nodes are marked TKO after consecutive failures and probed with back-off; a node that comes back
 *   warms up (reads of its keys copy them to it) and the queued repairs for it are replayed.
 * - Every call is bounded by `timeoutMs`; a hung node costs one timeout, then its keys' reads go to
 *   the next replica without waiting.
 * - TTLs over 30 days are sent as absolute Unix times; the absolute expiry is kept in the item's
 *   flags so repairs copy an item with the time it has left.
 */
export class MemcacheRing {
  readonly replicas: number;
  readonly #o: Required<Omit<MemcacheRingOptions, 'observer' | 'nodes'>> & { observer: RingObserver };
  readonly #ring = new KetamaRing();
  readonly #nodes = new Map<string, MemcacheNode>();
  readonly #queue: RepairQueue;
  readonly #inflight = new Set<Promise<unknown>>();
  readonly #loads = new Map<string, Promise<ReadThroughResult>>();
  #repairsRunning = 0;
  /** Queued repairs running now, per node. */
  readonly #repairing = new Map<string, number>();
  #closed = false;

  constructor(options: MemcacheRingOptions) {
    const o = {
      replicas: options.replicas ?? 2,
      timeoutMs: options.timeoutMs ?? 250,
      connectTimeoutMs: options.connectTimeoutMs ?? 1000,
      failuresUntilTko: options.failuresUntilTko ?? 3,
      probeInitialMs: options.probeInitialMs ?? 1000,
      probeMaxMs: options.probeMaxMs ?? 30_000,
      healthIntervalMs: options.healthIntervalMs ?? 2000,
      warmupMs: options.warmupMs ?? 600_000,
      missFailover: options.missFailover ?? true,
      keyPrefix: options.keyPrefix ?? '',
      maxValueBytes: options.maxValueBytes ?? 1_000_000,
      repairQueueSize: options.repairQueueSize ?? 10_000,
      repairConcurrency: options.repairConcurrency ?? 4,
      defaultTtl: options.defaultTtl ?? 0,
      now: options.now ?? Date.now,
      observer: options.observer ?? {},
    };
    for (const [name, min] of [
      ['replicas', 1],
      ['timeoutMs', 1],
      ['connectTimeoutMs', 1],
      ['failuresUntilTko', 1],
      ['probeInitialMs', 1],
      ['probeMaxMs', 1],
      ['healthIntervalMs', 0],
      ['warmupMs', 0],
      ['maxValueBytes', 1],
      ['repairQueueSize', 0],
      ['repairConcurrency', 1],
      ['defaultTtl', 0],
    ] as const) {
      const v = o[name];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
        throw new MemcacheError('MEMCACHE_ERR_BAD_OPTION', `${name} must be an integer >= ${min}, got ${String(v)}`);
      }
    }
    if (!Array.isArray(options.nodes) || options.nodes.length === 0) {
      throw new MemcacheError('MEMCACHE_ERR_BAD_OPTION', 'nodes must list at least one host:port');
    }
    this.#o = o;
    this.replicas = o.replicas;
    this.#queue = new RepairQueue(o.repairQueueSize);
    for (const address of options.nodes) this.#addNode(address, false);
  }

  // --- membership and health ------------------------------------------------------------------------

  /** Node addresses in ring order of addition. */
  get nodes(): readonly string[] {
    return this.#ring.nodes;
  }

  /** Nodes currently taking traffic. */
  get upCount(): number {
    let n = 0;
    for (const node of this.#nodes.values()) if (node.available) n++;
    return n;
  }

  /** Pending queued repairs. */
  get repairQueueLength(): number {
    return this.#queue.size;
  }

  status(): RingNodeStatus[] {
    return [...this.#nodes.values()].map((n) => ({ ...n.status(), queuedRepairs: this.#queue.sizeOf(n.address) }));
  }

  /** The replica set of `key` (owner first), whatever the nodes' health. */
  replicasOf(key: string): string[] {
    return this.#ring.getN(this.#fullKey(key), this.replicas);
  }

  /** Adds a node (keys it now owns are read-repaired onto it, as it starts in warm-up). */
  addNode(address: string): void {
    this.#addNode(address, true);
  }

  #addNode(address: string, joining: boolean): void {
    this.#open();
    if (this.#nodes.has(address)) return;
    const node = new MemcacheNode(address, {
      timeoutMs: this.#o.timeoutMs,
      connectTimeoutMs: this.#o.connectTimeoutMs,
      failuresUntilTko: this.#o.failuresUntilTko,
      probeInitialMs: this.#o.probeInitialMs,
      probeMaxMs: this.#o.probeMaxMs,
      healthIntervalMs: this.#o.healthIntervalMs,
      warmupMs: this.#o.warmupMs,
      now: this.#o.now,
      events: {
        call: (n, op, outcome, seconds) => this.#notify(() => this.#o.observer.call?.(n, op, outcome, seconds)),
        state: (n, state, reason) => {
          this.#notify(() => this.#o.observer.nodeState?.(n, state, reason));
          if (state === 'up') this.#pumpRepairs();
        },
        warming: (n, reason) => this.#notify(() => this.#o.observer.warming?.(n, reason)),
      },
    });
    this.#nodes.set(address, node);
    this.#ring.add(address);
    if (joining) node.startWarmup('joined');
  }

  /**
   * Removes a node; its queued repairs are dropped and the remaining nodes warm up, so reads copy the
   * keys they took over onto them. Returns whether it was a member.
   */
  removeNode(address: string): boolean {
    const node = this.#nodes.get(address);
    if (!node) return false;
    if (this.#nodes.size === 1) throw new MemcacheError('MEMCACHE_ERR_BAD_OPTION', 'cannot remove the last node');
    this.#ring.remove(address);
    this.#nodes.delete(address);
    this.#queue.clear(address);
    node.close();
    for (const n of this.#nodes.values()) n.startWarmup('rebalanced');
    return true;
  }

  /** Runs a health check of every node now (probes TKO nodes, polls the others). */
  async checkNow(): Promise<void> {
    await Promise.all([...this.#nodes.values()].map((n) => n.checkNow()));
  }

  /** Marks a node TKO at once (operator action, tests). */
  markDown(address: string, reason = 'marked down'): void {
    this.#nodes.get(address)?.markDown(reason);
  }

  /**
   * Waits until no repair is running and nothing is queued for an up node (or `timeoutMs` passes).
   * Returns true when drained.
   */
  async drainRepairs(timeoutMs = 10_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      this.#pumpRepairs();
      const pendingUp = this.#queue.nodes().some((n) => this.#nodes.get(n)?.available);
      if (this.#inflight.size === 0 && this.#repairsRunning === 0 && !pendingUp) return true;
      if (Date.now() >= deadline) return false;
      await Promise.race([...this.#inflight, sleep(10)]);
    }
  }

  /** Stops timers and closes every connection. Calls afterwards fail with `MEMCACHE_ERR_CLOSED`. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.race([Promise.allSettled([...this.#inflight]), sleep(this.#o.timeoutMs * 2)]);
    for (const node of this.#nodes.values()) node.close();
  }

  // --- reads ----------------------------------------------------------------------------------------

  /** The item, or null when no reachable replica has it. Throws `MEMCACHE_ERR_UNAVAILABLE` when no replica answered. */
  async get(key: string): Promise<CacheItem | null> {
    const full = this.#fullKey(key);
    const found = await this.#read(full, this.#replicaNodes(full));
    return found ? this.#toItem(key, found) : null;
  }

  /**
   * Like {@link get} with a {@link CasToken} for a later {@link cas}/{@link deleteCas}. The token is
   * the CAS unique of the first replica that answered (the one that orders concurrent writers); when
   * that replica lacked the item it is repaired first.
   */
  async gets(key: string): Promise<CasItem | null> {
    const full = this.#fullKey(key);
    const nodes = this.#replicaNodes(full);
    const found = await this.#read(full, nodes, true);
    if (!found) return null;
    // #read with `authority` either found the item on the first node that answered, or repaired that
    // node (add) and re-read it there.
    return { ...this.#toItem(key, found), token: Object.freeze({ key, node: found.node.address, cas: found.item.cas }) };
  }

  /** Reads many keys: one quiet multi-get per node and round, falling through to the next replicas. */
  async getMulti(keys: readonly string[]): Promise<Map<string, CacheItem>> {
    const out = new Map<string, CacheItem>();
    /** `nodes`: replicas in read order; `all`: the replica set in ring order. */
    type Pending = { key: string; full: Buffer; nodes: MemcacheNode[]; all: MemcacheNode[]; next: number; missed: MemcacheNode[] };
    let pending: Pending[] = [...new Set(keys)].map((key) => {
      const full = this.#fullKey(key);
      const all = this.#replicaNodes(full);
      return { key, full: Buffer.from(full), nodes: this.#readOrder(all), all, next: 0, missed: [] };
    });
    let anyAnswered = pending.length === 0;
    while (pending.length > 0) {
      const byNode = new Map<MemcacheNode, Pending[]>();
      for (const p of pending) {
        while (p.next < p.nodes.length && !p.nodes[p.next]!.available) p.next++;
        const node = p.nodes[p.next];
        if (!node) continue;
        p.next++;
        const list = byNode.get(node) ?? [];
        list.push(p);
        byNode.set(node, list);
      }
      if (byNode.size === 0) break;
      const again: Pending[] = [];
      await Promise.all(
        [...byNode].map(async ([node, list]) => {
          let hits: Map<string, NodeItem>;
          try {
            hits = await node.getMulti(list.map((p) => p.full));
          } catch {
            again.push(...list);
            return;
          }
          anyAnswered = true;
          for (const p of list) {
            const item = hits.get(p.full.toString());
            if (item) {
              const index = p.all.indexOf(node);
              this.#afterHit(p.full, p.all, index, p.missed, item);
              out.set(p.key, this.#toItem(p.key, { item, node, index }));
            } else {
              p.missed.push(node);
              if (this.#o.missFailover) again.push(p);
            }
          }
        }),
      );
      pending = again;
    }
    if (!anyAnswered) throw this.#unavailable('getMulti', undefined);
    return out;
  }

  // --- writes ---------------------------------------------------------------------------------------

  /** Stores on every replica. Throws `MEMCACHE_ERR_UNAVAILABLE` when none stored it. */
  async set(key: string, value: Value, opts?: TtlOptions): Promise<WriteResult> {
    const full = this.#fullKey(key);
    const buf = this.#value(value);
    const expiry = expirySeconds(opts, this.#o.now(), this.#o.defaultTtl);
    const nodes = this.#replicaNodes(full);
    const result = await this.#writeAll(full, nodes, 'set', (n) => this.#store(n, 'set', full, buf, expiry));
    if (result.stored.length === 0) throw this.#unavailable('set', result.lastError);
    return { stored: result.stored, failed: result.failed };
  }

  /**
   * Stores only if absent: the first replica that answers decides (`add`), then the others are
   * overwritten with the new value. True when stored, false when the key existed.
   */
  async add(key: string, value: Value, opts?: TtlOptions): Promise<boolean> {
    const full = this.#fullKey(key);
    const buf = this.#value(value);
    const expiry = expirySeconds(opts, this.#o.now(), this.#o.defaultTtl);
    const nodes = this.#replicaNodes(full);
    let lastError: unknown;
    for (const node of this.#readOrder(nodes)) {
      if (!node.available) continue;
      let r: string;
      try {
        r = await this.#store(node, 'add', full, buf, expiry);
      } catch (err) {
        if (isMemcacheError(err, 'MEMCACHE_ERR_TOO_LARGE')) throw err;
        lastError = err;
        continue;
      }
      if (r !== 'stored') return false;
      await this.#replicate(full, nodes, node, 'add', buf, expiry);
      return true;
    }
    throw this.#unavailable('add', lastError);
  }

  /**
   * Compare-and-swap: stores `value` only if the item is unchanged since {@link gets} returned
   * `token`, checked on the token's replica; then copies it to the other replicas.
   * `exists`: someone else wrote first; `not_found`: it was deleted or expired.
   */
  async cas(key: string, value: Value, token: CasToken, opts?: TtlOptions): Promise<CasResult> {
    const full = this.#fullKey(key);
    const buf = this.#value(value);
    const expiry = expirySeconds(opts, this.#o.now(), this.#o.defaultTtl);
    const { node, nodes } = this.#tokenNode(key, full, token);
    const exptime = this.#exptime(expiry);
    let r: string;
    try {
      r = exptime < 0 ? 'not_found' : await node.store('set', Buffer.from(full), buf, expiry, exptime, token.cas);
    } catch (err) {
      if (isMemcacheError(err, 'MEMCACHE_ERR_TOO_LARGE')) throw err;
      throw this.#unavailable('cas', err);
    }
    if (r === 'exists') return 'exists';
    if (r !== 'stored') return 'not_found';
    await this.#replicate(full, nodes, node, 'cas', buf, expiry);
    return 'stored';
  }

  /** Deletes from every replica; true when any replica had it. Replicas that missed it are queued for repair. */
  async delete(key: string): Promise<boolean> {
    const full = this.#fullKey(key);
    const k = Buffer.from(full);
    const nodes = this.#replicaNodes(full);
    let deleted = false;
    const result = await this.#writeAll(full, nodes, 'delete', async (n) => {
      const r = await n.delete(k);
      if (r === 'deleted') deleted = true;
      return r;
    });
    if (result.stored.length === 0) throw this.#unavailable('delete', result.lastError);
    return deleted;
  }

  /** Deletes only if unchanged since `token` (checked on the token's replica), then from the others. */
  async deleteCas(key: string, token: CasToken): Promise<DeleteCasResult> {
    const full = this.#fullKey(key);
    const { node, nodes } = this.#tokenNode(key, full, token);
    const k = Buffer.from(full);
    let r: DeleteCasResult;
    try {
      r = await node.delete(k, token.cas);
    } catch (err) {
      throw this.#unavailable('deleteCas', err);
    }
    if (r !== 'deleted') return r;
    await this.#writeAll(full, nodes.filter((n) => n !== node), 'delete', (n) => n.delete(k));
    return 'deleted';
  }

  /**
   * Sets a new TTL on every replica; true when any replica had the key. The expiry recorded in the
   * flags is not changed (the binary protocol cannot), so a later repair copies the item with the
   * expiry of its last write: rewrite the item (`set`/`cas`) when that matters.
   */
  async touch(key: string, opts: TtlOptions): Promise<boolean> {
    const full = this.#fullKey(key);
    const expiry = expirySeconds(opts, this.#o.now(), this.#o.defaultTtl);
    const exptime = this.#exptime(expiry);
    if (exptime < 0) return this.delete(key);
    const k = Buffer.from(full);
    let touched = false;
    const result = await this.#writeAll(full, this.#replicaNodes(full), 'touch', async (n) => {
      const ok = await n.touch(k, exptime);
      if (ok) touched = true;
      return ok ? 'stored' : 'not_found';
    });
    if (result.stored.length === 0) throw this.#unavailable('touch', result.lastError);
    return touched;
  }

  // --- locks and read-through ------------------------------------------------------------------------

  /** A short lock (an `add` of `<key>` with a random token): the lock, or null when someone holds it. */
  async lock(key: string, opts: { ttl?: number } = {}): Promise<RingLock | null> {
    const token = randomBytes(12).toString('base64url');
    const ttl = opts.ttl ?? 10;
    if (!(ttl > 0)) throw new MemcacheError('MEMCACHE_ERR_BAD_TTL', `lock ttl must be > 0 seconds, got ${String(ttl)}`);
    if (!(await this.add(key, token, { ttl }))) return null;
    return {
      key,
      token,
      release: async () => {
        try {
          const cur = await this.gets(key);
          if (!cur || cur.value.toString() !== token) return false;
          return (await this.deleteCas(key, cur.token)) === 'deleted';
        } catch {
          return false; // it expires on its own
        }
      },
    };
  }

  /**
   * Stampede-safe read-through: returns the cached value, or loads it once. Concurrent callers in this
   * process share one load; across processes an `add`-based lock (`<key>:lock`) lets one caller load
   * while the others poll for its value up to `waitMs`, then load themselves. When memcached is
   * unreachable the loader is called directly (fail open) and nothing is cached.
   */
  getOrLoad(key: string, loader: () => Promise<Value>, opts: ReadThroughOptions = {}): Promise<ReadThroughResult> {
    this.#fullKey(`${key}:lock`); // validate both keys up front
    const running = this.#loads.get(key);
    if (running) return running;
    const p = this.#readThrough(key, loader, opts).finally(() => this.#loads.delete(key));
    this.#loads.set(key, p);
    return p;
  }

  async #readThrough(key: string, loader: () => Promise<Value>, opts: ReadThroughOptions): Promise<ReadThroughResult> {
    const load = async () => this.#value(await loader());
    let cached: CacheItem | null;
    try {
      cached = await this.get(key);
    } catch (err) {
      if (isMemcacheError(err, 'MEMCACHE_ERR_UNAVAILABLE')) return { value: await load(), source: 'loader' };
      throw err;
    }
    if (cached) return { value: cached.value, source: 'cache' };
    let lock: RingLock | null;
    try {
      lock = await this.lock(`${key}:lock`, { ttl: opts.lockTtl ?? 10 });
    } catch {
      return { value: await load(), source: 'loader' };
    }
    if (lock) {
      try {
        const value = await load();
        await this.set(key, value, opts).catch(() => undefined);
        return { value, source: 'loader' };
      } finally {
        await lock.release();
      }
    }
    const deadline = Date.now() + (opts.waitMs ?? 2000);
    while (Date.now() < deadline) {
      await sleep(opts.pollMs ?? 20);
      const item = await this.get(key).catch(() => null);
      if (item) return { value: item.value, source: 'peer' };
    }
    const value = await load();
    await this.add(key, value, opts).catch(() => false);
    return { value, source: 'loader' };
  }

  // --- internals ------------------------------------------------------------------------------------

  /**
   * Reads replicas in order, skipping TKO nodes; a miss falls through (missFailover). With `authority`,
   * the first replica that answered must hold the item: if it missed, it is repaired with `add` and
   * read again so its CAS unique can be returned.
   */
  async #read(full: string, nodes: MemcacheNode[], authority = false): Promise<Resolved | null> {
    const k = Buffer.from(full);
    const missed: MemcacheNode[] = [];
    let answered = false;
    let lastError: unknown;
    for (const node of this.#readOrder(nodes)) {
      if (!node.available) continue;
      const i = nodes.indexOf(node);
      let item: NodeItem | null;
      try {
        item = await node.get(k);
      } catch (err) {
        lastError = err;
        continue;
      }
      answered = true;
      if (!item) {
        missed.push(node);
        if (!this.#o.missFailover) break;
        continue;
      }
      if (authority && missed.length > 0) {
        const first = missed[0]!;
        const exptime = this.#exptime(item.flags);
        if (exptime < 0) return null;
        try {
          await first.store('add', k, item.value, item.flags, exptime);
          const again = await first.get(k);
          this.#notify(() => this.#o.observer.repair?.('read', 'ok', first.address));
          this.#afterHit(k, nodes, i, missed.slice(1), item);
          return again ? { item: again, node: first, index: nodes.indexOf(first) } : null;
        } catch (err) {
          this.#notify(() => this.#o.observer.repair?.('read', 'failed', first.address));
          throw this.#unavailable('gets', err);
        }
      }
      this.#afterHit(k, nodes, i, missed, item);
      return { item, node, index: i };
    }
    if (!answered) throw this.#unavailable('get', lastError);
    return null;
  }

  /**
   * Replicas to read from, in order: those up with no repairs pending for them (a node that was down
   * may hold stale copies until its queued repairs have run, and must not answer reads or order CAS
   * writers before that); when none qualifies, those up.
   */
  #readOrder(nodes: MemcacheNode[]): MemcacheNode[] {
    const fresh = nodes.filter((n) => n.available && this.#queue.sizeOf(n.address) === 0 && !this.#repairing.get(n.address));
    return fresh.length > 0 ? fresh : nodes.filter((n) => n.available);
  }

  /**
   * After a hit on `nodes[index]`: add the item where it was missing, and to every other warming
   * replica (`add` never overwrites, so a replica that already has a copy keeps it).
   */
  #afterHit(key: Buffer, nodes: MemcacheNode[], index: number, missed: MemcacheNode[], item: NodeItem): void {
    for (const m of missed) this.#repairAdd(m, key, item, 'read');
    for (let j = 0; j < nodes.length; j++) {
      const n = nodes[j]!;
      if (j !== index && n.warming && n.available && !missed.includes(n)) this.#repairAdd(n, key, item, 'warmup');
    }
  }

  #repairAdd(node: MemcacheNode, key: Buffer, item: NodeItem, kind: RepairKind): void {
    const exptime = this.#exptime(item.flags);
    if (exptime < 0) {
      this.#notify(() => this.#o.observer.repair?.(kind, 'skipped', node.address));
      return;
    }
    if (this.#inflight.size >= MAX_INLINE_REPAIRS) {
      this.#enqueue(node, key);
      return;
    }
    const p = node
      .store('add', key, item.value, item.flags, exptime)
      .then(
        (r) => this.#notify(() => this.#o.observer.repair?.(kind, r === 'stored' ? 'ok' : 'skipped', node.address)),
        () => {
          this.#notify(() => this.#o.observer.repair?.(kind, 'failed', node.address));
          this.#enqueue(node, key);
        },
      );
    this.#track(p);
  }

  /** Runs `op` on every replica in parallel; unavailable or failing replicas are queued for repair. */
  async #writeAll(
    full: string,
    nodes: MemcacheNode[],
    opName: string,
    op: (n: MemcacheNode) => Promise<string>,
  ): Promise<WriteResult & { lastError: unknown }> {
    const stored: string[] = [];
    const failed: string[] = [];
    let lastError: unknown;
    const key = Buffer.from(full);
    await Promise.all(
      nodes.map(async (n) => {
        if (!n.available) {
          failed.push(n.address);
          this.#replicaMissed(n, key, opName);
          return;
        }
        try {
          await op(n);
          stored.push(n.address);
        } catch (err) {
          if (isMemcacheError(err, 'MEMCACHE_ERR_TOO_LARGE')) throw err;
          lastError = err;
          failed.push(n.address);
          this.#replicaMissed(n, key, opName);
        }
      }),
    );
    return { stored, failed, lastError };
  }

  /** Copies a value just stored on `done` to the other replicas (plain set). */
  async #replicate(full: string, nodes: MemcacheNode[], done: MemcacheNode, opName: string, value: Buffer, expiry: number): Promise<void> {
    const others = nodes.filter((n) => n !== done);
    if (others.length === 0) return;
    await this.#writeAll(full, others, opName, (n) => this.#store(n, 'set', full, value, expiry));
  }

  #replicaMissed(node: MemcacheNode, key: Buffer, op: string): void {
    this.#notify(() => this.#o.observer.replicaWriteFailed?.(node.address, op));
    this.#enqueue(node, key);
  }

  async #store(node: MemcacheNode, op: 'set' | 'add', full: string, value: Buffer, expiry: number): Promise<string> {
    const exptime = this.#exptime(expiry);
    if (exptime < 0) return 'stored'; // already expired: nothing to keep
    return node.store(op, Buffer.from(full), value, expiry, exptime);
  }

  #enqueue(node: MemcacheNode, key: Buffer): void {
    const dropped = this.#queue.add(node.address, key.toString(), key);
    if (dropped < 0) return;
    this.#notify(() => this.#o.observer.repair?.('queued', 'enqueued', node.address));
    if (dropped > 0) this.#notify(() => this.#o.observer.repair?.('queued', 'dropped', node.address));
    this.#pumpRepairs();
  }

  /** Starts queued repairs for up nodes, up to `repairConcurrency` at once. */
  #pumpRepairs(): void {
    if (this.#closed) return;
    while (this.#repairsRunning < this.#o.repairConcurrency) {
      const nodeName = this.#queue.nodes().find((n) => this.#nodes.get(n)?.available);
      if (nodeName === undefined) return;
      const key = this.#queue.take(nodeName);
      if (!key) return;
      const node = this.#nodes.get(nodeName)!;
      this.#repairsRunning++;
      this.#repairing.set(nodeName, (this.#repairing.get(nodeName) ?? 0) + 1);
      const p = this.#syncKey(node, key)
        .then(
          (outcome) => this.#notify(() => this.#o.observer.repair?.('queued', outcome, nodeName)),
          () => {
            this.#notify(() => this.#o.observer.repair?.('queued', 'failed', nodeName));
            // Put it back unless the node went away; it is retried when the node is up again.
            if (this.#nodes.get(nodeName) === node && !node.available) this.#queue.add(nodeName, key.toString(), key);
          },
        )
        .finally(() => {
          this.#repairsRunning--;
          const left = (this.#repairing.get(nodeName) ?? 1) - 1;
          if (left > 0) this.#repairing.set(nodeName, left);
          else this.#repairing.delete(nodeName);
          this.#pumpRepairs();
        });
      this.#track(p);
    }
  }

  /**
   * Brings `key` on `target` in line with the first other healthy replica: copies its value (with the
   * time it has left) or deletes the key when that replica has none. If the source changed while we
   * copied (a concurrent write), copies again, up to three times.
   */
  async #syncKey(target: MemcacheNode, key: Buffer): Promise<RepairOutcome> {
    const full = key.toString();
    const nodes = this.#replicaNodes(full);
    if (!nodes.includes(target)) return 'skipped'; // the ring changed: not a replica any more
    for (let attempt = 0; attempt < 3; attempt++) {
      const source = this.#readOrder(nodes.filter((n) => n !== target))[0];
      if (!source) {
        if (nodes.length === 1) return 'skipped';
        throw new Error('no healthy source replica');
      }
      const item = await source.get(key);
      if (!item) {
        await target.delete(key);
        return 'ok';
      }
      const exptime = this.#exptime(item.flags);
      if (exptime < 0) {
        await target.delete(key);
        return 'ok';
      }
      await target.store('set', key, item.value, item.flags, exptime);
      const after = await source.get(key);
      if (after && after.cas.equals(item.cas)) return 'ok';
      if (!after) {
        await target.delete(key);
        return 'ok';
      }
    }
    return 'ok';
  }

  #tokenNode(key: string, full: string, token: CasToken): { node: MemcacheNode; nodes: MemcacheNode[] } {
    if (!token || token.key !== key || !Buffer.isBuffer(token.cas) || token.cas.length !== 8) {
      throw new MemcacheError('MEMCACHE_ERR_BAD_TOKEN', `the CAS token does not belong to key ${JSON.stringify(key)}`);
    }
    const nodes = this.#replicaNodes(full);
    const node = nodes.find((n) => n.address === token.node);
    if (!node) throw new MemcacheError('MEMCACHE_ERR_BAD_TOKEN', `${token.node} no longer holds key ${JSON.stringify(key)}`);
    if (!node.available) throw this.#unavailable('cas', new MemcacheError('MEMCACHE_ERR_NODE_DOWN', `${node.address} is down`));
    return { node, nodes };
  }

  #replicaNodes(full: string): MemcacheNode[] {
    return this.#ring.getN(full, this.replicas).map((a) => this.#nodes.get(a)!);
  }

  #toItem(key: string, r: Resolved): CacheItem {
    return { key, value: r.item.value, expiresAt: r.item.flags === 0 ? null : r.item.flags * 1000, node: r.node.address };
  }

  #exptime(expiry: number): number {
    return toExptime(expiry, this.#o.now());
  }

  #fullKey(key: string): string {
    this.#open();
    if (typeof key !== 'string' || key.length === 0) {
      throw new MemcacheError('MEMCACHE_ERR_BAD_KEY', `key must be a non-empty string, got ${JSON.stringify(key)}`);
    }
    const full = this.#o.keyPrefix + key;
    if (Buffer.byteLength(full) > MAX_KEY_BYTES) {
      throw new MemcacheError('MEMCACHE_ERR_BAD_KEY', `key is longer than ${MAX_KEY_BYTES} bytes (prefix included)`);
    }
    // eslint-disable-next-line no-control-regex
    if (/[\x00-\x20\x7f]/.test(full)) {
      throw new MemcacheError('MEMCACHE_ERR_BAD_KEY', 'key must not contain spaces or control characters');
    }
    return full;
  }

  #value(value: Value): Buffer {
    const buf = typeof value === 'string' ? Buffer.from(value) : value;
    if (!Buffer.isBuffer(buf)) throw new MemcacheError('MEMCACHE_ERR_BAD_OPTION', 'value must be a Buffer or a string');
    if (buf.length > this.#o.maxValueBytes) {
      throw new MemcacheError('MEMCACHE_ERR_TOO_LARGE', `value of ${buf.length} bytes is over the limit of ${this.#o.maxValueBytes}`);
    }
    return buf;
  }

  #unavailable(op: string, cause: unknown): MemcacheError {
    const why = cause instanceof Error ? `: ${cause.message}` : '';
    return new MemcacheError('MEMCACHE_ERR_UNAVAILABLE', `${op}: no replica answered${why}`, { cause });
  }

  #open(): void {
    if (this.#closed) throw new MemcacheError('MEMCACHE_ERR_CLOSED', 'the ring client is closed');
  }

  #track(p: Promise<unknown>): void {
    this.#inflight.add(p);
    void p.finally(() => this.#inflight.delete(p));
  }

  #notify(fn: () => void): void {
    try {
      fn();
    } catch {
      // observers must not break the client
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}
