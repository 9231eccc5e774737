//! The session cookie: `HttpOnly` (scripts never see it), `SameSite=Lax` (not sent on cross-site
//! posts), `Secure` when the public URL is https, `Path=/`. The `__Host-` name prefix needs `Secure`,
//! so it is used only then: browsers then refuse the cookie from a subdomain or over plain http.

use axum::http::{HeaderMap, HeaderValue, header};

use super::{PublicUrl, SESSION_ABSOLUTE};

const NAME: &str = "stackprint_session";
const SECURE_NAME: &str = "__Host-stackprint_session";

fn name(public: &PublicUrl) -> &'static str {
    if public.secure() { SECURE_NAME } else { NAME }
}

/// The session secret the request carries, if any.
pub fn session_secret<'h>(headers: &'h HeaderMap, public: &PublicUrl) -> Option<&'h str> {
    let wanted = name(public);
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| *name == wanted && !value.is_empty())
        .map(|(_, value)| value)
}

fn attributes(public: &PublicUrl) -> &'static str {
    if public.secure() {
        "; Path=/; HttpOnly; SameSite=Lax; Secure"
    } else {
        "; Path=/; HttpOnly; SameSite=Lax"
    }
}

/// `Set-Cookie` for a new session.
pub fn set(secret: &str, public: &PublicUrl) -> HeaderValue {
    let value = format!(
        "{}={secret}{}; Max-Age={}",
        name(public),
        attributes(public),
        SESSION_ABSOLUTE.as_secs()
    );
    // The secret is URL-safe base64: always a valid header value.
    HeaderValue::from_str(&value).unwrap_or_else(|_| clear(public))
}

/// `Set-Cookie` that removes the session cookie.
pub fn clear(public: &PublicUrl) -> HeaderValue {
    let value = format!("{}={}; Max-Age=0", name(public), attributes(public));
    HeaderValue::from_str(&value)
        .unwrap_or(HeaderValue::from_static("stackprint_session=; Max-Age=0"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_its_cookie_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("theme=dark; stackprint_session=abc; other=1"),
        );
        let plain = PublicUrl::default();
        assert_eq!(session_secret(&headers, &plain), Some("abc"));
        let https = PublicUrl::parse("https://errors.example.com").expect("url");
        assert_eq!(session_secret(&headers, &https), None);
    }

    #[test]
    fn cookies_are_http_only_lax_and_secure_behind_https() {
        let plain = set("s3cret", &PublicUrl::default());
        let plain = plain.to_str().expect("ascii");
        assert!(plain.starts_with("stackprint_session=s3cret; Path=/; HttpOnly; SameSite=Lax"));
        assert!(!plain.contains("Secure"));
        let https = set(
            "s3cret",
            &PublicUrl::parse("https://e.example").expect("url"),
        );
        let https = https.to_str().expect("ascii");
        assert!(https.starts_with("__Host-stackprint_session=s3cret;"));
        assert!(https.contains("; Secure"));
    }
}
