#!/usr/bin/env node
// Builds the native addon from source with the installed Rust toolchain (the npm `install`
// and `build` scripts).
//
// - With @napi-rs/cli present (`npm ci` inside this folder): `napi build`, which also
//   regenerates `native.d.ts` from the Rust signatures.
// - Without it (`npm install /path/to/bindings-node` installs a symlink and skips this
//   package's devDependencies): `cargo build --release -p grantex-node`, then the cdylib is
//   copied to the file name napi would have produced.
//
// - With GRANTEX_NODE_FEATURES set (e.g. `bench` for scripts/bench-node): cargo with those
//   features, so `native.d.ts` (the public addon's declarations) is left as it is.
//
// Cargo decides what is stale, so running this again is cheap. The copy goes through a temp
// file and a rename, so a process that has the old addon loaded is never handed a half-written
// library.
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { nativeFileName } = require('../lib/platform.cjs');

const root = path.resolve(__dirname, '..');

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status ?? r.signal}`);
  }
}

function napiCli() {
  try {
    const pkg = require.resolve('@napi-rs/cli/package.json', { paths: [root] });
    const cli = path.join(path.dirname(pkg), 'dist', 'cli.js');
    return fs.existsSync(cli) ? cli : null;
  } catch {
    return null;
  }
}

function cargoTargetDir() {
  if (process.env.CARGO_TARGET_DIR) return path.resolve(root, process.env.CARGO_TARGET_DIR);
  const r = spawnSync('cargo', ['metadata', '--format-version', '1', '--no-deps'], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`cargo metadata failed: ${r.stderr}`);
  return JSON.parse(r.stdout).target_directory;
}

function buildWithCargo(features) {
  run('cargo', ['build', '--release', '-p', 'grantex-node', ...(features ? ['--features', features] : [])]);
  const ext = process.platform === 'darwin' ? 'dylib' : process.platform === 'win32' ? 'dll' : 'so';
  const prefix = process.platform === 'win32' ? '' : 'lib';
  const built = path.join(cargoTargetDir(), 'release', `${prefix}grantex_node.${ext}`);
  const dest = path.join(root, nativeFileName());
  const tmp = `${dest}.${process.pid}.tmp`;
  fs.copyFileSync(built, tmp);
  fs.renameSync(tmp, dest);
  console.log(`grantex: built ${path.relative(root, dest)} with cargo`);
}

function main() {
  const cli = napiCli();
  const features = process.env.GRANTEX_NODE_FEATURES;
  if (features) {
    buildWithCargo(features);
  } else if (cli && process.env.GRANTEX_NODE_BUILD !== 'cargo') {
    run(process.execPath, [
      cli,
      'build',
      '--platform',
      '--release',
      '--no-js',
      '--dts',
      'native.d.ts',
      '--package',
      'grantex-node',
    ]);
  } else {
    buildWithCargo('');
  }
}

try {
  main();
} catch (err) {
  console.error(`grantex: building the native addon failed: ${err.message}`);
  console.error('grantex: it needs a Rust toolchain (cargo) and the grantex workspace around this package.');
  process.exit(1);
}
