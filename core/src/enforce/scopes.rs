//! What a grant's scopes say about one connector. Tool scopes read
//! `tool:<connector>:<permission>[:<tool>|:*][:capped:<N>]` (`agenticorg:` is an alias of
//! `tool:`); other scopes are not about tools and are skipped.

use super::permission::Permission;

fn connector_parts<'s>(scope: &'s str, connector: &str) -> Option<Vec<&'s str>> {
    let parts: Vec<&str> = scope.split(':').collect();
    (parts.len() >= 3
        && matches!(parts[0], "tool" | "agenticorg")
        && parts[1] == connector
        && !parts[2].is_empty())
    .then_some(parts)
}

/// The best permission any scope grants on `connector`, reading every tool scope as
/// connector-wide. `None` when no scope names the connector with a known level.
pub fn granted(scopes: &[String], connector: &str) -> Option<Permission> {
    scopes
        .iter()
        .filter_map(|s| connector_parts(s, connector))
        .filter_map(|p| Permission::parse(p[2]))
        .max()
}

/// What the tool-qualified reading found for one tool.
#[derive(Debug, PartialEq, Eq)]
pub enum Qualified {
    /// No scope names the connector at a known level.
    None,
    /// Scopes name the connector, and every one names other tools (sorted, deduplicated).
    OtherTools(Vec<String>),
    Granted(Permission),
}

/// The tool-qualified reading: a scope counts for `tool` when it is connector-wide (no
/// qualifier, `*`, or a cap) or names `tool`.
pub fn granted_for_tool(scopes: &[String], connector: &str, tool: &str) -> Qualified {
    let mut best: Option<Permission> = None;
    let mut any = false;
    let mut covered = false;
    let mut named: Vec<String> = Vec::new();
    for parts in scopes.iter().filter_map(|s| connector_parts(s, connector)) {
        any = true;
        let level = Permission::parse(parts[2]);
        let qualifier = parts.get(3).copied().unwrap_or("");
        if matches!(qualifier, "" | "*" | "capped") || qualifier == tool {
            covered = true;
            best = best.max(level);
        } else if !named.iter().any(|n| n == qualifier) {
            named.push(qualifier.to_string());
        }
    }
    if !any {
        return Qualified::None;
    }
    if !covered {
        named.sort();
        return Qualified::OtherTools(named);
    }
    best.map_or(Qualified::None, Qualified::Granted)
}

/// The tightest `capped:<N>` on the connector. `Err` names a malformed cap (not a plain
/// decimal number), so the caller fails closed instead of ignoring it.
pub fn amount_cap(scopes: &[String], connector: &str) -> Result<Option<f64>, String> {
    let mut cap: Option<f64> = None;
    for scope in scopes {
        let parts: Vec<&str> = scope.split(':').collect();
        if parts.len() < 2 || !matches!(parts[0], "tool" | "agenticorg") || parts[1] != connector {
            continue;
        }
        let Some(at) = parts.iter().position(|p| *p == "capped") else {
            continue;
        };
        let raw = parts.get(at + 1).copied().unwrap_or("");
        let value = decimal(raw).ok_or_else(|| format!("malformed cap in scope {scope:?}"))?;
        cap = Some(cap.map_or(value, |c| c.min(value)));
    }
    Ok(cap)
}

/// `\d+(\.\d+)?`
fn decimal(raw: &str) -> Option<f64> {
    let (int, frac) = match raw.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (raw, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (digits(int) && frac.is_none_or(digits))
        .then(|| raw.parse::<f64>().ok())
        .flatten()
        .filter(|v| v.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn reading() {
        let sc = s(&[
            "tool:crm:read",
            "tool:crm:write:create_lead",
            "calendar:read",
            "agenticorg:mail:admin",
        ]);
        assert_eq!(granted(&sc, "crm"), Some(Permission::Write));
        assert_eq!(granted(&sc, "mail"), Some(Permission::Admin));
        assert_eq!(granted(&sc, "calendar"), None);
        assert_eq!(
            granted_for_tool(&sc, "crm", "delete_lead"),
            Qualified::Granted(Permission::Read)
        );
        let only = s(&["tool:crm:write:create_lead", "tool:crm:read:get_lead"]);
        assert_eq!(
            granted_for_tool(&only, "crm", "delete_lead"),
            Qualified::OtherTools(s(&["create_lead", "get_lead"]))
        );
        assert_eq!(
            granted_for_tool(&only, "crm", "get_lead"),
            Qualified::Granted(Permission::Read)
        );
        assert_eq!(
            amount_cap(
                &s(&["tool:pay:write:*:capped:100", "tool:pay:read:capped:10.5"]),
                "pay"
            ),
            Ok(Some(10.5))
        );
        assert!(amount_cap(&s(&["tool:pay:write:capped:abc"]), "pay").is_err());
        assert!(amount_cap(&s(&["tool:pay:write:capped:-1"]), "pay").is_err());
        assert!(amount_cap(&s(&["tool:pay:write:capped"]), "pay").is_err());
        assert_eq!(amount_cap(&s(&["tool:pay:write"]), "pay"), Ok(None));
    }
}
