'use strict';
// Exports resolved on first access, so that `require('@grantex/sdk')` loads only what is used
// (issue 14: importing the SDK costs at most 30 ms; RELEASING.md has the rule).
//
// `lazy(target, name, load)` makes `target[name]` an enumerable accessor that calls `load()` once
// and then replaces itself with an ordinary data property holding the value (writable,
// enumerable, configurable, as a member of an object literal is), so `Object.keys`, spreading,
// destructuring and assignment behave as with the plain exports object it stands for, and every
// access returns the very same object (one module instance: `instanceof` holds).

function lazy(target, name, load) {
  const settle = (value) => {
    Object.defineProperty(target, name, { value, writable: true, enumerable: true, configurable: true });
    return value;
  };
  Object.defineProperty(target, name, {
    get: () => settle(load()),
    set: settle,
    enumerable: true,
    configurable: true,
  });
}

module.exports = { lazy };
