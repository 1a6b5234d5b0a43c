import { isDuplicateKey, type Database, type Tx } from '../db/database.js';
import { EmptyCartError, OutOfStockError } from '../errors.js';

export interface OrderLine {
  productId: number;
  name: string;
  quantity: number;
  priceCents: number;
}

export interface Order {
  id: number;
  totalCents: number;
  itemCount: number;
  createdAt: string;
  lines: OrderLine[];
}

export interface CheckoutResult {
  order: Order;
  /** True when this idempotency key had already placed the order (a double submit): nothing new was written. */
  replayed: boolean;
}

interface OrderRow {
  id: number | string;
  total_cents: number | string;
  item_count: number;
  created_at: Date;
}

interface LineRow {
  order_id: number | string;
  product_id: number | string;
  name: string;
  quantity: number;
  price_cents: number;
}

const toLine = (r: LineRow): OrderLine => ({
  productId: Number(r.product_id),
  name: r.name,
  quantity: Number(r.quantity),
  priceCents: Number(r.price_cents),
});

/**
 * Orders. Order reads go through {@link Database.primaryRows} (inside a transaction, so db-proxy sends
 * them to the writer): the history shows an order the moment checkout returned.
 */
export class OrdersRepo {
  constructor(readonly db: Database) {}

  /**
   * Places an order for `cart` (product id → quantity) in one transaction:
   * 1. `INSERT INTO orders` claims the idempotency key (UNIQUE (user_id, idempotency_key)); a second
   *    submit with the same key waits on that index entry and then fails with a duplicate key, and
   *    gets the first order back (`replayed`).
   * 2. For each product in id order (a fixed lock order against deadlocks):
   *    `UPDATE products SET stock = stock - q WHERE id = ? AND stock >= q`; 0 rows means not enough
   *    stock → ROLLBACK and {@link OutOfStockError}. The row lock serialises concurrent checkouts of a
   *    product, so stock never goes below zero and no order is oversold.
   * 3. Prices and names are read from the locked rows, the lines and the total written, COMMIT.
   * Deadlocks and lock wait timeouts re-run the transaction (Database.transaction).
   */
  async checkout(userId: number, cart: ReadonlyMap<number, number>, idempotencyKey: string): Promise<CheckoutResult> {
    const previous = await this.findByKey(userId, idempotencyKey, false);
    if (previous) return { order: previous, replayed: true };
    const items = [...cart.entries()].filter(([, q]) => q > 0).sort((a, b) => a[0] - b[0]);
    if (items.length === 0) throw new EmptyCartError();
    try {
      const order = await this.db.transaction('checkout', (tx) => this.#place(tx, userId, items, idempotencyKey));
      return { order, replayed: false };
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      const existing = await this.findByKey(userId, idempotencyKey, true);
      if (!existing) throw err;
      return { order: existing, replayed: true };
    }
  }

  async #place(tx: Tx, userId: number, items: [number, number][], idempotencyKey: string): Promise<Order> {
    const inserted = await tx.execute('order_insert', 'INSERT INTO orders (user_id, idempotency_key) VALUES (?, ?)', [userId, idempotencyKey]);
    const orderId = Number(inserted.insertId);
    for (const [productId, quantity] of items) {
      const res = await tx.execute('stock_decrement', 'UPDATE products SET stock = stock - ? WHERE id = ? AND stock >= ?', [
        quantity,
        productId,
        quantity,
      ]);
      if (res.affectedRows !== 1) throw new OutOfStockError(productId);
    }
    const ids = items.map(([id]) => id);
    const products = await tx.rows<{ id: number | string; name: string; price_cents: number }>(
      'order_products',
      `SELECT id, name, price_cents FROM products WHERE id IN (${ids.map(() => '?').join(',')})`,
      ids,
    );
    const byId = new Map(products.map((p) => [Number(p.id), p]));
    const lines: OrderLine[] = items.map(([productId, quantity]) => {
      const p = byId.get(productId)!;
      return { productId, name: p.name, quantity, priceCents: Number(p.price_cents) };
    });
    await tx.execute(
      'order_lines_insert',
      `INSERT INTO order_lines (order_id, product_id, name, quantity, price_cents) VALUES ${lines.map(() => '(?, ?, ?, ?, ?)').join(',')}`,
      lines.flatMap((l) => [orderId, l.productId, l.name, l.quantity, l.priceCents]),
    );
    const totalCents = lines.reduce((s, l) => s + l.quantity * l.priceCents, 0);
    const itemCount = lines.reduce((s, l) => s + l.quantity, 0);
    await tx.execute('order_total', 'UPDATE orders SET total_cents = ?, item_count = ? WHERE id = ?', [totalCents, itemCount, orderId]);
    const [row] = await tx.rows<{ created_at: Date }>('order_created', 'SELECT created_at FROM orders WHERE id = ?', [orderId]);
    return { id: orderId, totalCents, itemCount, createdAt: new Date(row!.created_at).toISOString(), lines };
  }

  /** The user's orders, newest first. */
  async listForUser(userId: number, limit = 50): Promise<Order[]> {
    const orders = await this.db.primaryRows<OrderRow>(
      'orders_by_user',
      'SELECT id, total_cents, item_count, created_at FROM orders WHERE user_id = ? ORDER BY id DESC LIMIT ?',
      [userId, limit],
    );
    if (orders.length === 0) return [];
    const ids = orders.map((o) => Number(o.id));
    const lines = await this.db.primaryRows<LineRow>(
      'order_lines_by_orders',
      `SELECT order_id, product_id, name, quantity, price_cents FROM order_lines WHERE order_id IN (${ids.map(() => '?').join(',')}) ORDER BY product_id`,
      ids,
    );
    return orders.map((o) => this.#toOrder(o, lines.filter((l) => Number(l.order_id) === Number(o.id))));
  }

  /** One of the user's orders, or null (also for another user's order). */
  async findForUser(userId: number, orderId: number): Promise<Order | null> {
    const [o] = await this.db.primaryRows<OrderRow>(
      'order_by_id',
      'SELECT id, total_cents, item_count, created_at FROM orders WHERE id = ? AND user_id = ?',
      [orderId, userId],
    );
    if (!o) return null;
    return this.#withLines(o);
  }

  /** The order placed with this idempotency key, if any; `fromWriter` reads inside a transaction. */
  async findByKey(userId: number, idempotencyKey: string, fromWriter: boolean): Promise<Order | null> {
    const sql = 'SELECT id, total_cents, item_count, created_at FROM orders WHERE user_id = ? AND idempotency_key = ?';
    const params = [userId, idempotencyKey];
    const rows = fromWriter
      ? await this.db.primaryRows<OrderRow>('order_by_key', sql, params)
      : await this.db.rows<OrderRow>('order_by_key', sql, params);
    return rows[0] ? this.#withLines(rows[0]) : null;
  }

  async #withLines(o: OrderRow): Promise<Order> {
    const lines = await this.db.primaryRows<LineRow>(
      'order_lines_by_order',
      'SELECT order_id, product_id, name, quantity, price_cents FROM order_lines WHERE order_id = ? ORDER BY product_id',
      [Number(o.id)],
    );
    return this.#toOrder(o, lines);
  }

  #toOrder(o: OrderRow, lines: LineRow[]): Order {
    return {
      id: Number(o.id),
      totalCents: Number(o.total_cents),
      itemCount: Number(o.item_count),
      createdAt: new Date(o.created_at).toISOString(),
      lines: lines.map(toLine),
    };
  }
}
