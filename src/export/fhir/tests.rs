use chrono::{TimeZone, Utc};
use serde_json::{Value, json};

use super::*;
use crate::model::{Address, Need, Organization, Role};

fn at(day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, day, hour, 0, 0)
        .single()
        .unwrap_or_else(|| panic!("bad test date {day} {hour}"))
}

fn clinician() -> User {
    User {
        id: "u-ana".into(),
        email: "ana.reyes@clinic.example.org".into(),
        role: Role::Clinician,
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        disabled: false,
        created_at: at(1, 9),
    }
}

/// A sent, accepted food referral with every optional field filled.
fn referral() -> Referral {
    Referral {
        id: "r-0042".into(),
        request_id: Some("req-7".into()),
        created_at: at(2, 9),
        created_by: "u-ana".into(),
        service_id: "svc-pantry".into(),
        location_id: Some("loc-south".into()),
        service_name: "Emergency Food Pantry".into(),
        organization_name: "Community Action Agency".into(),
        need: Need::parse("food-insecurity").unwrap_or_else(|| panic!("need")),
        z_code: Some("Z59.41".into()),
        client_ref: Some("C-17".into()),
        client_zip: Some("33189".into()),
        client_language: Some("es".into()),
        urgency: Urgency::Urgent,
        consent: Some(Consent::Verbal),
        contact: Some(ContactPreference::Phone),
        kind: ReferralKind::Sent,
        follow_up: at(9, 9).date_naive(),
        note: Some("Family of four; prefers afternoon pickup.".into()),
        status: ReferralStatus::Accepted,
        outcome: None,
        history: vec![
            StatusChange {
                at: at(2, 9),
                by: "u-ana".into(),
                from: None,
                to: ReferralStatus::Requested,
                reason: None,
                note: None,
            },
            StatusChange {
                at: at(3, 14),
                by: "u-ana".into(),
                from: Some(ReferralStatus::Requested),
                to: ReferralStatus::Accepted,
                reason: None,
                note: Some("Program called back".into()),
            },
        ],
    }
}

fn service() -> Service {
    Service {
        id: "svc-pantry".into(),
        name: "Emergency Food Pantry (renamed)".into(),
        organization: Organization {
            id: "org-caa".into(),
            name: "Community Action Agency".into(),
            email: Some("intake@caa.example.org".into()),
            ..Organization::default()
        },
        locations: vec![
            Location {
                id: "loc-main".into(),
                address: Some(Address {
                    address_1: "1 Main Street".into(),
                    city: "Miami".into(),
                    state_province: "FL".into(),
                    postal_code: "33101".into(),
                    country: "US".into(),
                    ..Address::default()
                }),
                phones: vec![Phone {
                    number: "(305) 555-0100".into(),
                    ..Phone::default()
                }],
                ..Location::default()
            },
            Location {
                id: "loc-south".into(),
                address: Some(Address {
                    address_1: "11347 SW 160th Street".into(),
                    address_2: Some("  ".into()),
                    city: "Miami".into(),
                    state_province: "FL".into(),
                    postal_code: "33157".into(),
                    country: "US".into(),
                    ..Address::default()
                }),
                phones: vec![
                    Phone {
                        number: "(305) 253-4841".into(),
                        extension: Some("12".into()),
                        kind: Some("voice".into()),
                        ..Phone::default()
                    },
                    Phone {
                        number: "(305) 253-4842".into(),
                        kind: Some("fax".into()),
                        ..Phone::default()
                    },
                    Phone {
                        number: " ".into(),
                        ..Phone::default()
                    },
                ],
                ..Location::default()
            },
        ],
        ..Service::default()
    }
}

fn build(referral: &Referral, service: Option<&Service>) -> Value {
    referral_bundle(
        referral,
        service,
        &clinician(),
        "https://hearth.example.org/",
    )
}

fn entries(bundle: &Value) -> &Vec<Value> {
    bundle["entry"]
        .as_array()
        .unwrap_or_else(|| panic!("bundle has no entries: {bundle}"))
}

/// The only resource of a type in the bundle.
fn resource<'a>(bundle: &'a Value, resource_type: &str) -> &'a Value {
    let found: Vec<&Value> = entries(bundle)
        .iter()
        .map(|e| &e["resource"])
        .filter(|r| r["resourceType"] == resource_type)
        .collect();
    assert_eq!(found.len(), 1, "one {resource_type} expected in {bundle}");
    found[0]
}

