//! `GET /consent?req=…`: what the agent asks for, in plain language, with Approve and Deny.
//! Approve and Deny are two real `<form method=post>`s to `consent/:id/approve|deny`, each with
//! the CSRF token bound to this request and the cookie set with the page (see `csrf.rs`); the
//! server answers with a 303 to the redirect URI (`code` + `state`, or `error=access_denied` +
//! `state`, keeping its query) or, without one, a short result page. The page works without
//! JavaScript; the small script only shows progress and stops a second submission.

use super::{esc, page, page_with_forms};
use crate::scopes::describe;
use crate::store::auth_requests::AuthRequestRow;
use crate::time::iso;
use axum::http::StatusCode;
use axum::response::Response;
use grantex::types::Agent;

/// "24 hours", "30 minutes", "7 days".
pub fn human_duration(secs: i64) -> String {
    let (n, unit) = if secs % 86_400 == 0 {
        (secs / 86_400, "day")
    } else if secs % 3600 == 0 {
        (secs / 3600, "hour")
    } else if secs % 60 == 0 {
        (secs / 60, "minute")
    } else {
        (secs, "second")
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

const SCRIPT: &str = r#"
(function () {
  var statusEl = document.getElementById('status');
  var forms = Array.prototype.slice.call(document.querySelectorAll('form[data-consent]'));
  var buttons = Array.prototype.slice.call(document.querySelectorAll('button[data-action]'));
  var sent = false;
  function enable(on) { buttons.forEach(function (b) { b.disabled = !on; }); }
  forms.forEach(function (f) {
    f.addEventListener('submit', function (e) {
      if (sent) { e.preventDefault(); return; }
      sent = true;
      var approve = f.getAttribute('data-consent') === 'approve';
      statusEl.textContent = approve ? 'Approving…' : 'Denying…';
      statusEl.className = 'status pending';
      // After this submission has started: a disabled button would not submit its form.
      setTimeout(function () { enable(false); }, 0);
    });
  });
  window.addEventListener('pageshow', function (e) {
    if (e.persisted) { sent = false; enable(true); statusEl.textContent = ''; }
  });
})();
"#;

/// The CSP `form-action` sources: this server, and the redirect URI's origin (browsers check
/// the 303 that follows a form submission against it too).
fn form_action(redirect_uri: Option<&str>) -> String {
    let origin = redirect_uri
        .and_then(|u| url::Url::parse(u).ok())
        .and_then(|u| match u.host() {
            // An origin is a CSP host-source; an IPv6 literal is not, so its scheme stands in.
            Some(url::Host::Ipv6(_)) => Some(format!("{}:", u.scheme())),
            Some(_) => Some(u.origin().ascii_serialization()),
            None => None,
        })
        .filter(|o| {
            o.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b":/.-[]".contains(&b))
        });
    match origin {
        Some(o) => format!("'self' {o}"),
        None => "'self'".to_string(),
    }
}

/// The consent page for a pending request.
/// `csrf_token` goes into both forms; the caller sets the matching cookie.
/// The consent page's single sign-on line (only when the developer has an SSO connection).
#[derive(Debug, Clone, Default)]
pub struct SsoBlock {
    /// The developer has an active SSO connection.
    pub offered: bool,
    /// SSO is enforced: answering needs an SSO session of the request's principal.
    pub required: bool,
    /// Who this browser's SSO session signed in as.
    pub signed_in_as: Option<String>,
    /// Where "Sign in with SSO" goes (`/sso/start?...`).
    pub login_href: String,
}

fn sso_html(req: &AuthRequestRow, s: &SsoBlock) -> String {
    if !s.offered {
        return String::new();
    }
    let link = format!(
        "<a id=\"sso-login\" href=\"{}\">Sign in with SSO</a>",
        esc(&s.login_href)
    );
    match &s.signed_in_as {
        Some(who) if *who == req.principal_id => format!(
            "<p id=\"sso\" class=\"muted\" data-sso=\"signed-in\">Signed in with SSO as <strong>{}</strong>.</p>",
            esc(who)
        ),
        Some(who) => format!(
            "<p id=\"sso\" class=\"muted\" data-sso=\"mismatch\">Signed in with SSO as <strong>{}</strong>, who is not this request's user: answering is refused. {link}</p>",
            esc(who)
        ),
        None if s.required => format!(
            "<p id=\"sso\" data-sso=\"required\">This organization requires single sign-on before you answer. {link}</p>"
        ),
        None => format!("<p id=\"sso\" class=\"muted\" data-sso=\"offered\">{link}</p>"),
    }
}

pub fn render(
    req: &AuthRequestRow,
    agent: &Agent,
    developer_name: &str,
    csrf_token: &str,
    sso: &SsoBlock,
) -> Response {
    let scopes: String = req
        .scopes
        .iter()
        .map(|s| format!("<li>{}<br><code>{}</code></li>", esc(&describe(s)), esc(s)))
        .collect();
    let description = if agent.description.trim().is_empty() {
        String::new()
    } else {
        format!("<p class=\"muted\">{}</p>", esc(&agent.description))
    };
    let redirect = match &req.redirect_uri {
        Some(uri) => {
            let host = url::Url::parse(uri)
                .ok()
                .and_then(|u| u.host_str().map(str::to_string))
                .unwrap_or_default();
            format!("<dt>Returns you to</dt><dd>{}</dd>", esc(&host))
        }
        None => String::new(),
    };
    let mut purpose = String::new();
    if let Some(a) = &req.audience {
        // RFC 8707: the tokens work at this service only (an MCP server, an API).
        purpose.push_str(&format!("<dt>Only at</dt><dd><code>{}</code></dd>", esc(a)));
    }
    if let Some(p) = &req.purpose {
        purpose.push_str(&format!(
            "<dt>For the purpose</dt><dd><code>{}</code></dd>",
            esc(p)
        ));
    }
    if let Some(r) = &req.data_region {
        purpose.push_str(&format!(
            "<dt>Data stays in region</dt><dd><code>{}</code></dd>",
            esc(r)
        ));
    }
    // An MCP client named itself: it is not presented as the developer's own agent.
    let who = if req.oauth_client_id.is_some() {
        format!(
            "<strong>{}</strong>, an application that connects to <strong>{}</strong> (its name is its own claim; check where it sends you back)",
            esc(&agent.name),
            esc(developer_name)
        )
    } else {
        format!(
            "<strong>{}</strong>, an agent of <strong>{}</strong>,",
            esc(&agent.name),
            esc(developer_name)
        )
    };
    let body = format!(
        r#"<div id="consent" data-req="{id}">
<h1>{agent} wants access to your account</h1>
<p class="lead">{who} is asking for permission to:</p>
{description}
<ul class="scopes">{scopes}</ul>
<dl>
<dt>Access lasts</dt><dd>{lasts} after you approve</dd>
<dt>Request expires</dt><dd><time datetime="{expires}">{expires}</time></dd>
<dt>Signed in as</dt><dd>{principal}</dd>
<dt>Agent ID</dt><dd><code>{did}</code></dd>
{purpose}{redirect}
</dl>
{sso}
<p class="muted">You can revoke this access at any time.</p>
<div class="actions">
<form method="post" action="consent/{id}/deny" data-consent="deny"><input type="hidden" name="csrf" value="{token}"><button type="submit" class="deny" data-action="deny">Deny</button></form>
<form method="post" action="consent/{id}/approve" data-consent="approve"><input type="hidden" name="csrf" value="{token}"><button type="submit" class="approve" data-action="approve">Approve</button></form>
</div>
<div id="status" class="status" role="status" aria-live="polite"></div>
</div>"#,
        id = esc(&req.id),
        who = who,
        agent = esc(&agent.name),
        lasts = human_duration(req.expires_in_secs),
        expires = esc(&iso(req.expires_at)),
        principal = esc(&req.principal_id),
        did = esc(&agent.did),
        token = esc(csrf_token),
        sso = sso_html(req, sso),
    );
    page_with_forms(
        StatusCode::OK,
        &format!("Authorize {}", agent.name),
        &body,
        Some(SCRIPT),
        &form_action(req.redirect_uri.as_deref()),
    )
}

/// The answer to a form submission for a request without a redirect URI.
pub fn answered(approved: bool) -> Response {
    let (title, text, class) = if approved {
        (
            "Access approved",
            "Approved. You can close this window.",
            "ok",
        )
    } else {
        (
            "Access denied",
            "Denied. You can close this window.",
            "denied",
        )
    };
    page(
        StatusCode::OK,
        title,
        &format!(
            "<h1>{title}</h1><div id=\"status\" class=\"status {class}\" role=\"status\">{text}</div>"
        ),
        None,
    )
}

#[cfg(test)]
mod tests {
    use super::{form_action, human_duration};

    #[test]
    fn form_action_allows_the_redirect_origin_only() {
        assert_eq!(form_action(None), "'self'");
        assert_eq!(
            form_action(Some("https://app.example.com/cb?x=1")),
            "'self' https://app.example.com"
        );
        assert_eq!(
            form_action(Some("http://127.0.0.1:9999/cb")),
            "'self' http://127.0.0.1:9999"
        );
        assert_eq!(form_action(Some("http://[::1]:9999/cb")), "'self' http:");
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(human_duration(86_400), "1 day");
        assert_eq!(human_duration(7200), "2 hours");
        assert_eq!(human_duration(90), "90 seconds");
        assert_eq!(human_duration(1800), "30 minutes");
    }
}
