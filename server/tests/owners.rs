//! Suggested owners against the fake GitHub: `CODEOWNERS` found where GitHub looks, matched against
//! the culprit frame's repository path, stored on the issue (no GitHub call on the next view, on any
//! instance) and searchable with `owner:`, on SQLite and PostgreSQL.

#[path = "support/fake_github.rs"]
mod fake_github;
#[allow(dead_code)]
#[path = "support/store.rs"]
#[macro_use]
mod store;

use std::path::{Path, PathBuf};

use domain::query::{IssueQuery, parse_search};
use domain::source::{Credentials, RepositoryInput, SuggestedOwners};
use fake_github::{Config, FakeGitHub};
use server::audit::Actor;
use server::source::SourceService;
use server::storage::{Store, TimeWindow, unix_ms_now};
use store::TestDb;

const TOKEN: &str = "ghp_T0kenThatMustNeverLeak1234567890";
const SHA: &str = "4f2a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a3f";

fn fixture_repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/source/repo")
}

async fn fake(root: &Path) -> FakeGitHub {
    FakeGitHub::start(Config::new(root, "acme/shop", Some(TOKEN)))
        .await
        .expect("fake GitHub")
}

async fn link(source: &SourceService) {
    source
        .save_repository(
            &Actor::cli(),
            &RepositoryInput {
                id: None,
                owner: "acme".into(),
                name: "shop".into(),
                api_base_url: None,
                credentials: Credentials::Token {
                    token: TOKEN.into(),
                },
                services: Vec::new(),
            },
        )
        .await
        .expect("link");
}

/// One `checkout` issue with the Python stack (culprit `checkout/amounts.py`) at `sha`; its id.
async fn issue_at(store: &Store, service: &str, sha: &str) -> i64 {
    let mut new = store::event(service, &format!("fp-{service}"), unix_ms_now());
    for (k, v) in [
        ("_dd.git.repository_url", "https://github.com/acme/shop.git"),
        ("_dd.git.commit.sha", sha),
    ] {
        new.event.span_tags.insert(k.to_owned(), v.to_owned());
    }
    store
        .write_batch(&store::batch(vec![new]))
        .await
        .expect("write event");
    let query = IssueQuery {
        service: Some(service.to_owned()),
        ..IssueQuery::default()
    };
    store.list_issues(&query).await.expect("issues").issues[0].id
}

async fn owners_of(source: &SourceService, issue: i64) -> SuggestedOwners {
    source
        .suggested_owners(issue)
        .await
        .expect("owners")
        .expect("an issue with events")
}

async fn found(store: &Store, search: &str) -> Vec<i64> {
    let window = TimeWindow::new(None, None, 24, unix_ms_now()).expect("window");
    let search = parse_search(search).expect("search");
    let page = store
        .explorer_issues(&IssueQuery::default(), &search, &window)
        .await
        .expect("explorer");
    page.issues.iter().map(|row| row.summary.id).collect()
}

suite!(
    owners_at_the_commit_then_stored_and_searchable,
    codeowners_where_github_looks_first,
    without_a_repository_nobody_is_suggested,
    the_background_round_finds_owners_of_unopened_issues,
);

async fn the_background_round_finds_owners_of_unopened_issues(db: &TestDb) {
    let fake = fake(&fixture_repo()).await;
    let source = SourceService::new(db.store.clone(), &fake.url);
    let issue = issue_at(&db.store, "checkout", SHA).await;
    assert_eq!(
        source.refresh_owners().await.expect("round"),
        0,
        "no repository linked"
    );
    assert_eq!(fake.requests(), Vec::<String>::new());

    link(&source).await;
    assert_eq!(source.refresh_owners().await.expect("round"), 1);
    assert_eq!(found(&db.store, "owner:@acme/payments").await, vec![issue]);
    // Done until the issue sees a newer event.
    fake.clear_requests();
    assert_eq!(source.refresh_owners().await.expect("round"), 0);
    assert_eq!(fake.requests(), Vec::<String>::new());
}

