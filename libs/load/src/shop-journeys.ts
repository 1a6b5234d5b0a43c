import type { ErrorKind } from './types.js';

export const JOURNEY_NAMES = ['browse', 'search', 'signup', 'login', 'cart', 'checkout', 'orders'] as const;
export type JourneyName = (typeof JOURNEY_NAMES)[number];

/**
 * A shop's day: most visitors browse and search anonymously; members (signed in once, their session
 * kept across journeys) fill carts, check out and read their orders; a fresh sign-in or sign-up is rare
 * (each costs a scrypt derivation, ~50 ms of a core, as a real one does).
 */
export const DEFAULT_MIX: Readonly<Record<JourneyName, number>> = {
  browse: 55,
  search: 15,
  login: 1,
  cart: 14,
  checkout: 8,
  signup: 1,
  orders: 6,
};

/** Journeys run by a member: a pooled virtual user who signed in before the run and keeps its session. */
export const MEMBER_JOURNEYS: ReadonlySet<JourneyName> = new Set(['login', 'cart', 'checkout', 'orders']);

/** Password of the seeded users `user1` … `user1000` (apps/web's development data). */
export const SEED_PASSWORD = 'password';
export const SEEDED_USERS = 1000;
/** Words of the seeded product names (apps/web's seed), for searches that find something. */
const SEARCH_WORDS = ['Chair', 'Lamp', 'Mug', 'Table', 'Backpack', 'Kettle', 'Clock', 'Vase', 'Steel', 'Wooden', 'Ceramic', 'Vintage', 'Modern'];

export interface StepOptions {
  json?: unknown;
  headers?: Record<string, string>;
  /** Statuses that make the step a success. */
  expect: readonly number[];
  /** Statuses handed back to the journey without failing it (it decides). */
  allow?: readonly number[];
}

export interface StepResponse {
  status: number;
  body: Buffer | undefined;
}

/** A step that did not go as expected: the journey fails with this kind. */
export class JourneyFailure extends Error {
  constructor(
    readonly step: string,
    readonly kind: ErrorKind,
  ) {
    super(`${step}: ${kind}`);
  }
}

/** A member's session, kept across its journeys. */
export interface Membership {
  username: string;
  signedIn: boolean;
}

/** What a journey runs on: one virtual user (its own cookies) against one shop. */
export interface VirtualUser {
  /** Set for member journeys: the pooled user whose cookies this is. */
  member?: Membership;
  /** One HTTP request; throws {@link JourneyFailure} when it fails or answers an unexpected status. */
  step(name: string, method: 'GET' | 'POST', path: string, options: StepOptions): Promise<StepResponse>;
  think(): Promise<void>;
  random(): number;
  /** A product id of the catalogue, at random across all of it. */
  productId(): number;
}

export type JourneyOutcome = 'ok' | 'out_of_stock';

const pick = (u: VirtualUser, n: number) => 1 + Math.floor(u.random() * n);
const OK = [200] as const;

async function login(u: VirtualUser): Promise<void> {
  const username = u.member?.username ?? `user${pick(u, SEEDED_USERS)}`;
  await u.step('login', 'POST', '/api/login', { json: { username, password: SEED_PASSWORD }, expect: OK });
  if (u.member) u.member.signedIn = true;
}

/** A member journey starts signed in: sign in only when the pooled session was lost (or for a one-off user). */
async function signedIn(u: VirtualUser): Promise<void> {
  if (u.member?.signedIn) return;
  await login(u);
}

async function addToCart(u: VirtualUser): Promise<void> {
  await u.step('cart_add', 'POST', '/api/cart', { json: { productId: u.productId(), quantity: 1 }, expect: OK });
}

function isOutOfStock(body: Buffer | undefined): boolean {
  return body !== undefined && body.toString('utf8').includes('WEB_ERR_OUT_OF_STOCK');
}

/** `prefix` and `n` random lower-case letters and digits. */
function token(u: VirtualUser, prefix: string, n: number): string {
  let k = prefix;
  for (let i = 0; i < n; i++) k += 'abcdefghijklmnopqrstuvwxyz0123456789'[Math.floor(u.random() * 36)];
  return k;
}

/** The journeys; each step's status is checked, a failure throws {@link JourneyFailure}. */
export const JOURNEYS: Record<JourneyName, (u: VirtualUser) => Promise<JourneyOutcome>> = {
  async browse(u) {
    await u.step('home', 'GET', '/', { expect: OK });
    await u.think();
    await u.step('catalogue', 'GET', `/products?page=${pick(u, 100)}`, { expect: OK });
    await u.think();
    await u.step('product', 'GET', `/products/${u.productId()}`, { expect: OK });
    await u.think();
    await u.step('product', 'GET', `/products/${u.productId()}`, { expect: OK });
    return 'ok';
  },
  async search(u) {
    const word = SEARCH_WORDS[Math.floor(u.random() * SEARCH_WORDS.length)]!;
    await u.step('search', 'GET', `/products?q=${encodeURIComponent(word.toLowerCase())}`, { expect: OK });
    await u.think();
    await u.step('product', 'GET', `/products/${u.productId()}`, { expect: OK });
    return 'ok';
  },
  async signup(u) {
    await u.step('signup', 'POST', '/api/signup', { json: { username: token(u, 'load_', 16), password: 'load-password' }, expect: [201] });
    await u.think();
    await u.step('me', 'GET', '/api/me', { expect: OK });
    return 'ok';
  },
  async login(u) {
    if (u.member?.signedIn) {
      await u.step('logout', 'POST', '/api/logout', { json: {}, expect: OK });
      u.member.signedIn = false;
      await u.think();
    }
    await login(u);
    await u.think();
    await u.step('me', 'GET', '/api/me', { expect: OK });
    return 'ok';
  },
  async cart(u) {
    await signedIn(u);
    await u.think();
    await addToCart(u);
    await u.think();
    await addToCart(u);
    await u.think();
    await u.step('cart', 'GET', '/api/cart', { expect: OK });
    return 'ok';
  },
  async checkout(u) {
    await signedIn(u);
    await u.think();
    await addToCart(u);
    await u.think();
    const res = await u.step('checkout', 'POST', '/api/checkout', {
      headers: { 'idempotency-key': token(u, 'load-', 20) },
      json: {},
      expect: [201],
      allow: [409],
    });
    if (res.status === 409) {
      if (isOutOfStock(res.body)) return 'out_of_stock';
      throw new JourneyFailure('checkout', 'http_4xx');
    }
    await u.think();
    await u.step('orders', 'GET', '/api/orders', { expect: OK });
    return 'ok';
  },
  async orders(u) {
    await signedIn(u);
    await u.think();
    await u.step('orders', 'GET', '/api/orders', { expect: OK });
    return 'ok';
  },
};

/** Picks journeys by weight. */
export class MixPicker {
  private readonly names: JourneyName[] = [];
  private readonly cumulative: number[] = [];
  private readonly total: number;

  constructor(mix: Readonly<Record<string, number>>) {
    let sum = 0;
    for (const name of JOURNEY_NAMES) {
      const w = mix[name] ?? 0;
      if (w <= 0) continue;
      sum += w;
      this.names.push(name);
      this.cumulative.push(sum);
    }
    this.total = sum;
  }

  get journeys(): readonly JourneyName[] {
    return this.names;
  }

  pick(r: number): JourneyName {
    const x = r * this.total;
    for (let i = 0; i < this.cumulative.length; i++) if (x < this.cumulative[i]!) return this.names[i]!;
    return this.names[this.names.length - 1]!;
  }
}
