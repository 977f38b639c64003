//! County choropleth maps for gap reports, drawn on the server as SVG.
//!
//! A map works without JavaScript, prints, reads in greyscale and carries its
//! own legend; each county is a `<path>` with a `<title>` giving its name and
//! value, so a screen reader or a hover tells what the shade means. This module
//! owns the projection, the classing of values and the SVG text; the values, the
//! county names and what a value means (and whether it may be shown) are the
//! caller's, and the shapes are [`Counties`]'.
//!
//! The projection is an Albers equal-area conic. A map of counties from more
//! than one of the conterminous states, Alaska, Hawaii and Puerto Rico is laid
//! out like the usual "Albers USA" map, with whichever of the last three are
//! drawn as insets below the conterminous states; a map of one of them (a
//! state, a few states) is fitted to the picture on its own.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use ::geo::{Coord, LineString, MultiPolygon, Polygon, Simplify};
use maud::{Markup, PreEscaped, html};

use crate::geo::Counties;

/// One county on the map.
#[derive(Debug, Clone, PartialEq)]
pub struct MapEntry {
    /// The county's name as people read it, e.g. "Orleans County, VT".
    pub name: String,
    /// The value the county is shaded by; `None` (or a value that is not finite)
    /// for a county whose value is not shown: suppressed, or no data.
    pub value: Option<f64>,
    /// How the value reads, e.g. "gap score 42", "3 services within 25 miles" or
    /// "not shown: fewer than 11".
    pub text: String,
}

/// Width of the picture, in SVG user units.
const WIDTH: f64 = 960.0;
/// The most height the map itself may take, so a tall state does not make a
/// page-long picture.
const MAX_MAP_HEIGHT: f64 = 600.0;
/// Space around the map and the legend.
const MARGIN: f64 = 10.0;
/// Ramer–Douglas–Peucker tolerance, in output units: finer detail is not seen.
const SIMPLIFY_EPSILON: f64 = 0.3;
/// Rings smaller than this (in square output units) are dropped, except a
/// county's largest, so that no county disappears.
const MIN_RING_AREA: f64 = 0.5;

/// Sequential single-hue palettes (ColorBrewer "Blues"), lightest first, by the
/// number of classes. Their lightness falls steadily, so they read in greyscale
/// (see the test `palettes_read_in_greyscale`).
const PALETTES: [&[&str]; 5] = [
    &["#6baed6"],
    &["#bdd7e7", "#3182bd"],
    &["#deebf7", "#9ecae1", "#3182bd"],
    &["#eff3ff", "#bdd7e7", "#6baed6", "#2171b5"],
    &["#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"],
];

/// The fill of a county whose value is not shown.
const HATCH_FILL: &str = "url(#map-hatch)";

/// What the legend says of the hatched counties.
const NOT_SHOWN_LABEL: &str = "Not shown (fewer than 11, or no data)";

/// Draws the counties in `entries` (by 5-digit FIPS code; codes with no shape
/// are skipped), each shaded by its value, as an SVG document with a legend.
///
/// Values are put into up to five classes of about as many distinct values
/// each; counties without a value are hatched. The output depends only on the
/// arguments, so it can be compared with a snapshot.
pub fn county_map(
    counties: &Counties,
    entries: &BTreeMap<String, MapEntry>,
    title: &str,
    legend_title: &str,
) -> Markup {
    let drawn: Vec<(&MapEntry, Region, &MultiPolygon<f64>)> = entries
        .iter()
        .filter_map(|(fips, entry)| {
            counties
                .shape(fips)
                .map(|shape| (entry, Region::of(fips), shape))
        })
        .collect();
    let value_of = |entry: &MapEntry| entry.value.filter(|v| v.is_finite());
    let classes = Classes::of(drawn.iter().filter_map(|(entry, _, _)| value_of(entry)));

    // Project every county into one frame (y down), then fit the frame to the picture.
    let frames = Frames::for_regions(drawn.iter().map(|&(_, region, shape)| (region, shape)));
    let projected: Vec<Projected> = drawn
        .iter()
        .map(|&(_, region, shape)| frames.project(region, shape))
        .collect();
    let mut bounds = Bounds::EMPTY;
    for point in projected.iter().flatten().flatten().flatten() {
        bounds.add(*point);
    }
    let fit = Fit::new(&bounds);

    let not_shown = drawn
        .iter()
        .filter(|(e, _, _)| value_of(e).is_none())
        .count();
    let legend = Legend::new(&classes, not_shown > 0);
    let legend_top = (fit.map_bottom + 2.0 * MARGIN).round();
    let height = (legend_top + legend.height() + MARGIN).ceil();
    let description = describe(drawn.len(), &classes, not_shown, legend_title);
    html! {
        svg xmlns="http://www.w3.org/2000/svg" viewBox={ "0 0 " (WIDTH) " " (height) }
            role="img" aria-labelledby="map-title map-desc" {
            title id="map-title" { (clean(title)) }
            desc id="map-desc" { (clean(&description)) }
            defs {
                pattern id="map-hatch" patternUnits="userSpaceOnUse" width="4" height="4"
                    patternTransform="rotate(45)" {
                    rect width="4" height="4" fill="#ffffff" {}
                    line x1="0" y1="0" x2="0" y2="4" stroke="#737373" stroke-width="1.2" {}
                }
            }
            (NEWLINE)
            g stroke="#666666" stroke-width="0.3" stroke-linejoin="round" fill-rule="evenodd"
                vector-effect="non-scaling-stroke" {
                @for ((entry, _, _), polygons) in drawn.iter().zip(&projected) {
                    (NEWLINE)
                    path d=(path_data(polygons, &fit))
                        fill=(value_of(entry).map_or(HATCH_FILL, |v| classes.fill(v))) {
                        title { (clean(&entry.name)) ": " (clean(&entry.text)) }
                    }
                }
                (NEWLINE)
            }
            (NEWLINE)
            (legend.render(legend_title, legend_top))
            (NEWLINE)
        }
    }
}

