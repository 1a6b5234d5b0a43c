/** S3 error codes this server answers with (the README lists them with their HTTP status). */
export type S3ErrorCode =
  | 'AccessDenied'
  | 'InvalidAccessKeyId'
  | 'SignatureDoesNotMatch'
  | 'RequestTimeTooSkewed'
  | 'AuthorizationHeaderMalformed'
  | 'XAmzContentSHA256Mismatch'
  | 'BadDigest'
  | 'NoSuchBucket'
  | 'NoSuchKey'
  | 'BucketAlreadyOwnedByYou'
  | 'BucketNotEmpty'
  | 'InvalidBucketName'
  | 'InvalidArgument'
  | 'InvalidRange'
  | 'KeyTooLongError'
  | 'MalformedXML'
  | 'EntityTooLarge'
  | 'IncompleteBody'
  | 'MissingContentLength'
  | 'RequestHeaderSectionTooLarge'
  | 'MethodNotAllowed'
  | 'NoSuchUpload'
  | 'InvalidPart'
  | 'InvalidPartOrder'
  | 'EntityTooSmall'
  | 'NotImplemented'
  | 'ServiceUnavailable'
  | 'InternalError';

/** An S3-shaped error: `<Error><Code>…</Code><Message>…</Message>…</Error>` with its status. */
export class S3Error extends Error {
  readonly code: S3ErrorCode;
  readonly statusCode: number;
  constructor(code: S3ErrorCode, statusCode: number, message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'S3Error';
    this.code = code;
    this.statusCode = statusCode;
  }
}

export function xmlEscape(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);
}

export function errorXml(code: string, message: string, resource: string, requestId: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${xmlEscape(code)}</Code><Message>${xmlEscape(message)}</Message>` +
    `<Resource>${xmlEscape(resource)}</Resource><RequestId>${xmlEscape(requestId)}</RequestId></Error>`
  );
}
