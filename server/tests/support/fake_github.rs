//! A fake GitHub REST API on loopback: serves a directory as one repository's content at any commit,
//! with GitHub's response shapes (repository, recursive trees, contents with base64 wrapped at 60
//! columns, blobs, installation tokens), its error bodies (404 `Not Found`, 401 `Bad credentials`, 403
//! rate limit with `x-ratelimit-*` headers) and a log of the requests it answered, so tests can prove
//! what the cache saved. Used by `tests/source.rs` and, as `examples/fake_github.rs`, by the browser
//! tests.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path as FsPath, PathBuf};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use serde_json::{Value, json};

/// Contents larger than this come without `content` (`encoding: "none"`), as on GitHub.
const CONTENTS_MAX: usize = 1024 * 1024;

/// What the fake answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Normal,
    /// Every request: 403 with `x-ratelimit-remaining: 0` and `x-ratelimit-reset` (Unix seconds).
    RateLimited {
        reset: i64,
    },
    /// Every request: this status with GitHub's error body.
    Failing(u16),
}

#[derive(Debug, Clone)]
pub struct Config {
    /// The directory served as the repository's root.
    pub root: PathBuf,
    pub owner: String,
    pub name: String,
    /// The token requests must carry; a different one is answered 401. `None`: anonymous only.
    pub token: Option<String>,
    /// Without a valid token, the repository answers 404 (a private repository).
    pub private: bool,
    pub default_branch: String,
}

impl Config {
    pub fn new(root: impl Into<PathBuf>, repo: &str, token: Option<&str>) -> Self {
        let (owner, name) = repo.split_once('/').unwrap_or((repo, repo));
        Self {
            root: root.into(),
            owner: owner.to_owned(),
            name: name.to_owned(),
            token: token.map(str::to_owned),
            private: token.is_some(),
            default_branch: "main".to_owned(),
        }
    }
}

struct Shared {
    config: Config,
    mode: Mutex<Mode>,
    log: Mutex<Vec<String>>,
    base: String,
}

/// A running fake; stops with the test's runtime.
#[derive(Clone)]
pub struct FakeGitHub {
    pub addr: SocketAddr,
    /// `http://127.0.0.1:PORT`, the API base to configure.
    pub url: String,
    shared: Arc<Shared>,
}

impl FakeGitHub {
    pub async fn start(config: Config) -> std::io::Result<Self> {
        Self::start_on(config, 0).await
    }

    pub async fn start_on(config: Config, port: u16) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
        let addr = listener.local_addr()?;
        let url = format!("http://{addr}");
        let shared = Arc::new(Shared {
            config,
            mode: Mutex::new(Mode::Normal),
            log: Mutex::new(Vec::new()),
            base: url.clone(),
        });
        let router = Router::new()
            .route("/repos/{owner}/{name}", get(repository))
            .route("/repos/{owner}/{name}/git/trees/{sha}", get(tree))
            .route("/repos/{owner}/{name}/git/blobs/{sha}", get(blob))
            .route("/repos/{owner}/{name}/contents/{*path}", get(contents))
            .route("/app/installations/{id}/access_tokens", post(access_token))
            .fallback(|| async { not_found() })
            .layer(axum::middleware::from_fn_with_state(shared.clone(), gate))
            .with_state(shared.clone());
        tokio::spawn(async move { axum::serve(listener, router).await });
        Ok(Self { addr, url, shared })
    }

    pub fn set_mode(&self, mode: Mode) {
        *lock(&self.shared.mode) = mode;
    }

    /// `METHOD /path?query` of every request answered, oldest first.
    pub fn requests(&self) -> Vec<String> {
        lock(&self.shared.log).clone()
    }

    pub fn request_count(&self) -> usize {
        lock(&self.shared.log).len()
    }

    pub fn clear_requests(&self) {
        lock(&self.shared.log).clear();
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn error(status: StatusCode, message: &str, docs: &str) -> Response {
    (
        status,
        axum::Json(json!({
            "message": message,
            "documentation_url": format!("https://docs.github.com/rest{docs}"),
            "status": status.as_u16().to_string(),
        })),
    )
        .into_response()
}

fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "Not Found", "")
}

fn with_rate_headers(mut response: Response, remaining: u32, reset: i64) -> Response {
    let headers = response.headers_mut();
    let mut put = |name: &'static str, value: String| {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    };
    put("x-ratelimit-limit", "5000".into());
    put("x-ratelimit-remaining", remaining.to_string());
    put("x-ratelimit-reset", reset.to_string());
    put("x-ratelimit-used", (5000 - remaining).to_string());
    put("x-ratelimit-resource", "core".into());
    response
}

fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0))
}

/// Logs every request, applies the failure mode and checks the token.
async fn gate(
    State(shared): State<Arc<Shared>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let uri = request.uri();
    let line = format!(
        "{} {}",
        request.method(),
        uri.path_and_query().map_or(uri.path(), |pq| pq.as_str())
    );
    lock(&shared.log).push(line);
    let mode = *lock(&shared.mode);
    match mode {
        Mode::RateLimited { reset } => {
            let response = error(
                StatusCode::FORBIDDEN,
                "API rate limit exceeded for installation. If you reach out to GitHub Support for help, please include the request ID.",
                "/overview/rate-limits-for-the-rest-api",
            );
            return with_rate_headers(response, 0, reset);
        }
        Mode::Failing(status) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
            return error(status, "Server Error", "");
        }
        Mode::Normal => {}
    }
    let presented = request
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.trim_start_matches("Bearer ")
                .trim_start_matches("token ")
                .to_owned()
        });
    let is_token_request = request.uri().path().starts_with("/app/");
    let authorized = match (&presented, &shared.config.token) {
        (None, _) => false,
        // App JWTs are checked by the token endpoint only.
        (Some(_), _) if is_token_request => true,
        (Some(given), Some(expected)) if given == expected => true,
        (Some(_), _) => {
            return with_rate_headers(
                error(StatusCode::UNAUTHORIZED, "Bad credentials", ""),
                4999,
                now_secs() + 3600,
            );
        }
    };
    if shared.config.private && !authorized {
        return not_found();
    }
    with_rate_headers(next.run(request).await, 4998, now_secs() + 3600)
}

fn same_repo(shared: &Shared, owner: &str, name: &str) -> bool {
    owner.eq_ignore_ascii_case(&shared.config.owner)
        && name.eq_ignore_ascii_case(&shared.config.name)
}

async fn repository(
    State(shared): State<Arc<Shared>>,
    Path((owner, name)): Path<(String, String)>,
) -> Response {
    if !same_repo(&shared, &owner, &name) {
        return not_found();
    }
    let c = &shared.config;
    let full = format!("{}/{}", c.owner, c.name);
    axum::Json(json!({
        "id": 1296269,
        "node_id": "MDEwOlJlcG9zaXRvcnkxMjk2MjY5",
        "name": c.name,
        "full_name": full,
        "owner": {"login": c.owner, "id": 1, "type": "Organization"},
        "private": c.private,
        "html_url": format!("https://github.com/{full}"),
        "url": format!("{}/repos/{full}", shared.base),
        "default_branch": c.default_branch,
        "visibility": if c.private { "private" } else { "public" },
    }))
    .into_response()
}

/// Every file under `root`, relative with `/` separators, sorted.
fn files(root: &FsPath) -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(relative) = path.strip_prefix(root) {
                let relative = relative.to_string_lossy().replace('\\', "/");
                out.push((relative, path));
            }
        }
    }
    out.sort();
    out
}

/// A stable 40-hex "sha" of a path's bytes (not git's, but shaped like it).
fn sha_of(bytes: &[u8]) -> String {
    let mut a: u64 = 0xcbf2_9ce4_8422_2325;
    let mut b: u64 = 0x8422_2325_cbf2_9ce4;
    for &byte in bytes {
        a = (a ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        b = (b ^ u64::from(byte))
            .wrapping_mul(0x0000_0100_0000_01b3)
            .rotate_left(5);
    }
    format!("{a:016x}{b:016x}{:08x}", (a ^ b) as u32)
}

async fn tree(
    State(shared): State<Arc<Shared>>,
    Path((owner, name, sha)): Path<(String, String, String)>,
    RawQuery(query): RawQuery,
) -> Response {
    if !same_repo(&shared, &owner, &name) {
        return not_found();
    }
    let recursive = query.is_some_and(|q| q.contains("recursive="));
    let full = format!("{}/{}", shared.config.owner, shared.config.name);
    let mut dirs = BTreeMap::new();
    let mut entries = Vec::new();
    for (path, fs_path) in files(&shared.config.root) {
        let mut prefix = String::new();
        for part in path
            .split('/')
            .collect::<Vec<_>>()
            .split_last()
            .map_or(&[][..], |(_, d)| d)
        {
            prefix = if prefix.is_empty() {
                (*part).to_owned()
            } else {
                format!("{prefix}/{part}")
            };
            dirs.entry(prefix.clone())
                .or_insert_with(|| sha_of(prefix.as_bytes()));
        }
        if !recursive && path.contains('/') {
            continue;
        }
        let bytes = std::fs::read(&fs_path).unwrap_or_default();
        let blob = sha_of(&bytes);
        entries.push(json!({
            "path": path,
            "mode": "100644",
            "type": "blob",
            "sha": blob,
            "size": bytes.len(),
            "url": format!("{}/repos/{full}/git/blobs/{blob}", shared.base),
        }));
    }
    for (dir, sha) in dirs {
        if !recursive && dir.contains('/') {
            continue;
        }
        entries.push(json!({
            "path": dir,
            "mode": "040000",
            "type": "tree",
            "sha": sha,
            "url": format!("{}/repos/{full}/git/trees/{sha}", shared.base),
        }));
    }
    axum::Json(json!({
        "sha": sha,
        "url": format!("{}/repos/{full}/git/trees/{sha}", shared.base),
        "tree": entries,
        "truncated": false,
    }))
    .into_response()
}

fn wrapped_base64(bytes: &[u8]) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
    let mut out = String::with_capacity(encoded.len() + encoded.len() / 60 + 1);
    for chunk in encoded.as_bytes().chunks(60) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out
}

