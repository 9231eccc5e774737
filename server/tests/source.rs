//! Source code in stack traces against a fake GitHub on loopback: mapping, snippets, the cache, every
//! failure as a per-frame note, on SQLite and PostgreSQL. HTTP answers and secrecy in `source_http`.

#[path = "support/client.rs"]
mod client;
#[path = "support/source_failures.rs"]
mod failures;
#[path = "support/fake_github.rs"]
mod fake_github;
#[path = "support/source_http.rs"]
mod source_http;
#[allow(dead_code)]
#[path = "support/store.rs"]
#[macro_use]
mod store;

use std::path::PathBuf;

use domain::query::IssueQuery;
use domain::source::{
    CodeMappingInput, Credentials, EventSource, FrameSourceResult, Language, MappingUsed,
    RepositoryInput, SourceNote,
};
use failures::{
    bad_token_is_a_note_and_shows_in_settings, missing_file_is_a_note_on_that_frame_only,
    private_repositories_without_access, rate_limit_stops_calls_until_reset,
};
use fake_github::{Config, FakeGitHub};
use server::audit::Actor;
use server::source::SourceService;
use server::storage::{Store, unix_ms_now};
use store::TestDb;

pub const TOKEN: &str = "ghp_T0kenThatMustNeverLeak1234567890";
pub const SHA: &str = "4f2a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a3f";
pub const REPO_URL: &str = "https://github.com/acme/shop.git";

pub fn fixture_repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/source/repo")
}

pub async fn fake(token: Option<&str>) -> FakeGitHub {
    FakeGitHub::start(Config::new(fixture_repo(), "acme/shop", token))
        .await
        .expect("fake GitHub")
}

pub const JAVA_STACK: &str = "java.lang.IllegalStateException: Cart has no shipping address
\tat com.acme.checkout.Cart.total(Cart.java:12)
\tat com.acme.checkout.CheckoutController.submit(CheckoutController.java:30)
\tat java.base/java.lang.Thread.run(Thread.java:1583)
";

/// Stores one error event of `service` with `stack` and extra span tags; returns its id.
pub async fn stored_event(
    store: &Store,
    service: &str,
    stack: &str,
    language: &str,
    tags: &[(&str, &str)],
) -> i64 {
    let mut new = store::event(service, &format!("fp-{service}"), unix_ms_now());
    new.event.stack = stack.to_owned();
    new.event.language = Some(language.to_owned());
    new.event
        .span_tags
        .insert("error.stack".into(), stack.to_owned());
    for (k, v) in tags {
        new.event.span_tags.insert((*k).to_owned(), (*v).to_owned());
    }
    store
        .write_batch(&store::batch(vec![new]))
        .await
        .expect("write event");
    let query = IssueQuery {
        service: Some(service.to_owned()),
        ..IssueQuery::default()
    };
    let issue = store.list_issues(&query).await.expect("issues").issues[0].id;
    store.events(issue, 1, 0).await.expect("events").events[0].id
}

pub fn token_input(token: &str) -> RepositoryInput {
    RepositoryInput {
        id: None,
        owner: "acme".into(),
        name: "shop".into(),
        api_base_url: None,
        credentials: Credentials::Token {
            token: token.into(),
        },
        services: Vec::new(),
    }
}

pub async fn source_of(source: &SourceService, event: i64) -> EventSource {
    source
        .event_source(event, 5)
        .await
        .expect("event source")
        .expect("known event")
}

pub fn results(source: &EventSource) -> Vec<&FrameSourceResult> {
    source.frames.iter().map(|f| &f.result).collect()
}

pub fn snippet(result: &FrameSourceResult) -> &domain::source::Snippet {
    match result {
        FrameSourceResult::Snippet(s) => s,
        FrameSourceResult::Note(note) => panic!("a note instead of a snippet: {note:?}"),
    }
}

pub fn note(result: &FrameSourceResult) -> &SourceNote {
    match result {
        FrameSourceResult::Note(note) => note,
        FrameSourceResult::Snippet(s) => panic!("a snippet instead of a note: {}", s.path),
    }
}

