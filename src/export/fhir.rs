//! One referral as a FHIR R4 `Bundle` (type `collection`), following the HL7
//! SDOH Clinical Care IG (Gravity Project, `hl7.fhir.us.sdoh-clinicalcare`,
//! STU 2.2–3.0): a `ServiceRequest` for the referral, a `Task` that tracks it,
//! a `Consent` when one was recorded, and the minimal `Patient`,
//! `Practitioner`, `PractitionerRole` and `Organization` they point at.
//!
//! The builder is pure: the same referral always gives the same bytes (no
//! clock, no random ids), so the output can be diffed and snapshotted.
//!
//! # Sources for every URL and code
//!
//! Profiles, the temporary code system and its codes were read from the IG's
//! own FSH sources (github.com/HL7/fhir-sdoh-clinicalcare, `input/fsh/`) and its
//! published pages (hl7.org/fhir/us/sdoh-clinicalcare, STU 2.1–3.0):
//!
//! - `profiles/SDOHCCServiceRequest.fsh`: category slice `SDOHCC` 1..*, bound
//!   (required) to `SDOHCCValueSetSDOHCategory`; `orderDetail` slice
//!   `contacting-subject-prohibited`; `supportingInfo` may point at a consent.
//! - `profiles/SDOHCCTaskForReferralManagement.fsh`: intent fixed `order`,
//!   code fixed `task-code#fulfill`, `focus`, `for`, `authoredOn`, `requester`
//!   1..1; `requester` only `PractitionerRole` or `Organization`;
//!   `statusReason.text` 1..1 when `statusReason` is present.
//! - `valuesets/SDOHCCValueSetReferralTaskStatus.fsh`: every task status but
//!   `ready` and `received`, so all ten Hearth statuses are allowed.
//! - `codesystems/SDOHCCCodeSystemTemporaryCodes.fsh`: the 22 domain codes plus
//!   `sdoh-category-unspecified` (exactly `Need::CODES`), and
//!   `contacting-subject-prohibited`; displays below are copied from it.
//! - `profiles/SDOHCCConsent.fsh` and `instances/SDOHCC-ConsentInformation
//!   DisclosureExample.fsh`: scope `consentscope#patient-privacy`, category
//!   `v3-ActCode#IDSCL`.
//!
//! # Deliberate gaps (what a validator will say, and why)
//!
//! - **Minimum necessary.** Hearth never holds a client's name, birth date,
//!   gender or address, nor a clinician's name, so `Patient` carries only the
//!   clinician's pseudonymous client reference and `Practitioner` only the
//!   Hearth user id (never the email). US Core Patient (name, gender 1..1) and
//!   US Core Practitioner (name 1..1), which the IG's references target, can
//!   therefore not be claimed, and these resources carry no `meta.profile`.
//! - **`ServiceRequest.code`** is `text` only (the service's name). The IG binds
//!   it to US Core procedure codes / Gravity VSAC value sets; Hearth has no
//!   verified mapping from listings to SNOMED CT or HCPCS, and inventing one
//!   would be worse than a text-only concept.
//! - **`Task.requester`** is a `PractitionerRole` (the profile allows no bare
//!   `Practitioner`) pointing at the `Practitioner`. SDOHCC PractitionerRole
//!   also wants the clinician's organization, which Hearth does not record, so
//!   the role claims no profile either. `ServiceRequest.requester` may be a
//!   Practitioner, and is.
//! - **`Consent`** claims no profile: SDOHCC-Consent is the right use (release
//!   of SDOH information to organizations outside HIPAA) but requires
//!   `organization` (the custodian, i.e. the referring clinic) and `source[x]`
//!   (the signed form), neither of which Hearth records. It follows that
//!   profile's scope and category so that adding those two is all it needs.
//! - **fullUrls** are `urn:uuid:` (UUID v5 of the resource type and Hearth id):
//!   Hearth serves no FHIR REST endpoint for the single resources, and FHIR asks
//!   for `urn:uuid` when a resource has no RESTful location. Every reference
//!   inside the bundle is one of those fullUrls; the resource `id` is the UUID.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::model::{
    Consent, ContactPreference, Location, LocationType, OutcomeReason, Phone, Referral,
    ReferralKind, ReferralStatus, Service, StatusChange, Urgency, User, is_z_code, z_codes,
};

