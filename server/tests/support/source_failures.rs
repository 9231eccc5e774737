//! Failures of source reads: each is a note on the frames it concerns, never an error of the page.
//! Included by `tests/source.rs`.

use domain::source::{CodeMappingInput, SourceNote};
use server::audit::Actor;
use server::source::SourceService;
use server::storage::unix_ms_now;

use super::fake_github::{Config, FakeGitHub, Mode};
use super::store::{self, TestDb};
use super::{
    REPO_URL, SHA, TOKEN, fake, note, results, snippet, source_of, stored_event, token_input,
};

const PYTHON_WITH_GONE_FILE: &str = "Traceback (most recent call last):
  File \"/srv/app/checkout/views.py\", line 42, in create_order
    total = parse_amount(form[\"amount\"])
  File \"/srv/app/checkout/gone.py\", line 3, in helper
    return parse_amount(raw)
  File \"/srv/app/checkout/amounts.py\", line 7, in parse_amount
    raise ValueError(f\"bad amount {raw!r}\")
ValueError: bad amount 'x'
";

pub async fn missing_file_is_a_note_on_that_frame_only(db: &TestDb) {
    let fake = fake(Some(TOKEN)).await;
    let source = SourceService::new(db.store.clone(), &fake.url);
    let repo = source
        .save_repository(&Actor::cli(), &token_input(TOKEN))
        .await
        .expect("link");
    source
        .save_code_mapping(&CodeMappingInput {
            repository_id: repo.id,
            service: None,
            stack_root: "/srv/app".into(),
            source_root: "shop".into(),
        })
        .await
        .expect("mapping");
    let tags = [("git.repository_url", REPO_URL), ("git.commit.sha", SHA)];
    let event = stored_event(
        &db.store,
        "checkout",
        PYTHON_WITH_GONE_FILE,
        "python",
        &tags,
    )
    .await;
    let got = source_of(&source, event).await;
    let frames = results(&got);
    assert_eq!(frames.len(), 3);
    snippet(frames[0]);
    assert_eq!(
        note(frames[1]),
        &SourceNote::FileMissing {
            path: "shop/checkout/gone.py".into()
        }
    );
    snippet(frames[2]);
    // The missing file is remembered: no second request for it.
    fake.clear_requests();
    source_of(&source, event).await;
    assert_eq!(fake.request_count(), 0);
}

pub async fn bad_token_is_a_note_and_shows_in_settings(db: &TestDb) {
    let fake = fake(Some(TOKEN)).await;
    let source = SourceService::new(db.store.clone(), &fake.url);
    source
        .save_repository(&Actor::cli(), &token_input("ghp_wrong"))
        .await
        .expect("link");
    let tags = [("git.repository_url", REPO_URL), ("git.commit.sha", SHA)];
    let event = stored_event(&db.store, "checkout", store::PYTHON_STACK, "python", &tags).await;
    let got = source_of(&source, event).await;
    assert!(!got.frames.is_empty());
    for result in results(&got) {
        assert_eq!(note(result), &SourceNote::BadCredentials);
    }
    let settings = source.settings().await.expect("settings");
    assert_eq!(
        settings.repositories[0].last_error.as_deref(),
        Some("GitHub refused the credentials")
    );
}

pub async fn rate_limit_stops_calls_until_reset(db: &TestDb) {
    let fake = fake(Some(TOKEN)).await;
    let source = SourceService::new(db.store.clone(), &fake.url);
    source
        .save_repository(&Actor::cli(), &token_input(TOKEN))
        .await
        .expect("link");
    let reset = unix_ms_now() / 1000 + 3600;
    fake.set_mode(Mode::RateLimited { reset });
    let tags = [("git.repository_url", REPO_URL), ("git.commit.sha", SHA)];
    let event = stored_event(&db.store, "checkout", store::PYTHON_STACK, "python", &tags).await;
    let got = source_of(&source, event).await;
    for result in results(&got) {
        assert_eq!(
            note(result),
            &SourceNote::RateLimited {
                until: reset * 1000
            }
        );
    }
    assert_eq!(fake.request_count(), 1, "one call, then the backoff");
    // Until the reset: no call, from this instance or another one on the same database.
    fake.set_mode(Mode::Normal);
    fake.clear_requests();
    let other_instance = SourceService::new(db.reopen().await, &fake.url);
    for source in [&source, &other_instance] {
        let again = source_of(source, event).await;
        assert!(matches!(
            note(results(&again)[0]),
            SourceNote::RateLimited { .. }
        ));
    }
    assert_eq!(fake.request_count(), 0);
    // After the reset, calls resume.
    db.execute("UPDATE source_backoff SET until_ms = 0").await;
    let after = source_of(&source, event).await;
    snippet(results(&after)[0]);
}

pub async fn private_repositories_without_access(db: &TestDb) {
    // Private: every answer without the token is 404, the repository's included.
    let fake = fake(Some(TOKEN)).await;
    let source = SourceService::new(db.store.clone(), &fake.url);
    let tags = [("git.repository_url", REPO_URL), ("git.commit.sha", SHA)];
    let event = stored_event(&db.store, "checkout", store::PYTHON_STACK, "python", &tags).await;
    let got = source_of(&source, event).await;
    assert!(!got.frames.is_empty());
    for result in results(&got) {
        assert_eq!(note(result), &SourceNote::NoAccess);
    }
}

#[tokio::test]
async fn github_down_is_unavailable() {
    let db = TestDb::sqlite().await;
    // A port nobody listens on.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let closed = format!("http://{}", listener.local_addr().expect("addr"));
    drop(listener);
    let source = SourceService::new(db.store.clone(), &closed);
    source
        .save_repository(&Actor::cli(), &token_input(TOKEN))
        .await
        .expect("link");
    let tags = [("git.repository_url", REPO_URL), ("git.commit.sha", SHA)];
    let event = stored_event(&db.store, "checkout", store::PYTHON_STACK, "python", &tags).await;
    let got = source_of(&source, event).await;
    for result in results(&got) {
        assert!(
            matches!(note(result), SourceNote::Unavailable { .. }),
            "{result:?}"
        );
    }
    // A 5xx is the same note.
    let fake = fake(Some(TOKEN)).await;
    fake.set_mode(Mode::Failing(502));
    let source = SourceService::new(db.store.clone(), &fake.url);
    let got = source_of(&source, event).await;
    assert_eq!(
        note(results(&got)[0]),
        &SourceNote::Unavailable {
            reason: "GitHub answered 502".into()
        }
    );
}

#[tokio::test]
async fn large_files_come_through_the_blob_api_and_binary_files_are_notes() {
    let db = TestDb::sqlite().await;
    let dir = std::env::temp_dir().join(format!("stackprint-fake-repo-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("app")).expect("repo dir");
    // Over 1 MB: the contents API answers without content.
    let big: String = (1..=25_000)
        .map(|n| format!("value_{n} = compute({n})  # padding to make the file large\n"))
        .collect();
    assert!(big.len() > 1024 * 1024);
    std::fs::write(dir.join("app/big.py"), &big).expect("big file");
    std::fs::write(dir.join("app/blob.py"), [0u8, 159, 146, 150, 0, 1]).expect("binary file");
    let fake = FakeGitHub::start(Config::new(&dir, "acme/shop", None))
        .await
        .expect("fake");
    let source = SourceService::new(db.store.clone(), &fake.url);
    let stack = "Traceback (most recent call last):
  File \"/srv/app/big.py\", line 20000, in <module>
    value_30000 = compute(30000)
  File \"/srv/app/blob.py\", line 1, in <module>
    x
ValueError: x
";
    let tags = [("git.repository_url", REPO_URL), ("git.commit.sha", SHA)];
    let event = stored_event(&db.store, "checkout", stack, "python", &tags).await;
    let got = source_of(&source, event).await;
    let frames = results(&got);
    let big = snippet(frames[0]);
    assert_eq!(
        big.lines[5],
        "value_20000 = compute(20000)  # padding to make the file large"
    );
    assert!(fake.requests().iter().any(|r| r.contains("/git/blobs/")));
    assert_eq!(
        note(frames[1]),
        &SourceNote::NotText {
            path: "app/blob.py".into()
        }
    );
    let _ = std::fs::remove_dir_all(&dir);
}
