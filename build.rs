//! Compresses the bundled geographic data (ZIP and county centroids, county
//! shapes: about 5 MB of text) into the build's output directory, so the binary
//! carries it at about a fifth of the size; `src/geo` inflates it when loaded.
//!
//! The county shapes (2.9 MB of GeoJSON) are first written in a compact binary
//! form that keeps every coordinate exactly (see [`encode_county_shapes`]): as
//! deflated text they were 880 KB of the binary, in this form 480 KB.

use std::io::Write;
use std::path::Path;

/// The files under `data/geo/` that are compiled in, compressed.
const COMPRESSED: [&str; 3] = [
    "us_zip_centroids.csv",
    "us_zip_extra_geonames.csv",
    "us_county_centroids_2019.csv",
];

/// The county shapes, compiled in as `{COUNTY_SHAPES}.bin.deflate`.
const COUNTY_SHAPES: &str = "us_counties_20m_2010.geojson";

fn main() -> std::io::Result<()> {
    let out = std::env::var_os("OUT_DIR")
        .ok_or_else(|| std::io::Error::other("cargo did not set OUT_DIR"))?;
    for name in COMPRESSED {
        let text = std::fs::read(source(name))?;
        write_deflated(&Path::new(&out).join(format!("{name}.deflate")), &text)?;
    }
    let geojson = std::fs::read(source(COUNTY_SHAPES))?;
    let shapes = encode_county_shapes(&geojson)
        .map_err(|e| std::io::Error::other(format!("data/geo/{COUNTY_SHAPES}: {e}")))?;
    write_deflated(
        &Path::new(&out).join(format!("{COUNTY_SHAPES}.bin.deflate")),
        &shapes,
    )
}

/// The path of a file under `data/geo/`, which cargo is told to watch.
fn source(name: &str) -> std::path::PathBuf {
    let path = Path::new("data/geo").join(name);
    println!("cargo::rerun-if-changed={}", path.display());
    path
}

fn write_deflated(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut encoder = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes)?;
    std::fs::write(path, encoder.finish()?)
}

/// Writes the Census county shapes (a GeoJSON FeatureCollection of Polygons and
/// MultiPolygons) as `src/geo/counties.rs` reads them back:
///
/// - the magic bytes `HCS1`, then the number of counties;
/// - per county, its 5-digit FIPS code (state then county) as 5 ASCII digits,
///   the number of polygons, and per polygon the number of rings and per ring
///   the number of positions;
/// - each position as the change in longitude, then in latitude, from the one
///   written before it (in millionths of a degree, zigzag-encoded).
///
/// Counts are unsigned LEB128 varints. The file writes six decimals at most; a
/// coordinate with more would not survive, so it stops the build instead.
fn encode_county_shapes(geojson: &[u8]) -> Result<Vec<u8>, String> {
    use serde_json::Value;
    let collection: Value = serde_json::from_slice(geojson).map_err(|e| e.to_string())?;
    let features = collection["features"]
        .as_array()
        .ok_or("no \"features\" array")?;
    let mut out = b"HCS1".to_vec();
    varint(&mut out, features.len() as u64);
    let mut last = (0_i64, 0_i64);
    for (f, feature) in features.iter().enumerate() {
        let fips = format!(
            "{}{}",
            feature["properties"]["STATE"].as_str().unwrap_or_default(),
            feature["properties"]["COUNTY"].as_str().unwrap_or_default()
        );
        if fips.len() != 5 || !fips.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!(
                "feature {f}: STATE and COUNTY are not a 5-digit FIPS code"
            ));
        }
        out.extend_from_slice(fips.as_bytes());
        let geometry = &feature["geometry"];
        let coordinates = &geometry["coordinates"];
        let polygons: Vec<&Value> = match geometry["type"].as_str() {
            Some("Polygon") => vec![coordinates],
            Some("MultiPolygon") => coordinates
                .as_array()
                .map(|a| a.iter().collect())
                .unwrap_or_default(),
            _ => return Err(format!("county {fips}: not a Polygon or MultiPolygon")),
        };
        varint(&mut out, polygons.len() as u64);
        for polygon in polygons {
            let rings = polygon
                .as_array()
                .ok_or(format!("county {fips}: a polygon is not an array of rings"))?;
            varint(&mut out, rings.len() as u64);
            for ring in rings {
                let positions = ring.as_array().ok_or(format!(
                    "county {fips}: a ring is not an array of positions"
                ))?;
                varint(&mut out, positions.len() as u64);
                for position in positions {
                    let lon = micro_degrees(&position[0]).ok_or(format!(
                        "county {fips}: longitude {} is not a number of at most six decimals",
                        position[0]
                    ))?;
                    let lat = micro_degrees(&position[1]).ok_or(format!(
                        "county {fips}: latitude {} is not a number of at most six decimals",
                        position[1]
                    ))?;
                    zigzag(&mut out, lon - last.0);
                    zigzag(&mut out, lat - last.1);
                    last = (lon, lat);
                }
            }
        }
    }
    Ok(out)
}

/// A coordinate in millionths of a degree, when that is exactly the number written:
/// dividing it by a million then gives back the same `f64` as reading the text.
fn micro_degrees(value: &serde_json::Value) -> Option<i64> {
    let degrees = value.as_f64()?;
    let micro = (degrees * 1e6).round();
    (micro.abs() <= 180e6 && micro / 1e6 == degrees).then_some(micro as i64)
}

fn varint(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8 & 0x7f) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn zigzag(out: &mut Vec<u8>, n: i64) {
    varint(out, ((n << 1) ^ (n >> 63)) as u64);
}
