import { RRType } from './dns-constants.js';
import { DomainName } from './domain-name.js';
import { NotFoundError, RecordExistsError, ZoneDataError } from './errors.js';
import type { IpAddress } from './ip-address.js';
import { recordDataText, sameRecordData, type RecordData } from './record-data.js';
import type { RecordSpec } from './record-spec.js';
import { smoothWeightedOrder } from './smooth-weighted-order.js';
import type { ZoneSource } from './zone-file.js';
import type { AnswerPlan } from './answer-plan-types.js';

/** Health of an address as the DNS server sees it; `unchecked` addresses have no check and count as up. */
export type AddressHealth = 'up' | 'down' | 'unchecked';

/** An address that appears in A/AAAA records: its health, drain flag and the records that use it. */
export class AddressEntry {
  readonly ip: IpAddress;
  /** The resolved check spec (`{addr}` substituted), or undefined. */
  check: string | undefined;
  health: AddressHealth;
  drained = false;
  readonly records = new Set<ZoneRecord>();

  constructor(ip: IpAddress, check: string | undefined) {
    this.ip = ip;
    this.check = check;
    this.health = check === undefined ? 'unchecked' : 'up';
  }

  /** In rotation: not drained and not failing its check. */
  get eligible(): boolean {
    return !this.drained && this.health !== 'down';
  }
}

/** One resource record of a zone. */
export class ZoneRecord {
  readonly id: number;
  readonly rrset: RRset;
  readonly ttl: number;
  readonly data: RecordData;
  readonly weight: number;
  readonly address: AddressEntry | undefined;

  constructor(id: number, rrset: RRset, ttl: number, data: RecordData, weight: number, address: AddressEntry | undefined) {
    this.id = id;
    this.rrset = rrset;
    this.ttl = ttl;
    this.data = data;
    this.weight = weight;
    this.address = address;
  }

  get name(): DomainName {
    return this.rrset.node.name;
  }
}

/**
 * The records of one name and type, and their rotation state: `active` are the records answered now
 * (healthy and not drained, or all of them when failing open), `next` is the per-RRset counter that
 * picks the rotation offset of the next answer, `seq` the weighted order of first positions.
 */
export class RRset {
  readonly id: number;
  readonly node: NameNode;
  readonly type: number;
  records: ZoneRecord[] = [];
  ttl = 0;
  active: ZoneRecord[] = [];
  /** Slot → index into `active` of the record placed first; null when every weight is equal. */
  seq: Int32Array | null = null;
  slots = 0;
  next = 0;
  failOpen = false;

  constructor(id: number, node: NameNode, type: number) {
    this.id = id;
    this.node = node;
    this.type = type;
  }

  get isAddressSet(): boolean {
    return this.type === RRType.A || this.type === RRType.AAAA;
  }
}

/** A name that exists in a zone (possibly an empty non-terminal), keyed by its lower-cased wire form. */
export class NameNode {
  readonly name: DomainName;
  readonly zone: Zone;
  readonly lower: Uint8Array;
  readonly hash: number;
  readonly rrsets = new Map<number, RRset>();
  /** Answer plans by qtype, valid while `plansGeneration` equals the zone set's generation. */
  readonly plans = new Map<number, AnswerPlan>();
  plansGeneration = -1;
  /** Next node with the same hash (collision chain). */
  nextSameHash: NameNode | undefined;

  constructor(name: DomainName, zone: Zone) {
    this.name = name;
    this.zone = zone;
    this.lower = name.lowerWire;
    this.hash = wireHash(name.lowerWire, 0, name.lowerWire.length);
  }

  get isEmpty(): boolean {
    return this.rrsets.size === 0;
  }
}

/** A zone: apex, SOA and serial, plus cached NXDOMAIN plans by the offset of the apex in the query name. */
export class Zone {
  readonly origin: DomainName;
  readonly hash: number;
  apex!: NameNode;
  readonly nxPlans = new Map<number, AnswerPlan>();
  nxGeneration = -1;
  nextSameHash: Zone | undefined;

