//! Server functions of teamwork on the issue page: whom issues can be assigned to, assigning,
//! commenting and deleting comments, each as the signed-in user. Assigning and commenting take
//! URL-encoded fields, so the page's plain HTML forms post to them before and without the WASM (a
//! form post is answered with a redirect back to the page, carrying an error in `__err`).

use domain::teamwork::{Comment, UserRef};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

#[cfg(feature = "ssr")]
use crate::account_api::signed_in;
#[cfg(feature = "ssr")]
use crate::api::ssr;

/// `POST /api/ui/assignees`: enabled users, by name.
#[server(prefix = "/api/ui", endpoint = "assignees", input = Json)]
pub async fn assignees() -> Result<Vec<UserRef>, ServerFnError> {
    ssr::backend()?
        .0
        .assignable_users()
        .await
        .map_err(|e| ssr::failed("list users", e))
}

/// `POST /api/ui/assign`: assigns issue `id` to the user with email `user`; blank: nobody.
#[server(prefix = "/api/ui", endpoint = "assign")]
pub async fn assign_issue(
    id: i64,
    #[server(default)] user: String,
) -> Result<Option<UserRef>, ServerFnError> {
    use domain::teamwork::UserKey;
    let caller = signed_in()?;
    let user = Some(user.trim().to_owned())
        .filter(|u| !u.is_empty())
        .map(UserKey::Email);
    ssr::backend()?
        .0
        .assign(caller, id, user)
        .await
        .map_err(|e| ssr::failed("assign the issue", e))
}

/// `POST /api/ui/comment`: a comment on issue `id`.
#[server(prefix = "/api/ui", endpoint = "comment")]
pub async fn add_comment(id: i64, body: String) -> Result<Comment, ServerFnError> {
    let caller = signed_in()?;
    ssr::backend()?
        .0
        .add_comment(caller, id, body)
        .await
        .map_err(|e| ssr::failed("add the comment", e))
}

/// `POST /api/ui/comment/delete`: deletes comment `comment` of issue `id`.
#[server(prefix = "/api/ui", endpoint = "comment/delete")]
pub async fn delete_comment(id: i64, comment: i64) -> Result<(), ServerFnError> {
    let caller = signed_in()?;
    ssr::backend()?
        .0
        .delete_comment(caller, id, comment)
        .await
        .map_err(|e| ssr::failed("delete the comment", e))
}

/// Where the assignment form posts.
pub fn assign_action() -> &'static str {
    use leptos::server_fn::ServerFn;
    AssignIssue::PATH
}

/// Where the comment form posts.
pub fn comment_action() -> &'static str {
    use leptos::server_fn::ServerFn;
    AddComment::PATH
}

/// Where a comment's Delete button posts.
pub fn delete_comment_action() -> &'static str {
    use leptos::server_fn::ServerFn;
    DeleteComment::PATH
}
