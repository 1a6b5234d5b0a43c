import type { FastifyPluginAsync } from 'fastify';
import { bearerChecker, errorBodySchema, installErrorHandler } from '@scaleout/service';
import type { AddressHealthMonitor } from './address-health.js';
import { DnsError, NotFoundError, UnauthorizedError, ZoneSyntaxError } from './errors.js';
import { parseIp } from './ip-address.js';
import { resolveRecordName } from './record-list.js';
import { parseRecordOptions } from './record-spec.js';
import type { AddressEntry, ZoneSet } from './zone-set.js';

export interface AdminRoutesOptions {
  zones: ZoneSet;
  health: AddressHealthMonitor;
  /** Bearer token every `/api/` request must carry. */
  token: string;
  /** TTL of records added without one. */
  defaultTtl: number;
}

const errorSchema = errorBodySchema;
const errors = { 400: errorSchema, 401: errorSchema, 404: errorSchema, 409: errorSchema };

const recordSchema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    type: { type: 'string' },
    ttl: { type: 'integer' },
    value: { type: 'string' },
    weight: { type: 'integer' },
    health: { type: 'string', enum: ['up', 'down', 'unchecked'] },
    drained: { type: 'boolean' },
    inRotation: { type: 'boolean' },
  },
  required: ['name', 'type', 'ttl', 'value'],
} as const;

const addressSchema = {
  type: 'object',
  properties: {
    address: { type: 'string' },
    health: { type: 'string', enum: ['up', 'down', 'unchecked'] },
    drained: { type: 'boolean' },
    check: { type: ['string', 'null'] },
    names: { type: 'array', items: { type: 'string' } },
    checks: { type: 'integer' },
    failures: { type: 'integer' },
    lastError: { type: ['string', 'null'] },
    lastCheckAt: { type: ['string', 'null'] },
  },
  required: ['address', 'health', 'drained', 'check', 'names'],
} as const;

const addressParams = { type: 'object', properties: { address: { type: 'string' } }, required: ['address'] } as const;

/**
 * The admin API under `/api/` (bearer token `SCALEOUT_ADMIN_TOKEN`): zones and serials, records with
 * health, addresses with their checks; drain / enable an address; add / remove an A or AAAA record.
 * Every change bumps the SOA serial of the zones it touches.
 */
