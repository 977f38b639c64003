//! The gap report: for each area and need over a period, the demand Hearth saw
//! (searches, searches that found nothing nearby, referrals and how they ended)
//! beside the supply around the area, with a gap score, made safe to publish.
//!
//! Counting ([`count`]) and publishing ([`publish`]) are apart so that the
//! disclosure rules can be checked on any table of counts.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::Serialize;

use super::suppress::{self, Count};
use crate::directory::{Directory, DirectoryError, Supply, SupplyPoint};
use crate::geo::{County, Gazetteer, state_name};
use crate::model::{Need, OutcomeReason, Referral, ReferralStatus, Role, SearchLogEntry, User};

/// How the report groups places.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Zip,
    Zip3,
    County,
    State,
}

impl Level {
    pub const ALL: [Level; 4] = [Level::Zip, Level::Zip3, Level::County, Level::State];

    pub fn code(self) -> &'static str {
        match self {
            Level::Zip => "zip",
            Level::Zip3 => "zip3",
            Level::County => "county",
            Level::State => "state",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Level::Zip => "ZIP code",
            Level::Zip3 => "ZIP3 (first three digits)",
            Level::County => "County",
            Level::State => "State",
        }
    }

    pub fn parse(text: &str) -> Option<Level> {
        let code = text.trim().to_ascii_lowercase();
        Level::ALL.into_iter().find(|l| l.code() == code)
    }
}

/// What a gap report is asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct GapQuery {
    pub level: Level,
    pub needs: Vec<Need>,
    /// First and last day, inclusive, in UTC.
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Only areas in these states (two-letter codes); empty means every state.
    pub states: Vec<String>,
}

/// Why a gap report cannot be made as asked.
#[derive(Debug, thiserror::Error)]
pub enum GapError {
    #[error("unknown area level {0:?}; use zip, zip3, county or state")]
    Level(String),
    #[error("choose a need; needs are Gravity SDOH domains: {}", Need::CODES.join(", "))]
    NoNeed,
    #[error("unknown need {given:?}; needs are Gravity SDOH domains: {}", Need::CODES.join(", "))]
    Need { given: String },
    #[error("{field} {value:?} is not a date; write it as YYYY-MM-DD, e.g. 2026-01-31")]
    Date { field: &'static str, value: String },
    #[error("the period starts ({from}) after it ends ({to}); swap from and to")]
    Reversed { from: NaiveDate, to: NaiveDate },
    #[error("unknown state {0:?}; use two-letter codes such as VT or PR")]
    State(String),
    #[error(
        "ZIP-level gap reports are for admins only (small areas identify people more easily); use zip3, county or state"
    )]
    ZipNotAllowed,
    #[error("{0}")]
    Forbidden(String),
    #[error(transparent)]
    Directory(#[from] DirectoryError),
}

/// A gap report request as text (query parameters or command-line flags).
#[derive(Debug, Clone, Default)]
pub struct GapParams<'a> {
    pub level: Option<&'a str>,
    pub needs: Vec<&'a str>,
    pub from: Option<&'a str>,
    pub to: Option<&'a str>,
    pub states: Vec<&'a str>,
}

/// How many days a report covers when no start is given: the last year.
pub const DEFAULT_DAYS: i64 = 365;

impl GapQuery {
    /// Reads a request: the level defaults to county, the period to the
    /// [`DEFAULT_DAYS`] ending `today`; ZIP level only when `zip_allowed`.
    pub fn parse(
        params: &GapParams<'_>,
        gazetteer: &Gazetteer,
        today: NaiveDate,
        zip_allowed: bool,
    ) -> Result<GapQuery, GapError> {
        let level = match params.level.map(str::trim).filter(|l| !l.is_empty()) {
            None => Level::County,
            Some(text) => Level::parse(text).ok_or_else(|| GapError::Level(text.to_owned()))?,
        };
        if level == Level::Zip && !zip_allowed {
            return Err(GapError::ZipNotAllowed);
        }
        let mut needs: Vec<Need> = Vec::new();
        for text in params.needs.iter().flat_map(|n| n.split(',')) {
            let text = text.trim();
            if text.is_empty() {
                continue;
            }
            let need = Need::parse(text).ok_or_else(|| GapError::Need {
                given: text.to_owned(),
            })?;
            if !needs.contains(&need) {
                needs.push(need);
            }
        }
        if needs.is_empty() {
            return Err(GapError::NoNeed);
        }
        let date =
            |field: &'static str, value: Option<&str>| -> Result<Option<NaiveDate>, GapError> {
                match value.map(str::trim).filter(|v| !v.is_empty()) {
                    None => Ok(None),
                    Some(text) => NaiveDate::parse_from_str(text, "%Y-%m-%d")
                        .map(Some)
                        .map_err(|_| GapError::Date {
                            field,
                            value: text.to_owned(),
                        }),
                }
            };
        let to = date("to", params.to)?.unwrap_or(today);
        let from = date("from", params.from)?
            .unwrap_or_else(|| to - chrono::Duration::days(DEFAULT_DAYS - 1));
        if from > to {
            return Err(GapError::Reversed { from, to });
        }
        let known: BTreeSet<&str> = gazetteer
            .counties()
            .into_iter()
            .map(|c| c.state.as_str())
            .collect();
        let mut states = Vec::new();
        for text in params.states.iter().flat_map(|s| s.split(',')) {
            let code = text.trim().to_ascii_uppercase();
            if code.is_empty() {
                continue;
            }
            if !known.contains(code.as_str()) {
                return Err(GapError::State(text.trim().to_owned()));
            }
            if !states.contains(&code) {
                states.push(code);
            }
        }
        Ok(GapQuery {
            level,
            needs,
            from,
            to,
            states,
        })
    }

    /// The period as instants: from the start of `from` to the end of `to`.
    pub fn period(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        let start = self.from.and_time(NaiveTime::MIN).and_utc();
        let end = (self.to + chrono::Duration::days(1))
            .and_time(NaiveTime::MIN)
            .and_utc();
        (start, end)
    }
}

