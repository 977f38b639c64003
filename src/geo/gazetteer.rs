//! The embedded gazetteer: ZIP codes, cities and counties of the United States.
//!
//! Built at start from the Census ZCTA and county Gazetteer files and GeoNames
//! postal codes bundled in `data/geo/` (compiled into the binary, so a search
//! never needs the network or the working directory).

use std::collections::{BTreeMap, HashMap};

use ::geo::{BoundingRect, Intersects, MultiPolygon, Point};
use serde::Deserialize;

use super::{Bundled, Counties, bundled, distance_miles, valid_coordinate};
use crate::model::normalize_zip;

const ZCTA_CSV: Bundled = bundled!("us_zip_centroids.csv");
const EXTRA_ZIP_CSV: Bundled = bundled!("us_zip_extra_geonames.csv");
const COUNTY_CSV: Bundled = bundled!("us_county_centroids_2019.csv");

/// The bundled gazetteer could not be read (a build problem, not a user's).
#[derive(Debug, thiserror::Error)]
pub enum GazetteerError {
    #[error("reading the bundled gazetteer file {file}: {source}")]
    Csv {
        file: &'static str,
        source: csv::Error,
    },
    #[error("inflating the bundled gazetteer file {file}: {source}")]
    Inflate {
        file: &'static str,
        source: std::io::Error,
    },
}

/// The text of a bundled gazetteer file.
fn inflate(file: &Bundled) -> Result<String, GazetteerError> {
    file.text().map_err(|source| GazetteerError::Inflate {
        file: file.name,
        source,
    })
}

/// Why a place the user typed could not be found. The message says what is accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlaceError {
    #[error(
        "no place given: enter a ZIP code (33101), a city and state (Miami, FL) or coordinates (25.77,-80.19)"
    )]
    Empty,
    #[error(
        "ZIP code {0} is not in the gazetteer; check the digits, or enter a city and state (Miami, FL)"
    )]
    UnknownZip(String),
    #[error(
        "\"{0}\" is not a city we know; enter a ZIP code (33101) or a city and two-letter state (Miami, FL)"
    )]
    UnknownCity(String),
    #[error(
        "coordinates {0} are out of range: latitude must be within -90..90 and longitude within -180..180"
    )]
    BadCoordinates(String),
    #[error(
        "could not understand the place \"{0}\": enter a ZIP code (33101), a city and state (Miami, FL) or coordinates (25.77,-80.19)"
    )]
    Unrecognized(String),
}

/// One ZIP code and where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct ZipPlace {
    pub zip: String,
    pub lat: f64,
    pub lon: f64,
    pub city: String,
    pub state: String,
    /// County name as GeoNames gives it ("Miami-Dade"), empty when unknown.
    pub county: String,
    /// 5-digit county FIPS code, when the county name could be matched.
    pub county_fips: Option<String>,
    /// True for GeoNames-only ZIPs (PO boxes, unique ZIPs), whose point is a rough town centroid.
    pub rough: bool,
}

/// One county (or equivalent) and its internal point.
#[derive(Debug, Clone, PartialEq)]
pub struct County {
    pub fips: String,
    pub state: String,
    pub name: String,
    pub lat: f64,
    pub lon: f64,
}

/// A place a search is centred on.
#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    pub lat: f64,
    pub lon: f64,
    /// How to show the place ("33101 · Miami, FL").
    pub label: String,
    pub zip: Option<String>,
    pub county_fips: Option<String>,
    pub state: Option<String>,
}

#[derive(Deserialize)]
struct ZipRow {
    zip: String,
    lat: f64,
    lon: f64,
    city: String,
    state: String,
    county: String,
}

#[derive(Deserialize)]
struct CountyRow {
    geoid: String,
    state: String,
    name: String,
    lat: f64,
    lon: f64,
}

/// A city's centroid and its name as written: (latitude, longitude, name).
type CityPoint = (f64, f64, String);

/// The areas a point is in, as coverage terms name them (see [`Gazetteer::areas_at`]).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Areas {
    /// The ZIP code whose centre is nearest, within [`NEAREST_ZIP_MILES`].
    pub zip: Option<String>,
    /// 5-digit county FIPS code.
    pub county_fips: Option<String>,
    /// Two-letter state or territory code.
    pub state: Option<String>,
}

