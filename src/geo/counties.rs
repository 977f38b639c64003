//! County shapes: which county a point is in, and which counties an area covers.
//!
//! The shapes are the Census 2010 cartographic boundaries at 1:20,000,000
//! (`data/geo/us_counties_20m_2010.geojson`), compiled into the binary and read
//! once. At that scale a coastline is simplified by up to a mile or so, so a point
//! on a beach or a pier may fall in no county; callers fall back to the nearest
//! ZIP code's county (see [`super::Gazetteer::areas_at`]).
//!
//! The file predates some changes. Three 2010 codes are mapped to the codes the
//! gazetteer (2019) uses: Wade Hampton Census Area 02270 → Kusilvak 02158, Shannon
//! County 46113 → Oglala Lakota 46102, and Bedford city 51515, merged into Bedford
//! County 51019 in 2013. Later changes are not here, nor in the gazetteer: Alaska's
//! Valdez-Cordova (02261) is one area, not Chugach and Copper River (2019), and
//! Connecticut has its eight former counties (09001–09015), not its planning
//! regions (2022).

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use ::geo::{
    BoundingRect, Centroid, ChamberlainDuquetteArea, Contains, Coord, InteriorPoint, Intersects,
    LineString, MultiPolygon, Point, Polygon, Rect,
};

use super::geojson::ShapeError;
use super::{Bundled, bundled, valid_coordinate};

/// The shapes of `data/geo/us_counties_20m_2010.geojson`, in the compact form
/// `build.rs` writes (see [`decode_shapes`]).
const COUNTY_SHAPES: Bundled = bundled!("us_counties_20m_2010.geojson.bin");

/// 2010 county codes that have changed since, and the codes the gazetteer uses for them.
const RENUMBERED: [(&str, &str); 3] = [("02270", "02158"), ("46113", "46102"), ("51515", "51019")];

/// Size of a lookup grid cell, in degrees of latitude and longitude. Half a degree
/// holds a few counties, so a lookup tests a handful of bounding boxes.
const CELL_DEGREES: f64 = 0.5;

/// Square metres in a square statute mile.
const SQ_METRES_PER_SQ_MILE: f64 = 2_589_988.110_336;

/// The bundled county shapes could not be read (a build problem, not a user's).
#[derive(Debug, thiserror::Error)]
pub enum CountiesError {
    #[error("reading the bundled county shapes: {0}")]
    Format(String),
    #[error("inflating the bundled county shapes: {0}")]
    Inflate(std::io::Error),
    #[error("county {fips} in the bundled county shapes: {source}")]
    Shape { fips: String, source: ShapeError },
}

/// A county's 5-digit code and its polygons, as the bundled file has them.
type CountyParts = (String, Vec<Polygon<f64>>);

/// Reads the county shapes as `build.rs` wrote them (its `encode_county_shapes`
/// says how): each county's 5-digit code (as the file has it) and its polygons.
fn decode_shapes(bytes: &[u8]) -> Result<Vec<CountyParts>, CountiesError> {
    let mut reader = Reader {
        bytes,
        at: 0,
        last: (0, 0),
    };
    if reader.take(4)? != b"HCS1" {
        return Err(reader.malformed("it does not start with HCS1"));
    }
    let count = reader.count()?;
    let mut counties = Vec::with_capacity(count);
    for _ in 0..count {
        let fips = std::str::from_utf8(reader.take(5)?)
            .ok()
            .filter(|f| f.bytes().all(|b| b.is_ascii_digit()))
            .ok_or_else(|| reader.malformed("a county code is not 5 digits"))?
            .to_owned();
        let polygons = (0..reader.count()?)
            .map(|_| reader.polygon())
            .collect::<Result<Vec<_>, _>>()?;
        counties.push((fips, polygons));
    }
    if reader.at != bytes.len() {
        return Err(reader.malformed("bytes follow the last county"));
    }
    Ok(counties)
}

/// A cursor over the compact county shapes.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
    /// The last position read, in millionths of a degree (each is written as
    /// the change from the one before it).
    last: (i64, i64),
}

impl<'a> Reader<'a> {
    fn malformed(&self, what: &str) -> CountiesError {
        CountiesError::Format(format!("{what} (byte {})", self.at))
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], CountiesError> {
        let taken = self
            .bytes
            .get(self.at..self.at.saturating_add(n))
            .ok_or_else(|| self.malformed("it ends early"))?;
        self.at += n;
        Ok(taken)
    }