async fn owners_at_the_commit_then_stored_and_searchable(db: &TestDb) {
    let fake = fake(&fixture_repo()).await;
    let source = SourceService::new(db.store.clone(), &fake.url);
    link(&source).await;
    let issue = issue_at(&db.store, "checkout", SHA).await;
    let other = issue_at(&db.store, "billing", SHA).await;

    let got = owners_of(&source, issue).await;
    assert_eq!(got.owners, ["@acme/payments", "@ana"]);
    assert_eq!(got.path.as_deref(), Some("shop/checkout/amounts.py"));
    assert_eq!(got.codeowners.as_deref(), Some(".github/CODEOWNERS"));
    assert_eq!(
        got.rule_url.as_deref(),
        Some(format!("https://github.com/acme/shop/blob/{SHA}/.github/CODEOWNERS#L3").as_str())
    );
    let calls = fake.requests();
    let codeowners: Vec<_> = calls.iter().filter(|c| c.contains("CODEOWNERS")).collect();
    assert_eq!(codeowners.len(), 1, "{calls:?}");

    // Stored: no GitHub call again, from this instance or another on the same database.
    fake.clear_requests();
    assert_eq!(owners_of(&source, issue).await, got);
    let other_instance = SourceService::new(db.reopen().await, &fake.url);
    assert_eq!(owners_of(&other_instance, issue).await, got);
    // The other issue's owners come from the cached reads at the same commit.
    assert_eq!(owners_of(&source, other).await.owners, got.owners);
    assert_eq!(fake.requests(), Vec::<String>::new());

    // Search: whole owner, any letter case, wildcards, negation.
    let mut both = vec![issue, other];
    both.sort_unstable();
    let sorted = |mut ids: Vec<i64>| {
        ids.sort_unstable();
        ids
    };
    assert_eq!(sorted(found(&db.store, "owner:@acme/payments").await), both);
    assert_eq!(sorted(found(&db.store, "owner:@ACME/Payments").await), both);
    assert_eq!(sorted(found(&db.store, "owner:@acme/*").await), both);
    assert_eq!(found(&db.store, "owner:@acme/pay").await, Vec::<i64>::new());
    assert_eq!(found(&db.store, "owner:@acme/web").await, Vec::<i64>::new());
    assert_eq!(found(&db.store, "-owner:@ana").await, Vec::<i64>::new());
    assert_eq!(
        found(&db.store, "owner:@ana service:billing").await,
        vec![other]
    );
}

async fn codeowners_where_github_looks_first(db: &TestDb) {
    // A repository with CODEOWNERS at the root and in docs/: GitHub uses the root one.
    let root = std::env::temp_dir().join(format!("stackprint-owners-{}", std::process::id()));
    let root = root.join(if db.url.starts_with("sqlite") {
        "sqlite"
    } else {
        "postgres"
    });
    std::fs::create_dir_all(root.join("docs")).expect("dirs");
    std::fs::create_dir_all(root.join("checkout")).expect("dirs");
    std::fs::write(root.join("CODEOWNERS"), "checkout/ @root-owner\n").expect("write");
    std::fs::write(root.join("docs/CODEOWNERS"), "* @docs-owner\n").expect("write");
    std::fs::write(root.join("checkout/amounts.py"), "x = 1\n").expect("write");
    std::fs::write(root.join("checkout/views.py"), "x = 1\n").expect("write");
    let fake = fake(&root).await;
    let source = SourceService::new(db.store.clone(), &fake.url);
    link(&source).await;
    let issue = issue_at(&db.store, "checkout", SHA).await;

    let got = owners_of(&source, issue).await;
    let _ = std::fs::remove_dir_all(&root);
    assert_eq!(got.owners, ["@root-owner"]);
    assert_eq!(got.codeowners.as_deref(), Some("CODEOWNERS"));
    assert_eq!(got.path.as_deref(), Some("checkout/amounts.py"));
    let calls = fake.requests();
    let read: Vec<_> = calls.iter().filter(|c| c.contains("CODEOWNERS")).collect();
    assert_eq!(read.len(), 2, ".github/ first, then the root: {calls:?}");
    assert!(read[0].contains(".github"), "{calls:?}");
}

async fn without_a_repository_nobody_is_suggested(db: &TestDb) {
    let source = SourceService::new(db.store.clone(), "http://127.0.0.1:9");
    let issue = issue_at(&db.store, "checkout", SHA).await;
    let got = owners_of(&source, issue).await;
    assert_eq!(got.owners, Vec::<String>::new());
    assert_eq!(got.codeowners, None);
    assert_eq!(found(&db.store, "owner:*").await, Vec::<i64>::new());
    assert_eq!(
        source.suggested_owners(issue + 1000).await.expect("ok"),
        None
    );
}
