// Walks a backend's response to one command packet by packet, without decoding rows: it finds where
// the response ends and keeps only what the proxy needs (status flags, OK packets carrying session
// state, the error, the first packet). Bytes are relayed by the caller as they arrive.
import { MAX_PACKET_PAYLOAD, Status } from './constants.js';
import { Reader } from './lenenc.js';
import { readEofStatus, readErr, readOk, type ErrPacket } from './packets.js';

/** Shapes of responses. */
export const enum ResponseKind {
  /** COM_QUERY, COM_STMT_EXECUTE: OK | ERR | result sets (text or binary), possibly several. */
  Query = 0,
  /** COM_STMT_PREPARE: PREPARE_OK + parameter and column definitions, or ERR. */
  Prepare = 1,
  /** COM_FIELD_LIST: column definitions until EOF, or ERR. */
  FieldList = 2,
  /** One packet: OK, ERR, EOF or a string (ping, init_db, reset, statistics, set_option, stmt_reset …). */
  Single = 3,
  /** COM_STMT_FETCH: rows until EOF/OK, or ERR. */
  Fetch = 4,
}

const enum S {
  First,
  ColDefs,
  ColDefsEof,
  Rows,
  PrepParams,
  PrepParamsEof,
  PrepCols,
  PrepColsEof,
  FieldList,
  Done,
}

const enum P {
  Header,
  FirstByte,
  Body,
}

/** Prepare response summary. */
export interface PrepareOk {
  stmtId: number;
  columns: number;
  params: number;
}

export class ResponseScanner {
  #kind: ResponseKind = ResponseKind.Query;
  #deprecateEof = false;
  #progress = false;
  #s: S = S.Done;
  #count = 0;
  #prepCols = 0;
  // packet parsing state
  #p: P = P.Header;
  #hdr = Buffer.alloc(4);
  #hdrLen = 0;
  #len = 0;
  #remaining = 0;
  #cont = false;
  #first = 0;
  #cap: Buffer | undefined;
  #capAt = 0;

  /** Status flags of the last OK/EOF seen (the final one when done). */
  status = 0;
  /** Packets seen so far (headers complete). */
  packets = 0;
  /** Sequence id of the last packet header seen. */
  lastSeq = 0;
  /** The response's first packet (kept for Prepare and Single responses, and for ERR). */
  firstPacket: Buffer | undefined;
  /** The error that ended the response, if any. */
  err: ErrPacket | undefined;
  /** Payloads of OK packets that carried session state changes (usually none). */
  stateChanges: Buffer[] = [];
  /** PREPARE_OK fields (Prepare responses). */
  prepare: PrepareOk | undefined;
  /** Number of result sets (Query) whose rows were walked. */
  resultSets = 0;
  /** Capabilities of the connection (for OK parsing). */
  caps = 0;

  /** Progress-report packets stepped over (MARIADB_CLIENT_PROGRESS). */
  progressReports = 0;

  /**
   * Prepares for the response to a command. `progress`: the connection negotiated
   * MARIADB_CLIENT_PROGRESS, so progress-report packets (0xff, code 0xffff) may come before the response.
   */
  start(kind: ResponseKind, caps: number, deprecateEof: boolean, progress = false): void {
    this.#kind = kind;
    this.caps = caps;
    this.#deprecateEof = deprecateEof;
    this.#progress = progress;
    this.progressReports = 0;
    this.#s = kind === ResponseKind.Fetch ? S.Rows : kind === ResponseKind.FieldList ? S.FieldList : S.First;
    this.#p = P.Header;
    this.#hdrLen = 0;
    this.#cont = false;
    this.#cap = undefined;
    this.status = 0;
    this.packets = 0;
    this.lastSeq = 0;
    this.firstPacket = undefined;
    this.err = undefined;
    this.stateChanges = [];
    this.prepare = undefined;
    this.resultSets = 0;
  }

  get done(): boolean {
    return this.#s === S.Done;
  }

