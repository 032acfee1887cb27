/** The layering of DESIGN.md, held by reading the imports: no door imports another, services no door, the core neither. */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { ROOT } from './helpers.js';

const SRC = join(ROOT, 'src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Each source file's local imports, as paths relative to src/ (type-only imports included). */
const graph = new Map(
  files(SRC).map((file) => {
    const imports = [...readFileSync(file, 'utf8').matchAll(/from '(\.[^']+)\.js'/g)].map((m) => relative(SRC, resolve(dirname(file), `${m[1]}.ts`)));
    return [relative(SRC, file), imports] as const;
  }),
);

/** A layer: a folder of src/, the store's engines (store/sqlite/, store/postgres/, and store/sql/ they share) apart from its contracts. */
const top = (path: string) => /^store\/[^/]+\//.exec(path)?.[0].slice(0, -1) ?? path.split('/')[0];

function edges(from: (f: string) => boolean, to: (f: string) => boolean): string[] {
  return [...graph].flatMap(([file, imports]) => (from(file) ? imports.filter(to).map((i) => `${file} -> ${i}`) : []));
}

test('jobs and notify do not import each other both ways; index does not import match', () => {
  assert.deepEqual(edges((f) => top(f) === 'jobs', (i) => top(i) === 'notify'), []);
  assert.deepEqual(edges((f) => top(f) === 'index', (i) => top(i) === 'match'), []);
});

test('the core (media, fingerprint, index, match) imports no service, store engine, job or door', () => {
  const core = (f: string) => ['media', 'fingerprint', 'index', 'match'].includes(top(f));
  assert.deepEqual(edges(core, (i) => ['services', 'jobs', 'notify', 'api', 'cli', 'views'].includes(top(i)) || /^store\/[^/]+\//.test(i)), []);
});

test('services import no door; doors do not import each other', () => {
  assert.deepEqual(edges((f) => top(f) === 'services', (i) => ['api', 'cli', 'views'].includes(top(i))), []);
  assert.deepEqual(edges((f) => top(f) === 'api', (i) => top(i) === 'cli'), []);
  assert.deepEqual(edges((f) => top(f) === 'cli', (i) => top(i) === 'api' && !['api/config.ts', 'api/server.ts'].includes(i)), []);
});

test('no import cycles between folders of src/', () => {
  const folderEdges = new Set([...graph].flatMap(([file, imports]) => imports.filter((i) => top(i) !== top(file) && i.includes('/')).map((i) => `${top(file)}>${top(i)}`)));
  const cycles = [...folderEdges].filter((e) => {
    const [a, b] = e.split('>');
    return folderEdges.has(`${b}>${a}`);
  });
  assert.deepEqual(cycles.sort(), []);
});

test('the SQLite engine never changes a shared statement’s mode or iterates one (database.ts caches statements)', () => {
  const engine = files(join(SRC, 'store', 'sqlite')).map((f) => readFileSync(f, 'utf8')).join('\n');
  assert.deepEqual(engine.match(/\.(pluck|raw|expand|iterate|safeIntegers)\(/g) ?? [], []);
});
