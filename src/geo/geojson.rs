//! Areas written as GeoJSON: a Polygon, a MultiPolygon, or a Feature,
//! FeatureCollection or GeometryCollection of them, read into one
//! [`MultiPolygon`] in (longitude, latitude) order.
//!
//! Used for the bundled county shapes and for HSDS `service_area.extent`, which
//! comes from whoever made the export: anything that is not an area, or has a
//! position that is not a WGS84 coordinate, is an error that says what is wrong,
//! never a panic.

use ::geo::{Coord, LineString, MultiPolygon, Polygon};
use serde_json::Value;

/// Why a GeoJSON text is not an area Hearth can use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShapeError {
    #[error("not JSON ({0})")]
    Json(String),
    #[error("no \"type\" member: not a GeoJSON object")]
    NoType,
    #[error("a GeoJSON {0} is not an area (only Polygon and MultiPolygon are)")]
    NotAnArea(String),
    #[error("\"{0}\" is not a GeoJSON type")]
    UnknownType(String),
    #[error("the {0} has no usable coordinates")]
    BadCoordinates(&'static str),
    #[error("a position is not a longitude and latitude within range")]
    BadPosition,
    #[error("a ring has fewer than 3 distinct positions")]
    ShortRing,
    #[error("it holds no polygon")]
    Empty,
}

/// Reads an area from GeoJSON text (see the module documentation for what is accepted).
pub fn area_from_geojson(text: &str) -> Result<MultiPolygon<f64>, ShapeError> {
    let value: Value = serde_json::from_str(text).map_err(|e| ShapeError::Json(e.to_string()))?;
    area_from_value(&value)
}

/// Reads an area from a parsed GeoJSON object; at least one polygon is required.
fn area_from_value(value: &Value) -> Result<MultiPolygon<f64>, ShapeError> {
    let mut polygons = Vec::new();
    collect(value, &mut polygons)?;
    if polygons.is_empty() {
        return Err(ShapeError::Empty);
    }
    Ok(MultiPolygon::new(polygons))
}

fn collect(value: &Value, out: &mut Vec<Polygon<f64>>) -> Result<(), ShapeError> {
    let kind = value
        .get("type")
        .and_then(Value::as_str)
        .ok_or(ShapeError::NoType)?;
    let coordinates = || value.get("coordinates").and_then(Value::as_array);
    match kind {
        "Polygon" => {
            let rings = coordinates().ok_or(ShapeError::BadCoordinates("Polygon"))?;
            out.push(polygon(rings)?);
        }
        "MultiPolygon" => {
            let polygons = coordinates().ok_or(ShapeError::BadCoordinates("MultiPolygon"))?;
            for rings in polygons {
                let rings = rings
                    .as_array()
                    .ok_or(ShapeError::BadCoordinates("MultiPolygon"))?;
                out.push(polygon(rings)?);
            }
        }
        "Feature" => match value.get("geometry") {
            Some(Value::Null) | None => {}
            Some(geometry) => collect(geometry, out)?,
        },
        "FeatureCollection" | "GeometryCollection" => {
            let member = if kind == "FeatureCollection" {
                "features"
            } else {
                "geometries"
            };
            let members = value
                .get(member)
                .and_then(Value::as_array)
                .ok_or(ShapeError::BadCoordinates("collection"))?;
            for member in members {
                collect(member, out)?;
            }
        }
        "Point" | "MultiPoint" | "LineString" | "MultiLineString" => {
            return Err(ShapeError::NotAnArea(kind.to_owned()));
        }
        other => return Err(ShapeError::UnknownType(other.to_owned())),
    }
    Ok(())
}

/// A polygon from its rings (the first is the outer ring, the rest are holes).
fn polygon(rings: &[Value]) -> Result<Polygon<f64>, ShapeError> {
    let mut rings = rings.iter().map(|ring| {
        let positions = ring
            .as_array()
            .ok_or(ShapeError::BadCoordinates("Polygon"))?;
        let coords = positions
            .iter()
            .map(position)
            .collect::<Result<Vec<Coord<f64>>, ShapeError>>()?;
        let mut distinct = coords.clone();
        distinct.dedup();
        if distinct.first() == distinct.last() {
            distinct.pop();
        }
        if distinct.len() < 3 {
            return Err(ShapeError::ShortRing);
        }
        // geo closes an open ring itself.
        Ok(LineString::new(coords))
    });
    let exterior = rings
        .next()
        .ok_or(ShapeError::BadCoordinates("Polygon"))??;
    let interiors = rings.collect::<Result<Vec<_>, _>>()?;
    Ok(Polygon::new(exterior, interiors))
}

fn position(value: &Value) -> Result<Coord<f64>, ShapeError> {
    let numbers = value.as_array().ok_or(ShapeError::BadPosition)?;
    let (Some(x), Some(y)) = (
        numbers.first().and_then(Value::as_f64),
        numbers.get(1).and_then(Value::as_f64),
    ) else {
        return Err(ShapeError::BadPosition);
    };
    let in_range = x.is_finite()
        && y.is_finite()
        && (-180.0..=180.0).contains(&x)
        && (-90.0..=90.0).contains(&y);
    if !in_range {
        return Err(ShapeError::BadPosition);
    }
    Ok(Coord { x, y })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polygons_features_and_collections_are_areas() {
        let square = r#"{"type":"Polygon","coordinates":[[[-80.3,25.7],[-80.2,25.7],[-80.2,25.8],[-80.3,25.8],[-80.3,25.7]]]}"#;
        let area = area_from_geojson(square).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(area.0.len(), 1);
        let feature = format!(r#"{{"type":"Feature","properties":{{}},"geometry":{square}}}"#);
        let collection =
            format!(r#"{{"type":"FeatureCollection","features":[{feature},{feature}]}}"#);
        let area = area_from_geojson(&collection).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(area.0.len(), 2);
        // An open ring is closed rather than refused.
        let open =
            r#"{"type":"MultiPolygon","coordinates":[[[[-80.3,25.7],[-80.2,25.7],[-80.2,25.8]]]]}"#;
        assert!(area_from_geojson(open).is_ok());
    }

    #[test]
    fn what_is_not_an_area_says_why() {
        let cases = [
            ("{not json", "not JSON"),
            (r#"{"coordinates":[]}"#, "no \"type\""),
            (
                r#"{"type":"Point","coordinates":[-80.2,25.7]}"#,
                "not an area",
            ),
            (r#"{"type":"Circle"}"#, "not a GeoJSON type"),
            (
                r#"{"type":"Polygon","coordinates":"here"}"#,
                "no usable coordinates",
            ),
            (
                r#"{"type":"Polygon","coordinates":[[[-80.3,125.7],[-80.2,25.7],[-80.2,25.8]]]}"#,
                "within range",
            ),
            (
                r#"{"type":"Polygon","coordinates":[[[-80.3,25.7],[-80.2,25.7],[-80.3,25.7]]]}"#,
                "fewer than 3",
            ),
            (
                r#"{"type":"FeatureCollection","features":[]}"#,
                "no polygon",
            ),
            (
                r#"{"type":"Polygon","coordinates":[]}"#,
                "no usable coordinates",
            ),
        ];
        for (text, expected) in cases {
            let message = area_from_geojson(text)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(message.contains(expected), "{text}: {message}");
        }
    }
}
