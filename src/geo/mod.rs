//! Geography: the embedded gazetteer and county shapes, exact distance, and grid cells for the index.
//!
//! Places come from the bundled US Census and GeoNames files (ZIP → point,
//! "City, ST" → point, county → point, point → county by its shape), so no
//! network is needed to search. Service areas written as GeoJSON are read here
//! into shapes; which counties and ZIP codes a shape covers is answered here too.
//! Distances are exact haversine distances from the `geo` crate. Grid cells
//! turn "within r miles" into a union of index terms; the distance then decides.
//! This module knows nothing of tantivy or sled.

mod cells;
mod counties;
mod gazetteer;
mod geojson;
mod states;

pub use cells::{CELL_LEVELS, cells_covering, cells_for_point};
pub use counties::{Counties, CountiesError};
pub use gazetteer::{
    Areas, County, Gazetteer, GazetteerError, NEAREST_ZIP_MILES, Place, PlaceError, ZipPlace,
};
pub use geojson::{ShapeError, area_from_geojson};
pub use states::{STATES, state_code, state_name};

use geo::{Distance, Haversine, Point};

/// A bundled data file, compiled in compressed by `build.rs`.
macro_rules! bundled {
    ($name:literal) => {
        $crate::geo::Bundled {
            name: $name,
            deflated: include_bytes!(concat!(env!("OUT_DIR"), "/", $name, ".deflate")),
        }
    };
}
pub(crate) use bundled;

/// A file of `data/geo/` as the binary carries it (deflated).
pub(crate) struct Bundled {
    pub name: &'static str,
    pub deflated: &'static [u8],
}

impl Bundled {
    /// The file's text, inflated.
    pub fn text(&self) -> std::io::Result<String> {
        String::from_utf8(self.bytes()?)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
    }

    /// The file's bytes, inflated.
    pub fn bytes(&self) -> std::io::Result<Vec<u8>> {
        use std::io::Read;
        let mut bytes = Vec::new();
        flate2::read::DeflateDecoder::new(self.deflated).read_to_end(&mut bytes)?;
        Ok(bytes)
    }
}

/// Metres in a statute mile.
pub const METRES_PER_MILE: f64 = 1609.344;

/// Whether (lat, lon) is a valid WGS84 coordinate and not the (0, 0) placeholder.
pub fn valid_coordinate(lat: f64, lon: f64) -> bool {
    lat.is_finite()
        && lon.is_finite()
        && (-90.0..=90.0).contains(&lat)
        && (-180.0..=180.0).contains(&lon)
        && !(lat == 0.0 && lon == 0.0)
}

/// The haversine distance in miles between two (lat, lon) points.
pub fn distance_miles(a: (f64, f64), b: (f64, f64)) -> f64 {
    let pa = Point::new(a.1, a.0);
    let pb = Point::new(b.1, b.0);
    Haversine.distance(pa, pb) / METRES_PER_MILE
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_matches_a_known_pair() {
        // Miami (33101) to Washington DC (20001) is about 923 miles as the crow flies.
        let d = distance_miles((25.779298, -80.198739), (38.910353, -77.017739));
        assert!((d - 923.0).abs() < 5.0, "got {d}");
        assert_eq!(distance_miles((25.0, -80.0), (25.0, -80.0)), 0.0);
    }

    #[test]
    fn placeholder_and_out_of_range_coordinates_are_invalid() {
        assert!(valid_coordinate(25.7, -80.2));
        assert!(!valid_coordinate(0.0, 0.0));
        assert!(!valid_coordinate(100.0, 101.0));
        assert!(!valid_coordinate(f64::NAN, 1.0));
    }
}