fn has_resource(bundle: &Value, resource_type: &str) -> bool {
    entries(bundle)
        .iter()
        .any(|e| e["resource"]["resourceType"] == resource_type)
}

/// The resource a reference points at, by fullUrl.
fn resolve<'a>(bundle: &'a Value, reference: &Value) -> &'a Value {
    let target = reference["reference"]
        .as_str()
        .unwrap_or_else(|| panic!("not a reference: {reference}"));
    entries(bundle)
        .iter()
        .find(|e| e["fullUrl"] == target)
        .map(|e| &e["resource"])
        .unwrap_or_else(|| panic!("{target} does not resolve in the bundle"))
}

fn str_at<'a>(value: &'a Value, pointer: &str) -> &'a str {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no string at {pointer} in {value}"))
}

/// Every place in `value` FHIR JSON forbids: null, "", [], {} (with its path).
fn empty_elements(value: &Value, path: &str, found: &mut Vec<String>) {
    match value {
        Value::Null => found.push(format!("{path}: null")),
        Value::String(s) if s.trim().is_empty() => found.push(format!("{path}: empty string")),
        Value::Array(items) if items.is_empty() => found.push(format!("{path}: empty array")),
        Value::Object(map) if map.is_empty() => found.push(format!("{path}: empty object")),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                empty_elements(item, &format!("{path}/{i}"), found);
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                empty_elements(item, &format!("{path}/{key}"), found);
            }
        }
        _ => {}
    }
}

fn assert_no_empty_elements(bundle: &Value) {
    let mut found = Vec::new();
    empty_elements(bundle, "", &mut found);
    assert!(found.is_empty(), "empty elements: {found:?}");
}

/// Every `reference` string anywhere in `value`.
fn references(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, item) in map {
                match (key.as_str(), item) {
                    ("reference", Value::String(r)) => found.push(r.clone()),
                    _ => references(item, found),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| references(i, found)),
        _ => {}
    }
}

#[test]
fn bundle_is_a_deterministic_collection_of_uuid_entries() {
    let bundle = build(&referral(), Some(&service()));
    assert_eq!(bundle["resourceType"], "Bundle");
    assert_eq!(bundle["type"], "collection");
    assert_eq!(bundle["id"], "r-0042");
    // The last status change, not the clock.
    assert_eq!(bundle["timestamp"], "2026-11-03T14:00:00Z");
    assert_eq!(
        str_at(&bundle, "/link/0/url"),
        "https://hearth.example.org/api/v1/referrals/r-0042/fhir"
    );

    let types: Vec<&str> = entries(&bundle)
        .iter()
        .map(|e| str_at(e, "/resource/resourceType"))
        .collect();
    assert_eq!(
        types,
        [
            "ServiceRequest",
            "Task",
            "Consent",
            "Patient",
            "Practitioner",
            "PractitionerRole",
            "Organization"
        ]
    );
    let mut full_urls = Vec::new();
    for e in entries(&bundle) {
        let full_url = str_at(e, "/fullUrl");
        let id = str_at(e, "/resource/id");
        assert_eq!(full_url, format!("urn:uuid:{id}"));
        assert!(Uuid::parse_str(id).is_ok(), "{id} is not a UUID");
        full_urls.push(full_url.to_owned());
    }
    full_urls.sort();
    full_urls.dedup();
    assert_eq!(full_urls.len(), types.len(), "fullUrls must be unique");

    assert_eq!(bundle, build(&referral(), Some(&service())));
}

#[test]
fn every_reference_resolves_to_an_entry() {
    // Full: 4 from the ServiceRequest, 4 from the Task, 3 from the Consent and
    // the role's practitioner. Sparse: no Consent, so neither its 3 nor
    // ServiceRequest.supportingInfo.
    for (r, count) in [(referral(), 12), (sparse_referral(), 8)] {
        let bundle = build(&r, Some(&service()));
        let mut found = Vec::new();
        references(&bundle, &mut found);
        assert_eq!(found.len(), count, "{found:?}");
        for target in found {
            resolve(&bundle, &json!({ "reference": target }));
        }
    }
}