const adminRoutes: FastifyPluginAsync<AdminRoutesOptions> = async (app, opts) => {
  const { zones, health } = opts;
  const authorized = bearerChecker(opts.token);

  app.addHook('onRequest', async (req) => {
    if (!authorized(req.headers.authorization)) throw new UnauthorizedError();
  });

  installErrorHandler(app, {
    prefix: 'DNS',
    badRequestAs400: true,
    onReply: (reply, _d, err) => {
      if (err instanceof UnauthorizedError) reply.header('www-authenticate', 'Bearer');
    },
  });

  const addressView = (e: AddressEntry) => {
    const snap = health.snapshot(e.ip.text);
    return {
      address: e.ip.text,
      health: e.health,
      drained: e.drained,
      check: e.check ?? null,
      names: [...new Set([...e.records].map((r) => r.name.toDisplay()))],
      checks: snap?.checks ?? 0,
      failures: snap?.failures ?? 0,
      lastError: snap?.lastError ?? null,
      lastCheckAt: snap?.lastCheckAt === undefined ? null : new Date(snap.lastCheckAt).toISOString(),
    };
  };
  const serials = () => Object.fromEntries(zones.zones.map((z) => [z.origin.toDisplay(), z.serial]));
  const ipParam = (text: string) => {
    const ip = parseIp(text);
    if (!ip) throw new DnsError('DNS_ERR_ZONE_SYNTAX', `${JSON.stringify(text)} is not an IP address`, { statusCode: 400 });
    return ip;
  };
  const nameParam = (text: string) => {
    const first = zones.zones[0];
    if (!first) throw new NotFoundError('no zones are served');
    try {
      return resolveRecordName(text, zones.zones.map((z) => z.origin), first.origin);
    } catch (err) {
      if (err instanceof ZoneSyntaxError) throw new ZoneSyntaxError(err.message.replace(/^input: /, ''), 'name');
      throw err;
    }
  };

  app.get(
    '/zones',
    {
      schema: {
        response: {
          200: {
            type: 'object',
            properties: {
              zones: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: { zone: { type: 'string' }, serial: { type: 'integer' }, names: { type: 'integer' } },
                  required: ['zone', 'serial', 'names'],
                },
              },
            },
            required: ['zones'],
          },
          ...errors,
        },
      },
    },
    async () => ({
      zones: zones.zones.map((z) => ({
        zone: z.origin.toDisplay(),
        serial: z.serial,
        names: zones.nodes().filter((n) => n.zone === z && !n.isEmpty).length,
      })),
    }),
  );

  app.get<{ Querystring: { name?: string } }>(
    '/records',
    {
      schema: {
        querystring: { type: 'object', properties: { name: { type: 'string', minLength: 1 } } },
        response: {
          200: { type: 'object', properties: { records: { type: 'array', items: recordSchema } }, required: ['records'] },
          ...errors,
        },
      },
    },
    async (req) => ({ records: zones.list(req.query.name === undefined ? undefined : nameParam(req.query.name)) }),
  );

  app.get(
    '/addresses',
    {
      schema: {
        response: {
          200: { type: 'object', properties: { addresses: { type: 'array', items: addressSchema } }, required: ['addresses'] },
          ...errors,
        },
      },
    },
    async () => ({ addresses: [...zones.addresses.values()].map(addressView) }),
  );

  const changeSchema = {
    params: addressParams,
    response: {
      200: {
        type: 'object',
        properties: { address: addressSchema, serials: { type: 'object', additionalProperties: { type: 'integer' } } },
        required: ['address', 'serials'],
      },
      ...errors,
    },
  };

  app.post<{ Params: { address: string } }>('/addresses/:address/drain', { schema: changeSchema }, async (req) => {
    const entry = zones.setDrained(ipParam(req.params.address).text, true);
    app.log.warn({ address: entry.ip.text }, 'address drained');
    return { address: addressView(entry), serials: serials() };
  });

  app.post<{ Params: { address: string } }>('/addresses/:address/enable', { schema: changeSchema }, async (req) => {
    const entry = zones.setDrained(ipParam(req.params.address).text, false);
    app.log.warn({ address: entry.ip.text }, 'address enabled');
    return { address: addressView(entry), serials: serials() };
  });

  app.post<{ Body: { name: string; address: string; ttl?: number; weight?: number; check?: string } }>(
    '/records',
    {
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            name: { type: 'string', minLength: 1, maxLength: 255 },
            address: { type: 'string', minLength: 2, maxLength: 64 },
            ttl: { type: 'integer', minimum: 0, maximum: 2147483647 },
            weight: { type: 'integer', minimum: 1, maximum: 255 },
            check: { type: 'string', minLength: 1, maxLength: 2048 },
          },
          required: ['name', 'address'],
        },
        response: {
          201: {
            type: 'object',
            properties: { record: recordSchema, serials: { type: 'object', additionalProperties: { type: 'integer' } } },
            required: ['record', 'serials'],
          },
          ...errors,
        },
      },
    },
    async (req, reply) => {
      const { name, address, ttl, weight, check } = req.body;
      const ip = ipParam(address);
      const options = parseRecordOptions([
        ...(weight === undefined ? [] : [{ text: `weight=${weight}`, quoted: false }]),
        ...(check === undefined ? [] : [{ text: `check=${check}`, quoted: false }]),
      ]);
      const owner = nameParam(name);
      const record = zones.addAddressRecord({
        name: owner,
        ttl: ttl ?? opts.defaultTtl,
        data: ip.family === 4 ? { type: 'A', ip } : { type: 'AAAA', ip },
        weight: options.weight ?? 1,
        ...(options.check === undefined ? {} : { check: options.check }),
      });
      app.log.warn({ name: owner.toDisplay(), address: ip.text }, 'record added');
      const view = zones.list(owner).find((v) => v.value === ip.text && v.type === record.data.type)!;
      return reply.code(201).send({ record: view, serials: serials() });
    },
  );

  app.delete<{ Params: { name: string; address: string } }>(
    '/records/:name/:address',
    {
      schema: {
        params: { type: 'object', properties: { name: { type: 'string' }, address: { type: 'string' } }, required: ['name', 'address'] },
        response: {
          200: {
            type: 'object',
            properties: {
              removed: { type: 'object', properties: { name: { type: 'string' }, address: { type: 'string' } }, required: ['name', 'address'] },
              serials: { type: 'object', additionalProperties: { type: 'integer' } },
            },
            required: ['removed', 'serials'],
          },
          ...errors,
        },
      },
    },
    async (req) => {
      const owner = nameParam(req.params.name);
      const ip = ipParam(req.params.address).text;
      zones.removeAddressRecord(owner, ip);
      app.log.warn({ name: owner.toDisplay(), address: ip }, 'record removed');
      return { removed: { name: owner.toDisplay(), address: ip }, serials: serials() };
    },
  );
};

export default adminRoutes;
