// The event stream consumer against a real grantex-server: `grantex.events.stream()` (an async
// iterator of `{id, type, createdAt, data, seq}`) and `subscribe(handler, options?)`, the
// reference SDK's names; events in log order with ascending `seq`, type filters, no other
// developer's events, `break` closing the stream, resumption with `lastEventId` losing and
// repeating nothing, refusals as errors.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Grantex, GrantexApiError, GrantexAuthError } from '@grantex/sdk';
import { startServer } from './helpers/server.mjs';

let server;
/** Every stream a test opened: closed at the end, so no pending `next()` keeps the process alive. */
const opened = [];

before(async () => {
  server = await startServer();
});

after(async () => {
  for (const s of opened) s.close();
  await server?.stop();
});

async function fresh(name = 'events') {
  const account = await Grantex.signup({ name, mode: 'live' }, { baseUrl: server.baseUrl });
  return new Grantex({ apiKey: account.apiKey, baseUrl: server.baseUrl, maxRetries: 0 });
}

function stream(gx, options) {
  const s = gx.events.stream(options);
  opened.push(s);
  return s;
}

/** The stream's next event, failing after `ms` (the stream is closed then). */
async function nextEvent(s, ms = 10_000) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => {
      s.close();
      reject(new Error(`no event within ${ms} ms`));
    }, ms);
  });
  try {
    const r = await Promise.race([s.next(), timeout]);
    assert.equal(r.done, false, 'the stream ended early');
    return r.value;
  } finally {
    clearTimeout(timer);
  }
}

async function take(s, n) {
  const out = [];
  while (out.length < n) out.push(await nextEvent(s));
  return out;
}

/** agent.created, agent.updated, grant.created, token.issued, grant.revoked (and what follows from it). */
async function activity(gx, userId = 'alice') {
  const agent = await gx.agents.register({ name: 'streamed', description: 'node events test', scopes: ['read'] });
  await gx.agents.update(agent.agentId, { description: 'updated' });
  const auth = await gx.authorize({ agentId: agent.agentId, userId, scopes: ['read'] });
  const code = auth.code ?? (await gx.consent.approve(auth.authRequestId)).code;
  const tok = await gx.tokens.exchange({ code, agentId: agent.agentId });
  await gx.grants.revoke(tok.grantId);
  return { agent, tok };
}

const ACTIVITY = ['agent.created', 'agent.updated', 'grant.created', 'token.issued', 'grant.revoked'];

function assertAscending(events) {
  for (let i = 1; i < events.length; i++) {
    assert.ok(events[i - 1].seq < events[i].seq, `seq ascends: ${events.map((e) => e.seq).join(' ')}`);
  }
}

test('agent, grant and token events in order with ascending seq; no other developer\'s', async () => {
  const gx = await fresh();
  const other = await fresh('other');
  // From the start of the log: a fresh developer has no events before these.
  const mine = stream(gx, { lastEventId: 0 });
  const theirs = stream(other, { lastEventId: 0 });
  const [{ agent, tok }] = await Promise.all([activity(gx), activity(other, 'bob')]);
  const got = await take(mine, ACTIVITY.length);
  assert.deepEqual(got.map((e) => e.type), ACTIVITY);
  assertAscending(got);
  for (const e of got) {
    assert.deepEqual(Object.keys(e).sort(), ['createdAt', 'data', 'id', 'seq', 'type']);
    assert.match(e.id, /^evt_/);
    assert.ok(Number.isSafeInteger(e.seq) && e.seq > 0);
    assert.ok(!Number.isNaN(Date.parse(e.createdAt)), e.createdAt);
  }
  assert.equal(got[0].data.agentId, agent.agentId);
  assert.equal(got[2].data.grantId, tok.grantId);
  assert.equal(got[4].data.grantId, tok.grantId);
  assert.equal(mine.lastEventId, got[4].seq);
  assert.equal(mine.closed, false);

  const theirEvents = await take(theirs, ACTIVITY.length);
  assert.deepEqual(theirEvents.map((e) => e.type), ACTIVITY);
  const ids = new Set(got.map((e) => e.id));
  assert.ok(theirEvents.every((e) => !ids.has(e.id) && e.data.agentId !== agent.agentId));
  // Nothing of the other developer follows ours.
  const more = await gx.agents.register({ name: 'last', description: 'd', scopes: ['read'] });
  const [last] = await take(mine, 1);
  assert.deepEqual([last.type, last.data.agentId], ['agent.created', more.agentId]);
  mine.close();
  theirs.close();
  assert.deepEqual(await mine.next(), { done: true, value: undefined });
});

