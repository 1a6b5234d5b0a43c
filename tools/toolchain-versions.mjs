#!/usr/bin/env node
// Prints what the tests run on besides the repository: the Node version and the versions of the Debian
// packages whose daemons and clients the tests start (the list .ci/run installs). Nx hashes this output
// into every test task (nx.json, named input "testRuntime"), so a cached pass is replayed only on the same
// Node and the same installed daemons.
import { execFileSync } from 'node:child_process';

const packages = [
  'mariadb-server', 'mariadb-client', 'memcached', 'prometheus', 'haproxy', 'nginx', 'bind9',
  'bind9-dnsutils', 'dnsperf', 'wrk', 'sysbench', 'chromium', 'util-linux', 'docker.io', 'docker-compose',
];
let installed = 'dpkg-query unavailable';
try {
  installed = execFileSync('dpkg-query', ['-W', '-f=${Package}=${Version} ', ...packages], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
} catch (err) {
  // dpkg-query exits 1 when some package is not installed but still prints the others.
  installed = typeof err?.stdout === 'string' && err.stdout ? err.stdout : installed;
}
console.log(`node=${process.version} ${installed.trim()}`);
