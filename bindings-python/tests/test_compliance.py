"""Compliance and anomalies against a real grantex-server (issue 15 items 3 and 4), with the
reference SDK's names: exports whose counts match the data, the evidence pack's chain check
(by the core's verifier), and anomaly rules triggered by scripted traffic."""

from __future__ import annotations

import asyncio
from typing import Any, Dict

import grantex
from grantex import (
    AsyncGrantex,
    ComplianceExportAuditParams,
    ComplianceExportGrantsParams,
    DetectAnomaliesResponse,
    EvidencePackParams,
    ExchangeTokenParams,
    GrantexApiError,
    ListAnomaliesResponse,
    RefreshTokenParams,
)


def _fresh(server: Dict[str, Any]) -> grantex.Grantex:
    signed = grantex.Grantex.signup(grantex.SignupParams(name="compliance", mode="sandbox"), base_url=server["baseUrl"])
    return grantex.Grantex(signed.api_key, base_url=server["baseUrl"])


def _grant(c: grantex.Grantex, agent_id: str, principal: str, scopes: list[str]) -> grantex.ExchangeTokenResponse:
    auth = c.authorize(agent_id=agent_id, user_id=principal, scopes=scopes)
    return c.tokens.exchange(ExchangeTokenParams(code=auth.code or "", agent_id=agent_id))


def test_summary_exports_and_evidence_pack(server: Dict[str, Any]) -> None:
    with _fresh(server) as c:
        a = c.agents.register(name="reporter", scopes=["read"])
        toks = [_grant(c, a.id, f"user-{i}", ["read"]) for i in range(4)]
        c.grants.revoke(toks[0].grant_id)
        c.audit.log(agent_id=a.id, agent_did=a.did, grant_id=toks[1].grant_id, principal_id="user-1", action="x", status="failure")

        s = c.compliance.get_summary()
        assert s.grants["total"] == 4 and s.grants["revoked"] == 1 and s.grants["active"] == 3
        assert s.agents["total"] == 1 and s.plan == "self-hosted"
        assert s.audit_entries["failure"] == 1
        assert c.compliance.get_summary(since="2999-01-01").grants["total"] == 0

        g = c.compliance.export_grants()
        assert g.total == 4 and len(g.grants) == 4
        assert {x.id for x in g.grants} == {t.grant_id for t in toks}
        assert c.compliance.export_grants(ComplianceExportGrantsParams(status="revoked")).total == 1
        audit = c.compliance.export_audit()
        assert audit.total == s.audit_entries["total"] == len(audit.entries)
        assert c.compliance.export_audit(ComplianceExportAuditParams(status="failure")).total == 1
        assert grantex.verify_audit_chain(list(audit.entries)).valid

        pack = c.compliance.evidence_pack(EvidencePackParams(framework="gdpr"))
        assert pack.meta.framework == "gdpr" and pack.meta.schema_version == "1.0"
        assert pack.chain_integrity.valid and pack.chain_integrity.checked_entries == audit.total
        assert len(pack.grants) == 4 and len(pack.audit_entries) == audit.total
        assert all(ctl["framework"] == "gdpr" for ctl in pack.summary["controls"])
        try:
            c.compliance.evidence_pack(EvidencePackParams(framework="hipaa"))
            raise AssertionError("an unknown framework is refused")
        except GrantexApiError as e:
            assert e.status_code == 400


