'use strict';
// `grantex.events`: the developer's events (grant, token, agent, anomaly, budget, vault) as
// they commit, from `GET /v1/events/stream`. The reference SDK's `stream(options?)` (an async
// iterable of `{id, type, createdAt, data}`) and `subscribe(handler, options?)`, with each
// event's `seq` (its position in the server's event log) and a `lastEventId` option to resume
// after one. The following itself is the core's (`NativeEventStream`): it reconnects after a
// dropped connection or a server restart, resuming after the last event it yielded, so nothing
// is lost or repeated; only a refusal (a bad API key, an unknown type, a cursor the server no
// longer holds) ends a stream, as its error.

const { settle, settleSync, invalidArgument, wrongType } = require('./errors.cjs');

/** The native stream behind each `EventStream` (never a visible property). */
const NATIVE = new WeakMap();

function isObject(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** `[types, lastEventId]` for the addon from `{ types?, lastEventId? }`. */
function streamArgs(options, where) {
  if (options === undefined || options === null) return [undefined, undefined];
  if (!isObject(options)) throw wrongType(`${where}: options`, 'an object { types, lastEventId }', options);
  let types;
  if (options.types !== undefined && options.types !== null) {
    if (!Array.isArray(options.types)) throw wrongType(`${where}: options.types`, 'an array of strings', options.types);
    types = options.types.map((t, i) => {
      if (typeof t !== 'string') throw wrongType(`${where}: options.types[${i}]`, 'a string', t);
      return t;
    });
  }
  let lastEventId = options.lastEventId ?? undefined;
  // An SSE id arrives as a string: a decimal one is taken as the number it spells.
  if (typeof lastEventId === 'string' && /^[0-9]{1,16}$/.test(lastEventId)) lastEventId = Number(lastEventId);
  if (lastEventId !== undefined && typeof lastEventId !== 'number') {
    throw wrongType(`${where}: options.lastEventId`, "a non-negative integer (an event's seq)", lastEventId);
  }
  return [types, lastEventId];
}

const DONE = Object.freeze({ done: true, value: undefined });

/**
 * A followed event stream: an async iterator of events (`for await`), ended by `close()`,
 * `return()` (what `break` calls) or a refusal (`next()` rejects with it). Nothing is sent
 * until the first `next()`.
 */
class EventStream {
  constructor(n) {
    NATIVE.set(this, n);
  }

  /** `{ done: false, value: event }`, or `{ done: true }` once closed. */
  next() {
    return settle(() => NATIVE.get(this).next()).then((event) => (event === null ? DONE : { done: false, value: event }));
  }

  /** Closes the stream (a waiting `next()` finishes with `{ done: true }`). */
  return(value) {
    this.close();
    return Promise.resolve({ done: true, value });
  }

  /** Closes the stream and rejects with `error` (as a finished async generator does). */
  throw(error) {
    this.close();
    return Promise.reject(error);
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  /** Stops following: a waiting `next()` finishes at once, and so does every later one. */
  close() {
    const n = NATIVE.get(this);
    n.close();
    // The core lets the connection go in its next `next()`: one at once, so that a closed
    // stream holds no connection (nor a server stream slot) until it is collected.
    n.next().catch(() => {});
  }

  /** Whether the stream was closed (by `close()`, `return()`, or a refusal). */
  get closed() {
    return NATIVE.get(this).closed;
  }

  /**
   * The `seq` of the last event returned (`undefined` before the first, or the `lastEventId`
   * the stream started after): pass it as `lastEventId` to resume after it in a new stream.
   */
  get lastEventId() {
    return NATIVE.get(this).lastEventId ?? undefined;
  }

  get [Symbol.toStringTag]() {
    return 'EventStream';
  }
}

// `await using stream = grantex.events.stream()` closes it, where the runtime knows the symbol.
if (typeof Symbol.asyncDispose === 'symbol') {
  Object.defineProperty(EventStream.prototype, Symbol.asyncDispose, {
    value: async function () {
      this.close();
    },
    writable: true,
    configurable: true,
  });
}

/** `grantex.events`. */
class EventsClient {
  constructor(n) {
    NATIVE.set(this, n);
  }

  /**
   * Follows the developer's events: `{ types?, lastEventId? }` (only those types; after that
   * event's `seq` rather than from now on). A bad option throws a `TypeError` (`code`
   * `invalid_argument`).
   */
  stream(options) {
    const where = 'events.stream(options?)';
    const n = NATIVE.get(this);
    if (n === undefined) throw invalidArgument(`${where} must be called on a Grantex client's events`);
    const [types, lastEventId] = streamArgs(options, where);
    return new EventStream(settleSync(() => n.eventStream(types, lastEventId)));
  }

  /**
   * Calls `handler(event)` for every event, one at a time (a returned promise is awaited),
   * until `unsubscribe()`. A refusal by the server or an error thrown by the handler ends the
   * subscription and goes to `options.onError` (ignored without one, as in the reference SDK).
   */
  subscribe(handler, options) {
    const where = 'events.subscribe(handler, options?)';
    if (typeof handler !== 'function') throw wrongType(`${where}: handler`, 'a function', handler);
    let onError;
    if (options !== undefined && options !== null) {
      if (!isObject(options)) throw wrongType(`${where}: options`, 'an object { types, lastEventId, onError }', options);
      onError = options.onError ?? undefined;
      if (onError !== undefined && typeof onError !== 'function') {
        throw wrongType(`${where}: options.onError`, 'a function', onError);
      }
    }
    const stream = this.stream(options == null ? undefined : { types: options.types, lastEventId: options.lastEventId });
    let active = true;
    (async () => {
      for await (const event of stream) {
        if (!active) break;
        await handler(event);
      }
    })().catch((err) => {
      stream.close();
      if (active && onError !== undefined) onError(err);
    });
    return {
      /** Stops the subscription: no handler call starts after it. */
      unsubscribe() {
        active = false;
        stream.close();
      },
      /** The `seq` of the last event handed to the handler (see `EventStream.lastEventId`). */
      get lastEventId() {
        return stream.lastEventId;
      },
    };
  }
}

module.exports = { EventsClient, EventStream };
