//! Gap reports at the web edge: the page (`/reports/gaps`: choose a need, an
//! area level and a period; a table, a bar chart of the largest gaps and a
//! county map, all drawn on the server) and the export
//! (`/api/v1/reports/gaps?format=csv|json`). The counting and the disclosure
//! rules are `report::gaps`'s; these handlers read parameters, ask, render.

use std::collections::BTreeMap;

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};

use super::account::{here, require, signed_in_page};
use super::{ApiError, AppError, AppState, blocking, query_pairs, views};
use crate::model::{Need, Role};
use crate::report::gaps::{self, GapParams, GapQuery, GapReport, GapRow, Level, MEASURES};
use crate::report::map::{self, MapEntry};

/// Rows the page's table shows (the exports have them all).
const PAGE_ROWS: usize = 100;
/// Bars in the chart of the largest gaps.
const BARS: usize = 10;

/// A gap report request as the query string gives it.
#[derive(Debug, Default)]
struct Asked {
    by: Option<String>,
    needs: Vec<String>,
    from: Option<String>,
    to: Option<String>,
    states: Vec<String>,
    format: Option<String>,
    /// What the page's map shades counties by: `gap` or `supply`.
    map: Option<String>,
}

impl Asked {
    fn read(raw: Option<&str>) -> Result<Asked, AppError> {
        let mut asked = Asked::default();
        for (k, v) in query_pairs(raw) {
            match k.as_str() {
                "by" => asked.by = Some(v),
                "need" => asked.needs.push(v),
                "from" => asked.from = Some(v),
                "to" => asked.to = Some(v),
                "state" => asked.states.push(v),
                "format" => asked.format = Some(v),
                "map" => asked.map = Some(v),
                other => {
                    return Err(AppError::BadInput(format!(
                        "unknown parameter {other:?}; a gap report takes by, need, from, to, state, format (exports) and map (the page)"
                    )));
                }
            }
        }
        Ok(asked)
    }

    fn params(&self) -> GapParams<'_> {
        GapParams {
            level: self.by.as_deref(),
            needs: self.needs.iter().map(String::as_str).collect(),
            from: self.from.as_deref(),
            to: self.to.as_deref(),
            states: self.states.iter().map(String::as_str).collect(),
        }
    }
}

/// `GET /api/v1/reports/gaps?need=…&by=county&from=…&to=…&state=…&format=json|csv`
/// (advocates and admins; ZIP level for admins only).
pub async fn api_gaps(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let actor = require(&state, &headers).await?;
    let asked = Asked::read(raw.as_deref())?;
    if asked.map.is_some() {
        return Err(AppError::BadInput(
            "map is for the page (/reports/gaps); exports have no map".into(),
        )
        .into());
    }
    let csv = match asked.format.as_deref().map(str::trim) {
        None | Some("" | "json") => false,
        Some("csv") => true,
        Some(other) => {
            return Err(
                AppError::BadInput(format!("format must be csv or json (got {other:?})")).into(),
            );
        }
    };
    let directory = state.directory.clone();
    let report = blocking(move || -> Result<GapReport, gaps::GapError> {
        let now = chrono::Utc::now();
        let query = gaps::authorize(&directory, &actor.user, &asked.params(), now)?;
        gaps::report(&directory, &query)
    })
    .await??;
    Ok(if csv {
        let name = format!(
            "attachment; filename=\"gaps-{}-{}-{}.csv\"",
            report.level.code(),
            report.from,
            report.to
        );
        (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (header::CONTENT_DISPOSITION, name),
            ],
            gaps::to_csv(&report),
        )
            .into_response()
    } else {
        axum::Json(report).into_response()
    })
}

