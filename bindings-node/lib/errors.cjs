'use strict';
// Error classes and the one place where a native (core) error becomes one of them.
//
// The addon throws/rejects with a plain Error whose message is a JSON document
// `{grantexNativeError: true, kind, message, ...}`; `kind` is the core's stable
// `Error::code()` string. `fromNative` turns it into the matching class below.

/** Base class of every Grantex runtime failure. `code` is a stable string. */
class GrantexError extends Error {
  constructor(message, options = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code ?? 'grantex_error';
  }
}

/** A non-2xx API response (after retries). `code` is the server's error code. */
class GrantexApiError extends GrantexError {
  constructor(message, details = {}) {
    super(message, { code: details.code ?? 'api_error', cause: details.cause });
    this.statusCode = details.statusCode;
    this.requestId = details.requestId ?? undefined;
    this.rateLimit = details.rateLimit ?? undefined;
    this.body = details.body ?? null;
  }
}

/** A 401 or 403 API response. */
class GrantexAuthError extends GrantexApiError {
  constructor(message, details = {}) {
    super(message, { ...details, code: details.code ?? 'auth_error' });
  }
}

/** A grant token failed verification; `code` is the core's token error code (e.g. `expired`). */
class GrantexTokenError extends GrantexError {
  constructor(message, code = 'token_invalid', options = {}) {
    super(message, { code, cause: options.cause });
  }
}

/** The request could not be sent or the connection failed; `cause` says why. */
class GrantexNetworkError extends GrantexError {
  constructor(message, options = {}) {
    super(message, { code: options.code ?? 'network_error', cause: options.cause });
  }
}

/** The request did not finish within the client's timeout (a network error with code `timeout`). */
class GrantexTimeoutError extends GrantexNetworkError {
  constructor(message, options = {}) {
    super(message, { ...options, code: 'timeout' });
  }
}

/** A 2xx response whose body did not have the expected shape. */
class GrantexDecodeError extends GrantexError {
  constructor(message, details = {}) {
    super(message, { code: 'decode_error', cause: details.cause });
    this.statusCode = details.statusCode;
    this.requestId = details.requestId ?? undefined;
  }
}

// napi's own argument-conversion failures (a number where a string was expected, ...).
const NAPI_ARGUMENT_STATUSES = new Set([
  'InvalidArg',
  'ObjectExpected',
  'StringExpected',
  'NameExpected',
  'FunctionExpected',
  'NumberExpected',
  'BooleanExpected',
  'ArrayExpected',
  'BigintExpected',
  'DateExpected',
  'ArrayBufferExpected',
  'DetachableArraybufferExpected',
]);

function parseDetail(err) {
  const text = err.message;
  if (typeof text !== 'string' || !text.startsWith('{')) return null;
  try {
    const d = JSON.parse(text);
    return d && d.grantexNativeError === true ? d : null;
  } catch {
    return null;
  }
}

function withCode(error, code) {
  error.code = code;
  return error;
}

/** The JS error for a native error; anything else is returned unchanged. */
function fromNative(err) {
  if (!(err instanceof Error) || err instanceof GrantexError) return err;
  const d = parseDetail(err);
  if (d === null) {
    if (NAPI_ARGUMENT_STATUSES.has(err.code)) {
      return withCode(new TypeError(err.message), 'invalid_argument');
    }
    return err;
  }
  const api = {
    statusCode: d.statusCode,
    code: d.code ?? undefined,
    requestId: d.requestId ?? undefined,
    rateLimit: d.rateLimit ?? undefined,
    body: d.body ?? null,
  };
  switch (d.kind) {
    case 'api_error':
      return new GrantexApiError(d.message, api);
    case 'auth_error':
      return new GrantexAuthError(d.message, api);
    case 'token_invalid':
      return new GrantexTokenError(d.message, d.code);
    case 'network_error':
      return new GrantexNetworkError(d.message, {
        cause: d.cause ? new Error(d.cause) : undefined,
      });
    case 'timeout':
      return new GrantexTimeoutError(d.message);
    case 'decode_error':
      return new GrantexDecodeError(d.message, api);
    // Programmer errors, as the reference SDK reports them (a missing API key is a plain Error).
    case 'config_error':
      return withCode(new Error(d.message), 'config_error');
    case 'invalid_argument':
      return withCode(new TypeError(d.message), 'invalid_argument');
    default:
      return new GrantexError(d.message, { code: d.kind });
  }
}

/** Runs `start` (which may throw or return a promise) and maps whatever it fails with. */
async function settle(start) {
  try {
    return await start();
  } catch (err) {
    throw fromNative(err);
  }
}

/** Synchronous twin of `settle`. */
function settleSync(start) {
  try {
    return start();
  } catch (err) {
    throw fromNative(err);
  }
}

module.exports = {
  GrantexError,
  GrantexApiError,
  GrantexAuthError,
  GrantexTokenError,
  GrantexNetworkError,
  GrantexTimeoutError,
  GrantexDecodeError,
  fromNative,
  settle,
  settleSync,
};
