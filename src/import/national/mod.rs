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

/// Reads a bundled list file.
pub(super) fn read(
    ctx: ImportContext<'_>,
    dataset: Dataset,
    path: &Path,
) -> Result<ParsedSource, ImportError> {
    let format = Format::Dataset(dataset);
    match dataset {
        Dataset::HrsaHealthCenters => hrsa::LIST.read(ctx, format, path),
        Dataset::SamhsaMentalHealth => samhsa::MENTAL_HEALTH_LIST.read(ctx, format, path),
        Dataset::SamhsaSubstanceUse => samhsa::SUBSTANCE_USE_LIST.read(ctx, format, path),
        Dataset::SamhsaOpioidTreatment => samhsa::OPIOID_LIST.read(ctx, format, path),
        Dataset::ImlsLibraries => imls::LIST.read(ctx, format, path),
        Dataset::HudPhaContacts => hud_pha::LIST.read(ctx, format, path),
        Dataset::HudPublicHousing => hud_housing::read(ctx, format, path),
        Dataset::HudHousingCounseling => hud_counseling::LIST.read(ctx, format, path),
        Dataset::VaFacilities => va::LIST.read(ctx, format, path),
        Dataset::FoodPantries => food_pantries::LIST.read(ctx, format, path),
        Dataset::UsdaFarmersMarkets => farmers_markets::LIST.read(ctx, format, path),
        Dataset::LaFoodOasis => la_food_oasis::read(ctx, format, path),
    }
}
