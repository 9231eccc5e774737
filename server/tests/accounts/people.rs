//! Invitations, roles and disabled users.

use axum::http::StatusCode;
use domain::access::{Caller, InviteRequest, Role, UserChange};
use serde_json::{Value, json};
use server::audit::{Actor, Origin};
use server::auth::{accounts, create_token};
use server::storage::UserUpdate;

use super::app::{ADMIN, As, HOME, PASSWORD, add_user, link_token, now_ms, with_admin};
use super::store::TestDb;

pub async fn invitations_work_once_and_expire(db: &TestDb) {
    let (app, admin) = with_admin(db).await;
    let invite = |email: &'static str, role: &'static str| {
        let app = &app;
        let admin = admin.as_str();
        async move {
            app.json(
                "POST",
                "/api/v1/invites",
                As::Token(admin),
                Some(json!({"email": email, "role": role})),
            )
            .await
        }
    };
    let created = invite("Bea@Example.test", "member").await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let created = created.json();
    let url = created["url"].as_str().expect("url").to_owned();
    assert!(
        url.starts_with("http://127.0.0.1:3000/invite?token="),
        "{url}"
    );
    let token = link_token(&url).to_owned();
    let week = 7 * 24 * 3600 * 1000;
    let expires_at = created["expires_at"].as_i64().expect("expires_at");
    assert!((expires_at - now_ms() - week).abs() < 60_000);

    let listed = app
        .json("GET", "/api/v1/invites", As::Token(&admin), None)
        .await;
    assert_eq!(listed.status, StatusCode::OK);
    assert_eq!(listed.json()[0]["email"], "bea@example.test");
    assert_eq!(listed.json()[0]["role"], "member");
    assert_eq!(listed.json()[0]["invited_by"], ADMIN);
    assert!(!listed.body.contains(&token), "a list never shows the link");

    // The page is public; the form creates the user with the invited email and role.
    let page = app
        .send(
            "GET",
            &format!("/invite?token={token}"),
            As::Nobody,
            HOME,
            "",
            String::new(),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let accepted = app
        .form(
            "/auth/invite",
            HOME,
            &[
                ("token", &token),
                ("display_name", "Bea"),
                ("password", "a new password"),
            ],
        )
        .await;
    assert_eq!(accepted.redirect(), "/");
    let session = accepted.session.expect("signed in");
    assert_eq!(
        app.me(As::Session(&session)).await,
        (StatusCode::OK, Some("member".to_owned()))
    );
    assert!(
        app.sign_in("bea@example.test", "a new password")
            .await
            .is_some()
    );

    // Used: refused, and nothing signs in.
    let again = app
        .form(
            "/auth/invite",
            HOME,
            &[
                ("token", &token),
                ("display_name", "Eve"),
                ("password", "another password"),
            ],
        )
        .await;
    assert!(
        again.redirect().starts_with("/invite?token="),
        "{}",
        again.redirect()
    );
    assert!(again.redirect().contains("error="));
    assert!(again.session.is_none());
    let listed = app
        .json("GET", "/api/v1/invites", As::Token(&admin), None)
        .await;
    assert_eq!(listed.json(), json!([]), "a used invitation is gone");

    // Expired: refused, and no account is made.
    let expired = invite("cy@example.test", "viewer").await.json();
    db.execute("UPDATE invites SET expires_at = 0").await;
    let token = link_token(expired["url"].as_str().expect("url")).to_owned();
    let late = app
        .form(
            "/auth/invite",
            HOME,
            &[
                ("token", &token),
                ("display_name", "Cy"),
                ("password", "a new password"),
            ],
        )
        .await;
    assert!(late.redirect().contains("error="));
    assert!(
        app.sign_in("cy@example.test", "a new password")
            .await
            .is_none()
    );

    // Deleted: refused.
    let deleted = invite("di@example.test", "viewer").await.json();
    let id = deleted["id"].as_i64().expect("id");
    let gone = app
        .json(
            "DELETE",
            &format!("/api/v1/invites/{id}"),
            As::Token(&admin),
            None,
        )
        .await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT);
    let token = link_token(deleted["url"].as_str().expect("url")).to_owned();
    let refused = app
        .form(
            "/auth/invite",
            HOME,
            &[
                ("token", &token),
                ("display_name", "Di"),
                ("password", "a new password"),
            ],
        )
        .await;
    assert!(refused.redirect().contains("error="));

    // An existing account's email, a bad role, and a member asking: refused.
    assert_eq!(
        invite("bea@example.test", "viewer").await.status,
        StatusCode::CONFLICT
    );
    assert_eq!(
        invite("x@example.test", "owner").await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        app.json(
            "POST",
            "/api/v1/invites",
            As::Session(&session),
            Some(json!({"email": "x@example.test", "role": "viewer"})),
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
}

pub async fn the_last_enabled_admin_stays(db: &TestDb) {
    let (app, token) = with_admin(db).await;
    let users = app
        .json("GET", "/api/v1/users", As::Token(&token), None)
        .await;
    assert_eq!(users.status, StatusCode::OK);
    let ada = users.json()[0]["id"].as_i64().expect("id");
    assert!(
        !users.body.contains("argon2"),
        "no password hash in the list"
    );
    let change = |id: i64, body: Value| {
        let app = &app;
        let token = token.clone();
        async move {
            app.json(
                "PUT",
                &format!("/api/v1/users/{id}"),
                As::Token(&token),
                Some(body),
            )
            .await
        }
    };
    for body in [json!({"role": "member"}), json!({"disabled": true})] {
        let refused = change(ada, body).await;
        assert_eq!(refused.status, StatusCode::CONFLICT);
        assert!(
            refused.json()["error"]
                .as_str()
                .expect("error")
                .contains("last enabled admin")
        );
    }
    assert_eq!(
        change(9999, json!({"role": "viewer"})).await.status,
        StatusCode::NOT_FOUND
    );

    // A second admin, disabled, does not count; enabled, it does.
    let bo = add_user(db, "bo@example.test", Role::Admin).await;
    assert_eq!(
        change(bo, json!({"disabled": true})).await.status,
        StatusCode::OK
    );
    assert_eq!(
        change(ada, json!({"role": "member"})).await.status,
        StatusCode::CONFLICT
    );
    let enabled = change(bo, json!({"disabled": false})).await;
    assert_eq!(enabled.json()["disabled"], false);
    let demoted = change(ada, json!({"role": "member"})).await;
    assert_eq!(demoted.status, StatusCode::OK);
    assert_eq!(demoted.json()["role"], "member");
    // Ada's admin token now acts as a member: users are out of reach, and Bo is the last admin.
    assert_eq!(
        app.json("GET", "/api/v1/users", As::Token(&token), None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let bo_token = create_token(
        &db.store,
        &Actor::cli(),
        "bo@example.test",
        "t",
        Role::Admin,
        None,
    )
    .await
    .expect("token")
    .0;
    let refused = app
        .json(
            "PUT",
            &format!("/api/v1/users/{bo}"),
            As::Token(&bo_token),
            Some(json!({"role": "viewer"})),
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
}

pub async fn disabled_users_lose_sessions_and_tokens(db: &TestDb) {
    let (app, admin) = with_admin(db).await;
    let mo = add_user(db, "mo@example.test", Role::Member).await;
    let session = app
        .sign_in("mo@example.test", PASSWORD)
        .await
        .expect("signed in");
    let token = create_token(
        &db.store,
        &Actor::cli(),
        "mo@example.test",
        "ci",
        Role::Member,
        None,
    )
    .await
    .expect("token")
    .0;
    assert_eq!(app.me(As::Session(&session)).await.0, StatusCode::OK);
    assert_eq!(app.me(As::Token(&token)).await.0, StatusCode::OK);

    let disabled = app
        .json(
            "PUT",
            &format!("/api/v1/users/{mo}"),
            As::Token(&admin),
            Some(json!({"disabled": true})),
        )
        .await;
    assert_eq!(disabled.status, StatusCode::OK);
    assert_eq!(
        app.me(As::Session(&session)).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(app.me(As::Token(&token)).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(db.rows("sessions").await, 0, "disabling ended the sessions");
    assert!(app.sign_in("mo@example.test", PASSWORD).await.is_none());

    // Enabled again: the token works again, the ended session does not come back.
    app.json(
        "PUT",
        &format!("/api/v1/users/{mo}"),
        As::Token(&admin),
        Some(json!({"disabled": false})),
    )
    .await;
    assert_eq!(app.me(As::Token(&token)).await.0, StatusCode::OK);
    assert_eq!(
        app.me(As::Session(&session)).await.0,
        StatusCode::UNAUTHORIZED
    );
}

pub async fn concurrent_demotions_leave_an_admin(db: &TestDb) {
    let demote = UserChange {
        role: Some(Role::Member),
        disabled: None,
    };
    // A second store: its own connections, as another instance would have.
    let other = db.reopen().await;
    let cli = Actor::cli();
    let by = cli.by();
    let mut survivor = None;
    for round in 0..5 {
        let a = add_user(db, &format!("a{round}@example.test"), Role::Admin).await;
        let b = add_user(db, &format!("b{round}@example.test"), Role::Admin).await;
        if let Some(admin) = survivor {
            let stepped_down = db
                .store
                .update_user(admin, demote, &by)
                .await
                .expect("update");
            assert!(matches!(stepped_down, UserUpdate::Updated(_)));
        }
        // The only two admins demote each other at the same moment.
        let (first, second) = tokio::join!(
            db.store.update_user(a, demote, &by),
            other.update_user(b, demote, &by)
        );
        let outcomes = [first.expect("update"), second.expect("update")];
        let kept: Vec<i64> = [a, b]
            .into_iter()
            .zip(&outcomes)
            .filter(|(_, outcome)| **outcome == UserUpdate::LastAdmin)
            .map(|(id, _)| id)
            .collect();
        assert_eq!(kept.len(), 1, "round {round}: {outcomes:?}");
        survivor = kept.first().copied();
    }
}

pub async fn a_link_used_twice_at_once_makes_one_account(db: &TestDb) {
    let (_app, _) = with_admin(db).await;
    let (admin, _) = db
        .store
        .user_credentials(ADMIN)
        .await
        .expect("admin")
        .expect("admin");
    let caller = Caller {
        role: admin.user.role,
        user: admin.user,
        session_id: None,
    };
    let request = InviteRequest {
        email: "bea@example.test".to_owned(),
        role: Role::Member,
    };
    let link = accounts::create_invite(&db.store, &caller, &Actor::cli(), &request, "http://x")
        .await
        .expect("invite");
    let token = link_token(&link.url);
    // Two instances take the same link at the same moment.
    let other = db.reopen().await;
    let origin = Origin::default();
    let (first, second) = tokio::join!(
        accounts::accept_invite(&db.store, token, "Bea", PASSWORD.to_owned(), &origin),
        accounts::accept_invite(&other, token, "Bea too", PASSWORD.to_owned(), &origin)
    );
    assert!(
        first.is_ok() != second.is_ok(),
        "exactly one account: {first:?} {second:?}"
    );
    assert_eq!(db.rows("users").await, 2);
    assert_eq!(db.rows("invites").await, 0);
}
