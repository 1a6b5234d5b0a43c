import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DbUnavailableError, NotFoundError, SessionUnavailableError } from '../errors.js';
import { describeError } from './error-handling.js';

test('client-visible errors: 4xx keep their message, 5xx get fixed text, unknown errors are a bare 500', () => {
  assert.deepEqual(describeError(new NotFoundError('there is no product 7')), {
    status: 404,
    code: 'WEB_ERR_NOT_FOUND',
    message: 'there is no product 7',
    retryAfter: undefined,
  });
  const db = describeError(new DbUnavailableError('connect ECONNREFUSED 10.0.0.1:3306'));
  assert.equal(db.status, 503);
  assert.equal(db.retryAfter, 5);
  assert.doesNotMatch(db.message, /ECONNREFUSED|10\.0\.0\.1/);
  assert.equal(describeError(new SessionUnavailableError('x')).code, 'WEB_ERR_SESSION_UNAVAILABLE');
  assert.deepEqual(describeError(new TypeError('secret internals')), { status: 500, code: 'WEB_ERR_INTERNAL', message: 'internal error' });
  assert.equal(describeError(Object.assign(new Error('body/x must be integer'), { validation: [{}], statusCode: 400 })).code, 'WEB_ERR_VALIDATION');
  assert.deepEqual(describeError(Object.assign(new Error('Request body is too large'), { statusCode: 413 })), {
    status: 413,
    code: 'WEB_ERR_BAD_REQUEST',
    message: 'Request body is too large',
  });
});
