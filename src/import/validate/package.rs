//! Validation of an HSDS 3.0 tabular package: every row of every table against
//! its spec, then what only the whole package can tell: ids used twice in a
//! table, and ids that name a row no table has. Each finding is tied to the
//! services whose records include its row, the way the reader joins them.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use super::super::detect::package_tables_dir;
use super::super::hsds::{Row, Table};
use super::super::{Format, ImportError};
use super::rules::{self, Spec, TABLES};
use super::{Cell, Check, Finding, Issue, Record, Severity, Validation, check_record, quoted};

impl Record for Row<'_> {
    /// A row reads a column its table lacks as blank; [`check_record`] is told the header.
    fn cell(&self, field: &str) -> Cell {
        match self.get(field) {
            "" => Cell::Blank,
            text => Cell::Text(text.to_owned()),
        }
    }
}

/// The spec of the table in `file`.
fn spec_of(file: &str) -> Option<&'static Spec> {
    TABLES.iter().copied().find(|s| s.file == file)
}

/// Which services each row belongs to, as the reader nests rows into services.
#[derive(Debug, Default)]
struct Owners {
    services: HashSet<String>,
    by_organization: HashMap<String, Vec<String>>,
    by_location: HashMap<String, Vec<String>>,
    by_service_at_location: HashMap<String, String>,
    by_term: HashMap<String, Vec<String>>,
    by_taxonomy: HashMap<String, Vec<String>>,
}

impl Owners {
    fn read(tables: &HashMap<&'static str, Table>) -> Owners {
        let mut owners = Owners::default();
        let rows = |file: &str| tables.get(file).into_iter().flat_map(Table::rows);
        for row in rows(rules::SERVICES) {
            if let Some(id) = row.text("id") {
                if let Some(org) = row.text("organization_id") {
                    owners
                        .by_organization
                        .entry(org)
                        .or_default()
                        .push(id.clone());
                }
                owners.services.insert(id);
            }
        }
        for row in rows(rules::SERVICE_AT_LOCATION) {
            let Some(service) = row
                .text("service_id")
                .filter(|s| owners.services.contains(s))
            else {
                continue;
            };
            if let Some(location) = row.text("location_id") {
                owners
                    .by_location
                    .entry(location)
                    .or_default()
                    .push(service.clone());
            }
            if let Some(id) = row.text("id") {
                owners.by_service_at_location.insert(id, service);
            }
        }
        for row in rows(rules::ATTRIBUTES) {
            if let (Some(term), Some(service)) = (row.text("taxonomy_term_id"), service_link(&row))
                && owners.services.contains(&service)
            {
                owners.by_term.entry(term).or_default().push(service);
            }
        }
        for row in rows(rules::TAXONOMY_TERMS) {
            if let (Some(id), Some(taxonomy)) = (row.text("id"), row.text("taxonomy_id"))
                && let Some(services) = owners.by_term.get(&id).cloned()
            {
                owners
                    .by_taxonomy
                    .entry(taxonomy)
                    .or_default()
                    .extend(services);
            }
        }
        owners
    }

    fn at_location(&self, row: &Row<'_>, column: &str) -> Vec<String> {
        row.text(column)
            .and_then(|l| self.by_location.get(&l).cloned())
            .unwrap_or_default()
    }

    fn service(&self, row: &Row<'_>) -> Vec<String> {
        row.text("service_id")
            .filter(|s| self.services.contains(s))
            .into_iter()
            .collect()
    }

