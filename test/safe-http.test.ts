/** The URL guard: what a media URL or a callback may reach, by address and host name. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addressAllowed, checkUrl, PRIVATE_NETWORKS } from '../src/net/safe-http.js';

test('public addresses pass; private ones only when allowed; link-local and cloud metadata never', () => {
  const none = { allow: [] };
  const lan = { allow: PRIVATE_NETWORKS };
  const named = { allow: ['hooks.internal', '*.corp.example', '10.1.0.0/16'] };
  assert.equal(addressAllowed('93.184.216.34', 'example.com', none), true);
  for (const address of ['127.0.0.1', '10.0.0.5', '192.168.1.1', '::1', 'fd12::1', '::ffff:127.0.0.1']) {
    assert.equal(addressAllowed(address, 'x', none), false, address);
    assert.equal(addressAllowed(address, 'x', lan), true, address);
  }
  for (const address of ['169.254.169.254', '100.100.100.200', 'fd00:ec2::254', 'fe80::1', '0.0.0.0', '224.0.0.1', '::ffff:169.254.169.254']) {
    assert.equal(addressAllowed(address, 'x', lan), false, `${address} is never reachable`);
    assert.equal(addressAllowed(address, 'hooks.internal', named), false, `${address} is never reachable, even by name`);
  }
  assert.equal(addressAllowed('10.9.9.9', 'hooks.internal', named), true, 'an allowed host name reaches its private address');
  assert.equal(addressAllowed('10.9.9.9', 'a.corp.example', named), true);
  assert.equal(addressAllowed('10.9.9.9', 'corp.example.evil', named), false);
  assert.equal(addressAllowed('10.1.2.3', 'other', named), true, 'an allowed network');
  assert.equal(addressAllowed('10.2.0.1', 'other', named), false);
  assert.throws(() => checkUrl('http://169.254.169.254/latest/meta-data', lan), /may not reach/);
  assert.throws(() => checkUrl('http://localhost:8080/x', none), /this machine/);
  assert.equal(checkUrl('http://localhost:8080/x', lan).hostname, 'localhost');
  assert.throws(() => addressAllowed('10.0.0.1', 'x', { allow: ['not a host!'] }), /allow-list/);
});
