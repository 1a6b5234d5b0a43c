// Initial handshake (protocol v10), the client's handshake response, and auth switch.
import { Cap } from './constants.js';
import { lenencSize, Reader, writeLenenc } from './lenenc.js';

export interface Greeting {
  protocolVersion: number;
  serverVersion: string;
  connectionId: number;
  /** 20 bytes of auth plugin data. */
  scramble: Buffer;
  capabilities: number;
  /** MariaDB extended capabilities (0 when CLIENT_MYSQL is set: a MySQL server). */
  extCapabilities: number;
  charset: number;
  status: number;
  authPlugin: string;
}

export function greetingPayload(g: Omit<Greeting, 'protocolVersion'>): Buffer {
  const version = Buffer.from(g.serverVersion + '\0', 'utf8');
  const plugin = Buffer.from(g.authPlugin + '\0', 'utf8');
  const out = Buffer.alloc(1 + version.length + 4 + 8 + 1 + 2 + 1 + 2 + 2 + 1 + 10 + 13 + plugin.length);
  let at = 0;
  out[at++] = 10;
  version.copy(out, at);
  at += version.length;
  out.writeUInt32LE(g.connectionId >>> 0, at);
  at += 4;
  g.scramble.copy(out, at, 0, 8);
  at += 8;
  out[at++] = 0;
  out.writeUInt16LE(g.capabilities & 0xffff, at);
  at += 2;
  out[at++] = g.charset;
  out.writeUInt16LE(g.status, at);
  at += 2;
  out.writeUInt16LE((g.capabilities >>> 16) & 0xffff, at);
  at += 2;
  out[at++] = 21;
  at += 6; // reserved
  // MariaDB's extended capabilities, only when CLIENT_MYSQL is unset (else 4 more reserved bytes)
  if ((g.capabilities & Cap.LONG_PASSWORD) === 0) out.writeUInt32LE(g.extCapabilities >>> 0, at);
  at += 4;
  g.scramble.copy(out, at, 8, 20);
  at += 12;
  out[at++] = 0;
  plugin.copy(out, at);
  return out;
}

export function readGreeting(payload: Buffer): Greeting {
  const r = new Reader(payload);
  const protocolVersion = r.u8();
  if (protocolVersion !== 10) throw new RangeError(`unsupported protocol version ${protocolVersion}`);
  const serverVersion = r.nulString();
  const connectionId = r.u32();
  const part1 = r.bytes(8);
  r.skip(1);
  let capabilities = r.u16();
  let charset = 0;
  let status = 0;
  let part2: Buffer = Buffer.alloc(0);
  let authPlugin = 'mysql_native_password';
  let extCapabilities = 0;
  if (r.remaining > 0) {
    charset = r.u8();
    status = r.u16();
    capabilities |= r.u16() << 16;
    capabilities >>>= 0;
    const dataLen = r.u8();
    r.skip(6);
    const ext = r.u32() >>> 0;
    if ((capabilities & Cap.LONG_PASSWORD) === 0) extCapabilities = ext;
    if (capabilities & Cap.SECURE_CONNECTION) {
      const n = Math.max(13, dataLen - 8);
      part2 = r.bytes(Math.min(n, r.remaining));
      if (part2.length > 0 && part2[part2.length - 1] === 0) part2 = part2.subarray(0, part2.length - 1);
    }
    if (capabilities & Cap.PLUGIN_AUTH && r.remaining > 0) authPlugin = r.nulString();
  }
  return {
    protocolVersion,
    serverVersion,
    connectionId,
    scramble: Buffer.concat([part1, part2]).subarray(0, 20),
    capabilities,
    extCapabilities,
    charset,
    status,
    authPlugin,
  };
}

export interface HandshakeResponse {
  capabilities: number;
  /** MariaDB extended capabilities (bytes 28-31; only meaningful when CLIENT_MYSQL is unset). */
  extCapabilities?: number;
  maxPacket: number;
  charset: number;
  user: string;
  authResponse: Buffer;
  database?: string;
  authPlugin?: string;
}