  constructor(origin: DomainName) {
    this.origin = origin;
    this.hash = wireHash(origin.lowerWire, 0, origin.lowerWire.length);
  }

  get soa(): ZoneRecord {
    return this.apex.rrsets.get(RRType.SOA)!.records[0]!;
  }

  get serial(): number {
    return (this.soa.data as Extract<RecordData, { type: 'SOA' }>).serial;
  }
}

/**
 * FNV-1a over bytes that are already lower case, reduced to 30 bits so it stays a small integer (a
 * V8 Smi) as a Map key. The query path computes the same hash while lower-casing the question name.
 */
export function wireHash(bytes: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return h & 0x3fffffff;
}

export interface ZoneSetOptions {
  /** Most A/AAAA records in one answer (0 = all). */
  maxAnswers?: number;
  /** Turns a record's `check=` text into the address's check spec (substitutes `{addr}`, validates). */
  resolveCheck?: (check: string, ip: IpAddress) => string;
}

/** What changed, for listeners (health binding, metrics, logs). */
export interface ZoneSetEvents {
  /** An address appeared in a record, or got its first check: (re)bind its health check. */
  addressAdded?(entry: AddressEntry): void;
  addressRemoved?(entry: AddressEntry): void;
  /** An address RRset started (`active` true) or stopped failing open. */
  failOpen?(rrset: RRset, active: boolean): void;
}

/** A record as shown by the admin API. */
export interface RecordView {
  name: string;
  type: string;
  ttl: number;
  value: string;
  weight?: number;
  health?: AddressHealth;
  drained?: boolean;
  inRotation?: boolean;
}

/**
 * All served zones and the indexes the query path needs: names by hash of their lower-cased wire form,
 * zones by hash of their apex, addresses with health and drain state. Every change bumps `generation`,
 * which invalidates cached answer plans.
 */
export class ZoneSet {
  readonly zones: Zone[] = [];
  readonly addresses = new Map<string, AddressEntry>();
  generation = 0;
  readonly maxAnswers: number;
  readonly #resolveCheck: (check: string, ip: IpAddress) => string;
  readonly #nodes = new Map<string, NameNode>();
  readonly #byHash = new Map<number, NameNode>();
  readonly #zonesByHash = new Map<number, Zone>();
  #nextRecordId = 0;
  #nextRRsetId = 0;
  events: ZoneSetEvents = {};

