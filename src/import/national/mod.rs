//! Adapters for the bundled national and regional lists, one file each.
//!
//! Each adapter maps its file's columns onto a [`FlatRecord`](super::FlatRecord)
//! (declared as a [`FlatList`](common::FlatList), or read by the adapter itself
//! when the file needs more), names its dataset, and lists the header columns
//! that identify its file for format detection. What they share is in `common`.

use std::path::Path;

use super::{Format, ImportContext, ImportError, ParsedSource};

mod common;
mod farmers_markets;
mod food_pantries;
mod hrsa;
mod hud_counseling;
mod hud_housing;
mod hud_pha;
mod imls;
mod la_food_oasis;
mod samhsa;
mod va;

/// A bundled national or regional list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dataset {
    HrsaHealthCenters,
    SamhsaMentalHealth,
    SamhsaSubstanceUse,
    SamhsaOpioidTreatment,
    ImlsLibraries,
    HudPhaContacts,
    HudPublicHousing,
    HudHousingCounseling,
    VaFacilities,
    FoodPantries,
    UsdaFarmersMarkets,
    LaFoodOasis,
}

impl Dataset {
    /// Every bundled list.
    pub const ALL: [Dataset; 12] = [
        Dataset::HrsaHealthCenters,
        Dataset::SamhsaMentalHealth,
        Dataset::SamhsaSubstanceUse,
        Dataset::SamhsaOpioidTreatment,
        Dataset::ImlsLibraries,
        Dataset::HudPhaContacts,
        Dataset::HudPublicHousing,
        Dataset::HudHousingCounseling,
        Dataset::VaFacilities,
        Dataset::FoodPantries,
        Dataset::UsdaFarmersMarkets,
        Dataset::LaFoodOasis,
    ];

    /// The dataset's stable name: the `--format` value and every listing's `source.dataset`.
    pub fn name(self) -> &'static str {
        match self {
            Dataset::HrsaHealthCenters => "hrsa-health-centers",
            Dataset::SamhsaMentalHealth => "samhsa-mental-health",
            Dataset::SamhsaSubstanceUse => "samhsa-substance-use",
            Dataset::SamhsaOpioidTreatment => "samhsa-opioid-treatment",
            Dataset::ImlsLibraries => "imls-libraries",
            Dataset::HudPhaContacts => "hud-pha-contacts",
            Dataset::HudPublicHousing => "hud-public-housing",
            Dataset::HudHousingCounseling => "hud-housing-counseling",
            Dataset::VaFacilities => "va-facilities",
            Dataset::FoodPantries => "food-pantries",
            Dataset::UsdaFarmersMarkets => "usda-farmers-markets",
            Dataset::LaFoodOasis => "la-food-oasis",
        }
    }

    /// The header columns that identify this list's CSV file (all must be present).
    /// `None` for lists that are not CSV.
    fn signature(self) -> Option<&'static [&'static str]> {
        match self {
            Dataset::HrsaHealthCenters => Some(hrsa::SIGNATURE),
            Dataset::SamhsaMentalHealth => Some(samhsa::MENTAL_HEALTH_SIGNATURE),
            Dataset::SamhsaSubstanceUse => Some(samhsa::SUBSTANCE_USE_SIGNATURE),
            Dataset::SamhsaOpioidTreatment => Some(samhsa::OPIOID_SIGNATURE),
            Dataset::ImlsLibraries => Some(imls::SIGNATURE),
            Dataset::HudPhaContacts => Some(hud_pha::SIGNATURE),
            Dataset::HudPublicHousing => Some(hud_housing::SIGNATURE),
            Dataset::HudHousingCounseling => Some(hud_counseling::SIGNATURE),
            Dataset::VaFacilities => Some(va::SIGNATURE),
            Dataset::FoodPantries => Some(food_pantries::SIGNATURE),
            Dataset::UsdaFarmersMarkets => Some(farmers_markets::SIGNATURE),
            Dataset::LaFoodOasis => None,
        }
    }

    /// The list whose signature the CSV header matches, if any. When several match,
    /// the one with the longest signature (the most specific) wins.
    pub fn from_csv_header(header: &[String]) -> Option<Dataset> {
        Dataset::ALL
            .into_iter()
            .filter_map(|d| d.signature().map(|s| (d, s)))
            .filter(|(_, sig)| sig.iter().all(|c| header.iter().any(|h| h == c)))
            .max_by_key(|(_, sig)| sig.len())
            .map(|(d, _)| d)
    }

    /// Whether a JSON record's keys identify this list (only LA Food Oasis is JSON).
    pub fn from_json_keys(keys: &[String]) -> Option<Dataset> {
        la_food_oasis::matches_keys(keys).then_some(Dataset::LaFoodOasis)
    }
}