/// The counted measures, in column order.
pub const MEASURES: [&str; 9] = [
    "searches",
    "zero_result_searches",
    "referrals",
    "got_help",
    "failed_no_capacity",
    "failed_not_eligible",
    "failed_could_not_contact",
    "failed_waitlist",
    "failed_other",
];

const SEARCHES: usize = 0;
const ZERO_RESULTS: usize = 1;
const REFERRALS: usize = 2;
const GOT_HELP: usize = 3;
/// The failure columns, `failed_no_capacity` to `failed_other`.
const FAILED: std::ops::Range<usize> = 4..9;

/// How a measure reads as a column heading.
pub fn measure_label(measure: &str) -> &'static str {
    match measure {
        "searches" => "Searches",
        "zero_result_searches" => "Searches with nothing in radius",
        "referrals" => "Referrals",
        "got_help" => "Got help",
        "failed_no_capacity" => "Failed: no capacity",
        "failed_not_eligible" => "Failed: not eligible",
        "failed_could_not_contact" => "Failed: couldn't contact",
        "failed_waitlist" => "Failed: waitlist",
        _ => "Failed: other",
    }
}

/// The failure column a closed referral counts in, if it failed: failed or
/// rejected by the program, by its reason (no reason, "no longer interested"
/// and "other" count as other).
fn failure_column(referral: &Referral) -> Option<usize> {
    if !matches!(
        referral.status,
        ReferralStatus::Failed | ReferralStatus::Rejected
    ) {
        return None;
    }
    Some(match referral.outcome {
        Some(OutcomeReason::NoCapacity) => FAILED.start,
        Some(OutcomeReason::NotEligible) => FAILED.start + 1,
        Some(OutcomeReason::CouldNotContact) => FAILED.start + 2,
        Some(OutcomeReason::Waitlist) => FAILED.start + 3,
        _ => FAILED.start + 4,
    })
}

/// One area of the report.
#[derive(Debug, Clone, PartialEq)]
pub struct Area {
    /// ZIP, ZIP3, county FIPS or state code.
    pub code: String,
    pub name: String,
    pub state: String,
    /// Where supply is counted around.
    pub point: SupplyPoint,
}

impl Area {
    /// A county, centred on its Census internal point; served by services
    /// covering the county, its state or the whole country.
    pub fn county(county: &County) -> Area {
        Area {
            code: county.fips.clone(),
            name: county.name.clone(),
            state: county.state.clone(),
            point: SupplyPoint {
                lat: county.lat,
                lon: county.lon,
                areas: vec![
                    format!("county:{}", county.fips),
                    format!("state:{}", county.state),
                    "national".to_owned(),
                ],
            },
        }
    }
}

/// Raw counts per (area code, need code), before disclosure control.
pub type Demand = BTreeMap<(String, String), [u64; MEASURES.len()]>;

/// Where a ZIP and county put a search or a referral at `level`.
fn area_code(
    level: Level,
    zip: Option<&str>,
    county: Option<&str>,
    gazetteer: &Gazetteer,
) -> Option<String> {
    let place = zip.and_then(|z| gazetteer.zip(z));
    let county = county
        .map(str::to_owned)
        .or_else(|| place.and_then(|p| p.county_fips.clone()));
    match level {
        Level::Zip => place.map(|p| p.zip.clone()),
        Level::Zip3 => place.map(|p| p.zip[..3].to_owned()),
        Level::County => county,
        Level::State => county
            .as_deref()
            .and_then(|c| gazetteer.state_of_county(c))
            .map(str::to_owned)
            .or_else(|| place.map(|p| p.state.clone())),
    }
}

/// Counts the searches and referrals of the period by area and need. Searches
/// and referrals with no place, or outside the query's needs, count nowhere;
/// referrals entered in error never count. Returns the counts and how many
/// searches and referrals of the period had no place.
pub fn count(
    query: &GapQuery,
    searches: &[SearchLogEntry],
    referrals: &[Referral],
    gazetteer: &Gazetteer,
) -> (Demand, u64) {
    let (start, end) = query.period();
    let wanted: BTreeSet<&str> = query.needs.iter().map(Need::code).collect();
    let mut demand = Demand::new();
    let mut unplaced = 0;
    for entry in searches {
        if entry.hour < start || entry.hour >= end {
            continue;
        }
        let needs: BTreeSet<&str> = entry
            .needs
            .iter()
            .map(String::as_str)
            .filter(|n| wanted.contains(n))
            .collect();
        if needs.is_empty() {
            continue;
        }
        let Some(area) = area_code(
            query.level,
            entry.zip.as_deref(),
            entry.county.as_deref(),
            gazetteer,
        ) else {
            unplaced += 1;
            continue;
        };
        for need in needs {
            let counts = demand.entry((area.clone(), need.to_owned())).or_default();
            counts[SEARCHES] += 1;
            if entry.radius_miles.is_some() && entry.results_in_radius == 0 {
                counts[ZERO_RESULTS] += 1;
            }
        }
    }
    for referral in referrals {
        if referral.created_at < start
            || referral.created_at >= end
            || referral.status == ReferralStatus::EnteredInError
            || !wanted.contains(referral.need.code())
        {
            continue;
        }
        let Some(area) = area_code(query.level, referral.client_zip.as_deref(), None, gazetteer)
        else {
            unplaced += 1;
            continue;
        };
        let counts = demand
            .entry((area, referral.need.code().to_owned()))
            .or_default();
        counts[REFERRALS] += 1;
        if referral.status == ReferralStatus::Completed
            && referral.outcome == Some(OutcomeReason::GotHelp)
        {
            counts[GOT_HELP] += 1;
        }
        if let Some(column) = failure_column(referral) {
            counts[column] += 1;
        }
    }
    (demand, unplaced)
}