async fn contents(
    State(shared): State<Arc<Shared>>,
    Path((owner, name, path)): Path<(String, String, String)>,
    RawQuery(query): RawQuery,
) -> Response {
    if !same_repo(&shared, &owner, &name) || path.split('/').any(|s| s == ".." || s.is_empty()) {
        return not_found();
    }
    let git_ref = query
        .as_deref()
        .and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("ref=")))
        .unwrap_or(&shared.config.default_branch)
        .to_owned();
    let full = format!("{}/{}", shared.config.owner, shared.config.name);
    let fs_path = shared.config.root.join(&path);
    if fs_path.is_dir() {
        let listing: Vec<Value> = files(&fs_path)
            .into_iter()
            .filter(|(p, _)| !p.contains('/'))
            .map(|(p, _)| json!({"name": p, "path": format!("{path}/{p}"), "type": "file"}))
            .collect();
        return axum::Json(listing).into_response();
    }
    let Ok(bytes) = std::fs::read(&fs_path) else {
        return not_found();
    };
    let sha = sha_of(&bytes);
    let file_name = path.rsplit('/').next().unwrap_or(&path);
    let self_url = format!("{}/repos/{full}/contents/{path}?ref={git_ref}", shared.base);
    let git_url = format!("{}/repos/{full}/git/blobs/{sha}", shared.base);
    let html_url = format!("https://github.com/{full}/blob/{git_ref}/{path}");
    let (content, encoding) = if bytes.len() > CONTENTS_MAX {
        (String::new(), "none")
    } else {
        (wrapped_base64(&bytes), "base64")
    };
    axum::Json(json!({
        "type": "file",
        "encoding": encoding,
        "size": bytes.len(),
        "name": file_name,
        "path": path,
        "content": content,
        "sha": sha,
        "url": self_url,
        "git_url": git_url,
        "html_url": html_url,
        "download_url": format!("https://raw.githubusercontent.com/{full}/{git_ref}/{path}"),
        "_links": {"self": self_url, "git": git_url, "html": html_url},
    }))
    .into_response()
}

async fn blob(
    State(shared): State<Arc<Shared>>,
    Path((owner, name, sha)): Path<(String, String, String)>,
) -> Response {
    if !same_repo(&shared, &owner, &name) {
        return not_found();
    }
    let full = format!("{}/{}", shared.config.owner, shared.config.name);
    for (_, fs_path) in files(&shared.config.root) {
        let bytes = std::fs::read(&fs_path).unwrap_or_default();
        if sha_of(&bytes) == sha {
            return axum::Json(json!({
                "sha": sha,
                "node_id": "B_kwDOAAAAAA",
                "size": bytes.len(),
                "url": format!("{}/repos/{full}/git/blobs/{sha}", shared.base),
                "content": wrapped_base64(&bytes),
                "encoding": "base64",
            }))
            .into_response();
        }
    }
    not_found()
}

/// GitHub App installation tokens: any JWT gets the configured token.
async fn access_token(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let has_jwt = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("Bearer ey"));
    let Some(token) = shared.config.token.clone().filter(|_| has_jwt) else {
        return error(
            StatusCode::UNAUTHORIZED,
            "A JSON web token could not be decoded",
            "",
        );
    };
    let expires = now_secs() + 3600;
    (
        StatusCode::CREATED,
        axum::Json(json!({
            "token": token,
            "expires_at": format_rfc3339(expires),
            "permissions": {"contents": "read", "metadata": "read"},
            "repository_selection": "selected",
        })),
    )
        .into_response()
}

/// `2026-11-25T08:00:00Z` from Unix seconds.
fn format_rfc3339(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}
