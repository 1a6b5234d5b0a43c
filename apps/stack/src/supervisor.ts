import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ActiveChecker } from '@scaleout/health';
import { spawnDaemon, waitReady, tailOf, type DaemonSpec, type RunningDaemon } from '@scaleout/infra';
import type { Logger } from '@scaleout/service';
import type { InstanceState, InstanceStatus } from './instance-status.js';
import type { InstanceSpec, ServiceName, ServiceSpec } from './stack-spec.js';
import { StackError } from './stack-error.js';

const BACKOFF_MIN_MS = 1000;
const BACKOFF_MAX_MS = 30_000;
/** A run this long resets the crash back-off. */
const STABLE_AFTER_MS = 30_000;

interface Managed {
  spec: InstanceSpec;
  state: InstanceState;
  daemon?: RunningDaemon;
  daemonSpec?: DaemonSpec;
  checker?: ActiveChecker;
  restarts: number;
  backoffMs: number;
  startedAt?: number;
  restartTimer?: NodeJS.Timeout;
  lastError?: string;
  /** Set when we stop or kill it on purpose, so its exit is not a crash. */
  expectedExit: boolean;
  /** Serialises operations on one instance. */
  op: Promise<unknown>;
}

export interface SupervisorEvents {
  state: [InstanceStatus];
}

/**
 * Runs the instances of a stack as child processes: starts services level by level, each instance
 * gated on readiness; watches health; restarts crashed instances with back-off unless they were killed
 * on purpose; pauses, resumes, restarts, scales and stops them on request.
 */
export class Supervisor extends EventEmitter<SupervisorEvents> {
  readonly #services: ServiceSpec[];
  readonly #logs: string;
  readonly #log: Logger;
  readonly #managed = new Map<string, Managed>();
  #stopping = false;

