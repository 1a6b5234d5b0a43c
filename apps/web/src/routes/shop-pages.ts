import type { FastifyPluginAsync } from 'fastify';
import { randomId } from '@scaleout/hashing';
import { isWebError, NotFoundError, ValidationError } from '../errors.js';
import { cartOf, withAdded, withOrdered, withQuantity } from '../shop/cart.js';
import { cartPage, cataloguePage, loginPage, orderPage, ordersPage, productPage, signupPage } from '../views/pages.js';
import type { WebContext } from '../web-context.js';
import { catalogueKeys, checkFormCsrf, pageContext, safeNext, sendHtml, shareable, userOf } from './route-helpers.js';
import {
  accountForm,
  cartAddForm,
  cartUpdateForm,
  catalogueQuery,
  checkoutForm,
  csrfOnlyForm,
  idParams,
  noQuery,
  USERNAME_PATTERN,
} from './schemas.js';

interface CatalogueQs {
  page: number;
  q: string;
}
interface IdParams {
  id: number;
}
interface CartForm {
  _csrf?: string;
  productId: number;
  quantity: number;
}
interface AccountForm {
  _csrf?: string;
  username: string;
  password: string;
  next?: string;
}

const USERNAME = new RegExp(USERNAME_PATTERN);

/** The server-rendered pages: catalogue, product, sign-up, login, logout, cart, checkout, orders. */
export const shopPages: FastifyPluginAsync<{ ctx: WebContext }> = async (app, { ctx }) => {
  const { shop, config } = ctx;

  const catalogue = async (request: { query: CatalogueQs }) => shop.catalogue(request.query.page, config.pageSize, request.query.q);

  for (const path of ['/', '/products']) {
    app.get<{ Querystring: CatalogueQs }>(path, { schema: { querystring: catalogueQuery } }, async (request, reply) => {
      const [cat, page] = await Promise.all([catalogue(request), pageContext(ctx, request)]);
      reply.header('x-cache', cat.cache);
      shareable(ctx, request, reply, catalogueKeys(cat.value.items));
      return sendHtml(reply, 200, cataloguePage(page, cat.value));
    });
  }

  app.get<{ Params: IdParams; Querystring: { added?: number } }>(
    '/products/:id',
    { schema: { params: idParams, querystring: { type: 'object', properties: { added: { type: 'integer', minimum: 0, maximum: 99 } } } } },
    async (request, reply) => {
      const product = await shop.product(request.params.id);
      reply.header('x-cache', product.cache);
      if (!product.value) throw new NotFoundError(`there is no product ${request.params.id}`);
      await request.shopSession.ensure();
      const page = await pageContext(ctx, request);
      const message = request.query.added ? `Added ${request.query.added} to your cart.` : undefined;
      return sendHtml(reply, 200, productPage(page, product.value, request.shopSession.csrfToken(), message));
    },
  );

  // --- accounts -------------------------------------------------------------------------------------

  app.get<{ Querystring: { next?: string } }>(
    '/login',
    { schema: { querystring: { type: 'object', properties: { next: { type: 'string', maxLength: 200 } } } } },
    async (request, reply) => {
      await request.shopSession.ensure();
      const page = await pageContext(ctx, request);
      return sendHtml(reply, 200, loginPage(page, { csrfToken: request.shopSession.csrfToken(), next: safeNext(request.query.next) }));
    },
  );

  app.post<{ Body: AccountForm }>('/login', { schema: { body: accountForm } }, async (request, reply) => {
    checkFormCsrf(request, request.body._csrf);
    const { username, password } = request.body;
    const next = safeNext(request.body.next);
    try {
      if (!USERNAME.test(username)) throw new ValidationError('wrong user name or password');
      const user = await shop.authenticate(username, password, request.ip);
      await request.shopSession.logIn(user);
    } catch (err) {
      if (!isWebError(err, 'WEB_ERR_BAD_CREDENTIALS', 'WEB_ERR_RATE_LIMITED', 'WEB_ERR_VALIDATION')) throw err;
      if (err.retryAfterSeconds) reply.header('retry-after', String(err.retryAfterSeconds));
      const page = await pageContext(ctx, request);
      const status = err.code === 'WEB_ERR_VALIDATION' ? 401 : err.statusCode;
      return sendHtml(reply, status, loginPage(page, { csrfToken: request.shopSession.csrfToken(), username, error: err.message, next }));
    }
    return reply.redirect(next, 303);
  });

  app.get('/signup', { schema: { querystring: noQuery } }, async (request, reply) => {
    await request.shopSession.ensure();
    const page = await pageContext(ctx, request);
    return sendHtml(reply, 200, signupPage(page, { csrfToken: request.shopSession.csrfToken() }));
  });

  app.post<{ Body: AccountForm }>('/signup', { schema: { body: accountForm } }, async (request, reply) => {
    checkFormCsrf(request, request.body._csrf);
    const { username, password } = request.body;
    try {
      if (!USERNAME.test(username)) throw new ValidationError('user names have 3 to 32 letters, digits, "_", "." or "-"');
      if (password.length < 8) throw new ValidationError('passwords have at least 8 characters');
      const user = await shop.signup(username, password);
      await request.shopSession.logIn(user);
    } catch (err) {
      if (!isWebError(err, 'WEB_ERR_USERNAME_TAKEN', 'WEB_ERR_VALIDATION')) throw err;
      const page = await pageContext(ctx, request);
      return sendHtml(reply, err.statusCode, signupPage(page, { csrfToken: request.shopSession.csrfToken(), username, error: err.message }));
    }
    return reply.redirect('/', 303);
  });

  app.post<{ Body: { _csrf?: string } }>('/logout', { schema: { body: csrfOnlyForm } }, async (request, reply) => {
    checkFormCsrf(request, request.body?._csrf);
    await request.shopSession.logOut();
    return reply.redirect('/', 303);
  });

  // --- cart and checkout ----------------------------------------------------------------------------

  app.get('/cart', { schema: { querystring: noQuery } }, async (request, reply) => {
    const session = await request.shopSession.ensure();
    const [view, page] = await Promise.all([shop.cartView(cartOf(session.data)), pageContext(ctx, request)]);
    return sendHtml(reply, 200, cartPage(page, view, { csrfToken: request.shopSession.csrfToken(), idempotencyKey: randomId(18) }));
  });

  app.post<{ Body: CartForm }>('/cart', { schema: { body: cartAddForm } }, async (request, reply) => {
    checkFormCsrf(request, request.body._csrf);
    const { productId, quantity } = request.body;
    const product = await shop.product(productId);
    if (!product.value) throw new NotFoundError(`there is no product ${productId}`);
    await request.shopSession.update((d) => withAdded(d, productId, quantity));
    return reply.redirect('/cart', 303);
  });

  app.post<{ Body: CartForm }>('/cart/update', { schema: { body: cartUpdateForm } }, async (request, reply) => {
    checkFormCsrf(request, request.body._csrf);
    const { productId, quantity } = request.body;
    await request.shopSession.update((d) => withQuantity(d, productId, quantity));
    return reply.redirect('/cart', 303);
  });

  app.post<{ Body: { _csrf?: string; idempotencyKey: string } }>('/checkout', { schema: { body: checkoutForm } }, async (request, reply) => {
    checkFormCsrf(request, request.body._csrf);
    const session = await request.shopSession.load();
    const user = userOf(session);
    if (!user) return reply.redirect('/login?next=/cart', 303);
    const cart = cartOf(session!.data);
    try {
      const result = await shop.checkout(user.id, cart, request.body.idempotencyKey);
      if (!result.replayed) {
        const ordered = new Map(result.order.lines.map((l) => [l.productId, l.quantity]));
        await request.shopSession.update((d) => withOrdered(d, ordered));
      }
      return reply.redirect(`/orders/${result.order.id}?placed=1`, 303);
    } catch (err) {
      if (isWebError(err, 'WEB_ERR_EMPTY_CART')) return reply.redirect('/cart', 303);
      if (!isWebError(err, 'WEB_ERR_OUT_OF_STOCK')) throw err;
      const [view, page] = await Promise.all([shop.cartView(cart), pageContext(ctx, request)]);
      const name = view.lines.find((l) => l.productId === (err as { productId?: number }).productId)?.name ?? 'a product';
      return sendHtml(
        reply,
        409,
        cartPage(page, view, {
          csrfToken: request.shopSession.csrfToken(),
          idempotencyKey: randomId(18),
          error: `Sorry, there is not enough stock of ${name} left. Lower the quantity and try again.`,
        }),
      );
    }
  });

  // --- orders ---------------------------------------------------------------------------------------

  app.get('/orders', { schema: { querystring: noQuery } }, async (request, reply) => {
    const user = userOf(await request.shopSession.load());
    if (!user) return reply.redirect('/login?next=/orders', 303);
    const [orders, page] = await Promise.all([shop.orders.listForUser(user.id), pageContext(ctx, request)]);
    return sendHtml(reply, 200, ordersPage(page, orders));
  });

  app.get<{ Params: IdParams; Querystring: { placed?: number } }>(
    '/orders/:id',
    { schema: { params: idParams, querystring: { type: 'object', properties: { placed: { type: 'integer', minimum: 0, maximum: 1 } } } } },
    async (request, reply) => {
      const user = userOf(await request.shopSession.load());
      if (!user) return reply.redirect(`/login?next=/orders/${request.params.id}`, 303);
      const order = await shop.orders.findForUser(user.id, request.params.id);
      if (!order) throw new NotFoundError(`there is no order ${request.params.id}`);
      const page = await pageContext(ctx, request);
      return sendHtml(reply, 200, orderPage(page, order, request.query.placed === 1));
    },
  );
};
