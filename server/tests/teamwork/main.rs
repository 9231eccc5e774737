//! Assignment, `assignee:` search and comments through the real explorer app (every route behind
//! the access layer), on SQLite and a real PostgreSQL
//! (`scripts/with-postgres.sh cargo test -p server --test teamwork`).

#[path = "../support/store.rs"]
#[macro_use]
#[allow(dead_code)]
mod store;

#[path = "../accounts/app.rs"]
#[allow(dead_code)]
mod app;

mod assign;
mod comments;

use assign::{assignee_search_finds_mine_and_unassigned, members_assign_and_unassign};
use comments::comments_stay_text_and_only_authors_or_admins_delete;
use store::TestDb;

suite!(
    members_assign_and_unassign,
    assignee_search_finds_mine_and_unassigned,
    comments_stay_text_and_only_authors_or_admins_delete,
);

/// People of a test: an admin (Ada), two members (Bea, Cy) and a viewer, each with an API token.
pub struct Team {
    pub app: app::App,
    pub admin: String,
    pub bea: String,
    pub cy: String,
    pub viewer: String,
}

pub const BEA: &str = "bea@example.test";
pub const CY: &str = "cy@example.test";

impl Team {
    pub async fn new(db: &TestDb) -> Self {
        use domain::access::Role;
        use server::audit::Actor;
        use server::auth::{create_token, create_user};
        let (app, admin) = app::with_admin(db).await;
        let mut tokens = Vec::new();
        for (email, name, role) in [
            (BEA, "Bea", Role::Member),
            (CY, "", Role::Member),
            ("vi@example.test", "Vi", Role::Viewer),
        ] {
            create_user(
                &db.store,
                email,
                name,
                app::PASSWORD.to_owned(),
                role,
                &Actor::cli(),
            )
            .await
            .expect("user");
            let (token, _) = create_token(&db.store, &Actor::cli(), email, "tests", role, None)
                .await
                .expect("token");
            tokens.push(token);
        }
        let [bea, cy, viewer] = tokens.try_into().expect("three tokens");
        Self {
            app,
            admin,
            bea,
            cy,
            viewer,
        }
    }
}

/// Stores one issue per fingerprint; their ids, in order.
pub async fn issues(db: &TestDb, hashes: &[&str]) -> Vec<i64> {
    use domain::query::IssueQuery;
    let now = app::now_ms();
    let events = hashes
        .iter()
        .map(|hash| store::event("checkout", hash, now))
        .collect();
    db.store
        .write_batch(&store::batch(events))
        .await
        .expect("write");
    let page = db
        .store
        .list_issues(&IssueQuery::default())
        .await
        .expect("list");
    hashes
        .iter()
        .map(|hash| {
            page.issues
                .iter()
                .find(|i| i.fingerprint == *hash)
                .expect("stored")
                .id
        })
        .collect()
}
