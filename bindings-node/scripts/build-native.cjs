#!/usr/bin/env node
// Builds the native addon from source with the installed Rust toolchain (the npm `install`
// and `build` scripts).
//
// - As the `install` script (`--install`): when the prebuilt addon of the platform package
//   (@grantex/sdk-linux-x64-gnu, an optional dependency of the published package) is installed
//   and loads, nothing is built; otherwise (another platform, or optional dependencies omitted)
//   the addon is built from source as below. GRANTEX_NODE_BUILD set forces the source build.
//   In the published tarball the Rust sources sit in the package (Cargo.toml with a workspace,
//   rust/core); there the build goes to a temporary target dir (unless CARGO_TARGET_DIR is set)
//   that is removed afterwards, so node_modules keeps only the addon.
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
const os = require('node:os');
const { nativeFileName, platformPackageName } = require('../lib/platform.cjs');

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
  // The published tarball carries its own Rust workspace (rust/core next to Cargo.toml).
  const packaged = fs.existsSync(path.join(root, 'rust', 'core', 'Cargo.toml'));
  const tempTarget =
    packaged && !process.env.CARGO_TARGET_DIR ? fs.mkdtempSync(path.join(os.tmpdir(), 'grantex-node-build-')) : null;
  const env = tempTarget ? { ...process.env, CARGO_TARGET_DIR: tempTarget } : process.env;
  try {
    run('cargo', ['build', '--release', '-p', 'grantex-node', ...(features ? ['--features', features] : [])], { env });
    const ext = process.platform === 'darwin' ? 'dylib' : process.platform === 'win32' ? 'dll' : 'so';
    const prefix = process.platform === 'win32' ? '' : 'lib';
    const built = path.join(tempTarget || cargoTargetDir(), 'release', `${prefix}grantex_node.${ext}`);
    const dest = path.join(root, nativeFileName());
    const tmp = `${dest}.${process.pid}.tmp`;
    fs.copyFileSync(built, tmp);
    fs.renameSync(tmp, dest);
    console.log(`grantex: built ${path.relative(root, dest)} with cargo`);
  } finally {
    if (tempTarget) fs.rmSync(tempTarget, { recursive: true, force: true });
  }
}

// The installed platform package's addon, if there is one and it loads here.
function prebuilt() {
  const name = platformPackageName();
  try {
    require(require.resolve(name, { paths: [root] }));
    return name;
  } catch {
    return null;
  }
}

function main() {
  if (process.argv.includes('--install') && !process.env.GRANTEX_NODE_BUILD) {
    const name = prebuilt();
    if (name) {
      console.log(`grantex: using the prebuilt addon of ${name}; nothing to build`);
      return;
    }
    console.log(`grantex: no prebuilt addon (${platformPackageName()}) for this platform: building from source`);
  }
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
