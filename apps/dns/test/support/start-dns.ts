// Test helpers: the DNS service in-process on free ports, or as a real process.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createLogger, loadConfig } from '@scaleout/service';
import { dnsConfigSpec, startDnsService, type DnsService } from '../../src/index.js';

export const TOKEN = 'test-admin-token';

/** Starts the service in this process with `DNS_*` variables (ports default to 0: free ports). */
export async function startTestDns(env: Record<string, string>): Promise<DnsService> {
  const config = loadConfig('DNS', dnsConfigSpec, {
    env: { DNS_PORT: '0', DNS_ADMIN_PORT: '0', DNS_INSTANCE: 'dns-test', DNS_LOG_LEVEL: 'silent', ...env },
  });
  const logger = createLogger({ service: 'dns', instance: 'dns-test', level: config.logLevel });
  return startDnsService(config, { logger, adminToken: TOKEN });
}

export interface DnsProcess {
  child: ChildProcess;
  port: number;
  adminPort: number;
  /** stdout lines so far (JSON logs). */
  lines: string[];
  /** SIGTERM, then resolves with the exit code. */
  stop(): Promise<number | null>;
}

const serverPath = fileURLToPath(new URL('../../src/server.ts', import.meta.url));
const appDir = fileURLToPath(new URL('../../', import.meta.url));
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

/** Starts `node --import tsx src/server.ts` with the given environment; resolves once it listens. */
export function startDnsProcess(env: Record<string, string>, timeoutMs = 30_000): Promise<DnsProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', serverPath], {
      cwd: appDir,
      env: { ...process.env, DNS_PORT: '0', DNS_ADMIN_PORT: '0', DNS_INSTANCE: 'dns-proc', SCALEOUT_ADMIN_TOKEN: TOKEN, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    live.add(child);
    const lines: string[] = [];
    let stderr = '';
    let pending = '';
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => {
      live.delete(child);
      r(code);
    }));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`dns did not start within ${timeoutMs} ms: ${stderr}${lines.join('\n')}`));
    }, timeoutMs);
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      pending += d.toString();
      const parts = pending.split('\n');
      pending = parts.pop()!;
      for (const line of parts) {
        lines.push(line);
        try {
          const rec = JSON.parse(line) as { msg?: string; udp?: string; admin?: string };
          if (rec.msg === 'dns listening') {
            clearTimeout(timer);
            resolve({
              child,
              port: Number(rec.udp!.split(':').pop()),
              adminPort: Number(rec.admin!.split(':').pop()),
              lines,
              stop: async () => {
                if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
                return exited;
              },
            });
          }
        } catch {
          // not JSON
        }
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`dns exited with ${code} before listening: ${stderr}${lines.join('\n')}`));
    });
  });
}
