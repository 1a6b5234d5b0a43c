import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { GtidPosition, type ReplicationController, type ServerView } from '@scaleout/replication';
import { Cluster } from './cluster.js';

function view(name: string, role: ServerView['role'], opts: { lag?: number | null; replicating?: boolean; pos?: string } = {}): ServerView {
  return {
    name,
    host: '127.0.0.1',
    port: 1,
    health: role === 'down' ? 'down' : 'up',
    reachable: role !== 'down',
    consecutiveFailures: 0,
    consecutiveSuccesses: 1,
    role,
    lagSeconds: opts.lag === undefined ? 0 : opts.lag,
    replicating: opts.replicating ?? true,
    probe: opts.pos === undefined ? undefined : ({ gtidCurrentPos: GtidPosition.parse(opts.pos) } as ServerView['probe']),
  };
}

class FakeController extends EventEmitter {
  writer: string | undefined = 'db1';
  list: ServerView[] = [];
  nudges = 0;
  views() {
    return this.list;
  }
  view(n: string) {
    return this.list.find((v) => v.name === n);
  }
  nudge() {
    this.nudges++;
  }
}

function setup(views: ServerView[], opts: Partial<{ writerReadWeight: number; readerWeight: number; causal: 'off' | 'fast' | 'wait'; maxLagSeconds: number }> = {}) {
  const fake = new FakeController();
  fake.list = views;
  const cluster = new Cluster({
    controller: fake as unknown as ReplicationController,
    maxLagSeconds: opts.maxLagSeconds ?? 5,
    writerReadWeight: opts.writerReadWeight ?? 1,
    readerWeight: opts.readerWeight ?? 1,
    causal: opts.causal ?? 'wait',
  });
  return { fake, cluster };
}

test('reads are spread over the writer and a healthy reader, least busy first', () => {
  const { cluster } = setup([view('db1', 'writer'), view('db2', 'reader')]);
  const seen = new Map<string, number>();
  for (let i = 0; i < 100; i++) {
    const c = cluster.chooseRead(undefined)!;
    seen.set(c.server, (seen.get(c.server) ?? 0) + 1);
  }
  assert.equal(seen.get('db1'), 50, 'equal weights and no load: alternate');
  assert.equal(seen.get('db2'), 50);
  cluster.begin('db2');
  cluster.begin('db2');
  assert.equal(cluster.chooseRead(undefined)!.server, 'db1', 'db2 is busier');
  cluster.end('db2');
  cluster.end('db2');
});

test('weights: a writer weight of 0 sends every read to the reader; lagging or broken readers get none', () => {
  let { cluster } = setup([view('db1', 'writer'), view('db2', 'reader')], { writerReadWeight: 0 });
  for (let i = 0; i < 10; i++) assert.equal(cluster.chooseRead(undefined)!.server, 'db2');
  ({ cluster } = setup([view('db1', 'writer'), view('db2', 'reader', { lag: 30 })]));
  for (let i = 0; i < 10; i++) assert.equal(cluster.chooseRead(undefined)!.server, 'db1', 'lag above DBPROXY_MAX_LAG');
  ({ cluster } = setup([view('db1', 'writer'), view('db2', 'reader', { lag: null, replicating: false })]));
  assert.equal(cluster.chooseRead(undefined)!.server, 'db1', 'replication stopped');
  ({ cluster } = setup([view('db1', 'writer'), view('db2', 'down')], { writerReadWeight: 0 }));
  assert.equal(cluster.chooseRead(undefined), undefined, 'nothing eligible: the caller uses the writer');
  const noWriter = setup([view('db1', 'down'), view('db2', 'reader', { lag: null, replicating: false })]);
  noWriter.fake.writer = undefined;
  assert.equal(noWriter.cluster.chooseRead(undefined)!.server, 'db2', 'without a writer any healthy server serves reads');
});

test('causal reads: fast mode keeps servers known to have the GTID, wait mode asks for the missing part', () => {
  const views = [view('db1', 'writer', { pos: '1-1-10' }), view('db2', 'reader', { pos: '1-1-7,2-2-3' })];
  const need = GtidPosition.parse('1-1-9');
  let { fake, cluster } = setup(views, { causal: 'fast', writerReadWeight: 1 });
  fake.emit('round', views);
  for (let i = 0; i < 6; i++) assert.equal(cluster.chooseRead(need)!.server, 'db1');
  cluster.learn('db2', GtidPosition.parse('1-1-9'));
  const servers = new Set(Array.from({ length: 6 }, () => cluster.chooseRead(need)!.server));
  assert.deepEqual([...servers].sort(), ['db1', 'db2'], 'once db2 is known to have it, it serves reads again');

  ({ fake, cluster } = setup(views, { causal: 'wait', writerReadWeight: 0 }));
  fake.emit('round', views);
  const c = cluster.chooseRead(need)!;
  assert.equal(c.server, 'db2');
  assert.equal(c.wait?.toString(), '1-1-9');
  assert.equal(cluster.chooseRead(GtidPosition.parse('1-1-5,2-2-3'))!.wait, undefined, 'already contained');
  ({ fake, cluster } = setup(views, { causal: 'off', writerReadWeight: 0 }));
  assert.equal(cluster.chooseRead(need)!.wait, undefined);
});

test('holding writes hides the writer until released; waitWriter resolves on release', async () => {
  const { fake, cluster } = setup([view('db1', 'writer'), view('db2', 'reader')]);
  assert.equal(cluster.writer, 'db1');
  const release = cluster.holdWrites();
  assert.equal(cluster.writer, undefined);
  assert.equal(cluster.held, true);
  const waiting = cluster.waitWriter(1000);
  release();
  assert.equal(await waiting, 'db1');
  assert.equal(await cluster.waitWriter(20, 'db1'), undefined, 'times out when only the excluded writer exists');
  fake.writer = 'db2';
  fake.emit('writer', 'db2', 'db1');
  assert.equal(await cluster.waitWriter(20, 'db1'), 'db2');
  cluster.reportFailure('db1');
  assert.equal(fake.nudges, 1);
});
