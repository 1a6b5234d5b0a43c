import type { WriterEpoch } from './writer-epoch.js';

/** What the writer agreement needs to know about one server (in configured preference order). */
export interface WriterCandidate {
  name: string;
  /** Healthy per the monitor (not yet failed `fall` checks in a row). */
  up: boolean;
  /** `@@global.read_only` from the latest check; undefined when never reached. */
  readOnly: boolean | undefined;
  serverId?: number;
  /** Newest promotion record stored on this server. */
  epoch?: WriterEpoch;
}

export interface WriterDecision {
  /** The agreed writer, or undefined when no healthy server is writable. */
  writer: string | undefined;
  /** Healthy servers that are writable but are not the writer: they must be fenced (read_only=ON). */
  fence: string[];
  /** The newest promotion epoch seen on any healthy server (0 when none). */
  epoch: number;
  reason: string;
}

/**
 * The writer agreement rule every proxy applies to the same observations, so that all proxies pick the
 * same writer without talking to each other:
 *
 * 1. `read_only` is the truth: the writer is the healthy server with `read_only=OFF`.
 * 2. When several healthy servers are writable (fresh servers, a crashed writer restarted without
 *    `--read-only`), the newest promotion record (highest epoch, read from every healthy server) names
 *    the writer; without records, the first in the configured order wins. The others must be fenced.
 * 3. When no healthy server is writable there is no writer (writes wait; failover or election decides).
 */
export function decideWriter(servers: readonly WriterCandidate[]): WriterDecision {
  let newest: WriterEpoch | undefined;
  for (const s of servers) {
    if (!s.up || !s.epoch) continue;
    if (!newest || s.epoch.epoch > newest.epoch) newest = s.epoch;
  }
  const epoch = newest?.epoch ?? 0;
  const writable = servers.filter((s) => s.up && s.readOnly === false);
  if (writable.length === 0) return { writer: undefined, fence: [], epoch, reason: 'no healthy writable server' };
  if (writable.length === 1) return { writer: writable[0]!.name, fence: [], epoch, reason: 'the only healthy writable server' };
  const byRecord = newest ? writable.find((s) => s.serverId !== undefined && s.serverId === newest.serverId) : undefined;
  const writer = byRecord ?? writable[0]!;
  return {
    writer: writer.name,
    fence: writable.filter((s) => s !== writer).map((s) => s.name),
    epoch,
    reason: byRecord
      ? `several writable servers: promotion epoch ${newest!.epoch} names server_id ${newest!.serverId}`
      : 'several writable servers and no promotion record for them: first in configured order',
  };
}
