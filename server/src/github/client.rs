//! One octocrab client per linked repository (or anonymous), and the three reads snippets need.

use std::time::Duration;

use base64::Engine;
use http::header::{ACCEPT, HeaderName};
use octocrab::Octocrab;
use octocrab::models::{AppId, InstallationId};
use serde::Deserialize;

use super::SourceError;
use crate::storage::{Secret, unix_ms_now};

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const READ_TIMEOUT: Duration = Duration::from_secs(15);
/// Files larger than this are not shown (a snippet of a generated megabyte file helps nobody).
const MAX_FILE_BYTES: u64 = 2 * 1024 * 1024;

/// A repository's file paths at a ref (blobs only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tree {
    pub paths: Vec<String>,
    /// GitHub cut the listing (over 100,000 entries or 7 MB); the paths are what it sent.
    pub truncated: bool,
}

/// A file read at a ref.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileRead {
    Text(String),
    /// Binary, a directory, a submodule, or larger than the size limit.
    NotText,
}

/// An authenticated (or anonymous) GitHub API client. Cheap to clone.
#[derive(Clone)]
pub struct GitHub {
    crab: Octocrab,
}

impl std::fmt::Debug for GitHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("GitHub { .. }")
    }
}

impl GitHub {
    /// A client for `api_base` (`https://api.github.com`, `https://ghe.example.com/api/v3`) with the
    /// given credentials. GitHub App credentials mint installation tokens on first use (octocrab
    /// caches and renews them).
    pub fn new(api_base: &str, secret: &Secret) -> Result<Self, SourceError> {
        let unavailable = |reason: &str| SourceError::Unavailable {
            reason: reason.to_owned(),
        };
        let builder = Octocrab::builder()
            .base_uri(api_base)
            .map_err(|_| unavailable("the GitHub API base URL is invalid"))?
            .set_connect_timeout(Some(CONNECT_TIMEOUT))
            .set_read_timeout(Some(READ_TIMEOUT))
            .add_header(ACCEPT, "application/vnd.github+json".to_owned())
            .add_header(
                HeaderName::from_static("x-github-api-version"),
                "2022-11-28".to_owned(),
            );
        let built = match secret {
            Secret::None => builder.build(),
            Secret::Token(token) => builder.personal_token(token.clone()).build(),
            Secret::App {
                app_id,
                installation_id,
                private_key,
            } => {
                let key = octocrab::EncodingKey::from_rsa_pem(private_key.as_bytes())
                    .map_err(|_| SourceError::BadCredentials)?;
                builder
                    .app(AppId(*app_id), key)
                    .build()
                    .and_then(|app| app.installation(InstallationId(*installation_id)))
            }
        };
        let crab = built.map_err(|e| {
            tracing::warn!(error = %e, "building the GitHub client failed");
            unavailable("the GitHub client could not be built")
        })?;
        Ok(Self { crab })
    }

    /// GETs `path_and_query` (relative to the API base) and returns the body of a 2xx answer.
    async fn get(&self, path_and_query: &str) -> Result<String, SourceError> {
        let response = match self.crab._get(path_and_query).await {
            Ok(response) => response,
            Err(octocrab::Error::GitHub { source, .. }) => {
                // Minting an installation token failed: GitHub's answer to the app's JWT.
                let headers = source.headers.clone().unwrap_or_default();
                return Err(SourceError::from_status(
                    source.status_code,
                    &headers,
                    &source.message,
                    unix_ms_now(),
                ));
            }
            Err(e) => {
                // Transport errors carry no request headers; safe to log.
                tracing::debug!(error = %e, "GitHub request failed");
                return Err(SourceError::Unavailable {
                    reason: "could not reach GitHub".to_owned(),
                });
            }
        };
        let status = response.status();
        let headers = response.headers().clone();
        let body = self.crab.body_to_string(response).await.map_err(|e| {
            tracing::debug!(error = %e, "reading a GitHub answer failed");
            SourceError::Unavailable {
                reason: "GitHub's answer was cut off".to_owned(),
            }
        })?;
        if status.is_success() {
            Ok(body)
        } else {
            Err(SourceError::from_status(
                status,
                &headers,
                &body,
                unix_ms_now(),
            ))
        }
    }

    async fn get_json<T: for<'de> Deserialize<'de>>(&self, path: &str) -> Result<T, SourceError> {
        let body = self.get(path).await?;
        serde_json::from_str(&body).map_err(|e| SourceError::Unavailable {
            reason: format!("unexpected answer from GitHub: {e}"),
        })
    }

    /// `GET /repos/{owner}/{name}`: the default branch.
    pub async fn default_branch(&self, owner: &str, name: &str) -> Result<String, SourceError> {
        #[derive(Deserialize)]
        struct Repo {
            default_branch: String,
        }
        let repo: Repo = self
            .get_json(&format!("/repos/{}/{}", encode(owner), encode(name)))
            .await?;
        Ok(repo.default_branch)
    }

