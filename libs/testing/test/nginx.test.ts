import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startNginx } from '../src/index.js';

test('nginx serves its static file on a free port over keep-alive, and stops', async (t) => {
  const nginx = await startNginx({ body: 'static bytes\n' });
  t.after(() => nginx.stop());
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  t.after(() => agent.destroy());
  const sockets = new Set<unknown>();
  const get = (path: string) =>
    new Promise<number>((resolve, reject) => {
      const req = http.get(`${nginx.url}${path}`, { agent }, (r) => {
        sockets.add(r.socket);
        r.resume();
        r.on('end', () => resolve(r.statusCode ?? 0));
      });
      req.on('error', reject);
    });
  assert.deepEqual([await get(''), await get('')], [200, 200]);
  assert.equal(sockets.size, 1, 'the two requests shared one keep-alive connection');
  const res = await fetch(nginx.url);
  assert.equal(res.status, 200);
  assert.equal(await res.text(), 'static bytes\n');
  assert.equal(res.headers.get('content-length'), '13');
  const missing = await fetch(`${nginx.url}nope`);
  assert.equal(missing.status, 404);
  await missing.arrayBuffer();
  const exit = await nginx.stop();
  assert.equal(exit.code, 0, `nginx exited ${JSON.stringify(exit)}`);
  await assert.rejects(fetch(nginx.url));
});
