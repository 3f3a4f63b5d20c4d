'use strict';
// The `Grantex` API client: the reference SDK's shape over the core client in the addon.
//
// Nothing here names an operation. The namespaces (`grantex.agents`, ...) and methods are built
// once, at load, from the generated table of the core's catalog (`./operations.cjs`): each
// method checks its JS arguments against its row, maps them to one input object (path
// parameters, positional strings and members, the params object's members) and runs the addon's generic
// `NativeClient.call`; the core checks the members and runs the request on its runtime. The
// result is the core's JSON plus the reference SDK's `id` aliases, from the same table.

const native = require('./native.cjs');
const { settle, settleSync, invalidArgument, wrongType } = require('./errors.cjs');
const { operations, aliases } = require('./operations.cjs');

let userAgent;
/** `@grantex/sdk/<version>`; package.json is read when the first client is made, not at load. */
function userAgentOf() {
  if (userAgent === undefined) userAgent = `@grantex/sdk/${require('../package.json').version}`;
  return userAgent;
}

/** The native client behind each client and namespace object (never a visible property). */
const NATIVE = new WeakMap();

// ------------------------------------------------------------------ arguments

/** `agents.get(agentId)`, `Grantex.signup(params, options?)`: how messages name a method. */
function signature(op) {
  const args = [...op.path, ...op.strings.map((s) => s.arg)];
  for (const f of op.fields) args.push(f.optional ? `${f.arg}?` : f.arg);
  if (op.params !== null) args.push(op.paramsOptional ? 'params?' : 'params');
  if (op.auth === 'none') args.push('options?');
  const owner = op.auth === 'none' ? 'Grantex.' : op.group === '' ? '' : `${op.group}.`;
  return `${owner}${op.method}(${args.join(', ')})`;
}

function isObject(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Deepest params nesting accepted (beyond it, a value is taken to refer to itself). */
const MAX_DEPTH = 64;
const JSON_VALUE = 'a JSON value (a string, finite number, boolean, null, array or object)';

/**
 * A params member as a plain JSON value, with JSON's rules (`undefined` members are left
 * out, `toJSON` is used, e.g. a Date becomes its ISO string), except that what JSON would
 * silently drop or turn into `null` is an argument error naming where it is.
 */
function toJson(value, where, depth) {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (!Number.isFinite(value)) throw wrongType(where, 'a finite number', value);
      return value;
    case 'object': {
      if (value === null) return null;
      if (depth >= MAX_DEPTH) throw invalidArgument(`${where} is nested too deeply (or refers to itself)`);
      if (typeof value.toJSON === 'function') return toJson(value.toJSON(), where, depth + 1);
      if (value instanceof Map || value instanceof Set) throw wrongType(where, JSON_VALUE, value);
      if (Array.isArray(value)) {
        return value.map((item, i) => {
          if (item === undefined) throw wrongType(`${where}[${i}]`, JSON_VALUE, item);
          return toJson(item, `${where}[${i}]`, depth + 1);
        });
      }
      const out = {};
      for (const key of Object.keys(value)) {
        if (value[key] !== undefined) out[key] = toJson(value[key], `${where}.${key}`, depth + 1);
      }
      return out;
    }
    default:
      throw wrongType(where, JSON_VALUE, value);
  }
}

/** The input object of `op` from the method's arguments (see the table's header). */
function inputOf(op, sig, args) {
  const input = {};
  let i = 0;
  for (const wire of op.path) {
    const value = args[i++];
    if (typeof value !== 'string') throw wrongType(`${sig}: ${wire}`, 'a string', value);
    input[wire] = value;
  }
  for (const { arg, wire } of op.strings) {
    const value = args[i++];
    if (typeof value !== 'string') throw wrongType(`${sig}: ${arg}`, 'a string', value);
    input[wire] = value;
  }
  for (const { arg, wire, optional } of op.fields) {
    const value = args[i++];
    if (value === undefined || value === null) {
      if (!optional) throw invalidArgument(`${sig}: ${arg} is required`);
      continue;
    }
    input[wire] = toJson(value, `${sig}: ${arg}`, 1);
  }
  if (op.params !== null) {
    const params = args[i];
    if (params === undefined || params === null) {
      if (!op.paramsOptional) throw wrongType(`${sig}: params`, `an object (${op.params})`, params);
    } else if (!isObject(params)) {
      throw wrongType(`${sig}: params`, `an object (${op.params})`, params);
    } else {
      for (const key of Object.keys(params)) {
        if (params[key] === undefined) continue;
        if (Object.hasOwn(input, key)) {
          throw invalidArgument(`${sig}: params.${key} is not a member of ${op.params} (${key} is an argument)`);
        }
        input[key] = toJson(params[key], `${sig}: params.${key}`, 1);
      }
    }
  }
  return input;
}

/** The number of arguments before an unauthenticated method's trailing options. */
function arity(op) {
  return op.path.length + op.strings.length + op.fields.length + (op.params === null ? 0 : 1);
}

