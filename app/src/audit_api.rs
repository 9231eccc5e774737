//! Server function of the admins' audit log page.

use domain::audit::{AuditPage, AuditQuery};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

#[cfg(feature = "ssr")]
use crate::api::ssr;

/// `POST /api/ui/audit`: one page of the audit log, newest first.
#[server(prefix = "/api/ui", endpoint = "audit", input = Json)]
pub async fn load_audit_log(query: AuditQuery) -> Result<AuditPage, ServerFnError> {
    ssr::backend()?
        .0
        .audit_log(query)
        .await
        .map_err(|e| ssr::failed("load the audit log", e))
}
