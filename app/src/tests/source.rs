//! Source code in stack traces as the server renders it: snippets and notes under in-app frames and the
//! banner above the trace (the stack trace component in each state of the event's source), the issue
//! page not waiting for it, and its server function. The settings page is in `settings`.

mod settings;

use domain::source::{
    AuthKind, CodeMapping, CodeMappingInput, Credentials, EventSource, FrameSource,
    FrameSourceResult, Language as SourceLanguage, MappingUsed, Repository, RepositoryInput,
    RepositoryRef, Snippet, SourceNote, SourceSettings,
};

use super::*;
use crate::components::StackTrace;

/// What the fake stores for its linked repository: the settings page must never show it.
pub(super) const TOKEN: &str = "ghp_fakeSecretToken0123456789abcdefXYZ";
const COMMIT: &str = "abc1234def5678900000000000000000000000ff";

/// The issue page's fake, plus source settings and an event's source.
#[derive(Default)]
struct SourceFake {
    explorer: Fake,
    source: Option<EventSource>,
    source_fails: bool,
    settings: Option<SourceSettings>,
    /// The credentials the fake "stores", as a real backend would.
    stored_token: Mutex<Option<String>>,
    saved: Mutex<Vec<RepositoryInput>>,
    mappings_saved: Mutex<Vec<CodeMappingInput>>,
}

impl ExplorerBackend for SourceFake {
    fn list_issues(&self, query: IssueQuery) -> BackendFuture<'_, IssuePage> {
        self.explorer.list_issues(query)
    }

    fn issue(&self, id: i64) -> BackendFuture<'_, Option<IssueDetail>> {
        self.explorer.issue(id)
    }

    fn events(&self, id: i64, limit: u32, offset: u32) -> BackendFuture<'_, EventPage> {
        self.explorer.events(id, limit, offset)
    }

    fn activity(&self, id: i64) -> BackendFuture<'_, Option<ActivityPage>> {
        self.explorer.activity(id)
    }

    fn distribution(
        &self,
        id: i64,
        range: RangeQuery,
    ) -> BackendFuture<'_, Option<IssueDistribution>> {
        self.explorer.distribution(id, range)
    }

    fn source_settings(&self) -> BackendFuture<'_, SourceSettings> {
        let settings = self.settings.clone();
        Box::pin(
            async move { settings.ok_or_else(|| BackendError::Failed("no such table".to_owned())) },
        )
    }

    fn save_repository(&self, input: RepositoryInput) -> BackendFuture<'_, Repository> {
        if input.owner.is_empty() {
            return Box::pin(async { Err(BackendError::Invalid("the owner is empty".to_owned())) });
        }
        if let Credentials::Token { token } = &input.credentials {
            *self.stored_token.lock().expect("not poisoned") = Some(token.clone());
        }
        let repository = Repository {
            id: input.id.unwrap_or(9),
            owner: input.owner.clone(),
            name: input.name.clone(),
            api_base_url: input.api_base_url.clone(),
            auth: AuthKind::Token,
            services: input.services.clone(),
            created_at: hours_ago(1),
            last_error: None,
        };
        self.saved.lock().expect("not poisoned").push(input);
        Box::pin(async move { Ok(repository) })
    }

    fn save_code_mapping(&self, input: CodeMappingInput) -> BackendFuture<'_, CodeMapping> {
        let mapping = CodeMapping {
            id: 4,
            repository_id: input.repository_id,
            service: input.service.clone(),
            stack_root: input.stack_root.clone(),
            source_root: input.source_root.clone(),
        };
        self.mappings_saved
            .lock()
            .expect("not poisoned")
            .push(input);
        Box::pin(async move { Ok(mapping) })
    }

    fn event_source(&self, event_id: i64, context: u32) -> BackendFuture<'_, Option<EventSource>> {
        assert_eq!(context, crate::source_api::SNIPPET_CONTEXT);
        let result = if self.source_fails {
            Err(BackendError::Failed("connection reset".to_owned()))
        } else {
            Ok(self.source.clone().filter(|_| event_id == 1))
        };
        Box::pin(async move { result })
    }
}

