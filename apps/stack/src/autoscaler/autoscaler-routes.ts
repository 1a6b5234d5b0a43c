import type { FastifyInstance } from 'fastify';
import type { Autoscaler } from './autoscaler.js';

export interface AutoscalerRoutesOptions {
  /** Null when the stack runs without `--autoscale`. */
  autoscaler: Autoscaler | null;
}

const open = { type: 'object', additionalProperties: true } as const;
const nullableInt = { type: ['integer', 'null'] } as const;

const decisionSchema = {
  type: 'object',
  properties: {
    at: { type: 'string' },
    atMs: { type: 'number' },
    current: { type: 'integer' },
    desired: { type: 'integer' },
    plain: nullableInt,
    predicted: nullableInt,
    ready: { type: 'integer' },
    summary: { type: 'string' },
    why: open,
  },
  required: ['at', 'current', 'desired', 'summary', 'why'],
} as const;

const changeSchema = {
  type: 'object',
  properties: {
    at: { type: 'string' },
    atMs: { type: 'number' },
    from: { type: 'integer' },
    to: { type: 'integer' },
    direction: { type: 'string', enum: ['up', 'down'] },
    summary: { type: 'string' },
    result: { type: 'string', enum: ['applying', 'done', 'failed', 'superseded'] },
    durationMs: { type: 'number' },
    error: { type: 'string' },
  },
  required: ['at', 'from', 'to', 'direction', 'result'],
} as const;

const statusSchema = {
  type: 'object',
  properties: {
    enabled: { type: 'boolean' },
    config: open,
    current: { type: 'integer' },
    desired: { type: 'integer' },
    ready: { type: 'integer' },
    applying: { anyOf: [{ type: 'null' }, changeSchema] },
    why: { type: ['string', 'null'] },
    lastSyncAt: { type: ['string', 'null'] },
    nextSyncAt: { type: ['string', 'null'] },
    directionChanges: { type: 'integer' },
    decisions: { type: 'array', items: decisionSchema },
    changes: { type: 'array', items: changeSchema },
  },
  required: ['enabled'],
} as const;

/** `GET /api/autoscaler[?limit=N]`: current, desired, why, the recent decisions and changes (newest first). */
export async function autoscalerRoutes(app: FastifyInstance, o: AutoscalerRoutesOptions): Promise<void> {
  app.get<{ Querystring: { limit?: number } }>(
    '/api/autoscaler',
    {
      schema: {
        querystring: { type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: 60 } }, additionalProperties: false },
        response: { 200: statusSchema },
      },
    },
    async (request) => (o.autoscaler ? o.autoscaler.status(request.query.limit ?? 30) : { enabled: false }),
  );
}