  constructor(sources: readonly ZoneSource[], options: ZoneSetOptions = {}) {
    this.maxAnswers = options.maxAnswers ?? 0;
    this.#resolveCheck = options.resolveCheck ?? ((c) => c);
    const seen = new Set<string>();
    for (const src of sources) {
      if (seen.has(src.origin.key)) throw new ZoneDataError(`zone ${src.origin.toString()} is configured twice`);
      seen.add(src.origin.key);
    }
    // Zones first (deepest wins for each name), then records.
    for (const src of sources) {
      const zone = new Zone(src.origin);
      this.zones.push(zone);
      const bucket = this.#zonesByHash.get(zone.hash);
      zone.nextSameHash = bucket;
      this.#zonesByHash.set(zone.hash, zone);
    }
    for (const src of sources) {
      const zone = this.zoneFor(src.origin)!;
      zone.apex = this.#ensureNode(src.origin, zone);
      for (const spec of src.records) {
        const owner = this.zoneFor(spec.name);
        if (owner !== zone) {
          throw new ZoneDataError(`${spec.name.toString()} belongs to zone ${owner?.origin.toString()}, not ${zone.origin.toString()}`);
        }
        this.#addRecord(spec, zone);
      }
    }
    for (const zone of this.zones) this.#validateZone(zone);
    for (const node of this.#nodes.values()) for (const rrset of node.rrsets.values()) this.#recompute(rrset);
  }

  /** Number of records in all zones. */
  get recordCount(): number {
    let n = 0;
    for (const node of this.#nodes.values()) for (const rs of node.rrsets.values()) n += rs.records.length;
    return n;
  }

  /** The deepest zone containing `name`. */
  zoneFor(name: DomainName): Zone | undefined {
    let best: Zone | undefined;
    for (const z of this.zones) if (name.isWithin(z.origin) && (!best || z.origin.labelCount > best.origin.labelCount)) best = z;
    return best;
  }

  node(name: DomainName): NameNode | undefined {
    return this.#nodes.get(name.key);
  }

  /** Nodes in name order per zone (for listings). */
  nodes(): NameNode[] {
    return [...this.#nodes.values()];
  }

  /**
   * Query path: the node whose lower-cased wire name equals `msg[start, start+len)` lower-cased, given
   * its hash. The caller hashes while lower-casing; this compares case-insensitively without copying.
   */
  lookup(hash: number, msg: Uint8Array, start: number, len: number): NameNode | undefined {
    let node = this.#byHash.get(hash);
    while (node !== undefined) {
      if (node.lower.length === len && equalsLower(node.lower, msg, start)) return node;
      node = node.nextSameHash;
    }
    return undefined;
  }

  /** Query path: the zone whose apex is `msg[start, start+len)` (case-insensitive). */
  lookupZone(hash: number, msg: Uint8Array, start: number, len: number): Zone | undefined {
    let zone = this.#zonesByHash.get(hash);
    while (zone !== undefined) {
      const lower = zone.origin.lowerWire;
      if (lower.length === len && equalsLower(lower, msg, start)) return zone;
      zone = zone.nextSameHash;
    }
    return undefined;
  }

  // ---- changes (admin API and health checks) ----

  /** Adds an A/AAAA record; bumps the zone serial. */
  addAddressRecord(spec: RecordSpec): ZoneRecord {
    if (spec.data.type !== 'A' && spec.data.type !== 'AAAA') throw new ZoneDataError('only A and AAAA records can be added at run time');
    const zone = this.zoneFor(spec.name);
    if (!zone) throw new NotFoundError(`${spec.name.toString()} is in none of the served zones`);
    if (this.#nodes.get(spec.name.key)?.rrsets.has(RRType.CNAME)) {
      throw new ZoneDataError(`${spec.name.toString()} has a CNAME; it cannot also have addresses (RFC 1034 §3.6.2)`);
    }
    const record = this.#addRecord(spec, zone);
    this.#recompute(record.rrset);
    this.#bumpSerial(zone);
    return record;
  }

  /** Removes the A/AAAA record of `name` with address `ip`; bumps the zone serial. */
  removeAddressRecord(name: DomainName, ip: string): ZoneRecord {
    const node = this.#nodes.get(name.key);
    const entry = this.addresses.get(ip);
    const record = entry && [...entry.records].find((r) => r.rrset.node === node);
    if (!node || !entry || !record) throw new NotFoundError(`no A/AAAA record ${name.toDisplay()} → ${ip}`);
    const rrset = record.rrset;
    rrset.records = rrset.records.filter((r) => r !== record);
    entry.records.delete(record);
    if (entry.records.size === 0) {
      this.addresses.delete(ip);
      this.events.addressRemoved?.(entry);
    }
    if (rrset.records.length === 0) {
      node.rrsets.delete(rrset.type);
      if (rrset.failOpen) this.events.failOpen?.(rrset, false);
      this.#pruneNode(node);
    } else {
      this.#recompute(rrset);
    }
    this.#bumpSerial(node.zone);
    return record;
  }

  /** Drains (takes out of every answer) or re-enables an address; bumps the serial of the zones using it. */
  setDrained(ip: string, drained: boolean): AddressEntry {
    const entry = this.addresses.get(ip);
    if (!entry) throw new NotFoundError(`address ${ip} is in no record`);
    if (entry.drained === drained) return entry;
    entry.drained = drained;
    const zones = new Set<Zone>();
    for (const r of entry.records) {
      this.#recompute(r.rrset);
      zones.add(r.rrset.node.zone);
    }
    for (const z of zones) this.#bumpSerial(z);
    return entry;
  }

  /** Health check result for an address (no serial change: zone data is unchanged). */
  setHealth(ip: string, health: AddressHealth): void {
    const entry = this.addresses.get(ip);
    if (!entry || entry.health === health) return;
    entry.health = health;
    for (const r of entry.records) this.#recompute(r.rrset);
    this.generation++;
  }

  /** Records for the admin API, optionally only those of one name. */
  list(name?: DomainName): RecordView[] {
    const out: RecordView[] = [];
    const nodes = name ? [this.#nodes.get(name.key)].filter((n): n is NameNode => n !== undefined) : [...this.#nodes.values()];
    for (const node of nodes) {
      for (const rs of node.rrsets.values()) {
        for (const r of rs.records) {
          const v: RecordView = { name: node.name.toDisplay(), type: r.data.type, ttl: rs.ttl, value: recordDataText(r.data) };
          if (r.address) {
            v.weight = r.weight;
            v.health = r.address.health;
            v.drained = r.address.drained;
            v.inRotation = rs.active.includes(r);
          }
          out.push(v);
        }
      }
    }
    return out;
  }

  // ---- internals ----

  #ensureNode(name: DomainName, zone: Zone): NameNode {
    const existing = this.#nodes.get(name.key);
    if (existing) return existing;
    const node = new NameNode(name, zone);
    this.#nodes.set(name.key, node);
    node.nextSameHash = this.#byHash.get(node.hash);
    this.#byHash.set(node.hash, node);
    // Empty non-terminals between the name and the apex exist too (RFC 8020: NODATA, not NXDOMAIN).
    if (!name.equals(zone.origin)) this.#ensureNode(name.parent(), zone);
    return node;
  }

  #pruneNode(node: NameNode): void {
    if (!node.isEmpty || node === node.zone.apex) return;
    for (const other of this.#nodes.values()) if (other !== node && other.name.isWithin(node.name)) return;
    this.#nodes.delete(node.name.key);
    let head = this.#byHash.get(node.hash);
    if (head === node) {
      if (node.nextSameHash) this.#byHash.set(node.hash, node.nextSameHash);
      else this.#byHash.delete(node.hash);
    } else {
      while (head && head.nextSameHash !== node) head = head.nextSameHash;
      if (head) head.nextSameHash = node.nextSameHash;
    }
    const parent = this.#nodes.get(node.name.parent().key);
    if (parent) this.#pruneNode(parent);
  }

  #addRecord(spec: RecordSpec, zone: Zone): ZoneRecord {
    const type = RRType[spec.data.type];
    // Validate everything before touching the indexes, so a refused record leaves no trace.
    const existingNode = this.#nodes.get(spec.name.key);
    if (existingNode?.rrsets.get(type)?.records.some((r) => sameRecordData(r.data, spec.data))) {
      throw new RecordExistsError(`${spec.name.toDisplay()} ${spec.data.type} ${recordDataText(spec.data)} already exists`);
    }
    let ip: IpAddress | undefined;
    let check: string | undefined;
    if (spec.data.type === 'A' || spec.data.type === 'AAAA') {
      ip = spec.data.ip;
      check = spec.check === undefined ? undefined : this.#resolveCheck(spec.check, ip);
      const known = this.addresses.get(ip.text);
      if (known && check !== undefined && known.check !== undefined && known.check !== check) {
        throw new ZoneDataError(`address ${ip.text} has two different checks: ${known.check} and ${check}`);
      }
    }
    const node = this.#ensureNode(spec.name, zone);
    let rrset = node.rrsets.get(type);
    if (!rrset) {
      rrset = new RRset(this.#nextRRsetId++, node, type);
      node.rrsets.set(type, rrset);
    }
    let address: AddressEntry | undefined;
    if (ip) {
      address = this.addresses.get(ip.text);
      if (!address) {
        address = new AddressEntry(ip, check);
        this.addresses.set(ip.text, address);
        this.events.addressAdded?.(address);
      } else if (check !== undefined && address.check === undefined) {
        address.check = check;
        address.health = 'up';
        this.events.addressAdded?.(address);
      }
    }
    const record = new ZoneRecord(this.#nextRecordId++, rrset, spec.ttl, spec.data, spec.weight, address);
    rrset.records.push(record);
    address?.records.add(record);
    return record;
  }

  #validateZone(zone: Zone): void {
    const apex = zone.apex;
    if (!apex.rrsets.has(RRType.SOA)) throw new ZoneDataError(`zone ${zone.origin.toString()} has no SOA record`);
    if (apex.rrsets.get(RRType.SOA)!.records.length !== 1) throw new ZoneDataError(`zone ${zone.origin.toString()} has more than one SOA record`);
    if (!apex.rrsets.has(RRType.NS)) throw new ZoneDataError(`zone ${zone.origin.toString()} has no NS record`);
    for (const node of this.#nodes.values()) if (node.zone === zone) this.#validateNode(node);
  }

  #validateNode(node: NameNode): void {
    const where = node.name.toString();
    const cname = node.rrsets.get(RRType.CNAME);
    if (cname && node.rrsets.size > 1) throw new ZoneDataError(`${where} has a CNAME and other data (RFC 1034 §3.6.2)`);
    if (cname && cname.records.length > 1) throw new ZoneDataError(`${where} has more than one CNAME`);
    if (node !== node.zone.apex) {
      if (node.rrsets.has(RRType.SOA)) throw new ZoneDataError(`${where}: SOA records belong at the zone apex only`);
      if (node.rrsets.has(RRType.NS)) throw new ZoneDataError(`${where}: NS below the apex would delegate; delegations are not supported`);
    }
  }

  /** Rebuilds the rotation state of an RRset after its records or their addresses changed. */
  #recompute(rrset: RRset): void {
    rrset.ttl = rrset.records.reduce((min, r) => Math.min(min, r.ttl), Number.MAX_SAFE_INTEGER);
    let active = rrset.records;
    let failOpen = false;
    if (rrset.isAddressSet) {
      const eligible = rrset.records.filter((r) => r.address!.eligible);
      if (eligible.length > 0) {
        active = eligible;
      } else {
        failOpen = true;
        const notDrained = rrset.records.filter((r) => !r.address!.drained);
        active = notDrained.length > 0 ? notDrained : rrset.records;
      }
    }
    rrset.active = active;
    const weighted = active.some((r) => r.weight !== active[0]!.weight);
    rrset.seq = weighted ? smoothWeightedOrder(active.map((r) => r.weight)) : null;
    rrset.slots = rrset.seq ? rrset.seq.length : Math.max(1, active.length);
    rrset.next = rrset.next % rrset.slots;
    if (failOpen !== rrset.failOpen) {
      rrset.failOpen = failOpen;
      this.events.failOpen?.(rrset, failOpen);
    }
    this.generation++;
  }

  #bumpSerial(zone: Zone): void {
    const soa = zone.soa;
    const data = soa.data as Extract<RecordData, { type: 'SOA' }>;
    // RFC 1982 serial arithmetic: adding 1 modulo 2^32 always moves forward.
    const next = { ...data, serial: (data.serial + 1) >>> 0 };
    const rrset = soa.rrset;
    const replaced = new ZoneRecord(soa.id, rrset, soa.ttl, next, 1, undefined);
    rrset.records = [replaced];
    rrset.active = rrset.records;
    this.generation++;
  }
}

/** `a` is already lower case; `b[start…]` is compared with ASCII letters folded. */
function equalsLower(a: Uint8Array, b: Uint8Array, start: number): boolean {
  for (let i = 0; i < a.length; i++) {
    let c = b[start + i]!;
    if (c >= 0x41 && c <= 0x5a) c |= 0x20;
    if (c !== a[i]) return false;
  }
  return true;
}
