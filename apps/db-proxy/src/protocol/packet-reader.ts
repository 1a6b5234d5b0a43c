// Splits a byte stream into protocol messages (a packet plus its continuation packets when the payload
// is 16 MiB - 1 or larger). Used on the client side, where the proxy needs each command whole.
import { MAX_PACKET_PAYLOAD } from './constants.js';

export interface Message {
  /** Wire bytes of every packet of the message (headers included): what is relayed. */
  raw: Buffer;
  /** Logical payload (continuation packets joined, headers removed). */
  payload: Buffer;
  /** Sequence id of the first packet. */
  seq: number;
  /** Sequence id of the last packet. */
  lastSeq: number;
}

/** A message announced a payload above the limit; thrown before its bytes are buffered. */
export class PacketTooLargeError extends RangeError {
  constructor(
    readonly size: number,
    readonly limit: number,
    /** Sequence id of the packet whose header crossed the limit (the error answers it). */
    readonly seq: number,
  ) {
    super(`packet of at least ${size} bytes is larger than the limit of ${limit} bytes`);
  }
}

export class PacketReader {
  #chunks: Buffer[] = [];
  /** Index of the first chunk still holding unconsumed bytes. */
  #head = 0;
  #len = 0;
  // scan state of the message being assembled (kept across calls so headers are read once)
  #scanPos = 0;
  #payloadLen = 0;
  #count = 0;
  #seq = 0;
  #lastSeq = 0;
  // cursor for #byte: chunk index and the stream offset where it starts
  #curIdx = 0;
  #curStart = 0;

  constructor(public maxPayload: number) {}

  get buffered(): number {
    return this.#len;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.#chunks.push(chunk);
    this.#len += chunk.length;
  }

  /** The next complete message, or undefined when more bytes are needed. Throws PacketTooLargeError. */
  next(): Message | undefined {
    for (;;) {
      if (this.#len - this.#scanPos < 4) return undefined;
      const at = this.#scanPos;
      const n = this.#byte(at) | (this.#byte(at + 1) << 8) | (this.#byte(at + 2) << 16);
      const seq = this.#byte(at + 3);
      if (this.#count === 0) this.#seq = seq;
      if (this.#payloadLen + n > this.maxPayload) throw new PacketTooLargeError(this.#payloadLen + n, this.maxPayload, seq);
      if (this.#len - at - 4 < n) return undefined;
      this.#payloadLen += n;
      this.#lastSeq = seq;
      this.#scanPos = at + 4 + n;
      this.#count++;
      if (n < MAX_PACKET_PAYLOAD) break;
    }
    const total = this.#scanPos;
    const count = this.#count;
    const payloadLen = this.#payloadLen;
    const msg = { seq: this.#seq, lastSeq: this.#lastSeq };
    this.#scanPos = 0;
    this.#payloadLen = 0;
    this.#count = 0;
    const raw = this.#take(total);
    let payload: Buffer;
    if (count === 1) payload = raw.subarray(4);
    else {
      payload = Buffer.allocUnsafe(payloadLen);
      let src = 0;
      let dst = 0;
      while (src < raw.length) {
        const n = raw.readUIntLE(src, 3);
        raw.copy(payload, dst, src + 4, src + 4 + n);
        dst += n;
        src += 4 + n;
      }
    }
    return { raw, payload, ...msg };
  }

  /** Drops everything buffered and returns it (e.g. to hand the rest of a stream to a TLS socket). */
  drain(): Buffer {
    const live = this.#chunks.slice(this.#head);
    const all = this.#len === 0 ? Buffer.alloc(0) : live.length === 1 ? live[0]! : Buffer.concat(live, this.#len);
    this.#chunks = [];
    this.#head = 0;
    this.#len = 0;
    this.#scanPos = 0;
    this.#payloadLen = 0;
    this.#count = 0;
    this.#curIdx = 0;
    this.#curStart = 0;
    return all;
  }

  /** Byte at stream offset `at` (offsets only grow between #take calls, so the cursor moves forward). */
  #byte(at: number): number {
    if (at < this.#curStart || this.#curIdx < this.#head) {
      this.#curIdx = this.#head;
      this.#curStart = 0;
    }
    for (;;) {
      const c = this.#chunks[this.#curIdx];
      if (!c) return 0;
      if (at < this.#curStart + c.length) return c[at - this.#curStart]!;
      this.#curStart += c.length;
      this.#curIdx++;
    }
  }

  #take(n: number): Buffer {
    const first = this.#chunks[this.#head]!;
    let out: Buffer;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.#chunks[this.#head++] = EMPTY;
      else this.#chunks[this.#head] = first.subarray(n);
    } else {
      out = Buffer.allocUnsafe(n);
      let at = 0;
      while (at < n) {
        const c = this.#chunks[this.#head]!;
        const k = Math.min(c.length, n - at);
        c.copy(out, at, 0, k);
        at += k;
        if (k === c.length) this.#chunks[this.#head++] = EMPTY;
        else this.#chunks[this.#head] = c.subarray(k);
      }
    }
    this.#len -= n;
    if (this.#head === this.#chunks.length) {
      this.#chunks = [];
      this.#head = 0;
    } else if (this.#head > 1024) {
      this.#chunks = this.#chunks.slice(this.#head);
      this.#head = 0;
    }
    this.#curIdx = this.#head;
    this.#curStart = 0;
    return out;
  }
}

const EMPTY = Buffer.alloc(0);
