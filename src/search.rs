//! What a person asks a search for, checked and turned into an index request.
//!
//! The search page and the JSON API share these rules, so a bad value gets the
//! same clear message in both: what was wrong and what is accepted.

use serde::Deserialize;

use crate::geo::{Gazetteer, Place};
use crate::index::{Radius, SearchRequest};
use crate::model::Category;

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
    pub limit: Option<String>,
    pub offset: Option<String>,
    /// 1-based page number (the search page uses this instead of `offset`).
    pub page: Option<String>,
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
}

impl ValidSearch {
    /// True when nothing was asked (no text, no place, no category).
    pub fn is_empty(&self) -> bool {
        self.request.text.trim().is_empty()
            && self.place.is_none()
            && self.request.categories.is_empty()
    }

    /// The 1-based page this search shows.
    pub fn page(&self) -> usize {
        self.request.offset / self.request.limit.max(1) + 1
    }
}

fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// Parses the categories parameter: slugs or labels, separated by commas.
pub fn parse_categories(text: Option<&str>) -> Result<Vec<Category>, InputError> {
    let mut categories = Vec::new();
    for part in text
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let category = Category::parse(part).ok_or_else(|| {
            let known: Vec<&str> = Category::ALL.iter().map(|c| c.slug()).collect();
            bad(
                "category",
                format!(
                    "unknown category {part:?}; known categories: {}",
                    known.join(", ")
                ),
            )
        })?;
        if !categories.contains(&category) {
            categories.push(category);
        }
    }
    Ok(categories)
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

/// Checks search parameters and resolves the place.
pub fn validate(params: &SearchParams, gazetteer: &Gazetteer) -> Result<ValidSearch, InputError> {
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
    let categories = parse_categories(given(&params.category))?;
    let limit = given(&params.limit)
        .map(|l| parse_count("limit", l, 1, MAX_LIMIT))
        .transpose()?
        .unwrap_or(DEFAULT_LIMIT);
    let offset = match (given(&params.offset), given(&params.page)) {
        (Some(o), _) => parse_count("offset", o, 0, MAX_OFFSET)?,
        (None, Some(p)) => (parse_count("page", p, 1, MAX_OFFSET / limit + 1)? - 1) * limit,
        (None, None) => 0,
    };
    let near = place.as_ref().map(|p| Radius {
        lat: p.lat,
        lon: p.lon,
        miles: radius_miles,
    });
    Ok(ValidSearch {
        request: SearchRequest {
            text,
            near,
            categories,
            limit,
            offset,
        },
        place,
        radius_miles,
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
                "near" => p.near = v,
                "radius" => p.radius = v,
                "category" => p.category = v,
                "limit" => p.limit = v,
                "offset" => p.offset = v,
                "page" => p.page = v,
                _ => panic!("unknown key {k}"),
            }
        }
        p
    }

    #[test]
    fn bad_values_name_the_parameter_and_what_is_accepted() {
        let g = Gazetteer::bundled().unwrap_or_else(|e| panic!("{e}"));
        for (pairs, param, needle) in [
            (vec![("radius", "abc")], "radius", "at most 100"),
            (vec![("radius", "500")], "radius", "at most 100"),
            (vec![("radius", "-1")], "radius", "greater than 0"),
            (vec![("radius", "NaN")], "radius", "number of miles"),
            (
                vec![("category", "pizza")],
                "category",
                "known categories: food",
            ),
            (vec![("near", "99999")], "near", "not in the gazetteer"),
            (vec![("limit", "0")], "limit", "from 1 to 100"),
            (vec![("offset", "-3")], "offset", "whole number"),
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
    }
}
