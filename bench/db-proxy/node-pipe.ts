// The floor of a Node.js TCP proxy: a plain byte relay with no protocol knowledge, to compare the db-proxy's
// CPU per query against what Node's socket layer costs by itself (run.ts target `pipe`).
//
//   node bench/db-proxy/node-pipe.ts <listen-port> <target-host> <target-port> [data|onread]
//
// `data`: the usual 'data' events on both sides; `onread`: the server-side connection uses a reusable
// read buffer (net.Socket `onread` option) and copies what it forwards.
import { connect, createServer, type Socket } from 'node:net';

const [listenPort, host, port, mode = 'data'] = process.argv.slice(2);

function pipeData(from: Socket, to: Socket): void {
  from.on('data', (chunk: Buffer) => {
    if (!to.write(chunk)) {
      from.pause();
      to.once('drain', () => from.resume());
    }
  });
}

const server = createServer({ noDelay: true }, (client) => {
  let upstream: Socket;
  if (mode === 'onread') {
    const buf = Buffer.allocUnsafe(64 * 1024);
    upstream = connect({
      host,
      port: Number(port),
      noDelay: true,
      onread: {
        buffer: buf,
        callback: (n: number) => {
          // the buffer is reused for the next read: what is forwarded must be a copy unless written at once
          client.write(Buffer.from(buf.subarray(0, n)));
          return true;
        },
      },
    });
  } else {
    upstream = connect({ host, port: Number(port), noDelay: true });
    pipeData(upstream, client);
  }
  pipeData(client, upstream);
  client.on('error', () => upstream.destroy());
  upstream.on('error', () => client.destroy());
  client.on('close', () => upstream.destroy());
  upstream.on('close', () => client.destroy());
});
server.listen(Number(listenPort), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
