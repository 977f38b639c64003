//! What a person asks a search for, checked and turned into an index request.
//!
//! The search page and the JSON API share these rules, so a bad value gets the
//! same clear message in both: what was wrong and what is accepted.

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use serde::Deserialize;

use crate::geo::{Gazetteer, Place};
use crate::index::{Radius, Scope, SearchRequest};
use crate::model::{Category, Lang, Need, Population};

/// The default radius, in miles.
pub const DEFAULT_RADIUS_MILES: f64 = 10.0;
/// The largest radius, in miles.
pub const MAX_RADIUS_MILES: f64 = 100.0;
/// Results per page unless asked otherwise.
pub const DEFAULT_LIMIT: usize = 20;
/// The most results one page may hold.
pub const MAX_LIMIT: usize = 100;
/// How deep paging may go.
pub const MAX_OFFSET: usize = 10_000;

/// Search parameters as they arrive (query string or form), all optional text.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SearchParams {
    pub q: Option<String>,
    pub near: Option<String>,
    pub radius: Option<String>,
    pub category: Option<String>,
    /// Gravity SDOH need codes (`food-insecurity`), separated by commas.
    pub need: Option<String>,
    /// Languages (ISO 639 codes or English names), separated by commas.
    pub language: Option<String>,
    pub limit: Option<String>,
    pub offset: Option<String>,
    /// 1-based page number (the search page uses this instead of `offset`).
    pub page: Option<String>,
    /// `true` keeps only listings known to be open now.
    pub open_now: Option<String>,
    /// `true` keeps only services known to be free of charge.
    pub free: Option<String>,
    /// `true` keeps only listings known to be wheelchair accessible.
    pub accessible: Option<String>,
    /// `nearby`, `serving` or `all` (the default): which matches of the place to return.
    pub scope: Option<String>,
    /// The language of `q`: `en` or `es` (otherwise told from the text).
    pub lang: Option<String>,
    /// Who the service is for (`veterans`, `youth`, …), separated by commas.
    pub population: Option<String>,
    /// A client's age in years.
    pub age: Option<String>,
    /// Keeps only listings known to be open at this local time at the search centre
    /// (`2026-12-01T18:00`), or at this instant when it carries an offset.
    pub open_at: Option<String>,
    /// `most` (the default: when nothing has every word of `q`, match fewer, down
    /// to half) or `all` (every word must match, even when nothing then does).
    pub words: Option<String>,
}

/// Which listings to keep by their opening hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenFilter {
    /// Open at the moment of the search.
    Now,
    /// Open at this instant.
    At(DateTime<Utc>),
}

/// A parameter had a value that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct InputError {
    /// Which parameter was wrong.
    pub param: &'static str,
    pub message: String,
}

fn bad(param: &'static str, message: String) -> InputError {
    InputError { param, message }
}

/// A checked search.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidSearch {
    pub request: SearchRequest,
    /// The place searched around, when one was given.
    pub place: Option<Place>,
    pub radius_miles: f64,
    /// Keep only listings known to be open then (unknown hours are left out).
    pub open: Option<OpenFilter>,
}

impl SearchParams {
    /// Each parameter with its name, in the order a link writes them (`page`,
    /// `limit` and `offset` last).
    pub fn named(&self) -> [(&'static str, &Option<String>); 18] {
        [
            ("q", &self.q),
            ("near", &self.near),
            ("radius", &self.radius),
            ("category", &self.category),
            ("need", &self.need),
            ("language", &self.language),
            ("open_now", &self.open_now),
            ("open_at", &self.open_at),
            ("free", &self.free),
            ("accessible", &self.accessible),
            ("scope", &self.scope),
            ("lang", &self.lang),
            ("population", &self.population),
            ("age", &self.age),
            ("words", &self.words),
            ("page", &self.page),
            ("limit", &self.limit),
            ("offset", &self.offset),
        ]
    }
}

impl ValidSearch {
    /// True when nothing was asked (no text, no place, no category or taxonomy
    /// code, no need, no population).
    pub fn is_empty(&self) -> bool {
        self.request.text.trim().is_empty()
            && self.place.is_none()
            && self.request.categories.is_empty()
            && self.request.taxonomy.is_empty()
            && self.request.needs.is_empty()
            && self.request.populations.is_empty()
    }

