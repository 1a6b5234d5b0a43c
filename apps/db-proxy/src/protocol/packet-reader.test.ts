import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PacketReader, PacketTooLargeError } from './packet-reader.js';
import { framePackets } from './packets.js';

test('messages are cut from any chunking, continuation packets joined', () => {
  const small = framePackets(Buffer.from('\x03SELECT 1'), 0);
  const bigPayload = Buffer.alloc(0xffffff + 10, 0x61);
  bigPayload[0] = 0x03;
  const big = framePackets(bigPayload, 0);
  const wire = Buffer.concat([small, big, small]);
  for (const chunk of [7, 4096, 1 << 20, wire.length]) {
    const r = new PacketReader(64 << 20);
    const got = [];
    for (let at = 0; at < wire.length; at += chunk) {
      r.push(wire.subarray(at, at + chunk));
      for (let m = r.next(); m; m = r.next()) got.push(m);
    }
    assert.equal(got.length, 3, `chunk ${chunk}`);
    assert.equal(got[0]!.payload.toString(), '\x03SELECT 1');
    assert.equal(got[1]!.payload.length, bigPayload.length);
    assert.ok(got[1]!.payload.equals(bigPayload));
    assert.equal(got[1]!.raw.length, big.length, 'raw keeps every header');
    assert.equal(got[1]!.seq, 0);
    assert.equal(got[1]!.lastSeq, 1);
    assert.equal(r.buffered, 0);
  }
});

test('byte-by-byte input is assembled too', () => {
  const wire = Buffer.concat([framePackets(Buffer.from('\x03SELECT 1'), 0), framePackets(Buffer.alloc(300, 0x41), 0)]);
  const r = new PacketReader(1 << 20);
  const got = [];
  for (const b of wire) {
    r.push(Buffer.from([b]));
    for (let m = r.next(); m; m = r.next()) got.push(m.payload.length);
  }
  assert.deepEqual(got, [9, 300]);
});

test('an announced payload above the limit throws before its bytes arrive', () => {
  const r = new PacketReader(1000);
  r.push(Buffer.from([0xe9, 0x03, 0x00, 0x00])); // 1001 bytes announced
  assert.throws(
    () => r.next(),
    (e: unknown) => e instanceof PacketTooLargeError && e.size === 1001 && e.limit === 1000,
  );
  const ok = new PacketReader(1000);
  ok.push(Buffer.from([0xe8, 0x03, 0x00, 0x00]));
  assert.equal(ok.next(), undefined, 'exactly the limit waits for the bytes');
});