/// `GET /reports/gaps`: the gap report page (advocates and admins).
pub async fn gaps_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    RawQuery(raw): RawQuery,
) -> Result<Response, AppError> {
    let (actor, who) = match signed_in_page(&state, &headers, &here(&uri)).await? {
        Ok(signed_in) => signed_in,
        Err(redirect) => return Ok(redirect),
    };
    if !actor.user.role.reads_reports() {
        return Err(AppError::Forbidden(
            "gap reports are for advocates and admins; ask an admin to give your account the advocate role".into(),
        ));
    }
    let mut asked = Asked::read(raw.as_deref())?;
    if asked.format.is_some() {
        return Err(AppError::BadInput(
            "the page has no format; download the CSV or JSON from /api/v1/reports/gaps".into(),
        ));
    }
    // The page shows one need at a time; the first visit shows food insecurity.
    asked.needs.truncate(1);
    if asked.needs.is_empty() {
        asked.needs.push("food-insecurity".to_owned());
    }
    let map_by = match asked.map.as_deref().map(str::trim) {
        None | Some("") => None,
        Some("gap") => Some(MapBy::Gap),
        Some("supply") => Some(MapBy::Supply),
        Some(other) => {
            return Err(AppError::BadInput(format!(
                "map must be gap or supply (got {other:?})"
            )));
        }
    };
    let admin = actor.user.role == Role::Admin;
    let directory = state.directory.clone();
    let user = actor.user.clone();
    let mut form = asked_form(&asked);
    let made = blocking(move || -> Result<_, gaps::GapError> {
        let now = chrono::Utc::now();
        let query = gaps::authorize(&directory, &user, &asked.params(), now)?;
        let inputs = gaps::Inputs::load(&directory, &query)?;
        let report = gaps::report_from(&directory, &query, &inputs)?;
        // The map is of counties whatever the level, from the same searches and referrals.
        let (figure, shown_by) = if query.level == Level::County {
            county_map(&report, &query, map_by)
        } else {
            let county_query = GapQuery {
                level: Level::County,
                ..query.clone()
            };
            let counties = gaps::report_from(&directory, &county_query, &inputs)?;
            county_map(&counties, &query, map_by)
        };
        Ok((query, report, figure, shown_by))
    })
    .await?;
    let (status, body) = match made {
        Ok((query, report, figure, shown_by)) => {
            // The form shows the period the report covers, defaults included.
            form.from = query.from.to_string();
            form.to = query.to.to_string();
            form.map = shown_by.code().to_owned();
            (
                StatusCode::OK,
                gaps_body(&form, admin, None, Some((&query, &report, figure))),
            )
        }
        Err(e) => {
            // A request that cannot be made shows the form again with what to fix.
            let e = AppError::from(e);
            let (status, message) = match &e {
                AppError::BadInput(m) => (StatusCode::BAD_REQUEST, m.clone()),
                AppError::Forbidden(m) => (StatusCode::FORBIDDEN, m.clone()),
                _ => return Err(e),
            };
            (status, gaps_body(&form, admin, Some(&message), None))
        }
    };
    Ok((status, views::layout_with("Gap report", body, Some(&who))).into_response())
}

/// The form's values as they were given (so a mistake stays visible to fix).
struct FormValues {
    map: String,
    need: String,
    by: String,
    from: String,
    to: String,
    state: String,
}

fn asked_form(asked: &Asked) -> FormValues {
    FormValues {
        map: asked.map.clone().unwrap_or_default(),
        need: asked
            .needs
            .first()
            .cloned()
            .unwrap_or_else(|| "food-insecurity".to_owned()),
        by: asked.by.clone().unwrap_or_else(|| "county".to_owned()),
        from: asked.from.clone().unwrap_or_default(),
        to: asked.to.clone().unwrap_or_default(),
        state: asked.states.join(","),
    }
}

/// The query string that asks for `query` again (for the download links).
fn query_string(query: &GapQuery) -> String {
    let mut q = form_urlencoded::Serializer::new(String::new());
    q.append_pair("by", query.level.code());
    for need in &query.needs {
        q.append_pair("need", need.code());
    }
    q.append_pair("from", &query.from.to_string());
    q.append_pair("to", &query.to.to_string());
    if !query.states.is_empty() {
        q.append_pair("state", &query.states.join(","));
    }
    q.finish()
}

fn gaps_body(
    form: &FormValues,
    admin: bool,
    error: Option<&str>,
    made: Option<(&GapQuery, &GapReport, Markup)>,
) -> Markup {
    html! {
        h1 { "Gap report" }
        p.intro {
            "Where needs go unmet: for one need, the searches clinicians made and the referrals they logged, "
            "how those ended, and the services around each place. Small counts are hidden so the report is safe to publish."
        }
        form.report-controls method="get" action="/reports/gaps" {
            div.field {
                label for="need" { "Need" }
                select id="need" name="need" {
                    @for code in Need::CODES {
                        option value=(code) selected[form.need == code] { (views::need_label(code)) }
                    }
                }
            }
            div.field {
                label for="by" { "Areas" }
                select id="by" name="by" {
                    @for level in Level::ALL {
                        @if level != Level::Zip || admin {
                            option value=(level.code()) selected[form.by == level.code()] { (level.label()) }
                        }
                    }
                }
            }
            div.field {
                label for="from" { "From" }
                input type="date" id="from" name="from" value=(form.from);
            }
            div.field {
                label for="to" { "To" }
                input type="date" id="to" name="to" value=(form.to);
            }
            div.field {
                label for="map" { "Map shows" }
                select id="map" name="map" {
                    option value="gap" selected[form.map == "gap"] { "Gap score" }
                    option value="supply" selected[form.map == "supply"] { "Services within 25 miles" }
                }
            }
            div.field {
                label for="state" { "States (optional)" }
                input type="text" id="state" name="state" value=(form.state) placeholder="e.g. VT or NY,NJ" autocomplete="off";
            }
            button type="submit" { "Show report" }
        }
        @if let Some(message) = error {
            p.alert role="alert" { (message) }
        }
        @if let Some((query, report, figure)) = made {
            (report_sections(query, report, figure))
        }
    }
}

