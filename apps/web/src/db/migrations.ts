import type { Logger } from '@scaleout/service';
import type { Database, SessionRunner } from './database.js';

/** One schema change: statements written to be safe to re-run (IF NOT EXISTS), applied in `version` order. */
export interface Migration {
  version: number;
  name: string;
  statements: string[];
}

/** The schema. Never edit an applied migration; add a new one. Ids come from AUTO_INCREMENT with increment 2 on the master pair. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'products',
    statements: [
      `CREATE TABLE IF NOT EXISTS products (
        id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
        sku VARCHAR(32) NOT NULL,
        name VARCHAR(200) NOT NULL,
        description TEXT NOT NULL,
        price_cents INT UNSIGNED NOT NULL,
        stock INT UNSIGNED NOT NULL,
        updated_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
        UNIQUE KEY uq_products_sku (sku),
        KEY ix_products_name (name)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
    ],
  },
  {
    version: 2,
    name: 'users',
    statements: [
      `CREATE TABLE IF NOT EXISTS users (
        id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
        username VARCHAR(32) NOT NULL,
        password_hash VARCHAR(255) NOT NULL,
        created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        UNIQUE KEY uq_users_username (username)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
    ],
  },
  {
    version: 3,
    name: 'orders',
    statements: [
      `CREATE TABLE IF NOT EXISTS orders (
        id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
        user_id BIGINT UNSIGNED NOT NULL,
        idempotency_key VARCHAR(64) NOT NULL,
        total_cents BIGINT UNSIGNED NOT NULL DEFAULT 0,
        item_count INT UNSIGNED NOT NULL DEFAULT 0,
        created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        UNIQUE KEY uq_orders_idempotency (user_id, idempotency_key),
        KEY ix_orders_user (user_id, id),
        CONSTRAINT fk_orders_user FOREIGN KEY (user_id) REFERENCES users (id)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
      `CREATE TABLE IF NOT EXISTS order_lines (
        order_id BIGINT UNSIGNED NOT NULL,
        product_id BIGINT UNSIGNED NOT NULL,
        name VARCHAR(200) NOT NULL,
        quantity INT UNSIGNED NOT NULL,
        price_cents INT UNSIGNED NOT NULL,
        PRIMARY KEY (order_id, product_id),
        KEY ix_order_lines_product (product_id),
        CONSTRAINT fk_order_lines_order FOREIGN KEY (order_id) REFERENCES orders (id),
        CONSTRAINT fk_order_lines_product FOREIGN KEY (product_id) REFERENCES products (id)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
    ],
  },
];

/** Name of the MariaDB user lock held while migrating and seeding (GET_LOCK). */
export const MIGRATION_LOCK = 'scaleout_web_migrations';

export interface MigrateOptions {
  /** Longest wait for the lock (another replica migrating), ms. */
  lockTimeoutMs: number;
  logger?: Logger;
  /** Runs under the same lock after the schema is current (the seed). */
  afterMigrations?: (run: SessionRunner) => Promise<void>;
  migrations?: readonly Migration[];
}

/**
 * Brings the schema up to date. Several replicas may start at once: each takes the MariaDB user lock
 * `scaleout_web_migrations` (GET_LOCK on one connection; through db-proxy that pins the session to the
 * writer), reads `schema_migrations`, applies what is missing in order and records it with INSERT
 * IGNORE (version is the primary key), then releases the lock. Statements are idempotent, so a replica
 * that died half-way leaves nothing that a re-run cannot finish. Returns the versions it applied.
 */
export async function runMigrations(db: Database, options: MigrateOptions): Promise<number[]> {
  const migrations = [...(options.migrations ?? MIGRATIONS)].sort((a, b) => a.version - b.version);
  return db.session(async (run) => {
    const waitSeconds = Math.max(1, Math.ceil(options.lockTimeoutMs / 1000));
    const got = (await run('SELECT GET_LOCK(?, ?) AS got', [MIGRATION_LOCK, waitSeconds], {
      timeoutMs: options.lockTimeoutMs + 5000,
    })) as { got: number | null }[];
    if (got[0]?.got !== 1) throw new Error(`could not take the migration lock ${MIGRATION_LOCK} within ${waitSeconds} s`);
    try {
      await run(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version INT UNSIGNED NOT NULL PRIMARY KEY,
        name VARCHAR(100) NOT NULL,
        applied_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`);
      const rows = (await run('SELECT version FROM schema_migrations')) as { version: number }[];
      const done = new Set(rows.map((r) => Number(r.version)));
      const applied: number[] = [];
      for (const m of migrations) {
        if (done.has(m.version)) continue;
        options.logger?.info({ version: m.version, name: m.name }, 'applying migration');
        for (const sql of m.statements) await run(sql, [], { timeoutMs: 300_000 });
        await run('INSERT IGNORE INTO schema_migrations (version, name) VALUES (?, ?)', [m.version, m.name]);
        applied.push(m.version);
      }
      if (options.afterMigrations) await options.afterMigrations(run);
      return applied;
    } finally {
      await run('SELECT RELEASE_LOCK(?)', [MIGRATION_LOCK]).catch(() => undefined);
    }
  });
}