/// SDOHCC ServiceRequest profile (IG STU 2.x/3).
pub const PROFILE_SERVICE_REQUEST: &str =
    "http://hl7.org/fhir/us/sdoh-clinicalcare/StructureDefinition/SDOHCC-ServiceRequest";
/// SDOHCC Task For Referral Management profile (IG STU 2.x/3).
pub const PROFILE_TASK: &str =
    "http://hl7.org/fhir/us/sdoh-clinicalcare/StructureDefinition/SDOHCC-TaskForReferralManagement";
/// The IG's temporary code system, which holds the Gravity SDOH domain codes.
pub const SDOHCC_TEMPORARY_CODES: &str =
    "http://hl7.org/fhir/us/sdoh-clinicalcare/CodeSystem/SDOHCC-CodeSystemTemporaryCodes";

const TASK_CODE: &str = "http://hl7.org/fhir/CodeSystem/task-code";
const ICD_10_CM: &str = "http://hl7.org/fhir/sid/icd-10-cm";
const CONSENT_SCOPE: &str = "http://terminology.hl7.org/CodeSystem/consentscope";
const CONSENT_ACTION: &str = "http://terminology.hl7.org/CodeSystem/consentaction";
const V3_ACT_CODE: &str = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
const V3_PARTICIPATION_TYPE: &str = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType";
const LOINC: &str = "http://loinc.org";

/// Identifier systems for Hearth's own ids (stable names, not resolvable URLs).
const SYSTEM_REFERRAL: &str = "urn:hearth:referral";
const SYSTEM_REFERRAL_SUBJECT: &str = "urn:hearth:referral-subject";
const SYSTEM_USER: &str = "urn:hearth:user";
const SYSTEM_ORGANIZATION: &str = "urn:hearth:organization";
const SYSTEM_SERVICE: &str = "urn:hearth:service";

/// Namespace of the UUID v5 ids given to exported resources, so that the same
/// referral always exports with the same ids and fullUrls.
const FHIR_ID_NAMESPACE: Uuid = Uuid::from_u128(0x6865_6172_7468_2d66_6869_722d_7634_0001);

/// Builds the FHIR R4 `Bundle` (type `collection`) for one referral.
///
/// `service` is the listing as it is now, when it still exists; names come
/// from the referral itself (as they were when it was made). `requester` is
/// the clinician who made the referral. `base_url` is Hearth's public base URL
/// (`https://hearth.example.org`); it only gives the bundle its `self` link.
/// The result has no empty strings, arrays or objects and no nulls, as FHIR
/// JSON requires.
pub fn referral_bundle(
    referral: &Referral,
    service: Option<&Service>,
    requester: &User,
    base_url: &str,
) -> Value {
    let ids = Ids::new(referral, service, requester);
    let last_change = last_change(referral);

    let mut entries = vec![
        entry(&ids.service_request, service_request(referral, &ids)),
        entry(&ids.task, task(referral, &ids, last_change)),
    ];
    if let Some(consent) = referral.consent {
        entries.push(entry(
            &ids.consent,
            consent_resource(referral, consent, &ids),
        ));
    }
    entries.push(entry(&ids.patient, patient(referral, &ids)));
    entries.push(entry(&ids.practitioner, practitioner(requester, &ids)));
    entries.push(entry(&ids.practitioner_role, practitioner_role(&ids)));
    entries.push(entry(
        &ids.organization,
        organization(referral, service, &ids),
    ));

    let base = base_url.trim().trim_end_matches('/');
    let link = (!base.is_empty()).then(|| {
        json!([{
            "relation": "self",
            "url": format!("{base}/api/v1/referrals/{}/fhir", encode_path(&referral.id)),
        }])
    });

    let bundle = json!({
        "resourceType": "Bundle",
        "id": bundle_id(&referral.id),
        "type": "collection",
        "timestamp": instant(last_change),
        "link": link,
        "entry": entries,
    });
    // The builders above only write values they have checked, but a listing can
    // hold a blank string anywhere; FHIR forbids empty elements outright, so the
    // last word is a pass that drops them.
    prune(bundle).unwrap_or_else(|| json!({ "resourceType": "Bundle", "type": "collection" }))
}

