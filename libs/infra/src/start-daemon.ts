import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync, existsSync } from 'node:fs';
import { DaemonStartError } from './infra-error.js';
import type { ReadyProbe } from './probes.js';

/** How to run and check one daemon. */
export interface DaemonSpec {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  ready: ReadyProbe;
  /** How long the daemon may take to become ready. Default 30 s. */
  readyTimeoutMs?: number;
  /** Signal for a graceful stop. Default SIGTERM. */
  stopSignal?: NodeJS.Signals;
  /** Grace before SIGKILL. Default 15 s. */
  stopTimeoutMs?: number;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface RunningDaemon {
  readonly name: string;
  readonly pid: number;
  readonly child: ChildProcess;
  readonly exited: Promise<ExitInfo>;
  /** Graceful stop (stopSignal, then SIGKILL after stopTimeoutMs). Resolves when the process is gone. */
  stop(): Promise<ExitInfo>;
  /** Sends a signal (SIGKILL, SIGSTOP, SIGCONT, …). */
  kill(signal: NodeJS.Signals): void;
}

export interface StartDaemonOptions {
  /** Append stdout and stderr to this file (otherwise they are ignored). */
  logFile?: string;
  /** Include the tail of this file in start errors (e.g. mariadbd's error log). */
  errorLogFile?: string;
  /** Put the child in its own process group (so a terminal Ctrl-C does not reach it). Default true. */
  detached?: boolean;
}

/** Spawns a daemon and resolves once its readiness probe passes; rejects (and stops it) otherwise. */
export async function startDaemon(spec: DaemonSpec, options: StartDaemonOptions = {}): Promise<RunningDaemon> {
  const running = spawnDaemon(spec, options);
  try {
    await waitReady(spec.ready, {
      timeoutMs: spec.readyTimeoutMs ?? 30_000,
      exited: running.exited,
      what: spec.name,
      logTail: () => tailOf(options.errorLogFile ?? options.logFile),
    });
  } catch (err) {
    await running.stop();
    throw err;
  }
  return running;
}

/** Spawns without waiting for readiness. */
export function spawnDaemon(spec: DaemonSpec, options: StartDaemonOptions = {}): RunningDaemon {
  const fd = options.logFile ? openSync(options.logFile, 'a') : undefined;
  const child = spawn(spec.command, spec.args, {
    cwd: spec.cwd,
    env: spec.env ?? process.env,
    stdio: ['ignore', fd ?? 'ignore', fd ?? 'ignore'],
    detached: options.detached ?? true,
  });
  if (fd !== undefined) closeSync(fd);
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', () => resolve({ code: null, signal: null }));
  });
  let stopping: Promise<ExitInfo> | undefined;
  const daemon: RunningDaemon = {
    name: spec.name,
    pid: child.pid ?? -1,
    child,
    exited,
    kill(signal) {
      if (child.exitCode === null && child.signalCode === null) {
        try {
          child.kill(signal);
        } catch {
          // already gone
        }
      }
    },
    stop() {
      if (stopping) return stopping;
      stopping = (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return exited;
        daemon.kill('SIGCONT'); // a paused process cannot handle SIGTERM
        daemon.kill(spec.stopSignal ?? 'SIGTERM');
        const timer = setTimeout(() => daemon.kill('SIGKILL'), spec.stopTimeoutMs ?? 15_000);
        try {
          return await exited;
        } finally {
          clearTimeout(timer);
        }
      })();
      return stopping;
    },
  };
  return daemon;
}

export interface WaitReadyOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Fail fast when the process exits while we wait. */
  exited?: Promise<ExitInfo>;
  what?: string;
  logTail?: () => string;
}

/** Polls `probe` until it passes; rejects with the last error after `timeoutMs` or if the process exits. */
export async function waitReady(probe: ReadyProbe, options: WaitReadyOptions = {}): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  const what = options.what ?? 'daemon';
  let exitedInfo: ExitInfo | undefined;
  void options.exited?.then((info) => (exitedInfo = info));
  let lastError: unknown;
  for (;;) {
    if (exitedInfo) {
      throw new DaemonStartError(
        `${what} exited before it was ready (code ${exitedInfo.code}, signal ${exitedInfo.signal})${suffix(options.logTail?.())}`,
      );
    }
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), 2000);
    try {
      await probe(ac.signal);
      return;
    } catch (err) {
      lastError = err;
    } finally {
      clearTimeout(timer);
    }
    if (Date.now() > deadline) {
      const msg = lastError instanceof Error ? lastError.message : String(lastError);
      throw new DaemonStartError(`${what} was not ready after ${options.timeoutMs ?? 30_000} ms: ${msg}${suffix(options.logTail?.())}`, {
        cause: lastError,
      });
    }
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 100));
  }
}

function suffix(tail: string | undefined): string {
  return tail ? `\n--- last log lines ---\n${tail}` : '';
}

/** Last `lines` lines of a file, or '' when it does not exist. */
export function tailOf(file: string | undefined, lines = 15): string {
  if (!file || !existsSync(file)) return '';
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
