//! `hearth user`: add, list, re-role and disable the people who sign in.
//!
//! Accounts, password hashing and the audit log belong to `directory`; this
//! file parses the command line, reads a password from stdin when asked to and
//! prints what changed. Changes are audited with the actor [`ACTOR`].

use std::io::{BufRead, IsTerminal, Write};

use anyhow::{Context, bail};
use chrono::Utc;
use clap::builder::{PossibleValuesParser, TypedValueParser};

use super::open;
use crate::auth::password;
use crate::config::Config;
use crate::directory::{AccountError, Directory};
use crate::model::{Role, User, normalize_email};

/// Who the audit log says made a change from the command line: the machine's operator.
pub(super) const ACTOR: &str = "cli";

/// Manage the people who sign in: add, list, change roles, disable.
///
/// The store allows one process at a time: stop `hearth serve` before running
/// these, then start it again.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: UserCommand,
}

/// The `user` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum UserCommand {
    /// Add a user. Without --password-stdin a password is generated and shown once.
    Add(AddArgs),
    /// List the users (never their passwords).
    List,
    /// Change a user's role.
    SetRole(SetRoleArgs),
    /// Disable a user: they can no longer sign in, and their sessions and API tokens stop working.
    Disable(DisableArgs),
}

/// Arguments of `user add`.
#[derive(Debug, clap::Args)]
pub struct AddArgs {
    /// Their email address (what they sign in with).
    #[arg(value_name = "EMAIL", value_parser = parse_email)]
    pub email: String,

    /// What they may do.
    #[arg(long, value_name = "ROLE", value_parser = role_parser(), ignore_case = true)]
    pub role: Role,

    /// Read the password from the first line of stdin instead of generating one
    /// (at least 12 characters; nothing is printed back).
    #[arg(long)]
    pub password_stdin: bool,
}

/// Arguments of `user set-role`.
#[derive(Debug, clap::Args)]
pub struct SetRoleArgs {
    /// The user's email address.
    #[arg(value_name = "EMAIL", value_parser = parse_email)]
    pub email: String,

    /// Their new role.
    #[arg(value_name = "ROLE", value_parser = role_parser(), ignore_case = true)]
    pub role: Role,
}

/// Arguments of `user disable`.
#[derive(Debug, clap::Args)]
pub struct DisableArgs {
    /// The user's email address.
    #[arg(value_name = "EMAIL", value_parser = parse_email)]
    pub email: String,
}

/// Parses an email address into its normalized form (trimmed, lower-cased).
pub(super) fn parse_email(text: &str) -> Result<String, String> {
    normalize_email(text).ok_or_else(|| AccountError::BadEmail(text.to_owned()).to_string())
}

/// Parses a role code; clap lists the roles in `--help` and when one is unknown.
fn role_parser() -> impl TypedValueParser<Value = Role> {
    PossibleValuesParser::new(Role::ALL.map(Role::code))
        .try_map(|code| Role::parse(&code).ok_or_else(|| format!("{code:?} is not a role")))
}

/// Runs `user`.
pub fn run(config: &Config, args: Args) -> anyhow::Result<()> {
    match args.command {
        UserCommand::Add(args) => add(config, args),
        UserCommand::List => list(config),
        UserCommand::SetRole(args) => set_role(config, args),
        UserCommand::Disable(args) => disable(config, args),
    }
}

fn add(config: &Config, args: AddArgs) -> anyhow::Result<()> {
    // Read and check the password before opening the store, so that the store
    // is not held while someone types, and a weak password costs nothing.
    let chosen = if args.password_stdin {
        let p = read_password(&args.email)?;
        password::check_policy(&p)?;
        Some(p)
    } else {
        None
    };
    let directory = open(config)?;
    let (user, generated) =
        directory.add_user(&args.email, args.role, chosen.as_deref(), ACTOR, Utc::now())?;
    println!(
        "Added {} as {} (id {}).",
        user.email,
        user.role.code(),
        user.id
    );
    if let Some(generated) = generated {
        println!(
            "Password for {} (shown once; give it to them securely): {generated}",
            user.email
        );
    }
    Ok(())
}

/// Reads one line from stdin, without its line ending.
fn read_password(email: &str) -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        // The terminal echoes what is typed; piping it in is the quiet way.
        eprint!(
            "Password for {email} (at least {} characters; it is shown as you type), then Enter: ",
            password::MIN_PASSWORD_CHARS
        );
        std::io::stderr().flush().ok();
    }
    let mut line = String::new();
    let read = stdin
        .lock()
        .read_line(&mut line)
        .context("reading the password from stdin")?;
    if read == 0 {
        bail!(
            "--password-stdin found nothing on stdin; pipe the password in, e.g. `printf '%s\\n' \"$PASSWORD\" | hearth user add ...`"
        );
    }
    let end = line.trim_end_matches(['\n', '\r']).len();
    line.truncate(end);
    Ok(line)
}

