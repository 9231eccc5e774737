//! `stackprint admin create`, `stackprint token create` and `stackprint intake-token create`: for
//! operators and automation, against the configured database. Secrets are read from standard input, never from arguments; a new token is
//! printed once on standard output and nowhere else.

use std::io::BufRead;

use anyhow::Context;
use domain::access::Role;

use super::{create_token, create_user};
use crate::audit::Actor;
use crate::config::{AdminCreateArgs, IntakeTokenCreateArgs, TokenCreateArgs};
use crate::storage::{Store, unix_ms_now};

pub async fn admin_create(args: &AdminCreateArgs) -> anyhow::Result<()> {
    let mut password = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut password)
        .context("reading the password from standard input")?;
    let password = password.trim_end_matches(['\r', '\n']).to_owned();
    let store = Store::connect(&args.database.database_url).await?;
    let admin = create_user(
        &store,
        &args.email,
        &args.name,
        password,
        Role::Admin,
        &Actor::cli(),
    )
    .await?;
    tracing::info!(email = %admin.email, id = admin.id, "admin created");
    Ok(())
}

pub async fn token_create(args: &TokenCreateArgs) -> anyhow::Result<()> {
    let store = Store::connect(&args.database.database_url).await?;
    let expires_at = args.expires.map(|lifetime| {
        unix_ms_now().saturating_add(i64::try_from(lifetime.0.as_millis()).unwrap_or(i64::MAX))
    });
    let (token, role) = create_token(
        &store,
        &Actor::cli(),
        &args.email,
        &args.name,
        args.role,
        expires_at,
    )
    .await?;
    tracing::info!(email = %args.email, name = %args.name, %role, "API token created");
    println!("{token}");
    Ok(())
}

pub async fn intake_token_create(args: &IntakeTokenCreateArgs) -> anyhow::Result<()> {
    let store = Store::connect(&args.database.database_url).await?;
    let created = super::intake_tokens::create(&store, &Actor::cli(), &args.name, None).await?;
    tracing::info!(name = %args.name, prefix = %created.prefix, "intake token created");
    println!("{}", created.token);
    Ok(())
}
