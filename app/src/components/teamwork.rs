//! Teamwork on the issue page: the assignee control, the comment form, and comments as the timeline
//! shows them (plain text, links made clickable, never HTML). Each control is a plain HTML form
//! posting to its server function, so it works before and without the WASM; once hydrated it acts
//! in place. Viewers see the assignee and the comments but none of the controls.

use domain::access::Role;
use domain::teamwork::{Comment, MAX_COMMENT_CHARS, TextPart, UserRef, linkify};
use leptos::html;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

use super::states::server_message;
use super::time::Ago;
use crate::account_api::SignedIn;
use crate::api::form_error;
use crate::teamwork_api::{
    add_comment, assign_action, assign_issue, comment_action, delete_comment, delete_comment_action,
};

/// What the signed-in user may do on an issue page. The server decides; this only spares people
/// controls that would refuse them. Pages served without the access layer (the app's own tests)
/// have nobody signed in and show every control.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssueRights {
    /// Triage, assign and comment: members and admins.
    pub triage: bool,
    pub user: Option<UserRef>,
    pub admin: bool,
}

impl IssueRights {
    pub fn of(signed_in: Option<SignedIn>) -> Self {
        match signed_in {
            Some(s) => Self {
                triage: s.role >= Role::Member,
                admin: s.role >= Role::Admin,
                user: Some(UserRef {
                    id: s.user.id,
                    email: s.user.email,
                    display_name: s.user.display_name,
                }),
            },
            None => Self {
                triage: true,
                user: None,
                admin: true,
            },
        }
    }

    /// When who is signed in could not be read: nothing but reading.
    pub fn read_only() -> Self {
        Self {
            triage: false,
            user: None,
            admin: false,
        }
    }

    /// Its author may delete a comment, and so may an admin.
    pub fn may_delete(&self, comment: &Comment) -> bool {
        self.triage
            && (self.admin
                || self
                    .user
                    .as_ref()
                    .is_some_and(|u| u.id == comment.author.id))
    }
}

/// The error a form post to one of `paths` came back with, shown once.
fn redirected_error(paths: Vec<&'static str>) -> impl Fn() -> Option<AnyView> {
    let query = use_query_map();
    move || {
        query.with(|q| form_error(q, &paths)).map(|e| {
            view! { <p class="notice error" role="alert">{server_message(&e)}</p> }.into_any()
        })
    }
}

/// Who the issue is assigned to, picked from `users`, and "Assign to me". `assignee` is updated in
/// place once hydrated; `changed` runs after a change is stored.
#[component]
pub fn AssigneeControl(
    id: i64,
    assignee: RwSignal<Option<UserRef>>,
    users: Vec<UserRef>,
    me: Option<UserRef>,
    changed: Callback<()>,
) -> impl IntoView {
    let picked = NodeRef::<html::Select>::new();
    let assign = Action::new(move |user: &String| {
        let user = user.clone();
        async move { assign_issue(id, user).await }
    });
    Effect::watch(
        move || assign.value().get(),
        move |result, _, _| {
            if let Some(Ok(user)) = result {
                assignee.set(user.clone());
                changed.run(());
            }
        },
        false,
    );
    let pending = assign.pending();
    let failed = move || {
        assign.value().get().and_then(Result::err).map(|e| {
            view! { <p class="notice error" role="alert">{server_message(&e)}</p> }.into_any()
        })
    };
    let current = assignee.get_untracked().map(|u| u.email);
    let nobody = view! { <option value="" selected=current.is_none()>"Nobody"</option> };
    let options = users
        .into_iter()
        .map(|user| {
            let selected = current.as_deref() == Some(user.email.as_str());
            let label = if user.name() == user.email {
                user.email.clone()
            } else {
                format!("{} ({})", user.name(), user.email)
            };
            view! { <option value=user.email.clone() selected=selected>{label}</option> }
        })
        .collect_view();
    let to_me = me.map(|me| {
        let email = me.email.clone();
        view! {
            <form
                method="post"
                action=assign_action()
                on:submit=move |ev| {
                    ev.prevent_default();
                    assign.dispatch(email.clone());
                }
            >
                <input type="hidden" name="id" value=id />
                <input type="hidden" name="user" value=me.email />
                <button type="submit" class="secondary" disabled=move || pending.get()>
                    "Assign to me"
                </button>
            </form>
        }
    });
    view! {
        <div class="assignee-control">
            <form
                method="post"
                action=assign_action()
                on:submit=move |ev| {
                    ev.prevent_default();
                    if let Some(select) = picked.get_untracked() {
                        assign.dispatch(select.value());
                    }
                }
            >
                <input type="hidden" name="id" value=id />
                <label>
                    "Assignee "
                    <select
                        name="user"
                        node_ref=picked
                        prop:value=move || assignee.get().map(|u| u.email).unwrap_or_default()
                    >
                        {nobody}
                        {options}
                    </select>
                </label>
                " "
                <button type="submit" disabled=move || pending.get()>
                    "Assign"
                </button>
            </form>
            {to_me}
            {failed}
            {redirected_error(vec![assign_action()])}
        </div>
    }
}

