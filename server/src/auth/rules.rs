//! The route table: what each route of the explorer port needs. JSON routes declare theirs where they
//! are routed ([`crate::http::Guarded`]); the Leptos pages and server functions, which leptos_axum
//! routes itself, are listed here. A matched route without a rule is refused (and a test fails).

use std::collections::HashMap;

use axum::http::Method;
use domain::access::{Access, Role};

const VIEWER: Access = Access::Role(Role::Viewer);
const MEMBER: Access = Access::Role(Role::Member);
const ADMIN: Access = Access::Role(Role::Admin);

/// Pages (GET), by their axum path.
pub const PAGES: &[(&str, Access)] = &[
    ("/", VIEWER),
    ("/issues/{id}", VIEWER),
    ("/traces/{trace_id}", VIEWER),
    ("/settings", VIEWER),
    ("/settings/profile", VIEWER),
    ("/settings/source", ADMIN),
    ("/settings/users", ADMIN),
    ("/settings/audit", ADMIN),
    ("/settings/stack-rules", ADMIN),
    ("/settings/tokens", VIEWER),
    ("/settings/intake", ADMIN),
    ("/signin", Access::Public),
    ("/setup", Access::Public),
    ("/invite", Access::Public),
];

/// Server functions (POST, `/api/ui/…`), which the pages call.
pub const SERVER_FNS: &[(&str, Access)] = &[
    ("/api/ui/issues", VIEWER),
    ("/api/ui/issue", VIEWER),
    ("/api/ui/trace", VIEWER),
    ("/api/ui/explorer", VIEWER),
    ("/api/ui/facets", VIEWER),
    ("/api/ui/distribution", VIEWER),
    ("/api/ui/activity", VIEWER),
    ("/api/ui/event", VIEWER),
    ("/api/ui/status", MEMBER),
    ("/api/ui/status/form", MEMBER),
    ("/api/ui/merge", MEMBER),
    ("/api/ui/merge/form", MEMBER),
    ("/api/ui/unmerge/form", MEMBER),
    ("/api/ui/assignees", MEMBER),
    ("/api/ui/assign", MEMBER),
    ("/api/ui/comment", MEMBER),
    // Members delete their own comments, admins anyone's: the store checks the author.
    ("/api/ui/comment/delete", MEMBER),
    ("/api/ui/dropped", VIEWER),
    ("/api/ui/source/event", VIEWER),
    ("/api/ui/source/owners", VIEWER),
    ("/api/ui/source/settings", ADMIN),
    ("/api/ui/source/repository", ADMIN),
    ("/api/ui/source/repository/delete", ADMIN),
    ("/api/ui/source/mapping", ADMIN),
    ("/api/ui/source/mapping/delete", ADMIN),
    // Who is signed in (or nobody): the top bar of every page, the sign-in page included.
    ("/api/ui/me", Access::Public),
    // Whether the sign-in page offers single sign-on.
    ("/api/ui/signin/options", Access::Public),
    ("/api/ui/me/sessions", VIEWER),
    ("/api/ui/me/sessions/end", VIEWER),
    ("/api/ui/me/password", VIEWER),
    // Anyone sees and revokes their own tokens (a viewer's may come from the CLI); members and
    // admins make them.
    ("/api/ui/me/tokens", VIEWER),
    ("/api/ui/me/tokens/create", MEMBER),
    ("/api/ui/me/tokens/revoke", VIEWER),
    ("/api/ui/users", ADMIN),
    ("/api/ui/users/update", ADMIN),
    ("/api/ui/invites", ADMIN),
    ("/api/ui/invites/create", ADMIN),
    ("/api/ui/invites/delete", ADMIN),
    ("/api/ui/intake-tokens", ADMIN),
    ("/api/ui/intake-tokens/create", ADMIN),
    ("/api/ui/intake-tokens/revoke", ADMIN),
    ("/api/ui/audit", ADMIN),
    // Reading rules is for viewers in the JSON API; the page that edits them is for admins.
    ("/api/ui/stack-rules", ADMIN),
    ("/api/ui/stack-rules/history", ADMIN),
    ("/api/ui/stack-rules/preview", ADMIN),
    ("/api/ui/stack-rules/save", ADMIN),
];

/// One route's rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub method: Method,
    pub path: String,
    pub access: Access,
}

/// Every rule of the explorer port, looked up by method and matched path.
#[derive(Debug, Clone, Default)]
pub struct Rules(HashMap<(Method, String), Access>);

impl Rules {
    /// The JSON routes' rules with the pages' and server functions'.
    pub fn new(routes: impl IntoIterator<Item = Rule>) -> Self {
        let pages = PAGES.iter().map(|&(path, access)| Rule {
            method: Method::GET,
            path: path.to_owned(),
            access,
        });
        let server_fns = SERVER_FNS.iter().map(|&(path, access)| Rule {
            method: Method::POST,
            path: path.to_owned(),
            access,
        });
        Self(
            routes
                .into_iter()
                .chain(pages)
                .chain(server_fns)
                .map(|rule| ((rule.method, rule.path), rule.access))
                .collect(),
        )
    }

    /// The rule of a route; HEAD is answered by GET routes and follows their rule.
    pub fn get(&self, method: &Method, path: &str) -> Option<Access> {
        let method = if method == Method::HEAD {
            &Method::GET
        } else {
            method
        };
        self.0.get(&(method.clone(), path.to_owned())).copied()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&Method, &str, Access)> {
        self.0
            .iter()
            .map(|((method, path), access)| (method, path.as_str(), *access))
    }
}