/// The FHIR `ServiceRequest.status` for a referral status.
///
/// A ServiceRequest is the requester's order: it stays `active` while the
/// program works on it (the Task carries the finer state), and is `revoked`
/// when it ended without being fulfilled.
pub fn service_request_status(status: ReferralStatus) -> &'static str {
    match status {
        ReferralStatus::Draft => "draft",
        ReferralStatus::Requested
        | ReferralStatus::Accepted
        | ReferralStatus::InProgress
        | ReferralStatus::OnHold => "active",
        ReferralStatus::Completed => "completed",
        ReferralStatus::Cancelled | ReferralStatus::Rejected | ReferralStatus::Failed => "revoked",
        ReferralStatus::EnteredInError => "entered-in-error",
    }
}

/// The display of an SDOH domain code in the IG's temporary code system.
pub fn domain_display(code: &str) -> Option<&'static str> {
    Some(match code {
        "sdoh-category-unspecified" => "SDOH Category Unspecified",
        "food-insecurity" => "Food Insecurity",
        "housing-instability" => "Housing Instability",
        "homelessness" => "Homelessness",
        "inadequate-housing" => "Inadequate Housing",
        "transportation-insecurity" => "Transportation Insecurity",
        "financial-insecurity" => "Financial Insecurity",
        "material-hardship" => "Material Hardship",
        "educational-attainment" => "Educational Attainment",
        "employment-status" => "Employment Status",
        "veteran-status" => "Veteran Status",
        "stress" => "Stress",
        "social-connection" => "Social Connection",
        "intimate-partner-violence" => "Intimate Partner Violence",
        "elder-abuse" => "Elder Abuse",
        "personal-health-literacy" => "Personal Health Literacy",
        "health-insurance-coverage-status" => "Health Insurance Coverage Status",
        "medical-cost-burden" => "Medical Cost Burden",
        "digital-literacy" => "Digital Literacy",
        "digital-access" => "Digital Access",
        "utility-insecurity" => "Utility Insecurity",
        "incarceration-status" => "Incarceration Status",
        // The code system's display; the value set calls it "Language Access".
        "language-access" => "Language Status",
        _ => return None,
    })
}

/// The UUIDs (and so the fullUrls) of every resource in one referral's bundle.
struct Ids {
    service_request: String,
    task: String,
    consent: String,
    patient: String,
    practitioner: String,
    practitioner_role: String,
    organization: String,
}

impl Ids {
    fn new(referral: &Referral, service: Option<&Service>, requester: &User) -> Ids {
        let (system, value) = client_identifier(referral);
        let organization = match service.map(|s| s.organization.id.trim()) {
            Some(org) if !org.is_empty() => format!("organization\u{1f}{org}"),
            _ => format!("service\u{1f}{}", referral.service_id),
        };
        Ids {
            service_request: uuid("ServiceRequest", &referral.id),
            task: uuid("Task", &referral.id),
            consent: uuid("Consent", &referral.id),
            patient: uuid("Patient", &format!("{system}\u{1f}{value}")),
            practitioner: uuid("Practitioner", &requester.id),
            practitioner_role: uuid("PractitionerRole", &requester.id),
            organization: uuid("Organization", &organization),
        }
    }
}

fn uuid(resource_type: &str, key: &str) -> String {
    let name = format!("{resource_type}\u{1f}{key}");
    Uuid::new_v5(&FHIR_ID_NAMESPACE, name.as_bytes()).to_string()
}

fn entry(id: &str, resource: Value) -> Value {
    json!({ "fullUrl": full_url(id), "resource": resource })
}

fn full_url(id: &str) -> String {
    format!("urn:uuid:{id}")
}

fn reference(id: &str) -> Value {
    json!({ "reference": full_url(id) })
}

fn meta(profile: &str) -> Value {
    json!({ "profile": [profile] })
}

fn coding(system: &str, code: &str, display: Option<&str>) -> Value {
    json!({ "system": system, "code": code, "display": display })
}

fn concept(codings: Vec<Value>, text: Option<&str>) -> Value {
    json!({ "coding": codings, "text": text })
}

fn text_concept(text: &str) -> Value {
    json!({ "text": text })
}

