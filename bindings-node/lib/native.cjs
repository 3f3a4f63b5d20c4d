'use strict';
// Loads the compiled addon (built from source by scripts/build-native.cjs).

const path = require('node:path');
const { nativeFileName } = require('./platform.cjs');

const file = path.join(__dirname, '..', nativeFileName());
let native;
try {
  native = require(file);
} catch (err) {
  const hint = new Error(
    `@grantex/sdk: cannot load the native addon ${file}: ${err.message}. ` +
      'Build it with `npm run build` (or reinstall the package) using a Rust toolchain.',
    { cause: err },
  );
  hint.code = 'native_addon_missing';
  throw hint;
}

module.exports = native;
