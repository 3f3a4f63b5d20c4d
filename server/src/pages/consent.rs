//! `GET /consent?req=…`: what the agent asks for, in plain language, with Approve and Deny.
//! The buttons call the public JSON routes; the script then sends the browser to the
//! redirect URI (`code` + `state`, or `error=access_denied` + `state`), keeping its query.

use super::{esc, page};
use crate::routes::authorize::AuthRequestRow;
use crate::scopes::describe;
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
  var root = document.getElementById('consent');
  var id = root.getAttribute('data-req');
  var statusEl = document.getElementById('status');
  var buttons = Array.prototype.slice.call(document.querySelectorAll('button[data-action]'));
  function show(text, cls) { statusEl.textContent = text; statusEl.className = 'status ' + cls; }
  function act(action) {
    buttons.forEach(function (b) { b.disabled = true; });
    show(action === 'approve' ? 'Approving…' : 'Denying…', 'pending');
    fetch('v1/consent/' + encodeURIComponent(id) + '/' + action, {
      method: 'POST', headers: { 'Accept': 'application/json' }, credentials: 'omit'
    }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (body) {
        if (!res.ok) {
          show(body.message || ('Request failed (HTTP ' + res.status + ')'), 'error');
          return;
        }
        if (body.redirectUri) {
          var url = new URL(body.redirectUri);
          if (action === 'approve') { url.searchParams.set('code', body.code); }
          else { url.searchParams.set('error', 'access_denied'); }
          if (typeof body.state === 'string') { url.searchParams.set('state', body.state); }
          window.location.assign(url.toString());
          return;
        }
        if (action === 'approve') { show('Approved. You can close this window.', 'ok'); }
        else { show('Denied. You can close this window.', 'denied'); }
      });
    }).catch(function (e) {
      show('Network error: ' + e.message, 'error');
      buttons.forEach(function (b) { b.disabled = false; });
    });
  }
  buttons.forEach(function (b) {
    b.addEventListener('click', function () { act(b.getAttribute('data-action')); });
  });
})();
"#;

/// The consent page for a pending request.
pub fn render(req: &AuthRequestRow, agent: &Agent, developer_name: &str) -> Response {
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
    let body = format!(
        r#"<div id="consent" data-req="{id}">
<h1>{agent} wants access to your account</h1>
<p class="lead"><strong>{agent}</strong>, an agent of <strong>{developer}</strong>, is asking for permission to:</p>
{description}
<ul class="scopes">{scopes}</ul>
<dl>
<dt>Access lasts</dt><dd>{lasts} after you approve</dd>
<dt>Request expires</dt><dd><time datetime="{expires}">{expires}</time></dd>
<dt>Signed in as</dt><dd>{principal}</dd>
<dt>Agent ID</dt><dd><code>{did}</code></dd>
{redirect}
</dl>
<p class="muted">You can revoke this access at any time.</p>
<div class="actions">
<button type="button" class="deny" data-action="deny">Deny</button>
<button type="button" class="approve" data-action="approve">Approve</button>
</div>
<div id="status" class="status" role="status" aria-live="polite"></div>
</div>"#,
        id = esc(&req.id),
        agent = esc(&agent.name),
        developer = esc(developer_name),
        lasts = human_duration(req.expires_in_secs),
        expires = esc(&iso(req.expires_at)),
        principal = esc(&req.principal_id),
        did = esc(&agent.did),
    );
    page(
        StatusCode::OK,
        &format!("Authorize {}", agent.name),
        &body,
        Some(SCRIPT),
    )
}

#[cfg(test)]
mod tests {
    use super::human_duration;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(human_duration(86_400), "1 day");
        assert_eq!(human_duration(7200), "2 hours");
        assert_eq!(human_duration(90), "90 seconds");
        assert_eq!(human_duration(1800), "30 minutes");
    }
}
