//! `hearth token`: API tokens for scripts and other systems that call the JSON API.
//!
//! Making and storing tokens (only a digest is kept) belongs to `directory`;
//! this file prints a new token once, with how to use it.

use anyhow::bail;
use chrono::Utc;

use super::open;
use super::user::{ACTOR, find, parse_email};
use crate::config::Config;

/// The name a token gets unless one is given.
const DEFAULT_NAME: &str = "api";

/// Manage API tokens (each acts as the user it belongs to).
///
/// The store allows one process at a time: stop `hearth serve` before running
/// these, then start it again.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: TokenCommand,
}

/// The `token` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum TokenCommand {
    /// Create an API token for a user; it is shown once and only a hash is kept.
    Create(CreateArgs),
}

/// Arguments of `token create`.
#[derive(Debug, clap::Args)]
pub struct CreateArgs {
    /// The email address of the user the token acts as.
    #[arg(value_name = "EMAIL", value_parser = parse_email)]
    pub email: String,

    /// A name that says what the token is for (e.g. the script or system using it).
    #[arg(long, value_name = "NAME", default_value = DEFAULT_NAME, value_parser = parse_name)]
    pub name: String,
}

fn parse_name(text: &str) -> Result<String, String> {
    let name = text.trim();
    if name.is_empty() {
        return Err("give the token a name, e.g. --name referral-sync".into());
    }
    if name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err("a token name is at most 100 characters, on one line".into());
    }
    Ok(name.to_owned())
}

/// Runs `token`.
pub fn run(config: &Config, args: Args) -> anyhow::Result<()> {
    match args.command {
        TokenCommand::Create(args) => create(config, args),
    }
}

fn create(config: &Config, args: CreateArgs) -> anyhow::Result<()> {
    let directory = open(config)?;
    let user = find(&directory, &args.email)?;
    if user.disabled {
        bail!(
            "{} is disabled, so a token for them would not work; use an enabled user",
            user.email
        );
    }
    let token = directory.create_token(&user.email, &args.name, ACTOR, Utc::now())?;
    println!(
        "API token for {} (shown once; only a hash is kept): {token}",
        user.email
    );
    println!(
        "It acts as {} ({}). Send it with each API request in the header:\n  Authorization: Bearer <token>",
        user.email,
        user.role.code()
    );
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn token_names_are_trimmed_and_must_say_something() {
        assert_eq!(parse_name("  sync ").unwrap(), "sync");
        assert!(parse_name("  ").is_err());
        assert!(parse_name("a\nb").is_err());
    }
}
