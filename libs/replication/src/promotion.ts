import type { Connection } from 'mysql2/promise';
import { label, queryRows, withAdmin, type ServerEndpoint } from './connect.js';
import { GtidPosition } from './gtid.js';
import { replicateFrom, waitReplicating } from './master-master.js';
import { ReplicationError } from './replication-error.js';
import { readServerState, readSlaveStatus } from './server-state.js';
import { recordWriterEpoch } from './writer-epoch.js';

/** Fences a server: `SET GLOBAL read_only = ON` (accounts without READ_ONLY ADMIN can no longer write). */
export async function fenceServer(e: ServerEndpoint): Promise<void> {
  await withAdmin(e, (c) => c.query('SET GLOBAL read_only = ON'));
}

/** Records the promotion (binlogged epoch row) and makes the server writable. */
export async function promoteServer(e: ServerEndpoint, epoch: number, kind: string): Promise<{ recorded: boolean }> {
  return withAdmin(e, async (c) => {
    const recorded = await recordWriterEpoch(c, epoch, kind);
    await c.query('SET GLOBAL read_only = OFF');
    return { recorded };
  });
}

/** `MASTER_GTID_WAIT` on `c` for `pos`: true when reached within `timeoutMs`. */
async function gtidWait(c: Connection, pos: GtidPosition, timeoutMs: number): Promise<boolean> {
  const [row] = await queryRows<{ r: number | string | null }>(c, 'SELECT MASTER_GTID_WAIT(?, ?) AS r', [
    pos.toString(),
    Math.max(0.001, timeoutMs / 1000),
  ]);
  return Number(row?.r) === 0;
}

/**
 * Waits until the server has applied every transaction its replica I/O thread received (relay log
 * drained), using MASTER_GTID_WAIT on the received position minus the server's own domain. Returns the
 * position waited for. Throws REPL_ERR_APPLY_TIMEOUT when the SQL thread does not get there in time.
 */
export async function waitReceivedApplied(c: Connection, name: string, timeoutMs: number): Promise<GtidPosition> {
  const state = await readServerState(c);
  const slave = await readSlaveStatus(c);
  if (!slave) return GtidPosition.EMPTY;
  const target = slave.gtidIoPos.withoutDomains([state.gtidDomainId]).notIn(state.gtidBinlogPos);
  if (target.isEmpty) return target;
  if (!(await gtidWait(c, target, timeoutMs))) {
    const after = await readSlaveStatus(c);
    throw new ReplicationError(
      'REPL_ERR_APPLY_TIMEOUT',
      `${name} did not apply its relay log up to ${target} within ${timeoutMs} ms` +
        (after?.lastSqlError ? ` (SQL thread: ${after.lastSqlError})` : ''),
    );
  }
  return target;
}

/**
 * Waits until `to` has applied and committed every transaction in `from`'s binlog. The wait is
 * MASTER_GTID_WAIT on `to` (it follows gtid_slave_pos, which changes together with the commit), for
 * `from`'s binlog position minus `to`'s own domain; a binlog position alone can run ahead of what a
 * query sees on a replica. Throws REPL_ERR_NOT_CAUGHT_UP on timeout.
 */
export async function waitContains(from: ServerEndpoint, to: ServerEndpoint, timeoutMs: number): Promise<GtidPosition> {
  const target = (await withAdmin(from, readServerState)).gtidBinlogPos;
  return withAdmin(to, async (c) => {
    const own = await readServerState(c);
    const wait = target.withoutDomains([own.gtidDomainId]).notIn(own.gtidSlavePos);
    if (!wait.isEmpty) {
      if (!(await gtidWait(c, wait, timeoutMs))) {
        const s = await readServerState(c);
        throw new ReplicationError(
          'REPL_ERR_NOT_CAUGHT_UP',
          `${label(to)} (${s.gtidCurrentPos}) did not reach ${label(from)}'s position ${target} within ${timeoutMs} ms`,
        );
      }
    }
    const after = await readServerState(c);
    if (!after.gtidCurrentPos.contains(target.withoutDomains([after.gtidDomainId]))) {
      throw new ReplicationError('REPL_ERR_NOT_CAUGHT_UP', `${label(to)} (${after.gtidCurrentPos}) does not contain ${target}`);
    }
    return target;
  });
}

export interface FailoverOptions {
  /** Next promotion epoch (one more than the newest seen). */
  epoch: number;
  /** How long the candidate may take to apply its relay log. Default 10 s. */
  applyTimeoutMs?: number;
}

export interface FailoverResult {
  promoted: string;
  /** Position the candidate applied before promotion (what it had received from the dead writer). */
  applied: string;
  /** The old writer was reachable and is now read_only (usually false: it is dead). */
  fenced: boolean;
  recorded: boolean;
}

/**
 * Promotes `candidate` after its writer `dead` failed: verifies the peer really lost the writer (its
 * replica I/O thread is not connected), stops the I/O thread, lets the SQL thread apply everything
 * received (with semi-sync AFTER_SYNC that includes every commit a client saw acknowledged), stops
 * replication from the dead server (so nothing it may still hold flows in automatically), records the
 * promotion and sets read_only=OFF. Then tries to fence the old writer. The caller holds the control lock.
 */
