// The same declarations through `require` (CommonJS consumer).
import sdk = require('@grantex/sdk');

export async function check(): Promise<string> {
  const gx = new sdk.Grantex({ apiKey: 'k' });
  const grant = await sdk.verifyGrantToken('t', { jwksUri: gx.jwksUri });
  const err: sdk.GrantexError = new sdk.GrantexTokenError('m', 'expired');
  return grant.principalId + err.code;
}

export function bridge(): Promise<string> {
  const guard = new sdk.a2a.A2AGuard({ jwksUri: 'http://x/jwks' });
  return guard.check(undefined).then((g) => g.grantId);
}
