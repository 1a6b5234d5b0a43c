export { tempDir, removeDir } from './temp-dir.js';
export { track } from './cleanup.js';
export { startMariadb, type StartMariadbOptions, type TestMariadb } from './start-mariadb.js';
export { startMariadbPair, type MariadbPairOptions, type TestMariadbPair } from './start-mariadb-pair.js';
export { startMemcached, type StartMemcachedOptions, type TestMemcached } from './start-memcached.js';
export { freePort, MissingBinaryError } from '@scaleout/infra';
export { eventually, inBatches, sleep, waitFor } from './eventually.js';
export { DirectMemcached, startMemcachedPair } from './memcached-direct.js';
export { launchChromium, CHROMIUM_FLAGS } from './launch-chromium.js';
