use chrono::TimeZone;

use super::*;
use crate::model::{Location, Organization};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 28, 15, 0, 0)
        .single()
        .unwrap_or_default()
}

fn service() -> Service {
    Service {
        id: "svc-1".into(),
        name: "Test Pantry".into(),
        organization: Organization {
            id: "org-1".into(),
            name: "Test Org".into(),
            ..Organization::default()
        },
        locations: vec![Location {
            id: "loc-1".into(),
            ..Location::default()
        }],
        ..Service::default()
    }
}

fn input(pairs: &[(&str, &str)]) -> NewReferral {
    let mut n = NewReferral::default();
    for (k, v) in pairs {
        let v = Some((*v).to_owned());
        match *k {
            "need" => n.need = v,
            "location_id" => n.location_id = v,
            "z_code" => n.z_code = v,
            "client_ref" => n.client_ref = v,
            "client_zip" => n.client_zip = v,
            "client_language" => n.client_language = v,
            "urgency" => n.urgency = v,
            "consent" => n.consent = v,
            "contact" => n.contact = v,
            "kind" => n.kind = v,
            "follow_up" => n.follow_up = v,
            "note" => n.note = v,
            other => panic!("{other}"),
        }
    }
    n
}

fn new(pairs: &[(&str, &str)]) -> Result<Referral, Vec<FieldError>> {
    check_new(&input(pairs), &service(), "r1".into(), "u1", now())
}

#[test]
fn a_complete_referral_is_accepted_with_defaults() {
    let r = new(&[
        ("need", "food-insecurity"),
        ("location_id", "loc-1"),
        ("z_code", "z59.41"),
        ("client_ref", "C-1042"),
        ("client_zip", "33136"),
        ("client_language", "Spanish"),
        ("consent", "verbal"),
        ("contact", "text"),
    ])
    .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(r.status, ReferralStatus::Requested);
    assert_eq!(r.kind, ReferralKind::Sent);
    assert_eq!(r.z_code.as_deref(), Some("Z59.41"));
    assert_eq!(r.client_language.as_deref(), Some("es"));
    assert_eq!(r.follow_up, now().date_naive() + Duration::days(7));
    assert_eq!(r.service_name, "Test Pantry");
    assert_eq!(r.history.len(), 1);
    assert_eq!(r.history[0].from, None);
}

#[test]
fn every_problem_is_reported_by_field() {
    let errors = new(&[
        ("need", "hunger"),
        ("location_id", "elsewhere"),
        ("z_code", "F32.9"),
        ("client_zip", "123"),
        ("client_language", "Klingon"),
        ("urgency", "asap"),
        ("consent", "maybe"),
        ("contact", "pigeon"),
        ("follow_up", "next week"),
    ])
    .err()
    .unwrap_or_else(|| panic!("should fail"));
    let fields: Vec<&str> = errors.iter().map(|e| e.field).collect();
    for field in [
        "need",
        "location_id",
        "z_code",
        "client_zip",
        "client_language",
        "urgency",
        "consent",
        "contact",
        "follow_up",
    ] {
        assert!(fields.contains(&field), "{field} in {fields:?}");
    }
    let missing = new(&[]).err().unwrap_or_default();
    assert_eq!(missing[0].field, "need");
}

#[test]
fn a_client_reference_must_not_name_or_date_the_client() {
    for bad in ["Maria Lopez", "03/14/1988", "maria@example.org"] {
        let errors = new(&[("need", "food-insecurity"), ("client_ref", bad)])
            .err()
            .unwrap_or_else(|| panic!("{bad} should be refused"));
        assert_eq!(errors[0].field, "client_ref", "{bad}");
    }
    assert!(new(&[("need", "food-insecurity"), ("client_ref", "MRN-77812")]).is_ok());
}

#[test]
fn a_declined_referral_is_logged_never_sent() {
    let r = new(&[("need", "food-insecurity"), ("consent", "declined")])
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(r.kind, ReferralKind::Logged);
    let errors = new(&[
        ("need", "food-insecurity"),
        ("consent", "declined"),
        ("kind", "sent"),
    ])
    .err()
    .unwrap_or_default();
    assert_eq!(errors[0].field, "kind");
}

fn update(status: &str, reason: Option<&str>, note: Option<&str>) -> StatusUpdate {
    StatusUpdate {
        status: Some(status.into()),
        reason: reason.map(str::to_owned),
        note: note.map(str::to_owned),
    }
}

#[test]
fn allowed_changes_keep_history_and_closed_referrals_refuse_more() {
    let r = new(&[("need", "food-insecurity")]).unwrap_or_else(|e| panic!("{e:?}"));
    let later = now() + Duration::days(7);
    let accepted = change_status(&r, &update("accepted", None, None), "u1", later)
        .unwrap_or_else(|e| panic!("{e:?}"));
    let done = change_status(
        &accepted,
        &update("completed", Some("got help"), None),
        "u1",
        later,
    )
    .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(done.status, ReferralStatus::Completed);
    assert_eq!(done.outcome, Some(OutcomeReason::GotHelp));
    assert_eq!(done.history.len(), 3);
    assert_eq!(done.history[2].from, Some(ReferralStatus::Accepted));
    match change_status(&done, &update("in-progress", None, None), "u1", later) {
        Err(ChangeError::Conflict(message)) => {
            assert!(message.contains("entered-in-error"), "{message}")
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    let undone = change_status(&done, &update("entered-in-error", None, None), "u1", later)
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert!(matches!(
        change_status(&undone, &update("completed", Some("got-help"), None), "u1", later),
        Err(ChangeError::Conflict(m)) if m.contains("can no longer change")
    ));
}

#[test]
fn closing_needs_a_fitting_reason_and_other_needs_a_note() {
    let r = new(&[("need", "food-insecurity")]).unwrap_or_else(|e| panic!("{e:?}"));
    for (status, reason, note, field) in [
        ("completed", None, None, "reason"),
        ("failed", Some("got-help"), None, "reason"),
        ("failed", Some("other"), None, "note"),
        ("accepted", Some("waitlist"), None, "reason"),
        ("lost", None, None, "status"),
        ("failed", Some("bored"), None, "reason"),
    ] {
        match change_status(&r, &update(status, reason, note), "u1", now()) {
            Err(ChangeError::Invalid(errors)) => assert_eq!(errors[0].field, field, "{status}"),
            other => panic!("{status} {reason:?}: expected invalid, got {other:?}"),
        }
    }
    let failed = change_status(
        &r,
        &update("failed", Some("no capacity"), None),
        "u1",
        now(),
    )
    .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(failed.outcome, Some(OutcomeReason::NoCapacity));
    assert!(
        change_status(
            &r,
            &update("failed", Some("other"), Some("moved away")),
            "u1",
            now()
        )
        .is_ok()
    );
}
