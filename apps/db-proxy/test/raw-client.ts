// A minimal MySQL client on a raw socket, to send what real clients never send.
import { connect, type Socket } from 'node:net';
import { Cap } from '../src/protocol/constants.js';
import { handshakeResponsePayload, readGreeting } from '../src/protocol/handshake.js';
import { scramblePassword } from '../src/protocol/native-password.js';
import { PacketReader, type Message } from '../src/protocol/packet-reader.js';
import { framePackets, readErr, type ErrPacket } from '../src/protocol/packets.js';

export class RawClient {
  readonly socket: Socket;
  readonly #reader = new PacketReader(1 << 30);
  #waiters: ((m: Message | undefined) => void)[] = [];
  #closed = false;
  readonly closed: Promise<void>;

  private constructor(socket: Socket) {
    this.socket = socket;
    this.closed = new Promise((r) => socket.on('close', () => r()));
    socket.on('data', (d) => {
      this.#reader.push(d);
      this.#pump();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.#closed = true;
      for (const w of this.#waiters.splice(0)) w(undefined);
    });
  }

  static async open(port: number): Promise<RawClient> {
    const s = connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      s.once('connect', resolve);
      s.once('error', reject);
    });
    return new RawClient(s);
  }

  /** Connects and logs in as app/app (database shop). */
  static async login(port: number, password = 'app'): Promise<{ client: RawClient; reply: Message }> {
    const c = await RawClient.open(port);
    const g = readGreeting((await c.next())!.payload);
    c.send(
      handshakeResponsePayload({
        capabilities: Cap.PROTOCOL_41 | Cap.SECURE_CONNECTION | Cap.PLUGIN_AUTH | Cap.LONG_PASSWORD | Cap.TRANSACTIONS,
        maxPacket: 1 << 24,
        charset: 45,
        user: 'app',
        authResponse: scramblePassword(password, g.scramble),
        database: 'shop',
        authPlugin: 'mysql_native_password',
      }),
      1,
    );
    return { client: c, reply: (await c.next())! };
  }

  #pump(): void {
    while (this.#waiters.length > 0) {
      const m = this.#reader.next();
      if (!m) return;
      this.#waiters.shift()!(m);
    }
  }

  /** The next message from the proxy, or undefined once the connection is closed. */
  next(): Promise<Message | undefined> {
    return new Promise((resolve) => {
      if (this.#closed) {
        const m = this.#reader.next();
        resolve(m);
        return;
      }
      this.#waiters.push(resolve);
      this.#pump();
    });
  }

  send(payload: Buffer, seq = 0): void {
    this.socket.write(framePackets(payload, seq));
  }

  write(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** Reads messages until an ERR and returns it (undefined when the connection closes first). */
  async nextError(): Promise<ErrPacket | undefined> {
    for (;;) {
      const m = await this.next();
      if (!m) return undefined;
      if (m.payload[0] === 0xff) return readErr(m.payload);
    }
  }

  destroy(): void {
    this.socket.destroy();
  }
}
