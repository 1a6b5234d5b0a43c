// The Docker engine and Compose as the tests reach them: the docker CLI, and Compose v2 (the
// `docker compose` plugin) when installed, else the standalone v1 `docker-compose` (Debian's 1.29).
import { execFile, spawnSync } from 'node:child_process';

/** Thrown when no Docker engine answers; the message says how to start one. */
export class DockerUnavailableError extends Error {
  readonly code = 'DOCKER_TESTS_NO_ENGINE';
}

/** Thrown when neither Compose v2 nor docker-compose v1 is installed. */
export class ComposeUnavailableError extends Error {
  readonly code = 'DOCKER_TESTS_NO_COMPOSE';
}

export interface RunResult {
  stdout: string;
  stderr: string;
}

/** Runs a command; rejects with its stderr when it exits non-zero. */
export function run(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { env: options.env ?? process.env, cwd: options.cwd, timeout: options.timeoutMs ?? 300_000, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) {
          reject(new Error(`${command} ${args.join(' ')} failed: ${String(stderr).trim() || err.message}`));
          return;
        }
        resolve({ stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

/** The engine's version; throws {@link DockerUnavailableError} with instructions when none answers. */
export function requireDockerEngine(): string {
  const res = spawnSync('docker', ['version', '--format', '{{.Server.Version}}'], { encoding: 'utf8', timeout: 30_000 });
  if (res.error && (res.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new DockerUnavailableError('the docker CLI is not installed: apt-get install docker.io docker-compose (see compose/README.md)');
  }
  const version = res.stdout?.trim();
  if (res.status !== 0 || !version) {
    throw new DockerUnavailableError(
      'no Docker engine answers (`docker version` failed: ' +
        `${(res.stderr ?? '').trim().split('\n').pop() || 'no output'}). ` +
        'Start one with `compose/scripts/dockerd-up.sh` (stop it with dockerd-down.sh), then build the images ' +
        'with `compose/scripts/build-offline.sh` or `compose/scripts/build-images.sh`.',
    );
  }
  return version;
}

export interface ComposeCli {
  /** Executable and leading arguments: `docker compose` or `docker-compose`. */
  command: string;
  prefix: string[];
  version: string;
  /** Compose v2 (container names `project-service-1`) or v1 (`project_service_1`). */
  v2: boolean;
}

let composeCache: ComposeCli | undefined;

/** Compose v2 when the plugin is installed, else docker-compose v1. */
export function composeCli(): ComposeCli {
  if (composeCache) return composeCache;
  const v2 = spawnSync('docker', ['compose', 'version', '--short'], { encoding: 'utf8' });
  if (v2.status === 0 && v2.stdout.trim()) {
    composeCache = { command: 'docker', prefix: ['compose'], version: v2.stdout.trim(), v2: true };
    return composeCache;
  }
  const v1 = spawnSync('docker-compose', ['version', '--short'], { encoding: 'utf8' });
  if (v1.status === 0 && v1.stdout.trim()) {
    const version = v1.stdout.trim();
    composeCache = { command: 'docker-compose', prefix: [], version, v2: !version.startsWith('1.') };
    return composeCache;
  }
  throw new ComposeUnavailableError('neither `docker compose` (v2 plugin) nor `docker-compose` is installed: apt-get install docker-compose');
}

/** True when an image exists in the engine. */
export function imageExists(image: string): boolean {
  return spawnSync('docker', ['image', 'inspect', '--format', '{{.Id}}', image], { encoding: 'utf8' }).status === 0;
}