/// The areas of a report: every county, ZIP3 or state (of the chosen states),
/// and for ZIP level the ZIP codes that have demand in `demand`.
pub fn areas(query: &GapQuery, demand: &Demand, gazetteer: &Gazetteer) -> Vec<Area> {
    let in_states =
        |state: &str| query.states.is_empty() || query.states.iter().any(|s| s == state);
    let national = || "national".to_owned();
    let mut areas = Vec::new();
    match query.level {
        Level::County => {
            areas.extend(
                gazetteer
                    .counties()
                    .into_iter()
                    .filter(|c| in_states(&c.state))
                    .map(Area::county),
            );
        }
        Level::State => {
            let mut states: BTreeMap<&str, (f64, f64, usize)> = BTreeMap::new();
            for county in gazetteer.counties() {
                let entry = states.entry(county.state.as_str()).or_default();
                entry.0 += county.lat;
                entry.1 += county.lon;
                entry.2 += 1;
            }
            for (state, (lat, lon, n)) in states {
                if in_states(state) {
                    areas.push(Area {
                        code: state.to_owned(),
                        name: state_name(state).to_owned(),
                        state: state.to_owned(),
                        point: SupplyPoint {
                            lat: lat / n as f64,
                            lon: lon / n as f64,
                            areas: vec![format!("state:{state}"), national()],
                        },
                    });
                }
            }
        }
        Level::Zip3 => {
            // Centre: the mean of the ZIP centres (post-office-box ZIPs left out);
            // state: the one most of its ZIPs are in.
            let mut groups: BTreeMap<String, (f64, f64, usize, BTreeMap<String, usize>)> =
                BTreeMap::new();
            for zip in gazetteer.zips().filter(|z| !z.rough) {
                let entry = groups.entry(zip.zip[..3].to_owned()).or_default();
                entry.0 += zip.lat;
                entry.1 += zip.lon;
                entry.2 += 1;
                *entry.3.entry(zip.state.clone()).or_default() += 1;
            }
            for (code, (lat, lon, n, states)) in groups {
                let state = states
                    .into_iter()
                    .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
                    .map(|(s, _)| s)
                    .unwrap_or_default();
                if !in_states(&state) {
                    continue;
                }
                let (lat, lon) = (lat / n as f64, lon / n as f64);
                let mut terms = Vec::new();
                if let Ok(counties) = crate::geo::Counties::shared()
                    && let Some(fips) = counties.county_at(lat, lon)
                {
                    terms.push(format!("county:{fips}"));
                }
                terms.extend([format!("state:{state}"), national()]);
                areas.push(Area {
                    name: format!("ZIP codes {code}xx"),
                    code,
                    state,
                    point: SupplyPoint {
                        lat,
                        lon,
                        areas: terms,
                    },
                });
            }
        }
        Level::Zip => {
            let codes: BTreeSet<&str> = demand.keys().map(|(a, _)| a.as_str()).collect();
            for code in codes {
                let Some(zip) = gazetteer.zip(code) else {
                    continue;
                };
                if !in_states(&zip.state) {
                    continue;
                }
                let mut terms = vec![format!("zip:{}", zip.zip)];
                if let Some(fips) = &zip.county_fips {
                    terms.push(format!("county:{fips}"));
                }
                terms.extend([format!("state:{}", zip.state), national()]);
                areas.push(Area {
                    code: zip.zip.clone(),
                    name: zip.city.clone(),
                    state: zip.state.clone(),
                    point: SupplyPoint {
                        lat: zip.lat,
                        lon: zip.lon,
                        areas: terms,
                    },
                });
            }
        }
    }
    areas
}

/// Supply around an area's centre for one need.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct SupplyCounts {
    pub within_5_mi: usize,
    pub within_10_mi: usize,
    pub within_25_mi: usize,
    pub serving: usize,
    pub nearest_mi: Option<f64>,
}

/// As reports show it: the nearest distance rounded to a tenth of a mile.
impl From<Supply> for SupplyCounts {
    fn from(s: Supply) -> SupplyCounts {
        SupplyCounts {
            within_5_mi: s.within[0],
            within_10_mi: s.within[1],
            within_25_mi: s.within[2],
            serving: s.serving,
            nearest_mi: s.nearest.map(|d| (d * 10.0).round() / 10.0),
        }
    }
}

/// One published row: an area (or the total of all of them) and a need.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GapRow {
    /// ZIP, ZIP3, county FIPS or state code; `total` for the total row.
    pub area: String,
    pub name: String,
    pub state: String,
    pub need: String,
    /// The measures of [`MEASURES`], after disclosure control.
    #[serde(flatten)]
    pub counts: Measures,
    /// Supply around the area's centre (none on total rows).
    #[serde(flatten)]
    pub supply: Option<SupplyCounts>,
    /// See [`GAP_SCORE_FORMULA`]; none when it would rest on a hidden count.
    pub gap_score: Option<f64>,
}

/// The demand columns of a row.
#[derive(Debug, Clone, PartialEq)]
pub struct Measures(pub [Count; MEASURES.len()]);

