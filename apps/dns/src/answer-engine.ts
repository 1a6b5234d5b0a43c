import { QUERY_TYPE_INDEX, QUERY_TYPE_LABELS, RCODE_LABELS, Rcode, RRType, rcodeIndex, TRANSPORT_LABELS } from './dns-constants.js';
import { DnsStats, DropIndex } from './dns-stats.js';
import type { AnswerPlan } from './answer-plan-types.js';
import { nxdomainPlan, planForNode, REFUSED_PLAN } from './answer-plan.js';
import type { NameNode, Zone, ZoneSet } from './zone-set.js';

export const TRANSPORT_UDP = 0;
export const TRANSPORT_TCP = 1;

const OK = 0;
const FORMERR = 1;
const OTHER_TYPE = QUERY_TYPE_LABELS.length - 1;
const TRANSPORTS = TRANSPORT_LABELS.length;
const RCODES = RCODE_LABELS.length;
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
/** Cached plans per name; past this (many distinct qtypes at a CNAME) answers are built uncached. */
const MAX_PLANS_PER_NODE = 32;
/** Plan-cache key for "no data of this type here" (shared by every absent type at a non-CNAME name). */
const NODATA_KEY = -1;

export interface AnswerEngineOptions {
  /** Largest UDP answer we send and the size we advertise in OPT (RFC 6891), 512-4096. Default 1232. */
  udpPayload?: number;
  stats?: DnsStats;
}

/**
 * The query path. `answer(msg, transport)` reads one DNS message and writes the reply into `out` at
 * offset 2 (room for the TCP length prefix), returning its length, or 0 when the packet gets no reply
 * (shorter than a header, or a response). It never decodes into objects: the header, the question and
 * the additional section are walked in place, the question name is lower-cased into a hash on the way,
 * and the answer is a precomputed {@link AnswerPlan} copied behind the query's own question bytes.
 * Never throws on any input.
 */
export class AnswerEngine {
  readonly zones: ZoneSet;
  readonly stats: DnsStats;
  readonly udpPayload: number;
  /** Reply buffer: 2 bytes of TCP length prefix, then up to 65535 bytes of message. */
  out: Buffer = Buffer.allocUnsafe(2 + 65535);

  // State of the query being answered (fields, not objects: nothing is allocated per query).
  private qOk = false;
  private qEnd = 0;
  private qnameLen = 0;
  private qtype = 0;
  private qclass = 0;
  private hash = 0;
  private labelCount = 0;
  private readonly labels = new Int32Array(128);
  private hasOpt = false;
  private optPayload = 0;
  private optVersion = 0;
  private optDo = 0;

  constructor(zones: ZoneSet, options: AnswerEngineOptions = {}) {
    this.zones = zones;
    this.stats = options.stats ?? new DnsStats();
    const udp = options.udpPayload ?? 1232;
    this.udpPayload = Math.min(4096, Math.max(512, udp));
  }

  /** Answers `msg`; the reply is `out[2, 2 + n)`. Returns 0 when nothing must be sent. */
  answer(msg: Uint8Array, transport: number): number {
    const len = msg.length;
    this.qOk = false;
    this.hasOpt = false;
    if (len < 12) {
      this.stats.dropped[DropIndex.short]!++;
      return 0;
    }
    const f1 = msg[2]!;
    if ((f1 & 0x80) !== 0) {
      // Never answer a response: that is how reflection loops start.
      this.stats.dropped[DropIndex.response]!++;
      return 0;
    }
    if ((f1 & 0x78) !== 0) return this.reply(msg, Rcode.NOTIMP, transport);
    if (this.parse(msg, len) !== OK) return this.reply(msg, Rcode.FORMERR, transport);
    if (this.hasOpt && this.optVersion !== 0) return this.reply(msg, Rcode.BADVERS, transport);
    const qtype = this.qtype;
    const qclass = this.qclass;
    if (qclass !== 1 && qclass !== 255) return this.write(msg, REFUSED_PLAN, transport);
    if (qtype === RRType.OPT || qtype === 0) return this.reply(msg, Rcode.FORMERR, transport);
    if (qtype === RRType.AXFR || qtype === RRType.IXFR) return this.write(msg, REFUSED_PLAN, transport);
    if (qtype >= 128 && qtype < 255) return this.reply(msg, Rcode.NOTIMP, transport);
    return this.write(msg, this.findPlan(msg), transport);
  }

