//! The way in: the setup link shared by instances, and sign-in throttling.

use axum::http::StatusCode;
use domain::access::Role;
use server::auth::secret;
use server::auth::setup::{Bootstrap, bootstrap};

use super::app::{ADMIN, App, As, HOME, PASSWORD, add_user, with_admin};
use super::store::TestDb;

pub async fn any_instances_setup_link_creates_the_admin_once(db: &TestDb) {
    // This instance logs its own link; another instance behind the same URL logged `theirs`.
    let link = bootstrap(
        &db.store,
        &Bootstrap {
            base_url: "http://127.0.0.1:3000",
            ..Bootstrap::default()
        },
    )
    .await
    .expect("bootstrap");
    let theirs = "the-other-instances-secret";
    db.store
        .add_setup_secret(&secret::digest(theirs))
        .await
        .expect("secret");
    assert_eq!(db.rows("setup_secrets").await, 2);
    let app = App::new(db, link);
    let page = app
        .send("GET", "/", As::Nobody, HOME, "", String::new())
        .await;
    assert_eq!(
        page.location.as_deref(),
        Some("/setup"),
        "pages point to the setup"
    );

    let setup = |token: &'static str, email: &'static str| {
        let app = &app;
        async move {
            app.form(
                "/auth/setup",
                HOME,
                &[("token", token), ("email", email), ("password", PASSWORD)],
            )
            .await
        }
    };
    let wrong = setup("a-guess", "eve@example.test").await;
    assert!(wrong.redirect().contains("error="));
    let created = setup(theirs, ADMIN).await;
    assert_eq!(created.redirect(), "/settings");
    let session = created.session.expect("signed in");
    assert_eq!(
        app.me(As::Session(&session)).await,
        (StatusCode::OK, Some("admin".to_owned()))
    );
    assert_eq!(db.rows("setup_secrets").await, 0, "every link is gone");
    let again = setup(theirs, "eve@example.test").await;
    assert!(again.redirect().contains("error="));
    assert_eq!(db.rows("users").await, 1);

    // A link logged before the CLI made an account is forgotten at the next start.
    db.store
        .add_setup_secret(&secret::digest("stale"))
        .await
        .expect("secret");
    let restarted = bootstrap(&db.store, &Bootstrap::default())
        .await
        .expect("bootstrap");
    assert!(!restarted.is_open());
    assert_eq!(db.rows("setup_secrets").await, 0);
}

pub async fn sign_in_is_throttled_per_account_and_address(db: &TestDb) {
    let (app, _) = with_admin(db).await;
    add_user(db, "mo@example.test", Role::Member).await;
    add_user(db, "vi@example.test", Role::Viewer).await;
    let (elsewhere, guesser) = ("198.51.100.2", "198.51.100.66");

    // Ten wrong passwords for one account lock it, from anywhere, even with the right password.
    for _ in 0..server::auth::throttle::ACCOUNT_LIMIT {
        assert!(
            app.sign_in_from(guesser, "mo@example.test", "guess")
                .await
                .is_none()
        );
    }
    assert!(
        app.sign_in_from(elsewhere, "mo@example.test", PASSWORD)
            .await
            .is_none()
    );
    // Another account from the same address is not locked.
    assert!(
        app.sign_in_from(guesser, "vi@example.test", PASSWORD)
            .await
            .is_some()
    );

    // Fifty failures from one address lock it for every account, not other addresses.
    let more = server::auth::throttle::ADDRESS_LIMIT - server::auth::throttle::ACCOUNT_LIMIT;
    for n in 0..more {
        let email = format!("nobody{n}@example.test");
        assert!(app.sign_in_from(guesser, &email, "guess").await.is_none());
    }
    assert!(app.sign_in_from(guesser, ADMIN, PASSWORD).await.is_none());
    assert!(app.sign_in_from(elsewhere, ADMIN, PASSWORD).await.is_some());

    // A window later both locks are over.
    db.execute("UPDATE signin_failures SET at = at - 16 * 60 * 1000")
        .await;
    assert!(
        app.sign_in_from(guesser, "mo@example.test", PASSWORD)
            .await
            .is_some()
    );
    assert!(app.sign_in_from(guesser, ADMIN, PASSWORD).await.is_some());
}
