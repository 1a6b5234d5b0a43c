// Shared set-up of the LB benchmarks: free loopback ports, waiting for a listener, the LB's environment.
import net from 'node:net';
import { freePort } from '@scaleout/infra';

export { freePort };

export async function waitPort(port: number, ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((res) => {
      const s = net.connect({ host: '127.0.0.1', port }, () => {
        s.destroy();
        res(true);
      });
      s.on('error', () => res(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`port ${port} did not open`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Environment of the LB under test: plain HTTP on `port` in front of the two backends, no sticky
 * cookie, quiet logs, plus `BENCH_LB_ENV` (k=v;k=v).
 */
export async function lbEnv(port: number, b1: number, b2: number): Promise<Record<string, string>> {
  const extra = Object.fromEntries(
    (process.env.BENCH_LB_ENV ?? '')
      .split(';')
      .filter(Boolean)
      .map((kv) => kv.split('=', 2) as [string, string]),
  );
  return {
    LB_INSTANCE: 'bench-lb',
    LB_HOST: '127.0.0.1',
    LB_HTTP_PORT: String(port),
    LB_HTTPS: 'false',
    LB_ADMIN_PORT: String(await freePort()),
    LB_SERVERS: `b1=127.0.0.1:${b1},b2=127.0.0.1:${b2}`,
    LB_STICKY: 'false',
    LB_CHECK_PATH: '/healthz',
    LB_LOG_LEVEL: 'warn',
    NODE_ENV: 'development',
    ...extra,
  };
}
