/**
 * scripts/cluster-demo.sh end to end: PostgreSQL, s3rver, two API-only servers and three workers; saves
 * and searches through both APIs, a worker SIGKILLed mid-job. The script checks that every job ended
 * once and the killed worker's job was retried (its exit status); here, that it says so and leaves
 * nothing behind.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT } from './helpers.js';

const clusterDirs = () => readdirSync('/tmp').filter((name) => name.startsWith('vdna-cluster-'));

test('the cluster demo: every job ends exactly once through two APIs and three workers, the killed worker’s job is retried', { timeout: 240_000 }, async () => {
  const before = new Set(clusterDirs());
  const proc = spawn('bash', [join(ROOT, 'scripts', 'cluster-demo.sh')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  proc.stdout.on('data', (d) => (output += d));
  proc.stderr.on('data', (d) => (output += d));
  const [code] = await once(proc, 'exit');
  assert.equal(code, 0, output);
  assert.match(output, /OK: every job ended exactly once, and the killed worker’s job was retried/);
  assert.match(output, /killed worker's job \w+: Success after 2 attempts/);
  assert.match(output, /callback events: (\d+) for \1 jobs, \1 distinct event ids; most for one job: 1/);
  assert.deepEqual(clusterDirs().filter((d) => !before.has(d)), [], 'the demo removed its directory');
});
