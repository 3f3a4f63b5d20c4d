// Must NOT compile: proves the type check is real (the test expects these exact errors).
import { Grantex, verifyGrantToken, a2a } from '@grantex/sdk';

const gx = new Grantex({ apiKey: 'k', timeout: '30s' });
const grant = await verifyGrantToken('t', { jwksUri: 'u' });
const n: number = grant.principalId;
await gx.agents.register({ description: 'no name' });
new a2a.A2AGuard({ jwksUri: 'u', requiredScope: ['x'] });
await gx.agents.get(5);
await gx.updateSettings({ fidoRequired: 'yes' });
await gx.agents.register({ name: 'x', redirectUris: 'https://a.example/cb' });
await gx.principalSessions.revoke();
export { n };