/// The form under the timeline; `changed` runs after a comment is stored.
#[component]
pub fn CommentForm(id: i64, changed: Callback<()>) -> impl IntoView {
    let text = RwSignal::new(String::new());
    let post = Action::new(move |body: &String| {
        let body = body.clone();
        async move {
            let added = add_comment(id, body).await;
            if added.is_ok() {
                text.set(String::new());
                changed.run(());
            }
            added
        }
    });
    let pending = post.pending();
    let failed = move || {
        post.value().get().and_then(Result::err).map(|e| {
            view! { <p class="notice error" role="alert">{server_message(&e)}</p> }.into_any()
        })
    };
    view! {
        <form
            class="comment-form"
            method="post"
            action=comment_action()
            on:submit=move |ev| {
                ev.prevent_default();
                post.dispatch(text.get_untracked());
            }
        >
            <input type="hidden" name="id" value=id />
            <label for="comment-body">"Comment"</label>
            <textarea
                id="comment-body"
                name="body"
                rows="3"
                required
                maxlength=MAX_COMMENT_CHARS.to_string()
                placeholder="Plain text; links become clickable."
                prop:value=move || text.get()
                on:input=move |ev| text.set(event_target_value(&ev))
            ></textarea>
            <button type="submit" disabled=move || pending.get()>
                "Comment"
            </button>
            {failed}
            {redirected_error(vec![comment_action(), delete_comment_action()])}
        </form>
    }
}

/// A comment in the timeline, with Delete for its author and admins.
#[component]
pub fn CommentItem(
    comment: Comment,
    now: i64,
    deletable: bool,
    changed: Callback<()>,
) -> impl IntoView {
    let Comment {
        id: comment_id,
        issue_id,
        author,
        body,
        created_at,
    } = comment;
    let remove = Action::new(move |(): &()| async move {
        let removed = delete_comment(issue_id, comment_id).await;
        if removed.is_ok() {
            changed.run(());
        }
        removed
    });
    let delete = deletable.then(|| {
        view! {
            <form
                class="comment-delete"
                method="post"
                action=delete_comment_action()
                on:submit=move |ev| {
                    ev.prevent_default();
                    remove.dispatch(());
                }
            >
                <input type="hidden" name="id" value=issue_id />
                <input type="hidden" name="comment" value=comment_id />
                <button type="submit" class="link-button">"Delete"</button>
            </form>
        }
    });
    let failed = move || {
        remove
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| view! { <p class="notice error" role="alert">{server_message(&e)}</p> })
    };
    view! {
        <li class="timeline-item comment">
            <span class="timeline-what">
                <strong title=author.email.clone()>{author.name().to_owned()}</strong>
                " commented"
            </span>
            <Ago at=created_at now />
            <p class="comment-body">{comment_text(&body)}</p>
            {delete}
            {failed}
        </li>
    }
}

/// The body as text nodes and links: Leptos escapes text, so markup in a comment stays text.
fn comment_text(body: &str) -> Vec<AnyView> {
    linkify(body)
        .into_iter()
        .map(|part| match part {
            TextPart::Text(text) => text.to_owned().into_any(),
            TextPart::Link(url) => view! {
                <a href=url.to_owned() rel="nofollow noopener noreferrer" target="_blank">
                    {url.to_owned()}
                </a>
            }
            .into_any(),
        })
        .collect()
}
