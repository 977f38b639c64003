//! What the importers' unit tests share: the bundled gazetteer and category
//! map, the fixture directory, and the check that a location was placed by ZIP.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use super::{CategoryMap, ImportContext};
use crate::geo::Gazetteer;
use crate::model::Location;

/// The bundled gazetteer and category map, loaded once per test binary.
pub(crate) fn context() -> ImportContext<'static> {
    static GAZETTEER: OnceLock<Gazetteer> = OnceLock::new();
    static CATEGORIES: OnceLock<CategoryMap> = OnceLock::new();
    let gazetteer =
        GAZETTEER.get_or_init(|| Gazetteer::bundled().unwrap_or_else(|e| panic!("{e}")));
    let categories =
        CATEGORIES.get_or_init(|| CategoryMap::bundled().unwrap_or_else(|e| panic!("{e}")));
    ImportContext {
        gazetteer,
        categories,
    }
}

/// A file or package under `tests/fixtures/`.
pub(crate) fn fixture(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(path)
}

/// The location stands at the centroid of `zip`, marked approximate.
pub(crate) fn assert_at_zip_centroid(location: &Location, zip: &str) {
    let centroid = context()
        .gazetteer
        .zip(zip)
        .unwrap_or_else(|| panic!("{zip} not in gazetteer"));
    assert!(location.approximate, "{:?} near {zip}", location.name);
    assert_eq!(
        location.point(),
        Some((centroid.lat, centroid.lon)),
        "{:?} near {zip}",
        location.name
    );
}
