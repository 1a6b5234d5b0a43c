import http from 'node:http';
import type { AddressInfo } from 'node:net';
import dgram from 'node:dgram';
import dnsPacket from 'dns-packet';

/**
 * A stand-in for apps/web with the routes and rules the shop journeys rely on (unit tests only):
 * product ids are the odd numbers 1…499 (so a journey must use the listed ids), the JSON calls that
 * change state need `x-requested-with`, cart/checkout/orders need the session cookie of a login, and
 * every 4th checkout is out of stock.
 */
export interface FakeShop {
  host: string;
  port: number;
  hits: Map<string, number>;
  close(): Promise<void>;
}

const IDS = Array.from({ length: 250 }, (_, i) => 2 * i + 1);

export type FakeSessions = Map<string, { user?: string; cart: number[] }>;

/** `sessions`: pass one map to several fakes to share sessions between them, as the real LBs' replicas do. */
export async function fakeShop(host: string, port = 0, options: { failCart?: boolean; sessions?: FakeSessions } = {}): Promise<FakeShop> {
  const hits = new Map<string, number>();
  const sessions: FakeSessions = options.sessions ?? new Map();
  let checkouts = 0;
  let nextSid = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url!, 'http://x');
      const key = `${req.method} ${url.pathname}`;
      hits.set(key, (hits.get(key) ?? 0) + 1);
      const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        const text = JSON.stringify(body);
        res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(text);
      };
      const sid = /(?:^|; )sid=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
      const session = sid ? sessions.get(sid) : undefined;
      const newSession = (user?: string) => {
        const id = `s${host}-${++nextSid}`;
        sessions.set(id, { user, cart: session?.cart ?? [] });
        return { 'set-cookie': `sid=${id}; Path=/; HttpOnly; SameSite=Lax` };
      };
      const body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>) : {};
      if (req.method === 'POST' && req.headers['x-requested-with'] === undefined) return json(403, { code: 'WEB_ERR_CSRF' });
      if (req.method === 'GET' && (url.pathname === '/' || url.pathname === '/products')) return res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>shop</h1>');
      const page = /^\/products\/(\d+)$/.exec(url.pathname);
      if (page) return IDS.includes(Number(page[1])) ? res.end('<h1>product</h1>') : res.writeHead(404).end('no such product');
      if (url.pathname === '/api/products') {
        const size = Number(url.searchParams.get('pageSize') ?? 20);
        const p = Number(url.searchParams.get('page') ?? 1);
        const items = IDS.slice((p - 1) * size, p * size).map((id) => ({ id, name: `p${id}` }));
        return json(200, { page: p, pageSize: size, total: IDS.length, pages: Math.ceil(IDS.length / size), items });
      }
      if (url.pathname === '/api/signup') {
        if (typeof body.username !== 'string' || !/^[a-z0-9_]{3,32}$/.test(body.username)) return json(400, { code: 'WEB_ERR_VALIDATION' });
        return json(201, { user: { username: body.username } }, newSession(body.username));
      }
      if (url.pathname === '/api/login') {
        if (!/^user([1-9]\d{0,2}|1000)$/.test(String(body.username)) || body.password !== 'password') return json(401, { code: 'WEB_ERR_BAD_CREDENTIALS' });
        return json(200, { user: { username: body.username } }, newSession(String(body.username)));
      }
      if (url.pathname === '/api/me') return json(200, { user: session?.user ?? null });
      if (url.pathname === '/api/logout') return json(200, { user: null }, newSession());
      if (!session?.user) return json(401, { code: 'WEB_ERR_LOGIN_REQUIRED' });
      if (url.pathname === '/api/cart' && req.method === 'POST') {
        if (options.failCart) return json(500, { code: 'WEB_ERR_INTERNAL' });
        if (!IDS.includes(Number(body.productId))) return json(404, { code: 'WEB_ERR_NOT_FOUND' });
        session.cart.push(Number(body.productId));
        return json(200, { lines: session.cart });
      }
      if (url.pathname === '/api/cart') return json(200, { lines: session.cart });
      if (url.pathname === '/api/checkout') {
        if (!/^[A-Za-z0-9_-]{8,64}$/.test(String(req.headers['idempotency-key']))) return json(400, { code: 'WEB_ERR_VALIDATION' });
        if (session.cart.length === 0) return json(409, { code: 'WEB_ERR_EMPTY_CART' });
        if (++checkouts % 4 === 0) return json(409, { code: 'WEB_ERR_OUT_OF_STOCK', message: 'not enough stock' });
        session.cart = [];
        return json(201, { order: { id: checkouts }, replayed: false });
      }
      if (url.pathname === '/api/orders') return json(200, { orders: [] });
      json(404, { code: 'WEB_ERR_NOT_FOUND' });
    });
  });
  await new Promise<void>((r) => server.listen(port, host, () => r()));
  return {
    host,
    port: (server.address() as AddressInfo).port,
    hits,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** A UDP DNS server answering A queries for `name` with `addresses()` (rotated per query), TTL `ttl`. */
export async function fakeDns(name: string, addresses: () => string[], ttl = 1) {
  const socket = dgram.createSocket('udp4');
  let queries = 0;
  socket.on('message', (msg, rinfo) => {
    const q = dnsPacket.decode(msg);
    const question = q.questions?.[0];
    queries++;
    const list = addresses();
    const rot = queries % Math.max(1, list.length);
    const ordered = [...list.slice(rot), ...list.slice(0, rot)];
    const answers =
      question && question.name.toLowerCase() === name && question.type === 'A'
        ? ordered.map((data) => ({ type: 'A' as const, name: question.name, ttl, class: 'IN' as const, data }))
        : [];
    const reply = dnsPacket.encode({ id: q.id, type: 'response', flags: dnsPacket.AUTHORITATIVE_ANSWER, questions: q.questions, answers });
    socket.send(reply, rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  return {
    port: socket.address().port,
    get queries() {
      return queries;
    },
    close: () => new Promise<void>((r) => socket.close(() => r())),
  };
}
