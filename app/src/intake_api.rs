//! Server functions of the admins' intake page: intake tokens (`spi_…`) that tracers send when the
//! server requires one.

use domain::intake::{CreatedIntakeToken, IntakeTokenRequest, IntakeTokenView};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use crate::api::Snapshot;

#[cfg(feature = "ssr")]
use crate::api::ssr;

/// `POST /api/ui/intake-tokens`: every intake token, newest first.
#[server(prefix = "/api/ui", endpoint = "intake-tokens", input = Json)]
pub async fn list_intake_tokens() -> Result<Snapshot<Vec<IntakeTokenView>>, ServerFnError> {
    let data = ssr::backend()?
        .0
        .intake_tokens()
        .await
        .map_err(|e| ssr::failed("list intake tokens", e))?;
    Ok(Snapshot {
        now: ssr::now(),
        data,
    })
}

/// `POST /api/ui/intake-tokens/create`: a new intake token, returned once.
#[server(prefix = "/api/ui", endpoint = "intake-tokens/create", input = Json)]
pub async fn create_intake_token(
    request: IntakeTokenRequest,
) -> Result<CreatedIntakeToken, ServerFnError> {
    let caller = crate::account_api::signed_in()?;
    ssr::backend()?
        .0
        .create_intake_token(caller, request)
        .await
        .map_err(|e| ssr::failed("create the intake token", e))
}

/// `POST /api/ui/intake-tokens/revoke`: revokes an intake token on every instance within seconds.
#[server(prefix = "/api/ui", endpoint = "intake-tokens/revoke", input = Json)]
pub async fn revoke_intake_token(id: i64) -> Result<(), ServerFnError> {
    ssr::backend()?
        .0
        .revoke_intake_token(id)
        .await
        .map_err(|e| ssr::failed("revoke the intake token", e))
}