    /// The instant to filter opening hours at, if any.
    pub fn open_filter(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self.open? {
            OpenFilter::Now => Some(now),
            OpenFilter::At(when) => Some(when),
        }
    }

    /// The 1-based page this search shows.
    pub fn page(&self) -> usize {
        self.request.offset / self.request.limit.max(1) + 1
    }
}

fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// Parses a comma-separated list parameter with `parse`, without repeats; the
/// first value `parse` does not know is an error whose message `unknown` writes.
pub(crate) fn parse_list<T: PartialEq>(
    param: &'static str,
    text: Option<&str>,
    parse: impl Fn(&str) -> Option<T>,
    unknown: impl Fn(&str) -> String,
) -> Result<Vec<T>, InputError> {
    let mut values = Vec::new();
    for part in text
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let value = parse(part).ok_or_else(|| bad(param, unknown(part)))?;
        if !values.contains(&value) {
            values.push(value);
        }
    }
    Ok(values)
}

/// A value of the category parameter: one of Hearth's categories, or a code of a
/// source taxonomy at any depth (AIRS `BD-1800`, Open Eligibility `102-01`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CategoryChoice {
    Category(Category),
    Code(String),
}

/// True for text shaped like an AIRS code (`B`, `BD`, `BD-1800.2000-100`) or an
/// Open Eligibility id (`102`, `102-01-03`).
fn is_taxonomy_code(text: &str) -> bool {
    let (head, rest) = text.split_once('-').unwrap_or((text, ""));
    let rest_ok = rest
        .chars()
        .all(|c| c.is_ascii_digit() || c == '.' || c == '-')
        && !rest.starts_with(['.', '-'])
        && !rest.ends_with(['.', '-']);
    let airs = (1..=2).contains(&head.len()) && head.chars().all(|c| c.is_ascii_uppercase());
    let oe = head.len() == 3 && head.chars().all(|c| c.is_ascii_digit());
    (airs || oe) && rest_ok && (text.contains('-') != rest.is_empty())
}

/// Parses the categories parameter: slugs, labels or taxonomy codes, separated by commas.
pub fn parse_categories(text: Option<&str>) -> Result<Vec<CategoryChoice>, InputError> {
    parse_list(
        "category",
        text,
        |part| {
            Category::parse(part)
                .map(CategoryChoice::Category)
                .or_else(|| is_taxonomy_code(part).then(|| CategoryChoice::Code(part.to_owned())))
        },
        |part| {
            let known: Vec<&str> = Category::ALL.iter().map(|c| c.slug()).collect();
            format!(
                "unknown category {part:?}; give one of {} or a taxonomy code such as BD-1800 (AIRS) or 102-01 (Open Eligibility)",
                known.join(", ")
            )
        },
    )
}

/// Parses the need parameter: Gravity SDOH domain codes, separated by commas.
pub fn parse_needs(text: Option<&str>) -> Result<Vec<Need>, InputError> {
    parse_list("need", text, Need::parse, |part| {
        format!(
            "unknown need {part:?}; needs are Gravity SDOH domains: {}",
            Need::CODES.join(", ")
        )
    })
}

/// Parses the population parameter: slugs or names, separated by commas.
pub fn parse_populations(text: Option<&str>) -> Result<Vec<Population>, InputError> {
    parse_list("population", text, Population::parse, |part| {
        let known: Vec<&str> = Population::ALL.iter().map(|p| p.slug()).collect();
        format!(
            "unknown population {part:?}; give one of {}",
            known.join(", ")
        )
    })
}

/// The oldest age the age filter takes.
pub const MAX_AGE: usize = 120;

/// Parses the language parameter: ISO 639 codes or names (`es`, `Spanish`, `Creole`).
pub fn parse_languages(text: Option<&str>) -> Result<Vec<&'static str>, InputError> {
    parse_list("language", text, crate::model::language_code, |part| {
        format!(
            "unknown language {part:?}; give an ISO 639 code or an English name, e.g. es or Spanish, ht or Haitian Creole, ase or ASL"
        )
    })
}

/// Reads a true/false parameter (`true`, `1`, `yes`, `on`; absent is false).
pub(crate) fn parse_flag(param: &'static str, value: &Option<String>) -> Result<bool, InputError> {
    match given(value).map(str::to_ascii_lowercase).as_deref() {
        None | Some("false" | "0" | "no" | "off") => Ok(false),
        Some("true" | "1" | "yes" | "on") => Ok(true),
        Some(other) => Err(bad(
            param,
            format!("{param} must be true or false (got {other:?})"),
        )),
    }
}

