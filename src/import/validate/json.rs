//! Validation of HSDS 3.0 JSON: each record (a `service_full.json`-shaped
//! service) walked with the path of every nested object, and ids repeated
//! between records. In JSON, nesting is the link between objects, so the ids
//! only the tabular form needs (`service_id`, `location_id`, ...) are not asked for.

use std::collections::HashMap;
use std::path::Path;

use serde_json::{Map, Value};

use super::super::{Format, ImportError, ParsedSource};
use super::rules::{self, Spec};
use super::{Check, Finding, Record, Severity, Validation, check_record, quoted};

/// Validates a JSON file of HSDS 3.0 services.
pub(super) fn validate_file(path: &Path) -> Result<Validation, ImportError> {
    let mut checker = RecordChecker::new(path);
    for (i, record) in super::super::hsds3::json_stream(path)?.enumerate() {
        checker.check(&record?, i as u64 + 1);
    }
    Ok(checker.validation)
}

/// Checks JSON records one at a time, as a stream reads them: each record's
/// findings, and a record repeating an earlier record's id.
pub(crate) struct RecordChecker {
    validation: Validation,
    first_record: HashMap<String, u64>,
}

impl RecordChecker {
    /// A checker for the records of the file at `path`.
    pub(crate) fn new(path: &Path) -> RecordChecker {
        RecordChecker {
            validation: Validation {
                path: path.to_owned(),
                format: Format::Hsds3Json,
                findings: Vec::new(),
                records_checked: 0,
                services_checked: 0,
                service_rows: HashMap::new(),
            },
            first_record: HashMap::new(),
        }
    }

    /// Checks record `number`.
    pub(crate) fn check(&mut self, record: &Value, number: u64) {
        self.validation.records_checked += 1;
        self.validation.services_checked += 1;
        let mut found = validate_service_value(record, number);
        let id = record.as_object().and_then(|o| o.text("id"));
        if let Some(id) = id {
            if let Some(first) = self.first_record.get(&id) {
                // The reader keeps the first record with an id; this one is no service.
                for finding in &mut found {
                    finding.services.clear();
                }
                found.insert(
                    0,
                    Finding {
                        severity: Severity::Error,
                        check: Check::Duplicate,
                        file: None,
                        row: number,
                        field: "id".to_owned(),
                        message: format!(
                            "{} is also the id of record {first}; each service needs its own id",
                            quoted(&id)
                        ),
                        services: Vec::new(),
                    },
                );
            } else {
                self.first_record.insert(id.clone(), number);
                self.validation.service_rows.insert(id, (None, number));
            }
        }
        self.validation.findings.extend(found);
    }

    /// The number of the first record checked with service id `id`. The reader
    /// asks this rather than keep its own map: at a million records each map
    /// of every id is about 80 MB.
    pub(crate) fn first_with_id(&self, id: &str) -> Option<u64> {
        self.first_record.get(id).copied()
    }

    /// Applies the findings so far to a batch read from the same records (see
    /// `validate::apply`), then forgets them (the ids seen are kept, to catch
    /// repeats in later batches).
    pub(crate) fn apply(&mut self, batch: &mut ParsedSource) {
        super::apply(batch, &self.validation);
        self.validation.findings.clear();
        self.validation.service_rows.clear();
    }
}

/// Validates one HSDS 3.0 service record (the shape of `service_full.json`, as
/// one record of a file or an API page), returning its findings located at
/// `record_number` with the JSON path of each field
/// (`service_at_locations[0].location.latitude`).
///
/// Every finding names the record's service id (when it has one) in
/// [`Finding::services`]; errors mean the record is not valid HSDS 3.0.
pub fn validate_service_value(record: &Value, record_number: u64) -> Vec<Finding> {
    let Some(object) = record.as_object() else {
        return vec![Finding {
            severity: Severity::Error,
            check: Check::Shape,
            file: None,
            row: record_number,
            field: "(record)".to_owned(),
            message: "is not a JSON object; each record must be one service object".to_owned(),
            services: Vec::new(),
        }];
    };
    let mut walk = Walk {
        row: record_number,
        services: object.text("id").into_iter().collect(),
        findings: Vec::new(),
    };
    walk.service(object);
    walk.findings
}

/// A walk through one record, collecting its findings.
struct Walk {
    row: u64,
    services: Vec<String>,
    findings: Vec<Finding>,
}

/// `path.field`, or `field` at the top.
fn join(path: &str, field: &str) -> String {
    if path.is_empty() {
        field.to_owned()
    } else {
        format!("{path}.{field}")
    }
}

impl Walk {
    fn push(&mut self, severity: Severity, check: Check, field: String, message: String) {
        self.findings.push(Finding {
            severity,
            check,
            file: None,
            row: self.row,
            field,
            message,
            services: self.services.clone(),
        });
    }

    /// Checks one object against `spec`, then what every object may carry (attributes, metadata).
    fn check(&mut self, spec: &Spec, object: &Map<String, Value>, path: &str) {
        for issue in check_record(spec, object, false, &|_| true) {
            self.push(
                issue.severity,
                issue.check,
                join(path, &issue.field),
                issue.message,
            );
        }
        self.each(object, path, "attributes", |w, a, p| {
            w.check(&rules::ATTRIBUTE, a, p);
            if let Some(term) = w.one(a, p, "taxonomy_term") {
                w.term(term, &join(p, "taxonomy_term"));
            }
        });
        self.each(object, path, "metadata", |w, m, p| {
            w.check(&rules::METADATA_SPEC, m, p)
        });
    }