  /** Walks header, question and additional section in place. Returns OK or FORMERR. */
  private parse(msg: Uint8Array, len: number): number {
    if (msg[4] !== 0 || msg[5] !== 1) return FORMERR;
    let p = 12;
    let h = FNV_OFFSET;
    let n = 0;
    const labels = this.labels;
    for (;;) {
      if (p >= len) return FORMERR;
      const l = msg[p]!;
      labels[n] = p;
      h = Math.imul(h ^ l, FNV_PRIME);
      if (l === 0) {
        p++;
        break;
      }
      // Compression pointers cannot appear in a question (nothing precedes it); 01/10 label types are obsolete.
      if (l > 63) return FORMERR;
      const end = p + 1 + l;
      if (end - 12 > 254) return FORMERR;
      for (let i = p + 1; i < end && i < len; i++) {
        let c = msg[i]!;
        if (c >= 0x41 && c <= 0x5a) c |= 0x20;
        h = Math.imul(h ^ c, FNV_PRIME);
      }
      n++;
      p = end;
    }
    if (p + 4 > len) return FORMERR;
    this.labelCount = n;
    this.hash = h & 0x3fffffff;
    this.qnameLen = p - 12;
    this.qtype = (msg[p]! << 8) | msg[p + 1]!;
    this.qclass = (msg[p + 2]! << 8) | msg[p + 3]!;
    p += 4;
    this.qEnd = p;
    this.qOk = true;
    // A query carries nothing in the answer and authority sections.
    if ((msg[6]! | msg[7]! | msg[8]! | msg[9]!) !== 0) return FORMERR;
    let ar = (msg[10]! << 8) | msg[11]!;
    while (ar-- > 0) {
      const nameStart = p;
      for (;;) {
        if (p >= len) return FORMERR;
        const l = msg[p]!;
        if (l === 0) {
          p++;
          break;
        }
        if ((l & 0xc0) === 0xc0) {
          p += 2; // a pointer ends the name; we never follow it
          break;
        }
        if (l > 63) return FORMERR;
        p += l + 1;
        if (p - nameStart > 255) return FORMERR;
      }
      if (p + 10 > len) return FORMERR;
      const type = (msg[p]! << 8) | msg[p + 1]!;
      const rdStart = p + 10;
      const rdEnd = rdStart + ((msg[p + 8]! << 8) | msg[p + 9]!);
      if (rdEnd > len) return FORMERR;
      if (type === RRType.OPT) {
        if (this.hasOpt) return FORMERR; // at most one OPT (RFC 6891 §6.1.1)
        this.hasOpt = true;
        this.optPayload = (msg[p + 2]! << 8) | msg[p + 3]!;
        this.optVersion = msg[p + 5]!;
        this.optDo = msg[p + 6]! & 0x80;
        if (p - nameStart !== 1) return FORMERR; // OPT owner is the root
        // Options are skipped (unknown ones MUST be ignored) but must fit the RDATA exactly.
        for (let q = rdStart; q < rdEnd; ) {
          if (q + 4 > rdEnd) return FORMERR;
          q += 4 + ((msg[q + 2]! << 8) | msg[q + 3]!);
          if (q > rdEnd) return FORMERR;
        }
      }
      p = rdEnd;
    }
    if (p !== len) return FORMERR;
    return OK;
  }

  private findPlan(msg: Uint8Array): AnswerPlan {
    const zones = this.zones;
    const qtype = this.qtype;
    const node = zones.lookup(this.hash, msg, 12, this.qnameLen);
    if (node !== undefined) {
      if (node.plansGeneration !== zones.generation) {
        node.plans.clear();
        node.plansGeneration = zones.generation;
      }
      const plan = node.plans.get(qtype);
      if (plan !== undefined) return plan;
      // Every absent type at a name without a CNAME shares one NODATA plan (bounded cache).
      const key = qtype !== RRType.ANY && !node.rrsets.has(qtype) && !node.rrsets.has(RRType.CNAME) ? NODATA_KEY : qtype;
      const shared = key === qtype ? undefined : node.plans.get(key);
      return shared !== undefined ? shared : this.buildPlan(node, key, qtype);
    }
    // Not a name we hold: NXDOMAIN inside the deepest zone that encloses it, REFUSED outside all zones.
    const end = 12 + this.qnameLen;
    for (let i = 1; i <= this.labelCount; i++) {
      const start = this.labels[i]!;
      const zone = zones.lookupZone(hashLower(msg, start, end), msg, start, end - start);
      if (zone !== undefined) return this.nxPlan(zone, start - 12);
    }
    return REFUSED_PLAN;
  }

  private buildPlan(node: NameNode, key: number, qtype: number): AnswerPlan {
    const plan = planForNode(this.zones, node, qtype);
    if (plan.rot !== null) {
      let maxId = 0;
      for (const id of plan.firstIds!) if (id > maxId) maxId = id;
      this.stats.ensureCapacity(maxId, plan.rot.id);
    }
    if (node.plans.size < MAX_PLANS_PER_NODE) node.plans.set(key, plan);
    return plan;
  }

  private nxPlan(zone: Zone, apexOffset: number): AnswerPlan {
    if (zone.nxGeneration !== this.zones.generation) {
      zone.nxPlans.clear();
      zone.nxGeneration = this.zones.generation;
    }
    let plan = zone.nxPlans.get(apexOffset);
    if (plan === undefined) {
      plan = nxdomainPlan(zone, apexOffset);
      zone.nxPlans.set(apexOffset, plan);
    }
    return plan;
  }

