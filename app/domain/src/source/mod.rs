//! Source code in stack traces: linked repositories, how stack frame paths map to repository paths, and
//! the code snippets the issue page shows under in-app frames. The API and page types live here so the
//! server and the WASM client share them; none of them ever holds a credential.

pub mod codeowners;
pub mod highlight;
pub mod mapping;
pub mod repo_url;

use serde::{Deserialize, Serialize};

/// How the server authenticates to GitHub for a repository. Only the kind leaves the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthKind {
    /// Anonymous: public repositories only, at GitHub's lower rate limit.
    None,
    /// A personal access token (classic or fine-grained).
    Token,
    /// A GitHub App installation: the server mints installation tokens from the app's private key.
    App,
}

/// A linked repository as pages and API responses see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Repository {
    pub id: i64,
    pub owner: String,
    pub name: String,
    /// GitHub Enterprise API base (`https://github.example.com/api/v3`); `None` for github.com.
    pub api_base_url: Option<String>,
    pub auth: AuthKind,
    /// Services whose frames this repository serves, besides those whose spans name it.
    pub services: Vec<String>,
    /// Unix milliseconds.
    pub created_at: i64,
    /// The last GitHub failure for this repository (bad token, no access), shown on the settings page.
    pub last_error: Option<String>,
}

/// Credentials as a settings form sends them. Never serialized back out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Credentials {
    None,
    Token {
        token: String,
    },
    App {
        app_id: u64,
        installation_id: u64,
        /// PEM.
        private_key: String,
    },
    /// On update: leave the stored credentials as they are.
    Keep,
}

/// Creates or (with `id`) updates a linked repository.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepositoryInput {
    pub id: Option<i64>,
    pub owner: String,
    pub name: String,
    pub api_base_url: Option<String>,
    pub credentials: Credentials,
    pub services: Vec<String>,
}

/// A manual path mapping, like Sentry's code mappings: a frame path starting with `stack_root` maps to
/// `source_root` plus the rest of the path in `repository_id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeMapping {
    pub id: i64,
    pub repository_id: i64,
    /// `None` applies to every service of the repository.
    pub service: Option<String>,
    pub stack_root: String,
    pub source_root: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeMappingInput {
    pub repository_id: i64,
    pub service: Option<String>,
    pub stack_root: String,
    pub source_root: String,
}

/// Repositories seen in span tags (`git.repository_url` and its aliases) with the services that named
/// them, so the settings page can offer them for linking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeenRepository {
    pub url: String,
    pub owner: String,
    pub name: String,
    pub services: Vec<String>,
    /// The linked repository it resolves to, if any.
    pub linked: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceSettings {
    pub repositories: Vec<Repository>,
    pub mappings: Vec<CodeMapping>,
    pub seen: Vec<SeenRepository>,
}

/// An issue's suggested owners: the linked repository's `CODEOWNERS` rule for the repository path of
/// the culprit frame of its latest event ([`codeowners`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuggestedOwners {
    /// `@user`, `@org/team` or emails, in `CODEOWNERS` order; empty when none apply.
    pub owners: Vec<String>,
    /// The culprit frame's repository path, when it mapped to one.
    pub path: Option<String>,
    /// The `CODEOWNERS` file that was found (`.github/CODEOWNERS`).
    pub codeowners: Option<String>,
    /// The deciding rule's line on GitHub, at the commit read.
    pub rule_url: Option<String>,
    /// Why GitHub could not be read this time (bad credentials, rate limited, unreachable); the
    /// owners are then the ones stored before, if any.
    pub unavailable: Option<String>,
}

/// How a frame path became a repository path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MappingUsed {
    /// A manual [`CodeMapping`].
    Manual {
        id: i64,
        stack_root: String,
        source_root: String,
    },
    /// The longest path suffix found in the repository tree at the commit.
    Suffix {
        stack_root: String,
        source_root: String,
    },
    /// A module or class name (Java, .NET) turned into a path and found by suffix.
    Module { module: String },
}

/// Why a frame shows no code. Every variant renders as an inline note on that frame only.
/// Tagged `note`, not `kind`: inside [`FrameSourceResult`] (tagged `kind`) a second `kind` would be a
/// duplicate field that no client can read back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "note", rename_all = "snake_case")]
pub enum SourceNote {
    /// No linked or public repository is known for the event's service.
    NoRepository,
    /// No mapping and no tree path matches the frame's file.
    NotMapped { path: String },
    /// The mapped file does not exist at the commit.
    FileMissing { path: String },
    /// The file is shorter than the frame's line: the code changed or the mapping is wrong.
    LineOutOfRange { path: String, lines: u32 },
    /// The file is binary or too large to show.
    NotText { path: String },
    /// GitHub refused the credentials (401).
    BadCredentials,
    /// The repository is private or the token lacks access (403 without rate limiting, or 404 of the
    /// repository itself).
    NoAccess,
    /// GitHub's rate limit is spent until `until` (Unix milliseconds).
    RateLimited { until: i64 },
    /// GitHub could not be reached or answered 5xx.
    Unavailable { reason: String },
}

/// The code around one frame's line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snippet {
    /// Path in the repository.
    pub path: String,
    pub mapping: MappingUsed,
    /// Line number of `lines[0]` (1-based).
    pub first_line: u32,
    pub lines: Vec<String>,
    /// The frame's line (1-based), within the snippet.
    pub line: u32,
    /// `https://github.com/{owner}/{name}/blob/{commit or branch}/{path}#L{line}`.
    pub url: String,
    /// For syntax highlighting, from the file's extension.
    pub language: Option<crate::source::Language>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FrameSourceResult {
    Snippet(Snippet),
    Note(SourceNote),
}

/// The source of frame `frame` of exception `exception` of the event's parsed stack trace (indices into
/// `Stacktrace::exceptions` and `Exception::frames`). Only in-app frames with a file and a line get one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrameSource {
    pub exception: usize,
    pub frame: usize,
    pub result: FrameSourceResult,
}

/// Source for an event's in-app frames.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventSource {
    /// `owner/name` and the repository's web address, when one applied.
    pub repository: Option<RepositoryRef>,
    /// The commit the span named; `None` means the default branch was used.
    pub commit: Option<String>,
    /// The branch read when the span named no commit: the page warns that the code may have changed.
    pub branch: Option<String>,
    pub frames: Vec<FrameSource>,
    /// Why no frame has source at all (no repository), when that is the case.
    pub note: Option<SourceNote>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepositoryRef {
    pub owner: String,
    pub name: String,
    /// `https://github.com/{owner}/{name}` (or the Enterprise host's).
    pub html_url: String,
}

/// Languages the snippet highlighter knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Language {
    Python,
    JavaScript,
    TypeScript,
    Java,
    Kotlin,
    Go,
    Ruby,
    CSharp,
    Php,
    Rust,
}
