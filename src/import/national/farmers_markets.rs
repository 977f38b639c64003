//! USDA National Farmers Market Directory (entries updated 2018–2021): markets
//! with their seasons, what they sell and which payments they take.
//!
//! Farmers markets are a food-access resource, not emergency food: a market is
//! tied to the food-insecurity need only when it takes food benefits (SNAP,
//! WIC or the Senior Farmers' Market Nutrition Program), through a label term.

use super::super::flat::CsvRow;
use super::super::{FlatRecord, parse_coordinate};
use super::common::{FlatList, meaningful, web_url};
use crate::geo::state_code;
use crate::model::{Attribute, TaxonomyTerm};

const DATASET: &str = "usda-farmers-markets";

/// The label given to markets that take SNAP, WIC or SFMNP benefits.
const FOOD_BENEFITS: &str = "food-benefits-accepted";

/// The header columns that identify the USDA farmers market directory.
pub(super) const SIGNATURE: &[&str] = &[
    "FMID",
    "MarketName",
    "Website",
    "street",
    "city",
    "State",
    "zip",
    "Season1Date",
    "Season1Time",
    "x",
    "y",
    "SNAP",
    "WIC",
];

/// Payment flags, with how they are shown.
const PAYMENTS: [(&str, &str); 5] = [
    ("SNAP", "SNAP"),
    ("WIC", "WIC"),
    ("WICcash", "WIC Cash Value Benefit"),
    ("SFMNP", "Senior Farmers' Market Nutrition Program (SFMNP)"),
    ("Credit", "Credit cards"),
];

/// Product flags, with how they are shown.
const PRODUCTS: [(&str, &str); 30] = [
    ("Vegetables", "vegetables"),
    ("Fruits", "fruit"),
    ("Eggs", "eggs"),
    ("Meat", "meat"),
    ("Poultry", "poultry"),
    ("Seafood", "seafood"),
    ("Cheese", "cheese"),
    ("Bakedgoods", "baked goods"),
    ("Prepared", "prepared food"),
    ("Beans", "beans"),
    ("Grains", "grains"),
    ("Nuts", "nuts"),
    ("Mushrooms", "mushrooms"),
    ("Herbs", "herbs"),
    ("Honey", "honey"),
    ("Jams", "jams"),
    ("Maple", "maple syrup"),
    ("Juices", "juices"),
    ("Coffee", "coffee"),
    ("Tofu", "tofu"),
    ("Wine", "wine"),
    ("WildHarvested", "wild-harvested food"),
    ("Organic", "organic food"),
    ("Flowers", "flowers"),
    ("Plants", "plants"),
    ("Nursery", "nursery stock"),
    ("Trees", "trees"),
    ("Soap", "soap"),
    ("Crafts", "crafts"),
    ("PetFood", "pet food"),
];

/// The USDA farmers market directory.
pub(super) const LIST: FlatList = FlatList {
    dataset: DATASET,
    required: &[
        "FMID",
        "MarketName",
        "street",
        "city",
        "State",
        "zip",
        "x",
        "y",
    ],
    record: market,
};

