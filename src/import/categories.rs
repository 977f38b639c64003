//! Mapping source taxonomies onto Hearth's categories and SDOH needs.
//!
//! The mapping is data, kept in `data/categories/*.csv` and compiled in. Each row
//! is `taxonomy,code,match,categories,needs`:
//! - `taxonomy`: `airs`, `open-eligibility`, or a dataset name for its own labels;
//! - `code`: a code or label; `*` gives every record of that dataset a default;
//! - `match`: `prefix` (longest matching prefix wins) or `exact` (case-insensitive);
//! - `categories`, `needs`: `;`-separated category slugs and Gravity SDOH codes.

use std::collections::BTreeSet;

use crate::model::{Category, Need, TaxonomyTerm};

const FILES: [(&str, &str); 3] = [
    ("airs.csv", include_str!("../../data/categories/airs.csv")),
    (
        "open-eligibility.csv",
        include_str!("../../data/categories/open-eligibility.csv"),
    ),
    (
        "datasets.csv",
        include_str!("../../data/categories/datasets.csv"),
    ),
];

/// A row of a category mapping file is wrong.
#[derive(Debug, thiserror::Error)]
#[error("data/categories/{file}, line {line}: {message}")]
pub struct CategoryMapError {
    pub file: String,
    pub line: u64,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Match {
    Prefix,
    Exact,
}

#[derive(Debug, Clone)]
struct Rule {
    taxonomy: String,
    code: String,
    matching: Match,
    categories: Vec<Category>,
    needs: Vec<Need>,
}

/// The compiled category mapping.
#[derive(Debug, Clone)]
pub struct CategoryMap {
    rules: Vec<Rule>,
}

/// What a service is about, in Hearth's terms.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Classification {
    pub categories: Vec<Category>,
    pub needs: Vec<Need>,
}

impl CategoryMap {
    /// Loads the mapping files compiled into the binary.
    pub fn bundled() -> Result<CategoryMap, CategoryMapError> {
        let mut rules = Vec::new();
        for (file, text) in FILES {
            rules.extend(parse(file, text)?);
        }
        Ok(CategoryMap { rules })
    }

    /// Classifies a record of `dataset` with the given source taxonomy terms:
    /// the union over its terms (and the dataset default) of the best rule for each.
    pub fn classify(&self, dataset: &str, terms: &[TaxonomyTerm]) -> Classification {
        let mut categories = BTreeSet::new();
        let mut needs = BTreeSet::new();
        let mut apply = |rule: &Rule| {
            categories.extend(rule.categories.iter().copied());
            needs.extend(rule.needs.iter().cloned());
        };
        for rule in self
            .rules
            .iter()
            .filter(|r| r.taxonomy == dataset && r.code == "*")
        {
            apply(rule);
        }
        for term in terms {
            let mut best: Option<&Rule> = None;
            for rule in self
                .rules
                .iter()
                .filter(|r| r.taxonomy == term.taxonomy && r.code != "*")
            {
                let hit = match rule.matching {
                    Match::Prefix => term.code.starts_with(&rule.code),
                    Match::Exact => {
                        term.code.eq_ignore_ascii_case(&rule.code)
                            || term.name.eq_ignore_ascii_case(&rule.code)
                    }
                };
                let better = best.is_none_or(|b| {
                    rule.code.len() > b.code.len()
                        || (rule.matching == Match::Exact && b.matching == Match::Prefix)
                });
                if hit && better {
                    best = Some(rule);
                }
            }
            if let Some(rule) = best {
                apply(rule);
            }
        }
        Classification {
            categories: categories.into_iter().collect(),
            needs: needs.into_iter().collect(),
        }
    }
}

fn parse(file: &str, text: &str) -> Result<Vec<Rule>, CategoryMapError> {
    let err = |line: u64, message: String| CategoryMapError {
        file: file.to_owned(),
        line,
        message,
    };
    let mut reader = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .from_reader(text.as_bytes());
    let mut rules = Vec::new();
    for record in reader.records() {
        let record =
            record.map_err(|e| err(e.position().map_or(0, |p| p.line()), e.to_string()))?;
        let line = record.position().map_or(0, |p| p.line());
        let field = |i: usize| record.get(i).unwrap_or("").trim().to_owned();
        let matching = match field(2).as_str() {
            "prefix" => Match::Prefix,
            "exact" => Match::Exact,
            other => {
                return Err(err(
                    line,
                    format!("match must be prefix or exact, not {other:?}"),
                ));
            }
        };
        let mut categories = Vec::new();
        for slug in field(3).split(';').map(str::trim).filter(|s| !s.is_empty()) {
            categories.push(
                Category::parse(slug)
                    .ok_or_else(|| err(line, format!("unknown category {slug:?}")))?,
            );
        }
        let mut needs = Vec::new();
        for code in field(4).split(';').map(str::trim).filter(|s| !s.is_empty()) {
            needs.push(
                Need::parse(code)
                    .ok_or_else(|| err(line, format!("unknown SDOH need {code:?}")))?,
            );
        }
        if field(0).is_empty() || field(1).is_empty() {
            return Err(err(line, "taxonomy and code must not be empty".into()));
        }
        rules.push(Rule {
            taxonomy: field(0),
            code: field(1),
            matching,
            categories,
            needs,
        });
    }
    Ok(rules)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn term(taxonomy: &str, code: &str) -> TaxonomyTerm {
        TaxonomyTerm {
            code: code.into(),
            name: String::new(),
            taxonomy: taxonomy.into(),
        }
    }

    #[test]
    fn bundled_mapping_files_are_valid() {
        let map = CategoryMap::bundled().unwrap_or_else(|e| panic!("{e}"));
        assert!(!map.rules.is_empty());
    }

    #[test]
    fn airs_codes_map_by_longest_prefix() {
        let map = CategoryMap::bundled().unwrap_or_else(|e| panic!("{e}"));
        let food = map.classify("miami-211-2019", &[term("airs", "BD-1800.2000")]);
        assert_eq!(food.categories, vec![Category::Food]);
        assert!(food.needs.iter().any(|n| n.code() == "food-insecurity"));
        let sud = map.classify("miami-211-2019", &[term("airs", "RX-8450.8000")]);
        assert_eq!(sud.categories, vec![Category::SubstanceUse]);
        let legal = map.classify("miami-211-2019", &[term("airs", "FT-3000")]);
        assert_eq!(legal.categories, vec![Category::Legal]);
    }

    #[test]
    fn bad_rows_name_the_file_and_line() {
        let e = parse(
            "x.csv",
            "taxonomy,code,match,categories,needs\nairs,B,prefix,pizza,\n",
        )
        .err();
        assert_eq!(
            e.map(|e| e.to_string()).as_deref(),
            Some("data/categories/x.csv, line 2: unknown category \"pizza\"")
        );
    }
}