/** An optional option of type `type`: `undefined` when left out or `null`. */
function option(value, type, where, expected) {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== type) throw wrongType(where, expected, value);
  return value;
}

// ------------------------------------------------------------------ results

/** The reference SDK's aliases (`Agent.id` beside `agentId`), through nested results. */
function aliased(type, value) {
  const spec = aliases[type];
  if (spec === undefined || !isObject(value)) return value;
  for (const [wire, alias] of spec.alias) {
    if (Object.hasOwn(value, wire) && !Object.hasOwn(value, alias)) value[alias] = value[wire];
  }
  for (const [member, inner, containers] of spec.nested) {
    if (Object.hasOwn(value, member)) value[member] = through(containers, inner, value[member]);
  }
  return value;
}

function through(containers, type, value) {
  if (value === null || typeof value !== 'object') return value;
  if (containers === '') return aliased(type, value);
  const rest = containers.slice(2);
  if (containers.startsWith('[]')) return Array.isArray(value) ? value.map((v) => through(rest, type, v)) : value;
  for (const key of Object.keys(value)) value[key] = through(rest, type, value[key]);
  return value;
}

/** The promise's value: `undefined` for operations without a result. */
function result(op, value) {
  return op.output === null ? undefined : aliased(op.output, value);
}

// ------------------------------------------------------------------ methods from the table

function named(fn, name) {
  return Object.defineProperty(fn, 'name', { value: name });
}

/** A method of a client or namespace object (whose native client is in NATIVE). */
function instanceMethod(op) {
  const sig = signature(op);
  return named(function (...args) {
    return settle(() => {
      const n = NATIVE.get(this);
      if (n === undefined) throw invalidArgument(`${sig} must be called on a Grantex client`);
      return n.call(op.name, inputOf(op, sig, args));
    }).then((value) => result(op, value));
  }, op.method);
}

/** A static method for an operation that needs no API key: trailing `{ baseUrl }`. */
function staticMethod(op) {
  const sig = signature(op);
  return named(function (...args) {
    return settle(() => {
      const options = args[arity(op)];
      if (options !== undefined && options !== null && !isObject(options)) {
        throw wrongType(`${sig}: options`, 'an object { baseUrl }', options);
      }
      const baseUrl = option(options?.baseUrl, 'string', `${sig}: options.baseUrl`, 'a string');
      return native.NativeClient.callUnauthenticated(baseUrl, op.name, inputOf(op, sig, args));
    }).then((value) => result(op, value));
  }, op.method);
}

function define(target, name, value) {
  if (Object.hasOwn(target, name)) throw new Error(`@grantex/sdk: two operations are named ${name}`);
  Object.defineProperty(target, name, { value, writable: true, configurable: true, enumerable: false });
}

/** Members of `Grantex` written by hand below; an operation may not take one of these names. */
const HAND_WRITTEN = new Set([
  'constructor', 'baseUrl', 'jwksUri', 'lastRateLimit',
  'loadManifest', 'loadManifests', 'loadManifestsFromDir', 'enforce', 'wrapTool', 'wrapAiTool', 'enforceMiddleware',
  'revocationFeedState', 'stopRevocationFeed', 'events',
]);

/** `AgentsClient` for `agents`: the class of a namespace object. */
function namespaceClass(group) {
  const name = `${group[0].toUpperCase()}${group.slice(1)}Client`;
  return {
    [name]: class {
      constructor(n) {
        NATIVE.set(this, n);
      }
    },
  }[name];
}

/** The catalog's part of `Grantex`: its namespaces, methods and static methods. */
class GrantexOperations {
  constructor(n) {
    NATIVE.set(this, n);
    for (const [group, Namespace] of namespaces()) this[group] = new Namespace(n);
  }
}

// The static methods and the client's own methods are defined at load (they are visible on
// `Grantex` and `Grantex.prototype`); the namespace classes, reachable only through a client's
// members, are made with the first client (most of the table: less work for an `import`).
for (const op of operations) {
  const name = op.group === '' ? op.method : op.group;
  if (HAND_WRITTEN.has(name)) throw new Error(`@grantex/sdk: operation ${op.name} takes the name ${name}`);
  if (op.auth === 'none') {
    define(GrantexOperations, op.method, staticMethod(op));
  } else if (op.group === '') {
    define(GrantexOperations.prototype, op.method, instanceMethod(op));
  }
}

let NAMESPACES;
/** `group` → the class of its namespace objects, made on first use. */
function namespaces() {
  if (NAMESPACES === undefined) {
    const made = new Map();
    for (const op of operations) {
      if (op.auth === 'none' || op.group === '') continue;
      if (!made.has(op.group)) made.set(op.group, namespaceClass(op.group));
      define(made.get(op.group).prototype, op.method, instanceMethod(op));
    }
    NAMESPACES = made;
  }
  return NAMESPACES;
}

// ------------------------------------------------------------------ the client