    fn varint(&mut self) -> Result<u64, CountiesError> {
        let mut n = 0_u64;
        for shift in (0..64).step_by(7) {
            let byte = self.take(1)?[0];
            n |= u64::from(byte & 0x7f) << shift;
            if byte < 0x80 {
                return Ok(n);
            }
        }
        Err(self.malformed("a number is longer than 64 bits"))
    }

    /// A count of what follows; each item takes at least a byte, so a count
    /// larger than the bytes left is malformed (and allocates nothing).
    fn count(&mut self) -> Result<usize, CountiesError> {
        let n = self.varint()?;
        usize::try_from(n)
            .ok()
            .filter(|&n| n <= self.bytes.len() - self.at)
            .ok_or_else(|| self.malformed("a count is larger than what is left"))
    }

    fn zigzag(&mut self) -> Result<i64, CountiesError> {
        let n = self.varint()?;
        Ok((n >> 1) as i64 ^ -((n & 1) as i64))
    }

    /// A polygon: its rings, the exterior first.
    fn polygon(&mut self) -> Result<Polygon<f64>, CountiesError> {
        let mut rings = (0..self.count()?)
            .map(|_| self.ring())
            .collect::<Result<Vec<_>, _>>()?
            .into_iter();
        let exterior = rings.next().unwrap_or_else(|| LineString::new(Vec::new()));
        Ok(Polygon::new(exterior, rings.collect()))
    }

    fn ring(&mut self) -> Result<LineString<f64>, CountiesError> {
        (0..self.count()?)
            .map(|_| self.position())
            .collect::<Result<Vec<_>, _>>()
            .map(LineString::new)
    }

    fn position(&mut self) -> Result<Coord<f64>, CountiesError> {
        self.last.0 += self.zigzag()?;
        self.last.1 += self.zigzag()?;
        let (lon, lat) = (self.last.0 as f64 / 1e6, self.last.1 as f64 / 1e6);
        if valid_coordinate(lat, lon) {
            Ok(Coord { x: lon, y: lat })
        } else {
            Err(self.malformed("a position is not a valid coordinate"))
        }
    }
}

/// One county's shape, with what lookups test before the shape itself.
#[derive(Debug)]
struct CountyShape {
    fips: String,
    shape: MultiPolygon<f64>,
    bbox: Rect<f64>,
    /// The bounding box of each polygon of `shape`, in the same order.
    part_boxes: Vec<Rect<f64>>,
    /// A point guaranteed to be inside the shape.
    interior: Point<f64>,
    area_sq_miles: f64,
}

/// The county shapes of the United States and Puerto Rico, with a grid index.
#[derive(Debug)]
pub struct Counties {
    counties: Vec<CountyShape>,
    /// Grid cell → (county, polygon) pairs whose polygon's bounding box overlaps the cell.
    grid: HashMap<(i32, i32), Vec<(u32, u32)>>,
}

fn cell_of(lat: f64, lon: f64) -> (i32, i32) {
    // Coordinates are within ±180, so the cell numbers fit an i32 with room to spare.
    (
        (lat / CELL_DEGREES).floor() as i32,
        (lon / CELL_DEGREES).floor() as i32,
    )
}

impl Counties {
    /// Loads the county shapes compiled into the binary (tens of milliseconds; load once).
    pub fn bundled() -> Result<Counties, CountiesError> {
        let shapes = decode_shapes(&COUNTY_SHAPES.bytes().map_err(CountiesError::Inflate)?)?;
        // A county renumbered into another (Bedford city) joins that county's shape.
        let mut polygons: BTreeMap<String, Vec<Polygon<f64>>> = BTreeMap::new();
        for (code, parts) in shapes {
            let fips = RENUMBERED
                .iter()
                .find(|(old, _)| *old == code)
                .map_or(code, |(_, new)| (*new).to_owned());
            polygons.entry(fips).or_default().extend(parts);
        }
        let mut counties = Vec::with_capacity(polygons.len());
        for (fips, parts) in polygons {
            let shape = MultiPolygon::new(parts);
            let part_boxes: Vec<Rect<f64>> = shape
                .0
                .iter()
                .filter_map(BoundingRect::bounding_rect)
                .collect();
            let (Some(bbox), true) = (shape.bounding_rect(), part_boxes.len() == shape.0.len())
            else {
                return Err(CountiesError::Shape {
                    fips,
                    source: ShapeError::Empty,
                });
            };
            // Most counties hold their centroid, which is quicker to find than
            // geo's interior point (that took a third of the load time).
            let interior = shape
                .centroid()
                .filter(|c| shape.contains(c))
                .or_else(|| shape.interior_point())
                .unwrap_or_else(|| bbox.center().into());
            let area_sq_miles = shape.chamberlain_duquette_unsigned_area() / SQ_METRES_PER_SQ_MILE;
            counties.push(CountyShape {
                fips,
                shape,
                bbox,
                part_boxes,
                interior,
                area_sq_miles,
            });
        }
        let mut grid: HashMap<(i32, i32), Vec<(u32, u32)>> = HashMap::new();
        for (c, county) in counties.iter().enumerate() {
            for (p, rect) in county.part_boxes.iter().enumerate() {
                let (lat0, lon0) = cell_of(rect.min().y, rect.min().x);
                let (lat1, lon1) = cell_of(rect.max().y, rect.max().x);
                for lat in lat0..=lat1 {
                    for lon in lon0..=lon1 {
                        // Both fit: about 3,200 counties, and no county has 2^32 polygons.
                        grid.entry((lat, lon))
                            .or_default()
                            .push((c as u32, p as u32));
                    }
                }
            }
        }
        Ok(Counties { counties, grid })
    }

