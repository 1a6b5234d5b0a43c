/** JSON schemas shared by the routes (validation of input, serialization of output). */
import { apiErrorBodySchema } from '@scaleout/service';

export const ID_MAX = Number.MAX_SAFE_INTEGER;

/** Routes that take no query parameters (unknown ones are dropped by Fastify's removeAdditional). */
export const noQuery = { type: 'object', properties: {}, additionalProperties: false } as const;

export const heavyQuery = {
  type: 'object',
  properties: { cpuMs: { type: 'integer', minimum: 1, maximum: 10_000 } },
  required: ['cpuMs'],
  additionalProperties: false,
} as const;

export const heavyResponse = {
  type: 'object',
  properties: { cpuMs: { type: 'integer' }, spentMs: { type: 'number' }, instance: { type: 'string' } },
  required: ['cpuMs', 'spentMs', 'instance'],
} as const;

/** Bodiless POST/DELETE calls: no body, or an empty JSON object. */
export const emptyBody = { type: ['object', 'null'], properties: {}, additionalProperties: false } as const;

export const idParams = {
  type: 'object',
  properties: { id: { type: 'integer', minimum: 1, maximum: ID_MAX } },
  required: ['id'],
  additionalProperties: false,
} as const;

export const catalogueQuery = {
  type: 'object',
  properties: {
    page: { type: 'integer', minimum: 1, maximum: 100_000, default: 1 },
    q: { type: 'string', maxLength: 100, default: '' },
  },
  additionalProperties: false,
} as const;

export const apiCatalogueQuery = {
  type: 'object',
  properties: {
    ...catalogueQuery.properties,
    pageSize: { type: 'integer', minimum: 1, maximum: 100 },
  },
  additionalProperties: false,
} as const;

export const USERNAME_PATTERN = '^[A-Za-z0-9_.-]{3,32}$';
export const IDEMPOTENCY_KEY_PATTERN = '^[A-Za-z0-9_-]{8,64}$';

const csrfField = { type: 'string', maxLength: 100 } as const;

export const cartAddForm = {
  type: 'object',
  properties: {
    _csrf: csrfField,
    productId: { type: 'integer', minimum: 1, maximum: ID_MAX },
    quantity: { type: 'integer', minimum: 1, maximum: 99, default: 1 },
  },
  required: ['productId'],
} as const;

export const cartUpdateForm = {
  type: 'object',
  properties: {
    _csrf: csrfField,
    productId: { type: 'integer', minimum: 1, maximum: ID_MAX },
    quantity: { type: 'integer', minimum: 0, maximum: 99 },
  },
  required: ['productId', 'quantity'],
} as const;

/** Login and sign-up forms: loose types here, the rules are checked by the handler so the form can be shown again with a message. */
export const accountForm = {
  type: 'object',
  properties: {
    _csrf: csrfField,
    username: { type: 'string', maxLength: 64 },
    password: { type: 'string', maxLength: 200 },
    next: { type: 'string', maxLength: 200 },
  },
  required: ['username', 'password'],
} as const;

export const csrfOnlyForm = { type: 'object', properties: { _csrf: csrfField } } as const;

export const checkoutForm = {
  type: 'object',
  properties: { _csrf: csrfField, idempotencyKey: { type: 'string', pattern: IDEMPOTENCY_KEY_PATTERN } },
  required: ['idempotencyKey'],
} as const;

// --- API ----------------------------------------------------------------------------------------------

export const credentialsBody = {
  type: 'object',
  properties: {
    username: { type: 'string', pattern: USERNAME_PATTERN },
    password: { type: 'string', minLength: 1, maxLength: 200 },
  },
  required: ['username', 'password'],
  additionalProperties: false,
} as const;

export const signupBody = {
  type: 'object',
  properties: {
    username: { type: 'string', pattern: USERNAME_PATTERN },
    password: { type: 'string', minLength: 8, maxLength: 200 },
  },
  required: ['username', 'password'],
  additionalProperties: false,
} as const;

export const cartAddBody = {
  type: 'object',
  properties: {
    productId: { type: 'integer', minimum: 1, maximum: ID_MAX },
    quantity: { type: 'integer', minimum: 1, maximum: 99, default: 1 },
  },
  required: ['productId'],
  additionalProperties: false,
} as const;

