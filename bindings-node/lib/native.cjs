'use strict';
// Loads the native addon, first found of:
//   1. ../grantex.<platform>.node, built from source by scripts/build-native.cjs (a checkout of
//      the repository, or the install-time fallback when no prebuilt addon matched);
//   2. the prebuilt addon of the platform package @grantex/sdk-<platform> (e.g.
//      @grantex/sdk-linux-x64-gnu), an optional dependency npm installs only on a matching machine.

const fs = require('node:fs');
const path = require('node:path');
const { nativeFileName, platformPackageName } = require('./platform.cjs');

const file = path.join(__dirname, '..', nativeFileName());
const pkg = platformPackageName();

function load() {
  // A stat rather than a failed `require` (a resolution over every extension and a thrown error)
  // for the usual install, where the addon comes from the platform package.
  if (fs.existsSync(file)) {
    try {
      return require(file);
    } catch (err) {
      if (err.code !== 'MODULE_NOT_FOUND') throw wrap(err, file);
    }
  }
  try {
    return require(pkg);
  } catch (err) {
    if (err.code !== 'MODULE_NOT_FOUND') throw wrap(err, pkg);
    throw wrap(err, `${file} or ${pkg}`);
  }
}

function wrap(err, what) {
  const hint = new Error(
    `@grantex/sdk: cannot load the native addon ${what}: ${err.message}. ` +
      `Reinstall the package on a platform with a prebuilt addon (${pkg}), or build it from ` +
      'source with a Rust toolchain (`npm rebuild @grantex/sdk`, or `npm run build` in a checkout).',
    { cause: err },
  );
  hint.code = 'native_addon_missing';
  return hint;
}

module.exports = load();
