//! The search log: what was searched for and where, coarsened so that it can
//! be counted for gap reports without identifying anyone — never the words
//! typed (they can hold names), never who searched.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One search, as counted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchLogEntry {
    /// The hour of the search (minutes and seconds dropped).
    pub hour: DateTime<Utc>,
    /// SDOH need codes searched for: from the need filter, or the need vocabulary
    /// phrases of the text.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub needs: Vec<String>,
    /// Category slugs from the category filter.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<String>,
    /// The ZIP and county (FIPS) of the search centre; none without a place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zip: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub county: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub radius_miles: Option<f64>,
    /// How many results were within the radius.
    pub results_in_radius: usize,
    /// How far the nearest one was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nearest_miles: Option<f64>,
}