#[test]
fn service_request_carries_what_the_sdohcc_profile_requires() {
    let bundle = build(&referral(), Some(&service()));
    let sr = resource(&bundle, "ServiceRequest");
    assert_eq!(str_at(sr, "/meta/profile/0"), PROFILE_SERVICE_REQUEST);
    assert_eq!(sr["status"], "active");
    assert_eq!(sr["intent"], "order");
    assert_eq!(sr["priority"], "urgent");
    assert_eq!(
        str_at(sr, "/category/0/coding/0/system"),
        SDOHCC_TEMPORARY_CODES
    );
    assert_eq!(str_at(sr, "/category/0/coding/0/code"), "food-insecurity");
    assert_eq!(
        str_at(sr, "/category/0/coding/0/display"),
        "Food Insecurity"
    );
    // The name at the time of the referral, not the listing's current one.
    assert_eq!(str_at(sr, "/code/text"), "Emergency Food Pantry");
    assert_eq!(sr["authoredOn"], "2026-11-02T09:00:00Z");
    assert_eq!(resolve(&bundle, &sr["subject"])["resourceType"], "Patient");
    assert_eq!(
        resolve(&bundle, &sr["requester"])["resourceType"],
        "Practitioner"
    );
    assert_eq!(
        resolve(&bundle, &sr["performer"][0])["resourceType"],
        "Organization"
    );
    assert_eq!(
        str_at(sr, "/performer/0/display"),
        "Community Action Agency"
    );
    assert_eq!(
        resolve(&bundle, &sr["supportingInfo"][0])["resourceType"],
        "Consent"
    );
    assert_eq!(str_at(sr, "/identifier/0/value"), "r-0042");
    assert_eq!(
        str_at(sr, "/note/0/text"),
        "Family of four; prefers afternoon pickup."
    );
    assert!(sr.get("orderDetail").is_none());
}

#[test]
fn every_need_code_is_a_domain_code_of_the_ig() {
    for code in Need::CODES {
        assert!(domain_display(code).is_some(), "{code} has no display");
        let mut r = referral();
        r.need = Need::parse(code).unwrap_or_else(|| panic!("{code}"));
        r.z_code = None;
        let bundle = build(&r, None);
        let sr = resource(&bundle, "ServiceRequest");
        assert_eq!(str_at(sr, "/category/0/coding/0/code"), code);
    }
    assert_eq!(domain_display("hunger"), None);
}

#[test]
fn z_code_is_the_icd_10_cm_reason_when_given() {
    let mut r = referral();
    r.z_code = Some(" z59.41 ".into());
    let bundle = build(&r, Some(&service()));
    let sr = resource(&bundle, "ServiceRequest");
    assert_eq!(
        str_at(sr, "/reasonCode/0/coding/0/system"),
        "http://hl7.org/fhir/sid/icd-10-cm"
    );
    assert_eq!(str_at(sr, "/reasonCode/0/coding/0/code"), "Z59.41");
    assert_eq!(
        str_at(sr, "/reasonCode/0/coding/0/display"),
        "Food insecurity"
    );

    r.z_code = None;
    let bundle = build(&r, Some(&service()));
    assert!(
        resource(&bundle, "ServiceRequest")
            .get("reasonCode")
            .is_none()
    );

    r.z_code = Some("F32.9".into());
    let bundle = build(&r, Some(&service()));
    assert!(
        resource(&bundle, "ServiceRequest")
            .get("reasonCode")
            .is_none(),
        "only Z codes are sent as the social reason"
    );
}

#[test]
fn task_carries_what_the_referral_management_profile_requires() {
    let bundle = build(&referral(), Some(&service()));
    let task = resource(&bundle, "Task");
    assert_eq!(str_at(task, "/meta/profile/0"), PROFILE_TASK);
    assert_eq!(task["status"], "accepted");
    assert_eq!(task["intent"], "order");
    assert_eq!(
        str_at(task, "/code/coding/0/system"),
        "http://hl7.org/fhir/CodeSystem/task-code"
    );
    assert_eq!(str_at(task, "/code/coding/0/code"), "fulfill");
    assert_eq!(
        resolve(&bundle, &task["focus"])["resourceType"],
        "ServiceRequest"
    );
    assert_eq!(resolve(&bundle, &task["for"])["resourceType"], "Patient");
    assert_eq!(task["authoredOn"], "2026-11-02T09:00:00Z");
    assert_eq!(task["lastModified"], "2026-11-03T14:00:00Z");
    let role = resolve(&bundle, &task["requester"]);
    assert_eq!(role["resourceType"], "PractitionerRole");
    assert_eq!(
        resolve(&bundle, &role["practitioner"])["resourceType"],
        "Practitioner"
    );
    assert_eq!(
        resolve(&bundle, &task["owner"])["resourceType"],
        "Organization"
    );
    assert_eq!(str_at(task, "/businessStatus/text"), "Sent to the program");
    // Accepted with no outcome: nothing to give as a reason.
    assert!(task.get("statusReason").is_none());
}

