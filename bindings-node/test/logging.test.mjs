// GRANTEX_LOG (issue 18): the core's tracing events as one stderr line each,
// `grantex <level> <message> key=value ...`, at the level the variable names (read when the
// addon loads); nothing at all without it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { packageDir, startServer } from './helpers/server.mjs';

let server;
let flaky;
let flakyUrl;

before(async () => {
  server = await startServer();
  // 503 (Retry-After: 0) on every odd request, then an empty agent list.
  let n = 0;
  flaky = http.createServer((req, res) => {
    n += 1;
    if (n % 2 === 1) {
      res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '0', 'x-request-id': `req-${n}` });
      res.end('{"message":"busy","code":"UNAVAILABLE"}');
    } else {
      res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': `req-${n}` });
      res.end('{"agents":[]}');
    }
  });
  await new Promise((resolve) => flaky.listen(0, '127.0.0.1', resolve));
  flakyUrl = `http://127.0.0.1:${flaky.address().port}`;
});

after(async () => {
  await server?.stop();
  await new Promise((resolve) => (flaky ? flaky.close(resolve) : resolve()));
});

const SCRIPT = `
const { Grantex } = require(${JSON.stringify(path.join(packageDir, 'lib', 'index.cjs'))});
const gx = new Grantex({ apiKey: process.env.KEY, baseUrl: process.env.URL, maxRetries: 2 });
gx.agents.list().then(
  (r) => { process.stdout.write('agents ' + r.agents.length + '\\n'); },
  (e) => { process.stdout.write('error ' + e.message + '\\n'); process.exitCode = 3; },
);
`;

/** Runs SCRIPT in a child node with `env` added (GRANTEX_LOG removed unless given). */
function run(env) {
  const base = { ...process.env };
  delete base.GRANTEX_LOG;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', SCRIPT], { cwd: packageDir, env: { ...base, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the child did not exit:\n${stdout}\n${stderr}`));
    }, 20_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const live = () => ({ KEY: server.apiKey, URL: server.baseUrl });

test('GRANTEX_LOG=debug prints one line per call with method, path and status', async () => {
  const r = await run({ ...live(), GRANTEX_LOG: 'debug' });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'agents 0\n');
  const lines = r.stderr.split('\n').filter(Boolean);
  assert.equal(lines.length, 1, r.stderr);
  const line = lines[0];
  assert.match(line, /^grantex debug grantex call succeeded /);
  for (const part of ['op=agents.list', 'method=GET', 'path=/v1/agents', 'status=200', 'attempts=1']) {
    assert.ok(line.split(' ').includes(part), `${part} in ${line}`);
  }
  assert.match(line, / request_id=[0-9a-f-]{36}( |$)/);
  assert.match(line, / elapsed_ms=\d+( |$)/);
});

test('GRANTEX_LOG=1 is debug', async () => {
  const r = await run({ ...live(), GRANTEX_LOG: '1' });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^grantex debug grantex call succeeded .*status=200/m);
});

test('without GRANTEX_LOG (or with it empty or 0) stderr stays empty', async () => {
  for (const env of [{}, { GRANTEX_LOG: '' }, { GRANTEX_LOG: '0' }, { GRANTEX_LOG: 'off' }]) {
    const r = await run({ ...live(), ...env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'agents 0\n');
    assert.equal(r.stderr, '', JSON.stringify(env));
  }
  // Retries log nothing either.
  const r = await run({ KEY: 'k', URL: flakyUrl });
  assert.equal(r.stdout, 'agents 0\n');
  assert.equal(r.stderr, '');
});

test('GRANTEX_LOG=info shows the retry, not the debug line', async () => {
  const r = await run({ KEY: 'k', URL: flakyUrl, GRANTEX_LOG: 'info' });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'agents 0\n');
  const lines = r.stderr.split('\n').filter(Boolean);
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], /^grantex info grantex call retrying after a transient status /);
  for (const part of ['method=GET', 'path=/v1/agents', 'attempt=1', 'status=503', 'delay_ms=0']) {
    assert.ok(lines[0].split(' ').includes(part), `${part} in ${lines[0]}`);
  }
  assert.match(lines[0], / request_id=req-\d+( |$)/);
  const quiet = await run({ KEY: 'k', URL: flakyUrl, GRANTEX_LOG: 'warn' });
  assert.equal(quiet.stdout, 'agents 0\n');
  assert.equal(quiet.stderr, '');
});

test('GRANTEX_LOG=debug also logs failed calls; an unknown value says so once', async () => {
  const r = await run({ KEY: 'wrong', URL: server.baseUrl, GRANTEX_LOG: 'debug' });
  assert.equal(r.code, 3);
  assert.match(r.stderr, /^grantex debug grantex call failed .*status=401/m);
  const odd = await run({ ...live(), GRANTEX_LOG: 'loud' });
  assert.equal(odd.code, 0, odd.stderr);
  assert.equal(odd.stderr, 'grantex: GRANTEX_LOG="loud" is not a level (debug, info, warn, error); logging stays off\n');
});
