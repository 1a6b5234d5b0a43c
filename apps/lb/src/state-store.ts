import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { AdminState, ServerSpec } from './backend-server.js';

/** What the admin API changed, per pool: replayed at start so that changes survive a restart. */
export interface PoolState {
  /** Servers added through the API. */
  added: ServerSpec[];
  /** Names of configured or discovered servers removed through the API. */
  removed: string[];
  /** State and weight set through the API, by server name. */
  servers: Record<string, { state?: AdminState; weight?: number }>;
}

export interface PersistedState {
  version: 1;
  pools: Record<string, PoolState>;
}

export const emptyState = (): PersistedState => ({ version: 1, pools: {} });

/**
 * The LB's state file (`LB_STATE_FILE`): JSON, written atomically (temporary file + rename) after
 * every admin change. Without a file the state lives in memory only.
 */
export class StateStore {
  state: PersistedState;

  constructor(readonly file: string | undefined) {
    this.state = file ? StateStore.read(file) : emptyState();
  }

  static read(file: string): PersistedState {
    let raw: string;
    try {
      raw = readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return emptyState();
      throw err;
    }
    const parsed = JSON.parse(raw) as Partial<PersistedState>;
    if (parsed.version !== 1 || typeof parsed.pools !== 'object' || parsed.pools === null) {
      throw new Error(`state file ${file} is not a version 1 LB state file`);
    }
    return parsed as PersistedState;
  }

  pool(name: string): PoolState {
    return (this.state.pools[name] ??= { added: [], removed: [], servers: {} });
  }

  save(): void {
    if (!this.file) return;
    mkdirSync(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.state, null, 2) + '\n', { mode: 0o600 });
    renameSync(tmp, this.file);
  }
}
