//! Server functions of the admins' users page: users with their roles, and invitations.

use domain::access::{InviteLink, InviteRequest, InviteView, ManagedUser, UserChange};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use crate::api::Snapshot;

#[cfg(feature = "ssr")]
use crate::api::ssr;

/// `POST /api/ui/users`: every user, by email.
#[server(prefix = "/api/ui", endpoint = "users", input = Json)]
pub async fn list_users() -> Result<Vec<ManagedUser>, ServerFnError> {
    ssr::backend()?
        .0
        .users()
        .await
        .map_err(|e| ssr::failed("list users", e))
}

/// `POST /api/ui/users/update`: changes a user's role or disabled flag.
#[server(prefix = "/api/ui", endpoint = "users/update", input = Json)]
pub async fn update_user(id: i64, change: UserChange) -> Result<ManagedUser, ServerFnError> {
    ssr::backend()?
        .0
        .update_user(id, change)
        .await
        .map_err(|e| ssr::failed("change the user", e))
}

/// `POST /api/ui/invites`: pending invitations, newest first.
#[server(prefix = "/api/ui", endpoint = "invites", input = Json)]
pub async fn list_invites() -> Result<Snapshot<Vec<InviteView>>, ServerFnError> {
    let data = ssr::backend()?
        .0
        .invites()
        .await
        .map_err(|e| ssr::failed("list invitations", e))?;
    Ok(Snapshot {
        now: ssr::now(),
        data,
    })
}

/// `POST /api/ui/invites/create`: a new invitation; its link is returned once.
#[server(prefix = "/api/ui", endpoint = "invites/create", input = Json)]
pub async fn create_invite(request: InviteRequest) -> Result<InviteLink, ServerFnError> {
    let caller = crate::account_api::signed_in()?;
    let host = use_context::<crate::backend::RequestHost>().and_then(|h| h.0);
    ssr::backend()?
        .0
        .create_invite(caller, request, host)
        .await
        .map_err(|e| ssr::failed("invite", e))
}

/// `POST /api/ui/invites/delete`: withdraws an invitation; its link stops working.
#[server(prefix = "/api/ui", endpoint = "invites/delete", input = Json)]
pub async fn delete_invite(id: i64) -> Result<(), ServerFnError> {
    ssr::backend()?
        .0
        .delete_invite(id)
        .await
        .map_err(|e| ssr::failed("delete the invitation", e))
}
