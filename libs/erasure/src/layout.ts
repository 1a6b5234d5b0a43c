import { ErasureError } from './erasure-error.js';

/** A storage level: the RAID names or general Reed-Solomon `ec:K+M`. */
export type LevelName = 'raid0' | 'raid1' | 'raid5' | 'raid6' | 'raid10' | `ec:${number}+${number}`;

/**
 * How one object is spread over an erasure set of `drives` drives: `dataShards` data shards and
 * `parityShards` Reed-Solomon parity shards, each stored `copies` times (copies > 1 only for the
 * mirrored levels), one shard copy per drive.
 */
export interface Layout {
  level: LevelName;
  drives: number;
  dataShards: number;
  parityShards: number;
  copies: number;
  /** Shard copies written per object ((data + parity) × copies). */
  placements: number;
  /**
   * Durable shard copies needed before a write is acknowledged: dataShards + 1 (one more than a read
   * needs, so a single further drive loss cannot lose an acknowledged object), capped at `placements`
   * (raid0 has no spare: all of its shards).
   */
  writeQuorum: number;
  /** Distinct shard indices a read needs. */
  readQuorum: number;
  /** Drive losses every object survives whatever drives fail. */
  tolerates: number;
}

const LEVEL_RE = /^(raid0|raid1|raid5|raid6|raid10|ec:(\d{1,3})\+(\d{1,3}))$/;

export function isLevelName(s: string): s is LevelName {
  return LEVEL_RE.test(s);
}

/** The layout of `level` over `drives` drives; throws ERASURE_ERR_BAD_PARAMS when it does not fit. */
export function layoutFor(level: string, drives: number): Layout {
  const m = LEVEL_RE.exec(level);
  if (!m) throw new ErasureError('ERASURE_ERR_BAD_PARAMS', `unknown level "${level}" (raid0, raid1, raid5, raid6, raid10 or ec:K+M)`);
  if (!Number.isInteger(drives) || drives < 1) throw new ErasureError('ERASURE_ERR_BAD_PARAMS', `drives must be >= 1, got ${drives}`);
  const need = (min: number, what: string) => {
    if (drives < min) throw new ErasureError('ERASURE_ERR_BAD_PARAMS', `${level} needs ${what}, the set has ${drives} drives`);
  };
  let k: number;
  let p: number;
  let copies = 1;
  let tolerates: number;
  switch (m[1]) {
    case 'raid0':
      k = drives;
      p = 0;
      tolerates = 0;
      break;
    case 'raid1':
      need(2, 'at least 2 drives');
      k = 1;
      p = 0;
      copies = drives;
      tolerates = drives - 1;
      break;
    case 'raid5':
      need(3, 'at least 3 drives');
      k = drives - 1;
      p = 1;
      tolerates = 1;
      break;
    case 'raid6':
      need(4, 'at least 4 drives');
      k = drives - 2;
      p = 2;
      tolerates = 2;
      break;
    case 'raid10':
      need(4, 'at least 4 drives');
      if (drives % 2 !== 0) throw new ErasureError('ERASURE_ERR_BAD_PARAMS', `raid10 needs an even number of drives, the set has ${drives}`);
      k = drives / 2;
      p = 0;
      copies = 2;
      tolerates = 1;
      break;
    default: {
      k = Number(m[2]);
      p = Number(m[3]);
      if (k < 1) throw new ErasureError('ERASURE_ERR_BAD_PARAMS', `${level}: K must be >= 1`);
      need(k + p, `${k + p} drives`);
      tolerates = p;
    }
  }
  const placements = (k + p) * copies;
  return {
    level: level as LevelName,
    drives,
    dataShards: k,
    parityShards: p,
    copies,
    placements,
    writeQuorum: Math.min(k + 1, placements),
    readQuorum: k,
    tolerates,
  };
}

/** One shard copy of an object: shard `shard` on set drive `drive`. */
export interface Placement {
  shard: number;
  drive: number;
}

/**
 * Where an object's shard copies go: placement i holds shard floor(i / copies) on drive
 * order[(offset + i) mod drives]. `order` lists the set's drives so that neighbours sit on different
 * servers (server-interleaved), which puts raid10's two copies of a shard on two servers;
 * `offset` (from a hash of the object's name) spreads objects' parity over all drives.
 */
export function placementsFor(layout: Layout, offset: number, order: readonly number[]): Placement[] {
  if (order.length !== layout.drives) throw new ErasureError('ERASURE_ERR_BAD_PARAMS', `order has ${order.length} drives, layout ${layout.drives}`);
  const out: Placement[] = [];
  for (let i = 0; i < layout.placements; i++) {
    out.push({ shard: Math.floor(i / layout.copies), drive: order[(offset + i) % layout.drives]! });
  }
  return out;
}

/** True when the durable copies (their shard indices) meet the layout's write quorum. */
export function meetsWriteQuorum(layout: Layout, durableShards: readonly number[]): boolean {
  return durableShards.length >= layout.writeQuorum && new Set(durableShards).size >= layout.dataShards;
}