export async function failover(dead: ServerEndpoint, candidate: ServerEndpoint, options: FailoverOptions): Promise<FailoverResult> {
  const name = label(candidate);
  const applied = await withAdmin(candidate, async (c) => {
    const state = await readServerState(c);
    if (!state.readOnly) throw new ReplicationError('REPL_ERR_ALREADY_WRITER', `${name} is already writable`);
    const slave = await readSlaveStatus(c);
    if (slave && slave.ioRunning === 'Yes') {
      throw new ReplicationError(
        'REPL_ERR_WRITER_ALIVE',
        `${name} is still connected to ${label(dead)} as a replica: the writer is not confirmed dead`,
      );
    }
    if (slave) await c.query('STOP SLAVE IO_THREAD');
    const pos = await waitReceivedApplied(c, name, options.applyTimeoutMs ?? 10_000);
    if (slave) await c.query('STOP SLAVE');
    return pos;
  });
  const { recorded } = await promoteServer(candidate, options.epoch, 'failover');
  let fenced = false;
  try {
    await fenceServer({ ...dead, connectTimeoutMs: 500 });
    fenced = true;
  } catch {
    // dead or unreachable: the monitor fences it when it comes back
  }
  return { promoted: name, applied: applied.toString(), fenced, recorded };
}

export interface SwitchoverOptions {
  epoch: number;
  /** How long `to` may take to catch up with the fenced writer. Default 10 s. */
  catchUpTimeoutMs?: number;
  /** Runs before the writer is fenced (a proxy stops sending new writes and drains transactions). */
  beforeFence?(): Promise<void>;
}

export interface SwitchoverResult {
  from: string;
  to: string;
  /** The fenced writer's final position, which `to` had applied before it was promoted. */
  position: string;
  recorded: boolean;
}

/**
 * Planned writer change with no lost writes: check `to` replicates from `from`, fence `from`
 * (read_only=ON), wait until `to` has every transaction of `from`'s binlog, promote `to`. Replication
 * keeps running both ways (the old writer becomes a replica of the new one). On a catch-up timeout the
 * old writer is made writable again and the error is thrown. The caller holds the control lock.
 */
export async function switchover(from: ServerEndpoint, to: ServerEndpoint, options: SwitchoverOptions): Promise<SwitchoverResult> {
  const toSlave = await withAdmin(to, readSlaveStatus);
  if (!toSlave || toSlave.ioRunning !== 'Yes' || toSlave.sqlRunning !== 'Yes') {
    throw new ReplicationError(
      'REPL_ERR_NOT_REPLICATING',
      `${label(to)} does not replicate from ${label(from)} (io=${toSlave?.ioRunning ?? 'none'} sql=${toSlave?.sqlRunning ?? 'none'})`,
    );
  }
  await options.beforeFence?.();
  await fenceServer(from);
  let position: GtidPosition;
  try {
    position = await waitContains(from, to, options.catchUpTimeoutMs ?? 10_000);
  } catch (err) {
    await withAdmin(from, (c) => c.query('SET GLOBAL read_only = OFF'));
    throw err;
  }
  const { recorded } = await promoteServer(to, options.epoch, 'switchover');
  return { from: label(from), to: label(to), position: position.toString(), recorded };
}

export interface RejoinOptions {
  /** Rejoin even when the server holds transactions the writer does not have (they will replicate to it). */
  force?: boolean;
  /** Replication account, used only when a server must be re-pointed (CHANGE MASTER). Default repl/repl. */
  repl?: { user: string; password: string };
  timeoutMs?: number;
}

export interface RejoinResult {
  server: string;
  writer: string;
  /** Transactions the rejoined server had that the writer did not (applied to the writer when forced). */
  extraTransactions: string;
}

/**
 * Brings a fenced former writer back into the master-master pair without making it a writer: keeps it
 * read_only, makes it replicate from the writer, refuses (REPL_ERR_DIVERGED) when it holds transactions
 * the writer lacks unless forced, then restarts the writer's replication from it.
 */
export async function rejoin(server: ServerEndpoint, writer: ServerEndpoint, options: RejoinOptions = {}): Promise<RejoinResult> {
  const repl = options.repl ?? { user: 'repl', password: 'repl' };
  await fenceServer(server);
  const [ss, ws] = await Promise.all([withAdmin(server, readServerState), withAdmin(writer, readServerState)]);
  const extra = ss.gtidBinlogPos.notIn(ws.gtidBinlogPos);
  if (!extra.isEmpty && !options.force) {
    throw new ReplicationError(
      'REPL_ERR_DIVERGED',
      `${label(server)} has transactions the writer ${label(writer)} lacks (${extra}); rejoin with force to replicate them to the writer`,
    );
  }
  await ensureReplicating(server, writer, repl);
  await ensureReplicating(writer, server, repl);
  await waitReplicating(server, options.timeoutMs ?? 15_000);
  await waitReplicating(writer, options.timeoutMs ?? 15_000);
  return { server: label(server), writer: label(writer), extraTransactions: extra.toString() };
}

async function ensureReplicating(replica: ServerEndpoint, master: ServerEndpoint, repl: { user: string; password: string }): Promise<void> {
  await withAdmin(replica, async (c) => {
    const s = await readSlaveStatus(c);
    if (!s || s.masterHost !== master.host || s.masterPort !== master.port) {
      await replicateFrom(c, { ...master, socketPath: undefined }, { repl });
      return;
    }
    if (s.ioRunning !== 'Yes' || s.sqlRunning !== 'Yes') await c.query('START SLAVE');
  });
}