/// One market, with what it sells and which payments it takes.
fn market(row: &CsvRow<'_>) -> Result<FlatRecord, String> {
    let id = row.get("FMID");
    if id.is_empty() {
        return Err("no FMID".to_owned());
    }
    let flag = |column: &str| row.get(column).eq_ignore_ascii_case("Y");
    let mut attributes: Vec<Attribute> = PAYMENTS
        .iter()
        .filter(|(column, _)| flag(column))
        .map(|(_, shown)| Attribute {
            tag: "accepts".to_owned(),
            value: (*shown).to_owned(),
        })
        .collect();
    for (column, tag) in [
        ("Facebook", "facebook"),
        ("Twitter", "twitter"),
        ("Youtube", "youtube"),
        ("OtherMedia", "social_media"),
    ] {
        if let Some(value) = row.opt(column) {
            let value = web_url(&value)
                .filter(|_| tag != "social_media" && tag != "twitter")
                .unwrap_or(value);
            attributes.push(Attribute {
                tag: tag.to_owned(),
                value,
            });
        }
    }
    let takes_benefits = ["SNAP", "WIC", "WICcash", "SFMNP"].iter().any(|c| flag(c));
    let terms = takes_benefits
        .then(|| TaxonomyTerm {
            code: FOOD_BENEFITS.to_owned(),
            name: "Accepts SNAP, WIC or SFMNP benefits".to_owned(),
            taxonomy: DATASET.to_owned(),
        })
        .into_iter()
        .collect();
    // What the market sells, from its product flags, as attributes like the payments it takes.
    attributes.extend(
        PRODUCTS
            .iter()
            .filter(|(column, _)| flag(column))
            .map(|(_, shown)| Attribute {
                tag: "sells".to_owned(),
                value: (*shown).to_owned(),
            }),
    );
    let updated = row
        .opt("updateTime")
        .map(|t| t.split(' ').next().unwrap_or("").to_owned());
    let note = match updated.filter(|d| !d.is_empty()) {
        Some(date) => {
            format!("USDA National Farmers Market Directory; this entry was last updated {date}.")
        }
        None => "USDA National Farmers Market Directory (entries updated 2018–2021).".to_owned(),
    };
    Ok(FlatRecord {
        source_id: id.to_owned(),
        name: row.get("MarketName").to_owned(),
        address_1: meaningful(row.get("street")),
        city: row.opt("city"),
        state: state_code(row.get("State")).map(str::to_owned),
        zip: row.opt("zip"),
        // x is the longitude, y the latitude.
        latitude: parse_coordinate(row.get("y"))?,
        longitude: parse_coordinate(row.get("x"))?,
        website: web_url(row.get("Website")),
        hours: seasons(row),
        terms,
        attributes,
        source_note: Some(note),
        ..FlatRecord::default()
    })
}

