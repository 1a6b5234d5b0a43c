import dgram, { type Socket } from 'node:dgram';

/**
 * Sends `data[offset, offset+length)` to port/address. Returns {@link SENT} when `data` may be
 * overwritten at once, {@link QUEUED} when the datagram waits in libuv's queue (the caller must not
 * touch `data` again), {@link FAILED} when the send failed synchronously.
 */
export type UdpSendFn = (data: Buffer, offset: number, length: number, port: number, address: string) => number;

export const SENT = 1;
export const QUEUED = 0;
export const FAILED = -1;

interface UdpHandle {
  send(req: object, list: Uint8Array[], count: number, port: number, address: string, hasCallback: boolean): number;
}

type SendWrapCtor = new () => { list?: Uint8Array[] };

/** The public path: copy the reply into a fresh buffer and hand it to `socket.send`. */
export function publicSend(socket: Socket): UdpSendFn {
  return (data, offset, length, port, address) => {
    const copy = Buffer.allocUnsafe(length);
    data.copy(copy, 0, offset, offset + length);
    socket.send(copy, port, address);
    return SENT;
  };
}

/**
 * The fast path: call the socket's libuv handle directly, as `dgram`'s own `doSend` does, skipping
 * the argument checks, the address lookup (with its closure and `process.nextTick`), and the copy.
 * The handle reports a synchronous send (the usual case) as `bytes + 1`, so the reply buffer can be
 * reused. This relies on Node internals that have been stable since Node 12 (the socket's state
 * symbol and `process.binding('udp_wrap').SendWrap`); when they are not found it returns undefined and
 * the caller uses {@link publicSend}.
 */
export function fastSend(socket: Socket): UdpSendFn | undefined {
  try {
    const binding = (process as unknown as { binding(name: string): Record<string, unknown> }).binding('udp_wrap');
    const SendWrap = binding.SendWrap as SendWrapCtor | undefined;
    const stateSymbol = Object.getOwnPropertySymbols(socket).find((s) => s.description === 'state symbol');
    if (typeof SendWrap !== 'function' || !stateSymbol) return undefined;
    const state = (socket as unknown as Record<symbol, { handle?: UdpHandle } | undefined>)[stateSymbol];
    const handle = state?.handle;
    if (!handle || typeof handle.send !== 'function') return undefined;
    return (data, offset, length, port, address) => {
      const req = new SendWrap();
      const list = [data.subarray(offset, offset + length)];
      req.list = list; // keeps the bytes alive if the send is queued
      const rc = handle.send(req, list, 1, port, address, false);
      return rc >= 1 ? SENT : rc === 0 ? QUEUED : FAILED;
    };
  } catch {
    return undefined;
  }
}

/**
 * {@link fastSend}, checked on the live socket: one datagram is sent through it to a throw-away
 * loopback socket and must arrive intact within `timeoutMs`. Any surprise (a Node version whose
 * internals differ) yields undefined, and the caller falls back to {@link publicSend}.
 */
export async function verifiedFastSend(socket: Socket, timeoutMs = 1000): Promise<UdpSendFn | undefined> {
  const send = fastSend(socket);
  if (!send) return undefined;
  const family = socket.address().family === 'IPv6' ? 6 : 4;
  const loopback = family === 6 ? '::1' : '127.0.0.1';
  const probe = dgram.createSocket(family === 6 ? 'udp6' : 'udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.bind(0, loopback, () => resolve());
    });
    const payload = Buffer.from(`scaleout-dns-fast-send-check-${process.pid}-${Date.now()}`);
    const framed = Buffer.concat([Buffer.from([0xaa, 0xbb]), payload]);
    const arrived = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      probe.on('message', (msg) => {
        if (msg.equals(payload)) {
          clearTimeout(timer);
          resolve(true);
        }
      });
    });
    const rc = send(framed, 2, payload.length, probe.address().port, loopback);
    if (rc === FAILED) return undefined;
    return (await arrived) ? send : undefined;
  } catch {
    return undefined;
  } finally {
    probe.close();
  }
}