    /// The object under `key`, when there is one; anything else there is a finding.
    fn one<'a>(
        &mut self,
        object: &'a Map<String, Value>,
        path: &str,
        key: &str,
    ) -> Option<&'a Map<String, Value>> {
        match object.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::Object(o)) => Some(o),
            Some(_) => {
                self.push(
                    Severity::Error,
                    Check::Shape,
                    join(path, key),
                    "is not an object; HSDS 3.0 nests one object here".to_owned(),
                );
                None
            }
        }
    }

    /// Runs `visit` on each object of the list under `key` (a single object is
    /// taken as a list of one), with its path (`phones[0]`).
    fn each(
        &mut self,
        object: &Map<String, Value>,
        path: &str,
        key: &str,
        mut visit: impl FnMut(&mut Walk, &Map<String, Value>, &str),
    ) {
        let items: Vec<(String, &Value)> = match object.get(key) {
            None | Some(Value::Null) => return,
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, v)| (format!("{}[{i}]", join(path, key)), v))
                .collect(),
            Some(single) => vec![(join(path, key), single)],
        };
        for (at, item) in items {
            match item {
                Value::Object(o) => visit(self, o, &at),
                _ => self.push(
                    Severity::Error,
                    Check::Shape,
                    at,
                    "is not an object; HSDS 3.0 lists objects here".to_owned(),
                ),
            }
        }
    }

    fn service(&mut self, s: &Map<String, Value>) {
        self.check(&rules::SERVICE, s, "");
        if let Some(org) = self.one(s, "", "organization") {
            self.organization(org, "organization");
        }
        if let Some(program) = self.one(s, "", "program") {
            self.check(&rules::PROGRAM, program, "program");
        }
        self.phones(s, "");
        self.schedules(s, "");
        self.each(s, "", "service_areas", |w, a, p| {
            w.check(&rules::SERVICE_AREA, a, p)
        });
        self.languages(s, "");
        self.each(s, "", "cost_options", |w, c, p| {
            w.check(&rules::COST_OPTION, c, p)
        });
        self.each(s, "", "required_documents", |w, d, p| {
            w.check(&rules::REQUIRED_DOCUMENT, d, p)
        });
        self.each(s, "", "funding", |w, f, p| {
            w.check(&rules::FUNDING_SPEC, f, p)
        });
        self.contacts(s, "");
        self.each(s, "", "service_at_locations", |w, sal, p| {
            w.check(&rules::SERVICE_AT_LOCATION_SPEC, sal, p);
            if let Some(location) = w.one(sal, p, "location") {
                w.location(location, &join(p, "location"));
            }
            w.phones(sal, p);
            w.schedules(sal, p);
            w.contacts(sal, p);
            w.each(sal, p, "service_areas", |w, a, p| {
                w.check(&rules::SERVICE_AREA, a, p)
            });
        });
        self.each(s, "", "locations", |w, l, p| w.location(l, p));
        self.each(s, "", "taxonomy_terms", |w, t, p| w.term(t, p));
    }

    fn organization(&mut self, org: &Map<String, Value>, path: &str) {
        self.check(&rules::ORGANIZATION, org, path);
        self.phones(org, path);
        self.contacts(org, path);
        self.each(org, path, "locations", |w, l, p| w.location(l, p));
        self.each(org, path, "programs", |w, prog, p| {
            w.check(&rules::PROGRAM, prog, p)
        });
        self.each(org, path, "funding", |w, f, p| {
            w.check(&rules::FUNDING_SPEC, f, p)
        });
        self.each(org, path, "organization_identifiers", |w, i, p| {
            w.check(&rules::ORGANIZATION_IDENTIFIER, i, p)
        });
    }

    fn location(&mut self, location: &Map<String, Value>, path: &str) {
        self.check(&rules::LOCATION, location, path);
        self.each(location, path, "addresses", |w, a, p| {
            w.check(&rules::ADDRESS, a, p)
        });
        self.phones(location, path);
        self.schedules(location, path);
        self.languages(location, path);
        self.contacts(location, path);
        self.each(location, path, "accessibility", |w, a, p| {
            w.check(&rules::ACCESSIBILITY_SPEC, a, p)
        });
    }

    fn phones(&mut self, owner: &Map<String, Value>, path: &str) {
        self.each(owner, path, "phones", |w, phone, p| {
            w.check(&rules::PHONE, phone, p);
            w.languages(phone, p);
        });
    }

    fn schedules(&mut self, owner: &Map<String, Value>, path: &str) {
        self.each(owner, path, "schedules", |w, s, p| {
            w.check(&rules::SCHEDULE, s, p)
        });
    }

    fn languages(&mut self, owner: &Map<String, Value>, path: &str) {
        self.each(owner, path, "languages", |w, l, p| {
            w.check(&rules::LANGUAGE, l, p)
        });
    }

    fn contacts(&mut self, owner: &Map<String, Value>, path: &str) {
        self.each(owner, path, "contacts", |w, c, p| {
            w.check(&rules::CONTACT, c, p);
            w.phones(c, p);
        });
    }

    fn term(&mut self, term: &Map<String, Value>, path: &str) {
        self.check(&rules::TAXONOMY_TERM, term, path);
        if let Some(taxonomy) = self.one(term, path, "taxonomy_detail") {
            self.check(&rules::TAXONOMY, taxonomy, &join(path, "taxonomy_detail"));
        }
    }
}
