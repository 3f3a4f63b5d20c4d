'use strict';
// Error classes and the one place where a native (core) error becomes one of them.
//
// The addon throws/rejects with a plain Error whose message is a JSON document
// `{grantexNativeError: true, kind, message, ...}`; `kind` is the core's stable
// `Error::code()` string. `fromNative` turns it into the matching class below.

const native = require('./native.cjs');

/** Base class of every Grantex runtime failure. `code` is a stable string. */
class GrantexError extends Error {
  constructor(message, options = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code ?? 'grantex_error';
  }
}

/**
 * The reference SDK's positional form `(message, statusCode, body, requestId?)` (what mocks and
 * tests written against it call) as a details object; a details object passes through.
 */
function apiDetails(args) {
  const [details, body, requestId] = args;
  if (typeof details === 'number') return { statusCode: details, body, requestId };
  return details ?? {};
}

/** A non-2xx API response (after retries). `code` is the server's error code. */
class GrantexApiError extends GrantexError {
  constructor(message, ...rest) {
    const details = apiDetails(rest);
    super(message, { code: details.code ?? 'api_error', cause: details.cause });
    this.statusCode = details.statusCode;
    this.requestId = details.requestId ?? undefined;
    this.rateLimit = details.rateLimit ?? undefined;
    this.body = details.body ?? null;
  }
}

