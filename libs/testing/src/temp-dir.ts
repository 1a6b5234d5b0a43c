import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const created = new Set<string>();
let hooked = false;

/** A fresh folder under the system temp folder, removed at process exit unless SCALEOUT_KEEP_TMP=1. */
export function tempDir(prefix = 'scaleout-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  created.add(dir);
  if (!hooked) {
    hooked = true;
    process.on('exit', () => {
      if (process.env.SCALEOUT_KEEP_TMP === '1') return;
      for (const d of created) rmSync(d, { recursive: true, force: true });
    });
  }
  return dir;
}

export function removeDir(dir: string): void {
  created.delete(dir);
  rmSync(dir, { recursive: true, force: true });
}
