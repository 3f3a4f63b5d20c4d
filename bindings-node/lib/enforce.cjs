'use strict';
// Tool manifests, the enforce decision and its framework glue. Validation, normalisation and
// every decision are the core's (`grantex::enforce`); this file is the reference SDK's JS
// surface over it: classes, camelCase views and the Express/Fastify adapters.

const native = require('./native.cjs');
const { settle, settleSync, ManifestValidationError } = require('./errors.cjs');

const Permission = Object.freeze({ READ: 'read', WRITE: 'write', DELETE: 'delete', ADMIN: 'admin' });
const MANIFEST_SCHEMA_ID = 'https://grantex.dev/spec/manifest-0.6.schema.json';
const MAX_COUNT = 2147483647;
const RESERVED_TOOL_NAME = 'cost_units';
const MAX_DECISION_FIELDS = 16;

/** Whether a scope granting `granted` allows a tool needing `required`. */
function permissionCovers(granted, required) {
  return typeof granted === 'string' && typeof required === 'string' && native.permissionCovers(granted, required);
}

/** The camelCase `ToolSpec` of a declaration in manifest (snake_case) object form. */
function specOf(o) {
  const spec = {
    permission: o.permission,
    requiresDecision: o.requires_decision === true,
    fourEyesOn: Object.freeze([...(o.four_eyes_on ?? [])]),
  };
  if (o.allowed_purposes !== undefined) spec.allowedPurposes = Object.freeze([...o.allowed_purposes]);
  if (o.caps !== undefined) {
    const caps = {};
    if (o.caps.per_hour !== undefined) caps.perHour = o.caps.per_hour;
    if (o.caps.per_day !== undefined) caps.perDay = o.caps.per_day;
    if (o.caps.per_case !== undefined) caps.perCase = o.caps.per_case;
    spec.caps = Object.freeze(caps);
  }
  if (o.cost_units !== undefined) spec.costUnits = Object.freeze({ ...o.cost_units });
  if (o.risk_tier !== undefined) spec.riskTier = o.risk_tier;
  if (o.decision_fields !== undefined) spec.decisionFields = Object.freeze([...o.decision_fields]);
  return Object.freeze(spec);
}

/** A ToolSpec in manifest 0.6 object form (unset members left out). */
function toolSpecToObject(spec) {
  const out = { permission: spec.permission };
  if (spec.allowedPurposes !== undefined) out.allowed_purposes = [...spec.allowedPurposes];
  if (spec.caps !== undefined) {
    const caps = {};
    if (spec.caps.perHour !== undefined) caps.per_hour = spec.caps.perHour;
    if (spec.caps.perDay !== undefined) caps.per_day = spec.caps.perDay;
    if (spec.caps.perCase !== undefined) caps.per_case = spec.caps.perCase;
    out.caps = caps;
  }
  if (spec.costUnits !== undefined) out.cost_units = { ...spec.costUnits };
  if (spec.requiresDecision) out.requires_decision = true;
  if (spec.riskTier !== undefined) out.risk_tier = spec.riskTier;
  if (spec.fourEyesOn !== undefined && spec.fourEyesOn.length > 0) out.four_eyes_on = [...spec.fourEyesOn];
  if (spec.decisionFields !== undefined && spec.decisionFields.length > 0) out.decision_fields = [...spec.decisionFields];
  return out;
}

/** Plain JSON data: a value JSON cannot hold is named by its type, which the core refuses. */
function plain(value) {
  return JSON.parse(JSON.stringify(value ?? null, (_k, v) => {
    if (typeof v === 'function' || typeof v === 'symbol' || typeof v === 'bigint') return `<${typeof v}>`;
    return v;
  }));
}

/** Validate one tool value (string or object form) and return its ToolSpec. */
function parseToolDeclaration(tool, value) {
  return specOf(settleSync(() => native.toolDeclaration(String(tool), plain(value))));
}

/** Manifest JSON text with a repeated key refused; the parsed document. */
function parseManifestJson(text) {
  const { document } = settleSync(() => native.manifestFromJsonText(String(text)));
  // The caller gets the data as written (key order kept), checked by the core first.
  void document;
  return JSON.parse(text);
}

function isValidPurposePattern(value) {
  return typeof value === 'string' && native.purposeCheck('pattern', value, null);
}

const ADOPT = Symbol('adopt');

/** Declares the required permission level (and constraints) of each tool on a connector. */
class ToolManifest {
  #specs = new Map();