  constructor(services: ServiceSpec[], options: { logsDir: string; logger: Logger }) {
    super();
    this.#services = services.filter((s) => s.enabled());
    this.#logs = options.logsDir;
    this.#log = options.logger;
    mkdirSync(this.#logs, { recursive: true });
  }

  get services(): ServiceSpec[] {
    return this.#services;
  }

  /** Starts every enabled service in level order; throws when an instance cannot start. */
  async up(counts: Partial<Record<ServiceName, number>> = {}): Promise<void> {
    const levels = [...new Set(this.#services.map((s) => s.level))].sort((a, b) => a - b);
    for (const level of levels) {
      const group = this.#services.filter((s) => s.level === level);
      await Promise.all(
        group.map(async (svc) => {
          const instances = svc.instances(counts[svc.service]);
          await Promise.all(instances.map((i) => this.#startNew(i)));
          if (svc.afterReady) await svc.afterReady(instances);
        }),
      );
      if (this.#stopping) return;
    }
  }

  status(): InstanceStatus[] {
    return [...this.#managed.values()].map((m) => this.#statusOf(m));
  }

  /** The spec of every managed instance (addresses, metrics targets, admin URLs). */
  specs(): InstanceSpec[] {
    return [...this.#managed.values()].map((m) => m.spec);
  }

  get(name: string): InstanceStatus | undefined {
    const m = this.#managed.get(name);
    return m && this.#statusOf(m);
  }

  logFile(name: string): string {
    return join(this.#logs, `${name}.log`);
  }

  /** SIGKILL on purpose: reported as killed, not restarted. */
  kill(name: string): Promise<InstanceStatus> {
    return this.#serial(name, async (m) => {
      this.#clearRestart(m);
      if (!m.daemon || !this.#alive(m)) {
        this.#set(m, 'killed');
        return;
      }
      m.expectedExit = true;
      m.daemon.kill('SIGKILL');
      await m.daemon.exited;
      this.#set(m, 'killed');
    });
  }

  /** SIGSTOP: the process keeps its sockets but answers nothing. */
  pause(name: string): Promise<InstanceStatus> {
    return this.#serial(name, async (m) => {
      if (!m.daemon || !this.#alive(m)) throw new StackError('STACK_ERR_NOT_RUNNING', `${name} is not running`);
      m.daemon.kill('SIGSTOP');
      this.#set(m, 'paused');
    });
  }

  resume(name: string): Promise<InstanceStatus> {
    return this.#serial(name, async (m) => {
      if (m.state !== 'paused' || !m.daemon) throw new StackError('STACK_ERR_NOT_PAUSED', `${name} is not paused`);
      m.daemon.kill('SIGCONT');
      this.#set(m, 'running');
    });
  }

  /**
   * Graceful stop (if running), then start again gated on readiness. `env` is added to the instance's
   * environment from then on (the power-user scenario changes an LB's balancing policy this way).
   */
  restart(name: string, options: { env?: Record<string, string> } = {}): Promise<InstanceStatus> {
    return this.#serial(name, async (m) => {
      this.#clearRestart(m);
      await this.#stopOne(m, 'stopped');
      if (options.env) {
        const d = m.daemonSpec ?? m.spec.daemon();
        m.daemonSpec = { ...d, env: { ...d.env, ...options.env } };
      }
      await this.#launch(m);
    });
  }

  /** Stops on purpose (graceful); not restarted. */
  stop(name: string): Promise<InstanceStatus> {
    return this.#serial(name, (m) => this.#stopOne(m, 'stopped'));
  }

  /** Sets the instance count of a scalable service: starts new instances or stops the highest-numbered. */
  async scale(service: ServiceName, count: number): Promise<InstanceStatus[]> {
    const svc = this.#services.find((s) => s.service === service);
    if (!svc) throw new StackError('STACK_ERR_UNKNOWN_SERVICE', `no service ${service} in this stack`);
    if (!svc.scalable) throw new StackError('STACK_ERR_NOT_SCALABLE', `${service} is not scalable`);
    const wanted = svc.instances(count);
    const wantedNames = new Set(wanted.map((i) => i.name));
    const current = [...this.#managed.values()].filter((m) => m.spec.service === service);
    const added = wanted.filter((i) => !this.#managed.has(i.name));
    await Promise.all(added.map((i) => this.#startNew(i)));
    if (added.length && svc.afterAdd) await svc.afterAdd(added);
    const removed = current.filter((m) => !wantedNames.has(m.spec.name));
    if (removed.length && svc.beforeRemove) await svc.beforeRemove(removed.map((m) => m.spec));
    await Promise.all(
      removed.map(async (m) => {
        await this.#serial(m.spec.name, (x) => this.#stopOne(x, 'stopped'));
        this.#managed.delete(m.spec.name);
      }),
    );
    return this.status().filter((s) => s.service === service);
  }

  /** Stops everything in reverse level order. */
  async down(): Promise<void> {
    this.#stopping = true;
    const levels = [...new Set(this.#services.map((s) => s.level))].sort((a, b) => b - a);
    for (const level of levels) {
      const names = [...this.#managed.values()].filter((m) => this.#levelOf(m.spec.service) === level).map((m) => m.spec.name);
      await Promise.all(names.map((n) => this.#serial(n, (m) => this.#stopOne(m, 'stopped')).catch(() => undefined)));
    }
  }

  #levelOf(service: ServiceName): number {
    return this.#services.find((s) => s.service === service)?.level ?? 0;
  }

  async #startNew(spec: InstanceSpec): Promise<void> {
    const m: Managed = { spec, state: 'starting', restarts: 0, backoffMs: BACKOFF_MIN_MS, expectedExit: false, op: Promise.resolve() };
    this.#managed.set(spec.name, m);
    await this.#serial(spec.name, (x) => this.#launch(x));
  }

  async #launch(m: Managed): Promise<void> {
    if (this.#stopping) return;
    const logFile = this.logFile(m.spec.name);
    m.expectedExit = false;
    m.lastError = undefined;
    this.#set(m, 'starting');
    let daemonSpec: DaemonSpec;
    try {
      daemonSpec = m.daemonSpec ?? m.spec.daemon();
      m.daemonSpec = daemonSpec;
    } catch (err) {
      m.lastError = err instanceof Error ? err.message : String(err);
      this.#set(m, 'failed');
      throw err;
    }
    const daemon = spawnDaemon(daemonSpec, { logFile });
    m.daemon = daemon;
    m.startedAt = Date.now();
    this.#log.info({ instance: m.spec.name, pid: daemon.pid }, 'started process');
    void daemon.exited.then((info) => this.#onExit(m, daemon, info.code, info.signal));
    try {
      await waitReady(daemonSpec.ready, {
        timeoutMs: daemonSpec.readyTimeoutMs ?? 30_000,
        exited: daemon.exited,
        what: m.spec.name,
        logTail: () => tailOf(m.spec.errorLog ?? logFile),
      });
    } catch (err) {
      m.lastError = err instanceof Error ? err.message : String(err);
      m.expectedExit = true;
      await daemon.stop();
      this.#set(m, 'failed');
      throw err;
    }
    this.#watchHealth(m, daemonSpec);
    this.#set(m, 'running');
  }

  #watchHealth(m: Managed, spec: DaemonSpec): void {
    m.checker?.stop();
    const checker = new ActiveChecker({
      name: m.spec.name,
      probe: async (signal) => {
        await spec.ready(signal);
      },
      interval: 2000,
      fastInterval: 1000,
      timeout: 1500,
      rise: 1,
      fall: 2,
      initialState: 'up',
    });
    checker.on('change', (e) => {
      this.#log.info({ instance: m.spec.name, from: e.from, to: e.to, reason: e.reason }, 'health changed');
      this.emit('state', this.#statusOf(m));
    });
    m.checker = checker.start();
  }

  #onExit(m: Managed, daemon: RunningDaemon, code: number | null, signal: NodeJS.Signals | null): void {
    if (m.daemon !== daemon) return; // an older process of this instance
    m.checker?.stop();
    if (m.expectedExit || this.#stopping) return;
    if (m.state === 'starting') return; // #launch reports the failure
    m.lastError = `exited unexpectedly (code ${code}, signal ${signal})`;
    this.#log.warn({ instance: m.spec.name, code, signal }, 'instance crashed');
    this.#set(m, 'crashed');
    this.#scheduleRestart(m);
  }

  /** Restarts a crashed instance after its back-off; a failed restart schedules the next one. */
  #scheduleRestart(m: Managed): void {
    const ranFor = Date.now() - (m.startedAt ?? 0);
    if (ranFor > STABLE_AFTER_MS) m.backoffMs = BACKOFF_MIN_MS;
    const delay = m.backoffMs;
    m.backoffMs = Math.min(m.backoffMs * 2, BACKOFF_MAX_MS);
    m.restartTimer = setTimeout(() => {
      m.restartTimer = undefined;
      m.restarts += 1;
      this.#serial(m.spec.name, async (x) => {
        if (x.state === 'crashed') await this.#launch(x);
      }).catch((err: unknown) => {
        this.#log.error({ instance: m.spec.name, err }, 'restart failed');
        if (!this.#stopping && m.state === 'failed') {
          this.#set(m, 'crashed');
          this.#scheduleRestart(m);
        }
      });
    }, delay);
    m.restartTimer.unref();
  }

  async #stopOne(m: Managed, final: InstanceState): Promise<void> {
    this.#clearRestart(m);
    m.checker?.stop();
    if (m.daemon && this.#alive(m)) {
      m.expectedExit = true;
      await m.daemon.stop();
    }
    this.#set(m, final);
  }

  #clearRestart(m: Managed): void {
    if (m.restartTimer) clearTimeout(m.restartTimer);
    m.restartTimer = undefined;
  }

  #alive(m: Managed): boolean {
    const c = m.daemon?.child;
    return !!c && c.exitCode === null && c.signalCode === null;
  }

  #serial(name: string, fn: (m: Managed) => Promise<void>): Promise<InstanceStatus> {
    const m = this.#managed.get(name);
    if (!m) return Promise.reject(new StackError('STACK_ERR_UNKNOWN_INSTANCE', `no instance named ${name}`));
    const next = m.op.catch(() => undefined).then(() => fn(m));
    m.op = next;
    return next.then(() => this.#statusOf(m));
  }

  #set(m: Managed, state: InstanceState): void {
    if (m.state === state) return;
    m.state = state;
    this.emit('state', this.#statusOf(m));
  }

  #statusOf(m: Managed): InstanceStatus {
    const alive = this.#alive(m);
    const s: InstanceStatus = {
      name: m.spec.name,
      service: m.spec.service,
      address: m.spec.address,
      pid: alive ? (m.daemon?.pid ?? null) : null,
      state: m.state,
      healthy: m.state === 'running' && alive && (m.checker?.isUp ?? false),
      restarts: m.restarts,
    };
    if (m.lastError) s.lastError = m.lastError;
    return s;
  }
}
