//! Languages a service is offered in: ISO 639 codes and the names people write.

/// The languages Hearth recognises, as (ISO 639 code, English name). The position
/// of each is its bit in the index's language bitmask, so at most 64 entries.
pub const LANGUAGES: [(&str, &str); 40] = [
    ("en", "English"),
    ("es", "Spanish"),
    ("ht", "Haitian Creole"),
    ("fr", "French"),
    ("pt", "Portuguese"),
    ("zh", "Chinese"),
    ("vi", "Vietnamese"),
    ("ko", "Korean"),
    ("tl", "Tagalog"),
    ("ru", "Russian"),
    ("ar", "Arabic"),
    ("he", "Hebrew"),
    ("yi", "Yiddish"),
    ("it", "Italian"),
    ("el", "Greek"),
    ("de", "German"),
    ("pl", "Polish"),
    ("ja", "Japanese"),
    ("hi", "Hindi"),
    ("ur", "Urdu"),
    ("bn", "Bengali"),
    ("pa", "Punjabi"),
    ("fa", "Persian"),
    ("so", "Somali"),
    ("am", "Amharic"),
    ("sw", "Swahili"),
    ("uk", "Ukrainian"),
    ("tr", "Turkish"),
    ("th", "Thai"),
    ("km", "Khmer"),
    ("lo", "Lao"),
    ("my", "Burmese"),
    ("ne", "Nepali"),
    ("hmn", "Hmong"),
    ("ro", "Romanian"),
    ("sq", "Albanian"),
    ("hy", "Armenian"),
    ("nv", "Navajo"),
    ("ase", "American Sign Language"),
    ("ps", "Pashto"),
];

/// Other names people write for a language.
const ALIASES: [(&str, &str); 9] = [
    ("creole", "ht"),
    ("kreyol", "ht"),
    ("español", "es"),
    ("espanol", "es"),
    ("mandarin", "zh"),
    ("cantonese", "zh"),
    ("farsi", "fa"),
    ("asl", "ase"),
    ("sign language", "ase"),
];

/// The ISO 639 code for a code or name as written ("es", "Spanish", "Creole",
/// "ASL"), ignoring case; `None` for a language Hearth does not know.
pub fn language_code(text: &str) -> Option<&'static str> {
    let lower = text.trim().to_lowercase();
    LANGUAGES
        .iter()
        .find(|(code, name)| *code == lower || name.to_lowercase() == lower)
        .map(|(code, _)| *code)
        .or_else(|| {
            ALIASES
                .iter()
                .find(|(alias, _)| *alias == lower)
                .map(|(_, code)| *code)
        })
}

/// The English name of a code Hearth knows ("es" → "Spanish").
pub fn language_name(code: &str) -> Option<&'static str> {
    LANGUAGES
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, name)| *name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_names_and_aliases_give_one_code() {
        for text in ["es", "ES", "Spanish", " spanish ", "Español"] {
            assert_eq!(language_code(text), Some("es"), "{text}");
        }
        assert_eq!(language_code("Creole"), Some("ht"));
        assert_eq!(language_code("American Sign Language"), Some("ase"));
        assert_eq!(language_code("Klingon"), None);
        assert_eq!(language_name("ht"), Some("Haitian Creole"));
        let mut codes: Vec<&str> = LANGUAGES.iter().map(|(c, _)| *c).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), LANGUAGES.len(), "codes are unique");
        assert!(LANGUAGES.len() <= 64, "each language has a bit in a u64");
    }
}
