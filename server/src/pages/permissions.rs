//! `GET /permissions#session=…`: lists the principal's active grants with Revoke buttons.
//! The session token stays in the fragment (never sent to the server in a URL).

use super::page;
use axum::http::StatusCode;
use axum::response::Response;

const SCRIPT: &str = r#"
(function () {
  var params = new URLSearchParams(window.location.hash.replace(/^#/, ''));
  var token = params.get('session');
  var list = document.getElementById('grants');
  var statusEl = document.getElementById('status');
  function show(text, cls) { statusEl.textContent = text; statusEl.className = 'status ' + (cls || ''); }
  function api(method, path) {
    return fetch(path, { method: method, headers: { 'Authorization': 'Bearer ' + token, 'Accept': 'application/json' } })
      .then(function (res) {
        if (res.status === 204) { return null; }
        return res.json().then(function (body) {
          if (!res.ok) { throw new Error(body.message || ('HTTP ' + res.status)); }
          return body;
        });
      });
  }
  function cell(row, text) { var td = document.createElement('td'); td.textContent = text; row.appendChild(td); return td; }
  function load() {
    api('GET', 'v1/principal/grants').then(function (body) {
      list.textContent = '';
      document.getElementById('who').textContent = body.principalId;
      if (!body.grants.length) { show('You have no active grants.', ''); return; }
      show('', '');
      body.grants.forEach(function (g) {
        var tr = document.createElement('tr');
        var agent = cell(tr, g.agentName || g.agentId);
        agent.title = g.agentDid;
        var scopes = cell(tr, '');
        (g.scopeDescriptions || g.scopes).forEach(function (d) {
          var div = document.createElement('div'); div.textContent = d; scopes.appendChild(div);
        });
        cell(tr, new Date(g.expiresAt).toLocaleString());
        var actions = cell(tr, '');
        var btn = document.createElement('button');
        btn.type = 'button'; btn.textContent = 'Revoke'; btn.setAttribute('data-grant', g.grantId);
        btn.addEventListener('click', function () {
          btn.disabled = true;
          api('DELETE', 'v1/principal/grants/' + encodeURIComponent(g.grantId))
            .then(function () { show('Access revoked.', 'ok'); load(); })
            .catch(function (e) { show(e.message, 'error'); btn.disabled = false; });
        });
        actions.appendChild(btn);
        list.appendChild(tr);
      });
    }).catch(function (e) { show('Could not load your grants: ' + e.message, 'error'); });
  }
  if (!token) { show('This link has no session. Ask the application for a new permissions link.', 'error'); return; }
  load();
})();
"#;

pub fn render() -> Response {
    let body = r#"<h1>Your agent permissions</h1>
<p class="lead">Signed in as <strong id="who"></strong>. These agents can act for you; revoke any you no longer trust.</p>
<table><thead><tr><th>Agent</th><th>Can</th><th>Until</th><th></th></tr></thead><tbody id="grants"></tbody></table>
<div id="status" class="status" role="status" aria-live="polite"></div>"#;
    page(StatusCode::OK, "Your agent permissions", body, Some(SCRIPT))
}
