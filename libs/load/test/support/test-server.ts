import http from 'node:http';
import net from 'node:net';

export interface TestServer {
  port: number;
  url: string;
  close(): Promise<void>;
}

/** An http server on a free loopback port, closed (with its connections) by `close`. */
export async function listen(handler: http.RequestListener): Promise<TestServer> {
  const server = http.createServer({ keepAliveTimeout: 60_000 }, handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
