//! The source code settings page (`/settings/source`) and its server functions: lists, empty and failed
//! states, and never a credential in a page or an answer, even with one stored.

use domain::source::{
    AuthKind, CodeMapping, Credentials, Repository, SeenRepository, SourceSettings,
};

use super::*;

fn settings() -> SourceSettings {
    SourceSettings {
        repositories: vec![
            Repository {
                id: 1,
                owner: "acme".to_owned(),
                name: "shop".to_owned(),
                api_base_url: None,
                auth: AuthKind::Token,
                services: vec!["checkout".to_owned(), "billing".to_owned()],
                created_at: hours_ago(5),
                last_error: Some("GitHub rejected the token (401)".to_owned()),
            },
            Repository {
                id: 2,
                owner: "acme".to_owned(),
                name: "infra".to_owned(),
                api_base_url: Some("https://git.acme.io/api/v3".to_owned()),
                auth: AuthKind::App,
                services: Vec::new(),
                created_at: hours_ago(4),
                last_error: None,
            },
        ],
        mappings: vec![CodeMapping {
            id: 3,
            repository_id: 1,
            service: Some("checkout".to_owned()),
            stack_root: "/srv/app/".to_owned(),
            source_root: "services/checkout/".to_owned(),
        }],
        seen: vec![
            SeenRepository {
                url: "https://github.com/acme/shop".to_owned(),
                owner: "acme".to_owned(),
                name: "shop".to_owned(),
                services: vec!["checkout".to_owned()],
                linked: Some(1),
            },
            SeenRepository {
                url: "git@github.com:acme/ledger.git".to_owned(),
                owner: "acme".to_owned(),
                name: "ledger".to_owned(),
                services: vec!["ledger-api".to_owned()],
                linked: None,
            },
        ],
    }
}

fn settings_fake() -> Arc<SourceFake> {
    Arc::new(SourceFake {
        settings: Some(settings()),
        stored_token: Mutex::new(Some(TOKEN.to_owned())),
        ..SourceFake::default()
    })
}

#[tokio::test]
async fn settings_list_repositories_mappings_and_seen_ones() {
    let (status, html) = source_get(settings_fake(), "/settings/source").await;
    assert_eq!(status, StatusCode::OK);
    assert_contains(
        &html,
        &[
            "<title>Source code settings · Stackprint</title>",
            r#"<a href="/settings" aria-current="page">Settings</a>"#,
            // Repositories: how they authenticate, never with what.
            "<code>acme/shop</code>",
            "<td>Access token</td>",
            "<td>GitHub App</td>",
            "<code>https://git.acme.io/api/v3</code>",
            "checkout, billing",
            "from span tags",
            "GitHub rejected the token (401)",
            r#"aria-label="Unlink acme/shop""#,
            r#"aria-label="Edit acme/infra""#,
            // Mappings.
            "#3",
            "<code>/srv/app/</code>",
            "<code>services/checkout/</code>",
            r#"aria-label="Delete mapping #3""#,
            r#"<option value="1">acme/shop</option>"#,
            // Seen in spans: linked, or a button to link.
            r#"<span class="badge linked">Linked</span>"#,
            "<code>acme/ledger</code>",
            r#"aria-label="Link acme/ledger""#,
            r#"<option value="ledger-api">"#,
            // The form: secrets in empty password inputs, submit disabled until hydrated.
            r#"<h2 id="repository-form-heading">Link a repository</h2>"#,
            r#"type="password""#,
            "GitHub Enterprise API base URL (optional)",
        ],
    );
    assert!(
        html.contains(r#"<button type="submit" disabled>Link repository</button>"#)
            || html.contains(r#"<button type="submit" disabled="">Link repository</button>"#),
        "{html}"
    );
    assert_no_secret(&html);
}

/// Nothing a page or answer holds looks like the token, or any GitHub token.
fn assert_no_secret(text: &str) {
    assert!(!text.contains(TOKEN), "the token leaked");
    for prefix in [
        "ghp_",
        "github_pat_",
        "ghs_",
        "BEGIN RSA PRIVATE KEY",
        "BEGIN PRIVATE KEY",
    ] {
        assert!(!text.contains(prefix), "{prefix} in:\n{text}");
    }
}

#[tokio::test]
async fn settings_show_empty_and_failed_states() {
    let empty = Arc::new(SourceFake {
        settings: Some(SourceSettings {
            repositories: Vec::new(),
            mappings: Vec::new(),
            seen: Vec::new(),
        }),
        ..SourceFake::default()
    });
    let (_, html) = source_get(empty, "/settings/source").await;
    assert_contains(
        &html,
        &[
            "No repository is linked yet.",
            "No code mappings.",
            "Link a repository to add mappings to it.",
            "No span has named a repository yet.",
        ],
    );
    let (status, html) = source_get(Arc::new(SourceFake::default()), "/settings/source").await;
    assert_eq!(status, StatusCode::OK);
    assert_contains(
        &html,
        &["Could not load the source settings; see the server log."],
    );
    assert!(!html.contains("no such table"));
}

#[tokio::test]
async fn settings_server_functions_never_answer_with_a_secret() {
    let fake = settings_fake();
    let (status, body) =
        source_send(fake.clone(), json_request("/api/ui/source/settings", "{}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let found: SourceSettings = serde_json::from_str(&body).expect("json");
    assert_eq!(found.repositories.len(), 2);
    assert_eq!(found.mappings, settings().mappings);
    assert_eq!(found.seen, settings().seen);
    assert_no_secret(&body);

    let input = format!(
        r#"{{"input":{{"id":null,"owner":"acme","name":"ledger","api_base_url":null,"credentials":{{"kind":"token","token":"{TOKEN}"}},"services":["ledger-api"]}}}}"#
    );
    let (status, body) = source_send(
        fake.clone(),
        json_request("/api/ui/source/repository", &input),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let saved: Repository = serde_json::from_str(&body).expect("json");
    assert_eq!(
        (saved.owner.as_str(), saved.name.as_str(), saved.auth),
        ("acme", "ledger", AuthKind::Token)
    );
    assert_no_secret(&body);
    let inputs = fake.saved.lock().expect("not poisoned").clone();
    assert_eq!(
        inputs[0].credentials,
        Credentials::Token {
            token: TOKEN.to_owned()
        }
    );

    // Refusals say why.
    let (status, body) = source_send(
        fake.clone(),
        json_request(
            "/api/ui/source/repository",
            r#"{"input":{"id":null,"owner":"","name":"x","api_base_url":null,"credentials":{"kind":"none"},"services":[]}}"#,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(
        body.contains("Could not link the repository: the owner is empty"),
        "{body}"
    );

    let (status, body) = source_send(
        fake.clone(),
        json_request(
            "/api/ui/source/mapping",
            r#"{"input":{"repository_id":1,"service":null,"stack_root":"/srv/","source_root":"shop/"}}"#,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        fake.mappings_saved.lock().expect("not poisoned")[0].stack_root,
        "/srv/"
    );

    // A page rendered after the token was stored still shows none of it.
    let (_, html) = source_get(fake, "/settings/source").await;
    assert_no_secret(&html);
}