/** True when a handshake response is only an SSL request (the client switches to TLS next). */
export function isSslRequest(payload: Buffer): boolean {
  return payload.length === 32 && (payload.readUInt32LE(0) & Cap.SSL) !== 0;
}

/** Reads a Protocol::HandshakeResponse41. Throws RangeError when malformed. */
export function readHandshakeResponse(payload: Buffer): HandshakeResponse {
  const r = new Reader(payload);
  const capabilities = r.u32() >>> 0;
  if ((capabilities & Cap.PROTOCOL_41) === 0) throw new RangeError('pre-4.1 clients are not supported');
  const maxPacket = r.u32();
  const charset = r.u8();
  r.skip(19);
  const ext = r.u32() >>> 0;
  const extCapabilities = capabilities & Cap.LONG_PASSWORD ? 0 : ext;
  const user = r.nulString();
  let authResponse: Buffer;
  if (capabilities & Cap.PLUGIN_AUTH_LENENC_CLIENT_DATA) authResponse = r.bytes(r.lenenc());
  else if (capabilities & Cap.SECURE_CONNECTION) authResponse = r.bytes(r.u8());
  else authResponse = Buffer.from(r.nulString(), 'utf8');
  let database: string | undefined;
  if (capabilities & Cap.CONNECT_WITH_DB && r.remaining > 0) {
    database = r.nulString();
    if (database === '') database = undefined;
  }
  let authPlugin: string | undefined;
  if (capabilities & Cap.PLUGIN_AUTH && r.remaining > 0) authPlugin = r.nulString();
  // connection attributes (CONNECT_ATTRS) are not used
  return { capabilities, extCapabilities, maxPacket, charset, user, authResponse, database, authPlugin };
}

export function handshakeResponsePayload(h: HandshakeResponse): Buffer {
  const user = Buffer.from(h.user + '\0', 'utf8');
  const db = h.database !== undefined ? Buffer.from(h.database + '\0', 'utf8') : Buffer.alloc(0);
  const plugin = h.authPlugin !== undefined ? Buffer.from(h.authPlugin + '\0', 'utf8') : Buffer.alloc(0);
  let caps = h.capabilities;
  if (h.database !== undefined) caps |= Cap.CONNECT_WITH_DB;
  else caps &= ~Cap.CONNECT_WITH_DB;
  const lenenc = (caps & Cap.PLUGIN_AUTH_LENENC_CLIENT_DATA) !== 0;
  const authLen = lenenc ? lenencSize(h.authResponse.length) : 1;
  const out = Buffer.alloc(32 + user.length + authLen + h.authResponse.length + db.length + plugin.length);
  out.writeUInt32LE(caps >>> 0, 0);
  out.writeUInt32LE(h.maxPacket >>> 0, 4);
  out[8] = h.charset;
  if ((caps & Cap.LONG_PASSWORD) === 0 && h.extCapabilities) out.writeUInt32LE(h.extCapabilities >>> 0, 28);
  let at = 32;
  user.copy(out, at);
  at += user.length;
  if (lenenc) at = writeLenenc(out, at, h.authResponse.length);
  else out[at++] = h.authResponse.length;
  h.authResponse.copy(out, at);
  at += h.authResponse.length;
  db.copy(out, at);
  at += db.length;
  plugin.copy(out, at);
  return out;
}

/** AuthSwitchRequest: 0xfe, plugin name, plugin data. */
export function authSwitchPayload(plugin: string, data: Buffer): Buffer {
  return Buffer.concat([Buffer.from([0xfe]), Buffer.from(plugin + '\0', 'utf8'), data, Buffer.from([0])]);
}

export function readAuthSwitch(payload: Buffer): { plugin: string; data: Buffer } {
  const r = new Reader(payload, 1);
  const plugin = r.nulString();
  let data = r.rest();
  if (data.length > 0 && data[data.length - 1] === 0) data = data.subarray(0, data.length - 1);
  return { plugin, data };
}
