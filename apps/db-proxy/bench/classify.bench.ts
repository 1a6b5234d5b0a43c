// Micro-benchmarks of routing decisions: statement classification (lexer) and reader choice.
//   npx tsx apps/db-proxy/bench/classify.bench.ts
import { EventEmitter } from 'node:events';
import { GtidPosition, type ReplicationController, type ServerView } from '@scaleout/replication';
import { Cluster } from '../src/routing/cluster.js';
import { classifyQuery } from '../src/sql/classify-query.js';
import { tokenize } from '../src/sql/sql-lexer.js';
import { opsPerSecond, report } from './bench-util.js';

let n = 0;
const point = () => `SELECT c FROM sbtest1 WHERE id=${n++ % 100000}`;
const range = () => `SELECT DISTINCT c FROM sbtest3 WHERE id BETWEEN ${n++ % 5000} AND ${(n % 5000) + 99} ORDER BY c`;
const update = () => `UPDATE sbtest2 SET k=k+1 WHERE id=${n++ % 10000}`;

const views = ['db1', 'db2'].map(
  (name, i): ServerView => ({
    name,
    host: '127.0.0.1',
    port: 3306,
    health: 'up',
    reachable: true,
    consecutiveFailures: 0,
    consecutiveSuccesses: 5,
    role: i === 0 ? 'writer' : 'reader',
    lagSeconds: 0,
    replicating: true,
  }),
);
const fake = Object.assign(new EventEmitter(), { writer: 'db1', views: () => views, view: (x: string) => views.find((v) => v.name === x), nudge() {} });
const cluster = new Cluster({ controller: fake as unknown as ReplicationController, maxLagSeconds: 5, writerReadWeight: 1, readerWeight: 1, causal: 'wait' });
const need = GtidPosition.parse('1-1-100');

report([
  { name: 'tokenize point select', ops: opsPerSecond(() => tokenize(point())) },
  { name: 'classify point select (new text each time)', ops: opsPerSecond(() => classifyQuery(point())) },
  { name: 'classify range select (new text each time)', ops: opsPerSecond(() => classifyQuery(range())) },
  { name: 'classify update (new text each time)', ops: opsPerSecond(() => classifyQuery(update())) },
  { name: 'classify prepared text (cached)', ops: opsPerSecond(() => classifyQuery('SELECT c FROM sbtest1 WHERE id=?')) },
  { name: 'choose a reader', ops: opsPerSecond(() => cluster.chooseRead(undefined)) },
  { name: 'choose a reader with a causal requirement', ops: opsPerSecond(() => cluster.chooseRead(need)) },
]);
