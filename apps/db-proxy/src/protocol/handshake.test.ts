import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cap, MariaCap, PROXY_CAPABILITIES } from './constants.js';
import { authSwitchPayload, greetingPayload, handshakeResponsePayload, isSslRequest, readAuthSwitch, readGreeting, readHandshakeResponse } from './handshake.js';
import { newScramble, parseStoredHash, passwordHash, scramblePassword, verifyNativePassword } from './native-password.js';

test('mysql_native_password: the scrambled answer verifies against SHA1(SHA1(password)) only', () => {
  const scramble = newScramble();
  assert.equal(scramble.length, 20);
  assert.ok(!scramble.includes(0));
  const answer = scramblePassword('app', scramble);
  assert.ok(verifyNativePassword(answer, scramble, passwordHash('app')));
  assert.ok(!verifyNativePassword(answer, scramble, passwordHash('App')));
  assert.ok(!verifyNativePassword(answer, newScramble(), passwordHash('app')));
  assert.ok(verifyNativePassword(Buffer.alloc(0), scramble, undefined), 'empty password');
  assert.ok(!verifyNativePassword(answer, scramble, undefined));
  // PASSWORD('app') as MariaDB prints it
  assert.deepEqual(parseStoredHash('*5BCB3E6AC345B435C7C2E6B7949A04CE6F6563D3'), passwordHash('app'));
  assert.equal(parseStoredHash('app'), undefined);
});

test('greeting and handshake response round-trip', () => {
  const scramble = newScramble();
  const g = readGreeting(
    greetingPayload({ serverVersion: '5.5.5-10.11.19-MariaDB', connectionId: 77, scramble, capabilities: PROXY_CAPABILITIES, extCapabilities: 0x9, charset: 45, status: 2, authPlugin: 'mysql_native_password' }),
  );
  assert.equal(g.serverVersion, '5.5.5-10.11.19-MariaDB');
  assert.equal(g.connectionId, 77);
  assert.ok(g.scramble.equals(scramble));
  assert.equal(g.capabilities, PROXY_CAPABILITIES);
  assert.equal(g.capabilities & Cap.LONG_PASSWORD, 0, 'CLIENT_MYSQL unset, like MariaDB');
  assert.equal(g.extCapabilities, MariaCap.PROGRESS | MariaCap.EXTENDED_METADATA);
  assert.equal(g.authPlugin, 'mysql_native_password');

  const caps = Cap.PROTOCOL_41 | Cap.SECURE_CONNECTION | Cap.PLUGIN_AUTH | Cap.PLUGIN_AUTH_LENENC_CLIENT_DATA | Cap.CONNECT_WITH_DB;
  const token = scramblePassword('pw', scramble);
  const hr = readHandshakeResponse(
    handshakeResponsePayload({ capabilities: caps, maxPacket: 1 << 24, charset: 224, user: 'app', authResponse: token, database: 'shop', authPlugin: 'mysql_native_password' }),
  );
  assert.equal(hr.user, 'app');
  assert.equal(hr.database, 'shop');
  assert.equal(hr.charset, 224);
  assert.ok(hr.authResponse.equals(token));
  assert.equal(hr.authPlugin, 'mysql_native_password');
  assert.equal(hr.extCapabilities, 0);
  // MariaDB extended client capabilities: bytes 28-31, read only when CLIENT_MYSQL is unset
  const ext = readHandshakeResponse(
    handshakeResponsePayload({ capabilities: caps, extCapabilities: MariaCap.EXTENDED_METADATA, maxPacket: 1 << 24, charset: 45, user: 'u', authResponse: token }),
  );
  assert.equal(ext.extCapabilities, MariaCap.EXTENDED_METADATA);
  const mysqlClient = readHandshakeResponse(
    handshakeResponsePayload({ capabilities: caps | Cap.LONG_PASSWORD, extCapabilities: MariaCap.EXTENDED_METADATA, maxPacket: 1 << 24, charset: 45, user: 'u', authResponse: token }),
  );
  assert.equal(mysqlClient.extCapabilities, 0, 'a MySQL-style client (CLIENT_MYSQL set) sends none');
  const mysqlServer = readGreeting(
    greetingPayload({ serverVersion: '8.0.36', connectionId: 1, scramble, capabilities: PROXY_CAPABILITIES | Cap.LONG_PASSWORD, extCapabilities: 0x9, charset: 45, status: 2, authPlugin: 'mysql_native_password' }),
  );
  assert.equal(mysqlServer.extCapabilities, 0, 'a MySQL server (CLIENT_MYSQL set) offers none');
  assert.throws(() => readHandshakeResponse(Buffer.from([1, 2, 3])), RangeError);
  assert.throws(() => readHandshakeResponse(Buffer.alloc(40)), RangeError, 'pre-4.1');

  const ssl = Buffer.alloc(32);
  ssl.writeUInt32LE(Cap.SSL | Cap.PROTOCOL_41, 0);
  assert.ok(isSslRequest(ssl));
  const sw = readAuthSwitch(authSwitchPayload('mysql_native_password', scramble));
  assert.equal(sw.plugin, 'mysql_native_password');
  assert.ok(sw.data.equals(scramble));
});
