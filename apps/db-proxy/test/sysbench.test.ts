// sysbench oltp_read_write through the proxy, both prepared-statement modes: no errors, reads split.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run, startProxyStack } from './helpers.js';

function stat(out: string, name: string): number {
  const m = new RegExp(`${name}:\\s+(\\d+)`).exec(out);
  return m ? Number(m[1]) : NaN;
}

test('sysbench oltp_read_write passes through the proxy in both prepared-statement modes', async (t) => {
  const s = await startProxyStack();
  t.after(() => s.close());
  const base = [`--mysql-host=127.0.0.1`, `--mysql-port=${s.port}`, '--mysql-user=app', '--mysql-password=app', '--mysql-db=shop', '--tables=4', '--table-size=5000'];
  const prep = await run('sysbench', ['oltp_read_write', ...base, 'prepare']);
  assert.equal(prep.code, 0, prep.stderr);
  await s.pair.waitCaughtUp(30_000);

  for (const psMode of ['disable', 'auto']) {
    for (const skipTrx of ['off', 'on']) {
      const readerBefore = await s.metric('scaleout_db_proxy_queries_total', { route: 'reader' });
      const writerBefore = await s.metric('scaleout_db_proxy_queries_total', { route: 'writer' });
      const r = await run('sysbench', [
        'oltp_read_write',
        ...base,
        // without transactions, concurrent threads race on sysbench's own DELETE+INSERT of one random id (1062)
        `--threads=${skipTrx === 'on' ? 1 : 4}`,
        '--events=200',
        '--time=0',
        `--db-ps-mode=${psMode}`,
        `--skip_trx=${skipTrx}`,
        // Only InnoDB deadlocks (1213) are retried, as sysbench does by default: four threads updating
        // the same rows deadlock now and then against MariaDB directly too. Any other error is fatal.
        '--mysql-ignore-errors=1213',
        'run',
      ]);
      const label = `ps-mode=${psMode} skip_trx=${skipTrx}`;
      assert.equal(r.code, 0, `${label}: ${r.stderr}\n${r.stdout.slice(-2000)}`);
      assert.equal(stat(r.stdout, 'transactions'), 200, label);
      assert.ok(stat(r.stdout, 'ignored errors') <= 10, `${label}: ${stat(r.stdout, 'ignored errors')} deadlocks retried`);
      assert.equal(stat(r.stdout, 'reconnects'), 0, label);
      const reader = (await s.metric('scaleout_db_proxy_queries_total', { route: 'reader' })) - readerBefore;
      const writer = (await s.metric('scaleout_db_proxy_queries_total', { route: 'writer' })) - writerBefore;
      if (skipTrx === 'on') {
        // 14 of the 18 statements of each event are reads; with equal weights the reader takes a real share
        assert.ok(reader / (reader + writer) > 0.2, `${label}: reader served ${reader} of ${reader + writer}`);
      } else {
        // explicit transactions stay on the writer
        assert.ok(writer > reader, `${label}: writer ${writer}, reader ${reader}`);
      }
    }
  }
  for (const type of ['backend_lost', 'no_writer', 'protocol', 'session_lost', 'replay', 'pool_exhausted']) {
    assert.equal(await s.metric('scaleout_db_proxy_errors_total', { type }), 0, type);
  }
  const cleanup = await run('sysbench', ['oltp_read_write', ...base, 'cleanup']);
  assert.equal(cleanup.code, 0, cleanup.stderr);
});