  /**
   * Consumes bytes of `chunk` from `from`. Returns the offset just past the response's last byte when
   * the response completed inside this chunk, or -1 when more bytes are needed. Throws RangeError on a
   * malformed response.
   */
  feed(chunk: Buffer, from = 0): number {
    let i = from;
    const n = chunk.length;
    while (i < n) {
      if (this.#p === P.Header) {
        // fast path: the whole header in this chunk
        if (this.#hdrLen === 0 && n - i >= 4) {
          this.#len = chunk[i]! | (chunk[i + 1]! << 8) | (chunk[i + 2]! << 16);
          this.lastSeq = chunk[i + 3]!;
          i += 4;
        } else {
          while (this.#hdrLen < 4 && i < n) this.#hdr[this.#hdrLen++] = chunk[i++]!;
          if (this.#hdrLen < 4) return -1;
          this.#hdrLen = 0;
          this.#len = this.#hdr[0]! | (this.#hdr[1]! << 8) | (this.#hdr[2]! << 16);
          this.lastSeq = this.#hdr[3]!;
        }
        this.packets++;
        const cont = this.#cont;
        this.#cont = this.#len === MAX_PACKET_PAYLOAD;
        this.#remaining = this.#len;
        this.#cap = undefined;
        if (cont) {
          // continuation of a large packet (a big row): never a terminator
          this.#p = P.Body;
          if (this.#remaining === 0) this.#p = P.Header;
          continue;
        }
        if (this.#len === 0) {
          this.#packet(-1, undefined);
          if (this.#s === S.Done) return i;
          continue;
        }
        this.#p = P.FirstByte;
        continue;
      }
      if (this.#p === P.FirstByte) {
        const first = chunk[i]!;
        this.#first = first;
        if (this.#wants(first, this.#len)) {
          this.#cap = Buffer.allocUnsafe(this.#len);
          this.#capAt = 0;
        }
        this.#p = P.Body;
        // fall through to the body with the first byte included
      }
      // P.Body
      const take = Math.min(this.#remaining, n - i);
      if (this.#cap) {
        chunk.copy(this.#cap, this.#capAt, i, i + take);
        this.#capAt += take;
      }
      i += take;
      this.#remaining -= take;
      if (this.#remaining > 0) return -1;
      this.#p = P.Header;
      if (this.#cont) continue; // the logical packet goes on in the next physical one
      this.#packet(this.#first, this.#cap);
      this.#cap = undefined;
      if (this.#s === S.Done) return i;
    }
    return -1;
  }

  /** Whether a packet starting with `first` (of `len` bytes) must be captured whole. */
  #wants(first: number, len: number): boolean {
    switch (this.#s) {
      case S.First:
      case S.ColDefsEof:
      case S.PrepParamsEof:
      case S.PrepColsEof:
        return len < MAX_PACKET_PAYLOAD;
      case S.Rows:
      case S.FieldList:
        return first === 0xff || (first === 0xfe && (this.#deprecateEof ? len < MAX_PACKET_PAYLOAD : len < 9));
      default:
        return false;
    }
  }

  #packet(first: number, body: Buffer | undefined): void {
    switch (this.#s) {
      case S.First:
        return this.#onFirst(first, body);
      case S.ColDefs:
        if (--this.#count <= 0) this.#s = this.#deprecateEof ? S.Rows : S.ColDefsEof;
        return;
      case S.ColDefsEof:
        if (first !== 0xfe || !body) throw new RangeError('expected EOF after column definitions');
        this.status = readEofStatus(body);
        // a cursor was opened (COM_STMT_EXECUTE with a cursor flag): rows come with COM_STMT_FETCH
        this.#s = this.status & Status.CURSOR_EXISTS ? S.Done : S.Rows;
        return;
      case S.Rows:
        if (body && first === 0xff) {
          this.err = readErr(body);
          this.#s = S.Done;
          return;
        }
        if (body && first === 0xfe) {
          this.resultSets++;
          if (this.#deprecateEof) this.#onOk(body);
          else this.status = readEofStatus(body);
          this.#s = this.status & Status.MORE_RESULTS_EXISTS && this.#kind === ResponseKind.Query ? S.First : S.Done;
        }
        return;
      case S.PrepParams:
        if (--this.#count <= 0) {
          if (!this.#deprecateEof) this.#s = S.PrepParamsEof;
          else this.#afterParams();
        }
        return;
      case S.PrepParamsEof:
        return this.#afterParams();
      case S.PrepCols:
        if (--this.#count <= 0) this.#s = this.#deprecateEof ? S.Done : S.PrepColsEof;
        return;
      case S.PrepColsEof:
        this.#s = S.Done;
        return;
      case S.FieldList:
        if (body && first === 0xff) {
          this.err = readErr(body);
          this.#s = S.Done;
        } else if (body && first === 0xfe) {
          this.status = this.#deprecateEof ? readOk(body, this.caps).status : readEofStatus(body);
          this.#s = S.Done;
        }
        return;
      default:
        throw new RangeError('data after the end of the response');
    }
  }

  #onFirst(first: number, body: Buffer | undefined): void {
    if (!body) throw new RangeError('empty or oversized first packet of a response');
    if (first === 0xff && this.#progress && body.length >= 3 && body[1] === 0xff && body[2] === 0xff) {
      // a progress report (ALTER TABLE, LOAD DATA …): relayed, the response itself follows
      this.progressReports++;
      return;
    }
    if (this.firstPacket === undefined) this.firstPacket = body;
    if (first === 0xff) {
      this.err = readErr(body);
      this.#s = S.Done;
      return;
    }
    switch (this.#kind) {
      case ResponseKind.Single:
        if (first === 0x00) this.#onOk(body);
        else if (first === 0xfe && body.length < 9) this.status = readEofStatus(body);
        this.#s = S.Done;
        return;
      case ResponseKind.Prepare: {
        if (first !== 0x00 || body.length < 12) throw new RangeError('malformed COM_STMT_PREPARE response');
        const stmtId = body.readUInt32LE(1);
        const columns = body.readUInt16LE(5);
        const params = body.readUInt16LE(7);
        this.prepare = { stmtId, columns, params };
        this.#prepCols = columns;
        if (params > 0) {
          this.#count = params;
          this.#s = S.PrepParams;
        } else this.#afterParams();
        return;
      }
      default:
        if (first === 0x00) {
          this.#onOk(body);
          this.#s = this.status & Status.MORE_RESULTS_EXISTS ? S.First : S.Done;
          return;
        }
        if (first === 0xfb) throw new RangeError('LOCAL INFILE requests are not supported');
        this.#count = new Reader(body).lenenc();
        this.#s = this.#count > 0 ? S.ColDefs : S.Rows;
    }
  }

  #afterParams(): void {
    if (this.#prepCols > 0) {
      this.#count = this.#prepCols;
      this.#s = S.PrepCols;
    } else this.#s = S.Done;
  }

  #onOk(body: Buffer): void {
    const status = body.length >= 3 ? readOk(body, this.caps).status : 0;
    this.status = status;
    if (status & Status.SESSION_STATE_CHANGED) this.stateChanges.push(body);
  }
}