    /// The services a row of `file` is part of.
    fn of(&self, file: &str, row: &Row<'_>) -> Vec<String> {
        let id = || row.text("id");
        let mut services = match file {
            rules::SERVICES => id().into_iter().collect(),
            rules::ORGANIZATIONS => id()
                .and_then(|o| self.by_organization.get(&o).cloned())
                .unwrap_or_default(),
            rules::LOCATIONS => self.at_location(row, "id"),
            rules::ADDRESSES | rules::ACCESSIBILITY => self.at_location(row, "location_id"),
            // A phone or schedule belongs to the first owner it names, as the reader files it;
            // an organization's phone is only a fallback, so it makes no service invalid.
            rules::PHONES | rules::SCHEDULES => {
                if row.text("service_id").is_some() {
                    self.service(row)
                } else if let Some(sal) = row.text("service_at_location_id") {
                    self.by_service_at_location
                        .get(&sal)
                        .cloned()
                        .into_iter()
                        .collect()
                } else {
                    self.at_location(row, "location_id")
                }
            }
            rules::SERVICE_AT_LOCATION
            | rules::SERVICE_AREAS
            | rules::LANGUAGES
            | rules::COST_OPTIONS
            | rules::REQUIRED_DOCUMENTS => self.service(row),
            rules::ATTRIBUTES => service_link(row)
                .filter(|s| self.services.contains(s))
                .into_iter()
                .collect(),
            rules::TAXONOMY_TERMS => id()
                .and_then(|t| self.by_term.get(&t).cloned())
                .unwrap_or_default(),
            rules::TAXONOMIES => id()
                .and_then(|t| self.by_taxonomy.get(&t).cloned())
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        services.sort();
        services.dedup();
        services
    }
}

/// The service an attribute row describes, when it describes one.
fn service_link(row: &Row<'_>) -> Option<String> {
    let entity = row.get("link_entity");
    (entity.is_empty() || entity.eq_ignore_ascii_case("service"))
        .then(|| row.text("link_id"))
        .flatten()
}

/// Validates the package at `path` (its CSVs, or those of its `data/` folder).
pub(super) fn validate(path: &Path) -> Result<Validation, ImportError> {
    let dir = package_tables_dir(path);
    if !dir.join(rules::SERVICES).is_file() {
        return Err(ImportError::invalid(
            path,
            "no services.csv here or in its data/ folder; an HSDS package needs one",
        ));
    }
    let mut findings = Vec::new();
    let mut tables: HashMap<&'static str, Table> = HashMap::new();
    let mut unreadable: HashMap<&'static str, Finding> = HashMap::new();
    for spec in TABLES {
        match Table::read(&dir, spec.file) {
            Ok(Some(table)) => {
                tables.insert(spec.file, table);
            }
            Ok(None) => {}
            Err(ImportError::Csv { source, .. }) => {
                let line = source.position().map_or(1, |p| p.line());
                unreadable.insert(
                    spec.file,
                    Finding {
                        severity: Severity::Error,
                        check: Check::Shape,
                        file: Some(spec.file.to_owned()),
                        row: line,
                        field: "(table)".to_owned(),
                        message: format!(
                            "cannot be read ({source}); fix the row so that it has as many fields as the header, and quote fields that hold commas or line breaks"
                        ),
                        services: Vec::new(),
                    },
                );
            }
            Err(e) => return Err(e),
        }
    }
    // Every table's ids, with the line each first appears on.
    let ids: HashMap<&str, HashMap<String, u64>> = tables
        .iter()
        .map(|(file, table)| {
            let mut first = HashMap::new();
            for row in table.rows() {
                if let Some(id) = row.text("id") {
                    first.entry(id).or_insert(row.line);
                }
            }
            (*file, first)
        })
        .collect();
    let owners = Owners::read(&tables);
    let mut validation = Validation {
        path: path.to_owned(),
        format: Format::Hsds3Csv,
        findings: Vec::new(),
        records_checked: 0,
        services_checked: 0,
        service_rows: HashMap::new(),
    };
    for spec in TABLES {
        if let Some(finding) = unreadable.remove(spec.file) {
            findings.push(finding);
            continue;
        }
        let Some(table) = tables.get(spec.file) else {
            continue;
        };
        let file = spec.file;
        let is_services = file == rules::SERVICES;
        let located = |issue: Issue, row: u64, services: &[String]| Finding {
            severity: issue.severity,
            check: issue.check,
            file: Some(file.to_owned()),
            row,
            field: issue.field,
            message: issue.message,
            services: services.to_vec(),
        };
        // Each row's services; a repeated service row is skipped by the reader
        // and belongs to no service (the first one is the service).
        let mut seen: HashMap<String, u64> = HashMap::new();
        let mut rows: Vec<(Row<'_>, Vec<String>, Option<u64>)> = Vec::new();
        for row in table.rows() {
            let first = row.text("id").and_then(|id| {
                seen.get(&id).copied().or_else(|| {
                    seen.insert(id, row.line);
                    None
                })
            });
            let services = if is_services && first.is_some() {
                Vec::new()
            } else {
                owners.of(file, &row)
            };
            if is_services
                && first.is_none()
                && let Some(id) = row.text("id")
            {
                validation
                    .service_rows
                    .insert(id, (Some(file.to_owned()), row.line));
            }
            rows.push((row, services, first));
        }
        validation.records_checked += rows.len() as u64;
        if is_services {
            validation.services_checked = rows.len() as u64;
        }
        // Required columns the header lacks: once, for every row's services.
        let mut all_services: Vec<String> = rows.iter().flat_map(|r| r.1.clone()).collect();
        all_services.sort();
        all_services.dedup();
        let required = spec
            .required
            .iter()
            .chain(spec.tabular)
            .map(|c| (c, Severity::Error))
            .chain(spec.wanted.iter().map(|c| (c, Severity::Warning)));
        for (column, severity) in required {
            if !table.has_column(column) {
                let issue = Issue::new(
                    severity,
                    Check::Required,
                    column,
                    format!(
                        "no {column:?} column; HSDS 3.0 asks every {} row for one",
                        spec.object
                    ),
                );
                let services = if severity == Severity::Error {
                    all_services.as_slice()
                } else {
                    &[]
                };
                findings.push(located(issue, 1, services));
            }
        }
        for (row, services, first) in &rows {
            let mut issues = check_record(spec, row, true, &|c| table.has_column(c));
            if let (Some(first), Some(id)) = (first, row.text("id")) {
                issues.push(Issue::new(
                    Severity::Error,
                    Check::Duplicate,
                    "id",
                    format!(
                        "{} is also the id of line {first}; each row of {file} needs its own id",
                        quoted(&id)
                    ),
                ));
            }
            let mut refs: Vec<(&str, &str, Severity)> = spec.refs.to_vec();
            let entity_table = (file == rules::ATTRIBUTES)
                .then(|| rules::link_entity_table(row.get("link_entity")))
                .flatten();
            if let Some(target) = entity_table {
                refs.push(("link_id", target, Severity::Error));
            }
            for (column, target, severity) in refs {
                let Some(value) = row.text(column) else {
                    continue;
                };
                let known = ids.get(target).is_some_and(|t| t.contains_key(&value));
                if known {
                    continue;
                }
                let object = spec_of(target).map_or("record", |s| s.object);
                let message = if tables.contains_key(target) {
                    format!(
                        "{} is not the id of any row of {target}; add that {object} or correct the id",
                        quoted(&value)
                    )
                } else {
                    format!(
                        "{} names {} but the package has no {target}; add it or clear the id",
                        quoted(&value),
                        super::article(object)
                    )
                };
                issues.push(Issue::new(severity, Check::Reference, column, message));
            }
            findings.extend(issues.into_iter().map(|i| located(i, row.line, services)));
        }
    }
    validation.findings = findings;
    Ok(validation)
}
