//! The source endpoints over real HTTP: validation answers, and that no response nor log line ever
//! holds a token. Included by `tests/source.rs`.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use axum::Router;
use server::http::{api_router, source_api_router};
use server::source::SourceService;

use super::client::Http;
use super::store::{PYTHON_STACK, TestDb};
use super::{REPO_URL, SHA, TOKEN, fake, stored_event};

/// Everything every test of this binary logged, at every level.
fn log() -> &'static Arc<Mutex<Vec<u8>>> {
    static LOG: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOG.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let sink = buffer.clone();
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("trace"))
            .with_writer(move || Sink(sink.clone()))
            .try_init();
        buffer
    })
}

struct Sink(Arc<Mutex<Vec<u8>>>);

impl Write for Sink {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn logged() -> String {
    let log = log()
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    String::from_utf8_lossy(&log).into_owned()
}

struct Api {
    http: Http,
}

impl Api {
    async fn start(db: &TestDb, github: &str) -> Self {
        let source = SourceService::new(db.store.clone(), github);
        let router = Router::new().nest(
            "/api/v1",
            api_router(db.store.clone()).merge(source_api_router(source)),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr").to_string();
        tokio::spawn(async move { axum::serve(listener, router).await });
        Self {
            http: Http::connect(&addr).await.expect("connect"),
        }
    }

    async fn call(&mut self, method: &str, path: &str, body: &str) -> (u16, String) {
        let headers: &[(&str, &str)] = if body.is_empty() {
            &[]
        } else {
            &[("Content-Type", "application/json")]
        };
        self.http
            .request(method, path, headers, body.as_bytes())
            .await
            .expect("request")
    }
}

fn repository_body(token: &str) -> String {
    serde_json::json!({
        "owner": "acme",
        "name": "shop",
        "credentials": {"kind": "token", "token": token},
        "services": ["checkout"],
    })
    .to_string()
}

#[tokio::test]
async fn no_response_nor_log_line_holds_a_token() {
    log();
    let second = "ghp_SecondTokenAlsoSecret0987654321";
    let wrong = "ghp_WrongTokenStillSecret5555555555";
    let fake = fake(Some(TOKEN)).await;
    let db = TestDb::sqlite().await;
    let mut api = Api::start(&db, &fake.url).await;
    let mut bodies = Vec::new();

    let (status, body) = api
        .call("POST", "/api/v1/repositories", &repository_body(TOKEN))
        .await;
    assert_eq!(status, 201, "{body}");
    let id = serde_json::from_str::<serde_json::Value>(&body).expect("json")["id"]
        .as_i64()
        .expect("id");
    bodies.push(body);
    let path = format!("/api/v1/repositories/{id}");
    for token in [second, TOKEN] {
        let (status, body) = api.call("PUT", &path, &repository_body(token)).await;
        assert_eq!(status, 200, "{body}");
        bodies.push(body);
    }
    let keep = r#"{"owner":"acme","name":"shop","credentials":{"kind":"keep"},"services":[]}"#;
    let (status, body) = api.call("PUT", &path, keep).await;
    assert_eq!(status, 200, "{body}");
    bodies.push(body);
    let (status, body) = api.call("GET", "/api/v1/repositories", "").await;
    assert_eq!(status, 200);
    bodies.push(body);

    let tags = [
        ("_dd.git.repository_url", REPO_URL),
        ("_dd.git.commit.sha", SHA),
    ];
    let event = stored_event(&db.store, "checkout", PYTHON_STACK, "python", &tags).await;
    let (status, body) = api
        .call(
            "GET",
            &format!("/api/v1/events/{event}/source?context=3"),
            "",
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("shop/checkout/views.py"), "{body}");
    bodies.push(body);

    // Rejected bodies never echo their values, even a token in the wrong field.
    let misplaced = serde_json::json!({
        "owner": "acme", "name": "shop",
        "credentials": {"kind": "app", "app_id": TOKEN, "installation_id": 1, "private_key": TOKEN},
        "services": [],
    });
    let (status, body) = api
        .call("POST", "/api/v1/repositories", &misplaced.to_string())
        .await;
    assert_eq!(status, 400, "{body}");
    bodies.push(body);
    let (status, body) = api
        .call("POST", "/api/v1/repositories", &repository_body(TOKEN))
        .await;
    assert_eq!(status, 409, "{body}");
    bodies.push(body);

    // A wrong token: notes on the frames, the failure on the settings, the token nowhere.
    let (status, body) = api.call("PUT", &path, &repository_body(wrong)).await;
    assert_eq!(status, 200, "{body}");
    bodies.push(body);
    let other = stored_event(
        &db.store,
        "checkout-2",
        PYTHON_STACK,
        "python",
        &[
            ("git.repository_url", REPO_URL),
            ("git.commit.sha", "0123456789abcdef0123456789abcdef01234567"),
        ],
    )
    .await;
    let (status, body) = api
        .call("GET", &format!("/api/v1/events/{other}/source"), "")
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("bad_credentials"), "{body}");
    bodies.push(body);
    let (_, body) = api.call("GET", "/api/v1/repositories", "").await;
    assert!(body.contains("GitHub refused the credentials"), "{body}");
    bodies.push(body);