/// A line break between elements, so the SVG reads (and diffs) line by line.
const NEWLINE: PreEscaped<&str> = PreEscaped("\n");

/// Text without the control characters XML does not allow (maud escapes the rest).
fn clean(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r'))
        .collect()
}

/// Which projection a county is drawn with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Region {
    Conterminous,
    Alaska,
    Hawaii,
    PuertoRico,
}

impl Region {
    fn of(fips: &str) -> Region {
        match fips.get(..2) {
            Some("02") => Region::Alaska,
            Some("15") => Region::Hawaii,
            Some("72") => Region::PuertoRico,
            _ => Region::Conterminous,
        }
    }

    /// Longitude as projected: Alaska's Aleutians cross the antimeridian, so
    /// its eastern longitudes are taken west of it, to keep Alaska in one piece.
    fn longitude(self, lon: f64) -> f64 {
        if self == Region::Alaska && lon > 0.0 {
            lon - 360.0
        } else {
            lon
        }
    }
}

/// A spherical Albers equal-area conic projection; output in Earth radii, y up.
#[derive(Debug, Clone, Copy)]
struct Albers {
    n: f64,
    c: f64,
    rho0: f64,
    lon0: f64,
}

impl Albers {
    /// The projection with these standard parallels, centred on (lon0, lat0), in degrees.
    fn new(parallel1: f64, parallel2: f64, lon0: f64, lat0: f64) -> Albers {
        let (s1, s2) = (parallel1.to_radians().sin(), parallel2.to_radians().sin());
        let n = (s1 + s2) / 2.0;
        let c = parallel1.to_radians().cos().powi(2) + 2.0 * n * s1;
        let rho0 = (c - 2.0 * n * lat0.to_radians().sin()).max(0.0).sqrt() / n;
        Albers { n, c, rho0, lon0 }
    }

    fn project(&self, lon: f64, lat: f64) -> (f64, f64) {
        let rho = (self.c - 2.0 * self.n * lat.to_radians().sin())
            .max(0.0)
            .sqrt()
            / self.n;
        let theta = self.n * (lon - self.lon0).to_radians();
        (rho * theta.sin(), self.rho0 - rho * theta.cos())
    }
}

/// One region's projection and where it is placed in the shared frame: a
/// projected point p goes to `offset + scale · (p − anchor)`, with y turned down.
#[derive(Debug, Clone, Copy)]
struct Frame {
    albers: Albers,
    anchor: (f64, f64),
    scale: f64,
    offset: (f64, f64),
}

impl Frame {
    fn new(albers: Albers, anchor: (f64, f64), scale: f64, offset: (f64, f64)) -> Frame {
        Frame {
            albers,
            anchor: albers.project(anchor.0, anchor.1),
            scale,
            offset,
        }
    }

    fn place(&self, lon: f64, lat: f64) -> (f64, f64) {
        let (x, y) = self.albers.project(lon, lat);
        (
            self.offset.0 + self.scale * (x - self.anchor.0),
            self.offset.1 - self.scale * (y - self.anchor.1),
        )
    }
}

/// A county's polygons in the frame, each a list of rings (exterior first).
type Projected = Vec<Vec<Vec<(f64, f64)>>>;

/// The frame of each region for one map.
struct Frames {
    conterminous: Frame,
    alaska: Frame,
    hawaii: Frame,
    puerto_rico: Frame,
}