fn list(config: &Config) -> anyhow::Result<()> {
    let directory = open(config)?;
    let mut users = directory.users().context("reading the users")?;
    if users.is_empty() {
        println!("No users yet; add one with `hearth user add EMAIL --role admin`.");
        return Ok(());
    }
    users.sort_by(|a, b| a.email.cmp(&b.email));
    print!("{}", render_table(&users));
    Ok(())
}

/// The users as an aligned table: email, role, disabled, created, id.
fn render_table(users: &[User]) -> String {
    let header = ["EMAIL", "ROLE", "DISABLED", "CREATED", "ID"];
    let rows: Vec<[String; 5]> = users
        .iter()
        .map(|u| {
            [
                u.email.clone(),
                u.role.code().to_owned(),
                if u.disabled { "yes" } else { "no" }.to_owned(),
                u.created_at.format("%Y-%m-%d").to_string(),
                u.id.clone(),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: &[&str]| {
        let mut text = String::new();
        for (i, (cell, width)) in cells.iter().zip(widths).enumerate() {
            if i + 1 == cells.len() {
                text.push_str(cell);
            } else {
                text.push_str(&format!("{cell:<width$}  "));
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    line(&header);
    for row in &rows {
        line(&row.each_ref().map(String::as_str));
    }
    out
}

fn set_role(config: &Config, args: SetRoleArgs) -> anyhow::Result<()> {
    let directory = open(config)?;
    let before = find(&directory, &args.email)?;
    if before.role == args.role {
        println!(
            "{} is already {}; nothing changed.",
            before.email,
            args.role.code()
        );
        return Ok(());
    }
    let user = directory.set_role(&args.email, args.role, ACTOR, Utc::now())?;
    println!(
        "{}: role {} -> {}.",
        user.email,
        before.role.code(),
        user.role.code()
    );
    warn_if_no_admin(&directory)
}

fn disable(config: &Config, args: DisableArgs) -> anyhow::Result<()> {
    let directory = open(config)?;
    let before = find(&directory, &args.email)?;
    if before.disabled {
        println!("{} is already disabled; nothing changed.", before.email);
        return Ok(());
    }
    let user = directory.disable_user(&args.email, ACTOR, Utc::now())?;
    println!(
        "Disabled {} ({}): they can no longer sign in, and their sessions and API tokens stop working.",
        user.email,
        user.role.code()
    );
    warn_if_no_admin(&directory)
}

/// The user with this (normalized) email.
pub(super) fn find(directory: &Directory, email: &str) -> anyhow::Result<User> {
    let users = directory.users().context("reading the users")?;
    match users.into_iter().find(|u| u.email == email) {
        Some(user) => Ok(user),
        None => Err(AccountError::NoSuchUser(email.to_owned()).into()),
    }
}

/// Says so when no one is left who can manage users from the web.
fn warn_if_no_admin(directory: &Directory) -> anyhow::Result<()> {
    if !directory.has_admin().context("reading the users")? {
        eprintln!(
            "note: there is no enabled admin now; add one with `hearth user add EMAIL --role admin` or `hearth user set-role EMAIL admin`."
        );
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_table_aligns_columns_and_shows_no_hash() {
        let user = |email: &str, role, disabled| User {
            id: format!("id-{email}"),
            email: email.to_owned(),
            role,
            password_hash: "$argon2id$v=19$secret".to_owned(),
            disabled,
            created_at: Utc.with_ymd_and_hms(2024, 6, 3, 12, 0, 0).unwrap(),
        };
        let table = render_table(&[
            user("ana@clinic.org", Role::Clinician, false),
            user("bo@x.org", Role::Admin, true),
        ]);
        assert_eq!(
            table,
            "EMAIL           ROLE       DISABLED  CREATED     ID\n\
             ana@clinic.org  clinician  no        2024-06-03  id-ana@clinic.org\n\
             bo@x.org        admin      yes       2024-06-03  id-bo@x.org\n"
        );
    }

    #[test]
    fn emails_are_normalized_and_bad_ones_say_what_to_give() {
        assert_eq!(parse_email(" Ana@Clinic.ORG").unwrap(), "ana@clinic.org");
        assert!(parse_email("ana").unwrap_err().contains("name@clinic.org"));
    }
}