fn source_router(fake: Arc<SourceFake>) -> Router {
    let backend = Backend(fake);
    app_router(move || provide_context(backend.clone()))
}

async fn source_send(fake: Arc<SourceFake>, request: Request<Body>) -> (StatusCode, String) {
    let answer = respond(source_router(fake), request).await;
    (answer.status, answer.body)
}

async fn source_get(fake: Arc<SourceFake>, uri: &str) -> (StatusCode, String) {
    source_send(
        fake,
        Request::get(uri).body(Body::empty()).expect("request"),
    )
    .await
}

/// The issue page's fake, its latest event (id 1) answered with `source`.
fn with_source(source: Option<EventSource>) -> Arc<SourceFake> {
    Arc::new(SourceFake {
        explorer: Fake {
            detail: Some(detail()),
            events: vec![event(1, 3)],
            distribution: Some(distribution()),
            ..Fake::default()
        },
        source,
        ..SourceFake::default()
    })
}

/// The stack trace component as the server would render it with the event's source in this state.
fn render(
    stacktrace: Stacktrace,
    source: Option<Result<Option<EventSource>, ServerFnError>>,
) -> String {
    let owner = Owner::new();
    owner.with(|| {
        let source = Signal::stored(source);
        view! { <StackTrace stacktrace raw="Traceback".to_owned() source /> }.to_html()
    })
}

fn found(source: EventSource) -> Option<Result<Option<EventSource>, ServerFnError>> {
    Some(Ok(Some(source)))
}

fn acme_shop() -> RepositoryRef {
    RepositoryRef {
        owner: "acme".to_owned(),
        name: "shop".to_owned(),
        html_url: "https://github.com/acme/shop".to_owned(),
    }
}

fn snippet() -> Snippet {
    let lines = [
        "import math",
        "",
        "def total(cart):",
        "    # the sum of the lines",
        "    count = len(cart)",
        "    return sum(cart) / count",
        "",
        "",
        "def lookup(key):",
        "    return PRICES[key]",
        "",
    ];
    Snippet {
        path: "shop/total.py".to_owned(),
        mapping: MappingUsed::Suffix {
            stack_root: "/srv/".to_owned(),
            source_root: "shop/".to_owned(),
        },
        first_line: 7,
        lines: lines.iter().map(|l| (*l).to_owned()).collect(),
        line: 12,
        url: format!("https://github.com/acme/shop/blob/{COMMIT}/shop/total.py#L12"),
        language: Some(SourceLanguage::Python),
    }
}

fn at_commit(frames: Vec<FrameSource>) -> EventSource {
    EventSource {
        repository: Some(acme_shop()),
        commit: Some(COMMIT.to_owned()),
        branch: None,
        frames,
        note: None,
    }
}

