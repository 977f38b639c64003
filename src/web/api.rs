//! The JSON shapes of Hearth's own API (`/api/v1/...`).

use serde::Serialize;

use crate::directory::{SearchPage, SearchResult, WayOut};
use crate::geo::Place;
use crate::hours::OpenState;

/// `GET /api/v1/search` response.
#[derive(Debug, Serialize)]
pub struct SearchResponse {
    /// How many services match (each once, at its best location).
    pub total: usize,
    /// How many of them have a location within the radius (`match: "at"`); the
    /// others serve the area or are online/by phone.
    pub nearby: usize,
    pub results: Vec<SearchHit>,
    /// Results by category slug and by need code: `{"category": {"food": 12}, "need": {"food-insecurity": 9}}`.
    pub facets: FacetsJson,
    /// When nothing matched: changes that would find something, with their counts.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ways_out: Vec<WayOutJson>,
    pub center: Option<Center>,
    pub radius_mi: Option<f64>,
    /// What the text was read as: stems, need-vocabulary phrases ("food stamps"),
    /// spelling corrections.
    pub read_as: Vec<String>,
    /// The language the text was read in: `en` or `es`.
    pub lang: &'static str,
    /// When no listing matched every word and phrase of the text: how many each
    /// result matches (`{"matched": 2, "of": 3}`); absent when all matched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partial_match: Option<PartialMatch>,
}

/// How much of the text the results match, when not all of it.
#[derive(Debug, Serialize)]
pub struct PartialMatch {
    pub matched: usize,
    pub of: usize,
}

/// One way out of an empty result: `{"radius_mi": 25, "total": 12}`,
/// `{"without": "open_now", "total": 40}` or `{"without": "category", "total": 7}`.
#[derive(Debug, Serialize)]
pub struct WayOutJson {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub radius_mi: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub without: Option<&'static str>,
    pub total: usize,
}

impl From<&WayOut> for WayOutJson {
    fn from(way: &WayOut) -> WayOutJson {
        match *way {
            WayOut::Radius(miles, total) => WayOutJson {
                radius_mi: Some(miles),
                without: None,
                total,
            },
            WayOut::AnyHours(total) => WayOutJson {
                radius_mi: None,
                without: Some("open_now"),
                total,
            },
            WayOut::Drop(param, total) => WayOutJson {
                radius_mi: None,
                without: Some(param),
                total,
            },
            WayOut::Serving(total) => WayOutJson {
                radius_mi: None,
                without: Some("scope=nearby"),
                total,
            },
        }
    }
}

/// Facet counts for the current search.
#[derive(Debug, Serialize)]
pub struct FacetsJson {
    pub category: std::collections::BTreeMap<&'static str, usize>,
    pub need: std::collections::BTreeMap<String, usize>,
    /// By ISO 639 code.
    pub language: std::collections::BTreeMap<&'static str, usize>,
    /// Who the results are for, by population slug.
    pub population: std::collections::BTreeMap<&'static str, usize>,
    /// How many results are open at the time of the search.
    pub open_now: Option<usize>,
}

/// Where a search was centred.
#[derive(Debug, Serialize)]
pub struct Center {
    pub lat: f64,
    pub lon: f64,
    pub label: String,
}

/// One result of `GET /api/v1/search`.
#[derive(Debug, Serialize)]
pub struct SearchHit {
    pub id: String,
    pub location_id: Option<String>,
    pub name: String,
    pub organization: String,
    pub categories: Vec<&'static str>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub url: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    /// True when the point is a ZIP centroid, not the building.
    pub approximate: bool,
    pub distance_mi: Option<f64>,
    /// How it matches the place: `at` (a location within the radius), `serves`
    /// (its service area covers the place), `virtual` (online or by phone); null without a place.
    #[serde(rename = "match")]
    pub match_kind: Option<&'static str>,
    /// How many other locations of this service also matched.
    pub more_locations: usize,
    pub score: f32,
    /// Whether it is open at the time of the search, in the location's own time:
    /// "Open now · closes 5:00 pm", "Closed · opens Mon 9:00 am", "Hours unknown".
    pub hours: String,
    /// `true` open, `false` closed, `null` when not known (or by appointment).
    pub open_now: Option<bool>,
}

impl SearchHit {
    fn from_result(r: &SearchResult) -> SearchHit {
        let location = r.location.as_ref();
        SearchHit {
            id: r.service.id.clone(),
            location_id: location.map(|l| l.id.clone()),
            name: r.service.name.clone(),
            organization: r.service.organization.name.clone(),
            categories: r.service.categories.iter().map(|c| c.slug()).collect(),
            address: location
                .and_then(|l| l.address.as_ref())
                .map(|a| a.one_line()),
            phone: r.service.primary_phone().map(|p| p.number.clone()),
            url: r.service.safe_url().map(str::to_owned),
            lat: location.and_then(|l| l.latitude),
            lon: location.and_then(|l| l.longitude),
            approximate: location.is_some_and(|l| l.approximate),
            distance_mi: r.distance_miles.map(|d| (d * 100.0).round() / 100.0),
            match_kind: r.match_kind.map(|k| k.as_str()),
            more_locations: r.more_locations,
            score: r.score,
            hours: r.open.to_string(),
            open_now: match r.open {
                OpenState::Open { .. } => Some(true),
                OpenState::Closed { .. } => Some(false),
                OpenState::ByAppointment | OpenState::Unknown => None,
            },
        }
    }
}

impl SearchResponse {
    /// Builds the response from a page of results and the place searched.
    pub fn new(page: &SearchPage, place: Option<&Place>, radius: f64) -> SearchResponse {
        SearchResponse {
            total: page.total,
            nearby: page.nearby,
            facets: FacetsJson {
                category: page
                    .facets
                    .categories
                    .iter()
                    .map(|(c, n)| (c.slug(), *n))
                    .collect(),
                need: page
                    .facets
                    .needs
                    .iter()
                    .map(|(need, n)| (need.code().to_owned(), *n))
                    .collect(),
                language: page.facets.languages.iter().copied().collect(),
                population: page
                    .facets
                    .populations
                    .iter()
                    .map(|(p, n)| (p.slug(), *n))
                    .collect(),
                open_now: page.facets.open_now,
            },
            ways_out: page.ways_out.iter().map(WayOutJson::from).collect(),
            results: page.results.iter().map(SearchHit::from_result).collect(),
            center: place.map(|p| Center {
                lat: p.lat,
                lon: p.lon,
                label: p.label.clone(),
            }),
            radius_mi: place.map(|_| radius),
            read_as: page.terms.clone(),
            lang: if page.spanish { "es" } else { "en" },
            partial_match: page
                .matched_concepts
                .filter(|(matched, of)| matched < of)
                .map(|(matched, of)| PartialMatch { matched, of }),
        }
    }
}
