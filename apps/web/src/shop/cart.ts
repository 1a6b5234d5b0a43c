import type { ShopSessionData } from '../session/request-session.js';

/** Largest quantity of one product in a cart, and most distinct products (keeps sessions small). */
export const MAX_QUANTITY = 99;
export const MAX_CART_LINES = 50;

/** The cart as product id → quantity (positive quantities only). */
/** Number of items in the cart (quantities added up). */
export function cartCount(data: ShopSessionData | null | undefined): number {
  let n = 0;
  for (const q of cartOf(data).values()) n += q;
  return n;
}

export function cartOf(data: ShopSessionData | null | undefined): Map<number, number> {
  const out = new Map<number, number>();
  for (const [k, v] of Object.entries(data?.cart ?? {})) {
    const id = Number(k);
    if (Number.isSafeInteger(id) && id > 0 && Number.isInteger(v) && v > 0) out.set(id, Math.min(v, MAX_QUANTITY));
  }
  return out;
}

function withCart(data: ShopSessionData, cart: Map<number, number>): ShopSessionData {
  const obj: Record<string, number> = {};
  for (const [id, q] of cart) if (q > 0) obj[String(id)] = q;
  return { ...data, cart: obj };
}

/** `data` with `quantity` more of `productId` (capped at {@link MAX_QUANTITY}; ignored when the cart is full). */
export function withAdded(data: ShopSessionData, productId: number, quantity: number): ShopSessionData {
  const cart = cartOf(data);
  if (!cart.has(productId) && cart.size >= MAX_CART_LINES) return data;
  cart.set(productId, Math.min(MAX_QUANTITY, (cart.get(productId) ?? 0) + quantity));
  return withCart(data, cart);
}

/** `data` with `productId` at exactly `quantity` (0 removes it). */
export function withQuantity(data: ShopSessionData, productId: number, quantity: number): ShopSessionData {
  const cart = cartOf(data);
  if (quantity <= 0) cart.delete(productId);
  else if (cart.has(productId) || cart.size < MAX_CART_LINES) cart.set(productId, Math.min(MAX_QUANTITY, quantity));
  return withCart(data, cart);
}

/** `data` with `ordered` quantities taken out (what a checkout bought; anything added meanwhile stays). */
export function withOrdered(data: ShopSessionData, ordered: ReadonlyMap<number, number>): ShopSessionData {
  const cart = cartOf(data);
  for (const [id, q] of ordered) {
    const left = (cart.get(id) ?? 0) - q;
    if (left > 0) cart.set(id, left);
    else cart.delete(id);
  }
  return withCart(data, cart);
}