suite!(
    snippets_at_the_commit_by_suffix_then_from_the_cache,
    manual_mappings_need_no_tree,
    java_class_names_find_their_files,
    default_branch_when_no_commit,
    missing_file_is_a_note_on_that_frame_only,
    bad_token_is_a_note_and_shows_in_settings,
    rate_limit_stops_calls_until_reset,
    public_repositories_without_linking,
    private_repositories_without_access,
    no_repository_is_one_note,
    seen_repositories_without_credentials,
    app_credentials_mint_installation_tokens,
    chunk_root_git_tags_reach_ingested_events,
);

async fn snippets_at_the_commit_by_suffix_then_from_the_cache(db: &TestDb) {
    let fake = fake(Some(TOKEN)).await;
    let source = SourceService::new(db.store.clone(), &fake.url);
    source
        .save_repository(&Actor::cli(), &token_input(TOKEN))
        .await
        .expect("link");
    let tags = [
        ("_dd.git.repository_url", REPO_URL),
        ("_dd.git.commit.sha", SHA),
    ];
    let event = stored_event(&db.store, "checkout", store::PYTHON_STACK, "python", &tags).await;

    let got = source_of(&source, event).await;
    assert_eq!(got.commit.as_deref(), Some(SHA));
    assert_eq!(got.branch, None);
    let repo = got.repository.as_ref().expect("repository");
    assert_eq!(repo.html_url, "https://github.com/acme/shop");
    // Two in-app frames (site-packages is not in-app): views.py:42 and amounts.py:7.
    let frames = results(&got);
    assert_eq!(frames.len(), 2, "{got:?}");
    let views = snippet(frames[0]);
    assert_eq!(views.path, "shop/checkout/views.py");
    assert_eq!(
        views.mapping,
        MappingUsed::Suffix {
            stack_root: "/srv/app/".into(),
            source_root: "shop/".into()
        }
    );
    assert_eq!(
        (views.first_line, views.line, views.lines.len()),
        (37, 42, 11)
    );
    assert_eq!(views.lines[5], "    total = parse_amount(form[\"amount\"])");
    assert_eq!(
        views.url,
        format!("https://github.com/acme/shop/blob/{SHA}/shop/checkout/views.py#L42")
    );
    assert_eq!(views.language, Some(Language::Python));
    let amounts = snippet(frames[1]);
    assert_eq!(
        (amounts.first_line, amounts.line, amounts.lines.len()),
        (2, 7, 7)
    );
    assert!(amounts.lines[5].contains("raise ValueError"));

    let calls = fake.requests();
    assert_eq!(
        calls.iter().filter(|c| c.contains("/git/trees/")).count(),
        1,
        "{calls:?}"
    );
    assert_eq!(
        calls.iter().filter(|c| c.contains("/contents/")).count(),
        2,
        "{calls:?}"
    );

    // A second view, and a second instance on the same database: no GitHub call at all.
    fake.clear_requests();
    assert_eq!(source_of(&source, event).await, got);
    let other_instance = SourceService::new(db.reopen().await, &fake.url);
    assert_eq!(source_of(&other_instance, event).await, got);
    assert_eq!(fake.requests(), Vec::<String>::new());

    // A smaller context cuts from the cached file.
    let narrow = source
        .event_source(event, 1)
        .await
        .expect("source")
        .expect("event");
    assert_eq!(snippet(results(&narrow)[0]).lines.len(), 3);
    assert_eq!(fake.request_count(), 0);
}

async fn manual_mappings_need_no_tree(db: &TestDb) {
    let fake = fake(Some(TOKEN)).await;
    let source = SourceService::new(db.store.clone(), &fake.url);
    let repo = source
        .save_repository(&Actor::cli(), &token_input(TOKEN))
        .await
        .expect("link");
    let mapping = source
        .save_code_mapping(&CodeMappingInput {
            repository_id: repo.id,
            service: Some("checkout".into()),
            stack_root: "/srv/app/".into(),
            source_root: "shop/".into(),
        })
        .await
        .expect("mapping");
    let tags = [("git.repository_url", REPO_URL), ("git.commit.sha", SHA)];
    let event = stored_event(&db.store, "checkout", store::PYTHON_STACK, "python", &tags).await;
    let got = source_of(&source, event).await;
    let views = snippet(results(&got)[0]);
    assert_eq!(views.path, "shop/checkout/views.py");
    assert_eq!(
        views.mapping,
        MappingUsed::Manual {
            id: mapping.id,
            stack_root: "/srv/app/".into(),
            source_root: "shop".into()
        }
    );
    assert!(!fake.requests().iter().any(|c| c.contains("/git/trees/")));
}

