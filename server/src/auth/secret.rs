//! Random secrets (session cookies, API tokens, the setup link) and how they are stored: only a
//! SHA-256 of each reaches the database. A fast hash is enough for 256 random bits; passwords, which
//! people choose, get argon2id instead (`password`).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha256};

/// What every API token starts with, so scanners and people recognise one.
pub const TOKEN_PREFIX: &str = "sp_";
/// Characters of a token shown in lists (`sp_` and 8 more): enough to tell tokens apart.
const SHOWN_CHARS: usize = TOKEN_PREFIX.len() + 8;

/// 256 random bits, URL-safe base64 (43 characters).
pub fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The stored form of a secret.
pub fn digest(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

/// A new API token and the prefix lists show of it.
pub fn new_api_token() -> (String, String) {
    let token = format!("{TOKEN_PREFIX}{}", random_secret());
    let shown = token[..SHOWN_CHARS].to_owned();
    (token, shown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_prefixed_random_and_hashed() {
        let (token, shown) = new_api_token();
        assert!(token.starts_with("sp_"));
        assert_eq!(token.len(), 3 + 43);
        assert!(token.starts_with(&shown));
        assert_ne!(token, new_api_token().0);
        assert_eq!(digest(&token).len(), 32);
        assert_ne!(digest(&token), token.as_bytes());
    }
}