/** The addon's client for the constructor's options (the reference SDK's names and units). */
function nativeClient(options) {
  const where = 'new Grantex(options)';
  if (options !== undefined && options !== null && !isObject(options)) {
    throw wrongType(`${where}: options`, 'an object { apiKey, baseUrl, timeout, maxRetries }', options);
  }
  const o = options ?? {};
  const config = {
    apiKey: option(o.apiKey, 'string', `${where}: options.apiKey`, 'a string'),
    baseUrl: option(o.baseUrl, 'string', `${where}: options.baseUrl`, 'a string'),
    timeoutMs: option(o.timeout, 'number', `${where}: options.timeout`, 'a number of milliseconds'),
    maxRetries: option(o.maxRetries, 'number', `${where}: options.maxRetries`, 'a number'),
    userAgent: userAgentOf(),
  };
  return settleSync(() => new native.NativeClient(config));
}

const ENFORCERS = new WeakMap();
/** Each client's `events` namespace, made (and ./events.cjs loaded) on first use. */
const EVENTS = new WeakMap();
const enforcement = () => require('./enforce.cjs');

/** The Grantex API client. */
class Grantex extends GrantexOperations {
  /**
   * @param options `{ apiKey, baseUrl, timeout /* ms *\/, maxRetries }`; `apiKey` falls back to
   *   env GRANTEX_API_KEY and `baseUrl` to GRANTEX_BASE_URL. A missing key throws.
   */
  constructor(options) {
    const n = nativeClient(options);
    super(n);
    ENFORCERS.set(this, enforcement().makeEnforcer(n, options));
  }

  /** Load a tool manifest for `enforce()` (replacing the connector's earlier one). */
  loadManifest(manifest) {
    const { ToolManifest } = enforcement();
    if (!(manifest instanceof ToolManifest)) throw wrongType('loadManifest(manifest)', 'a ToolManifest', manifest);
    settleSync(() => ENFORCERS.get(this).loadManifest(manifest.toJSON()));
  }

  /** Load several manifests. */
  loadManifests(manifests) {
    for (const m of manifests) this.loadManifest(m);
  }

  /** Load every `*.json` manifest file of a directory, in name order. */
  async loadManifestsFromDir(dirPath) {
    const fs = require('node:fs');
    const path = require('node:path');
    const { ToolManifest } = enforcement();
    for (const file of fs.readdirSync(dirPath).filter((f) => f.endsWith('.json')).sort()) {
      this.loadManifest(ToolManifest.fromFile(path.join(dirPath, file)));
    }
  }

  /**
   * Check one tool call: `{ grantToken, connector, tool, amount?, audience?, revocationCheck?,
   * capsMode?, decisionsMode?, dataRegion?, decisionGrants?, ... }`. Resolves with an
   * `EnforceResult`; a token or grant problem is a denial (`allowed: false`, `reasonCode`),
   * never a rejection.
   */
  enforce(options) {
    return enforcement().enforce(ENFORCERS.get(this), options);
  }

  /** What the revocation feed knows (`undefined` when no feed was started). */
  revocationFeedState() {
    return settleSync(() => ENFORCERS.get(this).feedState()) ?? undefined;
  }

  /** Stop following the revocation feed. */
  async stopRevocationFeed() {
    ENFORCERS.get(this).stopFeed();
  }

  /** A LangChain-style tool (`invoke`) whose calls are enforced first. */
  wrapTool(tool, options) {
    return enforcement().wrapTool(this, tool, options);
  }

  /** A Vercel AI SDK tool (`tool({ ..., execute })`) whose calls are enforced first. */
  wrapAiTool(tool, options) {
    return enforcement().wrapAiTool(this, tool, options);
  }

  /** Express middleware / Fastify preHandler enforcing every request. */
  enforceMiddleware(options) {
    return enforcement().enforceMiddleware(this, options);
  }

  /** The event stream consumer: `events.stream(options?)`, `events.subscribe(handler, options?)`. */
  get events() {
    let events = EVENTS.get(this);
    if (events === undefined) {
      const { EventsClient } = require('./events.cjs');
      events = new EventsClient(NATIVE.get(this));
      EVENTS.set(this, events);
    }
    return events;
  }

  /** Replaceable, as the reference SDK's instance property (a test's mock). */
  set events(value) {
    EVENTS.set(this, value);
  }

  /** The base URL in use (after env fallback and trailing-slash removal). */
  get baseUrl() {
    return NATIVE.get(this).baseUrl;
  }

  /** `{baseUrl}/.well-known/jwks.json`, for `verifyGrantToken`. */
  get jwksUri() {
    return NATIVE.get(this).jwksUri();
  }

  /** Rate-limit headers of the last response (`undefined` before any). */
  get lastRateLimit() {
    return NATIVE.get(this).lastRateLimit() ?? undefined;
  }
}

module.exports = { Grantex };
Object.defineProperty(module.exports, 'USER_AGENT', { get: userAgentOf, enumerable: true });
