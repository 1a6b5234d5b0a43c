import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import Fastify from 'fastify';
import { createLogger } from './create-logger.js';
import { installErrorHandler, servedBy, type ErrorHandlerOptions } from './error-handler.js';
import { fastifyLogging } from './fastify-logging.js';
import { ScaleoutError } from './scaleout-error.js';

class OwnError extends ScaleoutError {}

function app(options: Omit<ErrorHandlerOptions, 'prefix'> = {}) {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({ service: 't', instance: 't1', destination: { write: (l: string) => void lines.push(JSON.parse(l)) } });
  const a = Fastify(fastifyLogging(logger));
  servedBy(a, 't1');
  installErrorHandler(a, { prefix: 'T', ...options });
  a.get('/own', async () => {
    throw new OwnError('T_ERR_GONE', 'it is gone', { statusCode: 410 });
  });
  a.get('/foreign', async () => {
    throw new ScaleoutError('X_ERR_SECRET', 'at 10.0.0.7:3306', { statusCode: 502 });
  });
  a.get('/crash', async () => {
    throw new Error('driver said: password for app@10.0.0.7');
  });
  a.get('/away', async () => {
    throw new OwnError('T_ERR_AWAY', 'the store is away', { statusCode: 503 });
  });
  a.post('/v', { schema: { body: { type: 'object', required: ['n'], properties: { n: { type: 'number' } } } } }, async () => 'ok');
  return { a, lines };
}

test('a coded error keeps its status, code and message; every reply names the instance', async () => {
  const { a } = app({ errorClass: OwnError });
  const r = await a.inject('/own');
  assert.equal(r.statusCode, 410);
  assert.deepEqual(r.json(), { error: 'T_ERR_GONE', code: 'T_ERR_GONE', message: 'it is gone' });
  assert.equal(r.headers['x-served-by'], 't1');
});

test('an uncoded error is a bare 500, logged with its stack; the client never sees its message', async () => {
  const { a, lines } = app();
  const r = await a.inject('/crash');
  assert.equal(r.statusCode, 500);
  assert.deepEqual(r.json(), { error: 'T_ERR_INTERNAL', code: 'T_ERR_INTERNAL', message: 'internal error' });
  assert.doesNotMatch(r.body, /10\.0\.0\.7/);
  const logged = lines.find((l) => l.msg === 'request failed');
  assert.ok(logged, `no error line in ${JSON.stringify(lines)}`);
  assert.equal(logged.level, 'error');
  assert.match(JSON.stringify(logged.err), /driver said/);
});

test("another service's coded error is internal when the handler is given its own class", async () => {
  const { a } = app({ errorClass: OwnError });
  const r = await a.inject('/foreign');
  assert.equal(r.statusCode, 500);
  assert.equal(r.json().code, 'T_ERR_INTERNAL');
  assert.doesNotMatch(r.body, /10\.0\.0\.7/);
});

test('a 503 is logged at warn; validation errors are bad requests in the nested shape', async () => {
  const { a, lines } = app({ body: 'nested' });
  const away = await a.inject('/away');
  assert.equal(away.statusCode, 503);
  assert.deepEqual(away.json(), { error: { code: 'T_ERR_AWAY', message: 'the store is away' } });
  assert.equal(lines.find((l) => l.msg === 'request failed')?.level, 'warn');
  const bad = await a.inject({ method: 'POST', url: '/v', payload: { n: 'x' } });
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.json().error.code, 'T_ERR_BAD_REQUEST');
  assert.equal(bad.headers['x-served-by'], 't1');
});

test('badRequestCode, badRequestAs400, describe and onReply shape what a 4xx looks like', async () => {
  const { a } = app({
    badRequestCode: 'T_ERR_INVALID',
    badRequestAs400: true,
    describe: (err) => (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? { status: 415, code: 'T_ERR_MEDIA', message: 'JSON only' } : undefined),
    onReply: (reply, d) => void reply.header('x-code', d.code),
  });
  const media = await a.inject({ method: 'POST', url: '/v', headers: { 'content-type': 'text/csv' }, payload: 'n' });
  assert.equal(media.statusCode, 415);
  assert.equal(media.json().code, 'T_ERR_MEDIA');
  const json = await a.inject({ method: 'POST', url: '/v', headers: { 'content-type': 'application/json' }, payload: '{' });
  assert.equal(json.statusCode, 400);
  assert.equal(json.json().code, 'T_ERR_INVALID');
  assert.equal(json.headers['x-code'], 'T_ERR_INVALID');
});
