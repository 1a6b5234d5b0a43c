import { bearerChecker } from '@scaleout/service';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { ForbiddenError, LoginRequiredError, NotFoundError, ValidationError } from '../errors.js';
import { cartCount, cartOf, withAdded, withOrdered, withQuantity } from '../shop/cart.js';
import type { ProductPatch } from '../shop/products-repo.js';
import type { ShopSessionData } from '../session/request-session.js';
import type { WebContext } from '../web-context.js';
import { catalogueKeys, checkApiCsrf, shareable, userOf, userOfData } from './route-helpers.js';
import { productKey } from '../cache/lb-cache-purger.js';
import {
  adminHeaders,
  apiCatalogueQuery,
  cartAddBody,
  cartReplaceBody,
  cartSchema,
  cataloguePageSchema,
  checkoutBody,
  checkoutHeaders,
  checkoutResponse,
  credentialsBody,
  emptyBody,
  heavyQuery,
  heavyResponse,
  idParams,
  meResponse,
  noQuery,
  orderSchema,
  ordersResponse,
  productPatchBody,
  productSchema,
  responses,
  signupBody,
  userResponse,
} from './schemas.js';

interface IdParams {
  id: number;
}
interface Credentials {
  username: string;
  password: string;
}

/**
 * The JSON API under `/api/` (the contract paths listed in apps/web/README.md: products, products/:id, signup, login, logout,
 * cart, checkout, orders). Errors are `{ error: { code, message } }`. Calls that change state with the
 * session cookie need `X-Requested-With` (see checkApiCsrf); the admin product update needs
 * `Authorization: Bearer <admin token>` instead.
 */
