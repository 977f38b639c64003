//! The embedded gazetteer: ZIP codes, cities and counties of the United States.
//!
//! Built at start from the Census ZCTA and county Gazetteer files and GeoNames
//! postal codes bundled in `data/geo/` (compiled into the binary, so a search
//! never needs the network or the working directory).

use std::collections::HashMap;

use serde::Deserialize;

use super::valid_coordinate;
use crate::model::normalize_zip;

const ZCTA_CSV: &str = include_str!("../../data/geo/us_zip_centroids.csv");
const EXTRA_ZIP_CSV: &str = include_str!("../../data/geo/us_zip_extra_geonames.csv");
const COUNTY_CSV: &str = include_str!("../../data/geo/us_county_centroids_2019.csv");

/// The bundled gazetteer could not be read (a build problem, not a user's).
#[derive(Debug, thiserror::Error)]
pub enum GazetteerError {
    #[error("reading the bundled gazetteer file {file}: {source}")]
    Csv {
        file: &'static str,
        source: csv::Error,
    },
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

/// ZIP, city and county lookups over the bundled files.
#[derive(Debug)]
pub struct Gazetteer {
    zips: HashMap<String, ZipPlace>,
    /// (city key, state) → centroid of the city's ZIP points (see [`city_key`]).
    cities: HashMap<(String, String), CityPoint>,
    counties: HashMap<String, County>,
    /// (state, county key) → county FIPS, for places typed as a county or municipio.
    county_names: HashMap<(String, String), String>,
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

fn county_key(state: &str, name: &str) -> (String, String) {
    let lower = name.to_lowercase();
    let mut base = lower.as_str();
    for suffix in [
        " county",
        " parish",
        " borough",
        " census area",
        " municipality",
        " city and borough",
        " municipio",
    ] {
        if let Some(stripped) = base.strip_suffix(suffix) {
            base = stripped;
            break;
        }
    }
    let base: String = base.chars().filter(|c| c.is_alphanumeric()).collect();
    (state.to_ascii_uppercase(), base)
}

impl Gazetteer {
    /// Loads the gazetteer compiled into the binary.
    pub fn bundled() -> Result<Gazetteer, GazetteerError> {
        let mut counties = HashMap::new();
        let mut county_by_name = HashMap::new();
        let mut reader = csv::Reader::from_reader(COUNTY_CSV.as_bytes());
        for row in reader.deserialize::<CountyRow>() {
            let row = row.map_err(|source| GazetteerError::Csv {
                file: "us_county_centroids_2019.csv",
                source,
            })?;
            county_by_name.insert(county_key(&row.state, &row.name), row.geoid.clone());
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
        for (file, text, rough) in [
            ("us_zip_centroids.csv", ZCTA_CSV, false),
            ("us_zip_extra_geonames.csv", EXTRA_ZIP_CSV, true),
        ] {
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
        Ok(Gazetteer {
            zips,
            cities,
            counties,
            county_names: county_by_name,
        })
    }

    /// Looks up a ZIP code (any form [`normalize_zip`] accepts).
    pub fn zip(&self, zip: &str) -> Option<&ZipPlace> {
        self.zips.get(&normalize_zip(zip)?)
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