async fn java_class_names_find_their_files(db: &TestDb) {
    let fake = fake(Some(TOKEN)).await;
    let source = SourceService::new(db.store.clone(), &fake.url);
    let mut input = token_input(TOKEN);
    // No repository tag: the service links it.
    input.services = vec!["billing".into()];
    source
        .save_repository(&Actor::cli(), &input)
        .await
        .expect("link");
    let tags = [("git.commit.sha", SHA)];
    let event = stored_event(&db.store, "billing", JAVA_STACK, "jvm", &tags).await;
    let got = source_of(&source, event).await;
    let frames = results(&got);
    let cart = frames
        .iter()
        .find_map(|r| match r {
            FrameSourceResult::Snippet(s) if s.path.ends_with("Cart.java") => Some(s),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no Cart.java snippet in {got:?}"));
    assert_eq!(cart.path, "src/main/java/com/acme/checkout/Cart.java");
    assert_eq!(
        cart.mapping,
        MappingUsed::Module {
            module: "com.acme.checkout.Cart".into()
        }
    );
    assert!(
        cart.lines
            .iter()
            .any(|l| l.contains("throw new IllegalStateException"))
    );
    assert_eq!(cart.language, Some(Language::Java));
    // The controller is not in the repository: not mapped, on that frame only.
    assert!(frames.iter().any(|r| matches!(
        r,
        FrameSourceResult::Note(SourceNote::NotMapped { path }) if path == "CheckoutController.java"
    )));
}

async fn default_branch_when_no_commit(db: &TestDb) {
    let fake = fake(Some(TOKEN)).await;
    let source = SourceService::new(db.store.clone(), &fake.url);
    source
        .save_repository(&Actor::cli(), &token_input(TOKEN))
        .await
        .expect("link");
    let tags = [("git.repository_url", "git@github.com:acme/shop.git")];
    let event = stored_event(&db.store, "checkout", store::PYTHON_STACK, "python", &tags).await;
    let got = source_of(&source, event).await;
    assert_eq!(
        (got.commit.as_deref(), got.branch.as_deref()),
        (None, Some("main"))
    );
    let views = snippet(results(&got)[0]);
    assert_eq!(
        views.url,
        "https://github.com/acme/shop/blob/main/shop/checkout/views.py#L42"
    );
    let calls = fake.requests();
    assert!(
        calls.contains(&"GET /repos/acme/shop".to_owned()),
        "{calls:?}"
    );
    assert!(calls.iter().any(|c| c.ends_with("?ref=main")), "{calls:?}");
    // Branch reads are cached too (for a few minutes).
    fake.clear_requests();
    source_of(&source, event).await;
    assert_eq!(fake.request_count(), 0);
}

async fn public_repositories_without_linking(db: &TestDb) {
    let fake = fake(None).await;
    let source = SourceService::new(db.store.clone(), &fake.url);
    let tags = [("git.repository_url", REPO_URL), ("git.commit.sha", SHA)];
    let event = stored_event(&db.store, "checkout", store::PYTHON_STACK, "python", &tags).await;
    let got = source_of(&source, event).await;
    assert_eq!(snippet(results(&got)[0]).path, "shop/checkout/views.py");
}

async fn no_repository_is_one_note(db: &TestDb) {
    let source = SourceService::new(db.store.clone(), "http://127.0.0.1:9");
    let event = stored_event(&db.store, "checkout", store::PYTHON_STACK, "python", &[]).await;
    let got = source_of(&source, event).await;
    assert_eq!(got.note, Some(SourceNote::NoRepository));
    assert!(got.frames.is_empty());
    assert_eq!(
        source.event_source(event + 1000, 5).await.expect("query"),
        None
    );
}

async fn seen_repositories_without_credentials(db: &TestDb) {
    let source = SourceService::new(db.store.clone(), "http://127.0.0.1:9");
    let url = format!("https://x-access-token:{TOKEN}@github.com/acme/shop.git");
    stored_event(
        &db.store,
        "checkout",
        store::PYTHON_STACK,
        "python",
        &[("_dd.git.repository_url", &url)],
    )
    .await;
    stored_event(
        &db.store,
        "billing",
        JAVA_STACK,
        "jvm",
        &[("git.repository_url", "git@github.com:acme/shop.git")],
    )
    .await;
    let repo = source
        .save_repository(&Actor::cli(), &token_input(TOKEN))
        .await
        .expect("link");
    let settings = source.settings().await.expect("settings");
    assert_eq!(settings.seen.len(), 1, "{:?}", settings.seen);
    let seen = &settings.seen[0];
    assert_eq!(seen.url, "https://github.com/acme/shop");
    assert_eq!((seen.owner.as_str(), seen.name.as_str()), ("acme", "shop"));
    assert_eq!(seen.services, ["billing", "checkout"]);
    assert_eq!(seen.linked, Some(repo.id));
    let json = serde_json::to_string(&settings).expect("json");
    assert!(!json.contains(TOKEN), "{json}");
}

async fn app_credentials_mint_installation_tokens(db: &TestDb) {
    let fake = fake(Some("ghs_installation_token")).await;
    let source = SourceService::new(db.store.clone(), &fake.url);
    let key = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/source/app-key.pem"),
    )
    .expect("test key");
    let mut input = token_input("unused");
    input.credentials = Credentials::App {
        app_id: 42,
        installation_id: 7,
        private_key: key,
    };
    let repo = source
        .save_repository(&Actor::cli(), &input)
        .await
        .expect("link");
    assert_eq!(repo.auth, domain::source::AuthKind::App);
    let tags = [("git.repository_url", REPO_URL), ("git.commit.sha", SHA)];
    let event = stored_event(&db.store, "checkout", store::PYTHON_STACK, "python", &tags).await;
    let got = source_of(&source, event).await;
    snippet(results(&got)[0]);
    assert!(
        fake.requests()
            .contains(&"POST /app/installations/7/access_tokens".to_owned()),
        "{:?}",
        fake.requests()
    );
}

/// ddtrace-py's shape: the git tags on the chunk root only, the error on a child span. Through the real
/// ingest preparation, the stored event carries the tags, the repository is seen, and the source shows.
async fn chunk_root_git_tags_reach_ingested_events(db: &TestDb) {
    use domain::span::{Payload, PayloadMeta, Protocol, Span, SpanKind};
    let fake = fake(None).await;
    let source = SourceService::new(db.store.clone(), &fake.url);
    let span = |id: u64, parent: u64, name: &str| Span {
        service: "checkout".into(),
        name: name.into(),
        resource: "POST /orders".into(),
        trace_id: 0xfeed,
        span_id: id,
        parent_id: parent,
        start: unix_ms_now() * 1_000_000 + i64::try_from(id).unwrap_or(0),
        duration: 1_000,
        error: true,
        ..Span::default()
    };
    let mut root = span(1, 0, "flask.request");
    root.kind = SpanKind::Server;
    root.metrics.insert("_dd.top_level".into(), 1.0);
    for (k, v) in [
        ("_dd.git.repository_url", REPO_URL),
        ("_dd.git.commit.sha", SHA),
        ("span.kind", "server"),
    ] {
        root.meta.insert(k.into(), v.into());
    }
    let mut child = span(2, 1, "flask.dispatch_request");
    for (k, v) in [
        ("error.type", "builtins.ValueError"),
        ("error.message", "bad amount 'x'"),
        ("error.stack", store::PYTHON_STACK),
    ] {
        child.meta.insert(k.into(), v.into());
    }
    let payload = Payload {
        meta: PayloadMeta {
            protocol: Protocol::Datadog,
            lang: Some("python".into()),
            ..PayloadMeta::default()
        },
        traces: vec![vec![root, child]],
    };
    db.store
        .write_batch(
            &server::pipeline::prepare(
                &payload,
                server::pipeline::Transition::NONE,
                &server::pipeline::RuleBook::default(),
                &server::pipeline::GroupingCache::default(),
            )
            .expect("prepare"),
        )
        .await
        .expect("write");
    let issue = db
        .store
        .list_issues(&IssueQuery::default())
        .await
        .expect("issues")
        .issues[0]
        .id;
    let event = &db.store.events(issue, 1, 0).await.expect("events").events[0];
    assert_eq!(
        event
            .span_tags
            .get("_dd.git.commit.sha")
            .map(String::as_str),
        Some(SHA)
    );
    let got = source_of(&source, event.id).await;
    assert_eq!(got.commit.as_deref(), Some(SHA));
    assert_eq!(snippet(results(&got)[0]).path, "shop/checkout/views.py");
    let seen = source.settings().await.expect("settings").seen;
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].services, ["checkout"]);
}
