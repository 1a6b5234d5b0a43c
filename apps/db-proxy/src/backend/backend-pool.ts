import { Cmd } from '../protocol/constants.js';
import { PoolExhaustedError } from '../errors.js';
import {
  BackendConnection,
  ResponseKind,
  UNKNOWN_SCHEMA,
  type BackendCredentials,
  type BackendProfile,
  type BackendTarget,
  type ServerOffer,
} from './backend-connection.js';

export interface BackendPoolOptions {
  servers: BackendTarget[];
  credentials: BackendCredentials;
  connectTimeoutMs: number;
  /** Connections per server (in use + idle + resetting). */
  maxPerServer: number;
  /** Idle connections kept per server. */
  maxIdlePerServer: number;
  /** Idle connections older than this are closed. */
  idleTimeoutMs: number;
  /** How long acquire() waits when a server's pool is full. */
  acquireTimeoutMs: number;
  /** Told about every connect attempt (metrics). */
  onConnect?(server: string, ok: boolean): void;
  /** Told what each server's greeting offered (the proxy's own greeting follows the backends'). */
  onGreeting?(server: string, offer: ServerOffer): void;
}

export interface PoolServerStats {
  inUse: number;
  idle: number;
  pending: number;
  total: number;
}

interface Waiter {
  profile: BackendProfile;
  resolve(c: BackendConnection): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

interface ServerPool {
  target: BackendTarget;
  /** Idle connections by profile key, most recently used last. */
  idle: Map<string, BackendConnection[]>;
  idleCount: number;
  inUse: Set<BackendConnection>;
  /** Connecting or resetting. */
  pending: number;
  waiters: Waiter[];
  /** Bumped by closeServer(): connections from an older generation are not reused. */
  generation: number;
}

const RESET = Buffer.from([Cmd.RESET_CONNECTION]);
const gen = new WeakMap<BackendConnection, number>();

/**
 * Persistent backend connections per server, kept apart by client profile (capabilities and collation).
 * A session takes a connection when it first needs that server and gives it back when it ends; a
 * returned connection is cleaned with COM_RESET_CONNECTION (rolls back, drops temporary tables, user
 * variables, prepared statements and locks) before another session gets it.
 */
export class BackendPool {
  readonly #o: BackendPoolOptions;
  readonly #pools = new Map<string, ServerPool>();
  readonly #sweeper: NodeJS.Timeout;
  #closed = false;

  constructor(options: BackendPoolOptions) {
    this.#o = options;
    for (const t of options.servers) {
      this.#pools.set(t.name, { target: t, idle: new Map(), idleCount: 0, inUse: new Set(), pending: 0, waiters: [], generation: 0 });
    }
    this.#sweeper = setInterval(() => this.#sweep(), Math.max(1000, Math.min(10_000, options.idleTimeoutMs / 2)));
    this.#sweeper.unref();
  }

  get servers(): string[] {
    return [...this.#pools.keys()];
  }

  stats(server: string): PoolServerStats {
    const p = this.#pool(server);
    return { inUse: p.inUse.size, idle: p.idleCount, pending: p.pending, total: p.inUse.size + p.idleCount + p.pending };
  }

  /** A connection to `server` with `profile`: idle one, a new one, or the next one freed (bounded wait). */
  async acquire(server: string, profile: BackendProfile): Promise<BackendConnection> {
    const p = this.#pool(server);
    const list = p.idle.get(profile.key);
    while (list && list.length > 0) {
      const c = list.pop()!;
      p.idleCount--;
      if (c.alive && gen.get(c) === p.generation) {
        p.inUse.add(c);
        c.onClose = this.#onInUseClose;
        return c;
      }
      c.destroy();
    }
    if (this.#total(p) >= this.#o.maxPerServer) {
      // make room by closing an idle connection of another profile, else wait
      if (!this.#evictOne(p)) return this.#wait(p, profile);
    }
    return this.#connect(p, profile);
  }

  /**
   * Gives a connection back. Reusable ones are reset (COM_RESET_CONNECTION) and kept idle; others (or
   * when the pool is full of idle ones) are closed.
   */
  release(c: BackendConnection, reusable: boolean): void {
    const p = this.#pools.get(c.server);
    if (!p) {
      c.destroy();
      return;
    }
    p.inUse.delete(c);
    c.onClose = undefined;
    if (!reusable || !c.alive || !c.idle || this.#closed || gen.get(c) !== p.generation) {
      c.destroy();
      this.#serveWaiters(p);
      return;
    }
    p.pending++;
    c.command(RESET, ResponseKind.Single).then(
      (r) => {
        p.pending--;
        if (r.err || !c.alive || this.#closed || gen.get(c) !== p.generation) {
          c.destroy();
        } else {
          c.schema = UNKNOWN_SCHEMA;
          c.historySeq = 0;
          this.#giveBack(p, c);
        }
        this.#serveWaiters(p);
      },
      () => {
        p.pending--;
        c.destroy();
        this.#serveWaiters(p);
      },
    );
  }

  /**
   * Drops a server's idle connections and marks every connection to it as not reusable (after a writer
   * change or when the server failed). `destroyInUse` also closes the ones in use (their sessions see a
   * lost connection at once instead of hanging on a dead or frozen server).
   */
  closeServer(server: string, destroyInUse = false): void {
    const p = this.#pools.get(server);
    if (!p) return;
    p.generation++;
    for (const list of p.idle.values()) for (const c of list) c.destroy();
    p.idle.clear();
    p.idleCount = 0;
    if (destroyInUse) for (const c of [...p.inUse]) c.destroy(new Error(`backend ${server} was taken out of service`));
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#sweeper);
    for (const p of this.#pools.values()) {
      for (const w of p.waiters.splice(0)) {
        clearTimeout(w.timer);
        w.reject(new PoolExhaustedError(p.target.name, 0));
      }
      for (const list of p.idle.values()) for (const c of list) c.destroy();
      p.idle.clear();
      p.idleCount = 0;
      for (const c of p.inUse) c.destroy();
    }
  }

  #pool(server: string): ServerPool {
    const p = this.#pools.get(server);
    if (!p) throw new Error(`unknown backend ${server}`);
    return p;
  }

  #total(p: ServerPool): number {
    return p.inUse.size + p.idleCount + p.pending;
  }

