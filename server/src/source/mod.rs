//! Source code in stack traces: linking repositories (validated here) and building the snippets of an
//! event's in-app frames (`snippets`) and the suggested owners of an issue (`owners`), reading GitHub
//! through the database cache (`fetch`).

mod fetch;
mod owners;
mod settings;
mod snippets;

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, Mutex};

pub use settings::SettingsError;

use crate::github::{GitHub, SourceError};
use crate::storage::{Secret, Store};

/// Snippet context when the request names none, and the most allowed.
pub const DEFAULT_CONTEXT: u32 = 5;
pub const MAX_CONTEXT: u32 = 50;

/// Most clients kept (one per repository and credentials); App clients cache installation tokens.
const MAX_CLIENTS: usize = 256;

/// The source service: the store, the default GitHub API base and the GitHub clients built so far.
/// Cheap to clone; holds no state that other instances need (backoff and cache are in the database).
#[derive(Clone)]
pub struct SourceService {
    store: Store,
    default_api: String,
    clients: Arc<Mutex<HashMap<u64, GitHub>>>,
}

impl std::fmt::Debug for SourceService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SourceService")
            .field("default_api", &self.default_api)
            .finish_non_exhaustive()
    }
}

impl SourceService {
    /// `default_api`: the API base of repositories linked without one (`https://api.github.com`).
    pub fn new(store: Store, default_api: &str) -> Self {
        Self {
            store,
            default_api: default_api.trim_end_matches('/').to_owned(),
            clients: Arc::default(),
        }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// A client for `api_base` with `secret`, reused across requests.
    fn client(&self, api_base: &str, secret: &Secret) -> Result<GitHub, SourceError> {
        let mut hasher = DefaultHasher::new();
        (api_base, secret).hash(&mut hasher);
        let key = hasher.finish();
        let mut clients = self
            .clients
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(client) = clients.get(&key) {
            return Ok(client.clone());
        }
        let client = GitHub::new(api_base, secret)?;
        if clients.len() >= MAX_CLIENTS {
            clients.clear();
        }
        clients.insert(key, client.clone());
        Ok(client)
    }
}