impl Frames {
    /// The frames for a map of these shapes: the "Albers USA" layout when more
    /// than one region is drawn (the placements are those of d3's `geoAlbersUsa`,
    /// and of d3-composite-projections for Puerto Rico), otherwise the region's
    /// own projection, centred for the conterminous states on the shapes drawn.
    fn for_regions<'a>(shapes: impl Iterator<Item = (Region, &'a MultiPolygon<f64>)>) -> Frames {
        let mut regions = Vec::new();
        let (mut west, mut east) = (f64::INFINITY, f64::NEG_INFINITY);
        for (region, shape) in shapes {
            if !regions.contains(&region) {
                regions.push(region);
            }
            if region == Region::Conterminous {
                for c in shape.0.iter().flat_map(|p| p.exterior().0.iter()) {
                    west = west.min(c.x);
                    east = east.max(c.x);
                }
            }
        }
        let alone = regions.len() <= 1;
        let lon0 = if alone && west <= east {
            (west + east) / 2.0
        } else {
            -96.0
        };
        Frames {
            conterminous: Frame::new(
                Albers::new(29.5, 45.5, lon0, 37.5),
                (lon0 - 0.6, 38.7),
                1.0,
                (0.0, 0.0),
            ),
            alaska: Frame::new(
                Albers::new(55.0, 65.0, -154.0, 58.5),
                (-156.0, 58.5),
                if alone { 1.0 } else { 0.35 },
                (-0.307, 0.201),
            ),
            hawaii: Frame::new(
                Albers::new(8.0, 18.0, -157.0, 19.9),
                (-160.0, 19.9),
                1.0,
                (-0.205, 0.212),
            ),
            puerto_rico: Frame::new(
                Albers::new(8.0, 18.0, -66.0, 18.0),
                (-66.0, 18.0),
                1.0,
                (0.350, 0.224),
            ),
        }
    }

    /// The shape's polygons, each a list of rings (exterior first), in the frame.
    fn project(&self, region: Region, shape: &MultiPolygon<f64>) -> Projected {
        let frame = match region {
            Region::Conterminous => &self.conterminous,
            Region::Alaska => &self.alaska,
            Region::Hawaii => &self.hawaii,
            Region::PuertoRico => &self.puerto_rico,
        };
        shape
            .0
            .iter()
            .map(|polygon| {
                std::iter::once(polygon.exterior())
                    .chain(polygon.interiors())
                    .map(|ring| {
                        ring.0
                            .iter()
                            .map(|c| frame.place(region.longitude(c.x), c.y))
                            .collect()
                    })
                    .collect()
            })
            .collect()
    }
}

/// A bounding box being grown.
#[derive(Debug, Clone, Copy)]
struct Bounds {
    min: (f64, f64),
    max: (f64, f64),
}

impl Bounds {
    const EMPTY: Bounds = Bounds {
        min: (f64::INFINITY, f64::INFINITY),
        max: (f64::NEG_INFINITY, f64::NEG_INFINITY),
    };

    fn add(&mut self, (x, y): (f64, f64)) {
        if x.is_finite() && y.is_finite() {
            self.min = (self.min.0.min(x), self.min.1.min(y));
            self.max = (self.max.0.max(x), self.max.1.max(y));
        }
    }
}

/// How frame coordinates become picture coordinates: scaled to fit the width
/// (or the most height a map may take) and centred across.
#[derive(Debug, Clone, Copy)]
struct Fit {
    origin: (f64, f64),
    scale: f64,
    left: f64,
    map_bottom: f64,
}

impl Fit {
    fn new(bounds: &Bounds) -> Fit {
        let (w, h) = (bounds.max.0 - bounds.min.0, bounds.max.1 - bounds.min.1);
        if !(w >= 0.0 && h >= 0.0) {
            // Nothing drawn: the legend alone.
            return Fit {
                origin: (0.0, 0.0),
                scale: 1.0,
                left: MARGIN,
                map_bottom: MARGIN,
            };
        }
        let by_width = (WIDTH - 2.0 * MARGIN) / w.max(f64::MIN_POSITIVE);
        let by_height = MAX_MAP_HEIGHT / h.max(f64::MIN_POSITIVE);
        let scale = by_width.min(by_height);
        Fit {
            origin: bounds.min,
            scale,
            left: (WIDTH - w * scale) / 2.0,
            map_bottom: MARGIN + h * scale,
        }
    }

    fn apply(&self, (x, y): (f64, f64)) -> Coord<f64> {
        Coord {
            x: self.left + (x - self.origin.0) * self.scale,
            y: MARGIN + (y - self.origin.1) * self.scale,
        }
    }
}

/// A ring in tenths of an output unit, its closing point left off.
type TenthsRing = Vec<(i64, i64)>;

/// A ring scaled, rounded to tenths, without repeated points.
fn to_tenths(ring: &LineString<f64>) -> TenthsRing {
    let mut out: TenthsRing = Vec::with_capacity(ring.0.len());
    for c in &ring.0 {
        // Output coordinates are within a few thousand units, well inside i64.
        let p = ((c.x * 10.0).round() as i64, (c.y * 10.0).round() as i64);
        if out.last() != Some(&p) {
            out.push(p);
        }
    }
    while out.len() > 1 && out.first() == out.last() {
        out.pop();
    }
    out
}

