//! Turning a listing into index documents: one per service-at-location.

use tantivy::TantivyDocument;

use super::schema::Fields;
use crate::geo::cells_for_point;
use crate::hours;
use crate::model::{
    Category, Need, Population, Service, ServiceStatus, age_range, is_free, populations,
    service_accessible, wheelchair_accessible,
};

/// The bit set of `items` over the list `all` (`category_bits`, `need_bits`,
/// `language_bits`, `population_bits`): each item sets the bit of its position
/// in `all`, found with `is`; an item not in `all` sets none.
fn bit_set<T, I>(
    all: &[T],
    items: impl IntoIterator<Item = I>,
    is: impl Fn(&T, &I) -> bool,
) -> u64 {
    items
        .into_iter()
        .map(|item| all.iter().position(|a| is(a, &item)).map_or(0, |i| 1 << i))
        .fold(0, |a, b| a | b)
}

/// The ISO codes of the languages a service is offered in (its own code, or one
/// recognised from the name), without repeats.
pub fn language_codes(service: &Service) -> Vec<&'static str> {
    let mut codes: Vec<&'static str> = Vec::new();
    for language in &service.languages {
        let code = language
            .code
            .as_deref()
            .and_then(crate::model::language_code)
            .or_else(|| crate::model::language_code(&language.name));
        if let Some(code) = code
            && !codes.contains(&code)
        {
            codes.push(code);
        }
    }
    codes
}

/// A source taxonomy code and each of its ancestors, lower-cased: AIRS
/// `PN-8100.4500-240` → `p`, `pn`, `pn-8100`, `pn-8100.4500`, `pn-8100.4500-240`;
/// Open Eligibility `101-02-01` → `101`, `101-02`, `101-02-01`. A label without
/// separators is itself.
pub fn taxonomy_terms(code: &str) -> Vec<String> {
    let code = code.trim().to_lowercase();
    if code.is_empty() {
        return Vec::new();
    }
    let mut terms = Vec::new();
    let first = code.split(['.', '-']).next().unwrap_or("");
    if first.len() == 2 && first.chars().all(|c| c.is_ascii_alphabetic()) {
        terms.push(first[..1].to_owned());
    }
    for (i, c) in code.char_indices() {
        if (c == '.' || c == '-') && i > 0 {
            terms.push(code[..i].to_owned());
        }
    }
    terms.push(code);
    terms.dedup();
    terms
}

/// Days since 1970 of the listing's last verification or change, from
/// `assured_date` or `last_modified` (the later one), or 0 when neither reads as a date.
pub fn fresh_day(service: &Service) -> u64 {
    [&service.assured_date, &service.last_modified]
        .into_iter()
        .filter_map(|d| d.as_deref())
        .filter_map(|d| chrono::NaiveDate::parse_from_str(d.get(..10)?, "%Y-%m-%d").ok())
        .map(|d| (d - chrono::NaiveDate::default()).num_days().max(0) as u64)
        .max()
        .unwrap_or(0)
}

/// The keys of the documents [`documents`] makes for `service`, in the same
/// order, without building them: what the index should hold for it.
pub fn document_keys(service: &Service) -> Vec<String> {
    if service.status != ServiceStatus::Active {
        return Vec::new();
    }
    let placed: Vec<String> = service
        .locations
        .iter()
        .filter(|location| location.point().is_some())
        .map(|location| format!("{}/{}", service.id, location.id))
        .collect();
    if placed.is_empty() {
        vec![service.id.clone()]
    } else {
        placed
    }
}

