import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { requireBinary, MissingBinaryError } from '@scaleout/infra';
import { startMemcached } from '../src/index.js';

function roundTrip(port: number, line: string, timeoutMs = 500): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port });
    let buf = '';
    s.setTimeout(timeoutMs, () => {
      s.destroy();
      reject(new Error('timeout'));
    });
    s.on('connect', () => s.write(line));
    s.on('data', (d) => {
      buf += d;
      if (buf.endsWith('\r\n')) {
        s.end();
        resolve(buf);
      }
    });
    s.on('error', reject);
  });
}

test('memcached starts on a free port, can be paused, resumed and restarted empty', async (t) => {
  const mc = await startMemcached();
  t.after(() => mc.stop());
  assert.equal(await roundTrip(mc.port, 'set k 0 0 1\r\nv\r\n'), 'STORED\r\n');
  assert.match(await roundTrip(mc.port, 'get k\r\n'), /^VALUE k 0 1\r\nv\r\nEND\r\n$/);
  mc.pause();
  await assert.rejects(roundTrip(mc.port, 'get k\r\n', 300), /timeout/);
  mc.resume();
  assert.match(await roundTrip(mc.port, 'get k\r\n'), /VALUE k/);
  mc.kill('SIGKILL');
  await mc.daemon.exited;
  await mc.start();
  assert.equal(await roundTrip(mc.port, 'get k\r\n'), 'END\r\n');
});

test('a missing binary fails with a message naming the Debian package', () => {
  assert.throws(
    () => requireBinary('scaleout-no-such-binary', 'scaleout-pkg'),
    (err: unknown) =>
      err instanceof MissingBinaryError &&
      err.code === 'INFRA_ERR_MISSING_BINARY' &&
      err.message === 'scaleout-no-such-binary not found: install the Debian package scaleout-pkg (apt-get install -y scaleout-pkg)',
  );
});
