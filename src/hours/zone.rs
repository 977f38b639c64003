//! Which IANA time zone a US location keeps, worked out offline from its state
//! and coordinates.
//!
//! A state or territory code gives the zone directly for all but eleven states.
//! Those that span two zones are split by straight lines of latitude and
//! longitude drawn to fall between the towns on either side of the real
//! boundary, which follows county lines and rivers. The lines are approximations:
//! a location within a few miles of a boundary may get the neighbouring zone.
//! The lines, from west to east:
//!
//! | state | split (approximate) | zones |
//! |---|---|---|
//! | AK | west of 169.5° W (the western Aleutians, Adak to Attu, also east of 170° E) | `America/Adak`, else `America/Anchorage` |
//! | OR | Malheur County: east of 118.23° W and south of 44.3° N (its small Pacific south-west corner is not split off) | `America/Boise`, else `America/Los_Angeles` |
//! | ID | north of the Salmon River: north of 45.45° N and west of 114.3° W | `America/Los_Angeles`, else `America/Boise` |
//! | TX | El Paso and Hudspeth counties: west of 104.92° W | `America/Denver`, else `America/Chicago` |
//! | KS | Sherman, Wallace, Greeley, Hamilton: west of 101.5° W | `America/Denver`, else `America/Chicago` |
//! | NE | the panhandle and the western Sandhills: west of 101.0° W | `America/Denver`, else `America/Chicago` |
//! | SD | west of 101.0° W, and west of the Missouri (100.45° W) north of 44.8° N | `America/Denver`, else `America/Chicago` |
//! | ND | south-west: west of 102.1° W south of 47.6° N, and west of 100.6° W south of 46.44° N | `America/Denver`, else `America/Chicago` |
//! | MI | Gogebic, Iron, Dickinson, Menominee (four boxes along the Wisconsin line) | `America/Menominee`, else `America/Detroit` |
//! | IN | north-west (Lake to Starke and Jasper) and south-west (Gibson to Perry) corners, in boxes | `America/Chicago`, else `America/Indiana/Indianapolis` |
//! | KY | west of 86.2° W from 37.3° N northwards, west of 85.0° W south of it | `America/Chicago`, else `America/Kentucky/Louisville` |
//! | TN | west of 84.8° W from 35.55° N northwards, west of 85.35° W south of it | `America/Chicago`, else `America/New_York` |
//! | FL | west of the Apalachicola River: west of 85.0° W, except south Gulf County (Port St. Joe) | `America/Chicago`, else `America/New_York` |
//!
//! Not split: the Navajo Nation in north-east Arizona keeps daylight saving time
//! (`America/Denver`) but is given `America/Phoenix` with the rest of Arizona;
//! towns that keep a neighbour's time unofficially (West Wendover NV) get their
//! state's zone.
//!
//! When the state is not known, the coordinates alone decide: first boxes around
//! Hawaii, Alaska and the territories and Arizona, then coarse longitude bands for
//! the contiguous states whose edges move with latitude (see [`zone_from_point`]).
//! Those bands can be wrong by a zone for a hundred miles or so near a boundary;
//! they are a last resort for records without a state.

use chrono_tz::Tz;

/// The time zone of a location in the United States or its territories.
///
/// `state` is a two-letter USPS code (any case; DC, PR, VI, GU, AS and MP
/// included); for the states that span two zones, `lat`/`lon` choose the side
/// of the (approximate) boundary. An unknown or missing state is inferred from
/// the coordinates alone. Coordinates that are not finite fall back to the
/// state's main zone, or to `America/New_York` when nothing is known.
pub fn time_zone(state: Option<&str>, lat: f64, lon: f64) -> Tz {
    let point = (lat.is_finite() && lon.is_finite()).then_some((lat, lon));
    let code = state.map(|s| s.trim().to_ascii_uppercase());
    if let Some(zone) = code.as_deref().and_then(|c| zone_for_state(c, point)) {
        return zone;
    }
    match point {
        Some((lat, lon)) => zone_from_point(lat, lon),
        None => Tz::America__New_York,
    }
}