#[test]
fn statuses_map_for_every_referral_status() {
    let expected = [
        (ReferralStatus::Draft, "draft"),
        (ReferralStatus::Requested, "active"),
        (ReferralStatus::Accepted, "active"),
        (ReferralStatus::Rejected, "revoked"),
        (ReferralStatus::Cancelled, "revoked"),
        (ReferralStatus::InProgress, "active"),
        (ReferralStatus::OnHold, "active"),
        (ReferralStatus::Failed, "revoked"),
        (ReferralStatus::Completed, "completed"),
        (ReferralStatus::EnteredInError, "entered-in-error"),
    ];
    assert_eq!(expected.len(), ReferralStatus::ALL.len());
    for (status, request_status) in expected {
        let mut r = referral();
        r.status = status;
        let bundle = build(&r, Some(&service()));
        assert_eq!(
            resource(&bundle, "ServiceRequest")["status"],
            request_status,
            "{status:?}"
        );
        assert_eq!(
            resource(&bundle, "Task")["status"],
            status.code(),
            "{status:?}"
        );
        // SDOHCC-ValueSetReferralTaskStatus leaves out only these two.
        assert!(!["ready", "received"].contains(&status.code()));
    }
}

#[test]
fn status_reason_is_the_outcome_label_and_the_note_for_other() {
    let mut r = referral();
    r.status = ReferralStatus::Failed;
    r.outcome = Some(OutcomeReason::CouldNotContact);
    r.history.push(StatusChange {
        at: at(5, 10),
        by: "u-ana".into(),
        from: Some(ReferralStatus::Accepted),
        to: ReferralStatus::Failed,
        reason: Some(OutcomeReason::CouldNotContact),
        note: Some("Three calls, no answer".into()),
    });
    let bundle = build(&r, Some(&service()));
    let task = resource(&bundle, "Task");
    assert_eq!(str_at(task, "/statusReason/text"), "Couldn't contact");
    assert_eq!(task["lastModified"], "2026-11-05T10:00:00Z");

    r.outcome = Some(OutcomeReason::Other);
    r.history.last_mut().into_iter().for_each(|c| {
        c.reason = Some(OutcomeReason::Other);
        c.note = Some("Moved out of state".into());
    });
    let bundle = build(&r, Some(&service()));
    assert_eq!(
        str_at(resource(&bundle, "Task"), "/statusReason/text"),
        "Other: Moved out of state"
    );

    // On hold without an outcome: the note on the change is the reason.
    r.status = ReferralStatus::OnHold;
    r.outcome = None;
    r.history.last_mut().into_iter().for_each(|c| {
        c.to = ReferralStatus::OnHold;
        c.reason = None;
        c.note = Some("Waiting for an opening".into());
    });
    let bundle = build(&r, Some(&service()));
    assert_eq!(
        str_at(resource(&bundle, "Task"), "/statusReason/text"),
        "Waiting for an opening"
    );
}

#[test]
fn consent_is_present_only_when_recorded() {
    let bundle = build(&referral(), Some(&service()));
    let consent = resource(&bundle, "Consent");
    assert_eq!(consent["status"], "active");
    assert_eq!(str_at(consent, "/scope/coding/0/code"), "patient-privacy");
    let categories: Vec<(&str, &str)> = consent["category"]
        .as_array()
        .unwrap_or_else(|| panic!("no category"))
        .iter()
        .map(|c| (str_at(c, "/coding/0/system"), str_at(c, "/coding/0/code")))
        .collect();
    assert!(categories.contains(&("http://loinc.org", "59284-0")));
    assert!(categories.contains(&("http://terminology.hl7.org/CodeSystem/v3-ActCode", "IDSCL")));
    assert_eq!(
        resolve(&bundle, &consent["patient"])["resourceType"],
        "Patient"
    );
    assert_eq!(consent["dateTime"], "2026-11-02T09:00:00Z");
    assert_eq!(str_at(consent, "/policyRule/coding/0/code"), "OPTIN");
    assert_eq!(str_at(consent, "/provision/type"), "permit");
    assert_eq!(
        resolve(&bundle, &consent["provision"]["actor"][0]["reference"])["resourceType"],
        "Organization"
    );

    let mut r = referral();
    r.consent = Some(Consent::Written);
    let bundle = build(&r, Some(&service()));
    assert_eq!(resource(&bundle, "Consent")["status"], "active");

    r.consent = Some(Consent::Declined);
    let bundle = build(&r, Some(&service()));
    let consent = resource(&bundle, "Consent");
    assert_eq!(consent["status"], "rejected");
    assert_eq!(str_at(consent, "/provision/type"), "deny");
    assert_eq!(str_at(consent, "/policyRule/coding/0/code"), "OPTOUT");

    r.consent = None;
    let bundle = build(&r, Some(&service()));
    assert!(!has_resource(&bundle, "Consent"));
    assert!(
        resource(&bundle, "ServiceRequest")
            .get("supportingInfo")
            .is_none()
    );
    assert_eq!(entries(&bundle).len(), 6);
}

