//! Grid cells: a location is indexed as one cell term per level; a radius query
//! becomes the union of the cells that cover its bounding box.
//!
//! Cells are plain latitude/longitude squares. A query picks the finest level at
//! which its bounding box needs at most [`MAX_QUERY_CELLS`] cells, so small radii
//! use small cells (few false candidates) and large radii stay cheap. Exact
//! distance is always computed afterwards on the candidates.

/// Cell sizes in degrees, finest first: about 3.5, 14, 55 and 220 miles of latitude.
pub const CELL_LEVELS: [f64; 4] = [0.05, 0.2, 0.8, 3.2];

/// The most cells a query may union before a coarser level is used.
const MAX_QUERY_CELLS: usize = 64;

/// Miles per degree of latitude (mean Earth radius 3958.8 mi).
const MILES_PER_DEGREE_LAT: f64 = 69.09;

fn cell_index(value: f64, origin: f64, size: f64) -> i64 {
    ((value - origin) / size).floor() as i64
}

fn term(level: usize, ix: i64, iy: i64) -> String {
    format!("{level}/{ix}/{iy}")
}

/// The cell terms of a point, one per level.
pub fn cells_for_point(lat: f64, lon: f64) -> Vec<String> {
    CELL_LEVELS
        .iter()
        .enumerate()
        .map(|(level, size)| {
            term(
                level,
                cell_index(lon, -180.0, *size),
                cell_index(lat, -90.0, *size),
            )
        })
        .collect()
}

/// The cell terms whose union covers every point within `radius_miles` of (lat, lon).
pub fn cells_covering(lat: f64, lon: f64, radius_miles: f64) -> Vec<String> {
    let dlat = radius_miles / MILES_PER_DEGREE_LAT;
    let lat_min = (lat - dlat).max(-90.0);
    let lat_max = (lat + dlat).min(90.0);
    // Longitude degrees shrink towards the poles: use the widest latitude in the box.
    let widest = lat_min
        .abs()
        .max(lat_max.abs())
        .min(89.0)
        .to_radians()
        .cos();
    let dlon = (radius_miles / (MILES_PER_DEGREE_LAT * widest)).min(180.0);
    let (lon_min, lon_max) = (lon - dlon, lon + dlon);

    for (level, size) in CELL_LEVELS.iter().enumerate() {
        let x0 = cell_index(lon_min, -180.0, *size);
        let x1 = cell_index(lon_max, -180.0, *size);
        let y0 = cell_index(lat_min, -90.0, *size);
        let y1 = cell_index(lat_max, -90.0, *size);
        let count = ((x1 - x0 + 1) * (y1 - y0 + 1)) as usize;
        if count <= MAX_QUERY_CELLS || level == CELL_LEVELS.len() - 1 {
            let cells_per_turn = (360.0 / size).round() as i64;
            let mut terms = Vec::with_capacity(count);
            for x in x0..=x1 {
                // Wrap across the antimeridian (the Aleutians, Guam): cell -1 is the last cell.
                let wrapped = x.rem_euclid(cells_per_turn);
                for y in y0..=y1 {
                    terms.push(term(level, wrapped, y));
                }
            }
            terms.sort();
            terms.dedup();
            return terms;
        }
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geo::distance_miles;

    #[test]
    fn a_point_is_in_every_query_that_reaches_it() {
        let centre = (25.7793, -80.1987);
        let points = [
            (25.80, -80.25),
            (25.95, -80.10),
            (25.50, -80.45),
            (26.60, -80.05),
        ];
        for radius in [1.0, 5.0, 10.0, 25.0, 100.0] {
            let query = cells_covering(centre.0, centre.1, radius);
            assert!(
                query.len() <= MAX_QUERY_CELLS,
                "radius {radius}: {} cells",
                query.len()
            );
            for p in points {
                if distance_miles(centre, p) <= radius {
                    let own = cells_for_point(p.0, p.1);
                    assert!(
                        own.iter().any(|c| query.contains(c)),
                        "radius {radius} misses {p:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn small_radii_use_fine_cells() {
        assert!(
            cells_covering(38.9, -77.0, 2.0)
                .iter()
                .all(|c| c.starts_with("0/"))
        );
        assert!(
            cells_covering(38.9, -77.0, 100.0)
                .iter()
                .all(|c| !c.starts_with("0/"))
        );
    }
}
