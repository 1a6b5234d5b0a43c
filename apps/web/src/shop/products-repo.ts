import type { Database, SqlValue } from '../db/database.js';

export interface Product {
  id: number;
  sku: string;
  name: string;
  description: string;
  priceCents: number;
  stock: number;
  updatedAt: string;
}

/** A catalogue row (no description: lists stay small). */
export interface ProductSummary {
  id: number;
  sku: string;
  name: string;
  priceCents: number;
}

export interface CataloguePage {
  page: number;
  pageSize: number;
  total: number;
  pages: number;
  query: string;
  items: ProductSummary[];
}

export interface ProductPatch {
  name?: string;
  description?: string;
  priceCents?: number;
  stock?: number;
}

interface ProductRow {
  id: number | string;
  sku: string;
  name: string;
  description: string;
  price_cents: number;
  stock: number;
  updated_at: Date;
}

function toProduct(r: ProductRow): Product {
  return {
    id: Number(r.id),
    sku: r.sku,
    name: r.name,
    description: r.description,
    priceCents: Number(r.price_cents),
    stock: Number(r.stock),
    updatedAt: new Date(r.updated_at).toISOString(),
  };
}

/** `%`, `_` and `\` taken literally in a LIKE pattern. */
export function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Products in MariaDB. Ids are whatever AUTO_INCREMENT gave (increment 2 on the master pair): never assume they are consecutive. */
export class ProductsRepo {
  constructor(readonly db: Database) {}

  async findById(id: number): Promise<Product | null> {
    const rows = await this.db.rows<ProductRow>(
      'product_by_id',
      'SELECT id, sku, name, description, price_cents, stock, updated_at FROM products WHERE id = ?',
      [id],
    );
    return rows[0] ? toProduct(rows[0]) : null;
  }

  /** One page of the catalogue, by id, optionally only names containing `query` (case-insensitive). */
  async list(options: { page: number; pageSize: number; query: string }): Promise<CataloguePage> {
    const { page, pageSize, query } = options;
    const where = query ? 'WHERE name LIKE ?' : '';
    const params: SqlValue[] = query ? [`%${escapeLike(query)}%`] : [];
    const [count] = await this.db.rows<{ n: number }>('catalogue_count', `SELECT COUNT(*) AS n FROM products ${where}`, params);
    const total = Number(count?.n ?? 0);
    const rows = await this.db.rows<ProductRow>(
      'catalogue_page',
      `SELECT id, sku, name, price_cents FROM products ${where} ORDER BY id LIMIT ? OFFSET ?`,
      [...params, pageSize, (page - 1) * pageSize],
    );
    return {
      page,
      pageSize,
      total,
      pages: Math.max(1, Math.ceil(total / pageSize)),
      query,
      items: rows.map((r) => ({ id: Number(r.id), sku: r.sku, name: r.name, priceCents: Number(r.price_cents) })),
    };
  }

  /** Applies `patch`; the updated product, or null when there is no such product. */
  async update(id: number, patch: ProductPatch): Promise<Product | null> {
    const sets: string[] = [];
    const values: SqlValue[] = [];
    const columns: [keyof ProductPatch, string][] = [
      ['name', 'name'],
      ['description', 'description'],
      ['priceCents', 'price_cents'],
      ['stock', 'stock'],
    ];
    for (const [key, column] of columns) {
      if (patch[key] !== undefined) {
        sets.push(`${column} = ?`);
        values.push(patch[key]);
      }
    }
    if (sets.length > 0) {
      const res = await this.db.execute('product_update', `UPDATE products SET ${sets.join(', ')} WHERE id = ?`, [...values, id]);
      if (res.affectedRows === 0) return null;
    }
    return this.findById(id);
  }
}
