'use strict';
// The addon's file name, as `napi build --platform` names it: grantex.<platform>-<arch>[-abi].node,
// and the platform package that ships it prebuilt: @grantex/sdk-<platform>-<arch>[-abi].

function isMusl() {
  if (process.platform !== 'linux') return false;
  try {
    const report = process.report && process.report.getReport();
    const header = report && (typeof report === 'string' ? JSON.parse(report).header : report.header);
    return !(header && header.glibcVersionRuntime);
  } catch {
    return false;
  }
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

module.exports = { nativeFileName, platformPackageName, platformTriple };