  /** Header + the query's question bytes + the plan's records (rotated) + OPT when the query had one. */
  private write(msg: Uint8Array, plan: AnswerPlan, transport: number): number {
    const out = this.out;
    const stats = this.stats;
    const qEnd = this.qEnd;
    const rs = plan.rot;
    let view: Uint8Array | null = null;
    let vi = 0;
    if (rs !== null) {
      const s = rs.next;
      rs.next = s + 1 === rs.slots ? 0 : s + 1;
      vi = rs.seq === null ? s : rs.seq[s]!;
      view = plan.views![vi]!;
    }
    const optLen = this.hasOpt ? 11 : 0;
    const prefix = plan.prefix;
    let size = qEnd + prefix.length + (view === null ? 0 : view.length) + optLen;
    let limit = 65535;
    if (transport === TRANSPORT_UDP) {
      if (this.hasOpt) {
        limit = this.optPayload < 512 ? 512 : this.optPayload;
        if (limit > this.udpPayload) limit = this.udpPayload;
      } else {
        limit = 512;
      }
    }
    const tc = size > limit;
    if (tc) {
      // RFC 2181 §9 / RFC 6891 §7: drop the records, keep header + question + OPT, set TC.
      size = qEnd + optLen;
      stats.truncated[transport]!++;
    }
    const an = tc ? 0 : plan.an;
    const ns = tc ? 0 : plan.ns;
    out[2] = msg[0]!;
    out[3] = msg[1]!;
    out[4] = 0x80 | (plan.aa ? 0x04 : 0) | (tc ? 0x02 : 0) | (msg[2]! & 0x01);
    out[5] = (msg[3]! & 0x10) | plan.rcode;
    out[6] = 0;
    out[7] = 1;
    out[8] = an >> 8;
    out[9] = an & 0xff;
    out[10] = 0;
    out[11] = ns;
    out[12] = 0;
    out[13] = optLen === 0 ? 0 : 1;
    for (let i = 12; i < qEnd; i++) out[i + 2] = msg[i]!;
    let p = qEnd + 2;
    if (!tc) {
      if (prefix.length !== 0) {
        out.set(prefix, p);
        p += prefix.length;
      }
      if (view !== null) {
        out.set(view, p);
        p += view.length;
      }
    }
    if (optLen !== 0) this.writeOpt(p, 0);
    // plan.rcode is NOERROR, NXDOMAIN or REFUSED: its value is its label index.
    stats.queries[(QUERY_TYPE_INDEX[this.qtype]! * TRANSPORTS + transport) * RCODES + plan.rcode]!++;
    if (rs !== null && !tc) {
      if (rs.isAddressSet) stats.addressFirst[plan.firstIds![vi]!]!++;
      if (rs.failOpen) stats.failOpenAnswers[rs.id]!++;
    }
    return size;
  }

  /** Error replies (FORMERR, NOTIMP, BADVERS): header, the question when it parsed, OPT when present. */
  private reply(msg: Uint8Array, rcode: number, transport: number): number {
    const out = this.out;
    const withQuestion = this.qOk;
    const qEnd = withQuestion ? this.qEnd : 12;
    const optLen = this.hasOpt ? 11 : 0;
    out[2] = msg[0]!;
    out[3] = msg[1]!;
    out[4] = 0x80 | (msg[2]! & 0x79); // opcode and RD copied; AA and TC clear
    out[5] = (msg[3]! & 0x10) | (rcode & 0x0f);
    out[6] = 0;
    out[7] = withQuestion ? 1 : 0;
    out[8] = 0;
    out[9] = 0;
    out[10] = 0;
    out[11] = 0;
    out[12] = 0;
    out[13] = optLen === 0 ? 0 : 1;
    for (let i = 12; i < qEnd; i++) out[i + 2] = msg[i]!;
    if (optLen !== 0) this.writeOpt(qEnd + 2, rcode >> 4);
    const typeIndex = this.qOk ? QUERY_TYPE_INDEX[this.qtype]! : OTHER_TYPE;
    this.stats.queries[(typeIndex * TRANSPORTS + transport) * RCODES + rcodeIndex(rcode)]!++;
    return qEnd + optLen;
  }

  /** OPT RR: root owner, our UDP size, extended RCODE, version 0, DO copied from the query. */
  private writeOpt(p: number, extRcode: number): void {
    const out = this.out;
    out[p] = 0;
    out[p + 1] = 0;
    out[p + 2] = RRType.OPT;
    out[p + 3] = this.udpPayload >> 8;
    out[p + 4] = this.udpPayload & 0xff;
    out[p + 5] = extRcode;
    out[p + 6] = 0;
    out[p + 7] = this.optDo;
    out[p + 8] = 0;
    out[p + 9] = 0;
    out[p + 10] = 0;
  }
}

/** FNV-1a over `msg[start, end)` with ASCII letters lower-cased (same hash as {@link wireHash}). */
function hashLower(msg: Uint8Array, start: number, end: number): number {
  let h = FNV_OFFSET;
  for (let i = start; i < end; i++) {
    let c = msg[i]!;
    if (c >= 0x41 && c <= 0x5a) c |= 0x20;
    h = Math.imul(h ^ c, FNV_PRIME);
  }
  return h & 0x3fffffff;
}
