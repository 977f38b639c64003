//! Reports for advocates. The supply report needs no demand data: for each
//! county and a need, how many active services are located within 5, 10 and 25
//! miles of the county's centre, how many serve the county, and how far the
//! nearest one is — counted from the index. The gap report ([`gaps`]) sets the
//! demand Hearth saw beside that supply, with disclosure control ([`suppress`])
//! and a county map ([`map`]).

pub mod gaps;
pub mod map;
pub mod suppress;

use serde::Serialize;

use crate::directory::{Directory, DirectoryError};
use crate::model::{Category, Need};

/// What the report counts services for: a Gravity SDOH need, or a category.
#[derive(Debug, Clone, PartialEq)]
pub enum Topic {
    Need(Need),
    Category(Category),
}

impl Topic {
    /// The need code or the category slug.
    pub fn code(&self) -> &str {
        match self {
            Topic::Need(n) => n.code(),
            Topic::Category(c) => c.slug(),
        }
    }
}

/// One county's supply for one need.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SupplyRow {
    /// 5-digit county FIPS code.
    pub county: String,
    pub name: String,
    pub state: String,
    /// The need code or category slug counted.
    pub need: String,
    pub within_5_mi: usize,
    pub within_10_mi: usize,
    pub within_25_mi: usize,
    /// Services whose service area covers the county (online and phone ones included).
    pub serving: usize,
    /// Miles from the county's centre to the nearest service within 25 miles.
    pub nearest_mi: Option<f64>,
}

/// The supply report for a need or category, county by county (only
/// `states`' counties when given), counties with the least supply first.
pub fn supply(
    directory: &Directory,
    topic: &Topic,
    states: &[String],
) -> Result<Vec<SupplyRow>, DirectoryError> {
    let mut rows = Vec::new();
    for county in directory.gazetteer().counties() {
        if !states.is_empty() && !states.iter().any(|s| s.eq_ignore_ascii_case(&county.state)) {
            continue;
        }
        let area = gaps::Area::county(county);
        let supply: gaps::SupplyCounts = match topic {
            Topic::Need(need) => {
                directory.supply_at(&area.point, std::slice::from_ref(need), &[])?
            }
            Topic::Category(c) => directory.supply_at(&area.point, &[], &[*c])?,
        }
        .into();
        rows.push(SupplyRow {
            county: area.code,
            name: area.name,
            state: area.state,
            need: topic.code().to_owned(),
            within_5_mi: supply.within_5_mi,
            within_10_mi: supply.within_10_mi,
            within_25_mi: supply.within_25_mi,
            serving: supply.serving,
            nearest_mi: supply.nearest_mi,
        });
    }
    rows.sort_by(|a, b| {
        a.within_25_mi
            .cmp(&b.within_25_mi)
            .then(
                b.nearest_mi
                    .unwrap_or(f64::MAX)
                    .total_cmp(&a.nearest_mi.unwrap_or(f64::MAX)),
            )
            .then(a.county.cmp(&b.county))
    });
    Ok(rows)
}

/// A CSV cell: quoted, and a formula-looking start neutralised with `'`.
pub fn csv_cell(text: &str) -> String {
    let guarded = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    format!("\"{}\"", guarded.replace('"', "\"\""))
}

/// The supply report as CSV, with a note line on what it counts.
pub fn supply_csv(rows: &[SupplyRow]) -> String {
    let mut out = String::from(
        "county,name,state,need,within_5_mi,within_10_mi,within_25_mi,serving,nearest_mi\n",
    );
    for r in rows {
        let cells = [
            r.county.clone(),
            r.name.clone(),
            r.state.clone(),
            r.need.clone(),
            r.within_5_mi.to_string(),
            r.within_10_mi.to_string(),
            r.within_25_mi.to_string(),
            r.serving.to_string(),
            r.nearest_mi.map(|d| d.to_string()).unwrap_or_default(),
        ];
        out.push_str(&csv_row(&cells));
    }
    out
}

/// A CSV line of guarded cells ([`csv_cell`]), ending in a newline.
pub fn csv_row(cells: &[String]) -> String {
    let mut line = cells
        .iter()
        .map(|c| csv_cell(c))
        .collect::<Vec<_>>()
        .join(",");
    line.push('\n');
    line
}

#[cfg(test)]
mod tests {
    use super::csv_cell;

    #[test]
    fn cells_never_start_a_formula() {
        for (text, cell) in [
            ("=1+1", "\"'=1+1\""),
            ("+1", "\"'+1\""),
            ("-1", "\"'-1\""),
            ("@x", "\"'@x\""),
            ("\tx", "\"'\tx\""),
            ("Dade", "\"Dade\""),
            ("a \"b\"", "\"a \"\"b\"\"\""),
        ] {
            assert_eq!(csv_cell(text), cell);
        }
    }
}
