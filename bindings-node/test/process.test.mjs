// Runtime discipline: a process using the SDK exits by itself, and 100k verifications do not
// grow memory.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageDir, repoRoot, startServer } from './helpers/server.mjs';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
let server;

before(async () => {
  server = await startServer();
});

after(async () => {
  await server?.stop();
});

/** Runs a fixture; resolves with its exit status and output, or fails if it outlives `limitMs`. */
function run(file, env, limitMs, args = []) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...args, path.join(fixtures, file)], {
      cwd: packageDir,
      env: { ...process.env, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const started = Date.now();
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${file} did not exit within ${limitMs} ms:\n${stdout}\n${stderr}`));
    }, limitMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
  });
}

test('a process that used the client and the verifier exits by itself', async () => {
  const env = { GRANTEX_BASE_URL: server.baseUrl, GRANTEX_SANDBOX_KEY: server.sandboxApiKey };
  const r = await run('exits.mjs', env, 15_000);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /verified usr_exit/);
  assert.match(r.stdout, /late healthy/, 'a pending call keeps the loop alive until it settles');
  const idle = await run('exits.mjs', { ...env, MODE: 'idle' }, 15_000);
  assert.equal(idle.code, 0, idle.stderr);
  assert.ok(idle.ms < 5000, `an idle client process took ${idle.ms} ms to exit`);
});

test('no leak over 100k verifications (RSS)', async () => {
  const r = await run(
    'rss.mjs',
    { VECTORS: path.join(repoRoot, 'vectors', 'token-vectors.json'), N: '100000' },
    240_000,
    ['--expose-gc'],
  );
  assert.equal(r.code, 0, r.stderr);
  const m = JSON.parse(r.stdout.trim().split('\n').at(-1));
  assert.equal(m.ok + m.rejected, 100_000);
  assert.equal(m.rejected, 10_000);
  // A leak of even 100 bytes per verification would be ~10 MB here.
  assert.ok(m.growthMb < 8, `RSS grew ${m.growthMb.toFixed(1)} MB over 100k verifications (${m.before.toFixed(1)} -> ${m.after.toFixed(1)} MB)`);
  console.log(`# rss: ${m.before.toFixed(1)} MB -> ${m.after.toFixed(1)} MB over 100k verifications`);
});
