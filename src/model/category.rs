//! Hearth's readable top-level categories and the Gravity SDOH need domains.

use serde::{Deserialize, Serialize};

/// A top-level category that people read, onto which every source taxonomy maps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    Food,
    Housing,
    Legal,
    Health,
    MentalHealth,
    SubstanceUse,
    Money,
    Work,
    Education,
    Transit,
    Goods,
    Care,
    Emergency,
    Community,
}

impl Category {
    /// Every category, in the order they are shown.
    pub const ALL: [Category; 14] = [
        Category::Food,
        Category::Housing,
        Category::Legal,
        Category::Health,
        Category::MentalHealth,
        Category::SubstanceUse,
        Category::Money,
        Category::Work,
        Category::Education,
        Category::Transit,
        Category::Goods,
        Category::Care,
        Category::Emergency,
        Category::Community,
    ];

    /// The stable, URL-safe name (`mental-health`).
    pub fn slug(self) -> &'static str {
        match self {
            Category::Food => "food",
            Category::Housing => "housing",
            Category::Legal => "legal",
            Category::Health => "health",
            Category::MentalHealth => "mental-health",
            Category::SubstanceUse => "substance-use",
            Category::Money => "money",
            Category::Work => "work",
            Category::Education => "education",
            Category::Transit => "transit",
            Category::Goods => "goods",
            Category::Care => "care",
            Category::Emergency => "emergency",
            Category::Community => "community",
        }
    }

    /// The name shown to people ("Mental health").
    pub fn label(self) -> &'static str {
        match self {
            Category::Food => "Food",
            Category::Housing => "Housing",
            Category::Legal => "Legal",
            Category::Health => "Health",
            Category::MentalHealth => "Mental health",
            Category::SubstanceUse => "Substance use",
            Category::Money => "Money",
            Category::Work => "Work",
            Category::Education => "Education",
            Category::Transit => "Transit",
            Category::Goods => "Goods",
            Category::Care => "Care",
            Category::Emergency => "Emergency",
            Category::Community => "Community",
        }
    }

    /// Parses a slug or a label, ignoring case, spaces, `-` and `_`
    /// (`mental-health`, `Mental health`, `MENTAL_HEALTH`).
    pub fn parse(text: &str) -> Option<Category> {
        let wanted = fold(text);
        Category::ALL
            .into_iter()
            .find(|c| fold(c.slug()) == wanted || fold(c.label()) == wanted)
    }
}

fn fold(text: &str) -> String {
    text.chars()
        .filter(|c| !matches!(c, ' ' | '-' | '_'))
        .flat_map(char::to_lowercase)
        .collect()
}

impl std::fmt::Display for Category {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// A Gravity Project SDOH domain code (`food-insecurity`), as clinical systems name a social need.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Need(String);

impl Need {
    /// The Gravity SDOH domain codes Hearth knows (DOMAIN.md §2).
    pub const CODES: [&'static str; 23] = [
        "food-insecurity",
        "housing-instability",
        "homelessness",
        "inadequate-housing",
        "transportation-insecurity",
        "financial-insecurity",
        "material-hardship",
        "educational-attainment",
        "employment-status",
        "veteran-status",
        "stress",
        "social-connection",
        "intimate-partner-violence",
        "elder-abuse",
        "personal-health-literacy",
        "health-insurance-coverage-status",
        "medical-cost-burden",
        "digital-literacy",
        "digital-access",
        "utility-insecurity",
        "incarceration-status",
        "language-access",
        "sdoh-category-unspecified",
    ];

    /// Accepts a known SDOH domain code; anything else is `None`.
    pub fn parse(code: &str) -> Option<Need> {
        let code = code.trim().to_ascii_lowercase();
        Need::CODES.contains(&code.as_str()).then_some(Need(code))
    }

    /// The domain code.
    pub fn code(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_parse_from_slug_and_label() {
        for c in Category::ALL {
            assert_eq!(Category::parse(c.slug()), Some(c));
            assert_eq!(Category::parse(c.label()), Some(c));
        }
        assert_eq!(
            Category::parse("MENTAL_HEALTH"),
            Some(Category::MentalHealth)
        );
        assert_eq!(Category::parse("pizza"), None);
    }

    #[test]
    fn needs_accept_only_known_codes() {
        assert_eq!(
            Need::parse(" Food-Insecurity ").map(|n| n.code().to_owned()),
            Some("food-insecurity".into())
        );
        assert!(Need::parse("hunger").is_none());
    }
}