    /// `GET /repos/{owner}/{name}/git/trees/{ref}?recursive=1`: every file path at a commit or branch.
    pub async fn tree(&self, owner: &str, name: &str, git_ref: &str) -> Result<Tree, SourceError> {
        #[derive(Deserialize)]
        struct Entry {
            path: String,
            #[serde(rename = "type")]
            kind: String,
        }
        #[derive(Deserialize)]
        struct Listing {
            tree: Vec<Entry>,
            #[serde(default)]
            truncated: bool,
        }
        let listing: Listing = self
            .get_json(&format!(
                "/repos/{}/{}/git/trees/{}?recursive=1",
                encode(owner),
                encode(name),
                encode(git_ref)
            ))
            .await?;
        Ok(Tree {
            paths: listing
                .tree
                .into_iter()
                .filter(|e| e.kind == "blob")
                .map(|e| e.path)
                .collect(),
            truncated: listing.truncated,
        })
    }

    /// `GET /repos/{owner}/{name}/contents/{path}?ref=`: a file's text. Files over 1 MB come without
    /// content from that endpoint; they are read through the blob API up to the size limit.
    pub async fn file(
        &self,
        owner: &str,
        name: &str,
        path: &str,
        git_ref: &str,
    ) -> Result<FileRead, SourceError> {
        #[derive(Deserialize)]
        struct Contents {
            #[serde(rename = "type")]
            kind: String,
            #[serde(default)]
            encoding: Option<String>,
            #[serde(default)]
            content: Option<String>,
            #[serde(default)]
            size: u64,
            sha: String,
        }
        let body = self
            .get(&format!(
                "/repos/{}/{}/contents/{}?ref={}",
                encode(owner),
                encode(name),
                encode_path(path),
                encode(git_ref)
            ))
            .await?;
        let value: serde_json::Value =
            serde_json::from_str(&body).map_err(|e| SourceError::Unavailable {
                reason: format!("unexpected answer from GitHub: {e}"),
            })?;
        if value.is_array() {
            return Ok(FileRead::NotText);
        }
        let contents: Contents =
            serde_json::from_value(value).map_err(|e| SourceError::Unavailable {
                reason: format!("unexpected answer from GitHub: {e}"),
            })?;
        if contents.kind != "file" || contents.size > MAX_FILE_BYTES {
            return Ok(FileRead::NotText);
        }
        match (contents.encoding.as_deref(), contents.content) {
            (Some("base64"), Some(content)) if !content.is_empty() || contents.size == 0 => {
                Ok(decode_text(&content))
            }
            _ => self.blob(owner, name, &contents.sha).await,
        }
    }

    /// `GET /repos/{owner}/{name}/git/blobs/{sha}`.
    async fn blob(&self, owner: &str, name: &str, sha: &str) -> Result<FileRead, SourceError> {
        #[derive(Deserialize)]
        struct Blob {
            content: String,
            encoding: String,
        }
        let blob: Blob = self
            .get_json(&format!(
                "/repos/{}/{}/git/blobs/{}",
                encode(owner),
                encode(name),
                encode(sha)
            ))
            .await?;
        Ok(match blob.encoding.as_str() {
            "base64" => decode_text(&blob.content),
            "utf-8" | "utf8" => FileRead::Text(blob.content),
            _ => FileRead::NotText,
        })
    }
}

/// GitHub wraps base64 at 60 columns; text is UTF-8 without NUL bytes, anything else is binary.
fn decode_text(content: &str) -> FileRead {
    let compact: String = content.chars().filter(|c| !c.is_whitespace()).collect();
    match base64::engine::general_purpose::STANDARD.decode(compact) {
        Ok(bytes) if !bytes.contains(&0) => match String::from_utf8(bytes) {
            Ok(text) => FileRead::Text(text),
            Err(_) => FileRead::NotText,
        },
        _ => FileRead::NotText,
    }
}

/// Percent-encodes one path segment or query value (RFC 3986 unreserved characters stay).
fn encode(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Percent-encodes a repository path, keeping its slashes.
fn encode_path(path: &str) -> String {
    path.split('/').map(encode).collect::<Vec<_>>().join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_paths_and_refs() {
        assert_eq!(encode_path("src/a b/ü.py"), "src/a%20b/%C3%BC.py");
        assert_eq!(encode("feature/x"), "feature%2Fx");
        assert_eq!(encode("main"), "main");
    }

    #[test]
    fn decodes_wrapped_base64() {
        assert_eq!(
            decode_text("aGVsbG8K\nd29ybGQK\n"),
            FileRead::Text("hello\nworld\n".into())
        );
        assert_eq!(decode_text("AAEC"), FileRead::NotText);
        assert_eq!(decode_text("!!"), FileRead::NotText);
    }
}