  /** `{ connector, tools, version = '1.0.0', description = '' }`. */
  constructor(options) {
    if (options === ADOPT) return;
    const o = options ?? {};
    const tools = {};
    for (const [name, value] of Object.entries(o.tools ?? {})) {
      tools[name] = value !== null && typeof value === 'object' && 'requiresDecision' in value ? toolSpecToObject(value) : value;
    }
    const doc = settleSync(() => native.manifestBuild(
      typeof o.connector === 'string' ? o.connector : '',
      plain(tools),
      typeof o.version === 'string' ? o.version : '1.0.0',
      typeof o.description === 'string' ? o.description : '',
    ));
    this.#adopt(doc, Object.keys(tools));
  }

  #adopt(doc, order) {
    this.connector = doc.connector;
    this.version = doc.version;
    this.description = doc.description ?? '';
    this.tools = {};
    for (const name of order) {
      const value = doc.tools[name];
      const spec = specOf(typeof value === 'string' ? { permission: value } : value);
      this.#specs.set(name, spec);
      this.tools[name] = spec.permission;
    }
  }

  static #from(doc, ignored, order) {
    for (const key of ignored.slice(0, 1)) {
      process.emitWarning(
        `ToolManifest: ignoring unknown top-level key ${JSON.stringify(key)} in manifest for ${JSON.stringify(doc.connector)}; manifest schema 0.6 rejects unknown keys`,
        'DeprecationWarning',
      );
    }
    const m = new ToolManifest(ADOPT);
    m.#adopt(doc, order);
    return m;
  }

  /** From parsed data: strict manifest 0.6 when it declares `$schema` or uses the object form. */
  static fromJSON(data) {
    const copy = { ...(data ?? {}) };
    if (copy.tools !== null && typeof copy.tools === 'object' && !Array.isArray(copy.tools)) {
      copy.tools = Object.fromEntries(Object.entries(copy.tools).map(([k, v]) => [
        k, v !== null && typeof v === 'object' && 'requiresDecision' in v ? toolSpecToObject(v) : v,
      ]));
    }
    const { document, ignoredKeys } = settleSync(() => native.manifestFromDocument(plain(copy)));
    return ToolManifest.#from(document, ignoredKeys, Object.keys(copy.tools));
  }

  /** From a JSON file (a repeated key refused). */
  static fromFile(path) {
    const text = require('node:fs').readFileSync(path, 'utf8');
    const { document, ignoredKeys } = settleSync(() => native.manifestFromJsonText(text));
    return ToolManifest.#from(document, ignoredKeys, Object.keys(JSON.parse(text).tools));
  }

  getPermission(toolName) {
    return Object.hasOwn(this.tools, toolName) ? this.tools[toolName] : undefined;
  }

  /** The whole declaration; the permission always follows `tools`, constraints are kept. */
  getToolSpec(toolName) {
    const permission = this.getPermission(toolName);
    if (permission === undefined) return undefined;
    const spec = this.#specs.get(toolName);
    if (spec === undefined) return parseToolDeclaration(toolName, permission);
    if (spec.permission !== permission) {
      return parseToolDeclaration(toolName, { ...toolSpecToObject(spec), permission });
    }
    return spec;
  }

  /** Add or replace a tool's whole declaration. */
  addTool(toolName, declaration) {
    const value = declaration !== null && typeof declaration === 'object' && 'requiresDecision' in declaration
      ? toolSpecToObject(declaration) : declaration;
    const spec = parseToolDeclaration(toolName, value);
    this.#specs.set(toolName, spec);
    this.tools[toolName] = spec.permission;
  }

  get toolCount() {
    return Object.keys(this.tools).length;
  }

  /** The manifest 0.6 document. */
  toJSON() {
    const tools = {};
    for (const name of Object.keys(this.tools)) {
      const spec = this.getToolSpec(name);
      const obj = toolSpecToObject(spec);
      tools[name] = Object.keys(obj).length === 1 ? spec.permission : obj;
    }
    const out = { connector: this.connector, version: this.version };
    if (this.description) out.description = this.description;
    out.tools = tools;
    return out;
  }
}

/** Prebuilt manifests for common kinds of connector (the same set in every language). */
const manifests = Object.freeze({
  NAMES: Object.freeze([...native.prebuiltManifestNames()]),
  load(name) {
    const text = native.prebuiltManifest(String(name));
    if (text === null || text === undefined) {
      throw new RangeError(`no prebuilt manifest named ${JSON.stringify(name)}; prebuilt: ${manifests.NAMES.join(', ')}`);
    }
    return ToolManifest.fromJSON(JSON.parse(text));
  },
  loadAll() {
    return manifests.NAMES.map((n) => manifests.load(n));
  },
});

