//! `hearth user` and `hearth token`, run as the real binary against a temp home:
//! secrets are shown once and never listed or stored in the clear, bad input is
//! refused with a message that says what to fix, and a store in use says so.

use std::io::Write;
use std::path::Path;
use std::process::{Output, Stdio};

use hearth::directory::{Directory, Silent};

use crate::common::hearth_at as hearth;

/// Runs `hearth --dir home ARGS...`, feeding `stdin` when given.
fn run(home: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut command = hearth(home);
    command.args(args);
    let Some(input) = stdin else {
        return command.output().unwrap();
    };
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Runs a command that must succeed; returns its stdout.
fn ok(home: &Path, args: &[&str], stdin: Option<&str>) -> String {
    let output = run(home, args, stdin);
    assert!(
        output.status.success(),
        "hearth {args:?} failed:\n{}{}",
        stdout(&output),
        stderr(&output)
    );
    stdout(&output)
}

/// Runs a command that must fail; returns its stderr.
fn fails(home: &Path, args: &[&str], stdin: Option<&str>) -> String {
    let output = run(home, args, stdin);
    assert!(
        !output.status.success(),
        "hearth {args:?} should have failed:\n{}",
        stdout(&output)
    );
    stderr(&output)
}

/// The `user list` row of an email, split into its columns.
fn row(list: &str, email: &str) -> Vec<String> {
    list.lines()
        .find(|l| l.starts_with(&format!("{email} ")))
        .unwrap_or_else(|| panic!("{email} is not listed:\n{list}"))
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}

/// Whether any file under `dir` contains `needle`.
fn any_file_contains(dir: &Path, needle: &str) -> bool {
    std::fs::read_dir(dir).unwrap().any(|entry| {
        let path = entry.unwrap().path();
        if path.is_dir() {
            any_file_contains(&path, needle)
        } else {
            let bytes = std::fs::read(&path).unwrap();
            bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
        }
    })
}

#[test]
fn a_generated_password_is_shown_once_and_never_listed_or_stored() {
    let home = tempfile::tempdir().unwrap();
    let added = ok(
        home.path(),
        &["user", "add", "Ana@Clinic.org", "--role", "clinician"],
        None,
    );
    let prefix = "Password for ana@clinic.org (shown once; give it to them securely): ";
    let lines: Vec<&str> = added.lines().filter(|l| l.contains("Password")).collect();
    assert_eq!(lines.len(), 1, "shown exactly once: {added}");
    let password = lines[0]
        .strip_prefix(prefix)
        .unwrap_or_else(|| panic!("{added}"));
    assert!(password.len() >= 20, "{password:?}");
    assert_eq!(added.matches(password).count(), 1, "{added}");

    let list = ok(home.path(), &["user", "list"], None);
    let ana = row(&list, "ana@clinic.org");
    assert_eq!(ana[1..3], ["clinician", "no"], "{list}");
    assert!(
        ana[3].len() == 10 && ana[3].chars().filter(|c| *c == '-').count() == 2,
        "created as YYYY-MM-DD: {list}"
    );
    assert!(!list.contains(password), "{list}");
    assert!(!list.contains("$argon2"), "{list}");
    assert!(
        !any_file_contains(home.path(), password),
        "the password is stored in the clear"
    );

    // Who made the change is the machine's operator.
    let (directory, _) = Directory::open(home.path(), &Silent).unwrap();
    let log = directory.audit_log(10).unwrap();
    assert!(
        log.iter()
            .any(|e| e.action == "user.create" && e.actor == "cli"),
        "{log:?}"
    );
}

#[test]
fn a_password_from_stdin_must_meet_the_policy_and_is_not_printed() {
    let home = tempfile::tempdir().unwrap();
    let add = |password: &str| {
        run(
            home.path(),
            &[
                "user",
                "add",
                "bo@legalaid.org",
                "--role",
                "advocate",
                "--password-stdin",
            ],
            Some(password),
        )
    };
    let short = add("hunter2\n");
    assert!(!short.status.success());
    assert!(
        stderr(&short).contains("at least 12 characters"),
        "{}",
        stderr(&short)
    );
    let list = ok(home.path(), &["user", "list"], None);
    assert!(!list.contains("bo@legalaid.org"), "{list}");

    let good = add("maple river lantern 42\n");
    assert!(good.status.success(), "{}", stderr(&good));
    let out = stdout(&good);
    assert!(out.contains("bo@legalaid.org"), "{out}");
    assert!(!out.contains("Password for"), "{out}");
    assert!(!out.contains("maple river lantern"), "{out}");

    // The password kept its spaces and lost only the line ending: it signs in.
    let (directory, _) = Directory::open(home.path(), &Silent).unwrap();
    assert!(
        directory
            .login(
                "bo@legalaid.org",
                "maple river lantern 42",
                "127.0.0.1",
                chrono::Utc::now()
            )
            .is_ok()
    );
}

#[test]
fn bad_input_is_refused_with_what_to_fix() {
    let home = tempfile::tempdir().unwrap();
    ok(
        home.path(),
        &["user", "add", "ana@clinic.org", "--role", "admin"],
        None,
    );

    let taken = fails(
        home.path(),
        &["user", "add", "ANA@clinic.org", "--role", "clinician"],
        None,
    );
    assert!(
        taken.contains("there is already a user with the email ana@clinic.org"),
        "{taken}"
    );

    let role = fails(
        home.path(),
        &["user", "add", "cy@clinic.org", "--role", "root"],
        None,
    );
    assert!(role.contains("root"), "{role}");
    for code in [
        "clinician",
        "organization",
        "moderator",
        "advocate",
        "admin",
    ] {
        assert!(role.contains(code), "the roles are listed: {role}");
    }

    let email = fails(
        home.path(),
        &["user", "add", "cy-at-clinic", "--role", "clinician"],
        None,
    );
    assert!(email.contains("is not an email address"), "{email}");

    let missing = fails(home.path(), &["user", "disable", "zed@clinic.org"], None);
    assert!(
        missing.contains("there is no user with the email zed@clinic.org"),
        "{missing}"
    );

    let list = ok(home.path(), &["user", "list"], None);
    assert_eq!(list.lines().count(), 2, "only the header and ana: {list}");
}

#[test]
fn role_changes_disabling_and_tokens_show_in_the_list_and_tokens_are_not_stored() {
    let home = tempfile::tempdir().unwrap();
    ok(
        home.path(),
        &["user", "add", "dee@foodbank.org", "--role", "organization"],
        None,
    );

    let changed = ok(
        home.path(),
        &["user", "set-role", "dee@foodbank.org", "moderator"],
        None,
    );
    assert!(changed.contains("organization -> moderator"), "{changed}");

    let created = ok(
        home.path(),
        &["token", "create", "dee@foodbank.org", "--name", "sync"],
        None,
    );
    let prefix = "API token for dee@foodbank.org (shown once; only a hash is kept): ";
    let token = created
        .lines()
        .find_map(|l| l.strip_prefix(prefix))
        .unwrap_or_else(|| panic!("{created}"));
    assert!(token.starts_with("hth_") && token.len() > 40, "{token}");
    assert!(
        created.contains("Authorization: Bearer <token>"),
        "{created}"
    );
    assert_eq!(created.matches(token).count(), 1, "shown once: {created}");

    let list = ok(home.path(), &["user", "list"], None);
    assert_eq!(row(&list, "dee@foodbank.org")[1..3], ["moderator", "no"]);
    assert!(!list.contains(token), "{list}");
    assert!(
        !any_file_contains(home.path(), token),
        "the token is stored in the clear"
    );
    {
        // Only its digest is kept, and that is enough to find the user.
        let (directory, _) = Directory::open(home.path(), &Silent).unwrap();
        let user = directory.user_for_token(token).unwrap().unwrap();
        assert_eq!(user.email, "dee@foodbank.org");
    }

    let disabled = ok(home.path(), &["user", "disable", "dee@foodbank.org"], None);
    assert!(disabled.contains("Disabled dee@foodbank.org"), "{disabled}");
    let list = ok(home.path(), &["user", "list"], None);
    assert_eq!(row(&list, "dee@foodbank.org")[1..3], ["moderator", "yes"]);

    let refused = fails(home.path(), &["token", "create", "dee@foodbank.org"], None);
    assert!(refused.contains("is disabled"), "{refused}");
}

#[test]
fn a_store_in_use_by_another_process_says_so_and_what_to_do() {
    let home = tempfile::tempdir().unwrap();
    // This test process holds the store, as a running `hearth serve` would.
    let (_directory, _) = Directory::open(home.path(), &Silent).unwrap();
    for args in [
        &["user", "list"][..],
        &["user", "add", "ana@clinic.org", "--role", "admin"],
        &["token", "create", "ana@clinic.org"],
    ] {
        let message = fails(home.path(), args, None);
        assert!(
            message.contains("in use by another Hearth process"),
            "{args:?}: {message}"
        );
        assert!(message.contains("stop it first"), "{args:?}: {message}");
    }
}
