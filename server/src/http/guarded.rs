//! A router whose every route is declared with its access rule, so the rule table and the routes
//! cannot drift apart: `Guarded::new().get("/issues", VIEWER, list)`.

use axum::Router;
use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{MethodRouter, delete, get, post, put};
use domain::access::Access;

use crate::auth::rules::Rule;

pub struct Guarded<S = ()> {
    router: Router<S>,
    rules: Vec<Rule>,
}

impl<S: Clone + Send + Sync + 'static> Default for Guarded<S> {
    fn default() -> Self {
        Self::new()
    }
}

impl<S: Clone + Send + Sync + 'static> Guarded<S> {
    pub fn new() -> Self {
        Self {
            router: Router::new(),
            rules: Vec::new(),
        }
    }

    fn add(mut self, method: Method, path: &str, access: Access, route: MethodRouter<S>) -> Self {
        self.rules.push(Rule {
            method,
            path: path.to_owned(),
            access,
        });
        self.router = self.router.route(path, route);
        self
    }

    pub fn get<H: Handler<T, S>, T: 'static>(self, path: &str, access: Access, h: H) -> Self {
        self.add(Method::GET, path, access, get(h))
    }

    pub fn post<H: Handler<T, S>, T: 'static>(self, path: &str, access: Access, h: H) -> Self {
        self.add(Method::POST, path, access, post(h))
    }

    pub fn put<H: Handler<T, S>, T: 'static>(self, path: &str, access: Access, h: H) -> Self {
        self.add(Method::PUT, path, access, put(h))
    }

    pub fn delete<H: Handler<T, S>, T: 'static>(self, path: &str, access: Access, h: H) -> Self {
        self.add(Method::DELETE, path, access, delete(h))
    }

    pub fn merge(mut self, other: Guarded<S>) -> Self {
        self.router = self.router.merge(other.router);
        self.rules.extend(other.rules);
        self
    }

    /// `other`'s routes under `prefix`, with their rules.
    pub fn nest(mut self, prefix: &str, other: Guarded<S>) -> Self {
        self.rules.extend(other.rules.into_iter().map(|rule| Rule {
            path: format!("{prefix}{}", rule.path),
            ..rule
        }));
        self.router = self.router.nest(prefix, other.router);
        self
    }

    /// Answers unrouted paths (no rule needed: a fallback reveals nothing).
    pub fn fallback<H: Handler<T, S>, T: 'static>(mut self, h: H) -> Self {
        self.router = self.router.fallback(h);
        self
    }

    pub fn with_state<S2>(self, state: S) -> Guarded<S2>
    where
        S2: Clone + Send + Sync + 'static,
    {
        Guarded {
            router: self.router.with_state(state),
            rules: self.rules,
        }
    }

    pub fn into_parts(self) -> (Router<S>, Vec<Rule>) {
        (self.router, self.rules)
    }

    pub fn into_router(self) -> Router<S> {
        self.router
    }
}
