/** Runs `fn` for about `ms` milliseconds after a warm-up and returns operations per second. */
export function opsPerSecond(fn: () => void, ms = 1000): number {
  for (let i = 0; i < 10_000; i++) fn();
  let n = 0;
  const start = process.hrtime.bigint();
  const limit = BigInt(ms) * 1_000_000n;
  let elapsed = 0n;
  while (elapsed < limit) {
    for (let i = 0; i < 1000; i++) fn();
    n += 1000;
    elapsed = process.hrtime.bigint() - start;
  }
  return (n * 1e9) / Number(elapsed);
}

export function report(rows: { name: string; ops: number }[]): void {
  const width = Math.max(...rows.map((r) => r.name.length));
  for (const r of rows) {
    console.log(`${r.name.padEnd(width)}  ${Math.round(r.ops).toLocaleString('en-US').padStart(12)} ops/s  ${(1e6 / r.ops).toFixed(3).padStart(9)} µs/op`);
  }
}