/// The zone for a state code, split by the point when the state spans two zones
/// (the main zone when there is no point). `None` for codes that are not a US
/// state or territory.
fn zone_for_state(code: &str, point: Option<(f64, f64)>) -> Option<Tz> {
    use Tz::*;
    let split = |main: Tz, other: Tz, is_other: fn(f64, f64) -> bool| match point {
        Some((lat, lon)) if is_other(lat, lon) => other,
        _ => main,
    };
    let zone = match code {
        "CT" | "DE" | "DC" | "GA" | "ME" | "MD" | "MA" | "NH" | "NJ" | "NY" | "NC" | "OH"
        | "PA" | "RI" | "SC" | "VT" | "VA" | "WV" => America__New_York,
        "AL" | "AR" | "IL" | "IA" | "LA" | "MN" | "MS" | "MO" | "OK" | "WI" => America__Chicago,
        "CO" | "MT" | "NM" | "UT" | "WY" => America__Denver,
        "CA" | "NV" | "WA" => America__Los_Angeles,
        "AZ" => America__Phoenix,
        "HI" => Pacific__Honolulu,
        "PR" => America__Puerto_Rico,
        "VI" => America__St_Thomas,
        "GU" => Pacific__Guam,
        "MP" => Pacific__Saipan,
        "AS" => Pacific__Pago_Pago,
        "AK" => split(America__Anchorage, America__Adak, western_aleutians),
        "OR" => split(America__Los_Angeles, America__Boise, malheur),
        "ID" => split(America__Boise, America__Los_Angeles, north_idaho),
        "TX" => split(America__Chicago, America__Denver, |_, lon| lon < -104.92),
        "KS" => split(America__Chicago, America__Denver, |_, lon| lon < -101.5),
        "NE" => split(America__Chicago, America__Denver, |_, lon| lon < -101.0),
        "SD" => split(America__Chicago, America__Denver, west_river_sd),
        "ND" => split(America__Chicago, America__Denver, southwest_nd),
        "MI" => split(
            America__Detroit,
            America__Menominee,
            western_upper_peninsula,
        ),
        "IN" => split(
            America__Indiana__Indianapolis,
            America__Chicago,
            indiana_corners,
        ),
        "KY" => split(
            America__Kentucky__Louisville,
            America__Chicago,
            western_kentucky,
        ),
        "TN" => split(America__New_York, America__Chicago, middle_west_tennessee),
        "FL" => split(America__New_York, America__Chicago, florida_panhandle),
        _ => return None,
    };
    Some(zone)
}

fn western_aleutians(_lat: f64, lon: f64) -> bool {
    !(-169.5..=170.0).contains(&lon)
}

fn malheur(lat: f64, lon: f64) -> bool {
    lon > -118.23 && lat < 44.3
}

fn north_idaho(lat: f64, lon: f64) -> bool {
    lat > 45.45 && lon < -114.3
}

fn west_river_sd(lat: f64, lon: f64) -> bool {
    lon < -101.0 || (lat > 44.8 && lon < -100.45)
}

fn southwest_nd(lat: f64, lon: f64) -> bool {
    (lon < -102.1 && lat < 47.6) || (lon < -100.6 && lat < 46.44)
}

fn western_upper_peninsula(lat: f64, lon: f64) -> bool {
    let menominee = lat < 45.78 && lon < -87.37;
    let dickinson = lat < 46.03 && lon < -87.6;
    let iron = lat < 46.34 && lon < -88.12;
    let gogebic = lat < 46.55 && lon < -89.0;
    lat > 45.0 && (menominee || dickinson || iron || gogebic)
}

fn indiana_corners(lat: f64, lon: f64) -> bool {
    let north_west = (lat >= 41.17 && lon < -86.47) || (lat >= 40.74 && lon < -86.93);
    let south_west = (lat < 38.2 && lon < -86.45) || (lat < 38.55 && lon < -87.35);
    north_west || south_west
}

fn western_kentucky(lat: f64, lon: f64) -> bool {
    if lat >= 37.3 {
        lon < -86.2
    } else {
        lon < -85.0
    }
}