impl Serialize for Measures {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(MEASURES.len()))?;
        for (name, count) in MEASURES.iter().zip(&self.0) {
            map.serialize_entry(name, count)?;
        }
        map.end()
    }
}

/// How the gap score is worked out, as every export states it.
pub const GAP_SCORE_FORMULA: &str = "gap score = 100 × (searches with nothing in radius + failed referrals) ÷ (searches + referrals that got help + failed referrals), where failed referrals are those failed or rejected for any reason; given only when every count it uses is shown and the divisor is 11 or more.";

/// The gap score of one row's counts, when every count it uses is shown.
fn gap_score(counts: &[Count; MEASURES.len()]) -> Option<f64> {
    let mut used = vec![SEARCHES, ZERO_RESULTS, GOT_HELP];
    used.extend(FAILED);
    let mut values = [0u64; MEASURES.len()];
    for i in used {
        match counts[i] {
            Count::Shown(n) => values[i] = n,
            Count::Small | Count::Hidden => return None,
        }
    }
    let failed: u64 = values[FAILED].iter().sum();
    let unmet = values[ZERO_RESULTS] + failed;
    let attempts = values[SEARCHES] + values[GOT_HELP] + failed;
    (attempts >= suppress::THRESHOLD)
        .then(|| (1000.0 * unmet as f64 / attempts as f64).round() / 10.0)
}

/// A gap report, ready to show or export.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GapReport {
    pub level: Level,
    pub needs: Vec<String>,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub states: Vec<String>,
    /// Area rows, largest gaps first (then least supplied), then one total row per need.
    pub rows: Vec<GapRow>,
    pub totals: Vec<GapRow>,
    /// Searches and referrals of the period with no place (in no row).
    pub unplaced: Count,
    pub gap_score_formula: &'static str,
    /// What the supply columns count.
    pub supply_note: &'static str,
    /// Which disclosure rules applied, and to how many cells.
    pub disclosure_note: String,
}

/// What the supply columns count, as every export states it.
pub const SUPPLY_NOTE: &str = "active services for the need located within 5, 10 and 25 miles of the area's centre (ZIP: its centre; ZIP3: the mean of its ZIP centres; county: the Census internal point; state: the mean of its county points), and those whose service area covers the area (its ZIP, county or state, or the whole country); nearest_mi is the distance to the nearest one within 25 miles. Supply counts are of public listings, not of people, and are shown exactly.";

/// Applies disclosure control and the gap score to counted demand and supply.
/// `supply` is keyed like `demand`; missing entries have no supply columns.
pub fn publish(
    query: &GapQuery,
    areas: &[Area],
    demand: &Demand,
    supply: &BTreeMap<(String, String), SupplyCounts>,
    unplaced: u64,
) -> GapReport {
    let mut rows = Vec::new();
    let mut totals = Vec::new();
    for need in &query.needs {
        let need = need.code();
        // One table per measure: the areas' cells, and their total, published.
        let mut columns: Vec<suppress::SafeTable> = Vec::new();
        for m in 0..MEASURES.len() {
            let values: Vec<Vec<u64>> = areas
                .iter()
                .map(|a| {
                    vec![
                        demand
                            .get(&(a.code.clone(), need.to_owned()))
                            .map_or(0, |c| c[m]),
                    ]
                })
                .collect();
            columns.push(suppress::suppress(&values));
        }
        for (i, area) in areas.iter().enumerate() {
            let counts: [Count; MEASURES.len()] = std::array::from_fn(|m| columns[m].cells[i][0]);
            rows.push(GapRow {
                area: area.code.clone(),
                name: area.name.clone(),
                state: area.state.clone(),
                need: need.to_owned(),
                gap_score: gap_score(&counts),
                counts: Measures(counts),
                supply: supply.get(&(area.code.clone(), need.to_owned())).copied(),
            });
        }
        let counts: [Count; MEASURES.len()] = std::array::from_fn(|m| {
            columns[m]
                .column_totals
                .first()
                .copied()
                .unwrap_or(Count::Shown(0))
        });
        totals.push(GapRow {
            area: "total".to_owned(),
            name: "All areas in this report".to_owned(),
            state: query.states.join(" "),
            need: need.to_owned(),
            gap_score: gap_score(&counts),
            counts: Measures(counts),
            supply: None,
        });
    }
    rows.sort_by(|a, b| {
        let supply = |r: &GapRow| r.supply.unwrap_or_default();
        b.gap_score
            .unwrap_or(-1.0)
            .total_cmp(&a.gap_score.unwrap_or(-1.0))
            .then(supply(a).within_25_mi.cmp(&supply(b).within_25_mi))
            .then(
                supply(b)
                    .nearest_mi
                    .unwrap_or(f64::MAX)
                    .total_cmp(&supply(a).nearest_mi.unwrap_or(f64::MAX)),
            )
            .then(a.area.cmp(&b.area))
            .then(a.need.cmp(&b.need))
    });
    // What the note counts is what the report shows.
    let published = || rows.iter().chain(&totals).flat_map(|r| r.counts.0.iter());
    let primary = published().filter(|c| **c == Count::Small).count();
    let complementary = published().filter(|c| **c == Count::Hidden).count();
    let unplaced = if (1..suppress::THRESHOLD).contains(&unplaced) {
        Count::Small
    } else {
        Count::Shown(unplaced)
    };
    GapReport {
        level: query.level,
        needs: query.needs.iter().map(|n| n.code().to_owned()).collect(),
        from: query.from,
        to: query.to,
        states: query.states.clone(),
        rows,
        totals,
        unplaced,
        gap_score_formula: GAP_SCORE_FORMULA,
        supply_note: SUPPLY_NOTE,
        disclosure_note: format!(
            "counts from 1 to 10 are shown as <11 ({primary} cells); {complementary} more counts are shown as hidden so that none of those can be worked out from a need's total row; the gap score is not computed from hidden counts or on fewer than 11; ZIP-level reports are for admins only. Comparing reports of overlapping periods, places or levels is not protected against."
        ),
    }
}