  async #connect(p: ServerPool, profile: BackendProfile): Promise<BackendConnection> {
    p.pending++;
    const generation = p.generation;
    try {
      const c = await BackendConnection.connect(p.target, this.#o.credentials, profile, this.#o.connectTimeoutMs, (offer) =>
        this.#o.onGreeting?.(p.target.name, offer),
      );
      this.#o.onConnect?.(p.target.name, true);
      gen.set(c, generation);
      p.inUse.add(c);
      c.onClose = this.#onInUseClose;
      return c;
    } catch (err) {
      this.#o.onConnect?.(p.target.name, false);
      throw err;
    } finally {
      p.pending--;
    }
  }

  #onInUseClose = (c: BackendConnection): void => {
    const p = this.#pools.get(c.server);
    if (p?.inUse.delete(c)) this.#serveWaiters(p);
  };

  #giveBack(p: ServerPool, c: BackendConnection): void {
    const w = p.waiters.findIndex((x) => x.profile.key === c.profile.key);
    if (w >= 0) {
      const waiter = p.waiters.splice(w, 1)[0]!;
      clearTimeout(waiter.timer);
      p.inUse.add(c);
      c.onClose = this.#onInUseClose;
      waiter.resolve(c);
      return;
    }
    if (p.idleCount >= this.#o.maxIdlePerServer) {
      c.destroy();
      return;
    }
    c.idleSince = Date.now();
    c.onClose = (dead) => this.#removeIdle(p, dead);
    let list = p.idle.get(c.profile.key);
    if (!list) p.idle.set(c.profile.key, (list = []));
    list.push(c);
    p.idleCount++;
  }

  #removeIdle(p: ServerPool, c: BackendConnection): void {
    const list = p.idle.get(c.profile.key);
    const i = list?.indexOf(c) ?? -1;
    if (list && i >= 0) {
      list.splice(i, 1);
      p.idleCount--;
    }
  }

  #evictOne(p: ServerPool): boolean {
    for (const list of p.idle.values()) {
      const c = list.shift();
      if (c) {
        p.idleCount--;
        c.onClose = undefined;
        c.destroy();
        return true;
      }
    }
    return false;
  }

  #wait(p: ServerPool, profile: BackendProfile): Promise<BackendConnection> {
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        profile,
        resolve,
        reject,
        timer: setTimeout(() => {
          const i = p.waiters.indexOf(waiter);
          if (i >= 0) p.waiters.splice(i, 1);
          reject(new PoolExhaustedError(p.target.name, this.#o.acquireTimeoutMs));
        }, this.#o.acquireTimeoutMs),
      };
      p.waiters.push(waiter);
    });
  }

  /** Room freed up: let the oldest waiter open a new connection. */
  #serveWaiters(p: ServerPool): void {
    while (p.waiters.length > 0 && (this.#total(p) < this.#o.maxPerServer || this.#evictOne(p))) {
      const w = p.waiters.shift()!;
      clearTimeout(w.timer);
      this.#connect(p, w.profile).then(w.resolve, w.reject);
    }
  }

  #sweep(): void {
    const cutoff = Date.now() - this.#o.idleTimeoutMs;
    for (const p of this.#pools.values()) {
      for (const list of p.idle.values()) {
        while (list.length > 0 && list[0]!.idleSince < cutoff) {
          const c = list.shift()!;
          p.idleCount--;
          c.onClose = undefined;
          c.destroy();
        }
      }
    }
  }
}
