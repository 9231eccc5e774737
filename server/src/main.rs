use clap::Parser;
use server::auth::commands;
use server::config::{AdminCommand, Cli, Command, IntakeTokenCommand, TokenCommand};
use server::storage::Store;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            EnvFilter::try_from_env("STACKPRINT_LOG").unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    match Cli::parse().command {
        Command::Serve(args) => server::serve::run(*args).await,
        Command::Migrate(args) => {
            Store::connect(&args.database_url).await?;
            tracing::info!(database = %args.database_url, "database is up to date");
            Ok(())
        }
        Command::Admin(AdminCommand::Create(args)) => commands::admin_create(&args).await,
        Command::Token(TokenCommand::Create(args)) => commands::token_create(&args).await,
        Command::IntakeToken(IntakeTokenCommand::Create(args)) => {
            commands::intake_token_create(&args).await
        }
    }
}