/// A FHIR `instant`/`dateTime`: UTC, seconds always, fractions only when present.
fn instant(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// When the referral last changed: its last status change, or its creation.
fn last_change(referral: &Referral) -> DateTime<Utc> {
    referral
        .history
        .iter()
        .map(|change| change.at)
        .fold(referral.created_at, DateTime::max)
}

/// A trimmed, non-blank string, or `None`.
fn nonblank(text: Option<&str>) -> Option<&str> {
    text.map(str::trim).filter(|t| !t.is_empty())
}

/// The referral id when it is a valid FHIR id, else a UUID derived from it.
fn bundle_id(referral_id: &str) -> String {
    let valid = (1..=64).contains(&referral_id.len())
        && referral_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    if valid {
        referral_id.to_owned()
    } else {
        uuid("Bundle", referral_id)
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters, so a Hearth
/// id can sit inside a URN or a URL path.
fn encode_path(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The Patient's only identifier: the clinician's client reference, scoped to
/// that clinician (two clinicians may both use "C-17" for different people).
///
/// Without a client reference the client is known only as the subject of this
/// one referral: the identifier is the referral id in its own system, marked
/// `temp` and explained in `type.text`, rather than a made-up client id.
fn client_identifier(referral: &Referral) -> (String, String) {
    match nonblank(referral.client_ref.as_deref()) {
        Some(client_ref) => (
            format!(
                "urn:hearth:client-ref:{}",
                encode_path(&referral.created_by)
            ),
            client_ref.to_owned(),
        ),
        None => (SYSTEM_REFERRAL_SUBJECT.to_owned(), referral.id.clone()),
    }
}

fn priority(urgency: Urgency) -> &'static str {
    match urgency {
        Urgency::Routine => "routine",
        Urgency::Urgent => "urgent",
        // RequestPriority `stat`: "highest possible priority, e.g. an emergency".
        Urgency::Emergency => "stat",
    }
}

fn service_request(referral: &Referral, ids: &Ids) -> Value {
    let need = referral.need.code();
    let category = concept(
        vec![coding(SDOHCC_TEMPORARY_CODES, need, domain_display(need))],
        None,
    );
    let requested = nonblank(Some(&referral.service_name))
        .map(str::to_owned)
        .or_else(|| nonblank(Some(&referral.organization_name)).map(|o| format!("Referral to {o}")))
        .unwrap_or_else(|| "Community service referral".to_owned());

    let reason = nonblank(referral.z_code.as_deref())
        .map(str::to_ascii_uppercase)
        .filter(|z| is_z_code(z))
        .map(|z| {
            let display = z_codes(&referral.need)
                .iter()
                .find(|(code, _)| *code == z)
                .map(|(_, label)| *label);
            json!([concept(vec![coding(ICD_10_CM, &z, display)], None)])
        });

    // The IG's own flag for "do not contact the client about this request".
    let order_detail = (referral.contact == Some(ContactPreference::DoNotContact)).then(|| {
        json!([concept(
            vec![coding(
                SDOHCC_TEMPORARY_CODES,
                "contacting-subject-prohibited",
                Some("Contacting Subject Prohibited"),
            )],
            None,
        )])
    });

    let note = nonblank(referral.note.as_deref()).map(|n| json!([{ "text": n }]));
    let supporting_info = referral
        .consent
        .is_some()
        .then(|| json!([reference(&ids.consent)]));

    json!({
        "resourceType": "ServiceRequest",
        "id": ids.service_request,
        "meta": meta(PROFILE_SERVICE_REQUEST),
        "identifier": [{ "system": SYSTEM_REFERRAL, "value": referral.id }],
        "status": service_request_status(referral.status),
        "intent": "order",
        "category": [category],
        "priority": priority(referral.urgency),
        "code": text_concept(&requested),
        "orderDetail": order_detail,
        "subject": reference(&ids.patient),
        "authoredOn": instant(referral.created_at),
        "requester": reference(&ids.practitioner),
        "performer": [organization_reference(referral, ids)],
        "reasonCode": reason,
        "supportingInfo": supporting_info,
        "note": note,
    })
}

fn organization_reference(referral: &Referral, ids: &Ids) -> Value {
    json!({
        "reference": full_url(&ids.organization),
        "display": nonblank(Some(&referral.organization_name)),
    })
}

fn task(referral: &Referral, ids: &Ids, last_change: DateTime<Utc>) -> Value {
    let status_reason = status_reason(referral).map(|text| text_concept(&text));
    let business_status = match referral.kind {
        ReferralKind::Sent => "Sent to the program",
        ReferralKind::Logged => "Logged for the record only; not sent to the program",
    };
    json!({
        "resourceType": "Task",
        "id": ids.task,
        "meta": meta(PROFILE_TASK),
        // Task statuses are Hearth's statuses, code for code (DOMAIN.md §3).
        "status": referral.status.code(),
        "statusReason": status_reason,
        "businessStatus": text_concept(business_status),
        "intent": "order",
        "priority": priority(referral.urgency),
        "code": concept(
            vec![coding(TASK_CODE, "fulfill", Some("Fulfill the focal request"))],
            None,
        ),
        "focus": reference(&ids.service_request),
        "for": reference(&ids.patient),
        "authoredOn": instant(referral.created_at),
        "lastModified": instant(last_change),
        "requester": reference(&ids.practitioner_role),
        "owner": organization_reference(referral, ids),
    })
}

/// Why the referral is in its current status: the outcome's label (with the
/// free text when the outcome is "Other"), or, for the statuses the IG says
/// should carry a reason, the note on the change that led there.
fn status_reason(referral: &Referral) -> Option<String> {
    let note_of = |found: Option<&StatusChange>| {
        found
            .and_then(|c| nonblank(c.note.as_deref()))
            .map(str::to_owned)
    };
    match referral.outcome {
        Some(OutcomeReason::Other) => {
            let note = note_of(
                referral
                    .history
                    .iter()
                    .rev()
                    .find(|c| c.reason == Some(OutcomeReason::Other)),
            );
            Some(match note {
                Some(note) => format!("{}: {note}", OutcomeReason::Other.label()),
                None => OutcomeReason::Other.label().to_owned(),
            })
        }
        Some(reason) => Some(reason.label().to_owned()),
        None if matches!(
            referral.status,
            ReferralStatus::Rejected
                | ReferralStatus::Cancelled
                | ReferralStatus::OnHold
                | ReferralStatus::Failed
        ) =>
        {
            note_of(
                referral
                    .history
                    .iter()
                    .rev()
                    .find(|c| c.to == referral.status),
            )
        }
        None => None,
    }
}

fn consent_resource(referral: &Referral, consent: Consent, ids: &Ids) -> Value {
    let (status, provision, rule, how) = match consent {
        Consent::Verbal => (
            "active",
            "permit",
            "OPTIN",
            "Verbal consent, recorded by the referring clinician",
        ),
        Consent::Written => (
            "active",
            "permit",
            "OPTIN",
            "Written consent, recorded by the referring clinician",
        ),
        Consent::Declined => (
            "rejected",
            "deny",
            "OPTOUT",
            "The client declined, as recorded by the referring clinician",
        ),
    };
    json!({
        "resourceType": "Consent",
        "id": ids.consent,
        "status": status,
        "scope": concept(
            vec![coding(CONSENT_SCOPE, "patient-privacy", Some("Privacy Consent"))],
            None,
        ),
        "category": [
            concept(vec![coding(V3_ACT_CODE, "IDSCL", Some("information disclosure"))], None),
            concept(vec![coding(LOINC, "59284-0", Some("Patient Consent"))], None),
        ],
        "patient": reference(&ids.patient),
        "dateTime": instant(referral.created_at),
        "performer": [reference(&ids.patient)],
        // Base R4 requires a policy or a policyRule (invariant ppc-1).
        "policyRule": concept(vec![coding(V3_ACT_CODE, rule, None)], Some(how)),
        "provision": {
            "type": provision,
            "actor": [{
                "role": concept(
                    vec![coding(V3_PARTICIPATION_TYPE, "IRCP", Some("information recipient"))],
                    None,
                ),
                "reference": organization_reference(referral, ids),
            }],
            "action": [concept(vec![coding(CONSENT_ACTION, "disclose", None)], None)],
        },
    })
}

fn patient(referral: &Referral, ids: &Ids) -> Value {
    let (system, value) = client_identifier(referral);
    let identifier = if system == SYSTEM_REFERRAL_SUBJECT {
        json!({
            "use": "temp",
            "type": text_concept(
                "No client reference recorded: the client is known only as the subject of this referral",
            ),
            "system": system,
            "value": value,
        })
    } else {
        json!({
            "type": text_concept("Client reference chosen by the referring clinician"),
            "system": system,
            "value": value,
        })
    };
    json!({
        "resourceType": "Patient",
        "id": ids.patient,
        "identifier": [identifier],
    })
}

fn practitioner(requester: &User, ids: &Ids) -> Value {
    json!({
        "resourceType": "Practitioner",
        "id": ids.practitioner,
        "identifier": [{ "system": SYSTEM_USER, "value": requester.id }],
    })
}

fn practitioner_role(ids: &Ids) -> Value {
    json!({
        "resourceType": "PractitionerRole",
        "id": ids.practitioner_role,
        "practitioner": reference(&ids.practitioner),
    })
}

fn organization(referral: &Referral, service: Option<&Service>, ids: &Ids) -> Value {
    let name = nonblank(Some(&referral.organization_name))
        .or_else(|| service.and_then(|s| nonblank(Some(&s.organization.name))));
    let mut identifiers = Vec::new();
    if let Some(org_id) = service.and_then(|s| nonblank(Some(&s.organization.id))) {
        identifiers.push(json!({ "system": SYSTEM_ORGANIZATION, "value": org_id }));
    }
    if let Some(service_id) = nonblank(Some(&referral.service_id)) {
        identifiers.push(json!({
            "type": text_concept("Hearth service listing the referral was made to"),
            "system": SYSTEM_SERVICE,
            "value": service_id,
        }));
    }
    // The location the referral named, else the listing's first one.
    let location = service.and_then(|s| {
        referral
            .location_id
            .as_deref()
            .and_then(|id| s.location(id))
            .or_else(|| s.locations.first())
    });
    let telecom: Vec<Value> = location
        .map(|l| l.phones.iter().filter_map(contact_point).collect())
        .unwrap_or_default();
    let address = location.and_then(address);
    json!({
        "resourceType": "Organization",
        "id": ids.organization,
        "identifier": identifiers,
        "name": name,
        "telecom": telecom,
        "address": address.map(|a| json!([a])),
    })
}

fn contact_point(phone: &Phone) -> Option<Value> {
    let number = nonblank(Some(&phone.number))?;
    let value = match nonblank(phone.extension.as_deref()) {
        Some(ext) => format!("{number} ext. {ext}"),
        None => number.to_owned(),
    };
    let system = match phone.kind.as_deref().map(str::trim) {
        Some("fax") => "fax",
        Some("text") => "sms",
        Some("pager") => "pager",
        _ => "phone",
    };
    Some(json!({ "system": system, "value": value, "use": "work" }))
}

fn address(location: &Location) -> Option<Value> {
    let kind = match location.location_type {
        LocationType::Physical => "physical",
        LocationType::Postal => "postal",
        LocationType::Virtual => return None,
    };
    let a = location.address.as_ref()?;
    let lines: Vec<&str> = [Some(a.address_1.as_str()), a.address_2.as_deref()]
        .into_iter()
        .filter_map(nonblank)
        .collect();
    let city = nonblank(Some(&a.city));
    let state = nonblank(Some(&a.state_province));
    let postal_code = nonblank(Some(&a.postal_code));
    let country = nonblank(Some(&a.country));
    let has_parts = !lines.is_empty()
        || [city, state, postal_code, country]
            .iter()
            .any(Option::is_some);
    has_parts.then(|| {
        json!({
            "use": "work",
            "type": kind,
            "line": lines,
            "city": city,
            "state": state,
            "postalCode": postal_code,
            "country": country,
        })
    })
}

/// Drops nulls, blank strings, and arrays and objects left empty, recursively;
/// trims the strings it keeps. `None` when nothing is left.
fn prune(value: Value) -> Option<Value> {
    match value {
        Value::Null => None,
        Value::String(s) => {
            let trimmed = s.trim();
            if trimmed.is_empty() {
                None
            } else if trimmed.len() == s.len() {
                Some(Value::String(s))
            } else {
                Some(Value::String(trimmed.to_owned()))
            }
        }
        Value::Array(items) => {
            let kept: Vec<Value> = items.into_iter().filter_map(prune).collect();
            (!kept.is_empty()).then_some(Value::Array(kept))
        }
        Value::Object(map) => {
            let kept: Map<String, Value> = map
                .into_iter()
                .filter_map(|(k, v)| prune(v).map(|v| (k, v)))
                .collect();
            (!kept.is_empty()).then_some(Value::Object(kept))
        }
        other => Some(other),
    }
}

#[cfg(test)]
mod tests;