export const apiRoutes: FastifyPluginAsync<{ ctx: WebContext }> = async (app, { ctx }) => {
  const { shop, config } = ctx;
  const adminAuthorized = bearerChecker(config.adminToken);
  const csrf = async (request: FastifyRequest) => checkApiCsrf(ctx, request);

  app.addHook('onSend', async (_request, reply, payload) => {
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    return payload;
  });

  const cartBody = async (data: ShopSessionData | undefined) => ({ user: userOfData(data), ...(await shop.cartView(cartOf(data))) });

  // --- catalogue ------------------------------------------------------------------------------------

  app.get<{ Querystring: { page: number; q: string; pageSize?: number } }>(
    '/products',
    { schema: { querystring: apiCatalogueQuery, response: responses({ 200: cataloguePageSchema }) } },
    async (request, reply) => {
      const { page, q, pageSize } = request.query;
      const cat = await shop.catalogue(page, pageSize ?? config.pageSize, q);
      reply.header('x-cache', cat.cache);
      shareable(ctx, request, reply, catalogueKeys(cat.value.items));
      return cat.value;
    },
  );

  app.get<{ Params: IdParams }>(
    '/products/:id',
    { schema: { params: idParams, response: responses({ 200: productSchema }) } },
    async (request, reply) => {
      const product = await shop.product(request.params.id);
      reply.header('x-cache', product.cache);
      if (!product.value) throw new NotFoundError(`there is no product ${request.params.id}`);
      shareable(ctx, request, reply, [productKey(product.value.id)]);
      return product.value;
    },
  );

  app.patch<{ Params: IdParams; Body: ProductPatch }>(
    '/products/:id',
    { schema: { params: idParams, headers: adminHeaders, body: productPatchBody, response: responses({ 200: productSchema }) } },
    async (request) => {
      if (!adminAuthorized(request.headers.authorization)) throw new ForbiddenError();
      const updated = await shop.updateProduct(request.params.id, request.body);
      if (!updated) throw new NotFoundError(`there is no product ${request.params.id}`);
      return updated;
    },
  );

  // --- accounts -------------------------------------------------------------------------------------

  app.post<{ Body: Credentials }>(
    '/signup',
    { preHandler: csrf, schema: { body: signupBody, response: responses({ 201: userResponse }) } },
    async (request, reply) => {
      const user = await shop.signup(request.body.username, request.body.password);
      await request.shopSession.logIn(user);
      return reply.code(201).send({ user: { id: user.id, username: user.username } });
    },
  );

  app.post<{ Body: Credentials }>(
    '/login',
    { preHandler: csrf, schema: { body: credentialsBody, response: responses({ 200: userResponse }) } },
    async (request) => {
      // a RateLimitedError carries Retry-After (set by the error handler)
      const user = await shop.authenticate(request.body.username, request.body.password, request.ip);
      await request.shopSession.logIn(user);
      return { user: { id: user.id, username: user.username } };
    },
  );

  app.post('/logout', { preHandler: csrf, schema: { body: emptyBody, response: responses({ 200: userResponse }) } }, async (request) => {
    if (request.shopSession.id) {
      await request.shopSession.logOut();
    }
    return { user: null };
  });

  app.get('/me', { schema: { querystring: noQuery, response: responses({ 200: meResponse }) } }, async (request) => {
    const session = await request.shopSession.load();
    return { user: userOf(session), cartCount: cartCount(session?.data), instance: config.instance };
  });

  // --- cart -----------------------------------------------------------------------------------------

  app.get('/cart', { schema: { querystring: noQuery, response: responses({ 200: cartSchema }) } }, async (request) => {
    const session = await request.shopSession.load();
    return cartBody(session?.data);
  });

  app.post<{ Body: { productId: number; quantity: number } }>(
    '/cart',
    { preHandler: csrf, schema: { body: cartAddBody, response: responses({ 200: cartSchema }) } },
    async (request) => {
      const { productId, quantity } = request.body;
      const product = await shop.product(productId);
      if (!product.value) throw new NotFoundError(`there is no product ${productId}`);
      const session = await request.shopSession.update((d) => withAdded(d, productId, quantity));
      return cartBody(session.data);
    },
  );

  app.put<{ Body: { items: { productId: number; quantity: number }[] } }>(
    '/cart',
    { preHandler: csrf, schema: { body: cartReplaceBody, response: responses({ 200: cartSchema }) } },
    async (request) => {
      const items = request.body.items.filter((i) => i.quantity > 0);
      const found = await Promise.all(items.map(async (i) => (await shop.product(i.productId)).value));
      const missing = items.find((_, n) => !found[n]);
      if (missing) throw new NotFoundError(`there is no product ${missing.productId}`);
      const session = await request.shopSession.update((d) => items.reduce<ShopSessionData>((acc, i) => withQuantity(acc, i.productId, i.quantity), { ...d, cart: {} }));
      return cartBody(session.data);
    },
  );

  app.delete('/cart', { preHandler: csrf, schema: { body: emptyBody, response: responses({ 200: cartSchema }) } }, async (request) => {
    if (!request.shopSession.id) return cartBody(undefined);
    const session = await request.shopSession.update((d) => ({ ...d, cart: {} }));
    return cartBody(session.data);
  });

  // --- checkout and orders --------------------------------------------------------------------------

  app.post<{ Body: { idempotencyKey?: string } | null; Headers: { 'idempotency-key'?: string } }>(
    '/checkout',
    { preHandler: csrf, schema: { body: checkoutBody, headers: checkoutHeaders, response: responses({ 200: checkoutResponse, 201: checkoutResponse }) } },
    async (request, reply) => {
      const key = request.headers['idempotency-key'] ?? request.body?.idempotencyKey;
      if (!key) throw new ValidationError('an idempotency key is required (Idempotency-Key header or idempotencyKey field)');
      const session = await request.shopSession.load();
      const user = userOf(session);
      if (!user) throw new LoginRequiredError();
      const result = await shop.checkout(user.id, cartOf(session!.data), key);
      if (!result.replayed) {
        const ordered = new Map(result.order.lines.map((l) => [l.productId, l.quantity]));
        await request.shopSession.update((d) => withOrdered(d, ordered));
      }
      return reply.code(result.replayed ? 200 : 201).send(result);
    },
  );

  app.get('/orders', { schema: { querystring: noQuery, response: responses({ 200: ordersResponse }) } }, async (request) => {
    const user = userOf(await request.shopSession.load());
    if (!user) throw new LoginRequiredError();
    return { orders: await shop.orders.listForUser(user.id) };
  });

  app.get<{ Params: IdParams }>('/orders/:id', { schema: { params: idParams, response: responses({ 200: orderSchema }) } }, async (request) => {
    const user = userOf(await request.shopSession.load());
    if (!user) throw new LoginRequiredError();
    const order = await shop.orders.findForUser(user.id, request.params.id);
    if (!order) throw new NotFoundError(`there is no order ${request.params.id}`);
    return order;
  });

  // --- a heavy request: a report or an export that keeps the replica's one event loop busy ----------
  app.get<{ Querystring: { cpuMs: number } }>('/heavy', { schema: { querystring: heavyQuery, response: responses({ 200: heavyResponse }) } }, async (request) => {
    if (config.heavyMaxMs === 0) throw new NotFoundError('the heavy endpoint is off (WEB_HEAVY_MAX_MS=0)');
    const { cpuMs } = request.query;
    if (cpuMs > config.heavyMaxMs) throw new ValidationError(`cpuMs ${cpuMs} is above WEB_HEAVY_MAX_MS (${config.heavyMaxMs})`);
    return { cpuMs, spentMs: burnCpu(cpuMs), instance: config.instance };
  });
};

/** Computes (a running hash) without yielding for `ms` milliseconds; returns the time spent. */
function burnCpu(ms: number): number {
  const start = performance.now();
  let x = 0;
  while (performance.now() - start < ms) for (let i = 0; i < 10_000; i++) x = (x * 31 + i) | 0;
  if (x === 42) performance.mark('never'); // keeps the loop from being optimised away
  return +(performance.now() - start).toFixed(1);
}
