import { errorBodySchema } from '@scaleout/service';
import type { FastifyPluginAsync } from 'fastify';
import { LbError } from '../errors.js';
import { BanSyntaxError } from './ban-expression.js';
import type { PageCache } from './page-cache.js';

export interface CacheRoutesOptions {
  cache: PageCache | null;
}

const errors = { 400: errorBodySchema, 401: errorBodySchema, 404: errorBodySchema };

const statsSchema = {
  type: 'object',
  properties: {
    pools: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } },
    objects: { type: 'number' },
    bytes: { type: 'number' },
    maxBytes: { type: 'number' },
    maxObjectBytes: { type: 'number' },
    evictions: { type: 'number' },
    purged: { type: 'number' },
    banned: { type: 'number' },
    fetching: { type: 'number' },
    hitForMiss: { type: 'number' },
  },
  required: ['objects', 'bytes', 'maxBytes'],
} as const;

/**
 * Page cache admin routes (inside the admin API, so behind its bearer token): stats, purge of a URL,
 * ban by surrogate keys or by expression. 404 LB_ERR_NOT_FOUND when no pool caches.
 */
const cacheRoutes: FastifyPluginAsync<CacheRoutesOptions> = async (app, { cache }) => {
  const need = (): PageCache => {
    if (cache === null) throw new LbError('LB_ERR_NOT_FOUND', 'the page cache is off (LB_CACHE)');
    return cache;
  };

  app.get('/api/cache', { schema: { response: { 200: statsSchema, ...errors } } }, async () => need().stats());

  app.post<{ Body: { url: string } }>(
    '/api/cache/purge',
    {
      schema: {
        body: { type: 'object', properties: { url: { type: 'string', minLength: 1, maxLength: 8192 } }, required: ['url'], additionalProperties: false },
        response: { 200: { type: 'object', properties: { purged: { type: 'number' } }, required: ['purged'] }, ...errors },
      },
    },
    async (req) => {
      const c = need();
      try {
        return { purged: c.purgeUrl(req.body.url, 'api') };
      } catch (err) {
        throw new LbError('LB_ERR_INVALID', `url ${JSON.stringify(req.body.url)}: ${(err as Error).message}`);
      }
    },
  );

  app.post<{ Body: { keys?: string[]; expression?: string } }>(
    '/api/cache/ban',
    {
      schema: {
        body: {
          type: 'object',
          properties: {
            keys: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 256, pattern: '^\\S+$' }, minItems: 1, maxItems: 1000 },
            expression: { type: 'string', minLength: 1, maxLength: 4096 },
          },
          additionalProperties: false,
        },
        response: { 200: { type: 'object', properties: { banned: { type: 'number' } }, required: ['banned'] }, ...errors },
      },
    },
    async (req) => {
      const c = need();
      const { keys, expression } = req.body;
      if ((keys === undefined) === (expression === undefined)) throw new LbError('LB_ERR_INVALID', 'give exactly one of keys or expression');
      if (keys !== undefined) return { banned: c.banKeys(keys) };
      try {
        return { banned: c.banExpression(expression!) };
      } catch (err) {
        if (err instanceof BanSyntaxError) throw new LbError('LB_ERR_INVALID', `ban expression does not parse: ${err.message}`);
        throw err;
      }
    },
  );
};

export default cacheRoutes;