fn parse_count(
    param: &'static str,
    text: &str,
    min: usize,
    max: usize,
) -> Result<usize, InputError> {
    text.parse::<usize>()
        .ok()
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| {
            bad(
                param,
                format!("{param} must be a whole number from {min} to {max} (got {text:?})"),
            )
        })
}

/// Reads `open_now` / `open_at`. A local `open_at` is read in the time zone of the
/// search centre, so it needs a place.
fn parse_open(
    params: &SearchParams,
    place: Option<&Place>,
) -> Result<Option<OpenFilter>, InputError> {
    let now = parse_flag("open_now", &params.open_now)?;
    let Some(text) = given(&params.open_at) else {
        return Ok(now.then_some(OpenFilter::Now));
    };
    if now {
        return Err(bad("open_at", "give open_now or open_at, not both".into()));
    }
    if let Ok(instant) = DateTime::parse_from_rfc3339(text) {
        return Ok(Some(OpenFilter::At(instant.with_timezone(&Utc))));
    }
    let local = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
        .ok_or_else(|| {
            bad(
                "open_at",
                format!("open_at must be a date and time like 2026-12-01T18:00 (got {text:?})"),
            )
        })?;
    let place = place.ok_or_else(|| {
        bad(
            "open_at",
            "open_at is read in the local time of the place searched: give near as well".into(),
        )
    })?;
    let zone = crate::hours::time_zone(place.state.as_deref(), place.lat, place.lon);
    let instant = zone.from_local_datetime(&local).earliest().ok_or_else(|| {
        bad(
            "open_at",
            format!(
                "{text} does not exist in {} (the clocks skip it); pick another time",
                zone.name()
            ),
        )
    })?;
    Ok(Some(OpenFilter::At(instant.with_timezone(&Utc))))
}

/// The coverage terms of a place: its ZIP, county and state, and the whole
/// country. What the place does not say (a point typed as coordinates) is found
/// from the point: the county whose shape holds it, the nearest ZIP.
pub fn areas_of(place: &Place, gazetteer: &Gazetteer) -> Vec<String> {
    let found = match crate::geo::Counties::shared() {
        Ok(counties) if place.zip.is_none() || place.county_fips.is_none() => {
            Some(gazetteer.areas_at(place.lat, place.lon, counties))
        }
        _ => None,
    };
    let zip = place.zip.clone().or_else(|| found.as_ref()?.zip.clone());
    let county = place
        .county_fips
        .clone()
        .or_else(|| found.as_ref()?.county_fips.clone());
    let state = place
        .state
        .clone()
        .or_else(|| found.as_ref()?.state.clone());
    let mut areas = Vec::new();
    if let Some(zip) = zip {
        areas.push(format!("zip:{zip}"));
    }
    if let Some(county) = county {
        areas.push(format!("county:{county}"));
    }
    if let Some(state) = state {
        areas.push(format!("state:{state}"));
    }
    areas.push("national".to_owned());
    areas
}

/// The longest value each parameter other than `q` may have, in characters:
/// far past any real one, short enough that a message quoting it stays short.
const MAX_PARAM_CHARS: usize = 200;

/// Refuses a parameter (other than the search text) longer than any real value.
fn check_lengths(params: &SearchParams) -> Result<(), InputError> {
    for (param, value) in params.named() {
        if param == "q" {
            continue;
        }
        let chars = value.as_deref().map_or(0, |v| v.chars().count());
        if chars > MAX_PARAM_CHARS {
            return Err(bad(
                param,
                format!("{param} is {chars} characters long; it may be at most {MAX_PARAM_CHARS}"),
            ));
        }
    }
    Ok(())
}

