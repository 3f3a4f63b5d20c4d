//! A browser-like HTTP client for the consent, OAuth and SSO tests: no redirect followed, a
//! cookie jar by name, HTML accepted.

use std::collections::HashMap;
use std::time::Duration;

/// A browser: what it sends and keeps.
pub struct Browser {
    pub http: reqwest::Client,
    pub cookies: HashMap<String, String>,
}

pub struct Page {
    pub status: u16,
    pub location: Option<String>,
    pub set_cookies: Vec<String>,
    pub text: String,
}

impl Browser {
    pub fn new() -> Browser {
        Browser {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(20))
                .build()
                .unwrap(),
            cookies: HashMap::new(),
        }
    }

    pub async fn send(&mut self, rb: reqwest::RequestBuilder) -> Page {
        let jar: Vec<String> = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let rb = if jar.is_empty() {
            rb
        } else {
            rb.header("cookie", jar.join("; "))
        };
        let r = rb.send().await.unwrap();
        let mut set_cookies = Vec::new();
        for c in r.headers().get_all("set-cookie") {
            let c = c.to_str().unwrap().to_string();
            let pair = c.split(';').next().unwrap().to_string();
            let (k, v) = pair.split_once('=').unwrap();
            if v.is_empty() {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.into(), v.into());
            }
            set_cookies.push(c);
        }
        Page {
            status: r.status().as_u16(),
            location: r
                .headers()
                .get("location")
                .map(|v| v.to_str().unwrap().to_string()),
            set_cookies,
            text: r.text().await.unwrap(),
        }
    }

    pub async fn get(&mut self, url: &str) -> Page {
        let rb = self.http.get(url).header("accept", "text/html");
        self.send(rb).await
    }

    pub async fn post_form(&mut self, url: &str, form: &[(&str, &str)]) -> Page {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let rb = self
            .http
            .post(url)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "text/html")
            .body(body);
        self.send(rb).await
    }
}

pub fn absolute(base: &str, loc: &str) -> String {
    url::Url::parse(base)
        .unwrap()
        .join(loc)
        .unwrap()
        .to_string()
}

/// The query of `url`, by name.
pub fn query(url: &str) -> HashMap<String, String> {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}
