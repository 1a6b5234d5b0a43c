import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEBIAN_PACKAGES, ensureBinary, MissingBinaryError, requireBinary, whichBinary } from './index.js';

test('whichBinary finds installed programs, also in sbin folders', () => {
  assert.ok(whichBinary('sh'));
  assert.equal(whichBinary('scaleout-surely-not-installed'), undefined);
});

test('a missing binary names its Debian package and the install command', () => {
  assert.equal(DEBIAN_PACKAGES.mariadbd, 'mariadb-server');
  assert.equal(DEBIAN_PACKAGES.memcached, 'memcached');
  assert.throws(
    () => requireBinary('scaleout-surely-not-installed', 'scaleout-pkg'),
    (e: unknown) => e instanceof MissingBinaryError && e.debianPackage === 'scaleout-pkg' && /apt-get install -y scaleout-pkg/.test(e.message),
  );
  // without `install`, ensureBinary fails the same way instead of installing
  assert.throws(() => ensureBinary('scaleout-surely-not-installed'), MissingBinaryError);
});
