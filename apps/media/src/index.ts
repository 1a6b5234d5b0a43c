export { buildMediaApp, type MediaAppDeps } from './app.js';
export { mediaConfigSpec, type MediaConfig } from './config.js';
export { MediaService, type DriveStatus, type MediaServiceOptions } from './media-service.js';
export { ErasureSet, type BucketInfo, type ObjectInfo, type PutInput, type ScrubReport } from './erasure-set.js';
export { Drive, keyHash, decodeShardFile, encodeShardFile, type ShardHeader, type DriveState } from './drive.js';
export { S3Error, type S3ErrorCode } from './s3-error.js';
export { verifySigV4, signingKey, uriEncode, type Credentials, type SignedRequest } from './sigv4.js';
export { MediaMetrics } from './media-metrics.js';