/// How far [`Gazetteer::areas_at`] looks for a ZIP centre. A ZIP area in the
/// rural West can be 30 miles across; further than this from any ZIP centre a
/// point is more likely at sea or across a border than in a ZIP area.
pub const NEAREST_ZIP_MILES: f64 = 15.0;

/// Size of a ZIP grid cell in degrees: a quarter degree (about 17 miles north to
/// south) keeps a 15-mile search to a few cells of a few dozen ZIP codes.
const ZIP_CELL_DEGREES: f64 = 0.25;

/// A ZIP code's centre in the grid index.
#[derive(Debug)]
struct ZipPoint {
    lat: f64,
    lon: f64,
    zip: String,
}

fn zip_cell(lat: f64, lon: f64) -> (i32, i32) {
    // Valid coordinates are within ±180, so the cell numbers fit an i32 with room to spare.
    (
        (lat / ZIP_CELL_DEGREES).floor() as i32,
        (lon / ZIP_CELL_DEGREES).floor() as i32,
    )
}

/// ZIP, city and county lookups over the bundled files.
#[derive(Debug)]
pub struct Gazetteer {
    zips: HashMap<String, ZipPlace>,
    /// (city key, state) → centroid of the city's ZIP points (see [`city_key`]).
    cities: HashMap<(String, String), CityPoint>,
    /// By FIPS code, so they list in code order.
    counties: BTreeMap<String, County>,
    /// (state, county key) → county FIPS, for places typed as a county or municipio.
    county_names: HashMap<(String, String), String>,
    /// State FIPS code (the first two digits of a county's) → two-letter state code.
    state_codes: HashMap<String, String>,
    /// The Census ZIP centres (not GeoNames' rough ones) by grid cell, for nearest-ZIP lookups.
    zip_grid: HashMap<(i32, i32), Vec<ZipPoint>>,
}

