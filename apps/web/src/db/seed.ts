import { seededRandom } from '@scaleout/hashing';
import type { Logger } from '@scaleout/service';
import { hashPassword } from '../shop/password.js';
import type { SessionRunner, SqlValue } from './database.js';

/** Password of every seeded user (`user1` … `userN`): development data only. */
export const SEED_PASSWORD = 'password';

export interface SeedOptions {
  products: number;
  users: number;
  logger?: Logger;
}

export interface SeedProduct {
  sku: string;
  name: string;
  description: string;
  priceCents: number;
  stock: number;
}

const ADJECTIVES = ['Small', 'Large', 'Sturdy', 'Sleek', 'Rustic', 'Modern', 'Classic', 'Handmade', 'Compact', 'Deluxe', 'Vintage', 'Bright'];
const MATERIALS = ['Wooden', 'Steel', 'Cotton', 'Leather', 'Ceramic', 'Glass', 'Bamboo', 'Wool', 'Copper', 'Granite', 'Linen', 'Cork'];
const NOUNS = ['Chair', 'Lamp', 'Mug', 'Table', 'Backpack', 'Notebook', 'Kettle', 'Blanket', 'Clock', 'Vase', 'Bowl', 'Stool', 'Shelf', 'Basket'];

/** The `i`-th seed product (1-based): same input, same product. */
export function seedProduct(i: number): SeedProduct {
  const r = seededRandom(i * 7919);
  const pick = <T>(list: readonly T[]) => list[Math.floor(r() * list.length)]!;
  const name = `${pick(ADJECTIVES)} ${pick(MATERIALS)} ${pick(NOUNS)} ${i}`;
  return {
    sku: `SKU-${String(i).padStart(6, '0')}`,
    name,
    description: `The ${name.toLowerCase()}: a dependable piece for everyday use, item ${i} of the scaleout catalogue.`,
    priceCents: 199 + Math.floor(r() * 49_800),
    stock: 20 + Math.floor(r() * 480),
  };
}

const BATCH = 500;

async function insertBatches(run: SessionRunner, head: string, rowSql: string, count: number, row: (i: number) => SqlValue[]): Promise<void> {
  for (let start = 1; start <= count; start += BATCH) {
    const end = Math.min(count, start + BATCH - 1);
    const values: SqlValue[] = [];
    const parts: string[] = [];
    for (let i = start; i <= end; i++) {
      parts.push(rowSql);
      values.push(...row(i));
    }
    await run(`${head} ${parts.join(',')}`, values, { timeoutMs: 120_000 });
  }
}

/**
 * Seeds `products` products (SKU-000001 …) and `users` users (`user1` … with password
 * {@link SEED_PASSWORD}) once per database, recorded in the `seeds` table; INSERT IGNORE on the unique
 * SKU and user name makes a re-run after a crash finish the job. All seeded users share one scrypt hash
 * (one derivation instead of thousands at start-up; acceptable for development data only).
 */
export async function seedDatabase(run: SessionRunner, options: SeedOptions): Promise<boolean> {
  await run(`CREATE TABLE IF NOT EXISTS seeds (
    name VARCHAR(64) NOT NULL PRIMARY KEY,
    applied_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`);
  const done = (await run("SELECT name FROM seeds WHERE name = 'shop-v1'")) as unknown[];
  if (done.length > 0) return false;
  const started = Date.now();
  await insertBatches(
    run,
    'INSERT IGNORE INTO products (sku, name, description, price_cents, stock) VALUES',
    '(?, ?, ?, ?, ?)',
    options.products,
    (i) => {
      const p = seedProduct(i);
      return [p.sku, p.name, p.description, p.priceCents, p.stock];
    },
  );
  if (options.users > 0) {
    const hash = await hashPassword(SEED_PASSWORD);
    await insertBatches(run, 'INSERT IGNORE INTO users (username, password_hash) VALUES', '(?, ?)', options.users, (i) => [`user${i}`, hash]);
  }
  await run("INSERT IGNORE INTO seeds (name) VALUES ('shop-v1')");
  options.logger?.info({ products: options.products, users: options.users, ms: Date.now() - started }, 'seeded the database');
  return true;
}