fn report_sections(query: &GapQuery, report: &GapReport, figure: Markup) -> Markup {
    let need = query.needs.first().map(Need::code).unwrap_or_default();
    let links = query_string(query);
    let shown = report.rows.len().min(PAGE_ROWS);
    html! {
        p.summary {
            strong { (views::need_label(need)) } " · " (query.level.label()) " · "
            (report.from) " to " (report.to)
            @if query.states.is_empty() { " · all states" } @else { " · " (query.states.join(", ")) }
        }
        p.downloads {
            "Download the whole report: "
            a href={ "/api/v1/reports/gaps?" (links) "&format=csv" } download { "CSV" }
            " · "
            a href={ "/api/v1/reports/gaps?" (links) "&format=json" } { "JSON" }
        }
        @for total in &report.totals {
            table.totals {
                caption { "Totals for all areas in this report" }
                tbody {
                    @for (i, measure) in MEASURES.iter().enumerate() {
                        tr { th scope="row" { (gaps::measure_label(measure)) } td { (total.counts.0[i].text()) } }
                    }
                    tr {
                        th scope="row" { "Gap score" }
                        td { (total.gap_score.map(|g| g.to_string()).unwrap_or_else(|| "not computed".to_owned())) }
                    }
                }
            }
        }
        (bar_chart(report))
        (figure)
        h2 { "Areas" }
        p.muted {
            @if report.rows.len() > shown {
                "The " (shown) " areas with the largest gaps (then the least supplied) of " (report.rows.len()) "; the downloads have them all."
            } @else {
                (report.rows.len()) " areas, the largest gaps (then the least supplied) first."
            }
        }
        div.table-scroll {
            table.gaps {
                thead {
                    tr {
                        th scope="col" { "Area" }
                        @for measure in MEASURES {
                            th scope="col" { (gaps::measure_label(measure)) }
                        }
                        th scope="col" { "Services within 5 / 10 / 25 mi" }
                        th scope="col" { "Serving" }
                        th scope="col" { "Nearest (mi)" }
                        th scope="col" { "Gap score" }
                    }
                }
                tbody {
                    @for row in report.rows.iter().take(shown) {
                        tr {
                            th scope="row" { (area_name(report.level, row)) }
                            @for count in &row.counts.0 { td { (count.text()) } }
                            @match row.supply {
                                Some(s) => {
                                    td { (s.within_5_mi) " / " (s.within_10_mi) " / " (s.within_25_mi) }
                                    td { (s.serving) }
                                    td { (s.nearest_mi.map(|d| d.to_string()).unwrap_or_else(|| "over 25".to_owned())) }
                                }
                                None => { td {} td {} td {} }
                            }
                            td { (row.gap_score.map(|g| g.to_string()).unwrap_or_else(|| "—".to_owned())) }
                        }
                    }
                }
            }
        }
        h2 { "How this report is made" }
        ul.notes {
            @for note in gaps::notes(report) { li { (note) } }
        }
    }
}

/// "Orleans County, VT", "05401 Burlington, VT", "ZIP codes 054xx (VT)", "Vermont".
fn area_name(level: Level, row: &GapRow) -> String {
    match level {
        Level::Zip => format!("{} {}, {}", row.area, row.name, row.state),
        Level::Zip3 => format!("{} ({})", row.name, row.state),
        Level::County => format!("{}, {}", row.name, row.state),
        Level::State => row.name.clone(),
    }
}

/// One bar: its label, its length (0 to 1) and its value as text.
type Bar = (String, f64, String);

