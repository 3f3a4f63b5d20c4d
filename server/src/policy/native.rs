//! Native policies: agent, principal, scope and time-of-day conditions (`null` = any).

use super::{utc_hh_mm, Request, Verdict};
use grantex::types::Policy;

fn parse_hh_mm(s: &str) -> Option<u32> {
    let (h, m) = s.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60).then_some(h * 60 + m)
}

/// Minutes since midnight of an `HH:MM` the rules accepted.
pub(crate) fn minutes(s: &str) -> Option<u32> {
    parse_hh_mm(s)
}

/// `now` in `[start, end)`, wrapping past midnight when `start > end`.
fn in_window(now: u32, start: u32, end: u32) -> bool {
    if start <= end {
        now >= start && now < end
    } else {
        now >= start || now < end
    }
}

pub(crate) fn evaluate(p: &Policy, req: &Request<'_>) -> Verdict {
    // A non-match's words are never shown: skip building them.
    let no = |_why: std::fmt::Arguments<'_>| Verdict {
        matched: false,
        why: String::new(),
    };
    let mut why = Vec::new();
    if let Some(a) = &p.agent_id {
        if a != req.agent_id {
            return no(format_args!("agent is {:?}, not {a:?}", req.agent_id));
        }
        why.push(format!("agent {a:?}"));
    }
    if let Some(pr) = &p.principal_id {
        if pr != req.principal_id {
            return no(format_args!(
                "principal is {:?}, not {pr:?}",
                req.principal_id
            ));
        }
        why.push(format!("principal {pr:?}"));
    }
    if let Some(listed) = &p.scopes {
        let is_listed = |s: &String| listed.contains(s);
        if p.effect == "deny" {
            // Any requested scope the policy names: adding an unrelated scope to a request
            // must not slip it past a deny.
            let hit: Vec<&str> = req
                .scopes
                .iter()
                .filter(|s| is_listed(s))
                .map(String::as_str)
                .collect();
            if hit.is_empty() {
                return no(format_args!("no requested scope is listed"));
            }
            why.push(format!("requested scope(s) {} listed", hit.join(", ")));
        } else {
            // Every requested scope: an allow never approves a scope it does not list.
            if let Some(s) = req.scopes.iter().find(|s| !is_listed(s)) {
                return no(format_args!("requested scope {s:?} is not listed"));
            }
            why.push("every requested scope listed".into());
        }
    }
    if let (Some(start), Some(end)) = (&p.time_of_day_start, &p.time_of_day_end) {
        let (h, m) = utc_hh_mm(req.at_ms);
        let now = h * 60 + m;
        match (parse_hh_mm(start), parse_hh_mm(end)) {
            (Some(s), Some(e)) if in_window(now, s, e) => {
                why.push(format!("{h:02}:{m:02} UTC within {start}-{end}"))
            }
            (Some(_), Some(_)) => {
                return no(format_args!("{h:02}:{m:02} UTC is outside {start}-{end}"))
            }
            // Stored windows are checked on write; an unreadable one fails closed for a deny.
            _ => {
                return Verdict {
                    matched: p.effect == "deny",
                    why: format!("unreadable time window {start}-{end}"),
                }
            }
        }
    }
    if why.is_empty() {
        why.push("no conditions (matches every request)".into());
    }
    Verdict {
        matched: true,
        why: why.join(", "),
    }
}
