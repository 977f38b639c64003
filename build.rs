//! Compresses the bundled geographic data (ZIP and county centroids, county
//! shapes: about 5 MB of text) into the build's output directory, so the binary
//! carries it at about a third of the size; `src/geo` inflates it when loaded.

use std::io::Write;
use std::path::Path;

/// The files under `data/geo/` that are compiled in, compressed.
const COMPRESSED: [&str; 4] = [
    "us_zip_centroids.csv",
    "us_zip_extra_geonames.csv",
    "us_county_centroids_2019.csv",
    "us_counties_20m_2010.geojson",
];

fn main() -> std::io::Result<()> {
    let out = std::env::var_os("OUT_DIR")
        .ok_or_else(|| std::io::Error::other("cargo did not set OUT_DIR"))?;
    for name in COMPRESSED {
        let source = Path::new("data/geo").join(name);
        println!("cargo::rerun-if-changed={}", source.display());
        let text = std::fs::read(&source)?;
        let mut encoder =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(&text)?;
        std::fs::write(
            Path::new(&out).join(format!("{name}.deflate")),
            encoder.finish()?,
        )?;
    }
    Ok(())
}
