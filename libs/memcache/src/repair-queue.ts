/**
 * Bounded set of pending replica repairs, grouped by node: "bring `key` on `node` in line with the
 * other replicas". Adding a pair that is already queued is a no-op; when the queue is full the oldest
 * pair of the fullest node is dropped (and reported), so memory stays bounded while a node is down.
 */
export class RepairQueue {
  readonly capacity: number;
  #byNode = new Map<string, Map<string, Buffer>>();
  #size = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  get size(): number {
    return this.#size;
  }

  sizeOf(node: string): number {
    return this.#byNode.get(node)?.size ?? 0;
  }

  /** Queues a repair; returns the number of entries dropped to make room (0 or 1), or -1 when already queued. */
  add(node: string, keyText: string, key: Buffer): number {
    if (this.capacity <= 0) return 1;
    let keys = this.#byNode.get(node);
    if (keys?.has(keyText)) return -1;
    let dropped = 0;
    if (this.#size >= this.capacity) {
      this.#dropOldest();
      dropped = 1;
    }
    if (!keys) {
      keys = new Map();
      this.#byNode.set(node, keys);
    }
    keys.set(keyText, key);
    this.#size++;
    return dropped;
  }

  /** Removes and returns the oldest queued key of `node`. */
  take(node: string): Buffer | undefined {
    const keys = this.#byNode.get(node);
    if (!keys) return undefined;
    for (const [text, key] of keys) {
      keys.delete(text);
      this.#size--;
      if (keys.size === 0) this.#byNode.delete(node);
      return key;
    }
    return undefined;
  }

  /** Nodes with queued repairs. */
  nodes(): string[] {
    return [...this.#byNode.keys()];
  }

  /** Drops everything queued for `node` (it left the ring); returns how many. */
  clear(node: string): number {
    const n = this.sizeOf(node);
    this.#byNode.delete(node);
    this.#size -= n;
    return n;
  }

  #dropOldest(): void {
    let fullest: Map<string, Buffer> | undefined;
    let fullestNode = '';
    for (const [node, keys] of this.#byNode) {
      if (!fullest || keys.size > fullest.size) {
        fullest = keys;
        fullestNode = node;
      }
    }
    if (!fullest) return;
    for (const text of fullest.keys()) {
      fullest.delete(text);
      this.#size--;
      break;
    }
    if (fullest.size === 0) this.#byNode.delete(fullestNode);
  }
}
