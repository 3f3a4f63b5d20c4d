// Starts a real grantex-server for one test file: a free port, a temp data dir, generous rate
// limits. Stopped with SIGTERM (then SIGKILL) by `stop()`.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

export const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

// The suite mints most tokens with a sandbox developer's key; a test suite is what the environment
// variable is for (tests of the refusal pass allowSandbox: false explicitly). Set before any
// verification; the core reads it when it sees a sandbox token.
process.env.GRANTEX_ALLOW_SANDBOX_TOKENS ??= '1';
export const repoRoot = path.resolve(packageDir, '..');

export function serverBinary() {
  return process.env.GRANTEX_SERVER_BIN ?? path.join(repoRoot, 'target', 'debug', 'grantex-server');
}

export async function startServer() {
  const bin = serverBinary();
  if (!fs.existsSync(bin)) {
    throw new Error(`grantex-server not found at ${bin}: run \`cargo build -p grantex-server\` or set GRANTEX_SERVER_BIN`);
  }
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'grantex-node-test-'));
  const child = spawn(
    bin,
    ['--listen', '127.0.0.1:0', '--data-dir', dataDir, '--rate-limit', '100000', '--authorize-rate-limit', '100000',
      // A test server is a development server: webhook receivers and the test identity
      // provider live on loopback.
      '--allow-private-webhooks', '--webhook-retry-base-ms', '200', '--allow-insecure-sso-urls'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    if (stderr.length < 64 * 1024) stderr += chunk;
  });
  let exited = null;
  child.on('exit', (code, signal) => {
    exited = { code, signal };
  });

  const infoFile = path.join(dataDir, 'server.json');
  const deadline = Date.now() + 30_000;
  let info = null;
  while (info === null) {
    if (exited) throw new Error(`grantex-server exited early (${JSON.stringify(exited)}): ${stderr}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`grantex-server wrote no server.json within 30 s: ${stderr}`);
    }
    try {
      info = JSON.parse(fs.readFileSync(infoFile, 'utf8'));
    } catch {
      await sleep(50);
    }
  }

  async function stop() {
    if (!exited) {
      child.kill('SIGTERM');
      const until = Date.now() + 5000;
      while (!exited && Date.now() < until) await sleep(25);
      if (!exited) {
        child.kill('SIGKILL');
        while (!exited) await sleep(25);
      }
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  }

  return { ...info, dataDir, stop };
}
