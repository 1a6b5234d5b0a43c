/** A response read off a keep-alive connection. */
export interface ParsedResponse {
  status: number;
  /** The server said `Connection: close` (or HTTP/1.0 without keep-alive): the socket is done after this. */
  close: boolean;
  setCookie: string[];
  /** Only when the parser keeps bodies. */
  body?: Buffer;
}

/** A response that is not HTTP/1.x as we read it; the connection cannot be used any more. */
export class ResponseParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResponseParseError';
  }
}

const MAX_HEAD = 64 * 1024;
const MAX_BODY_KEPT = 8 * 1024 * 1024;
const CRLF2 = Buffer.from('\r\n\r\n');

type State = 'head' | 'length' | 'chunk-size' | 'chunk-data' | 'chunk-crlf' | 'trailer' | 'until-close';

/**
 * Incremental HTTP/1.1 response parser for one connection: Content-Length and chunked bodies,
 * bodies read until close, no body for HEAD, 1xx, 204 and 304. Bytes may arrive split anywhere.
 * Set `noBody` before each response to a HEAD request.
 */
export class ResponseParser {
  noBody = false;
  private state: State = 'head';
  private pending: Buffer | null = null;
  private remaining = 0;
  private current: ParsedResponse | null = null;
  private bodyParts: Buffer[] | null = null;
  private bodyBytes = 0;

  constructor(
    private readonly onResponse: (r: ParsedResponse) => void,
    private readonly keepBody = false,
  ) {}

  /** True between the first byte of a response and its end. */
  get inResponse(): boolean {
    return this.state !== 'head' || this.pending !== null;
  }

  /** Feeds bytes; throws {@link ResponseParseError} on a malformed response. */
  feed(chunk: Buffer): void {
    const buf = this.pending === null ? chunk : Buffer.concat([this.pending, chunk]);
    this.pending = null;
    let pos = 0;
    while (pos < buf.length) {
      switch (this.state) {
        case 'head': {
          const end = buf.indexOf(CRLF2, pos);
          if (end < 0) {
            if (buf.length - pos > MAX_HEAD) throw new ResponseParseError('response head larger than 64 KiB');
            this.pending = pos === 0 ? buf : buf.subarray(pos);
            return;
          }
          const head = buf.toString('latin1', pos, end);
          pos = end + 4;
          this.startResponse(head);
          break;
        }
        case 'length': {
          const n = Math.min(this.remaining, buf.length - pos);
          this.keep(buf, pos, pos + n);
          pos += n;
          this.remaining -= n;
          if (this.remaining === 0) this.finish();
          break;
        }
        case 'until-close': {
          this.keep(buf, pos, buf.length);
          pos = buf.length;
          break;
        }
        case 'chunk-size': {
          const nl = buf.indexOf(10, pos);
          if (nl < 0) {
            if (buf.length - pos > 1024) throw new ResponseParseError('chunk size line too long');
            this.pending = buf.subarray(pos);
            return;
          }
          const line = buf.toString('latin1', pos, nl).replace(/\r$/, '');
          const hex = line.split(';', 1)[0]!.trim();
          if (!/^[0-9a-fA-F]{1,12}$/.test(hex)) throw new ResponseParseError(`bad chunk size ${JSON.stringify(line.slice(0, 40))}`);
          pos = nl + 1;
          this.remaining = parseInt(hex, 16);
          this.state = this.remaining === 0 ? 'trailer' : 'chunk-data';
          break;
        }
        case 'chunk-data': {
          const n = Math.min(this.remaining, buf.length - pos);
          this.keep(buf, pos, pos + n);
          pos += n;
          this.remaining -= n;
          if (this.remaining === 0) {
            this.state = 'chunk-crlf';
            this.remaining = 2;
          }
          break;
        }
        case 'chunk-crlf': {
          const byte = buf[pos]!;
          if ((this.remaining === 2 && byte !== 13) || (this.remaining === 1 && byte !== 10)) {
            throw new ResponseParseError('chunk not followed by CRLF');
          }
          pos++;
          if (--this.remaining === 0) this.state = 'chunk-size';
          break;
        }
        case 'trailer': {
          const nl = buf.indexOf(10, pos);
          if (nl < 0) {
            if (buf.length - pos > MAX_HEAD) throw new ResponseParseError('trailer too long');
            this.pending = buf.subarray(pos);
            return;
          }
          const empty = nl === pos || (nl === pos + 1 && buf[pos] === 13);
          pos = nl + 1;
          if (empty) this.finish();
          break;
        }
      }
    }
  }

