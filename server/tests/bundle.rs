//! The WASM bundle the browser loads holds none of the server's secret-handling code: no password
//! hashing, no database driver, no GitHub or OpenID Connect client, no setting that names a secret.
//! The shared crates (`domain`, `app`) reach the browser; these must not. Reads the bundle
//! `make site-debug` (or `make build`) left in `target/site`, which `make test` builds first.

use std::path::PathBuf;

/// Names only server code carries: crate names appear in the bundle's panic locations, the rest are
/// the server's own identifiers and settings.
const SERVER_ONLY: &[&str] = &[
    "argon2",
    "sqlx",
    "octocrab",
    "openidconnect",
    "password_hash",
    "token_hash",
    "secret_hash",
    "client_secret",
    "STACKPRINT_ADMIN_PASSWORD_FILE",
    "STACKPRINT_OIDC_CLIENT_SECRET",
];

#[test]
fn the_browser_bundle_carries_no_secret_handling_code() {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/site/pkg/stackprint_bg.wasm");
    let bundle = std::fs::read(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (build it with `make site-debug`)", path.display()));
    assert!(
        bundle.len() > 100_000,
        "{} is not a built bundle",
        path.display()
    );
    let found: Vec<&str> = SERVER_ONLY
        .iter()
        .copied()
        .filter(|name| {
            bundle
                .windows(name.len())
                .any(|window| window == name.as_bytes())
        })
        .collect();
    assert!(
        found.is_empty(),
        "server-only code in the bundle: {found:?}"
    );
}