    /// The bundled shapes, loaded on first use and kept for the life of the process,
    /// for code that needs them now and then (an import meeting a GeoJSON service area)
    /// and has no [`Counties`] of its own.
    pub fn shared() -> Result<&'static Counties, &'static CountiesError> {
        static SHARED: OnceLock<Result<Counties, CountiesError>> = OnceLock::new();
        SHARED.get_or_init(Counties::bundled).as_ref()
    }

    /// How many counties (and county equivalents) there are.
    pub fn len(&self) -> usize {
        self.counties.len()
    }

    /// Whether there are no counties at all (never, for the bundled shapes).
    pub fn is_empty(&self) -> bool {
        self.counties.is_empty()
    }

    /// Every county's 5-digit FIPS code, in code order.
    pub fn fips(&self) -> impl Iterator<Item = &str> {
        self.counties.iter().map(|c| c.fips.as_str())
    }

    /// The shape of the county with this 5-digit FIPS code, in (longitude, latitude)
    /// degrees, or `None` for a code that is not here.
    pub fn shape(&self, fips: &str) -> Option<&MultiPolygon<f64>> {
        self.counties
            .binary_search_by(|c| c.fips.as_str().cmp(fips))
            .ok()
            .map(|i| &self.counties[i].shape)
    }

    /// Every county's FIPS code and shape, in code order.
    pub fn shapes(&self) -> impl Iterator<Item = (&str, &MultiPolygon<f64>)> {
        self.counties.iter().map(|c| (c.fips.as_str(), &c.shape))
    }

    /// The 5-digit FIPS code of the county that (lat, lon) is in, or `None` for
    /// a point in no county (the sea, another country, an invalid coordinate).
    /// A point on a border between two counties gets one of them.
    pub fn county_at(&self, lat: f64, lon: f64) -> Option<&str> {
        if !valid_coordinate(lat, lon) {
            return None;
        }
        let point = Point::new(lon, lat);
        self.grid
            .get(&cell_of(lat, lon))?
            .iter()
            .find(|&&(c, p)| {
                let county = &self.counties[c as usize];
                county.part_boxes[p as usize].intersects(&point)
                    && county.shape.0[p as usize].intersects(&point)
            })
            .map(|&(c, _)| self.counties[c as usize].fips.as_str())
    }

