import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { createRegistry, type Registry } from '@scaleout/metrics';
import { buildAdminApp, Readiness, servedBy, startAdminServer, type Logger } from '@scaleout/service';
import { AddressHealthMonitor } from './address-health.js';
import adminRoutes from './admin-routes.js';
import { AnswerEngine } from './answer-engine.js';
import { resolveCheckSpec } from './check-spec.js';
import { typeName } from './dns-constants.js';
import { DEFAULT_RECORDS, DEFAULT_ZONE, type DnsConfig } from './config.js';
import { registerDnsMetrics } from './dns-metrics.js';
import { ZoneDataError } from './errors.js';
import { envZoneSources } from './record-list.js';
import { TcpServer } from './tcp-server.js';
import { UdpServer } from './udp-server.js';
import { parseZoneFile, type ZoneSource } from './zone-file.js';
import { ZoneSet } from './zone-set.js';

export interface DnsServiceDeps {
  logger: Logger;
  /** Bearer token of the admin API. */
  adminToken: string;
  /** Registry for /metrics; a fresh one (with process metrics) by default. */
  registry?: Registry;
  /** Zones to serve instead of reading DNS_ZONE / DNS_RECORDS / DNS_ZONE_FILE (tests). */
  sources?: ZoneSource[];
}

/** A running DNS service. */
export interface DnsService {
  /** Port of DNS over UDP and TCP (the same number). */
  port: number;
  adminPort: number;
  zones: ZoneSet;
  engine: AnswerEngine;
  health: AddressHealthMonitor;
  admin: FastifyInstance;
  readiness: Readiness;
  registry: Registry;
  udp: UdpServer;
  tcp: TcpServer;
  /** Stops answering, stops the checks and closes every socket. */
  close(): Promise<void>;
}

/**
 * Reads the zones of a configuration: `DNS_ZONE` + `DNS_RECORDS` and every `DNS_ZONE_FILE`; when
 * neither names a zone, the development default (`scaleout.test`, `www` → 127.0.1.1, 127.0.1.2).
 */
export function zoneSourcesFromConfig(config: DnsConfig): ZoneSource[] {
  const envZones = config.zone.length === 0 && config.zoneFile.length === 0 ? [DEFAULT_ZONE] : config.zone;
  const records = config.zone.length === 0 && config.zoneFile.length === 0 ? DEFAULT_RECORDS : config.records;
  if (envZones.length === 0 && records !== undefined) {
    throw new ZoneDataError('DNS_RECORDS is set but DNS_ZONE is not: name the zone(s) the records belong to');
  }
  const sources = envZoneSources(envZones, records, {
    defaultTtl: config.ttl,
    negativeTtl: config.negativeTtl,
    serial: Math.floor(Date.now() / 1000),
    nameServerAddress: config.host,
  });
  for (const path of config.zoneFile) {
    sources.push(parseZoneFile(readFileSync(path, 'utf8'), { source: path, defaultTtl: config.ttl }));
  }
  return sources;
}

/** Listens on UDP and TCP with the same port; with port 0 the TCP side follows the UDP pick (retried). */
async function listenBoth(config: DnsConfig, engine: AnswerEngine, logger: Logger): Promise<{ udp: UdpServer; tcp: TcpServer }> {
  const attempts = config.port === 0 ? 10 : 1;
  let lastError: unknown;
  for (let i = 0; i < attempts; i++) {
    const udp = await UdpServer.listen({
      host: config.host,
      port: config.port,
      engine,
      logger,
      bufferSize: config.udpBuffer,
      fastSend: config.udpFastSend,
      latencySampleEvery: config.latencySample,
    });
    try {
      const tcp = await TcpServer.listen({
        host: config.host,
        port: udp.port,
        engine,
        logger,
        idleTimeoutMs: config.tcpIdleTimeout,
        maxConnections: config.tcpMaxConnections,
        latencySampleEvery: config.latencySample,
      });
      return { udp, tcp };
    } catch (err) {
      lastError = err;
      await udp.close();
    }
  }
  throw lastError;
}

/**
 * Starts the DNS service: zones, the query engine, UDP and TCP listeners, health checks of the checked
 * addresses, and the admin server (`/healthz`, `/readyz`, `/metrics`, `/api/…`).
 */
export async function startDnsService(config: DnsConfig, deps: DnsServiceDeps): Promise<DnsService> {
  const { logger } = deps;
  const registry = deps.registry ?? createRegistry();
  const sources = deps.sources ?? zoneSourcesFromConfig(config);
  const zones = new ZoneSet(sources, {
    maxAnswers: config.maxAnswers,
    resolveCheck: (check, ip) => resolveCheckSpec(check, ip),
  });
  const engine = new AnswerEngine(zones, { udpPayload: config.udpPayload });
  const readiness = new Readiness();

  const listeners: { tcp?: TcpServer } = {};
  const metrics = registerDnsMetrics(registry, { stats: engine.stats, zones, tcpConnections: () => listeners.tcp?.connections.size ?? 0 });
  zones.events = {
    failOpen: (rrset, active) => {
      const name = rrset.node.name.toDisplay();
      if (active) {
        logger.warn({ name, type: rrset.type }, `no healthy address left for ${name}: answering with all of them (fail open)`);
        metrics.failOpenEvents.inc({ name, type: typeName(rrset.type) });
      } else {
        logger.info({ name }, `${name} has healthy addresses again`);
      }
    },
  };
  const health = new AddressHealthMonitor(zones, {
    interval: config.checkInterval,
    fastInterval: config.checkFastInterval,
    downInterval: config.checkDownInterval,
    timeout: config.checkTimeout,
    rise: config.checkRise,
    fall: config.checkFall,
    logger,
    onCheck: (address, ok) => metrics.healthChecks.inc({ address, result: ok ? 'ok' : 'fail' }),
    onTransition: (address, to) => metrics.healthTransitions.inc({ address, to }),
  });

  const { udp, tcp } = await listenBoth(config, engine, logger);
  listeners.tcp = tcp;
  readiness.register('udp', () => udp.port > 0);
  readiness.register('tcp', () => tcp.server.listening);

  const admin = buildAdminApp({ service: 'dns', instance: config.instance, logger, registry, readiness });
  servedBy(admin, config.instance);
  admin.register(adminRoutes, { prefix: '/api', zones, health, token: deps.adminToken, defaultTtl: config.ttl });
  let adminServer;
  try {
    adminServer = await startAdminServer(
      { service: 'dns', instance: config.instance, logger, registry, readiness, host: config.adminHost, port: config.adminPort },
      admin,
    );
  } catch (err) {
    await Promise.all([udp.close(), tcp.close(0)]);
    throw err;
  }
  health.start();
  logger.info(
    {
      udp: `${config.host}:${udp.port}`,
      tcp: `${config.host}:${tcp.port}`,
      admin: adminServer.address,
      zones: zones.zones.map((z) => z.origin.toDisplay()),
      records: zones.recordCount,
      checkedAddresses: health.size,
      udpSend: udp.sendMode,
    },
    'dns listening',
  );

  let closing: Promise<void> | undefined;
  return {
    port: udp.port,
    adminPort: adminServer.port,
    zones,
    engine,
    health,
    admin,
    readiness,
    registry,
    udp,
    tcp,
    close() {
      closing ??= (async () => {
        readiness.setDraining();
        health.stop();
        await Promise.all([udp.close(), tcp.close()]);
        await adminServer.close();
      })();
      return closing;
    },
  };
}