test('from now on by default: events made after the stream connected, in order', async () => {
  const gx = await fresh();
  const s = stream(gx);
  assert.equal(s.lastEventId, undefined);
  const pending = s.next();
  // The stream connects on the first next(): agents made before that are not its events, so
  // make them until one comes through, then the rest must follow in order.
  let first;
  const made = [];
  while (first === undefined) {
    made.push((await gx.agents.register({ name: `a${made.length}`, description: 'd', scopes: ['read'] })).agentId);
    first = await Promise.race([pending.then((r) => r.value), sleep(200)]);
    assert.ok(made.length < 50, 'the stream never delivered');
  }
  assert.equal(first.type, 'agent.created');
  const at = made.indexOf(first.data.agentId);
  assert.ok(at >= 0);
  const rest = await take(s, made.length - at - 1);
  assert.deepEqual(rest.map((e) => e.data.agentId), made.slice(at + 1));
  assertAscending([first, ...rest]);
  s.close();
});

test('types filter the stream', async () => {
  const gx = await fresh();
  const s = stream(gx, { types: ['grant.created', 'agent.updated'], lastEventId: 0 });
  const all = stream(gx, { lastEventId: 0 });
  const { tok } = await activity(gx);
  const got = await take(s, 2);
  assert.deepEqual(got.map((e) => e.type), ['agent.updated', 'grant.created']);
  assert.equal(got[1].data.grantId, tok.grantId);
  const everything = await take(all, ACTIVITY.length);
  assert.deepEqual(got.map((e) => e.seq), [everything[1].seq, everything[2].seq]);
  // The next matching event, not the unmatched ones between.
  await activity(gx);
  const [next] = await take(s, 1);
  assert.equal(next.type, 'agent.updated');
  assert.ok(next.seq > everything[4].seq);
  s.close();
  all.close();
});

test('break out of for await closes the stream; a waiting next() ends on close()', async () => {
  const gx = await fresh();
  await activity(gx);
  const s = stream(gx, { lastEventId: 0 });
  const seen = [];
  for await (const event of s) {
    seen.push(event);
    if (seen.length === 2) break;
  }
  assert.deepEqual(seen.map((e) => e.type), ACTIVITY.slice(0, 2));
  assert.equal(s.closed, true);
  assert.equal(s.lastEventId, seen[1].seq);
  assert.deepEqual(await s.next(), { done: true, value: undefined });

  // No event is coming: close() ends the waiting next() at once.
  const idle = stream(gx);
  const waiting = idle.next();
  await sleep(300);
  const t0 = Date.now();
  idle.close();
  assert.deepEqual(await waiting, { done: true, value: undefined });
  assert.ok(Date.now() - t0 < 2000);
  // return() (what break calls) on a fresh one too.
  const other = stream(gx, { lastEventId: 0 });
  assert.deepEqual(await other.return('x'), { done: true, value: 'x' });
  assert.equal(other.closed, true);
  assert.deepEqual(await other.next(), { done: true, value: undefined });
});

test('resuming with lastEventId after closing yields exactly the events after it', async () => {
  const gx = await fresh();
  await activity(gx);
  const first = stream(gx, { lastEventId: 0 });
  const head = await take(first, 2);
  first.close();
  const cursor = first.lastEventId;
  assert.equal(cursor, head[1].seq);
  // More events while nobody follows.
  await activity(gx);
  const resumed = stream(gx, { lastEventId: cursor });
  assert.equal(resumed.lastEventId, cursor, 'the cursor it starts after');
  const tail = await take(resumed, 2 * ACTIVITY.length - 2);
  const reference = await take(stream(gx, { lastEventId: 0 }), 2 * ACTIVITY.length);
  assert.deepEqual([...head, ...tail], reference, 'none lost, none repeated');
  assert.deepEqual(tail.map((e) => e.type), [...ACTIVITY.slice(2), ...ACTIVITY]);
  // A seq from an SSE id (a string) is taken too.
  const fromString = stream(gx, { lastEventId: String(reference[8].seq) });
  assert.deepEqual(await take(fromString, 1), [reference[9]]);
  resumed.close();
  fromString.close();
});

