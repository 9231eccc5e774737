//! The GitHub REST API through octocrab: a repository's default branch, its tree at a commit and file
//! contents. Every failure becomes a [`SourceError`] the source service turns into a per-frame note.
//!
//! Requests go through octocrab's raw `_get` so that status and rate-limit headers are read here, not
//! retried or slept on inside the client: a page view must never wait for a rate limit to reset.
//! Secrets live in the octocrab instance only; nothing here logs or formats a request's headers.

mod client;
mod error;

pub use client::{FileRead, GitHub, Tree};
pub use error::SourceError;
