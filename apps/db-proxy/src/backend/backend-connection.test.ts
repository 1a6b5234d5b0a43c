import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { Cap, MariaCap, PROXY_CAPABILITIES, Status } from '../protocol/constants.js';
import { greetingPayload, readHandshakeResponse, type HandshakeResponse } from '../protocol/handshake.js';
import { newScramble } from '../protocol/native-password.js';
import { PacketReader } from '../protocol/packet-reader.js';
import { framePackets, okPayload } from '../protocol/packets.js';
import { BackendConnection, profileOf, type ServerOffer } from './backend-connection.js';

/** A fake server: greets with `ext`, records the handshake response, answers OK. */
async function fakeServer(ext: number): Promise<{ server: Server; port: number; responses: HandshakeResponse[] }> {
  const responses: HandshakeResponse[] = [];
  const server = createServer((socket) => {
    const reader = new PacketReader(1 << 20);
    socket.on('error', () => {});
    socket.write(
      framePackets(
        greetingPayload({
          serverVersion: '5.5.5-10.11.0-MariaDB',
          connectionId: 42,
          scramble: newScramble(),
          capabilities: PROXY_CAPABILITIES,
          extCapabilities: ext,
          charset: 45,
          status: Status.AUTOCOMMIT,
          authPlugin: 'mysql_native_password',
        }),
        0,
      ),
    );
    socket.on('data', (chunk) => {
      reader.push(chunk);
      for (let m = reader.next(); m; m = reader.next()) {
        responses.push(readHandshakeResponse(m.payload));
        socket.write(framePackets(okPayload({ status: Status.AUTOCOMMIT }, Cap.PROTOCOL_41), m.lastSeq + 1));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port, responses };
}

const creds = { user: 'app', password: 'app' };

test('a backend connection negotiates exactly the extended capabilities of the client profile, or refuses the server', async (t) => {
  const mariadb = await fakeServer(0x1d);
  const older = await fakeServer(MariaCap.PROGRESS);
  t.after(() => {
    mariadb.server.close();
    older.server.close();
  });
  const offers: ServerOffer[] = [];
  const profile = profileOf(Cap.MULTI_RESULTS, 45, MariaCap.EXTENDED_METADATA);
  const c = await BackendConnection.connect({ name: 'db1', host: '127.0.0.1', port: mariadb.port }, creds, profile, 2000, (o) => offers.push(o));
  t.after(() => c.destroy());
  assert.equal(c.extCaps, MariaCap.EXTENDED_METADATA);
  assert.equal(c.connectionId, 42);
  assert.deepEqual(offers, [{ capabilities: PROXY_CAPABILITIES, extCapabilities: 0x1d }]);
  const hr = mariadb.responses[0]!;
  assert.equal(hr.capabilities & Cap.LONG_PASSWORD, 0, 'CLIENT_MYSQL unset so that the server reads the extended bytes');
  assert.equal(hr.extCapabilities, MariaCap.EXTENDED_METADATA, 'only what the client got, not all the server offers');

  const plain = await BackendConnection.connect({ name: 'db1', host: '127.0.0.1', port: mariadb.port }, creds, profileOf(0, 45), 2000);
  t.after(() => plain.destroy());
  assert.equal(mariadb.responses[1]!.extCapabilities, 0);

  // a server that cannot give the session's metadata format is not used for it
  await assert.rejects(
    BackendConnection.connect({ name: 'db2', host: '127.0.0.1', port: older.port }, creds, profile, 2000),
    (err: Error & { code?: string }) => err.code === 'DBPROXY_ERR_BACKEND_CONNECT' && /lacks MariaDB capabilities 0x8/.test(err.message),
  );
  assert.equal(profileOf(0, 45, 8).key === profileOf(0, 45, 0).key, false, 'profiles with other extended capabilities are pooled apart');
});
