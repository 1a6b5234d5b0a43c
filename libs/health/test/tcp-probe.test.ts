import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { ActiveChecker, HealthError, tcpProbe } from '../src/index.js';

const HOST = '127.0.0.1';

async function freeClosedPort(): Promise<number> {
  const s = net.createServer();
  s.listen(0, HOST);
  await once(s, 'listening');
  const { port } = s.address() as AddressInfo;
  s.close();
  await once(s, 'close');
  return port;
}

describe('tcpProbe', () => {
  it('passes when the port accepts, and closes the connection', async () => {
    const server = net.createServer();
    const closed: Array<Promise<unknown>> = [];
    server.on('connection', (s) => closed.push(once(s, 'close')));
    server.listen(0, HOST);
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    try {
      const checker = new ActiveChecker({ probe: tcpProbe({ host: HOST, port }), initialState: 'down', rise: 2 });
      await checker.checkNow();
      const result = await checker.checkNow();
      assert.equal(result.ok, true);
      assert.match(result.result?.detail ?? '', new RegExp(`${HOST}:${port}`));
      assert.equal(checker.state, 'up');
      // Both probe connections get closed by the probe.
      await Promise.all(closed);
      assert.equal(closed.length, 2);
    } finally {
      server.close();
      await once(server, 'close');
    }
  });

  it('fails with a connect error when refused', async () => {
    const port = await freeClosedPort();
    const checker = new ActiveChecker({ probe: tcpProbe({ host: HOST, port }), fall: 1 });
    const result = await checker.checkNow();
    assert.equal(result.ok, false);
    assert.ok(result.error instanceof HealthError);
    assert.equal((result.error as HealthError).code, 'HEALTH_ERR_CONNECT');
    assert.equal((result.error as unknown as { syscallCode: string }).syscallCode, 'ECONNREFUSED');
    assert.equal(checker.state, 'down');
  });

  it('rejects bad options synchronously', () => {
    for (const o of [{ host: '', port: 80 }, { host: HOST, port: 0 }, { host: HOST, port: 70000 }]) {
      assert.throws(
        () => tcpProbe(o),
        (err: unknown) => err instanceof HealthError && err.code === 'HEALTH_ERR_INVALID_OPTION',
      );
    }
  });
});