test('subscribe calls the handler for each event until unsubscribe', async () => {
  const gx = await fresh();
  const seen = [];
  const errors = [];
  const sub = gx.events.subscribe(
    async (event) => {
      await sleep(5);
      seen.push(event);
    },
    { lastEventId: 0, types: ['agent.created', 'grant.created'], onError: (e) => errors.push(e) },
  );
  await activity(gx);
  const deadline = Date.now() + 10_000;
  while (seen.length < 2 && Date.now() < deadline) await sleep(25);
  assert.deepEqual(seen.map((e) => e.type), ['agent.created', 'grant.created']);
  assert.equal(sub.lastEventId, seen[1].seq);
  sub.unsubscribe();
  await activity(gx);
  await sleep(500);
  assert.equal(seen.length, 2, 'no handler call after unsubscribe');
  assert.deepEqual(errors, []);

  // A handler's error ends the subscription and goes to onError.
  const failures = [];
  let calls = 0;
  gx.events.subscribe(
    () => {
      calls += 1;
      throw new Error('handler failed');
    },
    { lastEventId: 0, onError: (e) => failures.push(e) },
  );
  while (failures.length === 0 && Date.now() < deadline + 10_000) await sleep(25);
  assert.equal(failures[0].message, 'handler failed');
  assert.equal(calls, 1);
});

test('refusals reject next() and end the stream; bad options throw before any request', async () => {
  const gx = await fresh();
  const unknown = stream(gx, { types: ['no.such.type'] });
  const err = await unknown.next().catch((e) => e);
  assert.ok(err instanceof GrantexApiError, String(err));
  assert.equal(err.statusCode, 400);
  assert.equal(unknown.closed, true);
  assert.deepEqual(await unknown.next(), { done: true, value: undefined });

  const bad = new Grantex({ apiKey: 'gx_nope', baseUrl: server.baseUrl, maxRetries: 0 });
  const refused = stream(bad);
  await assert.rejects(refused.next(), (e) => e instanceof GrantexAuthError && e.statusCode === 401);
  // The same refusal through subscribe reaches onError.
  const viaSubscribe = await new Promise((resolve) => {
    bad.events.subscribe(() => {}, { onError: resolve });
  });
  assert.ok(viaSubscribe instanceof GrantexAuthError);

  // Ahead of the log: 410.
  const ahead = stream(gx, { lastEventId: 2 ** 40 });
  await assert.rejects(ahead.next(), (e) => e instanceof GrantexApiError && e.statusCode === 410);

  const invalid = (e) => e instanceof TypeError && e.code === 'invalid_argument';
  assert.throws(() => gx.events.stream({ types: 'grant.created' }), invalid);
  assert.throws(() => gx.events.stream({ types: [''] }), invalid);
  assert.throws(() => gx.events.stream({ types: ['a,b'] }), invalid);
  assert.throws(() => gx.events.stream({ lastEventId: -1 }), invalid);
  assert.throws(() => gx.events.stream({ lastEventId: 1.5 }), invalid);
  assert.throws(() => gx.events.stream('x'), invalid);
  assert.throws(() => gx.events.subscribe(null), invalid);
  assert.throws(() => gx.events.subscribe(() => {}, { onError: 1 }), invalid);
  assert.equal(gx.events, gx.events, 'one namespace object per client');
  assert.equal(gx.events.constructor.name, 'EventsClient');
  const mock = { stream: () => [] };
  gx.events = mock;
  assert.equal(gx.events, mock, 'replaceable, as the reference SDK\'s property');
});