  /** The socket ended: completes a read-until-close body; true when no response was cut short. */
  end(): boolean {
    if (this.state === 'until-close') {
      this.finish();
      return true;
    }
    return !this.inResponse;
  }

  private startResponse(head: string): void {
    const lineEnd = head.indexOf('\r\n');
    const statusLine = lineEnd < 0 ? head : head.slice(0, lineEnd);
    const m = /^HTTP\/1\.([01]) (\d{3})(?: |$)/.exec(statusLine);
    if (!m) throw new ResponseParseError(`bad status line ${JSON.stringify(statusLine.slice(0, 60))}`);
    const http10 = m[1] === '0';
    const status = Number(m[2]);
    let length = -1;
    let chunked = false;
    let close = http10;
    const setCookie: string[] = [];
    if (lineEnd >= 0) {
      let i = lineEnd + 2;
      while (i < head.length) {
        let j = head.indexOf('\r\n', i);
        if (j < 0) j = head.length;
        const colon = head.indexOf(':', i);
        if (colon < 0 || colon > j) throw new ResponseParseError(`bad header line ${JSON.stringify(head.slice(i, Math.min(j, i + 60)))}`);
        const nameLen = colon - i;
        // Only a few headers matter; compare by length first so most lines cost one check.
        if (nameLen === 14 || nameLen === 17 || nameLen === 10) {
          const name = head.slice(i, colon).toLowerCase();
          const value = head.slice(colon + 1, j).trim();
          if (name === 'content-length') {
            if (!/^\d{1,15}$/.test(value)) throw new ResponseParseError(`bad Content-Length ${JSON.stringify(value)}`);
            const n = Number(value);
            if (length >= 0 && length !== n) throw new ResponseParseError('conflicting Content-Length headers');
            length = n;
          } else if (name === 'transfer-encoding') {
            chunked = /(^|,)\s*chunked\s*$/i.test(value);
          } else if (name === 'connection') {
            const v = value.toLowerCase();
            if (v.includes('close')) close = true;
            else if (http10 && v.includes('keep-alive')) close = false;
          } else if (name === 'set-cookie') {
            setCookie.push(value);
          }
        }
        i = j + 2;
      }
    }
    if (status < 200) {
      // 1xx: an interim response; the real one follows.
      this.state = 'head';
      return;
    }
    this.current = { status, close, setCookie };
    this.bodyParts = this.keepBody ? [] : null;
    this.bodyBytes = 0;
    if (this.noBody || status === 204 || status === 304) {
      this.finish();
    } else if (chunked) {
      this.state = 'chunk-size';
    } else if (length >= 0) {
      this.remaining = length;
      this.state = 'length';
      if (length === 0) this.finish();
    } else {
      this.current.close = true;
      this.state = 'until-close';
    }
  }

  private keep(buf: Buffer, from: number, to: number): void {
    if (this.bodyParts === null || to <= from) return;
    this.bodyBytes += to - from;
    if (this.bodyBytes > MAX_BODY_KEPT) throw new ResponseParseError('response body larger than 8 MiB');
    this.bodyParts.push(Buffer.from(buf.subarray(from, to)));
  }

  private finish(): void {
    const r = this.current!;
    if (this.bodyParts !== null) r.body = this.bodyParts.length === 1 ? this.bodyParts[0]! : Buffer.concat(this.bodyParts);
    this.current = null;
    this.bodyParts = null;
    this.state = 'head';
    this.onResponse(r);
  }
}
