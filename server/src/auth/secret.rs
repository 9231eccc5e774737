//! Random secrets (session cookies, API tokens, the setup link) and how they are stored: only a
//! SHA-256 of each reaches the database. A fast hash is enough for 256 random bits; passwords, which
//! people choose, get argon2id instead (`password`).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha256};

/// What every API token starts with, so scanners and people recognise one.
pub const TOKEN_PREFIX: &str = "sp_";
/// What every intake token starts with: tracers' tokens are told apart from API tokens at a glance.
pub const INTAKE_TOKEN_PREFIX: &str = "spi_";
/// Characters of a token shown in lists besides its prefix: enough to tell tokens apart.
const SHOWN_CHARS: usize = 8;
/// Characters of [`random_secret`]'s output.
pub const SECRET_CHARS: usize = 43;

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
    new_token(TOKEN_PREFIX)
}

/// A new intake token and the prefix lists show of it.
pub fn new_intake_token() -> (String, String) {
    new_token(INTAKE_TOKEN_PREFIX)
}

fn new_token(prefix: &str) -> (String, String) {
    let token = format!("{prefix}{}", random_secret());
    let shown = token[..prefix.len() + SHOWN_CHARS].to_owned();
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
        let (intake, shown) = new_intake_token();
        assert!(intake.starts_with("spi_") && intake.starts_with(&shown));
        assert_eq!((intake.len(), shown.len()), (4 + SECRET_CHARS, 4 + 8));
    }
}