fn middle_west_tennessee(lat: f64, lon: f64) -> bool {
    if lat >= 35.55 {
        lon < -84.8
    } else {
        lon < -85.35
    }
}

fn florida_panhandle(lat: f64, lon: f64) -> bool {
    let south_gulf_county = lat < 29.9 && lon > -85.4;
    lon < -85.0 && !south_gulf_county
}

/// The zone for a point when the state is not known.
///
/// Boxes first: Hawaii, the territories, Alaska (with the western Aleutians) and
/// Arizona. Elsewhere, three longitude bands whose edges shift with latitude:
///
/// - Eastern / Central: 85.1° W south of 35° N (the Georgia–Alabama line),
///   85.3° W to 37° N (Tennessee), 86.6° W to 41.8° N (Kentucky, Indiana),
///   87.3° W further north (Lake Michigan).
/// - Central / Mountain: 103.0° W south of 37° N (the Texas–New Mexico line),
///   101.0° W further north (the Plains states' splits).
/// - Mountain / Pacific: 114.6° W south of 35° N (the Colorado River),
///   114.05° W to 42° N (the Nevada–Utah line), 117.0° W to 45.5° N
///   (Oregon–Idaho), 114.5° W further north (the Idaho panhandle is Pacific).
pub(crate) fn zone_from_point(lat: f64, lon: f64) -> Tz {
    use Tz::*;
    let in_box = |south: f64, north: f64, west: f64, east: f64| {
        (south..=north).contains(&lat) && (west..=east).contains(&lon)
    };
    if in_box(18.5, 23.0, -161.0, -154.0) {
        return Pacific__Honolulu;
    }
    if in_box(17.8, 18.6, -67.5, -65.2) {
        return America__Puerto_Rico;
    }
    if in_box(17.6, 18.5, -65.1, -64.5) {
        return America__St_Thomas;
    }
    if in_box(13.2, 13.7, 144.6, 145.0) {
        return Pacific__Guam;
    }
    if in_box(14.0, 20.6, 145.0, 146.1) {
        return Pacific__Saipan;
    }
    if in_box(-14.6, -11.0, -171.2, -168.0) {
        return Pacific__Pago_Pago;
    }
    if lat > 51.0 && !(-129.0..=170.0).contains(&lon) {
        return if western_aleutians(lat, lon) {
            America__Adak
        } else {
            America__Anchorage
        };
    }
    if in_box(31.33, 37.0, -114.8, -109.05) {
        return America__Phoenix;
    }
    let eastern_edge = if lat < 35.0 {
        -85.1
    } else if lat < 37.0 {
        -85.3
    } else if lat < 41.8 {
        -86.6
    } else {
        -87.3
    };
    let central_edge = if lat < 37.0 { -103.0 } else { -101.0 };
    let mountain_edge = if lat < 35.0 {
        -114.6
    } else if lat < 42.0 {
        -114.05
    } else if lat < 45.5 {
        -117.0
    } else {
        -114.5
    };
    if lon >= eastern_edge {
        America__New_York
    } else if lon >= central_edge {
        America__Chicago
    } else if lon >= mountain_edge {
        America__Denver
    } else {
        America__Los_Angeles
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zone(state: &str, lat: f64, lon: f64) -> Tz {
        time_zone(Some(state), lat, lon)
    }

    #[test]
    fn single_zone_states_and_territories() {
        assert_eq!(zone("NY", 40.71, -74.01), Tz::America__New_York);
        assert_eq!(zone("dc", 38.90, -77.04), Tz::America__New_York);
        assert_eq!(zone("IL", 41.88, -87.63), Tz::America__Chicago);
        assert_eq!(zone("CO", 39.74, -104.99), Tz::America__Denver);
        assert_eq!(zone("CA", 34.05, -118.24), Tz::America__Los_Angeles);
        assert_eq!(zone("AZ", 33.45, -112.07), Tz::America__Phoenix);
        assert_eq!(zone("HI", 21.31, -157.86), Tz::Pacific__Honolulu);
        assert_eq!(zone("PR", 18.47, -66.11), Tz::America__Puerto_Rico);
        assert_eq!(zone("VI", 18.34, -64.93), Tz::America__St_Thomas);
        assert_eq!(zone("GU", 13.47, 144.75), Tz::Pacific__Guam);
        assert_eq!(zone("AS", -14.28, -170.70), Tz::Pacific__Pago_Pago);
        assert_eq!(zone("MP", 15.18, 145.75), Tz::Pacific__Saipan);
        // A state without a point still has its main zone.
        assert_eq!(time_zone(Some("TX"), f64::NAN, 0.0), Tz::America__Chicago);
    }

    /// A known town on each side of every split.
    #[test]
    fn split_states_put_towns_on_the_right_side() {
        let cases: &[(&str, &str, f64, f64, Tz)] = &[
            ("FL", "Pensacola", 30.42, -87.22, Tz::America__Chicago),
            ("FL", "Panama City", 30.16, -85.66, Tz::America__Chicago),
            ("FL", "Tallahassee", 30.44, -84.28, Tz::America__New_York),
            ("FL", "Port St. Joe", 29.81, -85.30, Tz::America__New_York),
            ("FL", "Miami", 25.76, -80.19, Tz::America__New_York),
            ("TX", "El Paso", 31.76, -106.49, Tz::America__Denver),
            ("TX", "Sierra Blanca", 31.17, -105.36, Tz::America__Denver),
            ("TX", "Van Horn", 31.04, -104.83, Tz::America__Chicago),
            ("TX", "Dallas", 32.78, -96.80, Tz::America__Chicago),
            ("ID", "Boise", 43.62, -116.20, Tz::America__Boise),
            (
                "ID",
                "Coeur d'Alene",
                47.68,
                -116.78,
                Tz::America__Los_Angeles,
            ),
            (
                "ID",
                "Grangeville",
                45.93,
                -116.12,
                Tz::America__Los_Angeles,
            ),
            ("ID", "Salmon", 45.18, -113.90, Tz::America__Boise),
            ("OR", "Ontario", 44.03, -116.96, Tz::America__Boise),
            ("OR", "Burns", 43.59, -119.05, Tz::America__Los_Angeles),
            ("OR", "Portland", 45.52, -122.68, Tz::America__Los_Angeles),
            ("TN", "Nashville", 36.16, -86.78, Tz::America__Chicago),
            ("TN", "Crossville", 35.95, -85.03, Tz::America__Chicago),
            ("TN", "Jasper", 35.07, -85.63, Tz::America__Chicago),
            ("TN", "Chattanooga", 35.05, -85.31, Tz::America__New_York),
            ("TN", "Knoxville", 35.96, -83.92, Tz::America__New_York),
            ("KY", "Bowling Green", 36.99, -86.44, Tz::America__Chicago),
            ("KY", "Paducah", 37.08, -88.60, Tz::America__Chicago),
            ("KY", "Russell Springs", 37.06, -85.09, Tz::America__Chicago),
            (
                "KY",
                "Louisville",
                38.25,
                -85.76,
                Tz::America__Kentucky__Louisville,
            ),
            (
                "KY",
                "Lexington",
                38.04,
                -84.50,
                Tz::America__Kentucky__Louisville,
            ),
            ("IN", "Gary", 41.59, -87.35, Tz::America__Chicago),
            ("IN", "Evansville", 37.97, -87.57, Tz::America__Chicago),
            ("IN", "Tell City", 37.95, -86.77, Tz::America__Chicago),
            (
                "IN",
                "Indianapolis",
                39.77,
                -86.16,
                Tz::America__Indiana__Indianapolis,
            ),
            (
                "IN",
                "South Bend",
                41.68,
                -86.25,
                Tz::America__Indiana__Indianapolis,
            ),
            (
                "IN",
                "Jasper",
                38.39,
                -86.93,
                Tz::America__Indiana__Indianapolis,
            ),
            ("MI", "Iron Mountain", 45.82, -88.07, Tz::America__Menominee),
            ("MI", "Ironwood", 46.45, -90.17, Tz::America__Menominee),
            ("MI", "Menominee", 45.11, -87.61, Tz::America__Menominee),
            ("MI", "Marquette", 46.54, -87.40, Tz::America__Detroit),
            ("MI", "Escanaba", 45.75, -87.06, Tz::America__Detroit),
            ("MI", "Detroit", 42.33, -83.05, Tz::America__Detroit),
            ("ND", "Dickinson", 46.88, -102.79, Tz::America__Denver),
            ("ND", "Fort Yates", 46.09, -100.63, Tz::America__Denver),
            ("ND", "Bismarck", 46.81, -100.78, Tz::America__Chicago),
            ("ND", "Williston", 48.15, -103.62, Tz::America__Chicago),
            ("SD", "Rapid City", 44.08, -103.23, Tz::America__Denver),
            ("SD", "McLaughlin", 45.81, -100.81, Tz::America__Denver),
            ("SD", "Pierre", 44.37, -100.35, Tz::America__Chicago),
            ("SD", "Murdo", 43.89, -100.71, Tz::America__Chicago),
            ("NE", "Scottsbluff", 41.87, -103.66, Tz::America__Denver),
            ("NE", "Ogallala", 41.13, -101.72, Tz::America__Denver),
            ("NE", "North Platte", 41.12, -100.77, Tz::America__Chicago),
            ("KS", "Goodland", 39.35, -101.71, Tz::America__Denver),
            ("KS", "Colby", 39.40, -101.05, Tz::America__Chicago),
            ("AK", "Adak", 51.88, -176.66, Tz::America__Adak),
            ("AK", "Attu", 52.93, 173.18, Tz::America__Adak),
            ("AK", "Anchorage", 61.22, -149.90, Tz::America__Anchorage),
            ("AK", "Unalaska", 53.87, -166.54, Tz::America__Anchorage),
        ];
        for &(state, town, lat, lon, expected) in cases {
            assert_eq!(zone(state, lat, lon), expected, "{town}, {state}");
        }
    }

    #[test]
    fn without_a_state_the_point_decides() {
        let cases: &[(&str, f64, f64, Tz)] = &[
            ("New York", 40.71, -74.01, Tz::America__New_York),
            ("Atlanta", 33.75, -84.39, Tz::America__New_York),
            ("Indianapolis", 39.77, -86.16, Tz::America__New_York),
            ("Chicago", 41.88, -87.63, Tz::America__Chicago),
            ("Birmingham", 33.52, -86.80, Tz::America__Chicago),
            ("Dallas", 32.78, -96.80, Tz::America__Chicago),
            ("Denver", 39.74, -104.99, Tz::America__Denver),
            ("El Paso", 31.76, -106.49, Tz::America__Denver),
            ("Phoenix", 33.45, -112.07, Tz::America__Phoenix),
            ("Salt Lake City", 40.76, -111.89, Tz::America__Denver),
            ("Boise", 43.62, -116.20, Tz::America__Denver),
            ("Las Vegas", 36.17, -115.14, Tz::America__Los_Angeles),
            ("Seattle", 47.61, -122.33, Tz::America__Los_Angeles),
            ("Honolulu", 21.31, -157.86, Tz::Pacific__Honolulu),
            ("Anchorage", 61.22, -149.90, Tz::America__Anchorage),
            ("Adak", 51.88, -176.66, Tz::America__Adak),
            ("San Juan", 18.47, -66.11, Tz::America__Puerto_Rico),
            ("Hagåtña", 13.47, 144.75, Tz::Pacific__Guam),
        ];
        for &(town, lat, lon, expected) in cases {
            assert_eq!(time_zone(None, lat, lon), expected, "{town}");
            assert_eq!(
                time_zone(Some("XX"), lat, lon),
                expected,
                "{town}, bad code"
            );
        }
        assert_eq!(
            time_zone(None, f64::NAN, f64::INFINITY),
            Tz::America__New_York
        );
    }
}
