// MariaDB and memcached for web tests (real daemons from @scaleout/testing), prepared like the stack
// prepares them: database `shop`, user app/app, auto_increment_increment=2 (ids are never consecutive).
import { bootstrapServer, withAdmin } from '@scaleout/replication';
import { startMariadb, startMemcached, type TestMariadb, type TestMemcached } from '@scaleout/testing';

export interface BackingServices {
  db: TestMariadb;
  memcached: TestMemcached[];
  /** `host:port` of the database. */
  dbAddress: string;
  memcachedAddresses: string[];
  stop(): Promise<void>;
}

export async function startMariadbForShop(): Promise<TestMariadb> {
  const db = await startMariadb({ autoIncrementIncrement: 2, autoIncrementOffset: 1 });
  await withAdmin(db.root, (c) => bootstrapServer(c));
  return db;
}

export async function startBackingServices(options: { memcached?: number } = {}): Promise<BackingServices> {
  const [db, ...memcached] = await Promise.all([
    startMariadbForShop(),
    ...Array.from({ length: options.memcached ?? 2 }, () => startMemcached()),
  ]);
  return {
    db: db as TestMariadb,
    memcached: memcached as TestMemcached[],
    dbAddress: `${db!.host}:${db!.port}`,
    memcachedAddresses: (memcached as TestMemcached[]).map((m) => m.address),
    async stop() {
      await Promise.all([(db as TestMariadb).stop(), ...(memcached as TestMemcached[]).map((m) => m.stop())]);
    },
  };
}
