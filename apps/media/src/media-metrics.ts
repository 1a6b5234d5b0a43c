import { Counter, Gauge, metricName, type Registry } from '@scaleout/metrics';

/**
 * The media tier's own metrics (the HTTP plugin adds `scaleout_media_http_request_duration_seconds`):
 * - `scaleout_media_operations_total{op,result}`: S3 operations by result (ok or the S3 error code)
 * - `scaleout_media_drive_up{drive}`: 1 online, 0 offline; `scaleout_media_drive_rebuilding{drive}`
 * - `scaleout_media_degraded_objects`: objects known to miss a shard copy
 * - `scaleout_media_heals_total{reason}`: shard copies rewritten (read, rebuild, scrub)
 * - `scaleout_media_healed_bytes_total`: their bytes (its rate is the rebuild/heal rate)
 * - `scaleout_media_corrupt_shards_total`: shards failing their SHA-256 on read
 * - `scaleout_media_quorum_failures_total{op}`: writes, reads and deletes refused for lack of drives
 * - `scaleout_media_rebuild_progress_ratio{drive}`: 0..1 while a replaced drive is rebuilt, 1 when done
 * - `scaleout_media_scrubs_total`, `scaleout_media_scrub_last_*` (objects, healed, unrecoverable)
 */
export class MediaMetrics {
  readonly ops: Counter<'op' | 'result'>;
  readonly driveUp: Gauge<'drive'>;
  readonly driveRebuilding: Gauge<'drive'>;
  readonly degraded: Gauge;
  readonly heals: Counter<'reason'>;
  readonly healedBytes: Counter;
  readonly corruptShards: Counter;
  readonly quorumFailures: Counter<'op'>;
  readonly rebuildProgress: Gauge<'drive'>;
  readonly scrubs: Counter;
  readonly scrubLast: Gauge<'what'>;

  constructor(registry: Registry) {
    const r = [registry];
    this.ops = new Counter({ name: metricName('media', 'operations', 'total'), help: 'S3 operations by operation and result.', labelNames: ['op', 'result'], registers: r });
    this.driveUp = new Gauge({ name: metricName('media', 'drive_up'), help: '1 when the drive is online (formatted and readable), 0 when offline.', labelNames: ['drive'], registers: r });
    this.driveRebuilding = new Gauge({ name: metricName('media', 'drive_rebuilding'), help: '1 while the drive is being rebuilt.', labelNames: ['drive'], registers: r });
    this.degraded = new Gauge({ name: metricName('media', 'degraded_objects'), help: 'Objects known to miss a shard copy (updated by reads, writes, rebuild and scrub).', registers: r });
    this.heals = new Counter({ name: metricName('media', 'heals', 'total'), help: 'Shard copies rewritten, by reason.', labelNames: ['reason'], registers: r });
    this.healedBytes = new Counter({ name: metricName('media', 'healed_bytes', 'total'), help: 'Bytes of shard copies rewritten (rate = heal/rebuild rate).', registers: r });
    this.corruptShards = new Counter({ name: metricName('media', 'corrupt_shards', 'total'), help: 'Shards that failed their SHA-256 check on read.', registers: r });
    this.quorumFailures = new Counter({ name: metricName('media', 'quorum_failures', 'total'), help: 'Operations refused for lack of drives.', labelNames: ['op'], registers: r });
    this.rebuildProgress = new Gauge({ name: metricName('media', 'rebuild_progress', 'ratio'), help: 'Progress of the rebuild of a replaced drive (1 = done).', labelNames: ['drive'], registers: r });
    this.scrubs = new Counter({ name: metricName('media', 'scrubs', 'total'), help: 'Completed scrubs.', registers: r });
    this.scrubLast = new Gauge({ name: metricName('media', 'scrub_last'), help: 'Figures of the last scrub.', labelNames: ['what'], registers: r });
  }
}
