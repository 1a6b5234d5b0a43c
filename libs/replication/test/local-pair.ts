// A master-master pair of real mariadbd processes for this library's own tests. (@scaleout/testing has
// startMariadbPair, but it depends on this library, so using it here would make a cycle.)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, mariadbPaths, mariadbSpec, prepareMariadbDataDir, startDaemon, type MariadbOptions, type RunningDaemon } from '@scaleout/infra';
import { setupMasterMaster, type NamedEndpoint, type ServerEndpoint } from '../src/index.js';

export interface LocalServer {
  name: string;
  root: ServerEndpoint;
  /** The admin account (what a proxy's controller uses). */
  admin: NamedEndpoint;
  /** The application account over TCP. */
  app: ServerEndpoint;
  daemon: RunningDaemon;
  kill(): void;
  restart(extraArgs?: string[]): Promise<void>;
}

export interface LocalPair {
  a: LocalServer;
  b: LocalServer;
  stop(): Promise<void>;
}

export const ADMIN = { user: 'scaleout', password: 'scaleout' };

const live = new Set<RunningDaemon>();
process.on('exit', () => {
  for (const d of live) d.kill('SIGKILL');
});

export async function startLocalPair(options: { semiSyncTimeoutMs?: number } = {}): Promise<LocalPair> {
  const dir = mkdtempSync(join(tmpdir(), 'scaleout-repl-'));
  const make = async (n: number): Promise<LocalServer> => {
    const name = `db${n}`;
    const host = '127.0.0.1';
    const port = await freePort(host);
    const opts: MariadbOptions = {
      name,
      baseDir: join(dir, name),
      host,
      port,
      serverId: n,
      gtidDomainId: n,
      semiSync: options.semiSyncTimeoutMs === undefined ? undefined : { timeoutMs: options.semiSyncTimeoutMs },
    };
    prepareMariadbDataDir(opts);
    const paths = mariadbPaths(opts.baseDir);
    const launch = async (extra: string[] = []) => {
      const d = await startDaemon(mariadbSpec({ ...opts, extraArgs: extra }), { errorLogFile: paths.errorLog });
      live.add(d);
      void d.exited.then(() => live.delete(d));
      return d;
    };
    const server: LocalServer = {
      name,
      root: { name, host, port, socketPath: paths.socket, user: 'root', password: '' },
      admin: { name, host, port, ...ADMIN },
      app: { name, host, port, user: 'app', password: 'app' },
      daemon: await launch(),
      kill: () => server.daemon.kill('SIGKILL'),
      async restart(extra) {
        await server.daemon.stop();
        server.daemon = await launch(extra);
      },
    };
    return server;
  };
  const [a, b] = await Promise.all([make(1), make(2)]);
  await setupMasterMaster({ ...a.root }, { ...b.root }, { admin: ADMIN });
  return {
    a,
    b,
    async stop() {
      await Promise.all([a.daemon.stop(), b.daemon.stop()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
