// Reference for bench/lb: @fastify/http-proxy (undici underneath) in front of one upstream.
// Usage: tsx apps/lb/bench/fastify-proxy.ts <listen port> <upstream url>
import Fastify from 'fastify';
import proxy from '@fastify/http-proxy';

const port = Number(process.argv[2] ?? 8090);
const upstream = process.argv[3] ?? 'http://127.0.0.1:9001';
const app = Fastify({ logger: false });
await app.register(proxy, { upstream, http: undefined, undici: { connections: 128, pipelining: 1 } });
await app.listen({ host: '127.0.0.1', port });
process.stdout.write(`LISTENING ${port}\n`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
