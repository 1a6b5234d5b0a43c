// Helper of bench/web/run.ts: starts MariaDB (database shop, user app/app, auto_increment_increment=2)
// and one memcached with @scaleout/testing, prints `{"db":"host:port","memcached":"host:port","pids":[…]}`
// on one line, and stops both when stdin closes or on SIGTERM/SIGINT.
import { startBackingServices } from '../test/support/backing-services.js';

const deps = await startBackingServices({ memcached: 1 });
process.stdout.write(
  `${JSON.stringify({ db: deps.dbAddress, memcached: deps.memcachedAddresses[0], pids: [deps.db.pid, ...deps.memcached.map((m) => m.pid)] })}\n`,
);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await deps.stop().catch(() => undefined);
  process.exit(0);
};
process.stdin.resume();
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