export const cartReplaceBody = {
  type: 'object',
  properties: {
    items: {
      type: 'array',
      maxItems: 50,
      items: {
        type: 'object',
        properties: {
          productId: { type: 'integer', minimum: 1, maximum: ID_MAX },
          quantity: { type: 'integer', minimum: 0, maximum: 99 },
        },
        required: ['productId', 'quantity'],
        additionalProperties: false,
      },
    },
  },
  required: ['items'],
  additionalProperties: false,
} as const;

export const checkoutBody = {
  type: ['object', 'null'],
  properties: { idempotencyKey: { type: 'string', pattern: IDEMPOTENCY_KEY_PATTERN } },
  additionalProperties: false,
} as const;

export const checkoutHeaders = {
  type: 'object',
  properties: { 'idempotency-key': { type: 'string', pattern: IDEMPOTENCY_KEY_PATTERN } },
} as const;

export const productPatchBody = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200 },
    description: { type: 'string', maxLength: 10_000 },
    priceCents: { type: 'integer', minimum: 0, maximum: 100_000_000 },
    stock: { type: 'integer', minimum: 0, maximum: 1_000_000_000 },
  },
  minProperties: 1,
  additionalProperties: false,
} as const;

export const adminHeaders = {
  type: 'object',
  properties: { authorization: { type: 'string', maxLength: 500 } },
} as const;

export const errorResponse = apiErrorBodySchema;

export const productSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    sku: { type: 'string' },
    name: { type: 'string' },
    description: { type: 'string' },
    priceCents: { type: 'integer' },
    stock: { type: 'integer' },
    updatedAt: { type: 'string' },
  },
  required: ['id', 'sku', 'name', 'description', 'priceCents', 'stock', 'updatedAt'],
} as const;

export const cataloguePageSchema = {
  type: 'object',
  properties: {
    page: { type: 'integer' },
    pageSize: { type: 'integer' },
    total: { type: 'integer' },
    pages: { type: 'integer' },
    query: { type: 'string' },
    items: {
      type: 'array',
      items: {
        type: 'object',
        properties: { id: { type: 'integer' }, sku: { type: 'string' }, name: { type: 'string' }, priceCents: { type: 'integer' } },
        required: ['id', 'sku', 'name', 'priceCents'],
      },
    },
  },
  required: ['page', 'pageSize', 'total', 'pages', 'query', 'items'],
} as const;

export const userSchema = {
  type: ['object', 'null'],
  properties: { id: { type: 'integer' }, username: { type: 'string' } },
  required: ['id', 'username'],
} as const;

export const cartSchema = {
  type: 'object',
  properties: {
    user: userSchema,
    lines: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          productId: { type: 'integer' },
          name: { type: 'string' },
          priceCents: { type: 'integer' },
          quantity: { type: 'integer' },
          lineCents: { type: 'integer' },
          stock: { type: 'integer' },
        },
        required: ['productId', 'name', 'priceCents', 'quantity', 'lineCents', 'stock'],
      },
    },
    totalCents: { type: 'integer' },
    itemCount: { type: 'integer' },
  },
  required: ['user', 'lines', 'totalCents', 'itemCount'],
} as const;

export const orderSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    totalCents: { type: 'integer' },
    itemCount: { type: 'integer' },
    createdAt: { type: 'string' },
    lines: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          productId: { type: 'integer' },
          name: { type: 'string' },
          quantity: { type: 'integer' },
          priceCents: { type: 'integer' },
        },
        required: ['productId', 'name', 'quantity', 'priceCents'],
      },
    },
  },
  required: ['id', 'totalCents', 'itemCount', 'createdAt', 'lines'],
} as const;

export const userResponse = {
  type: 'object',
  properties: { user: userSchema },
  required: ['user'],
} as const;

export const meResponse = {
  type: 'object',
  properties: { user: userSchema, cartCount: { type: 'integer' }, instance: { type: 'string' } },
  required: ['user', 'cartCount', 'instance'],
} as const;

export const checkoutResponse = {
  type: 'object',
  properties: { order: orderSchema, replayed: { type: 'boolean' } },
  required: ['order', 'replayed'],
} as const;

export const ordersResponse = {
  type: 'object',
  properties: { orders: { type: 'array', items: orderSchema } },
  required: ['orders'],
} as const;

/** Response schemas of an API route: `ok` for its success statuses, the error shape for the rest. */
export function responses(ok: Record<number, object>): Record<number | string, object> {
  return { ...ok, '4xx': errorResponse, '5xx': errorResponse };
}