/// The area of a ring in tenths, in square output units (shoelace, exact in integers).
fn ring_area(ring: &TenthsRing) -> f64 {
    let n = ring.len();
    let twice: i64 = (0..n)
        .map(|i| {
            let (a, b) = (ring[i], ring[(i + 1) % n]);
            a.0 * b.1 - b.0 * a.1
        })
        .sum();
    twice.unsigned_abs() as f64 / 200.0
}

/// The `d` attribute of a county: each kept ring as an absolute move and
/// relative lines, simplified, with tiny islands and holes left out (but never
/// all of the county).
fn path_data(polygons: &Projected, fit: &Fit) -> String {
    let mut rings: Vec<TenthsRing> = Vec::new();
    let mut largest: Option<(f64, TenthsRing)> = None;
    for polygon in polygons {
        let mut placed = polygon
            .iter()
            .map(|ring| LineString::new(ring.iter().map(|&p| fit.apply(p)).collect::<Vec<_>>()));
        let Some(exterior) = placed.next() else {
            continue;
        };
        let simple = Polygon::new(exterior, placed.collect()).simplify(SIMPLIFY_EPSILON);
        let exterior = to_tenths(simple.exterior());
        let area = ring_area(&exterior);
        if area >= MIN_RING_AREA {
            rings.push(exterior);
            rings.extend(
                simple
                    .interiors()
                    .iter()
                    .map(to_tenths)
                    .filter(|hole| ring_area(hole) >= MIN_RING_AREA),
            );
        } else if largest.as_ref().is_none_or(|(a, _)| area > *a) {
            largest = Some((area, exterior));
        }
    }
    if rings.is_empty()
        && let Some((_, ring)) = largest
    {
        rings.push(ring);
    }
    let mut d = String::new();
    for ring in rings.iter().filter(|r| !r.is_empty()) {
        let (mut x, mut y) = ring[0];
        d.push('M');
        push_tenths(&mut d, x, true);
        push_tenths(&mut d, y, false);
        if ring.len() > 1 {
            d.push('l');
            for (i, &(nx, ny)) in ring[1..].iter().enumerate() {
                push_tenths(&mut d, nx - x, i == 0);
                push_tenths(&mut d, ny - y, false);
                (x, y) = (nx, ny);
            }
        }
        d.push('z');
    }
    d
}

/// Writes a number of tenths with at most one decimal, after a space unless it
/// is the first after a command or its minus sign separates it.
fn push_tenths(out: &mut String, tenths: i64, first: bool) {
    if tenths >= 0 && !first {
        out.push(' ');
    }
    if tenths < 0 {
        out.push('-');
    }
    let (whole, tenth) = (tenths.unsigned_abs() / 10, tenths.unsigned_abs() % 10);
    let _ = write!(out, "{whole}");
    if tenth != 0 {
        let _ = write!(out, ".{tenth}");
    }
}

/// Class breaks: up to five groups of about as many distinct values each.
#[derive(Debug, Clone, PartialEq)]
struct Classes {
    /// Each class's lowest and highest value, lowest class first.
    ranges: Vec<(f64, f64)>,
}

impl Classes {
    fn of(values: impl Iterator<Item = f64>) -> Classes {
        let mut distinct: Vec<f64> = values.filter(|v| v.is_finite()).collect();
        distinct.sort_by(f64::total_cmp);
        distinct.dedup();
        let n = distinct.len();
        let k = n.min(PALETTES.len());
        let ranges = (0..k)
            .map(|i| (distinct[i * n / k], distinct[(i + 1) * n / k - 1]))
            .collect();
        Classes { ranges }
    }

    /// The class of a value: the first whose highest value it does not exceed.
    fn class(&self, value: f64) -> usize {
        self.ranges
            .iter()
            .position(|&(_, high)| value <= high)
            .unwrap_or(self.ranges.len().saturating_sub(1))
    }

    fn palette(&self) -> &'static [&'static str] {
        PALETTES[self.ranges.len().clamp(1, PALETTES.len()) - 1]
    }

    fn fill(&self, value: f64) -> &'static str {
        self.palette()[self.class(value)]
    }

    /// How a class's range reads: "13 – 40", or "7" for a single value.
    fn label(&self, class: usize) -> String {
        let (low, high) = self.ranges[class];
        let (low, high) = (number(low), number(high));
        if low == high {
            low
        } else {
            format!("{low} \u{2013} {high}")
        }
    }
}

/// A value as the legend shows it: whole numbers without decimals, others with one.
fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v:.1}")
    }
}

