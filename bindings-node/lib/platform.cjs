'use strict';
// The addon's file name, as `napi build --platform` names it: grantex.<platform>-<arch>[-abi].node,
// and the platform package that ships it prebuilt: @grantex/sdk-<platform>-<arch>[-abi].
//
// On Linux the C library (glibc or musl) is part of the name. It is read from /usr/bin/ldd first
// (glibc's is a script that names "GNU C Library"; musl's names musl): a small file read, where
// `process.report.getReport()` (the fallback when ldd is missing or says neither) costs 5-20 ms,
// most of `require('@grantex/sdk')` when it ran on every load. Computed once per process.

let musl;

function muslFromLdd() {
  let text;
  try {
    text = require('node:fs').readFileSync('/usr/bin/ldd', 'utf8');
  } catch {
    return null;
  }
  if (text.includes('musl')) return true;
  if (text.includes('GNU C Library') || text.includes('glibc') || text.includes('GLIBC')) return false;
  return null;
}

function muslFromReport() {
  try {
    const report = process.report && process.report.getReport();
    const header = report && (typeof report === 'string' ? JSON.parse(report).header : report.header);
    return !(header && header.glibcVersionRuntime);
  } catch {
    return false;
  }
}

function isMusl() {
  if (process.platform !== 'linux') return false;
  if (musl === undefined) musl = muslFromLdd() ?? muslFromReport();
  return musl;
}

function platformTriple() {
  const { platform, arch } = process;
  if (platform === 'linux') return `linux-${arch}-${isMusl() ? 'musl' : 'gnu'}`;
  if (platform === 'win32') return `win32-${arch}-msvc`;
  return `${platform}-${arch}`;
}

function nativeFileName() {
  return `grantex.${platformTriple()}.node`;
}

function platformPackageName() {
  return `@grantex/sdk-${platformTriple()}`;
}

module.exports = { nativeFileName, platformPackageName, platformTriple, isMusl, muslFromLdd, muslFromReport };
