import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeAwsChunked } from './aws-chunked.js';
import { S3Error } from './s3-error.js';

test('aws-chunked bodies decode to their data and trailers; truncated or malformed ones are refused', () => {
  const body = Buffer.from('5\r\nhello\r\n6;chunk-signature=abc\r\n world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n');
  const { data, trailers } = decodeAwsChunked(body);
  assert.equal(data.toString(), 'hello world');
  assert.deepEqual(trailers, { 'x-amz-checksum-crc32': 'DUoRhQ==' });
  const code = (b: string) => {
    try {
      decodeAwsChunked(Buffer.from(b));
    } catch (err) {
      assert.ok(err instanceof S3Error);
      return err.code;
    }
    return 'none';
  };
  assert.equal(code('5\r\nhel'), 'IncompleteBody');
  assert.equal(code('5\r\nhello'), 'IncompleteBody');
  assert.equal(code('zz\r\nhello\r\n0\r\n\r\n'), 'InvalidArgument');
  assert.equal(code('5\r\nhelloXX0\r\n\r\n'), 'InvalidArgument');
});
