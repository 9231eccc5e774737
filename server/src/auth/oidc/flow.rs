//! What one OpenID Connect sign-in carries from its start to the provider's callback: the state
//! (against forged callbacks), the PKCE verifier, the nonce, the redirect URL and where to go
//! afterwards. It lives in a short cookie on the browser that started it (`HttpOnly`,
//! `SameSite=Lax`, so the provider's redirect back brings it), so any instance can finish what
//! another started, with nothing stored.

use axum::http::{HeaderMap, HeaderValue, header};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use crate::auth::PublicUrl;

const NAME: &str = "stackprint_oidc";
/// A sign-in not finished within this is started again.
const MAX_AGE_SECONDS: u64 = 600;

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flow {
    pub state: String,
    pub verifier: String,
    pub nonce: String,
    pub redirect: String,
    pub next: String,
}

impl std::fmt::Debug for Flow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Flow { .. }")
    }
}

fn attributes(public: &PublicUrl) -> &'static str {
    if public.secure() {
        "; Path=/auth/oidc; HttpOnly; SameSite=Lax; Secure"
    } else {
        "; Path=/auth/oidc; HttpOnly; SameSite=Lax"
    }
}

impl Flow {
    /// `Set-Cookie` carrying this flow.
    pub fn cookie(&self, public: &PublicUrl) -> Option<HeaderValue> {
        let json = serde_json::to_vec(self).ok()?;
        let value = format!(
            "{NAME}={}{}; Max-Age={MAX_AGE_SECONDS}",
            URL_SAFE_NO_PAD.encode(json),
            attributes(public)
        );
        HeaderValue::from_str(&value).ok()
    }

    /// The flow the request's cookie carries, if any and well-formed.
    pub fn from_request(headers: &HeaderMap) -> Option<Self> {
        let value = headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(name, _)| *name == NAME)
            .map(|(_, value)| value)?;
        let json = URL_SAFE_NO_PAD.decode(value).ok()?;
        serde_json::from_slice(&json).ok()
    }
}

/// `Set-Cookie` that removes the flow's cookie: a callback is used once.
pub fn clear(public: &PublicUrl) -> HeaderValue {
    HeaderValue::from_str(&format!("{NAME}=; Max-Age=0{}", attributes(public)))
        .unwrap_or(HeaderValue::from_static("stackprint_oidc=; Max-Age=0"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flow_round_trips_through_its_cookie() {
        let flow = Flow {
            state: "s".into(),
            verifier: "v".into(),
            nonce: "n".into(),
            redirect: "http://127.0.0.1:3000/auth/oidc/callback".into(),
            next: "/issues/4?range=7d".into(),
        };
        let https = PublicUrl::parse("https://errors.example.com").expect("url");
        let cookie = flow.cookie(&https).expect("cookie");
        let cookie = cookie.to_str().expect("ascii");
        assert!(
            cookie.contains("; HttpOnly; SameSite=Lax; Secure"),
            "{cookie}"
        );
        let pair = cookie.split(';').next().expect("pair");
        let mut headers = HeaderMap::new();
        let sent = format!("theme=dark; {pair}");
        headers.insert(
            header::COOKIE,
            HeaderValue::from_str(&sent).expect("header"),
        );
        assert_eq!(Flow::from_request(&headers), Some(flow));
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("stackprint_oidc=garbage"),
        );
        assert_eq!(Flow::from_request(&headers), None);
    }
}