#[test]
fn in_app_frames_show_their_code_with_the_line_marked() {
    let source = at_commit(vec![
        FrameSource {
            exception: 0,
            frame: 2,
            result: FrameSourceResult::Snippet(snippet()),
        },
        FrameSource {
            exception: 1,
            frame: 0,
            result: FrameSourceResult::Snippet(Snippet {
                mapping: MappingUsed::Manual {
                    id: 3,
                    stack_root: "/srv/".to_owned(),
                    source_root: "shop/".to_owned(),
                },
                first_line: 9,
                lines: vec![
                    "def lookup(key):".to_owned(),
                    "    return PRICES[key]".to_owned(),
                ],
                line: 10,
                ..snippet()
            }),
        },
    ]);
    let html = render(stacktrace(), found(source));
    assert_contains(
        &html,
        &[
            // Where the code comes from.
            r#"Code from <a href="https://github.com/acme/shop">acme/shop</a>"#,
            &format!(r#"<code title="{COMMIT}">abc1234</code>"#),
            // The snippet: path, mapping, link, numbered and highlighted lines, the frame's line marked.
            r#"<code class="snippet-path">shop/total.py:12</code>"#,
            r#"<span class="snippet-mapping">mapped by suffix /srv/ → shop/</span>"#,
            &format!(
                r#"href="https://github.com/acme/shop/blob/{COMMIT}/shop/total.py#L12" target="_blank" rel="noopener noreferrer" class="view-on-github">View on GitHub</a>"#
            ),
            r#"<span aria-hidden="true" class="line-number"> 7</span>"#,
            r#"<span class="tok-keyword">def</span>"#,
            r#"<span class="tok-comment"># the sum of the lines</span>"#,
            r#"aria-label="Code of shop/total.py around line 12""#,
            "manual mapping #3: /srv/ → shop/",
        ],
    );
    // Exactly the frame's line is marked, for eyes and for screen readers.
    let marked: Vec<&str> = html
        .match_indices(
            r#"<span aria-current="true" title="The frame's line" class="snippet-line marked">"#,
        )
        .map(|(i, _)| &html[i..])
        .collect();
    assert_eq!(marked.len(), 2, "one marked line per snippet");
    let line = &marked[0][..marked[0].find('\n').expect("a line ends")];
    assert!(line.contains(r#"class="line-number">12</span>"#), "{line}");
    assert!(line.contains("</span> sum(cart) / count"), "{line}");
    assert!(
        line.contains(r#"<span class="visually-hidden"> (the frame's line)</span>"#),
        "{line}"
    );
    let line = &marked[1][..marked[1].find('\n').expect("a line ends")];
    assert!(line.contains(r#"class="line-number">10</span>"#), "{line}");
    // The frames themselves render as before; library frames stay folded.
    assert_contains(&html, &["2 library frames", "/srv/total.py:12"]);
}

/// A stack of `n` in-app frames.
fn in_app_frames(n: usize) -> Stacktrace {
    Stacktrace {
        exceptions: vec![Exception {
            error_type: Some("ZeroDivisionError".to_owned()),
            message: None,
            frames: (0..n).map(|i| frame(&format!("f{i}"), true)).collect(),
        }],
        ..stacktrace()
    }
}

#[test]
fn each_note_explains_itself_on_its_frame() {
    let path = |p: &str| p.to_owned();
    let notes = [
        (
            SourceNote::NoRepository,
            "no-repository",
            "No repository is linked for this service: link one in",
        ),
        (
            SourceNote::NotMapped {
                path: path("/srv/f1.py"),
            },
            "not-mapped",
            "No code mapping or file in acme/shop matches /srv/f1.py: add a mapping in",
        ),
        (
            SourceNote::FileMissing {
                path: path("shop/f2.py"),
            },
            "file-missing",
            "File not found at abc1234 in acme/shop: shop/f2.py",
        ),
        (
            SourceNote::LineOutOfRange {
                path: path("shop/f3.py"),
                lines: 8,
            },
            "line-out-of-range",
            "shop/f3.py has only 8 lines at abc1234 in acme/shop: the code changed or the mapping is wrong",
        ),
        (
            SourceNote::NotText {
                path: path("shop/f4.bin"),
            },
            "not-text",
            "shop/f4.bin is binary or too large to show",
        ),
        (
            SourceNote::BadCredentials,
            "bad-credentials",
            "The credentials for acme/shop were rejected by GitHub: check",
        ),
        (
            SourceNote::NoAccess,
            "no-access",
            "No access to acme/shop: it is private or the credentials lack access to it; check",
        ),
        // 2026-11-25 10:42:00 UTC.
        (
            SourceNote::RateLimited {
                until: 1_795_603_320_000,
            },
            "rate-limited",
            "GitHub rate limit reached; retry after 10:42 UTC",
        ),
        (
            SourceNote::Unavailable {
                reason: path("connection refused"),
            },
            "unavailable",
            "GitHub could not be reached: connection refused",
        ),
    ];
    let frames = notes
        .iter()
        .enumerate()
        .map(|(frame, (note, ..))| FrameSource {
            exception: 0,
            frame,
            result: FrameSourceResult::Note(note.clone()),
        })
        .collect();
    let html = render(in_app_frames(notes.len()), found(at_commit(frames)));
    for (_, kind, text) in &notes {
        assert_contains(
            &html,
            &[&format!(
                r#"<p role="note" class="source-note note-{kind}">{text}"#
            )],
        );
    }
    // Notes whose fix is in the settings link there.
    assert_eq!(
        html.matches(r#"<a href="/settings/source">Settings → Source code</a>"#)
            .count(),
        4
    );
}

#[test]
fn without_a_commit_the_branch_is_shown_with_a_warning() {
    let source = EventSource {
        commit: None,
        branch: Some("main".to_owned()),
        ..at_commit(vec![FrameSource {
            exception: 0,
            frame: 2,
            result: FrameSourceResult::Snippet(Snippet {
                url: "https://github.com/acme/shop/blob/main/shop/total.py#L12".to_owned(),
                ..snippet()
            }),
        }])
    };
    let html = render(stacktrace(), found(source));
    assert_contains(
        &html,
        &[
            r#"<p role="note" class="source-banner warning"><strong>No commit on this event: </strong>showing <code>main</code>, which may have changed since.</p>"#,
            r#" on <code>main</code>"#,
            r#"href="https://github.com/acme/shop/blob/main/shop/total.py#L12""#,
        ],
    );
}

#[test]
fn without_a_repository_the_trace_links_to_settings() {
    let source = EventSource {
        repository: None,
        commit: Some(COMMIT.to_owned()),
        branch: None,
        frames: Vec::new(),
        note: Some(SourceNote::NoRepository),
    };
    let html = render(stacktrace(), found(source));
    assert_contains(
        &html,
        &[
            r#"<p role="note" class="source-banner hint">See the code of in-app frames here: link this service's GitHub repository in <a href="/settings/source">Settings → Source code</a>.</p>"#,
        ],
    );
    assert!(!html.contains("snippet-line"));
    assert!(!html.contains("Code from"));
}

#[test]
fn failing_or_loading_source_leaves_the_trace_as_it_was() {
    let html = render(
        stacktrace(),
        Some(Err(ServerFnError::new(
            "Could not load the source code; see the server log.",
        ))),
    );
    assert_contains(
        &html,
        &[
            "2 library frames",
            r#"<p role="note" class="source-banner error">The code of the frames could not be loaded. <!>Could not load the source code; see the server log.</p>"#,
        ],
    );
    assert!(!html.contains("source-note"));
    // Still loading (on the server it always is), or an unknown event: the trace as it always was.
    let plain = render(stacktrace(), None);
    for source in [None, Some(Ok(None))] {
        let html = render(stacktrace(), source);
        assert_eq!(html, plain);
        assert!(!html.contains("source-") && !html.contains("Loading the code"));
    }
}

/// The issue page renders without waiting for source: the browser asks for it after hydration.
#[tokio::test]
async fn the_issue_page_never_waits_for_source_and_the_browser_gets_it_as_json() {
    let source = at_commit(vec![
        FrameSource {
            exception: 0,
            frame: 2,
            result: FrameSourceResult::Snippet(snippet()),
        },
        FrameSource {
            exception: 1,
            frame: 0,
            result: FrameSourceResult::Note(SourceNote::BadCredentials),
        },
    ]);
    let fake = with_source(Some(source.clone()));
    let (status, html) = source_get(fake.clone(), "/issues/7").await;
    assert_eq!(status, StatusCode::OK);
    assert_contains(&html, &["2 library frames", "Why these events grouped"]);
    assert!(!html.contains("snippet"));

    let (status, body) = source_send(
        fake.clone(),
        json_request("/api/ui/source/event", r#"{"event_id":1}"#),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let answer: Option<EventSource> = serde_json::from_str(&body).expect("json");
    assert_eq!(answer, Some(source));
    let (_, body) = source_send(
        fake,
        json_request("/api/ui/source/event", r#"{"event_id":99}"#),
    )
    .await;
    assert_eq!(body, "null");

    let failing = Arc::new(SourceFake {
        source_fails: true,
        ..Arc::into_inner(with_source(None)).expect("only owner")
    });
    let (status, body) = source_send(
        failing,
        json_request("/api/ui/source/event", r#"{"event_id":1}"#),
    )
    .await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(
        body.contains("Could not load the source code; see the server log."),
        "{body}"
    );
    assert!(
        !body.contains("connection reset"),
        "internals stay in the log"
    );
}