const DenialReason = Object.freeze({
  PURPOSE_NOT_ALLOWED: 'purpose_not_allowed',
  TOOL_NOT_GRANTED: 'tool_not_granted',
  PERMISSION_INSUFFICIENT: 'permission_insufficient',
  CAP_EXCEEDED: 'cap_exceeded',
  DECISION_REQUIRED: 'decision_required',
  DECISION_INVALID: 'decision_invalid',
  GRANT_REVOKED: 'grant_revoked',
  REGION_MISMATCH: 'region_mismatch',
  MANIFEST_UNKNOWN_TOOL: 'manifest_unknown_tool',
  TOKEN_INVALID: 'token_invalid',
});
const ManifestSubReason = Object.freeze({ UNKNOWN_CONNECTOR: 'unknown_connector', UNKNOWN_TOOL: 'unknown_tool', INVALID_DECLARATION: 'invalid_declaration' });
const CapSubReason = Object.freeze({
  AMOUNT_CAP: 'amount_cap', AMOUNT_MISSING: 'amount_missing', INVALID_AMOUNT: 'invalid_amount',
  MALFORMED_CAP: 'malformed_cap', METER_UNAVAILABLE: 'meter_unavailable', LIMIT_REACHED: 'limit_reached',
});
const PurposeSubReason = Object.freeze({ MISSING: 'missing', NOT_MATCHED: 'not_matched', UNKNOWN_PURPOSE: 'unknown_purpose' });
const ToolSubReason = Object.freeze({ NOT_IN_AUTHORIZATION_DETAILS: 'not_in_authorization_details', TOOL_SCOPE_MISSING: 'tool_scope_missing' });
const RevocationSubReason = Object.freeze({
  REVOKED: 'revoked', SUSPENDED: 'suspended', PARENT_REVOKED: 'parent_revoked',
  FEED_STALE: 'feed_stale', FEED_UNAVAILABLE: 'feed_unavailable', STATUS_UNAVAILABLE: 'status_unavailable',
});
const TokenSubReason = Object.freeze({
  MALFORMED_AUTHORIZATION_DETAILS: 'malformed_authorization_details',
  AUDIENCE_UNCONFIGURED: 'audience_unconfigured', AUDIENCE_MISMATCH: 'audience_mismatch',
});
const RegionSubReason = Object.freeze({ REGION_UNCONFIGURED: 'region_unconfigured', REGION_MISMATCH: 'region_mismatch' });
const DecisionSubReason = Object.freeze({ CONSUME_UNAVAILABLE: 'consume_unavailable' });

// ------------------------------------------------------------------ the client's part

/** The enforcement options of `new Grantex(options)`, as the core's `EnforceConfig`. */
function enforceConfig(options) {
  const o = options ?? {};
  const out = {};
  for (const key of native.enforceConfigFields()) {
    const v = o[key];
    if (v === undefined) continue;
    // An object JSON cannot stand for (a caps meter, a decision consumer): the core says
    // whether it is supported.
    out[key] = key === 'capsMeter' || key === 'decisionConsumer' ? v !== null : v;
  }
  return out;
}

/** The members of an enforce call as the core's `EnforceCall`. */
function callOf(options) {
  const o = options ?? {};
  const call = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined) continue;
    if (k === 'amount') {
      call.amount = typeof v === 'number' && Number.isFinite(v) ? v : 'not a finite number';
    } else if (k === 'arguments' || k === 'decisionAction') {
      call[k] = plain(v);
    } else {
      call[k] = v;
    }
  }
  return call;
}

function makeEnforcer(nativeClient, options) {
  return settleSync(() => new native.NativeEnforcer(nativeClient, enforceConfig(options)));
}

async function enforce(enforcer, options) {
  return settle(() => enforcer.enforce(callOf(options)));
}