/// The searches and referrals of a report's period, read once so that
/// several reports of the period (the page's table and its county map) share them.
#[derive(Debug, Clone)]
pub struct Inputs {
    searches: Vec<SearchLogEntry>,
    referrals: Vec<Referral>,
}

impl Inputs {
    /// Reads what `query`'s period needs from the directory.
    pub fn load(directory: &Directory, query: &GapQuery) -> Result<Inputs, GapError> {
        let (start, end) = query.period();
        Ok(Inputs {
            searches: directory.search_log_between(start, end)?,
            referrals: directory.referrals_made(start, end)?,
        })
    }
}

/// Counts and publishes the gap report for `query` from the directory's search
/// log, referrals and index.
pub fn report(directory: &Directory, query: &GapQuery) -> Result<GapReport, GapError> {
    report_from(directory, query, &Inputs::load(directory, query)?)
}

/// Counts and publishes the gap report for `query` from `inputs` (of the same
/// period or a longer one) and the index.
pub fn report_from(
    directory: &Directory,
    query: &GapQuery,
    inputs: &Inputs,
) -> Result<GapReport, GapError> {
    let gazetteer = directory.gazetteer();
    let (demand, unplaced) = count(query, &inputs.searches, &inputs.referrals, gazetteer);
    let areas = areas(query, &demand, gazetteer);
    let mut supply = BTreeMap::new();
    for need in &query.needs {
        for area in &areas {
            let s = directory.supply_at(&area.point, std::slice::from_ref(need), &[])?;
            supply.insert((area.code.clone(), need.code().to_owned()), s.into());
        }
    }
    Ok(publish(query, &areas, &demand, &supply, unplaced))
}

/// Reads a gap report request as `user` may make it: advocates and admins
/// only, ZIP level for admins only. The request is written to the audit log
/// (who, when, what); the caller then makes the report ([`report`]).
pub fn authorize(
    directory: &Directory,
    user: &User,
    params: &GapParams<'_>,
    now: DateTime<Utc>,
) -> Result<GapQuery, GapError> {
    if !user.role.reads_reports() {
        return Err(GapError::Forbidden(
            "gap reports are for advocates and admins; ask an admin to give your account the advocate role".to_owned(),
        ));
    }
    let query = GapQuery::parse(
        params,
        directory.gazetteer(),
        now.date_naive(),
        user.role == Role::Admin,
    )?;
    let what = format!(
        "{} {} {}..{}{}",
        query.level.code(),
        query
            .needs
            .iter()
            .map(Need::code)
            .collect::<Vec<_>>()
            .join(","),
        query.from,
        query.to,
        if query.states.is_empty() {
            String::new()
        } else {
            format!(" {}", query.states.join(","))
        }
    );
    directory.audit(&user.id, "report.gaps", "report", &what, now)?;
    Ok(query)
}

/// The CSV columns, in order: the area and need, [`MEASURES`], the supply and the gap score.
pub fn csv_columns() -> Vec<&'static str> {
    let mut columns = vec!["level", "area", "name", "state", "need"];
    columns.extend(MEASURES);
    columns.extend([
        "within_5_mi",
        "within_10_mi",
        "within_25_mi",
        "serving",
        "nearest_mi",
        "gap_score",
    ]);
    columns
}

/// The lines of notes every export carries: the period, what supply counts,
/// the gap score's formula and the disclosure rules applied.
pub fn notes(report: &GapReport) -> Vec<String> {
    vec![
        format!(
            "Hearth gap report: {} level; needs {}; {} to {} (whole days; UTC){}",
            report.level.code(),
            report.needs.join(" "),
            report.from,
            report.to,
            if report.states.is_empty() {
                String::new()
            } else {
                format!("; states {}", report.states.join(" "))
            }
        ),
        format!("Supply: {}", report.supply_note),
        format!("Gap score: {}", report.gap_score_formula),
        format!("Disclosure control: {}", report.disclosure_note),
        format!(
            "Searches and referrals with no place (in no row): {}",
            report.unplaced.text()
        ),
    ]
}