/** A 401 or 403 API response. */
class GrantexAuthError extends GrantexApiError {
  constructor(message, ...rest) {
    const details = apiDetails(rest);
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
/** The reference's `(message, cause?)`: anything but a plain options object is the cause. */
function networkOptions(options) {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object' || Object.getPrototypeOf(options) !== Object.prototype) {
    return { cause: options };
  }
  return options;
}

class GrantexNetworkError extends GrantexError {
  constructor(message, options) {
    options = networkOptions(options);
    super(message, { code: options.code ?? 'network_error', cause: options.cause });
  }
}

/** The request did not finish within the client's timeout (a network error with code `timeout`). */
class GrantexTimeoutError extends GrantexNetworkError {
  constructor(message, options) {
    super(message, { ...networkOptions(options), code: 'timeout' });
  }
}

/**
 * The client or a verifier is misconfigured: no API key (neither `apiKey` nor
 * `GRANTEX_API_KEY`), a base URL or JWKS URI that is not http(s), an option that is not
 * supported. `code` is `config_error`. Still an `Error`, so code written against the reference
 * SDK's plain missing-key `Error` keeps working.
 */
class GrantexConfigError extends GrantexError {
  constructor(message, options = {}) {
    super(message, { code: 'config_error', cause: options.cause });
  }
}

/**
 * A tool manifest does not conform to manifest schema 0.6; the message names the path
 * (`ToolManifest: tools.pay.caps: unknown key "per_week" ...`). `code` is `manifest_invalid`.
 */
class ManifestValidationError extends GrantexError {
  constructor(message) {
    super(message, { code: 'manifest_invalid' });
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

/**
 * A2A client or card failure. `code` is the core's stable code (`a2a_preflight`,
 * `a2a_rpc_error`, `a2a_http_error`, `a2a_card_error`, `a2a_protocol_error`, or a core code such
 * as `network_error`, `timeout`, `jwks_fetch`'s `token_invalid`); `reason` the finer one (the
 * token error code of a pre-flight refusal, the remote guard's `data.reason`); `status` the
 * HTTP status the remote agent answered with, if it answered. A wrapped core failure is `cause`.
 */
class A2AError extends GrantexError {
  constructor(message, details = {}) {
    super(message, { code: details.code ?? 'a2a_error', cause: details.cause });
    this.reason = details.reason ?? undefined;
    this.status = details.status ?? undefined;
  }
}

/** The grant token failed the client's offline check; nothing was sent. `reason`: the token code. */
class A2APreflightError extends A2AError {}

/** The remote agent answered with a JSON-RPC error (`error`: `{code, message, data?}`). */
class A2ARpcError extends A2AError {
  constructor(message, details = {}) {
    super(message, { ...details, code: details.code ?? 'a2a_rpc_error' });
    this.error = details.error ?? null;
  }
  /** The JSON-RPC error code (-32001 / -32003 / -32005 for a Grantex guard refusal). */
  get rpcCode() {
    return this.error?.code;
  }
  get data() {
    return this.error?.data;
  }
}

/** The remote agent answered a non-2xx status without a JSON-RPC error body. */
class A2AHttpError extends A2AError {}

/** The agent card could not be fetched or parsed, or it contradicts the configuration. */
class A2ACardError extends A2AError {}

/** The remote agent's answer is not a JSON-RPC 2.0 response to the request. */
class A2AProtocolError extends A2AError {}

/**
 * An incoming A2A request refused by `A2AGuard` (the reference's `A2AAuthError(statusCode,
 * message)`). `statusCode` is 401, 403 or 503; `reason` is stable (`missing_token`,
 * `expired`, `wrong_audience`, `missing_scopes`, `delegation_too_deep`, `revoked`, ...);
 * `rpcError` the JSON-RPC error object; `body(id)` the whole JSON-RPC response;
 * `wwwAuthenticate` the header value for 401/403.
 */
class A2AAuthError extends GrantexError {
  constructor(statusCode, message, details = {}) {
    super(message, { code: 'a2a_rejected', cause: details.cause });
    this.statusCode = statusCode;
    this.reason = details.reason ?? undefined;
    this.rpcError = details.rpcError ?? handBuiltRpcError(statusCode, message, this.reason);
    this.wwwAuthenticate = details.wwwAuthenticate ?? undefined;
  }
  /** The JSON-RPC error response for the request with `id` (`null` when unknown). */
  body(id = null) {
    return { jsonrpc: '2.0', id: id ?? null, error: { ...this.rpcError } };
  }
}

/**
 * A request to an MCP server refused by `McpGuard`: `statusCode` 401 (no valid token for this
 * server), 403 (a scope is missing) or 503 (the token could not be checked); `error` the RFC
 * 6750 code (`invalid_token`, `insufficient_scope`, `temporarily_unavailable`; empty when no
 * token came); `reason` a stable detail (`missing_token`, `wrong_audience`, `revoked`,
 * `missing_scopes`, ...); `scope` the scopes the request needs (403); `wwwAuthenticate` the
 * header to send; `body` the JSON body. All decided by the core.
 */
class McpAuthError extends GrantexError {
  constructor(statusCode, message, details = {}) {
    super(message, { code: 'mcp_rejected', cause: details.cause });
    this.statusCode = statusCode;
    this.error = details.error ?? '';
    this.reason = details.reason ?? undefined;
    this.scope = details.scope ?? [];
    this.wwwAuthenticate = details.wwwAuthenticate ?? '';
    this.body = details.body ?? { error: this.error || 'invalid_token', error_description: message };
  }
}

function handBuiltRpcError(statusCode, message, reason) {
  const code = native.a2aRpcCode(statusCode);
  return reason === undefined ? { code, message } : { code, message, data: { reason } };
}

const A2A_CLASSES = {
  a2a_preflight: A2APreflightError,
  a2a_rpc_error: A2ARpcError,
  a2a_http_error: A2AHttpError,
  a2a_card_error: A2ACardError,
  a2a_protocol_error: A2AProtocolError,
};

/** An A2A client failure: programmer errors stay plain (as elsewhere), the rest are A2AErrors. */
function fromA2A(d) {
  const cause = d.core ? fromNative(nativeDetail(d.core)) : undefined;
  if (d.code === 'invalid_argument' || d.code === 'config_error') return cause;
  const Class = A2A_CLASSES[d.code] ?? A2AError;
  return new Class(d.message, {
    code: d.code,
    reason: d.reason ?? undefined,
    status: d.status ?? undefined,
    error: d.rpcError ?? undefined,
    cause,
  });
}

/** A nested native document as the Error the addon would have thrown for it. */
function nativeDetail(detail) {
  return new Error(JSON.stringify(detail));
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

/** A bad argument: a `TypeError` with code `invalid_argument` (the SDK's one argument error). */
function invalidArgument(message) {
  return withCode(new TypeError(message), 'invalid_argument');
}

/**
 * A JS value as an argument error names it: `undefined`, `null`, `a string`, `a number (5)`,
 * `an array`, `a Date`, `an object`. Never the value of a string (it may be a secret).
 */
function describe(value) {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return 'a string';
    case 'number':
      return `a number (${value})`;
    case 'boolean':
      return `a boolean (${value})`;
    case 'bigint':
      return 'a bigint';
    case 'symbol':
      return 'a symbol';
    case 'function':
      return 'a function';
    default: {
      const name = Object.getPrototypeOf(value)?.constructor?.name;
      return typeof name === 'string' && name !== '' && name !== 'Object' ? `a ${name}` : 'an object';
    }
  }
}

/** `<what> must be <expected>, got <describe(value)>` as an argument error. */
function wrongType(what, expected, value) {
  return invalidArgument(`${what} must be ${expected}, got ${describe(value)}`);
}

// napi's own conversion messages name Rust types (`String`, `Vec<T>`, `u32`); a user of this
// SDK passed a JS value, so the JS type is what the message must name.
const RUST_TO_JS = [
  [/^(String|&str|str|Text|JsString)$/, 'a string'],
  [/^bool$/, 'a boolean'],
  [/^u(8|16|32|64|128|size)$/, 'a non-negative integer'],
  [/^i(8|16|32|64|128|size)$/, 'an integer'],
  [/^f(32|64)$/, 'a number'],
  [/^(Buffer|Vec<u8>|\[u8\]|Uint8Array)$/, 'a Buffer or Uint8Array'],
  [/^(Vec<.*>|Array|JsArray)$/, 'an array'],
  [/^(Object|JsObject|HashMap<.*>|Map<.*>)$/, 'an object'],
  [/^(Function|JsFunction)/, 'a function'],
  [/^(Date|JsDate)$/, 'a Date'],
  [/^(BigInt|JsBigInt)$/, 'a bigint'],
];

function jsTypeOfRust(rust) {
  let t = rust.trim().replace(/^&/, '');
  const option = /^Option<(.*)>$/.exec(t);
  if (option) t = option[1];
  for (const [pattern, js] of RUST_TO_JS) if (pattern.test(t)) return js;
  return 'a value of another type';
}

const NAPI_VALUE_TYPES = {
  Undefined: 'undefined',
  Null: 'null',
  Boolean: 'a boolean',
  Number: 'a number',
  String: 'a string',
  Symbol: 'a symbol',
  Object: 'an object',
  Function: 'a function',
  External: 'an external value',
  BigInt: 'a bigint',
  Bigint: 'a bigint',
};

function jsValueOfNapi(text) {
  const [kind, ...rest] = text.trim().split(/\s+/);
  const js = NAPI_VALUE_TYPES[kind];
  if (js === undefined) return 'a value of another type';
  return kind === 'Number' && rest.length === 1 && /^-?[\d.e+-]+$|^NaN$|^-?Infinity$/.test(rest[0])
    ? `a number (${rest[0]})`
    : js;
}

/** napi's conversion failure as a message in JS terms (no Rust type names). */
function napiArgumentMessage(message) {
  let m = /JavaScript value `([^`]*)` into rust type `([^`]*)`/.exec(message) ??
    /napi value `?(\w+)`? into rust type `([^`]*)`/.exec(message);
  if (m) return `invalid argument: expected ${jsTypeOfRust(m[2])}, got ${jsValueOfNapi(m[1])}`;
  m = /into rust type `([^`]*)`/.exec(message);
  if (m) return `invalid argument: expected ${jsTypeOfRust(m[1])}`;
  m = /Expect value to be (.+), but received (\w+)/.exec(message);
  if (m) return `invalid argument: expected ${jsTypeOfRust(m[1])}, got ${jsValueOfNapi(m[2])}`;
  m = /none of these types (.*)$/.exec(message);
  if (m) {
    const types = [...m[1].matchAll(/`([^`]*)`/g)].map((t) => jsTypeOfRust(t[1]));
    return `invalid argument: expected ${[...new Set(types)].join(' or ')}`;
  }
  if (/array/i.test(message)) return 'invalid argument: expected an array';
  return 'invalid argument: a value of the wrong type';
}

/** The JS error for a native error; anything else is returned unchanged. */
function fromNative(err) {
  if (!(err instanceof Error) || err instanceof GrantexError) return err;
  const d = parseDetail(err);
  if (d === null) {
    if (NAPI_ARGUMENT_STATUSES.has(err.code)) {
      return invalidArgument(napiArgumentMessage(err.message));
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
    case 'a2a':
      return fromA2A(d);
    case 'a2a_rejected':
      return new A2AAuthError(d.status, d.message, {
        reason: d.reason,
        rpcError: d.rpcError,
        wwwAuthenticate: d.wwwAuthenticate ?? undefined,
      });
    case 'mcp_rejected':
      return new McpAuthError(d.status, d.message, {
        error: d.error,
        reason: d.reason,
        scope: d.scope,
        wwwAuthenticate: d.wwwAuthenticate,
        body: d.body,
      });
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
    // Programmer errors: configuration (a missing API key, a bad URL) is one class in every
    // language; a bad argument is a TypeError, as in the reference SDK.
    case 'config_error':
      return new GrantexConfigError(d.message);
    case 'invalid_argument':
      return invalidArgument(d.message);
    case 'manifest_invalid':
      return new ManifestValidationError(d.message);
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
  GrantexConfigError,
  ManifestValidationError,
  A2AError,
  A2APreflightError,
  A2ARpcError,
  A2AHttpError,
  A2ACardError,
  A2AProtocolError,
  A2AAuthError,
  McpAuthError,
  fromNative,
  settle,
  settleSync,
  invalidArgument,
  wrongType,
  describe,
};
