// The compose stack under test: started with testcontainers' DockerComposeEnvironment (every
// container waited on through its compose health check), driven further (scale, kill, start, port)
// through the Compose CLI, since testcontainers has no scale operation.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { DockerComposeEnvironment, Wait, type StartedDockerComposeEnvironment } from 'testcontainers';
import { composeCli, imageExists, requireDockerEngine, run, type ComposeCli } from './docker-cli.js';
import { COMPOSE_DIR } from './stack-paths.js';

// Ryuk, testcontainers' clean-up container, comes from Docker Hub, which machines on the offline
// path cannot reach; the suites tear their stack down themselves. Set it to false to use Ryuk.
process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';

/** The compose override of the tests: loopback-only ephemeral ports for what the tests talk to. */
export const TEST_OVERRIDE = join(import.meta.dirname, '..', 'compose.test.yml');

export interface StackOptions {
  /** Distinguishes concurrent stacks (project name, subnet). */
  seed?: number;
  /** Startup budget of `up` and the health waits. Default 6 minutes. */
  startupTimeoutMs?: number;
  /** Told what happens (the suites print it). */
  log?: (line: string) => void;
}

const secret = () => randomBytes(24).toString('hex');

/**
 * Settings of a test stack: fresh secrets, its own /24 in the RFC 2544 range (198.18.0.0/15), fixed
 * LB addresses in it, and every published port on an ephemeral loopback port.
 */
export function testStackEnvironment(seed: number): Record<string, string> {
  const net = `198.18.${110 + (seed % 100)}`;
  return {
    SCALEOUT_SUBNET: `${net}.0/24`,
    SCALEOUT_DYNAMIC_RANGE: `${net}.128/25`,
    LB1_ADDR: `${net}.11`,
    LB2_ADDR: `${net}.12`,
    PUBLISH_ADDR: '127.0.0.1',
    LB1_HTTP_PORT: '0',
    LB1_HTTPS_PORT: '0',
    LB2_HTTP_PORT: '0',
    LB2_HTTPS_PORT: '0',
    PROMETHEUS_PORT: '0',
    GRAFANA_PORT: '0',
    // Grafana is not part of the tests (not available on the offline path).
    COMPOSE_PROFILES: '',
    SCALEOUT_ADMIN_TOKEN: secret(),
    SCALEOUT_DB_APP_PASSWORD: secret(),
    SCALEOUT_DB_REPL_PASSWORD: secret(),
    SCALEOUT_DB_ADMIN_PASSWORD: secret(),
    LB_COOKIE_SECRET: secret(),
    WEB_COOKIE_SECRET: secret(),
    GRAFANA_ADMIN_PASSWORD: secret(),
  };
}

export class ComposeStack {
  readonly project: string;
  readonly env: Record<string, string>;
  readonly cli: ComposeCli;
  readonly #started: StartedDockerComposeEnvironment;
  readonly #onSignal: (signal: NodeJS.Signals) => void;

  private constructor(
    project: string,
    env: Record<string, string>,
    cli: ComposeCli,
    started: StartedDockerComposeEnvironment,
    onSignal: (signal: NodeJS.Signals) => void,
  ) {
    this.project = project;
    this.env = env;
    this.cli = cli;
    this.#started = started;
    this.#onSignal = onSignal;
  }