#[test]
fn patient_carries_only_the_client_reference() {
    let bundle = build(&referral(), Some(&service()));
    let patient = resource(&bundle, "Patient");
    let mut keys: Vec<&str> = patient
        .as_object()
        .unwrap_or_else(|| panic!("patient is not an object"))
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(keys, ["id", "identifier", "resourceType"]);
    assert_eq!(patient["identifier"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        str_at(patient, "/identifier/0/system"),
        "urn:hearth:client-ref:u-ana"
    );
    assert_eq!(str_at(patient, "/identifier/0/value"), "C-17");

    // Nothing else about the client or the clinician leaves Hearth.
    let text = bundle.to_string();
    for private in ["33189", "\"es\"", "ana.reyes", "argon2", "req-7"] {
        assert!(!text.contains(private), "{private} leaked: {text}");
    }
    let practitioner = resource(&bundle, "Practitioner");
    assert_eq!(
        practitioner,
        &json!({
            "resourceType": "Practitioner",
            "id": practitioner["id"],
            "identifier": [{ "system": "urn:hearth:user", "value": "u-ana" }],
        })
    );
}

#[test]
fn without_a_client_reference_the_patient_is_the_referral_subject() {
    let mut r = referral();
    r.client_ref = Some("  ".into());
    let bundle = build(&r, Some(&service()));
    let patient = resource(&bundle, "Patient");
    assert_eq!(str_at(patient, "/identifier/0/use"), "temp");
    assert_eq!(
        str_at(patient, "/identifier/0/system"),
        "urn:hearth:referral-subject"
    );
    assert_eq!(str_at(patient, "/identifier/0/value"), "r-0042");
    assert!(str_at(patient, "/identifier/0/type/text").contains("No client reference"));
    for absent in ["name", "birthDate", "address", "gender", "telecom"] {
        assert!(patient.get(absent).is_none(), "{absent}");
    }
}

#[test]
fn client_references_are_scoped_to_their_clinician() {
    let mut a = referral();
    let mut b = referral();
    b.id = "r-0043".into();
    let same = |x: &Referral, y: &Referral| {
        resource(&build(x, None), "Patient")["id"] == resource(&build(y, None), "Patient")["id"]
    };
    assert!(same(&a, &b), "one clinician's C-17 is one client");
    b.created_by = "u-ben".into();
    assert!(!same(&a, &b), "another clinician's C-17 is someone else");
    a.created_by = "u ana/1".into();
    let bundle = build(&a, None);
    assert_eq!(
        str_at(resource(&bundle, "Patient"), "/identifier/0/system"),
        "urn:hearth:client-ref:u%20ana%2F1"
    );
}

#[test]
fn organization_takes_contact_details_from_the_referred_location() {
    let bundle = build(&referral(), Some(&service()));
    let org = resource(&bundle, "Organization");
    assert_eq!(org["name"], "Community Action Agency");
    let identifiers: Vec<(&str, &str)> = org["identifier"]
        .as_array()
        .unwrap_or_else(|| panic!("no identifier"))
        .iter()
        .map(|i| (str_at(i, "/system"), str_at(i, "/value")))
        .collect();
    assert_eq!(
        identifiers,
        [
            ("urn:hearth:organization", "org-caa"),
            ("urn:hearth:service", "svc-pantry")
        ]
    );
    assert_eq!(
        org["telecom"],
        json!([
            { "system": "phone", "value": "(305) 253-4841 ext. 12", "use": "work" },
            { "system": "fax", "value": "(305) 253-4842", "use": "work" },
        ])
    );
    assert_eq!(
        org["address"],
        json!([{
            "use": "work",
            "type": "physical",
            "line": ["11347 SW 160th Street"],
            "city": "Miami",
            "state": "FL",
            "postalCode": "33157",
            "country": "US",
        }])
    );

    // No location named: the listing's first.
    let mut r = referral();
    r.location_id = None;
    let bundle = build(&r, Some(&service()));
    assert_eq!(
        str_at(resource(&bundle, "Organization"), "/address/0/line/0"),
        "1 Main Street"
    );

    // The listing is gone: name and service id from the referral, nothing else.
    let bundle = build(&r, None);
    let org = resource(&bundle, "Organization");
    assert_eq!(org["name"], "Community Action Agency");
    assert_eq!(str_at(org, "/identifier/0/value"), "svc-pantry");
    assert!(org.get("telecom").is_none() && org.get("address").is_none());
}

/// A referral with every optional field absent or blank.
fn sparse_referral() -> Referral {
    Referral {
        id: "r_odd id".into(),
        request_id: None,
        created_at: at(2, 9),
        created_by: "u-ana".into(),
        service_id: "svc-pantry".into(),
        location_id: Some("no-such-location".into()),
        service_name: " ".into(),
        organization_name: String::new(),
        need: Need::parse("sdoh-category-unspecified").unwrap_or_else(|| panic!("need")),
        z_code: Some(String::new()),
        client_ref: None,
        client_zip: None,
        client_language: None,
        urgency: Urgency::Emergency,
        consent: None,
        contact: Some(ContactPreference::DoNotContact),
        kind: ReferralKind::Logged,
        follow_up: at(9, 9).date_naive(),
        note: Some(" ".into()),
        status: ReferralStatus::Draft,
        outcome: None,
        history: Vec::new(),
    }
}

#[test]
fn a_sparse_referral_still_gives_a_valid_bundle() {
    let empty_listing = Service {
        locations: vec![Location {
            location_type: LocationType::Virtual,
            address: Some(Address::default()),
            phones: vec![Phone::default()],
            ..Location::default()
        }],
        ..Service::default()
    };
    let r = sparse_referral();
    for service in [None, Some(&empty_listing)] {
        let bundle = referral_bundle(&r, service, &clinician(), "");
        assert_no_empty_elements(&bundle);
        // Not a valid FHIR id, so the bundle gets a UUID derived from it.
        assert!(Uuid::parse_str(str_at(&bundle, "/id")).is_ok());
        assert_eq!(bundle["timestamp"], "2026-11-02T09:00:00Z");
        assert!(bundle.get("link").is_none());
        let sr = resource(&bundle, "ServiceRequest");
        assert_eq!(str_at(sr, "/code/text"), "Community service referral");
        assert_eq!(sr["priority"], "stat");
        assert_eq!(
            str_at(sr, "/orderDetail/0/coding/0/code"),
            "contacting-subject-prohibited"
        );
        assert!(sr.get("note").is_none() && sr.get("reasonCode").is_none());
        let org = resource(&bundle, "Organization");
        assert!(org.get("name").is_none());
        assert_eq!(str_at(org, "/identifier/0/value"), "svc-pantry");
        let task = resource(&bundle, "Task");
        assert_eq!(task["lastModified"], task["authoredOn"]);
        assert!(str_at(task, "/businessStatus/text").starts_with("Logged"));
    }
}

#[test]
fn no_element_of_a_full_bundle_is_empty() {
    for consent in [Some(Consent::Verbal), Some(Consent::Declined), None] {
        let mut r = referral();
        r.consent = consent;
        assert_no_empty_elements(&build(&r, Some(&service())));
    }
}

#[test]
fn the_empty_element_walker_finds_each_kind() {
    let bad = json!({ "a": null, "b": "", "c": [], "d": {}, "e": [{ "f": " " }], "g": 1 });
    let mut found = Vec::new();
    empty_elements(&bad, "", &mut found);
    assert_eq!(
        found,
        [
            "/a: null",
            "/b: empty string",
            "/c: empty array",
            "/d: empty object",
            "/e/0/f: empty string"
        ]
    );
    assert_eq!(prune(bad), Some(json!({ "g": 1 })));
}
