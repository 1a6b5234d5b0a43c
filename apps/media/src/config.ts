import { commonFields, env, type ConfigOf } from '@scaleout/service';

/**
 * Every `MEDIA_` variable with its default. Drives are folders `<DATA_DIR>/media<S>/drive<D>`
 * (S = 1..SERVERS, D = 1..DRIVES_PER_SERVER): one process owns all of them and models each media
 * server as a drive group (see the README).
 */
export const mediaConfigSpec = {
  ...commonFields(),
  host: env.string({ default: '127.0.0.1' }),
  port: env.port({ default: 9000, allowZero: true }),
  dataDir: env.string({ default: '.scaleout/media' }),
  servers: env.int({ default: 2, min: 1, max: 16 }),
  drivesPerServer: env.int({ default: 3, min: 1, max: 16 }),
  /** Level of buckets created without an `x-scaleout-level` header or a BUCKET_LEVELS entry. */
  defaultLevel: env.string({ default: 'raid6', pattern: /^(raid0|raid1|raid5|raid6|raid10|ec:\d{1,3}\+\d{1,3})$/, allowed: 'raid0, raid1, raid5, raid6, raid10 or ec:K+M' }),
  /** `bucket=level,…`: the level of those buckets when they are created. */
  bucketLevels: env.list({ default: [], itemPattern: /^[a-z0-9.-]{3,63}=(raid0|raid1|raid5|raid6|raid10|ec:\d{1,3}\+\d{1,3})$/ }),
  region: env.string({ default: 'us-east-1', pattern: /^[a-z0-9-]{1,32}$/ }),
  accessKey: env.string({ default: 'scaleout', pattern: /^[A-Za-z0-9]{3,128}$/ }),
  /** Development default `scaleout-dev-secret`, refused when NODE_ENV=production. */
  secretKey: env.secret({ devDefault: 'scaleout-dev-secret', minLength: 8 }),
  maxObjectSize: env.int({ default: 64 * 1024 * 1024, min: 1024, max: 1024 * 1024 * 1024 }),
  /** How often drives are probed (a removed folder goes offline; an empty one is rebuilt). */
  driveCheckInterval: env.duration({ default: 2_000, min: 10, max: 600_000 }),
  /** Background scrub period; 0 = only on request. */
  scrubInterval: env.duration({ default: 0 }),
  drainDelay: env.duration({ default: 0, max: 60_000 }),
  logRequests: env.bool({ default: false }),
};

export type MediaConfig = ConfigOf<typeof mediaConfigSpec>;
