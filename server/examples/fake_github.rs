//! The tests' fake GitHub API as a program, for the browser tests:
//!
//! ```sh
//! target/debug/examples/fake_github --root DIR --repo owner/name [--token TOKEN] [--port N]
//! ```
//!
//! Serves DIR as `owner/name` at any commit (default branch `main`). With `--token`, requests must
//! carry that token (others get 401) and the repository is private (404 without a token). Prints the
//! API base (`http://127.0.0.1:PORT`) on stdout once listening; stop it with a signal.

#[path = "../tests/support/fake_github.rs"]
mod fake_github;

use std::io::Write;
use std::path::PathBuf;

use clap::Parser;

#[derive(Debug, Parser)]
#[command(about = "A fake GitHub REST API serving a directory as a repository")]
struct Args {
    /// The directory served as the repository's root.
    #[arg(long)]
    root: PathBuf,
    /// `owner/name`.
    #[arg(long)]
    repo: String,
    /// The token requests must carry; without it the repository is public.
    #[arg(long)]
    token: Option<String>,
    /// Port on 127.0.0.1 (0: any free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// The default branch.
    #[arg(long, default_value = "main")]
    default_branch: String,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if !args.repo.contains('/') {
        anyhow::bail!("--repo must be owner/name");
    }
    let mut config = fake_github::Config::new(&args.root, &args.repo, args.token.as_deref());
    config.default_branch = args.default_branch;
    let fake = fake_github::FakeGitHub::start_on(config, args.port).await?;
    let mut stdout = std::io::stdout();
    writeln!(stdout, "{}", fake.url)?;
    stdout.flush()?;
    tokio::signal::ctrl_c().await?;
    Ok(())
}
