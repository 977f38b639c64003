//! `hearth check` (R13): the real binary over a real home, what it prints and
//! its exit status.

use chrono::Utc;

use crate::common::{TestApp, hearth_at};

/// A home with the fixtures, two audited actions, and the store closed.
fn closed_home() -> tempfile::TempDir {
    let app = TestApp::all();
    for action in ["user.create", "referral.create"] {
        app.state
            .directory
            .audit("u1", action, "referral", "r1", Utc::now())
            .unwrap();
    }
    let TestApp { home, state } = app;
    drop(state);
    home
}

#[test]
fn check_finds_a_sound_home_sound_and_says_what_it_read() {
    let home = closed_home();
    let out = hearth_at(home.path()).arg("check").output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("No problems found."), "{stdout}");
    assert!(
        stdout.contains("2 entries, chain of hashes whole"),
        "{stdout}"
    );
    let services = stdout
        .lines()
        .find(|l| l.trim_start().starts_with("services "))
        .unwrap();
    assert!(!services.contains(" 0 records"), "{services}");
    assert!(!stdout.contains("Opening:"), "nothing to repair: {stdout}");
}

#[test]
fn check_after_a_lost_index_says_it_rebuilt_it_and_then_finds_it_sound() {
    let home = closed_home();
    std::fs::remove_dir_all(home.path().join("search")).unwrap();
    let out = hearth_at(home.path()).arg("check").output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains("Opening: there was no search index; built it from the store"),
        "{stdout}"
    );
    assert!(stdout.contains("No problems found."), "{stdout}");
}

#[test]
fn check_of_a_home_in_use_says_so_and_fails() {
    let app = TestApp::all();
    let out = hearth_at(app.home.path()).arg("check").output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("in use by another Hearth process"),
        "{stderr}"
    );
}