/// Checks search parameters and resolves the place.
pub fn validate(params: &SearchParams, gazetteer: &Gazetteer) -> Result<ValidSearch, InputError> {
    check_lengths(params)?;
    let text = params.q.clone().unwrap_or_default();
    let place = given(&params.near)
        .map(|near| {
            gazetteer
                .resolve(near)
                .map_err(|e| bad("near", e.to_string()))
        })
        .transpose()?;
    let radius_miles = match given(&params.radius) {
        None => DEFAULT_RADIUS_MILES,
        Some(r) => r
            .trim_end_matches("mi")
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|r| r.is_finite() && *r > 0.0 && *r <= MAX_RADIUS_MILES)
            .ok_or_else(|| {
                bad("radius", format!("radius must be a number of miles greater than 0 and at most {MAX_RADIUS_MILES} (got {r:?})"))
            })?,
    };
    let (mut categories, mut taxonomy) = (Vec::new(), Vec::new());
    for choice in parse_categories(given(&params.category))? {
        match choice {
            CategoryChoice::Category(c) => categories.push(c),
            CategoryChoice::Code(code) => taxonomy.push(code),
        }
    }
    let mut flags = Vec::new();
    if parse_flag("free", &params.free)? {
        flags.push("free");
    }
    if parse_flag("accessible", &params.accessible)? {
        flags.push("accessible");
    }
    let lang = match given(&params.lang).map(str::to_ascii_lowercase).as_deref() {
        None => None,
        Some("en" | "english") => Some(Lang::En),
        Some("es" | "spanish" | "español" | "espanol") => Some(Lang::Es),
        Some(other) => {
            return Err(bad(
                "lang",
                format!(
                    "lang must be en or es (got {other:?}); leave it out to tell from the text"
                ),
            ));
        }
    };
    let populations = parse_populations(given(&params.population))?;
    let age = given(&params.age)
        .map(|a| parse_count("age", a, 0, MAX_AGE).map(|a| a as u32))
        .transpose()?;
    let scope = match given(&params.scope) {
        None => Scope::All,
        Some(text) => Scope::parse(text).ok_or_else(|| {
            bad(
                "scope",
                format!("scope must be nearby, serving or all (got {text:?})"),
            )
        })?,
    };
    let every_word = match given(&params.words).map(str::to_ascii_lowercase).as_deref() {
        None | Some("most") => false,
        Some("all") => true,
        Some(other) => {
            return Err(bad(
                "words",
                format!("words must be all or most (got {other:?})"),
            ));
        }
    };
    let needs = parse_needs(given(&params.need))?;
    let languages = parse_languages(given(&params.language))?;
    let limit = given(&params.limit)
        .map(|l| parse_count("limit", l, 1, MAX_LIMIT))
        .transpose()?
        .unwrap_or(DEFAULT_LIMIT);
    let offset = match (given(&params.offset), given(&params.page)) {
        (Some(o), _) => parse_count("offset", o, 0, MAX_OFFSET)?,
        (None, Some(p)) => (parse_count("page", p, 1, MAX_OFFSET / limit + 1)? - 1) * limit,
        (None, None) => 0,
    };
    let open = parse_open(params, place.as_ref())?;
    let near = place.as_ref().map(|p| Radius {
        lat: p.lat,
        lon: p.lon,
        miles: radius_miles,
    });
    Ok(ValidSearch {
        request: SearchRequest {
            text,
            near,
            areas: place
                .as_ref()
                .map(|p| areas_of(p, gazetteer))
                .unwrap_or_default(),
            scope,
            lang,
            categories,
            taxonomy,
            needs,
            languages,
            flags,
            populations,
            age,
            open_at: None,
            now: None,
            count_within: Vec::new(),
            every_word,
            limit,
            offset,
        },
        place,
        radius_miles,
        open,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> SearchParams {
        let mut p = SearchParams::default();
        for (k, v) in pairs {
            let v = Some((*v).to_owned());
            match *k {
                "q" => p.q = v,
                "free" => p.free = v,
                "accessible" => p.accessible = v,
                "scope" => p.scope = v,
                "lang" => p.lang = v,
                "population" => p.population = v,
                "age" => p.age = v,
                "near" => p.near = v,
                "radius" => p.radius = v,
                "category" => p.category = v,
                "limit" => p.limit = v,
                "offset" => p.offset = v,
                "page" => p.page = v,
                "open_now" => p.open_now = v,
                "need" => p.need = v,
                "language" => p.language = v,
                "open_at" => p.open_at = v,
                "words" => p.words = v,
                _ => panic!("unknown key {k}"),
            }
        }
        p
    }

    #[test]
    fn category_takes_slugs_labels_and_taxonomy_codes_at_any_depth() {
        let parsed = parse_categories(Some("food, BD-1800.2000, 102-01, Mental Health, B"))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            parsed,
            [
                CategoryChoice::Category(Category::Food),
                CategoryChoice::Code("BD-1800.2000".into()),
                CategoryChoice::Code("102-01".into()),
                CategoryChoice::Category(Category::MentalHealth),
                CategoryChoice::Code("B".into()),
            ]
        );
        for bad in ["BD-", "bd-1800", "1020", "102-", "X-Y"] {
            assert!(!is_taxonomy_code(bad), "{bad}");
        }
    }

    #[test]
    fn bad_values_name_the_parameter_and_what_is_accepted() {
        let g = Gazetteer::bundled().unwrap_or_else(|e| panic!("{e}"));
        for (pairs, param, needle) in [
            (vec![("radius", "abc")], "radius", "at most 100"),
            (vec![("radius", "500")], "radius", "at most 100"),
            (vec![("radius", "-1")], "radius", "greater than 0"),
            (vec![("radius", "NaN")], "radius", "number of miles"),
            (vec![("category", "pizza")], "category", "give one of food"),
            (vec![("category", "BD-")], "category", "taxonomy code"),
            (vec![("free", "cheap")], "free", "true or false"),
            (vec![("accessible", "2")], "accessible", "true or false"),
            (vec![("scope", "far")], "scope", "nearby, serving or all"),
            (vec![("lang", "fr")], "lang", "en or es"),
            (
                vec![("q", "food"), ("words", "every")],
                "words",
                "all or most",
            ),
            (vec![("population", "martians")], "population", "veterans"),
            (vec![("age", "-4")], "age", "from 0 to 120"),
            (vec![("age", "200")], "age", "from 0 to 120"),
            (vec![("near", "99999")], "near", "not in the gazetteer"),
            (vec![("limit", "0")], "limit", "from 1 to 100"),
            (vec![("offset", "-3")], "offset", "whole number"),
            (vec![("open_now", "maybe")], "open_now", "true or false"),
            (vec![("need", "hunger")], "need", "food-insecurity"),
            (vec![("language", "Klingon")], "language", "ISO 639"),
            (vec![("open_at", "tomorrow")], "open_at", "2026-12-01T18:00"),
            (
                vec![("open_at", "2026-12-01T18:00")],
                "open_at",
                "give near",
            ),
            (
                vec![("near", "33101"), ("open_at", "2026-03-08T02:30")],
                "open_at",
                "does not exist",
            ),
            (
                vec![
                    ("near", "33101"),
                    ("open_now", "true"),
                    ("open_at", "2026-12-01T18:00"),
                ],
                "open_at",
                "not both",
            ),
            (
                vec![("near", &"Miami ".repeat(40))],
                "near",
                "near is 240 characters long; it may be at most 200",
            ),
        ] {
            let e = validate(&params(&pairs), &g)
                .err()
                .unwrap_or_else(|| panic!("{pairs:?} should fail"));
            assert_eq!(e.param, param);
            assert!(e.message.contains(needle), "{pairs:?}: {}", e.message);
        }
    }

    #[test]
    fn good_values_become_a_request() {
        let g = Gazetteer::bundled().unwrap_or_else(|e| panic!("{e}"));
        let v = validate(
            &params(&[
                ("q", "food"),
                ("near", "33101"),
                ("radius", "25"),
                ("category", "Food,housing"),
                ("page", "3"),
            ]),
            &g,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(v.radius_miles, 25.0);
        assert_eq!(
            v.request.categories,
            vec![Category::Food, Category::Housing]
        );
        assert_eq!(v.request.offset, 40);
        assert_eq!(v.page(), 3);
        assert!(v.request.near.is_some());
        assert!(
            validate(&SearchParams::default(), &g)
                .map(|v| v.is_empty())
                .unwrap_or(false)
        );
        // 6 pm on 1 December in Miami is 23:00 UTC.
        let v = validate(
            &params(&[("near", "33101"), ("open_at", "2026-12-01T18:00")]),
            &g,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let expected = Utc.with_ymd_and_hms(2026, 12, 1, 23, 0, 0).single();
        assert_eq!(v.open_filter(Utc::now()), expected);
        let v = validate(&params(&[("open_now", "true")]), &g).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(v.open, Some(OpenFilter::Now));
    }
}
