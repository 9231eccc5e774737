//! Server functions of source code in stack traces: the settings page (linked repositories, code
//! mappings, repositories seen in spans) and the snippets under an event's in-app frames. Credentials
//! only travel from the settings form to the server; nothing here ever answers with one.

use domain::source::{
    CodeMapping, CodeMappingInput, EventSource, Repository, RepositoryInput, SourceSettings,
    SuggestedOwners,
};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

#[cfg(feature = "ssr")]
use crate::api::ssr;

/// Lines shown either side of a frame's line.
pub const SNIPPET_CONTEXT: u32 = 5;

/// `POST /api/ui/source/settings`: linked repositories, code mappings and repositories seen in spans.
#[server(prefix = "/api/ui", endpoint = "source/settings", input = Json)]
pub async fn load_source_settings() -> Result<SourceSettings, ServerFnError> {
    let backend = ssr::backend()?;
    backend
        .0
        .source_settings()
        .await
        .map_err(|e| ssr::failed("load the source settings", e))
}

/// `POST /api/ui/source/repository`: links a repository, or updates one (`input.id`).
#[server(prefix = "/api/ui", endpoint = "source/repository", input = Json)]
pub async fn save_repository(input: RepositoryInput) -> Result<Repository, ServerFnError> {
    let backend = ssr::backend()?;
    let action = if input.id.is_some() {
        "update the repository"
    } else {
        "link the repository"
    };
    backend
        .0
        .save_repository(input)
        .await
        .map_err(|e| ssr::failed(action, e))
}

/// `POST /api/ui/source/repository/delete`: unlinks a repository with its mappings; `false` for an
/// unknown id.
#[server(prefix = "/api/ui", endpoint = "source/repository/delete", input = Json)]
pub async fn delete_repository(id: i64) -> Result<bool, ServerFnError> {
    let backend = ssr::backend()?;
    backend
        .0
        .delete_repository(id)
        .await
        .map_err(|e| ssr::failed("unlink the repository", e))
}

/// `POST /api/ui/source/mapping`: adds a code mapping.
#[server(prefix = "/api/ui", endpoint = "source/mapping", input = Json)]
pub async fn save_code_mapping(input: CodeMappingInput) -> Result<CodeMapping, ServerFnError> {
    let backend = ssr::backend()?;
    backend
        .0
        .save_code_mapping(input)
        .await
        .map_err(|e| ssr::failed("save the code mapping", e))
}

/// `POST /api/ui/source/mapping/delete`: `false` for an unknown id.
#[server(prefix = "/api/ui", endpoint = "source/mapping/delete", input = Json)]
pub async fn delete_code_mapping(id: i64) -> Result<bool, ServerFnError> {
    let backend = ssr::backend()?;
    backend
        .0
        .delete_code_mapping(id)
        .await
        .map_err(|e| ssr::failed("delete the code mapping", e))
}

/// `POST /api/ui/source/event`: snippets for the in-app frames of an event ([`SNIPPET_CONTEXT`] lines
/// either side); `None` for an unknown event. GitHub failures come back as notes on the frames.
#[server(prefix = "/api/ui", endpoint = "source/event", input = Json)]
pub async fn load_event_source(event_id: i64) -> Result<Option<EventSource>, ServerFnError> {
    let backend = ssr::backend()?;
    backend
        .0
        .event_source(event_id, SNIPPET_CONTEXT)
        .await
        .map_err(|e| ssr::failed("load the source code", e))
}

/// `POST /api/ui/source/owners`: the issue's suggested owners from `CODEOWNERS`, computed on first
/// view and stored on the issue (so `owner:` searches find it); `None` for an issue without events.
#[server(prefix = "/api/ui", endpoint = "source/owners", input = Json)]
pub async fn load_suggested_owners(
    issue_id: i64,
) -> Result<Option<SuggestedOwners>, ServerFnError> {
    let backend = ssr::backend()?;
    backend
        .0
        .suggested_owners(issue_id)
        .await
        .map_err(|e| ssr::failed("load the suggested owners", e))
}