def test_anomalies_from_scripted_traffic(server: Dict[str, Any]) -> None:
    with _fresh(server) as c:
        a = c.agents.register(name="steady", scopes=["calendar:read", "payments:initiate"])
        _grant(c, a.id, "alice", ["calendar:read"])
        quiet = c.anomalies.detect()
        assert isinstance(quiet, DetectAnomaliesResponse)
        assert quiet.total == 0 and quiet.response_mode == "alert_only" and quiet.auto_revoked_grants == 0
        # A first high-risk scope for the agent, and a burst of 51 tokens.
        _grant(c, a.id, "alice", ["payments:initiate"])
        t = _grant(c, a.id, "bob", ["calendar:read"])
        refresh = t.refresh_token
        for _ in range(50):
            refresh = c.tokens.refresh(RefreshTokenParams(refresh_token=refresh, agent_id=a.id)).refresh_token
        found = c.anomalies.detect()
        assert sorted(x.type for x in found.anomalies) == ["new_high_risk_scope", "rate_spike"]
        assert all(x.agent_id == a.id for x in found.anomalies)
        assert c.anomalies.detect().total == 0, "open findings are not reported twice"
        listed = c.anomalies.list(unacknowledged=True)
        assert isinstance(listed, ListAnomaliesResponse) and listed.total == 2
        first = listed.anomalies[0]
        assert c.anomalies.get(first.id) == first
        acked = c.anomalies.acknowledge(first.id)
        assert acked.acknowledged_at is not None
        assert c.anomalies.list(unacknowledged=True).total == 1 and c.anomalies.list().total == 2


def test_async_namespaces(server: Dict[str, Any]) -> None:
    async def main() -> None:
        signed = await AsyncGrantex.signup(grantex.SignupParams(name="async compliance", mode="sandbox"), base_url=server["baseUrl"])
        async with AsyncGrantex(signed.api_key, base_url=server["baseUrl"]) as c:
            s = await c.compliance.get_summary()
            assert s.grants["total"] == 0
            pack = await c.compliance.evidence_pack()
            assert pack.chain_integrity.valid and pack.meta.framework == "all"
            assert (await c.anomalies.detect()).total == 0
            assert (await c.anomalies.list()).anomalies == ()

    asyncio.run(main())


def test_alerting_rules_and_lifecycle(server: Dict[str, Any]) -> None:
    from grantex import CreateAnomalyRuleParams, ListAlertsParams

    with _fresh(server) as c:
        builtin = [r for r in c.anomalies.list_rules().rules if r.built_in]
        assert [r.rule_id for r in builtin] == ["GX-001", "GX-002", "GX-003", "GX-004", "GX-005"]
        rule = c.anomalies.create_rule(
            CreateAnomalyRuleParams(
                rule_id="py-grants",
                name="More than one grant",
                condition={"metric": "grants_issued", "threshold": 1, "windowMinutes": 60, "per": "developer"},
                severity="low",
            )
        )
        assert rule.id is not None and rule.enabled and not rule.built_in
        try:
            c.anomalies.create_rule(CreateAnomalyRuleParams(rule_id="py-grants", name="again", condition=rule.condition))
            raise AssertionError("a duplicate ruleId is refused")
        except GrantexApiError as e:
            assert e.status_code == 409
        a = c.agents.register(name="py-alerts", scopes=["read"])
        _grant(c, a.id, "u1", ["read"])
        _grant(c, a.id, "u2", ["read"])
        found = c.anomalies.detect()
        assert [x.type for x in found.anomalies] == ["custom_rule"]
        alerts = c.anomalies.list_alerts(ListAlertsParams(status="open"))
        assert len(alerts.data) == 1 and alerts.data[0].rule_id == "py-grants"
        alert = c.anomalies.acknowledge_alert(alerts.data[0].alert_id, note="on it")
        assert (alert.status, alert.resolution_note) == ("acknowledged", "on it")
        alert = c.anomalies.resolve_alert(alert.alert_id)
        assert alert.status == "resolved" and alert.resolved_at is not None
        m = c.anomalies.metrics(window="1h")
        assert m.total == 1 and m.by_status["resolved"] == 1 and m.by_severity["low"] == 1
        assert c.anomalies.update_rule(rule.id, enabled=False).enabled is False
        c.anomalies.delete_rule(rule.id)
        assert [r for r in c.anomalies.list_rules().rules if not r.built_in] == []