/// The report as CSV: note lines starting with `#` (no commas in them), the
/// header, the area rows and the total rows. Every cell is guarded against
/// spreadsheet formulas.
pub fn to_csv(report: &GapReport) -> String {
    let mut out = String::new();
    for note in notes(report) {
        out.push_str("# ");
        out.push_str(&note.replace([',', '"', '\n', '\r'], ";"));
        out.push('\n');
    }
    out.push_str(&csv_columns().join(","));
    out.push('\n');
    for row in report.rows.iter().chain(&report.totals) {
        let supply = row.supply;
        let number =
            |f: fn(&SupplyCounts) -> usize| supply.map(|s| f(&s).to_string()).unwrap_or_default();
        let mut cells = vec![
            report.level.code().to_owned(),
            row.area.clone(),
            row.name.clone(),
            row.state.clone(),
            row.need.clone(),
        ];
        cells.extend(row.counts.0.iter().map(|c| c.text()));
        cells.extend([
            number(|s| s.within_5_mi),
            number(|s| s.within_10_mi),
            number(|s| s.within_25_mi),
            number(|s| s.serving),
            supply
                .and_then(|s| s.nearest_mi)
                .map(|d| d.to_string())
                .unwrap_or_default(),
            row.gap_score.map(|g| g.to_string()).unwrap_or_default(),
        ]);
        out.push_str(&super::csv_row(&cells));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ReferralKind, Urgency};
    use crate::report::suppress::SafeTable;
    use crate::report::suppress::tests::{Rng, recoverable};

    fn gazetteer() -> &'static Gazetteer {
        static GAZETTEER: std::sync::OnceLock<Gazetteer> = std::sync::OnceLock::new();
        GAZETTEER.get_or_init(|| Gazetteer::bundled().unwrap_or_else(|e| panic!("{e}")))
    }

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    fn referral(
        zip: Option<&str>,
        need: &str,
        at: DateTime<Utc>,
        status: ReferralStatus,
        outcome: Option<OutcomeReason>,
    ) -> Referral {
        Referral {
            id: "r".into(),
            request_id: None,
            created_at: at,
            created_by: "u".into(),
            service_id: "s".into(),
            location_id: None,
            service_name: "A service".into(),
            organization_name: "An organization".into(),
            need: Need::parse(need).unwrap_or_else(|| panic!("{need}")),
            z_code: None,
            client_ref: None,
            client_zip: zip.map(str::to_owned),
            client_language: None,
            urgency: Urgency::Routine,
            consent: None,
            contact: None,
            kind: ReferralKind::Logged,
            follow_up: at.date_naive(),
            note: None,
            status,
            outcome,
            history: Vec::new(),
        }
    }

    fn search(
        zip: Option<&str>,
        needs: &[&str],
        at: DateTime<Utc>,
        results: usize,
    ) -> SearchLogEntry {
        let place = zip.and_then(|z| gazetteer().zip(z));
        SearchLogEntry {
            hour: at,
            needs: needs.iter().map(|n| (*n).to_owned()).collect(),
            categories: Vec::new(),
            zip: place.map(|p| p.zip.clone()),
            county: place.and_then(|p| p.county_fips.clone()),
            radius_miles: zip.map(|_| 10.0),
            results_in_radius: results,
            nearest_miles: None,
        }
    }

    fn query(level: Level, needs: &[&str], states: &[&str]) -> GapQuery {
        GapQuery {
            level,
            needs: needs.iter().filter_map(|n| Need::parse(n)).collect(),
            from: day("2026-01-01"),
            to: day("2026-01-31"),
            states: states.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    #[test]
    fn parses_requests_and_says_what_is_wrong() {
        let g = gazetteer();
        let today = day("2026-11-28");
        let asked = |level: Option<&'static str>,
                     from: Option<&'static str>,
                     to: Option<&'static str>| GapParams {
            level,
            needs: vec!["food-insecurity"],
            from,
            to,
            states: vec!["vt"],
        };
        let q = GapQuery::parse(&asked(None, None, None), g, today, false).expect("valid");
        assert_eq!(q.level, Level::County);
        assert_eq!((q.from, q.to), (day("2025-11-29"), today));
        assert_eq!(q.states, ["VT"]);
        let error = |params: GapParams<'_>, zip: bool| {
            GapQuery::parse(&params, g, today, zip)
                .expect_err("an error")
                .to_string()
        };
        assert!(error(asked(Some("zip"), None, None), false).contains("admins"));
        assert!(GapQuery::parse(&asked(Some("zip"), None, None), g, today, true).is_ok());
        assert!(
            error(asked(Some("planet"), None, None), true).contains("zip, zip3, county or state")
        );
        assert!(error(asked(None, Some("2026-13-01"), None), true).contains("YYYY-MM-DD"));
        assert!(error(asked(None, Some("2026-05-02"), Some("2026-05-01")), true).contains("after"));
        let no_need = GapParams {
            needs: vec![" "],
            ..asked(None, None, None)
        };
        assert!(error(no_need, true).contains("choose a need"));
        let bad_need = GapParams {
            needs: vec!["food"],
            ..asked(None, None, None)
        };
        assert!(error(bad_need, true).contains("\"food\""));
        let bad_state = GapParams {
            states: vec!["ZZ"],
            ..asked(None, None, None)
        };
        assert!(error(bad_state, true).contains("\"ZZ\""));
    }

    #[test]
    fn counts_by_hand() {
        // Burlington 05401 and Winooski 05404 are in Chittenden County (50007),
        // Montpelier 05602 in Washington County (50023).
        let g = gazetteer();
        let at = day("2026-01-10")
            .and_hms_opt(14, 0, 0)
            .expect("valid")
            .and_utc();
        let before = day("2025-12-31")
            .and_hms_opt(23, 0, 0)
            .expect("valid")
            .and_utc();
        let last_hour = day("2026-01-31")
            .and_hms_opt(23, 0, 0)
            .expect("valid")
            .and_utc();
        let searches = vec![
            search(Some("05401"), &["food-insecurity"], at, 0),
            search(
                Some("05404"),
                &["food-insecurity", "housing-instability"],
                last_hour,
                3,
            ),
            search(Some("05602"), &["food-insecurity"], at, 0),
            search(Some("05602"), &["employment-status"], at, 0),
            search(None, &["food-insecurity"], at, 0),
            search(Some("05401"), &["food-insecurity"], before, 0),
        ];
        use OutcomeReason::*;
        use ReferralStatus::*;
        let referrals = vec![
            referral(
                Some("05401"),
                "food-insecurity",
                at,
                Completed,
                Some(GotHelp),
            ),
            referral(
                Some("05401"),
                "food-insecurity",
                at,
                Failed,
                Some(NoCapacity),
            ),
            referral(
                Some("05404"),
                "food-insecurity",
                at,
                Rejected,
                Some(NotEligible),
            ),
            referral(
                Some("05404"),
                "food-insecurity",
                at,
                Failed,
                Some(NoLongerInterested),
            ),
            referral(
                Some("05602"),
                "food-insecurity",
                at,
                Cancelled,
                Some(ReferredElsewhere),
            ),
            referral(Some("05602"), "food-insecurity", at, EnteredInError, None),
            referral(Some("05602"), "food-insecurity", at, OnHold, Some(Waitlist)),
            referral(None, "food-insecurity", at, Requested, None),
        ];
        let q = query(Level::County, &["food-insecurity"], &["VT"]);
        let (demand, unplaced) = count(&q, &searches, &referrals, g);
        assert_eq!(unplaced, 2, "the search and the referral with no place");
        let chittenden = demand[&("50007".to_owned(), "food-insecurity".to_owned())];
        //                 searches zero refs help cap elig contact wait other
        assert_eq!(chittenden, [2, 1, 4, 1, 1, 1, 0, 0, 1]);
        let washington = demand[&("50023".to_owned(), "food-insecurity".to_owned())];
        assert_eq!(washington, [1, 1, 2, 0, 0, 0, 0, 0, 0]);
        assert_eq!(demand.len(), 2);
        // By ZIP3 and state the same searches and referrals fall together.
        let (by_zip3, _) = count(
            &query(Level::Zip3, &["food-insecurity"], &[]),
            &searches,
            &referrals,
            g,
        );
        assert_eq!(
            by_zip3[&("054".to_owned(), "food-insecurity".to_owned())][0],
            2
        );
        assert_eq!(
            by_zip3[&("056".to_owned(), "food-insecurity".to_owned())][0],
            1
        );
        let (by_state, _) = count(
            &query(Level::State, &["food-insecurity"], &[]),
            &searches,
            &referrals,
            g,
        );
        assert_eq!(
            by_state[&("VT".to_owned(), "food-insecurity".to_owned())],
            [3, 2, 6, 1, 1, 1, 0, 0, 1]
        );
        // The areas: every Vermont county, the ZIP codes with demand.
        assert_eq!(areas(&q, &demand, g).len(), 14);
        let zq = query(Level::Zip, &["food-insecurity"], &[]);
        let (by_zip, _) = count(&zq, &searches, &referrals, g);
        let zips: Vec<String> = areas(&zq, &by_zip, g).into_iter().map(|a| a.code).collect();
        assert_eq!(zips, ["05401", "05404", "05602"]);
    }

    #[test]
    fn a_gap_score_needs_every_count_it_uses_shown() {
        use Count::*;
        // 40 searches, 12 of them with nothing nearby; 15 got help, 20 failed for no capacity.
        let counts = [
            Shown(40),
            Shown(12),
            Shown(60),
            Shown(15),
            Shown(20),
            Shown(0),
            Shown(0),
            Shown(0),
            Shown(0),
        ];
        // 100 × (12 + 20) ÷ (40 + 15 + 20) = 42.666…
        assert_eq!(gap_score(&counts), Some(42.7));
        let mut hidden = counts;
        hidden[5] = Small;
        assert_eq!(gap_score(&hidden), None);
        // The referral count is not used: hiding it keeps the score.
        let mut referrals_hidden = counts;
        referrals_hidden[2] = Hidden;
        assert_eq!(gap_score(&referrals_hidden), Some(42.7));
        assert_eq!(gap_score(&[Shown(0); MEASURES.len()]), None, "no divisor");
    }

    const POOL: [&str; 10] = [
        "05401", "05404", "05602", "05641", "05301", "05701", "05855", "03301", "03101", "03870",
    ];
    const NEEDS: [&str; 2] = ["food-insecurity", "housing-instability"];
    const FORMULA_STARTS: [&str; 6] = ["=HYPERLINK(\"x\")", "+1", "-2", "@SUM(A1)", "\tx", "\rx"];

    /// A random dataset of searches and referrals around the pool's ZIP codes,
    /// some outside the period or with no place.
    fn dataset(rng: &mut Rng) -> (Vec<SearchLogEntry>, Vec<Referral>) {
        let start = day("2025-12-25")
            .and_hms_opt(0, 0, 0)
            .expect("valid")
            .and_utc();
        let when = |rng: &mut Rng| start + chrono::Duration::hours(rng.below(24 * 45) as i64);
        // Skewed so that some areas get many and some few.
        let zip = |rng: &mut Rng| match rng.below(12) {
            0 => None,
            n if n < 6 => Some(POOL[0]),
            _ => Some(POOL[rng.below(POOL.len() as u64) as usize]),
        };
        let mut searches = Vec::new();
        for _ in 0..rng.below(150) {
            let needs: Vec<&str> = match rng.below(4) {
                0 => vec![NEEDS[0], NEEDS[1]],
                1 => vec![NEEDS[1]],
                2 => vec!["stress"],
                _ => vec![NEEDS[0]],
            };
            let (z, at, results) = (zip(rng), when(rng), rng.below(3) as usize);
            searches.push(search(z, &needs, at, results));
        }
        let mut referrals = Vec::new();
        for _ in 0..rng.below(120) {
            let status = ReferralStatus::ALL[rng.below(ReferralStatus::ALL.len() as u64) as usize];
            let reasons = status.reasons();
            let outcome = if reasons.is_empty() || rng.below(8) == 0 {
                None
            } else {
                Some(reasons[rng.below(reasons.len() as u64) as usize])
            };
            let need = NEEDS[rng.below(2) as usize];
            let (z, at) = (zip(rng), when(rng));
            referrals.push(referral(z, need, at, status, outcome));
        }
        (searches, referrals)
    }

    /// Whether a published demand cell is allowed: 0, 11 or more, `<11` or `hidden`.
    fn safe_text(text: &str) -> bool {
        match text.parse::<u64>() {
            Ok(n) => n == 0 || n >= suppress::THRESHOLD,
            Err(_) => text == "<11" || text == "hidden",
        }
    }

    #[test]
    fn ten_thousand_random_reports_show_no_small_count_give_none_away_and_run_no_formula() {
        let g = gazetteer();
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut violations: Vec<String> = Vec::new();
        let mut hidden_seen = (0usize, 0usize);
        // Areas other than ZIP codes do not depend on the demand: list them once.
        let fixed: BTreeMap<Level, Vec<Area>> = [Level::Zip3, Level::County, Level::State]
            .into_iter()
            .map(|level| {
                (
                    level,
                    areas(&query(level, &NEEDS, &["VT", "NH"]), &Demand::new(), g),
                )
            })
            .collect();
        for case in 0..10_000 {
            let level =
                [Level::Zip, Level::Zip3, Level::County, Level::State][rng.below(4) as usize];
            let needs: &[&str] = if rng.below(2) == 0 {
                &NEEDS
            } else {
                &NEEDS[..1]
            };
            let q = query(level, needs, &["VT", "NH"]);
            let (searches, referrals) = dataset(&mut rng);
            let (demand, unplaced) = count(&q, &searches, &referrals, g);
            let areas = match fixed.get(&level) {
                Some(list) => list.clone(),
                None => areas(&q, &demand, g),
            };
            let mut report = publish(&q, &areas, &demand, &BTreeMap::new(), unplaced);
            // Names that a spreadsheet would run, to check the CSV guard.
            for row in &mut report.rows {
                if rng.below(3) == 0 {
                    let start = FORMULA_STARTS[rng.below(FORMULA_STARTS.len() as u64) as usize];
                    row.name = format!("{start}{}", row.name);
                }
            }
            // 1. No exported demand cell shows 1–10, in the CSV or the JSON.
            let csv = to_csv(&report);
            let mut reader = csv::ReaderBuilder::new()
                .comment(Some(b'#'))
                .from_reader(csv.as_bytes());
            for record in reader.records() {
                let record = match record {
                    Ok(r) => r,
                    Err(e) => {
                        violations.push(format!("case {case}: CSV does not parse: {e}"));
                        break;
                    }
                };
                for (i, cell) in record.iter().enumerate() {
                    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
                        violations.push(format!("case {case}: formula cell {cell:?}"));
                    }
                    if (5..5 + MEASURES.len()).contains(&i) && !safe_text(cell) {
                        violations.push(format!("case {case}: CSV cell {cell:?} in column {i}"));
                    }
                }
            }
            let json = serde_json::to_value(&report).unwrap_or_default();
            for row in json["rows"]
                .as_array()
                .into_iter()
                .flatten()
                .chain(json["totals"].as_array().into_iter().flatten())
            {
                for measure in MEASURES {
                    let cell = &row[measure];
                    let text = cell
                        .as_u64()
                        .map(|n| n.to_string())
                        .or_else(|| cell.as_str().map(str::to_owned));
                    if !text.as_deref().is_some_and(safe_text) {
                        violations.push(format!("case {case}: JSON {measure} = {cell}"));
                    }
                }
            }
            // 2. No hidden count can be worked out from its need's total.
            for (n, need) in q.needs.iter().enumerate() {
                let rows: Vec<&GapRow> = areas
                    .iter()
                    .map(|a| {
                        report
                            .rows
                            .iter()
                            .find(|r| r.area == a.code && r.need == need.code())
                            .unwrap_or_else(|| panic!("no row for {}", a.code))
                    })
                    .collect();
                for m in 0..MEASURES.len() {
                    let values: Vec<Vec<u64>> = areas
                        .iter()
                        .map(|a| {
                            vec![
                                demand
                                    .get(&(a.code.clone(), need.code().to_owned()))
                                    .map_or(0, |c| c[m]),
                            ]
                        })
                        .collect();
                    let cells: Vec<Vec<Count>> = rows.iter().map(|r| vec![r.counts.0[m]]).collect();
                    let total = report.totals[n].counts.0[m];
                    let table = SafeTable {
                        row_totals: cells.iter().map(|c| c[0]).collect(),
                        cells,
                        column_totals: vec![total],
                        total,
                        primary: 0,
                        complementary: 0,
                    };
                    for found in recoverable(&values, &table) {
                        violations.push(format!(
                            "case {case}: {} {}: {found}",
                            need.code(),
                            MEASURES[m]
                        ));
                    }
                    hidden_seen.0 += table
                        .cells
                        .iter()
                        .flatten()
                        .filter(|c| **c == Count::Small)
                        .count();
                    hidden_seen.1 += table
                        .cells
                        .iter()
                        .flatten()
                        .filter(|c| **c == Count::Hidden)
                        .count();
                }
            }
            // 3. A gap score only on shown counts, with a divisor of 11 or more.
            for row in report.rows.iter().chain(&report.totals) {
                if row.gap_score.is_some()
                    && row
                        .counts
                        .0
                        .iter()
                        .enumerate()
                        .any(|(i, c)| i != REFERRALS && c.is_hidden())
                {
                    violations.push(format!(
                        "case {case}: a gap score on hidden counts in {}",
                        row.area
                    ));
                }
            }
        }
        assert!(
            violations.is_empty(),
            "{} violations, e.g. {:?}",
            violations.len(),
            &violations[..violations.len().min(3)]
        );
        // The datasets do exercise both kinds of hiding.
        assert!(
            hidden_seen.0 > 10_000 && hidden_seen.1 > 1_000,
            "{hidden_seen:?}"
        );
    }
}
