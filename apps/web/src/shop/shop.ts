import { createHash } from 'node:crypto';
import type { Logger } from '@scaleout/service';
import type { Cached, ReadThroughCache } from '../cache/read-through-cache.js';
import { CATALOGUE_KEY, productKey, type LbCachePurger } from '../cache/lb-cache-purger.js';
import type { Database } from '../db/database.js';
import { BadCredentialsError, RateLimitedError } from '../errors.js';
import type { WebMetrics } from '../web-metrics.js';
import type { LoginRateLimiter } from './login-rate-limiter.js';
import { OrdersRepo, type CheckoutResult } from './orders-repo.js';
import { burnVerification, hashPassword, verifyPassword } from './password.js';
import { ProductsRepo, type CataloguePage, type Product, type ProductPatch } from './products-repo.js';
import { UsersRepo, type User } from './users-repo.js';

export interface CartLine {
  productId: number;
  name: string;
  priceCents: number;
  quantity: number;
  lineCents: number;
  stock: number;
}

export interface CartView {
  lines: CartLine[];
  totalCents: number;
  itemCount: number;
}

export interface ShopOptions {
  db: Database;
  cache: ReadThroughCache;
  limiter: LoginRateLimiter;
  metrics?: WebMetrics;
  logger?: Logger;
  /** Bans the load balancers' cached pages of products that changed. */
  purger?: LbCachePurger;
}

const CATALOGUE = 'catalogue';

/**
 * The shop's use cases over the repositories, the read-through cache and the login limiter. Cache keys:
 * `p:<id>` (one product, deleted on every write to it) and `cat:<generation>:<page>:<size>:<query hash>`
 * (catalogue pages; a product update starts a new generation, so every cached page is dropped at once).
 */
export class Shop {
  readonly products: ProductsRepo;
  readonly users: UsersRepo;
  readonly orders: OrdersRepo;
  readonly #cache: ReadThroughCache;
  readonly #limiter: LoginRateLimiter;
  readonly #metrics: WebMetrics | undefined;
  readonly #purger: LbCachePurger | undefined;

  constructor(options: ShopOptions) {
    this.#purger = options.purger;
    this.products = new ProductsRepo(options.db);
    this.users = new UsersRepo(options.db);
    this.orders = new OrdersRepo(options.db);
    this.#cache = options.cache;
    this.#limiter = options.limiter;
    this.#metrics = options.metrics;
  }

  /** A product through the cache (a missing product is cached too, as null). */
  product(id: number): Promise<Cached<Product | null>> {
    return this.#cache.get('product', `p:${id}`, () => this.products.findById(id));
  }

  async catalogue(page: number, pageSize: number, query: string): Promise<Cached<CataloguePage>> {
    const q = query.trim().slice(0, 100);
    const gen = await this.#cache.generation(CATALOGUE);
    const qKey = q === '' ? '-' : createHash('sha256').update(q.toLowerCase()).digest('base64url').slice(0, 22);
    return this.#cache.get(CATALOGUE, `cat:${gen}:${page}:${pageSize}:${qKey}`, () => this.products.list({ page, pageSize, query: q }));
  }

  /** Admin update: writes the row, then invalidates the product and every catalogue page. */
  async updateProduct(id: number, patch: ProductPatch): Promise<Product | null> {
    const updated = await this.products.update(id, patch);
    await Promise.all([this.#cache.invalidate('product', `p:${id}`), this.#cache.bumpGeneration(CATALOGUE)]);
    // after the read-through cache, so a page the LB fetches again is built from the new row
    await this.#purger?.ban([productKey(id), CATALOGUE_KEY]);
    return updated;
  }

  async signup(username: string, password: string): Promise<User> {
    return this.users.create(username, await hashPassword(password));
  }

  /**
   * Checks a login under the rate limits: {@link RateLimitedError} when the account or the IP has
   * too many recent failures, {@link BadCredentialsError} for a wrong name or password (same time
   * either way).
   */
  async authenticate(username: string, password: string, ip: string): Promise<User> {
    const name = username.toLowerCase();
    const decision = await this.#limiter.begin(name, ip);
    if (!decision.allowed) {
      this.#metrics?.logins.inc({ result: 'rate_limited' });
      throw new RateLimitedError(decision.retryAfterSeconds);
    }
    const user = await this.users.findByUsername(name);
    const ok = user ? await verifyPassword(password, user.passwordHash) : (await burnVerification(password), false);
    if (!user || !ok) {
      this.#metrics?.logins.inc({ result: 'bad_credentials' });
      throw new BadCredentialsError();
    }
    await this.#limiter.succeeded(name, ip);
    this.#metrics?.logins.inc({ result: 'ok' });
    return user;
  }

  /** The cart with current names, prices and stock (products that no longer exist are left out). */
  async cartView(cart: ReadonlyMap<number, number>): Promise<CartView> {
    const found = await Promise.all([...cart.entries()].map(async ([id, quantity]) => ({ quantity, product: (await this.product(id)).value })));
    const lines: CartLine[] = [];
    for (const { quantity, product } of found) {
      if (!product) continue;
      lines.push({
        productId: product.id,
        name: product.name,
        priceCents: product.priceCents,
        quantity,
        lineCents: product.priceCents * quantity,
        stock: product.stock,
      });
    }
    lines.sort((a, b) => a.productId - b.productId);
    return {
      lines,
      totalCents: lines.reduce((s, l) => s + l.lineCents, 0),
      itemCount: lines.reduce((s, l) => s + l.quantity, 0),
    };
  }

  /** Places the order (see OrdersRepo.checkout), then drops the cached products whose stock changed. */
  async checkout(userId: number, cart: ReadonlyMap<number, number>, idempotencyKey: string): Promise<CheckoutResult> {
    let result: CheckoutResult;
    try {
      result = await this.orders.checkout(userId, cart, idempotencyKey);
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'WEB_ERR_OUT_OF_STOCK') this.#metrics?.checkouts.inc({ result: 'out_of_stock' });
      else if (code === 'WEB_ERR_EMPTY_CART') this.#metrics?.checkouts.inc({ result: 'empty' });
      throw err;
    }
    this.#metrics?.checkouts.inc({ result: result.replayed ? 'replayed' : 'ok' });
    if (!result.replayed) {
      await Promise.all(result.order.lines.map((l) => this.#cache.invalidate('product', `p:${l.productId}`)));
      await this.#purger?.ban(result.order.lines.map((l) => productKey(l.productId)));
    }
    return result;
  }
}
