import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startNginx } from '../src/index.js';

test('nginx serves its static file on a free port over keep-alive, and stops', async (t) => {
  const nginx = await startNginx({ body: 'static bytes\n' });
  t.after(() => nginx.stop());
  const res = await fetch(nginx.url);
  assert.equal(res.status, 200);
  assert.equal(await res.text(), 'static bytes\n');
  assert.equal(res.headers.get('content-length'), '13');
  const missing = await fetch(`${nginx.url}nope`);
  assert.equal(missing.status, 404);
  await missing.arrayBuffer();
  const exit = await nginx.stop();
  assert.ok(exit.code === 0 || exit.signal !== null, `nginx exited ${JSON.stringify(exit)}`);
  await assert.rejects(fetch(nginx.url));
});