  /**
   * Checks the engine, Compose and the images, then brings the whole stack up and waits until every
   * container's health check passes. Throws a message that says what to do when something is missing.
   */
  static async up(options: StackOptions = {}): Promise<ComposeStack> {
    const log = options.log ?? (() => {});
    const engine = requireDockerEngine();
    const cli = composeCli();
    const seed = options.seed ?? process.pid;
    // The owner's pid in the name lets a later run remove what a killed run left behind.
    const project = `${PROJECT_PREFIX}${process.pid}x${seed % 1000}`;
    const env = testStackEnvironment(seed);
    removeAbandonedStacks(log);
    log(`engine ${engine}, compose ${cli.version} (${cli.v2 ? 'v2 plugin' : 'standalone v1'}), project ${project}`);
    const missing = (await ComposeStack.images(env, cli)).filter((image) => !imageExists(image));
    if (missing.length > 0) {
      throw new Error(
        `missing images: ${missing.join(', ')}. Build them with compose/scripts/build-offline.sh (no registry needed) ` +
          'or compose/scripts/build-images.sh (official base images).',
      );
    }
    const timeout = options.startupTimeoutMs ?? 360_000;
    let environment = new DockerComposeEnvironment(COMPOSE_DIR, ['docker-compose.yml', TEST_OVERRIDE])
      .withProjectName(project)
      .withEnvironment(env)
      .withDefaultWaitStrategy(Wait.forHealthCheck())
      .withStartupTimeout(timeout)
      .withClientOptions({ commandOptions: ['--no-build'] });
    // Debian's docker-compose 1.29 is the standalone v1 binary; testcontainers calls `docker compose`
    // unless told to run the standalone executable.
    if (!cli.v2 || cli.command === 'docker-compose') environment = environment.withClientOptions({ executable: { standalone: true } });
    // A runner that times the suite out sends SIGTERM: take the stack down before exiting.
    const onSignal = (signal: NodeJS.Signals) => {
      downNow(project, cli, env);
      process.exit(signal === 'SIGINT' ? 130 : 143);
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
    try {
      const started = await environment.up();
      return new ComposeStack(project, env, cli, started, onSignal);
    } catch (err) {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      downNow(project, cli, env);
      throw err;
    }
  }

  /**
   * Every image the services of the active profiles use, with this environment (and compose/.env)
   * applied. Read from `compose config` (v1 prints the services of every profile, so profiles are
   * filtered here).
   */
  static async images(env: Record<string, string>, cli = composeCli()): Promise<string[]> {
    const { stdout } = await run(cli.command, [...cli.prefix, '-f', join(COMPOSE_DIR, 'docker-compose.yml'), 'config'], {
      cwd: COMPOSE_DIR,
      env: { ...process.env, ...env },
    });
    const active = new Set((env.COMPOSE_PROFILES ?? process.env.COMPOSE_PROFILES ?? '').split(',').filter(Boolean));
    return imagesOfActiveServices(stdout, active);
  }

  /** Runs a Compose command against this project. */
  async compose(...args: string[]): Promise<string> {
    const { stdout } = await run(
      this.cli.command,
      [...this.cli.prefix, '-p', this.project, '-f', join(COMPOSE_DIR, 'docker-compose.yml'), '-f', TEST_OVERRIDE, ...args],
      { cwd: COMPOSE_DIR, env: { ...process.env, ...this.env }, timeoutMs: 600_000 },
    );
    return stdout;
  }

  /** Container name of one instance of a service (v1: project_service_1, v2: project-service-1). */
  containerName(service: string, index = 1): string {
    return this.cli.v2 ? `${this.project}-${service}-${index}` : `${this.project}_${service}_${index}`;
  }

  /** The host port a container port is published on (`compose port`). */
  async hostPort(service: string, containerPort: number, protocol: 'tcp' | 'udp' = 'tcp'): Promise<number> {
    const out = (await this.compose('port', '--protocol', protocol, service, String(containerPort))).trim();
    const m = /:(\d+)$/.exec(out);
    if (!m) throw new Error(`${service}:${containerPort}/${protocol} is not published (compose port printed ${JSON.stringify(out)})`);
    return Number(m[1]);
  }

  /** Ids of the running containers of a service. */
  async containerIds(service: string): Promise<string[]> {
    return (await this.compose('ps', '-q', service)).split('\n').map((s) => s.trim()).filter(Boolean);
  }

  /** Health status of every container of the project: name → healthy / unhealthy / starting / (state). */
  async health(): Promise<Map<string, string>> {
    const ids = await this.compose('ps', '-q');
    const list = ids.split('\n').map((s) => s.trim()).filter(Boolean);
    const { stdout } = await run('docker', ['inspect', '--format', '{{.Name}} {{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}', ...list]);
    return new Map(stdout.trim().split('\n').map((l) => l.replace(/^\//, '').split(' ') as [string, string]));
  }

  /** `up -d --scale service=n` for that service only, leaving everything else as it is. */
  async scale(service: string, count: number): Promise<void> {
    await this.compose('up', '-d', '--no-deps', '--no-recreate', '--no-build', '--scale', `${service}=${count}`, service);
  }

  /** SIGKILL one container (docker kill: no restart by the restart policy). */
  async kill(service: string, index = 1): Promise<void> {
    await run('docker', ['kill', this.containerName(service, index)]);
  }

  /** Starts a stopped or killed container again. */
  async start(service: string, index = 1): Promise<void> {
    await run('docker', ['start', this.containerName(service, index)]);
  }

  /** Last lines of every container's log (for failure messages). */
  async logs(tail = 40, ...services: string[]): Promise<string> {
    return this.compose('logs', '--no-color', `--tail=${tail}`, ...services);
  }

  /** Stops and removes every container, network and volume of the project. */
  async down(): Promise<void> {
    await this.#started.down({ removeVolumes: true, timeout: 20_000 });
    process.off('SIGTERM', this.#onSignal);
    process.off('SIGINT', this.#onSignal);
  }
}

const PROJECT_PREFIX = 'scaleouttest';

/** Synchronous `compose down -v` of a project (signal handlers, failed starts). */
function downNow(project: string, cli: ComposeCli, env: Record<string, string>): void {
  spawnSync(cli.command, [...cli.prefix, '-p', project, '-f', join(COMPOSE_DIR, 'docker-compose.yml'), '-f', TEST_OVERRIDE, 'down', '-v', '-t', '5'], {
    cwd: COMPOSE_DIR,
    env: { ...process.env, ...env },
    stdio: 'ignore',
    timeout: 120_000,
  });
}

/**
 * Removes the containers, networks and volumes of test stacks whose owning process is gone (a run
 * killed before its clean-up). Stacks of live processes are left alone.
 */
export function removeAbandonedStacks(log: (line: string) => void = () => {}): void {
  const ps = spawnSync('docker', ['ps', '-a', '--filter', 'label=com.docker.compose.project', '--format', '{{.Label "com.docker.compose.project"}}'], { encoding: 'utf8' });
  const projects = new Set((ps.stdout ?? '').split('\n').filter((p) => p.startsWith(PROJECT_PREFIX)));
  for (const project of projects) {
    const pid = Number(/^scaleouttest(\d+)x/.exec(project)?.[1]);
    if (!Number.isInteger(pid) || pid <= 0) continue;
    try {
      process.kill(pid, 0);
      continue; // its owner still runs
    } catch {
      // owner gone
    }
    log(`removing the abandoned test stack ${project}`);
    const ids = spawnSync('docker', ['ps', '-aq', '--filter', `label=com.docker.compose.project=${project}`], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean);
    if (ids.length) spawnSync('docker', ['rm', '-f', '-v', ...ids], { stdio: 'ignore' });
    spawnSync('docker', ['network', 'rm', `${project}_default`, `${project}-default`], { stdio: 'ignore' });
    const volumes = spawnSync('docker', ['volume', 'ls', '-q', '--filter', `label=com.docker.compose.project=${project}`], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean);
    if (volumes.length) spawnSync('docker', ['volume', 'rm', ...volumes], { stdio: 'ignore' });
  }
}

/**
 * Images of the services in `compose config` output (normalised YAML: services at two spaces, their
 * keys at four) that belong to no profile or to an active one.
 */
export function imagesOfActiveServices(configYaml: string, activeProfiles: ReadonlySet<string>): string[] {
  const services = new Map<string, { image?: string; profiles: string[] }>();
  let inServices = false;
  let current: { image?: string; profiles: string[] } | undefined;
  let inProfiles = false;
  for (const line of configYaml.split('\n')) {
    if (/^\S/.test(line)) {
      inServices = line.startsWith('services:');
      current = undefined;
      continue;
    }
    if (!inServices) continue;
    const service = /^ {2}([^\s:][^:]*):\s*$/.exec(line);
    if (service) {
      current = { profiles: [] };
      services.set(service[1]!, current);
      inProfiles = false;
      continue;
    }
    if (!current) continue;
    const key = /^ {4}([A-Za-z_]+):\s*(.*)$/.exec(line);
    if (key) {
      inProfiles = key[1] === 'profiles';
      if (key[1] === 'image') current.image = key[2]!.replace(/^['"]|['"]$/g, '');
      if (inProfiles && key[2]!.startsWith('[')) current.profiles.push(...key[2]!.replace(/[[\]'"\s]/g, '').split(',').filter(Boolean));
      continue;
    }
    const item = /^ {4,6}- +['"]?([^'"\s]+)['"]?\s*$/.exec(line);
    if (inProfiles && item) current.profiles.push(item[1]!);
  }
  const images = new Set<string>();
  for (const s of services.values()) {
    if (!s.image) continue;
    if (s.profiles.length > 0 && !s.profiles.some((p) => activeProfiles.has(p))) continue;
    images.add(s.image);
  }
  return [...images].sort();
}
