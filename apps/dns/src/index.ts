export { startDnsService, zoneSourcesFromConfig, type DnsService, type DnsServiceDeps } from './app.js';
export { dnsConfigSpec, adminTokenSpec, DEFAULT_ZONE, DEFAULT_RECORDS, type DnsConfig, type AdminTokenConfig } from './config.js';
export { AnswerEngine, TRANSPORT_TCP, TRANSPORT_UDP, type AnswerEngineOptions } from './answer-engine.js';
export { planForNode, nxdomainPlan, REFUSED_PLAN } from './answer-plan.js';
export type { AnswerPlan, RotationState } from './answer-plan-types.js';
export { ZoneSet, AddressEntry, NameNode, RRset, Zone, ZoneRecord, wireHash } from './zone-set.js';
export type { AddressHealth, RecordView, ZoneSetEvents, ZoneSetOptions } from './zone-set.js';
export { parseZoneFile, type ZoneSource, type ParseZoneFileOptions } from './zone-file.js';
export { parseRecordList, envZoneSources, resolveRecordName, type EnvZoneOptions } from './record-list.js';
export type { RecordSpec, RecordOptions } from './record-spec.js';
export { DomainName } from './domain-name.js';
export { parseIp, type IpAddress } from './ip-address.js';
export { smoothWeightedOrder } from './smooth-weighted-order.js';
export { resolveCheckSpec, probeFor } from './check-spec.js';
export { AddressHealthMonitor, type AddressHealthOptions } from './address-health.js';
export { DnsStats, DNS_LATENCY_BUCKETS, DROP_REASONS } from './dns-stats.js';
export { registerDnsMetrics, type DnsMetrics } from './dns-metrics.js';
export { UdpServer, type UdpServerOptions } from './udp-server.js';
export { TcpServer, type TcpServerOptions } from './tcp-server.js';
export { RRType, Rcode, DnsClass } from './dns-constants.js';
export {
  DnsError,
  ZoneSyntaxError,
  ZoneDataError,
  CheckSpecError,
  NotFoundError,
  RecordExistsError,
  UnauthorizedError,
  ListenError,
  type DnsErrorCode,
} from './errors.js';