/// The market's seasons as text: "Sat 9:00 AM–1:00 PM (06/10/2020 to 10/07/2020)", one line each.
fn seasons(row: &CsvRow<'_>) -> Option<String> {
    let mut lines = Vec::new();
    for n in 1..=4 {
        let date = row.get(&format!("Season{n}Date")).trim().to_owned();
        let time = row.get(&format!("Season{n}Time"));
        let times: Vec<String> = time
            .split(';')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(|t| t.replacen(": ", " ", 1).replace('-', "–"))
            .collect();
        let date = match date
            .strip_suffix(" to")
            .or_else(|| date.strip_suffix("to"))
            .map(str::trim)
        {
            Some(from) if !from.is_empty() => format!("from {from}"),
            _ => date,
        };
        match (times.is_empty(), date.is_empty()) {
            (false, false) => lines.push(format!("{} ({date})", times.join(", "))),
            (false, true) => lines.push(times.join(", ")),
            (true, false) => lines.push(format!("Season: {date}")),
            (true, true) => {}
        }
    }
    (!lines.is_empty()).then(|| lines.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::super::Dataset;
    use super::super::common::test_support::{
        address_line, assert_at_zip_centroid, assert_detected_and_stable,
        assert_every_row_imported, first_address, named, needs, postal_code, read_fixture,
        read_full_file, slugs,
    };
    use super::*;
    use crate::import::ParsedSource;

    const FILE: &str = "usda_farmers_markets_2021.csv";

    fn parsed() -> ParsedSource {
        read_fixture(Dataset::UsdaFarmersMarkets, FILE)
    }

    fn accepts(s: &crate::model::Service) -> Vec<&str> {
        s.attributes
            .iter()
            .filter(|a| a.tag == "accepts")
            .map(|a| a.value.as_str())
            .collect()
    }

    #[test]
    fn a_market_taking_snap_is_tied_to_food_insecurity() {
        let p = parsed();
        let s = named(&p, "Legion Park Farmers Market");
        assert_eq!(slugs(s), vec!["food"]);
        assert_eq!(needs(s), vec!["food-insecurity"]);
        assert_eq!(accepts(s), vec!["SNAP", "Credit cards"]);
        // Products come from the row's flags, as attributes; nothing is written in its name.
        assert_eq!(s.description, None);
        let sells: Vec<&str> = s
            .attributes
            .iter()
            .filter(|a| a.tag == "sells")
            .map(|a| a.value.as_str())
            .collect();
        assert_eq!(sells.len(), 20, "{sells:?}");
        assert_eq!(sells[..3], ["vegetables", "fruit", "eggs"]);
        assert!(!sells.contains(&"wine") && !sells.contains(&"tofu"));
        let loc = &s.locations[0];
        assert_eq!(loc.point(), Some((25.836451, -80.183684)));
        assert_eq!(
            address_line(s).as_deref(),
            Some("6601 Biscayne Blvd, Miami, FL 33138")
        );
        assert_eq!(
            loc.schedules[0].description.as_deref(),
            Some("Sat 9:00 AM–2:00 PM (01/01/2020 to 12/31/2020)")
        );
        assert!(
            s.source_note
                .as_deref()
                .is_some_and(|n| n.contains("12/28/2020"))
        );
    }

    #[test]
    fn a_market_without_benefits_is_food_without_a_need() {
        let p = parsed();
        let s = named(&p, "Pinecrest Farmers Market");
        assert_eq!(slugs(s), vec!["food"]);
        assert!(s.needs.is_empty());
        assert_eq!(accepts(s), vec!["Credit cards"]);
    }

    #[test]
    fn names_are_trimmed_zips_padded_and_states_coded() {
        let p = parsed();
        let s = named(&p, "Caledonia Farmers Market Association - Danville");
        let address = s.locations[0].address.clone().unwrap_or_default();
        assert_eq!(
            (
                address.state_province.as_str(),
                address.postal_code.as_str()
            ),
            ("VT", "05828")
        );
        let pr = named(&p, "L. A Mercado Agricola");
        let address = pr.locations[0].address.clone().unwrap_or_default();
        assert_eq!(
            (
                address.state_province.as_str(),
                address.postal_code.as_str()
            ),
            ("PR", "00979")
        );
        let dc = named(&p, "Park View Farmers Market");
        assert_eq!(
            first_address(dc).map(|a| a.state_province.as_str()),
            Some("DC")
        );
        let nashville = named(&p, "East Nashville Farmers' Market");
        assert_eq!(postal_code(nashville), Some(""));
        assert_eq!(state_code("district of columbia"), Some("DC"));
        assert_eq!(state_code("Atlantis"), None);
    }

    #[test]
    fn a_market_without_coordinates_is_placed_at_its_zip_centroid() {
        let p = parsed();
        let loc = &named(&p, "Charlotte Regional Farmers Market").locations[0];
        assert_at_zip_centroid(loc, "28217");
        let hours = loc.schedules[0].description.clone().unwrap_or_default();
        assert!(
            hours.starts_with("Tue 8:00 AM–5:00 PM, Wed 8:00 AM–5:00 PM"),
            "{hours}"
        );
    }

    #[test]
    fn several_seasons_and_open_ended_dates_are_kept() {
        let p = parsed();
        let s = named(&p, "Bethesda Central Farm Market");
        assert_eq!(
            s.locations[0].schedules[0].description.as_deref(),
            Some(
                "Sun 9:00 AM–1:30 PM (04/01/2020 to 12/31/2020)\nSun 9:30 AM–1:30 PM (01/05/2020 to 03/29/2020)"
            )
        );
        let annandale = named(&p, "Annandale Farmers Market");
        assert_eq!(
            annandale.locations[0].schedules[0].description.as_deref(),
            Some("Thu 8:00 AM–12:00 PM (from 05/02/2019)")
        );
    }

    #[test]
    fn the_file_is_detected_and_reads_the_same_twice() {
        assert_detected_and_stable(Dataset::UsdaFarmersMarkets, FILE);
        let p = parsed();
        assert_every_row_imported(&p, 19);
    }

    #[test]
    fn full_file_reads_every_row() {
        let p = read_full_file(Dataset::UsdaFarmersMarkets, FILE);
        assert_eq!(p.rows_read, 1_544);
        assert!(p.services.len() > 1_500);
        assert!(p.services.iter().all(|s| {
            s.locations[0]
                .address
                .as_ref()
                .is_none_or(|a| a.state_province.len() == 2)
        }));
    }
}