/// The `<desc>`: how many counties, and what the classes are.
fn describe(drawn: usize, classes: &Classes, not_shown: usize, legend_title: &str) -> String {
    let counties = |n: usize| {
        if n == 1 {
            "1 county".to_owned()
        } else {
            format!("{n} counties")
        }
    };
    let mut out = format!("Map of {}", counties(drawn));
    match classes.ranges.len() {
        0 => out.push_str(", none with a value shown."),
        1 => {
            let _ = write!(out, " by {legend_title}: {}.", classes.label(0));
        }
        k => {
            let labels: Vec<String> = (0..k).map(|i| classes.label(i)).collect();
            let _ = write!(
                out,
                " shaded by {legend_title} in {k} classes, lightest to darkest: {}.",
                labels.join("; ")
            );
        }
    }
    if not_shown > 0 && !classes.ranges.is_empty() {
        let _ = write!(
            out,
            " {} hatched: not shown (fewer than 11, or no data).",
            counties(not_shown)
        );
    }
    out
}

/// The legend below the map: its title, then a swatch and label per class and
/// for the hatched counties, laid out in rows across.
struct Legend {
    items: Vec<(&'static str, String)>,
    /// Each item's (x, row).
    places: Vec<(f64, usize)>,
}

const LEGEND_TITLE_HEIGHT: f64 = 22.0;
const LEGEND_ROW_HEIGHT: f64 = 20.0;
const SWATCH_WIDTH: f64 = 18.0;
const SWATCH_HEIGHT: f64 = 12.0;
/// A generous width of one character of the 12-unit legend text.
const CHAR_WIDTH: f64 = 7.0;

impl Legend {
    fn new(classes: &Classes, any_not_shown: bool) -> Legend {
        let palette = classes.palette();
        let mut items: Vec<(&'static str, String)> = (0..classes.ranges.len())
            .map(|i| (palette[i], classes.label(i)))
            .collect();
        if any_not_shown {
            items.push((HATCH_FILL, NOT_SHOWN_LABEL.to_owned()));
        }
        let mut places = Vec::with_capacity(items.len());
        let (mut x, mut row) = (MARGIN, 0);
        for (_, label) in &items {
            let width = SWATCH_WIDTH + 6.0 + label.chars().count() as f64 * CHAR_WIDTH + 18.0;
            if x > MARGIN && x + width > WIDTH - MARGIN {
                (x, row) = (MARGIN, row + 1);
            }
            places.push((x, row));
            x += width;
        }
        Legend { items, places }
    }

    fn height(&self) -> f64 {
        let rows = self.places.last().map_or(0, |&(_, row)| row + 1);
        LEGEND_TITLE_HEIGHT + rows as f64 * LEGEND_ROW_HEIGHT
    }

    fn render(&self, title: &str, top: f64) -> Markup {
        html! {
            g font-family="sans-serif" fill="#222222" {
                text x=(MARGIN) y=(top + 14.0) font-size="14" font-weight="bold" { (clean(title)) }
                @for ((fill, label), &(x, row)) in self.items.iter().zip(&self.places) {
                    @let y = top + LEGEND_TITLE_HEIGHT + row as f64 * LEGEND_ROW_HEIGHT;
                    (NEWLINE)
                    rect x=(x) y=(y) width=(SWATCH_WIDTH) height=(SWATCH_HEIGHT) fill=(fill)
                        stroke="#666666" stroke-width="0.5" {}
                    text x=(x + SWATCH_WIDTH + 6.0) y=(y + 10.0) font-size="12" { (clean(label)) }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geo::Gazetteer;

    fn counties() -> &'static Counties {
        Counties::shared().unwrap_or_else(|e| panic!("{e}"))
    }

    fn entry(name: &str, value: Option<f64>) -> MapEntry {
        let text = match value {
            Some(v) if v.is_finite() => format!("gap score {}", number(v)),
            _ => "not shown: fewer than 11".to_owned(),
        };
        MapEntry {
            name: name.to_owned(),
            value,
            text,
        }
    }

    /// Vermont's fourteen counties with made-up gap scores, Essex not shown.
    fn vermont() -> BTreeMap<String, MapEntry> {
        [
            ("50001", "Addison", Some(42.0)),
            ("50003", "Bennington", Some(18.0)),
            ("50005", "Caledonia", Some(63.0)),
            ("50007", "Chittenden", Some(7.0)),
            ("50009", "Essex", None),
            ("50011", "Franklin", Some(55.0)),
            ("50013", "Grand Isle", Some(71.0)),
            ("50015", "Lamoille", Some(48.0)),
            ("50017", "Orange", Some(39.0)),
            ("50019", "Orleans", Some(66.0)),
            ("50021", "Rutland", Some(31.0)),
            ("50023", "Washington", Some(22.0)),
            ("50025", "Windham", Some(27.0)),
            ("50027", "Windsor", Some(35.0)),
        ]
        .into_iter()
        .map(|(fips, name, value)| (fips.to_owned(), entry(&format!("{name} County, VT"), value)))
        .collect()
    }

    /// Every county, named from the gazetteer, with a value from its code;
    /// every seventh not shown and one NaN.
    fn nation() -> BTreeMap<String, MapEntry> {
        let gazetteer = Gazetteer::bundled().unwrap_or_else(|e| panic!("{e}"));
        counties()
            .fips()
            .enumerate()
            .map(|(i, fips)| {
                let name = gazetteer.county(fips).map_or_else(
                    || format!("County {fips}"),
                    |c| format!("{}, {}", c.name, c.state),
                );
                let value = match (i % 7, fips) {
                    (_, "06037") => Some(f64::NAN),
                    (0, _) => None,
                    _ => fips.parse::<u32>().ok().map(|n| f64::from(n % 97)),
                };
                (fips.to_owned(), entry(&name, value))
            })
            .collect()
    }

    /// The view box's width and height.
    fn view_box(svg: &roxmltree::Document) -> (f64, f64) {
        let vb: Vec<f64> = svg
            .root_element()
            .attribute("viewBox")
            .unwrap_or_default()
            .split(' ')
            .filter_map(|n| n.parse().ok())
            .collect();
        assert_eq!(vb.len(), 4, "{vb:?}");
        assert_eq!((vb[0], vb[1]), (0.0, 0.0));
        (vb[2], vb[3])
    }

    /// The rings of a path's `d`, as absolute points (the subset of path syntax written here).
    fn rings(d: &str) -> Vec<Vec<(f64, f64)>> {
        let mut tokens: Vec<Result<f64, char>> = Vec::new();
        let mut number = String::new();
        let flush = |number: &mut String, tokens: &mut Vec<Result<f64, char>>| {
            if !number.is_empty() {
                tokens.push(Ok(number
                    .parse()
                    .unwrap_or_else(|e| panic!("{number}: {e}"))));
                number.clear();
            }
        };
        for ch in d.chars() {
            match ch {
                '0'..='9' | '.' => number.push(ch),
                '-' => {
                    flush(&mut number, &mut tokens);
                    number.push('-');
                }
                ' ' => flush(&mut number, &mut tokens),
                'M' | 'l' | 'z' => {
                    flush(&mut number, &mut tokens);
                    tokens.push(Err(ch));
                }
                other => panic!("unexpected {other:?} in a path"),
            }
        }
        flush(&mut number, &mut tokens);
        let mut out: Vec<Vec<(f64, f64)>> = Vec::new();
        let mut tokens = tokens.into_iter().peekable();
        while let Some(token) = tokens.next() {
            let pair = |tokens: &mut std::iter::Peekable<_>| match (tokens.next(), tokens.next()) {
                (Some(Ok(x)), Some(Ok(y))) => (x, y),
                other => panic!("expected a pair, got {other:?}"),
            };
            match token {
                Err('M') => out.push(vec![pair(&mut tokens)]),
                Err('l') => {
                    while let Some(Ok(_)) = tokens.peek() {
                        let (dx, dy) = pair(&mut tokens);
                        let ring = out.last_mut().unwrap_or_else(|| panic!("l before M"));
                        let &(x, y) = ring.last().unwrap_or_else(|| panic!("empty ring"));
                        ring.push((x + dx, y + dy));
                    }
                }
                Err('z') => {}
                other => panic!("unexpected {other:?}"),
            }
        }
        out
    }

    /// Each county path's (title, bounding box), in document order.
    fn county_paths(doc: &roxmltree::Document) -> Vec<(String, Bounds)> {
        doc.descendants()
            .filter(|n| n.has_tag_name("path"))
            .map(|path| {
                let title = path
                    .children()
                    .filter(|c| c.is_element())
                    .map(|c| {
                        assert!(c.has_tag_name("title"), "{c:?}");
                        c.text().unwrap_or_default().to_owned()
                    })
                    .collect::<Vec<_>>();
                assert_eq!(title.len(), 1, "{title:?}");
                let mut bounds = Bounds::EMPTY;
                for point in rings(path.attribute("d").unwrap_or_default())
                    .into_iter()
                    .flatten()
                {
                    bounds.add(point);
                }
                (title[0].clone(), bounds)
            })
            .collect()
    }

    fn parse(svg: &str) -> roxmltree::Document<'_> {
        roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn vermont_map_snapshot() {
        let svg = county_map(
            counties(),
            &vermont(),
            "Housing gaps in Vermont",
            "Gap score",
        )
        .into_string();
        insta::assert_snapshot!(svg);
    }

    #[test]
    fn national_map_is_well_formed_and_titles_every_county() {
        let entries = nation();
        let svg = county_map(
            counties(),
            &entries,
            "Gaps & needs <all counties>",
            "Gap score",
        )
        .into_string();
        let doc = parse(&svg);
        let root = doc.root_element();
        assert_eq!(root.attribute("role"), Some("img"));
        assert_eq!(
            root.attribute("aria-labelledby"),
            Some("map-title map-desc")
        );
        let text_of = |id: &str| {
            doc.descendants()
                .find(|n| n.attribute("id") == Some(id))
                .and_then(|n| n.text())
                .unwrap_or_default()
                .to_owned()
        };
        assert_eq!(text_of("map-title"), "Gaps & needs <all counties>");
        assert!(
            text_of("map-desc")
                .starts_with("Map of 3220 counties shaded by Gap score in 5 classes"),
            "{}",
            text_of("map-desc")
        );
        assert!(
            !doc.descendants()
                .any(|n| n.has_tag_name("script") || n.has_tag_name("style"))
        );
        assert!(!doc.descendants().any(|n| n.attribute("style").is_some()));

        let paths = county_paths(&doc);
        assert_eq!(paths.len(), entries.len());
        let (width, height) = view_box(&doc);
        for ((title, bounds), entry) in paths.iter().zip(entries.values()) {
            assert_eq!(title, &format!("{}: {}", entry.name, entry.text));
            assert!(
                bounds.min.0 >= 0.0 && bounds.max.0 <= width,
                "{title}: {bounds:?}"
            );
            assert!(
                bounds.min.1 >= 0.0 && bounds.max.1 <= height,
                "{title}: {bounds:?}"
            );
        }
        // The apostrophe in a real name survives escaping.
        assert!(
            paths
                .iter()
                .any(|(t, _)| t.starts_with("Prince George's County, MD: "))
        );
        // NaN reads as not shown.
        let los_angeles = doc
            .descendants()
            .find(|n| {
                n.has_tag_name("title")
                    && n.text()
                        .is_some_and(|t| t.starts_with("Los Angeles County, CA"))
            })
            .and_then(|t| t.parent())
            .and_then(|p| p.attribute("fill"));
        assert_eq!(los_angeles, Some(HATCH_FILL));
        assert!(svg.len() < 900_000, "{} bytes", svg.len());
    }

    #[test]
    fn unknown_codes_are_skipped() {
        let mut entries = vermont();
        entries.insert("99999".to_owned(), entry("Nowhere County, XX", Some(1.0)));
        let doc_text = county_map(counties(), &entries, "t", "l").into_string();
        assert_eq!(county_paths(&parse(&doc_text)).len(), 14);
        assert!(!doc_text.contains("Nowhere"));
    }

    #[test]
    fn insets_sit_apart_from_the_conterminous_states() {
        let entries = nation();
        let svg = county_map(counties(), &entries, "t", "l").into_string();
        let doc = parse(&svg);
        let mut regions: BTreeMap<Region, Bounds> = BTreeMap::new();
        let paths = county_paths(&doc);
        for ((_, bounds), fips) in paths.iter().zip(entries.keys()) {
            let region = regions.entry(Region::of(fips)).or_insert(Bounds::EMPTY);
            region.add(bounds.min);
            region.add(bounds.max);
        }
        assert_eq!(regions.len(), 4);
        let overlap = |a: &Bounds, b: &Bounds| {
            a.min.0 < b.max.0 && b.min.0 < a.max.0 && a.min.1 < b.max.1 && b.min.1 < a.max.1
        };
        let insets = [Region::Alaska, Region::Hawaii, Region::PuertoRico];
        for (i, a) in insets.iter().enumerate() {
            for b in &insets[i + 1..] {
                assert!(
                    !overlap(&regions[a], &regions[b]),
                    "{a:?} {b:?} {regions:?}"
                );
            }
            // No conterminous county reaches into an inset's box.
            for ((title, bounds), fips) in paths.iter().zip(entries.keys()) {
                if Region::of(fips) == Region::Conterminous {
                    assert!(!overlap(bounds, &regions[a]), "{title} over {a:?}");
                }
            }
        }
        // North is up: Maine's Aroostook above Florida's Monroe (the Keys).
        let y_of = |fips: &str| {
            let i = entries.keys().position(|f| f == fips).unwrap_or(usize::MAX);
            paths[i].1.min.1
        };
        assert!(y_of("23003") < y_of("12087"));
    }

    #[test]
    fn alaska_stays_whole_across_the_antimeridian() {
        let entries: BTreeMap<String, MapEntry> = counties()
            .fips()
            .filter(|f| f.starts_with("02"))
            .map(|f| (f.to_owned(), entry(&format!("Area {f}, AK"), Some(1.0))))
            .collect();
        let svg = county_map(counties(), &entries, "Alaska", "Gap score").into_string();
        let doc = parse(&svg);
        let (width, height) = view_box(&doc);
        let paths = county_paths(&doc);
        assert_eq!(paths.len(), entries.len());
        for (title, bounds) in &paths {
            assert!(
                bounds.min.0 >= 0.0 && bounds.max.0 <= width,
                "{title}: {bounds:?}"
            );
            assert!(
                bounds.min.1 >= 0.0 && bounds.max.1 <= height,
                "{title}: {bounds:?}"
            );
            // Cut at the antimeridian, the Aleutians West would span the whole map.
            assert!(
                bounds.max.0 - bounds.min.0 < width / 2.0,
                "{title}: {bounds:?}"
            );
        }
    }

    #[test]
    fn values_fall_into_up_to_five_classes_of_rising_darkness() {
        let classes = Classes::of((1..=100).map(f64::from));
        assert_eq!(
            classes.ranges,
            vec![
                (1.0, 20.0),
                (21.0, 40.0),
                (41.0, 60.0),
                (61.0, 80.0),
                (81.0, 100.0)
            ]
        );
        assert_eq!(classes.label(1), "21 \u{2013} 40");
        let fills: Vec<&str> = [1.0, 20.0, 21.0, 60.0, 80.5, 100.0]
            .into_iter()
            .map(|v| classes.fill(v))
            .collect();
        assert_eq!(
            fills,
            [
                "#eff3ff", "#eff3ff", "#bdd7e7", "#6baed6", "#08519c", "#08519c"
            ]
        );

        let same = Classes::of([3.0, 3.0, 3.0].into_iter());
        assert_eq!(same.ranges, vec![(3.0, 3.0)]);
        assert_eq!(same.label(0), "3");
        let two = Classes::of([0.5, 2.25, 0.5].into_iter());
        assert_eq!(
            (two.label(0), two.label(1)),
            ("0.5".to_owned(), "2.2".to_owned())
        );
        assert_ne!(two.fill(0.5), two.fill(2.25));
    }

    #[test]
    fn a_map_without_values_has_only_the_hatch_in_its_legend() {
        let mut entries = vermont();
        for (i, e) in entries.values_mut().enumerate() {
            e.value = if i % 2 == 0 { None } else { Some(f64::NAN) };
        }
        if let Some(e) = entries.get_mut("50003") {
            e.value = Some(f64::INFINITY);
        }
        let svg = county_map(counties(), &entries, "t", "Gap score").into_string();
        let doc = parse(&svg);
        let fills: Vec<&str> = doc
            .descendants()
            .filter(|n| n.has_tag_name("path"))
            .filter_map(|n| n.attribute("fill"))
            .collect();
        assert_eq!(fills, vec![HATCH_FILL; 14]);
        let swatches: Vec<&str> = doc
            .descendants()
            .filter(|n| n.has_tag_name("rect") && n.parent().is_some_and(|p| p.has_tag_name("g")))
            .filter_map(|n| n.attribute("fill"))
            .collect();
        assert_eq!(swatches, vec![HATCH_FILL]);
        assert!(svg.contains(NOT_SHOWN_LABEL));
        assert!(
            svg.contains(
                "<desc id=\"map-desc\">Map of 14 counties, none with a value shown.</desc>"
            )
        );
    }

    #[test]
    fn a_map_with_nothing_drawn_is_still_a_picture() {
        let svg = county_map(counties(), &BTreeMap::new(), "Nothing", "Gap score").into_string();
        let doc = parse(&svg);
        assert!(county_paths(&doc).is_empty());
        let (_, height) = view_box(&doc);
        assert!(height > 0.0);
    }

    /// CIE L* of a "#rrggbb" colour, as it prints in greyscale.
    fn lightness(hex: &str) -> f64 {
        let channel = |i: usize| {
            let c = f64::from(u8::from_str_radix(&hex[i..i + 2], 16).unwrap_or(0)) / 255.0;
            if c <= 0.040_45 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        let y = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
        if y > 216.0 / 24_389.0 {
            116.0 * y.cbrt() - 16.0
        } else {
            y * 24_389.0 / 27.0
        }
    }

    #[test]
    fn palettes_read_in_greyscale() {
        for palette in PALETTES {
            let l: Vec<f64> = palette.iter().map(|c| lightness(c)).collect();
            for pair in l.windows(2) {
                // A step of 10 L* or more is told apart in print.
                assert!(pair[0] - pair[1] >= 10.0, "{palette:?}: {l:?}");
            }
        }
    }

    /// Writes the national and Vermont maps to /tmp to look at, with timings; run with
    /// `cargo test --lib map_renders_for_viewing -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn map_renders_for_viewing() {
        let c = counties();
        let entries = nation();
        let start = std::time::Instant::now();
        let us = county_map(c, &entries, "Gap score by county", "Gap score").into_string();
        println!("national map: {:?}, {} bytes", start.elapsed(), us.len());
        let start = std::time::Instant::now();
        let vt = county_map(c, &vermont(), "Housing gaps in Vermont", "Gap score").into_string();
        println!("Vermont map: {:?}, {} bytes", start.elapsed(), vt.len());
        for (path, svg) in [("/tmp/map-us.svg", &us), ("/tmp/map-vt.svg", &vt)] {
            std::fs::write(path, svg).unwrap_or_else(|e| panic!("{path}: {e}"));
        }
        for palette in PALETTES {
            let l: Vec<String> = palette
                .iter()
                .map(|c| format!("{c} L*{:.0}", lightness(c)))
                .collect();
            println!("{}", l.join(", "));
        }
    }
}
