// A minimal DNS client for the tests: one A query over UDP or TCP (RFC 1035), answers parsed.
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { randomInt } from 'node:crypto';

export interface DnsAnswer {
  rcode: number;
  authoritative: boolean;
  /** IPv4 addresses of the A records, in answer order. */
  addresses: string[];
}

/** Response codes by number (RFC 1035 §4.1.1). */
export const RCODE = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3, REFUSED: 5 } as const;

function query(name: string, id: number): Buffer {
  const labels = name.replace(/\.$/, '').split('.');
  const qname = Buffer.concat([...labels.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'ascii')])), Buffer.from([0])]);
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(0x0000, 2); // standard query, no recursion wanted (authoritative server)
  header.writeUInt16BE(1, 4);
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(1, 0); // A
  tail.writeUInt16BE(1, 2); // IN
  return Buffer.concat([header, qname, tail]);
}

function skipName(buf: Buffer, offset: number): number {
  for (;;) {
    const len = buf[offset]!;
    if (len === 0) return offset + 1;
    if ((len & 0xc0) === 0xc0) return offset + 2;
    offset += len + 1;
  }
}

export function parseAnswer(buf: Buffer, id: number): DnsAnswer {
  if (buf.length < 12 || buf.readUInt16BE(0) !== id) throw new Error('DNS answer with a wrong id or too short');
  const flags = buf.readUInt16BE(2);
  const qd = buf.readUInt16BE(4);
  const an = buf.readUInt16BE(6);
  let off = 12;
  for (let i = 0; i < qd; i++) off = skipName(buf, off) + 4;
  const addresses: string[] = [];
  for (let i = 0; i < an; i++) {
    off = skipName(buf, off);
    const type = buf.readUInt16BE(off);
    const rdlen = buf.readUInt16BE(off + 8);
    if (type === 1 && rdlen === 4) addresses.push([...buf.subarray(off + 10, off + 14)].join('.'));
    off += 10 + rdlen;
  }
  return { rcode: flags & 0x0f, authoritative: (flags & 0x0400) !== 0, addresses };
}

/** One A query over UDP to host:port. */
export function queryUdp(host: string, port: number, name: string, timeoutMs = 3000): Promise<DnsAnswer> {
  const id = randomInt(1, 0xffff);
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error(`no UDP answer from ${host}:${port} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('message', (msg) => {
      clearTimeout(timer);
      socket.close();
      try {
        resolve(parseAnswer(msg, id));
      } catch (err) {
        reject(err as Error);
      }
    });
    socket.send(query(name, id), port, host);
  });
}

/** One A query over TCP (two-byte length prefix, RFC 1035 §4.2.2). */
export function queryTcp(host: string, port: number, name: string, timeoutMs = 3000): Promise<DnsAnswer> {
  const id = randomInt(1, 0xffff);
  const q = query(name, id);
  const framed = Buffer.concat([Buffer.from([q.length >> 8, q.length & 0xff]), q]);
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let data = Buffer.alloc(0);
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no TCP answer from ${host}:${port} within ${timeoutMs} ms`)));
    socket.on('connect', () => socket.write(framed));
    socket.on('data', (chunk) => {
      data = Buffer.concat([data, chunk]);
      if (data.length >= 2 && data.length >= 2 + data.readUInt16BE(0)) {
        socket.end();
        try {
          resolve(parseAnswer(data.subarray(2, 2 + data.readUInt16BE(0)), id));
        } catch (err) {
          reject(err as Error);
        }
      }
    });
    socket.on('error', reject);
  });
}
