// Issue 23's additions through `require` (lib/index.d.cts, lib/types.d.cts): redirectUris on
// Agent, RegisterAgentParams and UpdateAgentParams; principalSessions.revoke.
import sdk = require('@grantex/sdk');

export async function redirects(gx: sdk.Grantex): Promise<string[]> {
  const params: sdk.RegisterAgentParams = {
    name: 'bot',
    scopes: ['calendar:read'],
    redirectUris: ['https://app.example.com/cb'],
  };
  const agent: sdk.Agent = await gx.agents.register(params);
  const uris: string[] = agent.redirectUris;
  const update: sdk.UpdateAgentParams = { redirectUris: [] };
  const cleared = await gx.agents.update(agent.agentId, update);
  await gx.agents.update(agent.agentId, { status: 'suspended', redirectUris: null });
  return uris.concat(cleared.redirectUris);
}

export async function sessions(gx: sdk.Grantex): Promise<void> {
  const nothing: void = await gx.principalSessions.revoke('usr_1');
  return nothing;
}
