import { EventEmitter } from 'node:events';
import { GtidPosition, type ReplicationController, type ServerView } from '@scaleout/replication';

export type CausalMode = 'off' | 'fast' | 'wait';

export interface ClusterOptions {
  controller: ReplicationController;
  /** Readers whose Seconds_Behind_Master exceeds this get no reads. */
  maxLagSeconds: number;
  /** Read weight of the writer (0: the writer serves reads only as a fallback). */
  writerReadWeight: number;
  /** Read weight of each reader. */
  readerWeight: number;
  causal: CausalMode;
}

export interface ReadChoice {
  server: string;
  /** GTIDs the server must still apply before the read (causal "wait" mode). */
  wait?: GtidPosition;
}

interface ClusterEvents {
  writer: [writer: string | undefined, previous: string | undefined];
}

/**
 * The proxy's view of the pair for routing: the agreed writer (from the replication controller, hidden
 * while this proxy holds writes during a switchover), which servers may serve reads (healthy, replicating,
 * lag within bounds), weighted least-busy choice among them, and the GTID positions known per server
 * (monitor polls plus what causal waits proved) for causal reads.
 */
export class Cluster extends EventEmitter<ClusterEvents> {
  readonly controller: ReplicationController;
  readonly causal: CausalMode;
  /** Commands running per server (this proxy). */
  readonly inflight = new Map<string, number>();
  readonly #o: ClusterOptions;
  readonly #known = new Map<string, GtidPosition>();
  #holds = 0;
  #rr = 0;
  #lastWriter: string | undefined;

  constructor(options: ClusterOptions) {
    super();
    this.#o = options;
    this.controller = options.controller;
    this.causal = options.causal;
    for (const v of options.controller.views()) this.inflight.set(v.name, 0);
    options.controller.on('round', (views) => this.#learnFromViews(views));
    options.controller.on('writer', () => this.#emitWriter());
  }

  /** The writer to send writes to; undefined when there is none or writes are held here. */
  get writer(): string | undefined {
    return this.#holds > 0 ? undefined : this.controller.writer;
  }

  /** Writes are held (a switchover is running on this proxy). */
  get held(): boolean {
    return this.#holds > 0;
  }

  /** Holds writes until the returned function is called. */
  holdWrites(): () => void {
    this.#holds++;
    this.#emitWriter();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#holds--;
      this.#emitWriter();
    };
  }

  /** Resolves with a writer other than `exclude` (when given) as soon as there is one. */
  waitWriter(timeoutMs: number, exclude?: string): Promise<string | undefined> {
    const now = this.writer;
    if (now && now !== exclude) return Promise.resolve(now);
    return new Promise((resolve) => {
      const done = (w: string | undefined) => {
        clearTimeout(timer);
        this.off('writer', onWriter);
        resolve(w);
      };
      const onWriter = (w: string | undefined) => {
        if (w && w !== exclude) done(w);
      };
      const timer = setTimeout(() => done(undefined), timeoutMs);
      this.on('writer', onWriter);
    });
  }

  view(name: string): ServerView | undefined {
    return this.controller.view(name);
  }

  /** Position `server` is known to have reached. */
  known(server: string): GtidPosition {
    return this.#known.get(server) ?? GtidPosition.EMPTY;
  }

  /** Records that `server` has reached `pos` (a causal wait succeeded there). */
  learn(server: string, pos: GtidPosition): void {
    this.#known.set(server, this.known(server).merge(pos));
  }

  /** A backend misbehaved (connection refused, read_only error on the writer): check the pair now. */
  reportFailure(_server: string): void {
    this.controller.nudge();
  }

  /**
   * Picks the server for a read: healthy readers within the lag bound and the writer, weighted, least
   * busy (in-flight commands / weight). With a causal requirement, "fast" keeps only servers known to
   * have it (the writer always has); "wait" may pick a reader that must first wait for `wait`.
   */
  chooseRead(required: GtidPosition | undefined): ReadChoice | undefined {
    const writer = this.controller.writer;
    const causal = required && !required.isEmpty && this.causal !== 'off' ? required : undefined;
    let bestScore = Infinity;
    const tied: string[] = [];
    for (const v of this.controller.views()) {
      if (v.health !== 'up') continue;
      let weight: number;
      if (v.name === writer) weight = this.#o.writerReadWeight;
      else {
        weight = this.#o.readerWeight;
        // with a writer, readers must replicate within the lag bound; without one, any healthy server serves reads
        if (writer && (!v.replicating || v.lagSeconds === null || v.lagSeconds > this.#o.maxLagSeconds)) continue;
        if (causal && this.causal === 'fast' && !this.known(v.name).contains(causal)) continue;
      }
      if (weight <= 0) continue;
      const score = ((this.inflight.get(v.name) ?? 0) + 1) / weight;
      if (score < bestScore) {
        bestScore = score;
        tied.length = 0;
        tied.push(v.name);
      } else if (score === bestScore) tied.push(v.name);
    }
    // rotate among equally loaded servers
    const best = tied.length === 0 ? undefined : tied.length === 1 ? tied[0] : tied[this.#rr++ % tied.length];
    if (!best) return undefined;
    if (causal && best !== writer) {
      const wait = causal.notIn(this.known(best));
      if (!wait.isEmpty) return { server: best, wait };
    }
    return { server: best };
  }

  begin(server: string): void {
    this.inflight.set(server, (this.inflight.get(server) ?? 0) + 1);
  }

  end(server: string): void {
    this.inflight.set(server, Math.max(0, (this.inflight.get(server) ?? 1) - 1));
  }

  #learnFromViews(views: ServerView[]): void {
    for (const v of views) {
      // gtid_current_pos: replicated domains from gtid_slave_pos (moves with the commit, so what it
      // contains is visible to queries); a binlog position can run slightly ahead of that on a replica
      if (v.probe && v.reachable) this.learn(v.name, v.probe.gtidCurrentPos);
    }
  }

  #emitWriter(): void {
    const w = this.writer;
    if (w === this.#lastWriter) return;
    const prev = this.#lastWriter;
    this.#lastWriter = w;
    this.emit('writer', w, prev);
  }
}
