// The same declarations through `require` (CommonJS consumer).
import sdk = require('@grantex/sdk');

export async function check(): Promise<string> {
  const gx = new sdk.Grantex({ apiKey: 'k' });
  const grant = await sdk.verifyGrantToken('t', { jwksUri: gx.jwksUri });
  const err: sdk.GrantexError = new sdk.GrantexTokenError('m', 'expired');
  const stream: sdk.EventStream = gx.events.stream({ types: ['agent.created'] });
  const first = await stream.next();
  stream.close();
  return grant.principalId + err.code + (first.done ? '' : first.value.seq);
}

export function bridge(): Promise<string> {
  const guard = new sdk.a2a.A2AGuard({ jwksUri: 'http://x/jwks' });
  return guard.check(undefined).then((g) => g.grantId);
}