/// A horizontal bar chart of the largest gap scores; with none above 0, a
/// count of the areas with no service within 25 miles and a chart of the
/// farthest of the rest from their nearest service.
fn bar_chart(report: &GapReport) -> Markup {
    let scored: Vec<&GapRow> = report
        .rows
        .iter()
        .filter(|r| r.gap_score.is_some_and(|g| g > 0.0))
        .take(BARS)
        .collect();
    let nearest = |r: &GapRow| r.supply.and_then(|s| s.nearest_mi);
    let (lead, title, bars): (Option<String>, &str, Vec<Bar>) = if scored.is_empty() {
        let none = report
            .rows
            .iter()
            .filter(|r| r.supply.is_some() && nearest(r).is_none())
            .count();
        let mut far: Vec<&GapRow> = report
            .rows
            .iter()
            .filter(|r| nearest(r).is_some())
            .collect();
        far.sort_by(|a, b| {
            nearest(b)
                .unwrap_or(0.0)
                .total_cmp(&nearest(a).unwrap_or(0.0))
                .then(a.area.cmp(&b.area))
        });
        (
            Some(format!(
                "{none} of {} areas have no service for this need within 25 miles of their centre.",
                report.rows.len()
            )),
            "Of the others, the farthest from their nearest service (miles from the area's centre)",
            far.iter()
                .take(BARS)
                .map(|r| {
                    let d = nearest(r).unwrap_or(0.0);
                    (area_name(report.level, r), d / 25.0, format!("{d} mi"))
                })
                .collect(),
        )
    } else {
        (
            None,
            "Largest gap scores (0–100)",
            scored
                .iter()
                .map(|r| {
                    let score = r.gap_score.unwrap_or(0.0);
                    (
                        area_name(report.level, r),
                        score / 100.0,
                        format!("{score}"),
                    )
                })
                .collect(),
        )
    };
    let (label_w, bar_w, row_h) = (260.0, 330.0, 26.0);
    let height = row_h * bars.len() as f64 + 10.0;
    html! {
        @if let Some(lead) = lead { p.lead { strong { (lead) } } }
        @if !bars.is_empty() {
            figure.chart {
                figcaption id="chart-title" { (title) }
                svg xmlns="http://www.w3.org/2000/svg" viewBox={ "0 0 680 " (height) } width="100%" role="img" aria-labelledby="chart-title" {
                    @for (i, (label, share, value)) in bars.iter().enumerate() {
                        @let y = 5.0 + row_h * i as f64;
                        @let length = share.clamp(0.0, 1.0) * bar_w;
                        g {
                            title { (label) ": " (value) }
                            text x=(label_w - 8.0) y=(y + 17.0) text-anchor="end" font-size="13" fill="#1b1f23" { (truncate(label, 36)) }
                            rect x=(label_w) y=(y + 4.0) width=(format!("{:.1}", length.max(1.0))) height=(row_h - 8.0) fill="#3182bd" {}
                            text x=(label_w + length + 6.0) y=(y + 17.0) font-size="13" fill="#1b1f23" { (value) }
                        }
                    }
                }
            }
        }
    }
}

fn truncate(text: &str, chars: usize) -> String {
    if text.chars().count() <= chars {
        text.to_owned()
    } else {
        let mut short: String = text.chars().take(chars - 1).collect();
        short.push('…');
        short
    }
}

/// What the county map shades by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MapBy {
    Gap,
    Supply,
}

impl MapBy {
    fn code(self) -> &'static str {
        match self {
            MapBy::Gap => "gap",
            MapBy::Supply => "supply",
        }
    }
}

/// The county map of the report's first need, shaded by `by`; without a
/// choice, by gap score where any county has one, otherwise by the services
/// within 25 miles. Returns the figure and what it shades by.
fn county_map(report: &GapReport, query: &GapQuery, by: Option<MapBy>) -> (Markup, MapBy) {
    let need = query.needs.first().map(Need::code).unwrap_or_default();
    let rows: Vec<&GapRow> = report.rows.iter().filter(|r| r.need == need).collect();
    let by = by.unwrap_or(if rows.iter().any(|r| r.gap_score.is_some()) {
        MapBy::Gap
    } else {
        MapBy::Supply
    });
    let Ok(counties) = crate::geo::Counties::shared() else {
        return (html! {}, by);
    };
    let by_gap = by == MapBy::Gap;
    let mut entries = BTreeMap::new();
    for row in rows {
        let (value, text) = if by_gap {
            match row.gap_score {
                Some(g) => (Some(g), format!("gap score {g}")),
                None => (
                    None,
                    "gap score not computed (counts under 11, or none)".to_owned(),
                ),
            }
        } else {
            let n = row.supply.map_or(0, |s| s.within_25_mi);
            (Some(n as f64), format!("{n} services within 25 miles"))
        };
        entries.insert(
            row.area.clone(),
            MapEntry {
                name: format!("{}, {}", row.name, row.state),
                value,
                text,
            },
        );
    }
    let title = format!(
        "{} by county, {} to {}",
        views::need_label(need),
        report.from,
        report.to
    );
    let legend = if by_gap {
        "Gap score (0–100)"
    } else {
        "Services within 25 miles of the county's centre"
    };
    let figure = html! {
        figure.map {
            (map::county_map(counties, &entries, &title, legend))
            figcaption { (title) ". " (legend) "; hatched: not shown. Hover or focus a county for its name and value." }
        }
    };
    (figure, by)
}