    /// The counties an area covers substantially, by FIPS code, in code order.
    ///
    /// A county counts when the area is at least half the county's size and
    /// either holds a point inside the county (its interior point) or has its own
    /// interior point in the county. So an area drawn around a county or a few
    /// counties yields those counties, while a neighbourhood yields none (look up
    /// its ZIP codes instead) and a strip along a border does not claim the county
    /// it only touches.
    pub fn counties_in(&self, area: &MultiPolygon<f64>) -> Vec<String> {
        let (Some(bbox), Some(inside)) = (area.bounding_rect(), area.interior_point()) else {
            return Vec::new();
        };
        let area_sq_miles = area.chamberlain_duquette_unsigned_area() / SQ_METRES_PER_SQ_MILE;
        self.counties
            .iter()
            .filter(|c| c.bbox.intersects(&bbox) && area_sq_miles >= c.area_sq_miles / 2.0)
            .filter(|c| area.contains(&c.interior) || c.shape.intersects(&inside))
            .map(|c| c.fips.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counties() -> &'static Counties {
        Counties::shared().unwrap_or_else(|e| panic!("{e}"))
    }

    fn square(lat0: f64, lon0: f64, lat1: f64, lon1: f64) -> MultiPolygon<f64> {
        MultiPolygon::new(vec![Polygon::new(
            vec![
                (lon0, lat0),
                (lon1, lat0),
                (lon1, lat1),
                (lon0, lat1),
                (lon0, lat0),
            ]
            .into(),
            vec![],
        )])
    }

    #[test]
    fn every_county_of_the_file_is_loaded_under_current_codes() {
        let c = counties();
        // 3,221 features, less Bedford city merged into Bedford County.
        assert_eq!(c.len(), 3220);
        assert!(c.fips().any(|f| f == "02158"));
        assert!(!c.fips().any(|f| f == "02270" || f == "51515"));
        assert!(c.fips().all(|f| f.len() == 5));
    }

    #[test]
    fn the_compact_shapes_are_the_geojson_file_exactly() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/data/geo/us_counties_20m_2010.geojson"
        );
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let file: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
        let bytes = COUNTY_SHAPES.bytes().unwrap_or_else(|e| panic!("{e}"));
        let decoded = decode_shapes(&bytes).unwrap_or_else(|e| panic!("{e}"));
        let features = file["features"].as_array().map_or(&[][..], Vec::as_slice);
        assert_eq!(decoded.len(), features.len());
        let number = |v: &serde_json::Value| v.as_f64().unwrap_or(f64::NAN);
        let mut positions = 0;
        for ((fips, polygons), feature) in decoded.iter().zip(features) {
            let properties = &feature["properties"];
            let code = format!("{}{}", properties["STATE"], properties["COUNTY"]).replace('"', "");
            assert_eq!(*fips, code);
            let geometry = &feature["geometry"];
            let written: Vec<&serde_json::Value> = if geometry["type"] == "Polygon" {
                vec![&geometry["coordinates"]]
            } else {
                geometry["coordinates"]
                    .as_array()
                    .map_or(Vec::new(), |a| a.iter().collect())
            };
            assert_eq!(polygons.len(), written.len(), "{fips}");
            for (polygon, rings) in polygons.iter().zip(written) {
                let rings = rings.as_array().map_or(&[][..], Vec::as_slice);
                let ours: Vec<&LineString<f64>> = std::iter::once(polygon.exterior())
                    .chain(polygon.interiors())
                    .collect();
                assert_eq!(ours.len(), rings.len(), "{fips}");
                for (ring, theirs) in ours.iter().zip(rings) {
                    let theirs = theirs.as_array().map_or(&[][..], Vec::as_slice);
                    assert_eq!(ring.0.len(), theirs.len(), "{fips}");
                    for (c, p) in ring.0.iter().zip(theirs) {
                        // Bit for bit: the same f64 as reading the text.
                        assert_eq!((c.x, c.y), (number(&p[0]), number(&p[1])), "{fips}");
                        positions += 1;
                    }
                }
            }
        }
        assert!(positions > 90_000, "{positions} positions");
    }

    #[test]
    fn damaged_compact_shapes_are_an_error_not_a_panic() {
        let bytes = COUNTY_SHAPES.bytes().unwrap_or_else(|e| panic!("{e}"));
        for cut in [0, 3, 4, 5, 9, 100, bytes.len() / 2, bytes.len() - 1] {
            assert!(
                matches!(decode_shapes(&bytes[..cut]), Err(CountiesError::Format(_))),
                "cut at {cut}"
            );
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(matches!(
            decode_shapes(&longer),
            Err(CountiesError::Format(_))
        ));
        let mut renamed = bytes;
        renamed[0] = b'X';
        assert!(matches!(
            decode_shapes(&renamed),
            Err(CountiesError::Format(_))
        ));
    }

    #[test]
    fn points_fall_in_their_county() {
        let c = counties();
        // Downtown Miami; Los Angeles city hall; Richmond, Virginia (an independent city);
        // Bedford, Virginia (a city until 2013, now Bedford County); Anchorage.
        assert_eq!(c.county_at(25.77, -80.19), Some("12086"));
        assert_eq!(c.county_at(34.0537, -118.2428), Some("06037"));
        assert_eq!(c.county_at(37.5407, -77.4360), Some("51760"));
        assert_eq!(c.county_at(37.3343, -79.5231), Some("51019"));
        assert_eq!(c.county_at(61.2181, -149.9003), Some("02020"));
        assert_eq!(c.county_at(18.4655, -66.1057), Some("72127"));
    }

    #[test]
    fn points_in_no_county_are_none() {
        let c = counties();
        // The Atlantic east of Miami, the Gulf of Mexico, Toronto, and invalid coordinates.
        assert_eq!(c.county_at(25.77, -79.5), None);
        assert_eq!(c.county_at(26.0, -88.0), None);
        assert_eq!(c.county_at(43.65, -79.38), None);
        assert_eq!(c.county_at(0.0, 0.0), None);
        assert_eq!(c.county_at(f64::NAN, -80.0), None);
    }

    #[test]
    fn an_area_covers_the_counties_it_is_drawn_around() {
        let c = counties();
        // Roughly Miami-Dade, Broward and Palm Beach: about 25.1–26.97 N, 80.9–80.0 W.
        let south_florida = square(25.1, -80.95, 26.97, -80.0);
        let covered = c.counties_in(&south_florida);
        for fips in ["12086", "12011", "12099"] {
            assert!(covered.contains(&fips.to_owned()), "{fips} in {covered:?}");
        }
        assert!(!covered.contains(&"12021".to_owned()), "{covered:?}"); // Collier, west
        // A neighbourhood of Miami covers no whole county.
        assert!(
            c.counties_in(&square(25.74, -80.23, 25.80, -80.18))
                .is_empty()
        );
        // Most of Los Angeles County by its interior point and size.
        let la = c.counties_in(&square(33.7, -118.95, 34.82, -117.65));
        assert!(la.contains(&"06037".to_owned()), "{la:?}");
    }

    /// Load time, memory and lookup speed; run with
    /// `cargo test --release --lib counties_timings -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn counties_timings() {
        // Resident memory in KiB (Linux, 4 KiB pages), to see what loading keeps.
        let rss = || -> u64 {
            std::fs::read_to_string("/proc/self/statm")
                .ok()
                .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
                .map_or(0, |pages| pages * 4)
        };
        let before = rss();
        let start = std::time::Instant::now();
        let c = Counties::bundled().unwrap_or_else(|e| panic!("{e}"));
        println!("Counties::bundled: {:?}", start.elapsed());
        println!("resident memory: +{} KiB", rss().saturating_sub(before));
        let vertices: usize = c
            .counties
            .iter()
            .flat_map(|c| c.shape.0.iter())
            .map(|p| p.exterior().0.len() + p.interiors().iter().map(|r| r.0.len()).sum::<usize>())
            .sum();
        let parts: usize = c.counties.iter().map(|c| c.part_boxes.len()).sum();
        let entries: usize = c.grid.values().map(Vec::len).sum();
        let kept = vertices * 16 + parts * (32 + 72) + entries * 8 + c.grid.len() * 40;
        println!(
            "{} counties, {parts} polygons, {vertices} vertices, {} grid cells \
             ({entries} entries): about {} KiB kept",
            c.len(),
            c.grid.len(),
            kept / 1024
        );
        let n = 100_000;
        let start = std::time::Instant::now();
        let mut found = 0;
        for i in 0..n {
            // A sweep over the contiguous states.
            let lat = 25.0 + (i % 317) as f64 * 0.07;
            let lon = -124.0 + (i % 1009) as f64 * 0.057;
            found += usize::from(c.county_at(lat, lon).is_some());
        }
        let per_call = start.elapsed().as_secs_f64() * 1e6 / n as f64;
        println!("county_at: {per_call:.2} µs/call ({found} of {n} in a county)");
        // Points all inside counties, in dense and coastal places.
        let places = [
            (25.77, -80.19),
            (34.05, -118.24),
            (40.71, -74.0),
            (37.54, -77.43),
            (61.21, -149.9),
            (29.95, -90.07),
        ];
        let start = std::time::Instant::now();
        for i in 0..n {
            let (lat, lon) = places[i % places.len()];
            found += usize::from(c.county_at(lat, lon).is_some());
        }
        let per_call = start.elapsed().as_secs_f64() * 1e6 / n as f64;
        println!("county_at (all in a county): {per_call:.2} µs/call ({found})");
        let florida = square(24.5, -87.6, 31.0, -80.0);
        let start = std::time::Instant::now();
        let covered = c.counties_in(&florida);
        println!(
            "counties_in (a box around Florida): {:?}, {} counties",
            start.elapsed(),
            covered.len()
        );
    }
}