/** `wrapTool`: a LangChain-style tool (`invoke`) whose calls are enforced first. */
function wrapTool(client, tool, options) {
  const o = options ?? {};
  const now = (v) => (typeof v === 'function' ? v() : v);
  const original = tool.invoke.bind(tool);
  const wrapped = Object.create(tool);
  wrapped.invoke = async function invoke(...args) {
    // A LangChain ToolCall (`{ type: 'tool_call', args, ... }`) carries the arguments in `args`.
    const first = args[0];
    const input = first !== null && typeof first === 'object' && first.type === 'tool_call' && first.args !== undefined
      ? first.args : first;
    const call = {
      connector: o.connector,
      tool: o.tool,
      caseId: now(o.caseId),
      costComponents: now(o.costComponents),
      decisionGrants: now(o.decisionGrants),
      caseVersion: now(o.caseVersion),
    };
    if (input !== null && typeof input === 'object' && !Array.isArray(input)) call.arguments = input;
    if (typeof o.extractAmount === 'function') {
      try {
        call.amount = o.extractAmount(input);
      } catch (err) {
        throw new Error(`Grantex scope denied: the amount extractor for ${o.connector}.${o.tool} threw; refusing the call without an amount.`, { cause: err });
      }
      if (call.amount === undefined || call.amount === null) delete call.amount;
    }
    let result = await client.enforce({ grantToken: now(o.grantToken), ...call });
    // An expired token from a getter: ask the getter once more (it may have refreshed).
    if (!result.allowed && result.reason.toLowerCase().includes('expired') && typeof o.grantToken === 'function') {
      result = await client.enforce({ grantToken: now(o.grantToken), ...call });
    }
    if (!result.allowed) throw new Error(`Grantex scope denied: ${result.reason}`);
    return original(...args);
  };
  return wrapped;
}

/**
 * `wrapAiTool`: a Vercel AI SDK tool (`{ description, inputSchema, execute }`) whose `execute`
 * is enforced first; a denial throws, which the AI SDK reports to the model as a tool error.
 */
function wrapAiTool(client, tool, options) {
  if (tool === null || typeof tool !== 'object' || typeof tool.execute !== 'function') {
    throw new TypeError('wrapAiTool(tool): a tool with an execute function (the AI SDK\'s tool())');
  }
  const guard = wrapTool(client, { invoke: async () => undefined }, options);
  const execute = tool.execute.bind(tool);
  return {
    ...tool,
    async execute(input, executeOptions) {
      await guard.invoke(input);
      return execute(input, executeOptions);
    },
  };
}

/**
 * Express middleware (also usable as a Fastify `preHandler` hook with the same signature):
 * 401 without a token, 403 `SCOPE_DENIED` on a denial, `req.grantexEnforce` on success.
 */
function enforceMiddleware(client, options) {
  const o = options ?? {};
  return function grantexEnforce(req, res, next) {
    const send = (status, body) => {
      if (typeof res.status === 'function' && typeof res.json === 'function') return res.status(status).json(body);
      // Fastify's reply.
      return res.code(status).send(body);
    };
    let token;
    let connector;
    let tool;
    try {
      token = o.extractToken(req);
      connector = o.extractConnector(req);
      tool = o.extractTool(req);
    } catch (err) {
      return next(err);
    }
    if (!token) return send(401, { error: { code: 'UNAUTHORIZED', message: 'Missing grant token' } });
    const call = { grantToken: token, connector, tool };
    const extra = {
      caseId: o.extractCaseId, costComponents: o.extractCostComponents, decisionGrants: o.extractDecisionGrants,
      arguments: o.extractArguments, caseVersion: o.extractCaseVersion, amount: o.extractAmount,
    };
    try {
      for (const [k, f] of Object.entries(extra)) if (typeof f === 'function') call[k] = f(req);
    } catch (err) {
      return next(err);
    }
    client.enforce(call).then((result) => {
      if (!result.allowed) {
        send(403, {
          error: {
            code: 'SCOPE_DENIED', message: result.reason, connector, tool,
            ...(result.reasonCode ? { reason: result.reasonCode } : {}),
            ...(result.subReason ? { subReason: result.subReason } : {}),
          },
        });
        return;
      }
      req.grantexEnforce = result;
      next();
    }, (err) => next(err));
    return undefined;
  };
}

module.exports = {
  Permission,
  permissionCovers,
  ToolManifest,
  ManifestValidationError,
  parseToolDeclaration,
  toolSpecToObject,
  parseManifestJson,
  isValidPurposePattern,
  MANIFEST_SCHEMA_ID,
  MAX_COUNT,
  RESERVED_TOOL_NAME,
  MAX_DECISION_FIELDS,
  manifests,
  DenialReason,
  ManifestSubReason,
  CapSubReason,
  PurposeSubReason,
  ToolSubReason,
  RevocationSubReason,
  TokenSubReason,
  RegionSubReason,
  DecisionSubReason,
  makeEnforcer,
  enforce,
  wrapTool,
  wrapAiTool,
  enforceMiddleware,
};
