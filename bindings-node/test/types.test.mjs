// TypeScript compile check of usage files against the shipped declarations (tsc --noEmit), for
// ESM and CommonJS consumers, plus a file that must fail (so the check cannot pass vacuously).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { packageDir } from './helpers/server.mjs';

const tsc = path.join(packageDir, 'node_modules', 'typescript', 'bin', 'tsc');

function runTsc(project) {
  assert.ok(fs.existsSync(tsc), `typescript is not installed: run \`npm ci\` in ${packageDir}`);
  return spawnSync(process.execPath, [tsc, '-p', project], { cwd: packageDir, encoding: 'utf8', timeout: 120_000 });
}

test('usage files type-check against lib/index.d.mts and lib/index.d.cts', () => {
  const r = runTsc('test/types/tsconfig.json');
  assert.equal(r.status, 0, `tsc failed:\n${r.stdout}${r.stderr}`);
});

test('type errors in a consumer are reported', () => {
  const r = runTsc('test/types/negative/tsconfig.json');
  assert.notEqual(r.status, 0);
  const errors = r.stdout.split('\n').filter((l) => l.includes('error TS'));
  assert.equal(errors.length, 8, r.stdout);
  assert.match(r.stdout, /wrong\.mts\(4,\d+\): error TS2322/);
  assert.match(r.stdout, /wrong\.mts\(6,\d+\): error TS2322/);
  assert.match(r.stdout, /wrong\.mts\(7,\d+\): error TS2741.*'name'/);
  assert.match(r.stdout, /wrong\.mts\(8,\d+\): error TS2561.*'requiredScope'/);
  // The generated declarations of the catalog's methods are real types too.
  assert.match(r.stdout, /wrong\.mts\(9,\d+\): error TS2345/);
  assert.match(r.stdout, /wrong\.mts\(10,\d+\): error TS2322/);
  // redirectUris is a list, and principalSessions.revoke needs the principal id.
  assert.match(r.stdout, /wrong\.mts\(11,\d+\): error TS2322/);
  assert.match(r.stdout, /wrong\.mts\(12,\d+\): error TS2554/);
});
