//! The need vocabulary: the words clients and clinicians use for a need, in
//! English and Spanish, mapped to what Hearth searches (categories, SDOH needs,
//! source taxonomy codes, and the English words listings use for it).
//!
//! The entries live in `data/vocabulary.csv` (hand-written and reviewed against
//! the bundled data), compiled into the binary and read once.

use std::sync::OnceLock;

use super::{Category, Need};

const VOCABULARY_CSV: &str = include_str!("../../data/vocabulary.csv");

/// Whose words an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Es,
}

/// One lay term and what it means.
#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    /// As a client would type it ("cupones de comida").
    pub phrase: String,
    pub lang: Lang,
    pub categories: Vec<Category>,
    pub needs: Vec<Need>,
    /// Source taxonomy codes (a code covers its descendants).
    pub taxonomy: Vec<String>,
    /// English words and phrases listings use for it.
    pub words: Vec<String>,
}

/// A line of `data/vocabulary.csv` that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("data/vocabulary.csv line {line}: {message}")]
pub struct VocabularyError {
    pub line: u64,
    pub message: String,
}

#[derive(serde::Deserialize)]
struct Row {
    phrase: String,
    lang: String,
    categories: String,
    needs: String,
    taxonomy: String,
    words: String,
}

fn list(text: &str) -> impl Iterator<Item = &str> {
    text.split('|').map(str::trim).filter(|p| !p.is_empty())
}

/// Reads vocabulary CSV text; every problem is an error naming its line.
pub fn parse_vocabulary(text: &str) -> Result<Vec<Term>, VocabularyError> {
    let mut reader = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| VocabularyError {
            line: 1,
            message: e.to_string(),
        })?
        .clone();
    let mut terms: Vec<Term> = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| VocabularyError {
            line: e.position().map_or(0, |p| p.line()),
            message: e.to_string(),
        })?;
        let line = record.position().map_or(0, |p| p.line());
        let row: Row = record
            .deserialize(Some(&headers))
            .map_err(|e| VocabularyError {
                line,
                message: e.to_string(),
            })?;
        let bad = |message: String| VocabularyError { line, message };
        let lang = match row.lang.trim() {
            "en" => Lang::En,
            "es" => Lang::Es,
            other => return Err(bad(format!("lang must be en or es, not {other:?}"))),
        };
        let phrase = row.phrase.trim().to_lowercase();
        if phrase.is_empty() {
            return Err(bad("the phrase is empty".into()));
        }
        let categories = list(&row.categories)
            .map(|c| Category::parse(c).ok_or_else(|| bad(format!("unknown category {c:?}"))))
            .collect::<Result<Vec<_>, _>>()?;
        let needs = list(&row.needs)
            .map(|n| Need::parse(n).ok_or_else(|| bad(format!("unknown need {n:?}"))))
            .collect::<Result<Vec<_>, _>>()?;
        let taxonomy: Vec<String> = list(&row.taxonomy).map(str::to_owned).collect();
        let words: Vec<String> = list(&row.words).map(str::to_owned).collect();
        if categories.is_empty() && taxonomy.is_empty() && words.is_empty() {
            return Err(bad(format!("{phrase:?} maps to nothing")));
        }
        if terms.iter().any(|t| t.phrase == phrase && t.lang == lang) {
            return Err(bad(format!("{phrase:?} is listed twice")));
        }
        terms.push(Term {
            phrase,
            lang,
            categories,
            needs,
            taxonomy,
            words,
        });
    }
    Ok(terms)
}

/// The bundled vocabulary (read once; empty, with the error logged, if the
/// bundled file were broken — the tests make sure it is not).
pub fn vocabulary() -> &'static [Term] {
    static TERMS: OnceLock<Vec<Term>> = OnceLock::new();
    TERMS.get_or_init(|| match parse_vocabulary(VOCABULARY_CSV) {
        Ok(terms) => terms,
        Err(e) => {
            tracing::error!(error = %e, "the bundled need vocabulary cannot be read");
            Vec::new()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_vocabulary_reads_and_is_bilingual() {
        let terms = parse_vocabulary(VOCABULARY_CSV).unwrap_or_else(|e| panic!("{e}"));
        assert!(terms.len() >= 200, "{} entries", terms.len());
        let spanish = terms.iter().filter(|t| t.lang == Lang::Es).count();
        assert!(spanish >= 80, "{spanish} Spanish entries");
        for phrase in [
            "food stamps",
            "eviction",
            "rent help",
            "detox",
            "shelter",
            "lawyer",
        ] {
            assert!(
                terms
                    .iter()
                    .any(|t| t.phrase == phrase && t.lang == Lang::En),
                "{phrase}"
            );
        }
        for phrase in ["comida", "desalojo", "albergue", "abogado", "terapia"] {
            assert!(
                terms
                    .iter()
                    .any(|t| t.phrase == phrase && t.lang == Lang::Es),
                "{phrase}"
            );
        }
    }

    #[test]
    fn bad_lines_are_errors_that_name_the_line() {
        let header = "phrase,lang,categories,needs,taxonomy,words,evidence\n";
        for (body, needle) in [
            ("food,fr,food,,,,x\n", "lang must be"),
            ("food,en,pizza,,,,x\n", "unknown category"),
            ("food,en,food,hunger,,,x\n", "unknown need"),
            ("food,en,,,,,x\n", "maps to nothing"),
            ("food,en,food,,,,x\nfood,en,food,,,,y\n", "listed twice"),
        ] {
            let e = parse_vocabulary(&format!("{header}{body}"))
                .err()
                .unwrap_or_else(|| panic!("{body} should fail"));
            assert!(e.message.contains(needle), "{e}");
            assert!(e.line >= 2, "{e}");
        }
    }
}
