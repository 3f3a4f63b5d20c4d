//! Where a webhook may point (SSRF): an absolute `https` URL whose host resolves only to public
//! addresses. A development server (`--allow-private-webhooks`) also accepts `http` and
//! loopback or private addresses, for receivers on the same machine.
//!
//! Checked when the endpoint is created and again at every delivery: the delivery client's
//! resolver drops non-public addresses (so a name re-pointed at an internal address after
//! creation connects nowhere), IP-literal hosts are checked before sending, and redirects are
//! never followed.

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

/// Whether `ip` is a public unicast address (not loopback, private, link-local, shared,
/// multicast, documentation, reserved or unspecified; mapped IPv4 judged as IPv4).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public_v4(v4);
            }
            let s = v6.segments();
            !(v6.is_unspecified()
                || v6.is_loopback()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00 // unique local
                || (s[0] & 0xffc0) == 0xfe80 // link-local
                || (s[0] & 0xffc0) == 0xfec0 // site-local (deprecated)
                || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
                || (s[0] == 0x0064 && s[1] == 0xff9b) // NAT64: an IPv4 address inside
                || (s[0] == 0x2002) // 6to4: an IPv4 address inside
                || s[..6] == [0, 0, 0, 0, 0, 0]) // IPv4-compatible (deprecated)
        }
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let o = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || o[0] == 0 // "this network"
        || (o[0] == 100 && (o[1] & 0xc0) == 64) // shared address space (CGNAT)
        || (o[0] == 192 && o[1] == 0 && o[2] == 0) // IETF protocol assignments
        || (o[0] == 198 && (o[1] & 0xfe) == 18) // benchmarking
        || o[0] >= 240) // reserved
}

/// The rules of an endpoint URL; the error says what is wrong.
pub fn check_url(raw: &str, allow_private: bool) -> Result<url::Url, String> {
    if raw.len() > 2048 {
        return Err("url must be at most 2048 characters".into());
    }
    let u = url::Url::parse(raw).map_err(|e| format!("url is not an absolute URL: {e}"))?;
    match u.scheme() {
        "https" => {}
        "http" if allow_private => {}
        "http" => {
            return Err(
                "url must use https (http only on a development server, --allow-private-webhooks)"
                    .into(),
            )
        }
        other => return Err(format!("url must use https (got {other:?})")),
    }
    if !u.username().is_empty() || u.password().is_some() {
        return Err("url must not carry credentials".into());
    }
    if u.fragment().is_some() {
        return Err("url must not have a fragment".into());
    }
    let Some(host) = u.host() else {
        return Err("url must name a host".into());
    };
    let literal = match host {
        url::Host::Ipv4(ip) => Some(IpAddr::V4(ip)),
        url::Host::Ipv6(ip) => Some(IpAddr::V6(ip)),
        url::Host::Domain(_) => None,
    };
    if let Some(ip) = literal {
        if !allow_private && !is_public(ip) {
            return Err(format!(
                "url points at a non-public address ({ip}); webhooks go to public hosts only"
            ));
        }
    }
    Ok(u)
}

/// At creation: every address the host resolves to must be public (outside development).
pub async fn check_resolves_public(u: &url::Url, allow_private: bool) -> Result<(), String> {
    if allow_private {
        return Ok(());
    }
    let Some(url::Host::Domain(name)) = u.host() else {
        return Ok(()); // literals were judged by check_url
    };
    let port = u.port_or_known_default().unwrap_or(443);
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((name, port))
        .await
        .map_err(|e| format!("url host {name:?} does not resolve: {e}"))?
        .collect();
    if addrs.is_empty() {
        return Err(format!("url host {name:?} does not resolve"));
    }
    if let Some(bad) = addrs.iter().find(|a| !is_public(a.ip())) {
        return Err(format!(
            "url host {name:?} resolves to a non-public address ({}); webhooks go to public hosts only",
            bad.ip()
        ));
    }
    Ok(())
}

/// The delivery client's resolver: the system's answers, minus non-public addresses unless
/// private targets are allowed.
pub struct PublicOnly {
    pub allow_private: bool,
}

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        let host = name.as_str().to_string();
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|a| allow_private || is_public(a.ip()))
                .collect();
            if found.is_empty() {
                return Err(format!("{host} has no public address").into());
            }
            Ok(Box::new(found.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_addresses() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fc00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a9fe:a9fe",
            "2002:7f00:1::",
            "2001:db8::1",
        ] {
            assert!(!is_public(private.parse().unwrap()), "{private}");
        }
        for public in [
            "8.8.8.8",
            "1.1.1.1",
            "2606:4700:4700::1111",
            "::ffff:8.8.8.8",
        ] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
    }

    #[test]
    fn url_rules() {
        assert!(check_url("https://hooks.example.com/x", false).is_ok());
        assert!(check_url("http://hooks.example.com/x", false)
            .unwrap_err()
            .contains("https"));
        assert!(check_url("http://127.0.0.1:9/x", true).is_ok());
        assert!(check_url("https://127.0.0.1/x", false)
            .unwrap_err()
            .contains("non-public"));
        assert!(check_url("https://[::1]/x", false)
            .unwrap_err()
            .contains("non-public"));
        assert!(check_url("https://169.254.169.254/latest", false).is_err());
        assert!(check_url("https://u:p@example.com/", false)
            .unwrap_err()
            .contains("credentials"));
        assert!(check_url("ftp://example.com/", true).is_err());
        assert!(check_url("/relative", true).is_err());
    }
}
