/** One session command kept for replay. */
export interface HistoryEntry {
  /** Increasing number; a backend connection remembers the last one it applied. */
  seq: number;
  /** What the command sets (`autocommit`, `names`, `@x` …): a newer entry with the same key replaces it. */
  key: string;
  /** The command packet payload (COM_QUERY or COM_SET_OPTION) to send again. */
  payload: Buffer;
}

/**
 * The session commands (SET …, SET NAMES, COM_SET_OPTION) a client ran, pruned to the latest per key and
 * bounded. A backend connection that joins the session later replays what it has not applied.
 */
export class SessionHistory {
  readonly max: number;
  #entries: HistoryEntry[] = [];
  #seq = 0;

  constructor(max: number) {
    this.max = max;
  }

  get lastSeq(): number {
    return this.#seq;
  }

  get size(): number {
    return this.#entries.length;
  }

  /** Records a command; returns false when the history is full (the session must then be pinned). */
  record(key: string, payload: Buffer): boolean {
    const i = this.#entries.findIndex((e) => e.key === key);
    if (i >= 0) this.#entries.splice(i, 1);
    else if (this.#entries.length >= this.max) return false;
    this.#entries.push({ seq: ++this.#seq, key, payload });
    return true;
  }

  /** Entries a connection that applied up to `seq` still has to apply, in order. */
  since(seq: number): HistoryEntry[] {
    return this.#entries.filter((e) => e.seq > seq);
  }

  clear(): void {
    this.#entries = [];
  }
}
