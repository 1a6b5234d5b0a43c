import { createWriteStream } from 'node:fs';
import { formatResult, formatSecond } from './format-result.js';
import { LoadError } from './load-error.js';
import { LOAD_USAGE, parseLoadArgs } from './parse-load-args.js';
import { startLoad } from './start-load.js';
import type { LoadResult } from './types.js';

export interface LoadCommandIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

function writeJson(target: string, result: LoadResult, io: LoadCommandIo): Promise<void> {
  const text = JSON.stringify(result, null, 2) + '\n';
  if (target === '-') {
    io.stdout.write(text);
    return Promise.resolve();
  }
  return new Promise((resolve, reject) => {
    const s = createWriteStream(target);
    s.on('error', reject);
    s.end(text, () => resolve());
  });
}

/**
 * The whole `scaleout load …` command: parse, run, print. Exit code 0 when every request or journey
 * succeeded and the run was measurable, 1 on failures (or a run that could not be measured, or a
 * target that could not be reached), 2 on bad input (nothing started).
 */
export async function loadCommand(argv: string[], io: LoadCommandIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout.write(LOAD_USAGE + '\n');
    return 0;
  }
  let parsed: ReturnType<typeof parseLoadArgs>;
  try {
    parsed = parseLoadArgs(argv);
  } catch (err) {
    if (err instanceof LoadError) {
      io.stderr.write(`scaleout load: ${err.code}: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const { spec, json } = parsed;
  const tty = (io.stderr as NodeJS.WriteStream).isTTY === true;
  const progress = parsed.progress ?? tty;
  const run = startLoad(spec);
  if (progress) run.on('second', (s) => io.stderr.write(formatSecond(s) + '\n'));
  const onSigint = () => run.stop();
  process.once('SIGINT', onSigint);
  let result: LoadResult;
  try {
    result = await run.done;
  } catch (err) {
    if (err instanceof LoadError) {
      io.stderr.write(`scaleout load: ${err.code}: ${err.message}\n`);
      return 1;
    }
    throw err;
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
  if (json !== undefined) await writeJson(json, result, io);
  if (json !== '-') io.stdout.write(formatResult(result) + '\n');
  else io.stderr.write(formatResult(result) + '\n');
  return result.errors > 0 || !result.generator.valid ? 1 : 0;
}