/// The documents for a service: one per location with a point, or a single
/// unplaced document (found by text and coverage only) when it has none.
/// Services that are not active are not indexed.
pub fn documents(fields: &Fields, service: &Service) -> Vec<TantivyDocument> {
    if service.status != ServiceStatus::Active {
        return Vec::new();
    }
    let mut body = Vec::new();
    body.extend(service.alternate_name.iter().cloned());
    body.extend(service.description.iter().cloned());
    body.extend(service.eligibility_description.iter().cloned());
    body.extend(service.categories.iter().map(|c| c.label().to_owned()));
    body.extend(service.taxonomy_terms.iter().map(|t| t.name.clone()));
    body.extend(service.organization.alternate_name.iter().cloned());
    // What the source list is ("SAMHSA's list of substance use treatment facilities")
    // is true of every listing in it, and is how people search for them.
    body.extend(service.source_note.iter().cloned());
    let body = body.join("\n");

    // What every document of the service shares, worked out once.
    let who = populations(service);
    let ages = age_range(service);
    let free = is_free(service);
    let service_hash = super::schema::key_hash(&service.id);
    let fresh = fresh_day(service);
    let taxonomy: Vec<String> = service
        .taxonomy_terms
        .iter()
        .flat_map(|t| taxonomy_terms(&t.code))
        .collect();
    let suggest = super::suggest::keys(&service.name);
    let languages = language_codes(service);
    let category_bits = bit_set(&Category::ALL, &service.categories, |a, c| a == *c);
    let need_bits = bit_set(&Need::CODES, &service.needs, |a, n| *a == n.code());
    let language_bits = bit_set(&crate::model::LANGUAGES, &languages, |(a, _), c| a == *c);
    let population_bits = bit_set(&Population::ALL, &who, |a, p| a == *p);
    // One document per placed location, or one unplaced document for none.
    let placed = service
        .locations
        .iter()
        .filter(|location| location.point().is_some())
        .count();
    let facet_bits =
        super::schema::pack_facets(category_bits, need_bits, population_bits, placed <= 1);
    let base = |key: String, location_id: Option<&str>| {
        let mut doc = TantivyDocument::default();
        doc.add_u64(fields.key_hash, super::schema::key_hash(&key));
        doc.add_u64(fields.service_hash, service_hash);
        doc.add_u64(fields.fresh_day, fresh);
        for term in &taxonomy {
            doc.add_text(fields.taxonomy, term);
        }
        doc.add_text(fields.doc_key, key);
        doc.add_text(fields.service_id, &service.id);
        if let Some(id) = location_id {
            doc.add_text(fields.location_id, id);
        }
        doc.add_text(fields.name, &service.name);
        for key in &suggest {
            doc.add_text(fields.suggest, key);
        }
        doc.add_text(fields.organization, &service.organization.name);
        doc.add_text(fields.body, &body);
        doc.add_text(fields.words, &service.name);
        doc.add_text(fields.words, &service.organization.name);
        doc.add_text(fields.words, &body);
        doc.add_text(fields.name_es, &service.name);
        doc.add_text(fields.body_es, &service.name);
        doc.add_text(fields.body_es, &body);
        for c in &service.categories {
            doc.add_text(fields.category, c.slug());
        }
        doc.add_u64(fields.facet_bits, facet_bits);
        for code in &languages {
            doc.add_text(fields.language, code);
        }
        doc.add_u64(fields.language_bits, language_bits);
        for n in &service.needs {
            doc.add_text(fields.need, n.code());
        }
        for p in &who {
            doc.add_text(fields.population, p.slug());
        }
        doc.add_u64(fields.age_min, ages.min.map_or(0, |a| u64::from(a) + 1));
        doc.add_u64(fields.age_max, ages.max.map_or(0, |a| u64::from(a) + 1));
        if free {
            doc.add_text(fields.flag, "free");
        }
        for area in &service.service_areas {
            for c in &area.coverage {
                doc.add_text(fields.coverage, c.term());
            }
        }
        doc
    };

    let mut docs: Vec<TantivyDocument> = service
        .locations
        .iter()
        .filter_map(|location| {
            let (lat, lon) = location.point()?;
            let mut doc = base(
                format!("{}/{}", service.id, location.id),
                Some(&location.id),
            );
            if let Some(address) = &location.address {
                doc.add_text(fields.body, address.one_line());
            }
            if wheelchair_accessible(location) {
                doc.add_text(fields.flag, "accessible");
            }
            let hours = hours::listing_hours_at(service, Some(location));
            let week = hours::Week::compile(&hours, hours::zone_of(Some(location)));
            doc.add_bytes(fields.hours, &week.encode());
            for cell in cells_for_point(lat, lon) {
                doc.add_text(fields.cell, cell);
            }
            let point = super::schema::pack_point(lat, lon);
            doc.add_u64(fields.point, point);
            doc.add_u64(fields.geo_order, super::schema::geo_order(point));
            Some(doc)
        })
        .collect();
    if docs.is_empty() {
        // No placed location: found by text and by the areas it serves; online or by phone.
        let mut doc = base(service.id.clone(), None);
        let hours = hours::listing_hours_at(service, None);
        let week = hours::Week::compile(&hours, hours::zone_of(None));
        doc.add_bytes(fields.hours, &week.encode());
        doc.add_u64(fields.point, super::schema::NO_POINT);
        doc.add_u64(
            fields.geo_order,
            super::schema::geo_order(super::schema::NO_POINT),
        );
        doc.add_text(fields.flag, "virtual");
        if service_accessible(service) {
            doc.add_text(fields.flag, "accessible");
        }
        docs.push(doc);
    }
    docs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn taxonomy_codes_index_every_ancestor() {
        assert_eq!(
            taxonomy_terms("PN-8100.4500-240"),
            ["p", "pn", "pn-8100", "pn-8100.4500", "pn-8100.4500-240"]
        );
        assert_eq!(taxonomy_terms("101-02-01"), ["101", "101-02", "101-02-01"]);
        assert_eq!(taxonomy_terms(" Food Pantry "), ["food pantry"]);
        assert!(taxonomy_terms("").is_empty());
    }

    #[test]
    fn freshness_is_the_later_of_the_two_dates() {
        let service = Service {
            assured_date: Some("2024-01-02".into()),
            last_modified: Some("2025-03-15T10:30:45Z".into()),
            ..Service::default()
        };
        let day = fresh_day(&service);
        assert_eq!(
            chrono::NaiveDate::default() + chrono::Duration::days(day as i64),
            chrono::NaiveDate::from_ymd_opt(2025, 3, 15).unwrap_or_default()
        );
        assert_eq!(fresh_day(&Service::default()), 0);
    }

    #[test]
    fn document_keys_are_the_keys_of_the_documents_made() {
        use tantivy::schema::Value;
        let (_, fields) = super::super::schema::build();
        let at = |id: &str, lat: Option<f64>| crate::model::Location {
            id: id.into(),
            latitude: lat,
            longitude: lat.map(|_| -80.2),
            ..crate::model::Location::default()
        };
        let cases = [
            Service {
                id: "two-placed".into(),
                locations: vec![at("a", Some(25.7)), at("b", None), at("c", Some(25.8))],
                ..Service::default()
            },
            Service {
                id: "unplaced".into(),
                locations: vec![at("a", None)],
                ..Service::default()
            },
            Service {
                id: "closed".into(),
                status: ServiceStatus::Inactive,
                locations: vec![at("a", Some(25.7))],
                ..Service::default()
            },
        ];
        let keys: Vec<Vec<String>> = cases.iter().map(document_keys).collect();
        assert_eq!(
            keys,
            [
                vec!["two-placed/a".to_owned(), "two-placed/c".to_owned()],
                vec!["unplaced".to_owned()],
                vec![],
            ]
        );
        for (service, keys) in cases.iter().zip(&keys) {
            let made: Vec<String> = documents(&fields, service)
                .iter()
                .filter_map(|doc| doc.get_first(fields.doc_key)?.as_str().map(str::to_owned))
                .collect();
            assert_eq!(&made, keys, "{}", service.id);
        }
    }
}
