import { HEX } from './http-chars.js';

const enum S {
  Size,
  SizeLf,
  Ext,
  Data,
  DataCr,
  DataLf,
  TrailerStart,
  TrailerLine,
  TrailerLf,
  EndLf,
  Done,
  Error,
}

/**
 * Incremental validator of a chunked message body (RFC 9112 §7.1). It tracks the framing of bytes
 * that are forwarded unchanged, so it never copies: {@link push} says how many bytes of the input
 * belong to the body and whether the body has ended. Strict: hex sizes without leading whitespace,
 * CRLF only, chunk extensions and trailers without control characters, bounded sizes.
 */
export class ChunkedParser {
  #state = S.Size;
  #size = 0;
  #digits = 0;
  #remaining = 0;
  #lineBytes = 0;
  #trailerBytes = 0;
  /** Payload bytes seen so far (chunk data only). */
  dataBytes = 0;
  /** Why the body is invalid, once {@link failed}. */
  error = '';
  /** Set when the payload exceeds the limit (a 413 rather than a 400). */
  tooLarge = false;

  constructor(
    private readonly maxDataBytes: number,
    private readonly maxTrailerBytes = 16384,
    /** Called with each payload slice, when the caller needs the decoded data. */
    private readonly onData?: (buf: Buffer, start: number, end: number) => void,
  ) {}

  get done(): boolean {
    return this.#state === S.Done;
  }

  get failed(): boolean {
    return this.#state === S.Error;
  }

  /**
   * Consume `buf[start, end)`. Returns the index just past the last byte of the body when the body
   * ends inside this range, else `end` (all consumed). After an error returns -1.
   */
  push(buf: Buffer, start: number, end: number): number {
    let i = start;
    while (i < end) {
      switch (this.#state) {
        case S.Size: {
          const c = buf[i]!;
          const h = HEX[c]!;
          if (h >= 0) {
            if (++this.#digits > 12) return this.#fail('chunk size too long');
            this.#size = this.#size * 16 + h;
            i++;
          } else if (this.#digits === 0) {
            return this.#fail('invalid chunk size');
          } else if (c === 13) {
            this.#state = S.SizeLf;
            i++;
          } else if (c === 59) {
            this.#state = S.Ext;
            this.#lineBytes = 0;
            i++;
          } else {
            return this.#fail('invalid chunk size');
          }
          break;
        }
        case S.Ext: {
          const c = buf[i]!;
          if (c === 13) this.#state = S.SizeLf;
          else if ((c < 32 && c !== 9) || c === 127) return this.#fail('invalid chunk extension');
          else if (++this.#lineBytes > 4096) return this.#fail('chunk extension too long');
          i++;
          break;
        }
        case S.SizeLf: {
          if (buf[i] !== 10) return this.#fail('missing LF after chunk size');
          i++;
          if (this.#size === 0) {
            this.#state = S.TrailerStart;
          } else {
            this.dataBytes += this.#size;
            if (this.dataBytes > this.maxDataBytes) {
              this.tooLarge = true;
              return this.#fail('chunked body over the size limit');
            }
            this.#remaining = this.#size;
            this.#state = S.Data;
          }
          this.#size = 0;
          this.#digits = 0;
          break;
        }
        case S.Data: {
          const take = Math.min(this.#remaining, end - i);
          if (this.onData) this.onData(buf, i, i + take);
          this.#remaining -= take;
          i += take;
          if (this.#remaining === 0) this.#state = S.DataCr;
          break;
        }
        case S.DataCr:
          if (buf[i] !== 13) return this.#fail('missing CRLF after chunk data');
          this.#state = S.DataLf;
          i++;
          break;
        case S.DataLf:
          if (buf[i] !== 10) return this.#fail('missing CRLF after chunk data');
          this.#state = S.Size;
          i++;
          break;
        case S.TrailerStart: {
          const c = buf[i]!;
          if (c === 13) {
            this.#state = S.EndLf;
          } else if (c === 32 || c === 9 || c === 58) {
            return this.#fail('malformed trailer');
          } else {
            this.#state = S.TrailerLine;
            if (++this.#trailerBytes > this.maxTrailerBytes) return this.#fail('trailers too large');
          }
          i++;
          break;
        }
        case S.TrailerLine: {
          const c = buf[i]!;
          if (c === 13) this.#state = S.TrailerLf;
          else if ((c < 32 && c !== 9) || c === 127) return this.#fail('control character in a trailer');
          if (++this.#trailerBytes > this.maxTrailerBytes) return this.#fail('trailers too large');
          i++;
          break;
        }
        case S.TrailerLf:
          if (buf[i] !== 10) return this.#fail('missing LF in trailer');
          this.#state = S.TrailerStart;
          i++;
          break;
        case S.EndLf:
          if (buf[i] !== 10) return this.#fail('missing LF at the end of the chunked body');
          this.#state = S.Done;
          return i + 1;
        case S.Done:
          return i;
        default:
          return -1;
      }
    }
    return this.#state === S.Error ? -1 : end;
  }

  #fail(reason: string): number {
    this.#state = S.Error;
    this.error = reason;
    return -1;
  }
}