/// How a city name is compared: case, dots and apostrophes ignored, and
/// Saint/St, Sainte/Ste, Fort/Ft, Mount/Mt written one way ("St. Louis" = "Saint Louis").
fn city_key(name: &str) -> String {
    name.to_lowercase()
        .replace(['.', '\''], " ")
        .split_whitespace()
        .map(|word| match word {
            "saint" => "st",
            "sainte" => "ste",
            "fort" => "ft",
            "mount" => "mt",
            other => other,
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// How a county name is compared: the kind of county left off ("Orleans Parish" =
/// "Orleans"), then as [`city_key`] ("St. Lucie" = "Saint Lucie"), with accents,
/// spaces and punctuation ignored ("Dona Ana" = "Doña Ana", "Miami Dade" = "Miami-Dade").
/// An independent city keeps its "city": "Baltimore city" is not Baltimore County.
fn county_key(state: &str, name: &str) -> (String, String) {
    let lower = name.trim().to_lowercase();
    let mut base = lower.as_str();
    // Longest first: "Juneau City and Borough" is not a borough named "Juneau City and".
    for suffix in [
        " city and borough",
        " census area",
        " municipality",
        " municipio",
        " borough",
        " county",
        " parish",
    ] {
        if let Some(stripped) = base.strip_suffix(suffix) {
            base = stripped;
            break;
        }
    }
    let base: String = city_key(base)
        .chars()
        .map(without_accent)
        .filter(|c| c.is_alphanumeric())
        .collect();
    (state.trim().to_ascii_uppercase(), base)
}

/// The letter without its accent, for the accented letters of US county names.
fn without_accent(c: char) -> char {
    match c {
        'á' | 'à' | 'â' | 'ä' => 'a',
        'é' | 'è' | 'ê' | 'ë' => 'e',
        'í' | 'ì' | 'î' | 'ï' => 'i',
        'ó' | 'ò' | 'ô' | 'ö' => 'o',
        'ú' | 'ù' | 'û' | 'ü' => 'u',
        'ñ' => 'n',
        other => other,
    }
}

impl Gazetteer {
    /// Loads the gazetteer compiled into the binary.
    pub fn bundled() -> Result<Gazetteer, GazetteerError> {
        let mut counties = BTreeMap::new();
        let mut county_by_name = HashMap::new();
        let mut state_codes = HashMap::new();
        let text = inflate(&COUNTY_CSV)?;
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        for row in reader.deserialize::<CountyRow>() {
            let row = row.map_err(|source| GazetteerError::Csv {
                file: COUNTY_CSV.name,
                source,
            })?;
            county_by_name.insert(county_key(&row.state, &row.name), row.geoid.clone());
            if let Some(prefix) = row.geoid.get(..2) {
                state_codes.insert(prefix.to_owned(), row.state.clone());
            }
            counties.insert(
                row.geoid.clone(),
                County {
                    fips: row.geoid,
                    state: row.state,
                    name: row.name,
                    lat: row.lat,
                    lon: row.lon,
                },
            );
        }

        let mut zips = HashMap::new();
        let mut city_sums: HashMap<(String, String), (f64, f64, usize, String)> = HashMap::new();
        for (bundled, rough) in [(&ZCTA_CSV, false), (&EXTRA_ZIP_CSV, true)] {
            let file = bundled.name;
            let text = inflate(bundled)?;
            let mut reader = csv::Reader::from_reader(text.as_bytes());
            for row in reader.deserialize::<ZipRow>() {
                let row = row.map_err(|source| GazetteerError::Csv { file, source })?;
                if !valid_coordinate(row.lat, row.lon) || zips.contains_key(&row.zip) {
                    continue;
                }
                if !row.city.is_empty() && !rough {
                    let entry = city_sums
                        .entry((city_key(&row.city), row.state.clone()))
                        .or_insert((0.0, 0.0, 0, row.city.clone()));
                    entry.0 += row.lat;
                    entry.1 += row.lon;
                    entry.2 += 1;
                }
                let county_fips = (!row.county.is_empty())
                    .then(|| {
                        county_by_name
                            .get(&county_key(&row.state, &row.county))
                            .cloned()
                    })
                    .flatten();
                zips.insert(
                    row.zip.clone(),
                    ZipPlace {
                        zip: row.zip,
                        lat: row.lat,
                        lon: row.lon,
                        city: row.city,
                        state: row.state,
                        county: row.county,
                        county_fips,
                        rough,
                    },
                );
            }
        }
        // Cities known only from GeoNames (PO-box towns) still resolve, at their rough point.
        for place in zips.values().filter(|p| p.rough && !p.city.is_empty()) {
            city_sums
                .entry((city_key(&place.city), place.state.clone()))
                .or_insert((place.lat, place.lon, 1, place.city.clone()));
        }
        let mut cities: HashMap<(String, String), CityPoint> = city_sums
            .into_iter()
            .map(|(key, (lat, lon, n, name))| (key, (lat / n as f64, lon / n as f64, name)))
            .collect();
        // GeoNames writes "New York City", "Salt Lake City"; people also type "New York".
        let short_names: Vec<((String, String), CityPoint)> = cities
            .iter()
            .filter_map(|((key, state), value)| {
                let short = key.strip_suffix(" city")?;
                Some(((short.to_owned(), state.clone()), value.clone()))
            })
            .collect();
        for (key, value) in short_names {
            cities.entry(key).or_insert(value);
        }
        let mut zip_grid: HashMap<(i32, i32), Vec<ZipPoint>> = HashMap::new();
        for place in zips.values().filter(|p| !p.rough) {
            zip_grid
                .entry(zip_cell(place.lat, place.lon))
                .or_default()
                .push(ZipPoint {
                    lat: place.lat,
                    lon: place.lon,
                    zip: place.zip.clone(),
                });
        }
        Ok(Gazetteer {
            zips,
            cities,
            counties,
            county_names: county_by_name,
            state_codes,
            zip_grid,
        })
    }

    /// The 5-digit FIPS code of a county named in `state` (a two-letter code), as
    /// people write it: "Miami-Dade County", "Miami-Dade", "St. Lucie County",
    /// "Saint Lucie", "Orleans Parish", "Anchorage Municipality", "Baltimore city".
    pub fn county_by_name(&self, state: &str, name: &str) -> Option<&str> {
        self.county_names
            .get(&county_key(state, name))
            .map(String::as_str)
    }

    /// The two-letter state code of a county FIPS code ("12086" → "FL").
    pub fn state_of_county(&self, fips: &str) -> Option<&str> {
        match self.counties.get(fips) {
            Some(county) => Some(county.state.as_str()),
            None => self.state_codes.get(fips.get(..2)?).map(String::as_str),
        }
    }

    /// The ZIP code whose Census centre is nearest to (lat, lon), if one is within
    /// `max_miles`. GeoNames-only ZIP codes (PO boxes) are left out: their point is
    /// a town's, not an area's.
    pub fn nearest_zip(&self, lat: f64, lon: f64, max_miles: f64) -> Option<&ZipPlace> {
        if !valid_coordinate(lat, lon) || max_miles.is_nan() || max_miles < 0.0 {
            return None;
        }
        let dlat = max_miles / 69.0;
        let dlon = dlat / lat.to_radians().cos().max(0.05);
        let (lat0, lon0) = zip_cell(lat - dlat, lon - dlon);
        let (lat1, lon1) = zip_cell(lat + dlat, lon + dlon);
        let mut best: Option<(f64, &str)> = None;
        for cell_lat in lat0..=lat1 {
            for cell_lon in lon0..=lon1 {
                for point in self
                    .zip_grid
                    .get(&(cell_lat, cell_lon))
                    .into_iter()
                    .flatten()
                {
                    let miles = distance_miles((lat, lon), (point.lat, point.lon));
                    if miles <= max_miles && best.is_none_or(|(b, _)| miles < b) {
                        best = Some((miles, point.zip.as_str()));
                    }
                }
            }
        }
        best.and_then(|(_, zip)| self.zips.get(zip))
    }

    /// The ZIP code, county and state a point is in: the county by its shape
    /// (else the nearest ZIP code's county, for a point on a coast the shapes
    /// simplify away), the ZIP code by the nearest Census ZIP centre within
    /// [`NEAREST_ZIP_MILES`] (ZIP areas themselves are not bundled), and the state
    /// from the county.
    pub fn areas_at(&self, lat: f64, lon: f64, counties: &Counties) -> Areas {
        let zip = self.nearest_zip(lat, lon, NEAREST_ZIP_MILES);
        let county_fips = counties
            .county_at(lat, lon)
            .map(str::to_owned)
            .or_else(|| zip.and_then(|z| z.county_fips.clone()));
        let state = county_fips
            .as_deref()
            .and_then(|fips| self.state_of_county(fips))
            .map(str::to_owned)
            .or_else(|| zip.map(|z| z.state.clone()));
        Areas {
            zip: zip.map(|z| z.zip.clone()),
            county_fips,
            state,
        }
    }

    /// The ZIP codes whose Census centre is inside `area` (or on its edge), in order.
    pub fn zips_in(&self, area: &MultiPolygon<f64>) -> Vec<String> {
        let Some(bbox) = area.bounding_rect() else {
            return Vec::new();
        };
        let mut zips: Vec<String> = self
            .zip_grid
            .values()
            .flatten()
            .filter(|z| {
                let point = Point::new(z.lon, z.lat);
                bbox.intersects(&point) && area.intersects(&point)
            })
            .map(|z| z.zip.clone())
            .collect();
        zips.sort_unstable();
        zips
    }

    /// Looks up a ZIP code (any form [`normalize_zip`] accepts).
    pub fn zip(&self, zip: &str) -> Option<&ZipPlace> {
        self.zips.get(&normalize_zip(zip)?)
    }

    /// Every ZIP code the gazetteer knows, in no particular order.
    pub fn zips(&self) -> impl Iterator<Item = &ZipPlace> {
        self.zips.values()
    }

    /// Every county (or equivalent), by FIPS code.
    pub fn counties(&self) -> Vec<&County> {
        self.counties.values().collect()
    }

    /// Looks up a county by its 5-digit FIPS code.
    pub fn county(&self, fips: &str) -> Option<&County> {
        self.counties.get(fips)
    }

    /// How many ZIP codes the gazetteer knows.
    pub fn zip_count(&self) -> usize {
        self.zips.len()
    }

    /// Resolves what a person typed as a place: a ZIP code, "City, ST" or "lat,lon".
    pub fn resolve(&self, text: &str) -> Result<Place, PlaceError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(PlaceError::Empty);
        }
        if let Some((a, b)) = text.split_once(',')
            && let (Ok(lat), Ok(lon)) = (a.trim().parse::<f64>(), b.trim().parse::<f64>())
        {
            if !valid_coordinate(lat, lon) {
                return Err(PlaceError::BadCoordinates(text.to_owned()));
            }
            return Ok(Place {
                lat,
                lon,
                label: format!("{lat:.4}, {lon:.4}"),
                zip: None,
                county_fips: None,
                state: None,
            });
        }
        if text.chars().next().is_some_and(|c| c.is_ascii_digit()) {
            let zip = normalize_zip(text)
                .filter(|_| text.len() >= 5)
                .ok_or_else(|| PlaceError::UnknownZip(text.to_owned()))?;
            let place = self
                .zips
                .get(&zip)
                .ok_or_else(|| PlaceError::UnknownZip(zip.clone()))?;
            let town = if place.city.is_empty() {
                place.state.clone()
            } else {
                format!("{}, {}", place.city, place.state)
            };
            return Ok(Place {
                lat: place.lat,
                lon: place.lon,
                label: format!("{zip} · {town}"),
                zip: Some(zip),
                county_fips: place.county_fips.clone(),
                state: Some(place.state.clone()),
            });
        }
        let (city, state) = match text.rsplit_once(',') {
            Some((city, state)) => (city.trim(), state.trim()),
            None => match text.rsplit_once(' ') {
                Some((city, state)) if state.len() == 2 => (city.trim(), state.trim()),
                _ => return Err(PlaceError::Unrecognized(text.to_owned())),
            },
        };
        if state.len() != 2 || city.is_empty() {
            return Err(PlaceError::Unrecognized(text.to_owned()));
        }
        let state = state.to_ascii_uppercase();
        if let Some((lat, lon, name)) = self.cities.get(&(city_key(city), state.clone())) {
            return Ok(Place {
                lat: *lat,
                lon: *lon,
                label: format!("{name}, {state}"),
                zip: None,
                county_fips: None,
                state: Some(state),
            });
        }
        // Not a city we know: maybe a county or (in Puerto Rico, whose towns GeoNames
        // lacks) a municipio, e.g. "San Juan, PR", "Miami-Dade County, FL".
        let county = self
            .county_names
            .get(&county_key(&state, city))
            .and_then(|fips| self.counties.get(fips))
            .ok_or_else(|| PlaceError::UnknownCity(text.to_owned()))?;
        Ok(Place {
            lat: county.lat,
            lon: county.lon,
            label: format!("{}, {state}", county.name),
            zip: None,
            county_fips: Some(county.fips.clone()),
            state: Some(state),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gazetteer() -> Gazetteer {
        Gazetteer::bundled().unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn resolves_zips_cities_and_coordinates() {
        let g = gazetteer();
        let p = g.resolve("33101").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.label, "33101 · Miami, FL");
        assert_eq!(p.county_fips.as_deref(), Some("12086"));
        assert!((p.lat - 25.779298).abs() < 1e-6);
        let p = g.resolve("miami, fl").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.label, "Miami, FL");
        assert!((p.lat - 25.77).abs() < 0.3);
        let p = g.resolve("Washington DC").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.state.as_deref(), Some("DC"));
        let p = g
            .resolve(" 38.9, -77.03 ")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.lat, 38.9);
        assert_eq!(
            g.resolve("06708").map(|p| p.zip),
            Ok(Some("06708".to_owned()))
        );
    }

    #[test]
    fn places_resolve_as_people_write_them() {
        let g = gazetteer();
        let label = |text: &str| {
            g.resolve(text)
                .map(|p| p.label)
                .unwrap_or_else(|e| panic!("{text}: {e}"))
        };
        assert_eq!(label("New York, NY"), "New York City, NY");
        assert_eq!(label("St. Louis, MO"), "Saint Louis, MO");
        assert_eq!(label("saint louis mo"), "Saint Louis, MO");
        assert_eq!(label("Ft Lauderdale, FL"), "Fort Lauderdale, FL");
        assert_eq!(label("San Juan, PR"), "San Juan Municipio, PR");
        assert_eq!(label("Miami-Dade County, FL"), "Miami-Dade County, FL");
        let county = g.resolve("San Juan, PR").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(county.county_fips.as_deref(), Some("72127"));
    }

    fn counties() -> &'static Counties {
        Counties::shared().unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn county_names_resolve_as_people_write_them() {
        let g = gazetteer();
        let cases = [
            ("FL", "Miami-Dade County", "12086"),
            ("FL", "Miami-Dade", "12086"),
            ("fl", "miami dade county", "12086"),
            ("FL", "St. Lucie County", "12111"),
            ("FL", "Saint Lucie County", "12111"),
            ("FL", "St Lucie", "12111"),
            ("LA", "Orleans Parish", "22071"),
            ("LA", "St. John the Baptist Parish", "22095"),
            ("LA", "Saint Tammany", "22103"),
            ("MO", "Ste. Genevieve County", "29186"),
            ("MO", "Sainte Genevieve", "29186"),
            ("MD", "St. Mary's County", "24037"),
            ("AK", "Anchorage Municipality", "02020"),
            ("AK", "Juneau City and Borough", "02110"),
            ("AK", "Juneau", "02110"),
            ("AK", "Lake and Peninsula Borough", "02164"),
            ("NM", "Dona Ana County", "35013"),
            ("PR", "Mayagüez Municipio", "72097"),
            ("MD", "Baltimore County", "24005"),
            ("MD", "Baltimore city", "24510"),
            ("VA", "Richmond City", "51760"),
            ("MO", "St. Louis County", "29189"),
            ("MO", "St. Louis City", "29510"),
        ];
        for (state, name, fips) in cases {
            assert_eq!(g.county_by_name(state, name), Some(fips), "{name}, {state}");
        }
        assert_eq!(g.county_by_name("GA", "Miami-Dade County"), None);
        assert_eq!(g.county_by_name("FL", "Atlantis County"), None);
        assert_eq!(g.state_of_county("12086"), Some("FL"));
        assert_eq!(g.state_of_county("51515"), Some("VA"));
        assert_eq!(g.state_of_county("99999"), None);
    }

    #[test]
    fn a_point_is_in_a_zip_a_county_and_a_state() {
        let g = gazetteer();
        let areas = g.areas_at(25.77, -80.19, counties());
        assert_eq!(areas.county_fips.as_deref(), Some("12086"));
        assert_eq!(areas.state.as_deref(), Some("FL"));
        let zip = areas.zip.unwrap_or_default();
        assert!(zip.starts_with("331"), "{zip}");
        let la = g.areas_at(34.0537, -118.2428, counties());
        assert_eq!(
            (la.county_fips.as_deref(), la.state.as_deref()),
            (Some("06037"), Some("CA"))
        );
        assert!(la.zip.is_some_and(|z| z.starts_with("900")));
        // Mid-Atlantic: nothing. A point just off Miami Beach that the 1:20m
        // shapes leave at sea: the nearest ZIP code's county.
        assert_eq!(g.areas_at(30.0, -60.0, counties()), Areas::default());
        assert_eq!(counties().county_at(25.79, -80.11), None);
        let offshore = g.areas_at(25.79, -80.11, counties());
        assert!(offshore.zip.is_some(), "{offshore:?}");
        assert_eq!(offshore.state.as_deref(), Some("FL"));
        assert_eq!(offshore.county_fips.as_deref(), Some("12086"));
    }

    #[test]
    fn zips_in_an_area_are_those_whose_centre_it_holds() {
        let g = gazetteer();
        // Around downtown Miami and Brickell.
        let area = MultiPolygon::new(vec![::geo::Polygon::new(
            vec![
                (-80.215, 25.75),
                (-80.18, 25.75),
                (-80.18, 25.79),
                (-80.215, 25.79),
            ]
            .into(),
            vec![],
        )]);
        let zips = g.zips_in(&area);
        assert!(zips.contains(&"33130".to_owned()), "{zips:?}");
        assert!(zips.iter().all(|z| z.starts_with("331")), "{zips:?}");
        assert!(!zips.contains(&"33157".to_owned()), "{zips:?}");
        let nearest = g
            .nearest_zip(25.7743, -80.1937, 5.0)
            .map(|z| z.zip.as_str());
        assert!(
            nearest.is_some_and(|z| zips.iter().any(|i| i == z)),
            "{nearest:?}"
        );
    }

    /// Lookup speed; run with
    /// `cargo test --release --lib gazetteer_timings -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn gazetteer_timings() {
        let start = std::time::Instant::now();
        let g = gazetteer();
        println!("Gazetteer::bundled: {:?}", start.elapsed());
        let c = counties();
        let n = 100_000;
        let start = std::time::Instant::now();
        let mut found = 0;
        for i in 0..n {
            let lat = 25.0 + (i % 317) as f64 * 0.07;
            let lon = -124.0 + (i % 1009) as f64 * 0.057;
            found += usize::from(g.areas_at(lat, lon, c).zip.is_some());
        }
        let per_call = start.elapsed().as_secs_f64() * 1e6 / n as f64;
        println!("areas_at: {per_call:.2} µs/call ({found} of {n} near a ZIP)");
        let start = std::time::Instant::now();
        for i in 0..n {
            let lat = 25.0 + (i % 317) as f64 * 0.07;
            let lon = -124.0 + (i % 1009) as f64 * 0.057;
            found += usize::from(g.nearest_zip(lat, lon, NEAREST_ZIP_MILES).is_some());
        }
        let per_call = start.elapsed().as_secs_f64() * 1e6 / n as f64;
        println!("nearest_zip: {per_call:.2} µs/call ({found} found in all)");
        let start = std::time::Instant::now();
        let mut linear = 0;
        for i in 0..1000 {
            let (lat, lon) = (
                25.0 + (i % 317) as f64 * 0.07,
                -124.0 + (i % 1009) as f64 * 0.057,
            );
            linear += g
                .zips
                .values()
                .filter(|z| !z.rough)
                .map(|z| distance_miles((lat, lon), (z.lat, z.lon)))
                .filter(|d| *d <= NEAREST_ZIP_MILES)
                .count();
        }
        let per_call = start.elapsed().as_secs_f64() * 1e6 / 1000.0;
        println!("a linear scan instead: {per_call:.0} µs/call ({linear})");
        let florida = MultiPolygon::new(vec![::geo::Polygon::new(
            vec![(-87.6, 24.5), (-80.0, 24.5), (-80.0, 31.0), (-87.6, 31.0)].into(),
            vec![],
        )]);
        let start = std::time::Instant::now();
        let zips = g.zips_in(&florida);
        println!(
            "zips_in (a box around Florida): {:?}, {} ZIP codes",
            start.elapsed(),
            zips.len()
        );
    }

    #[test]
    fn bad_places_say_what_is_accepted() {
        let g = gazetteer();
        assert_eq!(g.resolve(""), Err(PlaceError::Empty));
        assert_eq!(
            g.resolve("99999"),
            Err(PlaceError::UnknownZip("99999".into()))
        );
        assert_eq!(g.resolve("123"), Err(PlaceError::UnknownZip("123".into())));
        assert!(matches!(
            g.resolve("Atlantis, ZZ"),
            Err(PlaceError::UnknownCity(_))
        ));
        assert!(matches!(
            g.resolve("91,200"),
            Err(PlaceError::BadCoordinates(_))
        ));
        assert!(matches!(
            g.resolve("somewhere nice"),
            Err(PlaceError::Unrecognized(_))
        ));
        let message = g
            .resolve("somewhere nice")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(message.contains("ZIP code"), "{message}");
    }
}
