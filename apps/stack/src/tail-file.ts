import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';

/** The last `lines` lines of a (possibly large) file, reading at most 4 MB from its end. */
export function tailFile(file: string, lines: number): string {
  if (!existsSync(file)) return '';
  const size = statSync(file).size;
  const length = Math.min(size, 4 * 1024 * 1024);
  const buf = Buffer.alloc(length);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, buf, 0, length, size - length);
  } finally {
    closeSync(fd);
  }
  const text = buf.toString('utf8');
  const all = text.endsWith('\n') ? text.slice(0, -1).split('\n') : text.split('\n');
  return all.slice(-lines).join('\n') + (all.length ? '\n' : '');
}
