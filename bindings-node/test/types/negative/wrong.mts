// Must NOT compile: proves the type check is real (the test expects these exact errors).
import { Grantex, verifyGrantToken } from '@grantex/sdk';

const gx = new Grantex({ apiKey: 'k', timeout: '30s' });
const grant = await verifyGrantToken('t', { jwksUri: 'u' });
const n: number = grant.principalId;
await gx.agents.register({ description: 'no name' });
export { n };