/// Reads a bundled list file, recording its listings under `name` when given
/// (`--dataset`), else under the list's own name. Categories are the list's either way.
pub(super) fn read(
    ctx: ImportContext<'_>,
    dataset: Dataset,
    path: &Path,
    name: Option<&str>,
) -> Result<ParsedSource, ImportError> {
    let format = Format::Dataset(dataset);
    match dataset {
        Dataset::HrsaHealthCenters => hrsa::LIST.read(ctx, format, path, name),
        Dataset::SamhsaMentalHealth => samhsa::MENTAL_HEALTH_LIST.read(ctx, format, path, name),
        Dataset::SamhsaSubstanceUse => samhsa::SUBSTANCE_USE_LIST.read(ctx, format, path, name),
        Dataset::SamhsaOpioidTreatment => samhsa::OPIOID_LIST.read(ctx, format, path, name),
        Dataset::ImlsLibraries => imls::LIST.read(ctx, format, path, name),
        Dataset::HudPhaContacts => hud_pha::LIST.read(ctx, format, path, name),
        Dataset::HudPublicHousing => hud_housing::read(ctx, format, path, name),
        Dataset::HudHousingCounseling => hud_counseling::LIST.read(ctx, format, path, name),
        Dataset::VaFacilities => va::LIST.read(ctx, format, path, name),
        Dataset::FoodPantries => food_pantries::LIST.read(ctx, format, path, name),
        Dataset::UsdaFarmersMarkets => farmers_markets::LIST.read(ctx, format, path, name),
        Dataset::LaFoodOasis => la_food_oasis::read(ctx, format, path, name),
    }
}

#[cfg(test)]
mod tests {
    use super::super::detect_format;
    use super::super::test_support::{CsvTable, context, fixture};
    use super::*;

    /// Every cell of the first rows of every list fixture replaced by odd values
    /// (İ, combining marks, emoji, markers, 20 KB text, …): each list must still give
    /// a report, never a panic, and every row must be imported or skipped.
    #[test]
    fn no_cell_value_makes_a_list_adapter_panic() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let mut lists: Vec<_> = std::fs::read_dir(fixture("resources"))
            .unwrap_or_else(|e| panic!("{e}"))
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "csv"))
            .collect();
        lists.sort();
        assert_eq!(lists.len(), 11, "every CSV list has a fixture");
        for path in lists {
            let format = detect_format(&path).unwrap_or_else(|e| panic!("{e}"));
            let Format::Dataset(dataset) = format else {
                panic!("{} is not detected as a list", path.display())
            };
            let table = CsvTable::read(&path);
            let hostile = CsvTable {
                header: table.header.clone(),
                rows: table.odd_variants(3, |_| {}),
            };
            let copy = dir.path().join(path.file_name().unwrap_or_default());
            hostile.write(&copy);
            let parsed = read(context(), dataset, &copy, None).unwrap_or_else(|e| {
                panic!(
                    "{}: a readable file must not fail whole: {e}",
                    path.display()
                )
            });
            assert_eq!(parsed.rows_read as usize, hostile.rows.len());
            assert_eq!(
                parsed.services.len() + parsed.skipped.len(),
                hostile.rows.len(),
                "{}: every row is imported or skipped",
                path.display()
            );
            for service in &parsed.services {
                assert!(
                    !service.name.trim().is_empty(),
                    "{}: a listing without a name",
                    path.display()
                );
            }
        }
    }
}