    for body in &bodies {
        for token in [TOKEN, second, wrong] {
            assert!(!body.contains(token), "a response holds a token: {body}");
        }
    }
    let logged = logged();
    assert!(!logged.is_empty(), "the log capture works");
    for token in [TOKEN, second, wrong] {
        assert!(!logged.contains(token), "the log holds a token");
    }
}

#[tokio::test]
async fn invalid_requests_get_reasons() {
    let db = TestDb::sqlite().await;
    let mut api = Api::start(&db, "http://127.0.0.1:9").await;
    let body = |owner: &str, base: &str| {
        serde_json::json!({
            "owner": owner, "name": "shop", "api_base_url": base,
            "credentials": {"kind": "none"}, "services": [],
        })
        .to_string()
    };
    let (status, _) = api
        .call("POST", "/api/v1/repositories", &body("acme", ""))
        .await;
    assert_eq!(status, 201);
    let cases: Vec<(&str, String, String, u16, &str)> = vec![
        (
            "POST",
            "/api/v1/repositories".into(),
            body("ac/me", ""),
            400,
            "owner",
        ),
        (
            "POST",
            "/api/v1/repositories".into(),
            body("acme", "ftp://ghe"),
            400,
            "https://",
        ),
        (
            "POST",
            "/api/v1/repositories".into(),
            body("acme", "https://u:p@ghe/api/v3"),
            400,
            "API base URL",
        ),
        (
            "POST",
            "/api/v1/repositories".into(),
            body("acme", ""),
            409,
            "already linked",
        ),
        (
            "POST",
            "/api/v1/repositories".into(),
            "{".into(),
            400,
            "not valid JSON",
        ),
        (
            "POST",
            "/api/v1/repositories".into(),
            r#"{"owner":"acme"}"#.into(),
            400,
            "missing or mistyped",
        ),
        (
            "PUT",
            "/api/v1/repositories/9999".into(),
            body("acme", ""),
            404,
            "repository not found",
        ),
        (
            "PUT",
            "/api/v1/repositories/x".into(),
            body("acme", ""),
            400,
            "integer",
        ),
        (
            "DELETE",
            "/api/v1/repositories/9999".into(),
            String::new(),
            404,
            "not found",
        ),
        (
            "POST",
            "/api/v1/code-mappings".into(),
            r#"{"repository_id":9999,"stack_root":"/srv","source_root":""}"#.into(),
            404,
            "repository not found",
        ),
        (
            "POST",
            "/api/v1/code-mappings".into(),
            r#"{"repository_id":1,"stack_root":" ","source_root":""}"#.into(),
            400,
            "stack root",
        ),
        (
            "POST",
            "/api/v1/code-mappings".into(),
            r#"{"repository_id":1,"stack_root":"/srv","source_root":"../x"}"#.into(),
            400,
            "inside the repository",
        ),
        (
            "DELETE",
            "/api/v1/code-mappings/9999".into(),
            String::new(),
            404,
            "not found",
        ),
        (
            "GET",
            "/api/v1/events/abc/source".into(),
            String::new(),
            400,
            "integer",
        ),
        (
            "GET",
            "/api/v1/events/9999/source".into(),
            String::new(),
            404,
            "event not found",
        ),
        (
            "GET",
            "/api/v1/events/1/source?context=500".into(),
            String::new(),
            400,
            "context",
        ),
        (
            "GET",
            "/api/v1/events/1/source?context=-1".into(),
            String::new(),
            400,
            "context",
        ),
    ];
    for (method, path, body, want, reason) in cases {
        let (status, answer) = api.call(method, &path, &body).await;
        assert_eq!(status, want, "{method} {path} {body}: {answer}");
        assert!(answer.contains(reason), "{method} {path}: {answer}");
    }
    let (status, body) = api
        .call(
            "POST",
            "/api/v1/code-mappings",
            r#"{"repository_id":1,"service":"checkout","stack_root":"/srv/app/","source_root":"/shop/"}"#,
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert!(body.contains(r#""source_root":"shop""#), "{body}");
    let (status, body) = api.call("GET", "/api/v1/code-mappings", "").await;
    assert_eq!(status, 200);
    assert!(body.contains("/srv/app/"), "{body}");
    let (status, _) = api.call("DELETE", "/api/v1/repositories/1", "").await;
    assert_eq!(status, 204);
    let (_, body) = api.call("GET", "/api/v1/code-mappings", "").await;
    assert_eq!(
        body, r#"{"mappings":[]}"#,
        "mappings go with their repository"
    );
}
