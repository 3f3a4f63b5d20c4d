package dev.grantex;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The SDK from Java: the blocking twins, try-with-resources, the static helpers of
 * {@code GrantexFunctions}, and unchecked {@link GrantexException}s with their stable codes.
 */
class JavaUsageExampleTest {
    @Test
    void productFlowFromJava() {
        ServerInfo server = TestServer.INSTANCE.getInfo();

        // A developer account, then a client for it (AutoCloseable).
        SignupResponse account = Grantex.Companion.signupBlocking(new SignupParams("java-example"), server.getBaseUrl());
        try (Grantex grantex = new Grantex(account.getApiKey(), server.getBaseUrl())) {
            Agent agent = grantex.agents().registerBlocking(new RegisterAgentParams("java-agent", List.of("calendar:read")));

            // PKCE, authorization, the human's consent, the code exchange.
            PkceChallenge pkce = GrantexFunctions.generatePkce();
            AuthorizationRequest auth = grantex.authorizeBlocking(new AuthorizeParams(
                agent.getAgentId(), "usr_java", List.of("calendar:read"), null, null, pkce.getCodeChallenge(), "S256"));
            ConsentApproval approval = grantex.consent().approveBlocking(auth.getAuthRequestId());
            ExchangeTokenResponse token = grantex.tokens().exchangeBlocking(
                new ExchangeTokenParams(approval.getCode(), agent.getAgentId(), pkce.getCodeVerifier()));

            // Offline verification with the server's keys.
            VerifyGrantTokenOptions options = new VerifyGrantTokenOptions(grantex.getJwksUri())
                .withRequiredScopes(List.of("calendar:read"));
            VerifiedGrant grant = GrantexFunctions.verifyGrantTokenBlocking(token.getGrantToken(), options);
            assertEquals("usr_java", grant.getPrincipalId());
            assertEquals(agent.getDid(), grant.getAgentDid());

            // Refusals are unchecked GrantexExceptions with a stable code.
            GrantexTokenException refused = assertThrows(GrantexTokenException.class, () ->
                GrantexFunctions.verifyGrantTokenBlocking(token.getGrantToken(), options.withRequiredScopes(List.of("payments:initiate"))));
            assertEquals("missing_scopes", refused.getCode());
            GrantexApiException notFound = assertThrows(GrantexApiException.class, () -> grantex.agents().getBlocking("ag_missing"));
            assertEquals(404, notFound.getStatusCode());
            assertEquals("api_error", notFound.getCode());

            // Audit log and its hash chain; revocation.
            grantex.audit().logBlocking(new AuditLogParams(agent.getAgentId(), agent.getDid(), token.getGrantId(), "usr_java", "calendar.read"));
            AuditChainReport report = GrantexFunctions.verifyAuditChain(grantex.audit().listBlocking());
            assertTrue(report.getValid());
            grantex.grants().revokeBlocking(token.getGrantId());
            assertFalse(grantex.tokens().verifyBlocking(token.getGrantToken()).getValid());
        }
    }

    @Test
    void staticKeySetFromJava() throws Exception {
        String jwks = java.nio.file.Files.readString(TestServer.INSTANCE.getRoot().resolve("vectors/jwks.json"));
        try (JwksCache cache = JwksCache.fromJson(jwks)) {
            assertEquals(null, cache.getJwksUri());
            GrantexTokenException e = assertThrows(GrantexTokenException.class,
                () -> cache.verifyCached("a.b.c", new VerifyGrantTokenOptions().withIssuer("https://grantex.example")));
            assertEquals("malformed", e.getCode());
        }
    }
}
