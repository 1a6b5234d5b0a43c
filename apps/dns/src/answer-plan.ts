import { Rcode, RRType } from './dns-constants.js';
import type { RecordData } from './record-data.js';
import { WireWriter } from './wire-writer.js';
import type { AnswerPlan } from './answer-plan-types.js';
import type { NameNode, RRset, Zone, ZoneSet } from './zone-set.js';

const EMPTY = new Uint8Array(0);

/** REFUSED: a name outside every zone we serve (AA clear, question echoed, nothing else). */
export const REFUSED_PLAN: AnswerPlan = {
  rcode: Rcode.REFUSED,
  aa: false,
  an: 0,
  ns: 0,
  prefix: EMPTY,
  rot: null,
  views: null,
  firstIds: null,
};

const MAX_CHAIN = 8;

/** The answer to `qtype` at an existing name (positive, CNAME chain, or NODATA with the SOA). */
export function planForNode(set: ZoneSet, node: NameNode, qtype: number): AnswerPlan {
  const w = new WireWriter(12 + node.name.wire.length + 4);
  w.seedName(node.name, 12);
  if (qtype === RRType.ANY) {
    // RFC 8482: answer ANY with one RRset rather than everything at the name.
    const rs = pickForAny(node);
    return rs ? positive(w, 0, rs, set.maxAnswers) : negative(w, 0, node.zone, Rcode.NOERROR);
  }
  let cur = node;
  let an = 0;
  const visited = new Set<NameNode>([node]);
  while (qtype !== RRType.CNAME) {
    const cname = cur.rrsets.get(RRType.CNAME);
    if (!cname) break;
    const data = cname.records[0]!.data as Extract<RecordData, { type: 'CNAME' }>;
    w.record(cur.name, cname.ttl, data);
    an++;
    const next = set.node(data.target);
    if (!next) {
      // RFC 6604: the RCODE describes the last name of the chain.
      const zone = set.zoneFor(data.target);
      return zone ? negative(w, an, zone, Rcode.NXDOMAIN) : done(w, an, 0, Rcode.NOERROR);
    }
    if (visited.has(next) || visited.size > MAX_CHAIN) return done(w, an, 0, Rcode.NOERROR);
    visited.add(next);
    cur = next;
  }
  const rs = cur.rrsets.get(qtype);
  return rs ? positive(w, an, rs, set.maxAnswers) : negative(w, an, cur.zone, Rcode.NOERROR);
}

/** NXDOMAIN for a name below `zone`'s apex, which sits `apexOffset` bytes into the query name. */
export function nxdomainPlan(zone: Zone, apexOffset: number): AnswerPlan {
  const w = new WireWriter(12 + apexOffset + zone.origin.wire.length + 4);
  w.seedName(zone.origin, 12 + apexOffset);
  return negative(w, 0, zone, Rcode.NXDOMAIN);
}

function pickForAny(node: NameNode): RRset | undefined {
  const order = [RRType.CNAME, RRType.A, RRType.AAAA];
  for (const t of order) {
    const rs = node.rrsets.get(t);
    if (rs) return rs;
  }
  return [...node.rrsets.values()].sort((a, b) => a.type - b.type)[0];
}

function done(w: WireWriter, an: number, ns: number, rcode: number): AnswerPlan {
  return { rcode, aa: true, an, ns, prefix: w.toBuffer(), rot: null, views: null, firstIds: null };
}

/** RFC 2308: negative answers carry the zone SOA in authority, TTL min(SOA TTL, SOA MINIMUM). */
function negative(w: WireWriter, an: number, zone: Zone, rcode: number): AnswerPlan {
  const soa = zone.soa;
  const data = soa.data as Extract<RecordData, { type: 'SOA' }>;
  w.record(zone.origin, Math.min(soa.rrset.ttl, data.minimum), data);
  return done(w, an, 1, rcode);
}

function positive(w: WireWriter, an: number, rs: RRset, maxAnswers: number): AnswerPlan {
  const active = rs.active;
  const rotating = rs.isAddressSet || active.length > 1;
  if (!rotating) {
    for (const r of active) w.record(rs.node.name, rs.ttl, r.data);
    return done(w, an + active.length, 0, Rcode.NOERROR);
  }
  const n = active.length;
  const m = rs.isAddressSet && maxAnswers > 0 ? Math.min(maxAnswers, n) : n;
  // Each record is encoded on its own: its position moves with the rotation, so nothing inside it
  // may become a compression target; it may point only at the question and the prefix.
  const encoded = active.map((r) => {
    const rw = w.continueAt();
    rw.remember = false;
    rw.record(rs.node.name, rs.ttl, r.data);
    return rw.toBuffer();
  });
  const doubled = Buffer.concat([...encoded, ...encoded]);
  const offsets = new Array<number>(2 * n + 1);
  offsets[0] = 0;
  for (let i = 0; i < 2 * n; i++) offsets[i + 1] = offsets[i]! + encoded[i % n]!.length;
  const views: Uint8Array[] = [];
  const firstIds = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    views.push(doubled.subarray(offsets[i]!, offsets[i + m]!));
    firstIds[i] = active[i]!.id;
  }
  return { rcode: Rcode.NOERROR, aa: true, an: an + m, ns: 0, prefix: w.toBuffer(), rot: rs, views, firstIds };
}
