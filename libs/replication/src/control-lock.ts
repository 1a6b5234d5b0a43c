import type { Connection } from 'mysql2/promise';
import { connectAdmin, label, queryRows, type ServerEndpoint } from './connect.js';
import { ReplicationError } from './replication-error.js';

/** Name of the advisory lock that serialises replication-control actions between proxies. */
export const CONTROL_LOCK_NAME = 'scaleout_replication_control';

export interface ControlLock {
  /** Servers on which the lock is held. */
  readonly servers: string[];
  release(): Promise<void>;
}

export interface ControlLockOptions {
  name?: string;
  /** Seconds GET_LOCK waits on each server. Default 0 (fail at once when another proxy holds it). */
  waitSeconds?: number;
}

/**
 * Takes the control lock (GET_LOCK) on every reachable server, in the given order (the same order in
 * every proxy, so two proxies cannot deadlock). A server that cannot be reached is skipped: a dead
 * server holds no lock, and the survivors are exactly where a competing proxy would also lock. Throws
 * REPL_ERR_LOCK_BUSY when another session holds the lock on any reachable server, and
 * REPL_ERR_LOCK_NONE when no server could be reached. The lock lives as long as its connections: a
 * proxy that dies mid-operation releases it.
 */
export async function acquireControlLock(servers: readonly ServerEndpoint[], options: ControlLockOptions = {}): Promise<ControlLock> {
  const name = options.name ?? CONTROL_LOCK_NAME;
  const held: { e: ServerEndpoint; c: Connection }[] = [];
  const release = async () => {
    await Promise.all(
      held.map(async ({ c }) => {
        try {
          await c.query('SELECT RELEASE_LOCK(?)', [name]);
        } catch {
          // the connection is going away anyway
        } finally {
          c.destroy();
        }
      }),
    );
    held.length = 0;
  };
  for (const e of servers) {
    let c: Connection;
    try {
      c = await connectAdmin(e);
    } catch {
      continue;
    }
    try {
      const [row] = await queryRows<{ got: number | null }>(c, 'SELECT GET_LOCK(?, ?) AS got', [name, options.waitSeconds ?? 0]);
      if (Number(row?.got) !== 1) {
        c.destroy();
        await release();
        throw new ReplicationError('REPL_ERR_LOCK_BUSY', `control lock ${name} is held by another session on ${label(e)}`);
      }
      held.push({ e, c });
    } catch (err) {
      c.destroy();
      await release();
      if (err instanceof ReplicationError) throw err;
      throw new ReplicationError('REPL_ERR_LOCK_BUSY', `could not take control lock on ${label(e)}: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }
  if (held.length === 0) throw new ReplicationError('REPL_ERR_LOCK_NONE', 'control lock: no server reachable');
  return { servers: held.map(({ e }) => label(e)), release };
}
