//! Mapping source taxonomies onto Hearth's categories and SDOH needs.
//!
//! The mapping is data, kept in `data/categories/*.csv` and compiled in. Each row
//! is `taxonomy,code,match,categories,needs`:
//! - `taxonomy`: `airs`, `open-eligibility`, or a dataset name for its own labels;
//! - `code`: a code or label; `*` gives every record of that dataset a default;
//! - `match`: `prefix` (longest matching prefix wins) or `exact` (case-insensitive);
//! - `categories`, `needs`: `;`-separated category slugs and Gravity SDOH codes.
//!
//! Open Eligibility terms are often given by name without their id ("Food
//! Pantry"); the taxonomy itself (`data/taxonomy/oe_taxonomy.json`, also compiled
//! in) turns a name into the ids that carry it, and the rules for those ids apply.

use std::collections::{BTreeSet, HashMap, HashSet};

use serde_json::Value;

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

/// The Open Eligibility taxonomy tree, for turning term names into ids.
const OE_TAXONOMY: (&str, &str) = (
    "data/taxonomy/oe_taxonomy.json",
    include_str!("../../data/taxonomy/oe_taxonomy.json"),
);

/// The taxonomy name Hearth gives Open Eligibility terms.
const OPEN_ELIGIBILITY: &str = "open-eligibility";

/// A row of a category mapping file (or the Open Eligibility taxonomy) is wrong.
#[derive(Debug, thiserror::Error)]
#[error("{file}, line {line}: {message}")]
pub struct CategoryMapError {
    /// The file, from the repository root (`data/categories/airs.csv`).
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
    /// Open Eligibility ids by title (lower case), in tree order: a title can sit in
    /// several branches ("Help Pay for Food" is under Emergency, Food and Money).
    oe_titles: HashMap<String, Vec<String>>,
    /// Every Open Eligibility id.
    oe_ids: HashSet<String>,
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
            rules.extend(parse(&format!("data/categories/{file}"), text)?);
        }
        let (file, text) = OE_TAXONOMY;
        let oe_titles = open_eligibility_titles(file, text)?;
        let oe_ids = oe_titles.values().flatten().cloned().collect();
        Ok(CategoryMap {
            rules,
            oe_titles,
            oe_ids,
        })
    }

    /// Whether any rule is written for `taxonomy` (`airs`, `open-eligibility`, or a
    /// bundled dataset's name): a term under such a name is classified by those rules,
    /// so an import keeps the name as it is (a Hearth export names its terms' taxonomies).
    pub fn has_rules_for(&self, taxonomy: &str) -> bool {
        self.rules.iter().any(|r| r.taxonomy == taxonomy)
    }

    /// The Open Eligibility taxonomy compiled into Hearth, as (id, title, parent
    /// id) in tree order, a parent before its children. The parent is the tree's:
    /// mostly the id's own prefix (`101-02` under `101`), but not always
    /// (`104-05-01` sits under `104-04`).
    pub fn open_eligibility_tree() -> Result<Vec<(String, String, Option<String>)>, CategoryMapError>
    {
        let (file, text) = OE_TAXONOMY;
        open_eligibility_nodes(file, text)
    }

    /// Whether `code` is an Open Eligibility id (`102-01`).
    pub fn is_open_eligibility_id(&self, code: &str) -> bool {
        self.oe_ids.contains(code.trim())
    }

    /// Classifies a record of `dataset` with the given source taxonomy terms:
    /// the union over its terms (and the dataset default) of the best rule for each.
    ///
    /// An Open Eligibility term without a known id is looked up by its name (exact
    /// title, any case). A title that sits in several branches takes what the rules
    /// for all its ids agree on ("Help Pay for Food": Food, food insecurity), or,
    /// when they share nothing, all of it.
    pub fn classify(&self, dataset: &str, terms: &[TaxonomyTerm]) -> Classification {
        let mut categories = BTreeSet::new();
        let mut needs = BTreeSet::new();
        for rule in self
            .rules
            .iter()
            .filter(|r| r.taxonomy == dataset && r.code == "*")
        {
            categories.extend(rule.categories.iter().copied());
            needs.extend(rule.needs.iter().cloned());
        }
        for term in terms {
            let by_title = (term.taxonomy == OPEN_ELIGIBILITY
                && !self.is_open_eligibility_id(&term.code))
            .then(|| {
                self.open_eligibility_ids(&term.name)
                    .or_else(|| self.open_eligibility_ids(&term.code))
            })
            .flatten();
            let rules: Vec<&Rule> = match by_title {
                Some(ids) => ids
                    .iter()
                    .filter_map(|id| self.best_rule(OPEN_ELIGIBILITY, id, ""))
                    .collect(),
                None => self
                    .best_rule(&term.taxonomy, &term.code, &term.name)
                    .into_iter()
                    .collect(),
            };
            categories.extend(agreed(&rules, |r| &r.categories));
            needs.extend(agreed(&rules, |r| &r.needs));
        }
        Classification {
            categories: categories.into_iter().collect(),
            needs: needs.into_iter().collect(),
        }
    }

    /// The ids of the Open Eligibility terms titled `name` (any case), if any.
    fn open_eligibility_ids(&self, name: &str) -> Option<&[String]> {
        self.oe_titles
            .get(&name.trim().to_lowercase())
            .map(Vec::as_slice)
    }

    /// The rule for a term: the longest matching prefix, with an exact match
    /// (on the code or the name) preferred.
    fn best_rule(&self, taxonomy: &str, code: &str, name: &str) -> Option<&Rule> {
        let mut best: Option<&Rule> = None;
        for rule in self
            .rules
            .iter()
            .filter(|r| r.taxonomy == taxonomy && r.code != "*")
        {
            let hit = match rule.matching {
                // Only a code has a prefix: a term known by its name alone ("Food
                // Pantry") does not start with the AIRS section "F".
                Match::Prefix => code.starts_with(&rule.code) && code_shaped(taxonomy, code),
                Match::Exact => {
                    code.eq_ignore_ascii_case(&rule.code) || name.eq_ignore_ascii_case(&rule.code)
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
        best
    }
}

/// Whether `code` has the shape of a code of `taxonomy`, for prefix rules: an AIRS
/// code for `airs`, an Open Eligibility id for `open-eligibility`, anything for the
/// others.
fn code_shaped(taxonomy: &str, code: &str) -> bool {
    match taxonomy {
        "airs" => {
            let (section, rest) = code.split_once('-').unwrap_or((code, ""));
            (1..=2).contains(&section.len())
                && section.bytes().all(|b| b.is_ascii_uppercase())
                && rest
                    .bytes()
                    .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-')
        }
        OPEN_ELIGIBILITY => is_open_eligibility_shape(code),
        _ => true,
    }
}

/// Whether `code` has the shape of an AIRS term code (`^[A-Z]{1,2}-\d{4}(\.\d{4})?(-\d{3}(\.\d{2})?)?$`):
/// `BD-1800.2000`, `BH-3500.3400-900`, `LV-1600.2600-650.05`. A bare section
/// (`BD`) is not taken for one: a local taxonomy's own short codes look the same.
pub(crate) fn is_airs_term_code(code: &str) -> bool {
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    let Some((section, rest)) = code.split_once('-') else {
        return false;
    };
    if !(1..=2).contains(&section.len()) || !section.bytes().all(|b| b.is_ascii_uppercase()) {
        return false;
    }
    let (term, target) = match rest.split_once('-') {
        Some((term, target)) => (term, Some(target)),
        None => (rest, None),
    };
    let term_ok = match term.split_once('.') {
        Some((a, b)) => digits(a, 4) && digits(b, 4),
        None => digits(term, 4),
    };
    let target_ok = target.is_none_or(|t| match t.split_once('.') {
        Some((a, b)) => digits(a, 3) && digits(b, 2),
        None => digits(t, 3),
    });
    term_ok && target_ok
}

/// Whether `code` has the shape of an Open Eligibility id (`^\d{3}(-\d{2})*$`: `102-04`).
pub(crate) fn is_open_eligibility_shape(code: &str) -> bool {
    let mut parts = code.split('-');
    let first = parts.next().unwrap_or("");
    first.len() == 3
        && first.bytes().all(|b| b.is_ascii_digit())
        && parts.all(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit()))
}

/// What every rule gives (the intersection), or what any gives when they share nothing.
fn agreed<T: Clone + Ord>(rules: &[&Rule], items: impl Fn(&Rule) -> &Vec<T>) -> Vec<T> {
    let Some((first, rest)) = rules.split_first() else {
        return Vec::new();
    };
    let shared: Vec<T> = items(first)
        .iter()
        .filter(|item| rest.iter().all(|r| items(r).contains(item)))
        .cloned()
        .collect();
    if !shared.is_empty() {
        return shared;
    }
    let all: BTreeSet<T> = rules
        .iter()
        .flat_map(|r| items(r).iter().cloned())
        .collect();
    all.into_iter().collect()
}

/// Reads the Open Eligibility tree into ids by title (lower case), in tree order.
fn open_eligibility_titles(
    file: &str,
    text: &str,
) -> Result<HashMap<String, Vec<String>>, CategoryMapError> {
    let mut titles: HashMap<String, Vec<String>> = HashMap::new();
    for (id, title, _) in open_eligibility_nodes(file, text)? {
        titles.entry(title.to_lowercase()).or_default().push(id);
    }
    Ok(titles)
}

/// Reads the Open Eligibility tree (`taxonomy.top_level[]`, each node with `@id`,
/// `@title` and its children under `second_level`, `third_level`, ...) into
/// (id, title, parent id), depth first in file order.
fn open_eligibility_nodes(
    file: &str,
    text: &str,
) -> Result<Vec<(String, String, Option<String>)>, CategoryMapError> {
    let err = |line: u64, message: String| CategoryMapError {
        file: file.to_owned(),
        line,
        message,
    };
    let tree: Value =
        serde_json::from_str(text).map_err(|e| err(e.line() as u64, e.to_string()))?;
    let top = tree
        .pointer("/taxonomy/top_level")
        .and_then(Value::as_array)
        .ok_or_else(|| err(1, "no taxonomy.top_level list".into()))?;
    let mut nodes: Vec<(String, String, Option<String>)> = Vec::new();
    let mut stack: Vec<(&Value, Option<String>)> = top.iter().rev().map(|n| (n, None)).collect();
    while let Some((node, parent)) = stack.pop() {
        let (Some(id), Some(title)) = (
            node.get("@id").and_then(Value::as_str),
            node.get("@title").and_then(Value::as_str),
        ) else {
            return Err(err(0, "a term without an @id and an @title".into()));
        };
        let id = id.trim().to_owned();
        nodes.push((id.clone(), title.trim().to_owned(), parent));
        // Children in file order, depth first, so ids stay in tree order.
        let children: Vec<&Value> = node
            .as_object()
            .into_iter()
            .flatten()
            .filter(|(key, _)| key.ends_with("_level"))
            .filter_map(|(_, v)| v.as_array())
            .flatten()
            .collect();
        stack.extend(children.into_iter().rev().map(|c| (c, Some(id.clone()))));
    }
    Ok(nodes)
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

    fn named(name: &str) -> TaxonomyTerm {
        TaxonomyTerm {
            code: name.into(),
            name: name.into(),
            taxonomy: OPEN_ELIGIBILITY.into(),
        }
    }

    fn slugs(c: &Classification) -> (Vec<&'static str>, Vec<String>) {
        (
            c.categories.iter().map(|c| c.slug()).collect(),
            c.needs.iter().map(|n| n.code().to_owned()).collect(),
        )
    }

    fn expect(categories: &[&'static str], needs: &[&str]) -> (Vec<&'static str>, Vec<String>) {
        (
            categories.to_vec(),
            needs.iter().map(|n| (*n).to_owned()).collect(),
        )
    }

    /// Regression: Open Eligibility terms given by name, without their id, got no category.
    #[test]
    fn open_eligibility_terms_given_by_name_are_classified() {
        let map = CategoryMap::bundled().unwrap_or_else(|e| panic!("{e}"));
        let classify = |term: TaxonomyTerm| slugs(&map.classify("springfield", &[term]));
        assert_eq!(
            classify(named("Food Pantry")),
            expect(&["food"], &["food-insecurity"])
        );
        // Any case, and the name wins over a code that is not an id.
        let mut coded = named("food pantry");
        coded.code = "FP-1".into();
        assert_eq!(classify(coded), expect(&["food"], &["food-insecurity"]));
        // Under Emergency, Food and Money: what all three rules agree on.
        assert_eq!(
            classify(named("Help Pay for Food")),
            expect(&["food"], &["food-insecurity"])
        );
        // Under Goods, Money and Education, which share nothing: all of it.
        assert_eq!(
            classify(named("Books")),
            expect(
                &["money", "education", "goods"],
                &[
                    "educational-attainment",
                    "financial-insecurity",
                    "material-hardship"
                ]
            )
        );
        assert_eq!(classify(named("Not A Term")), expect(&[], &[]));
        // Ids still map by prefix, and a title is only looked up in its own taxonomy.
        assert_eq!(
            slugs(&map.classify("springfield", &[term(OPEN_ELIGIBILITY, "103-01")])).0,
            vec!["housing", "emergency"]
        );
        let mut airs = named("Food Pantry");
        airs.taxonomy = "airs".into();
        assert_eq!(classify(airs), expect(&[], &[]));
        assert!(map.is_open_eligibility_id("102-04"));
        assert!(!map.is_open_eligibility_id("102-99"));
    }

    #[test]
    fn codes_are_told_by_their_shape() {
        for code in [
            "BD-1800.2000",
            "B-8000",
            "BH-3500.3400-900",
            "LV-1600.2600-650.05",
        ] {
            assert!(is_airs_term_code(code), "{code}");
        }
        for code in [
            "B",
            "BD",
            "bd-1800",
            "BD-180",
            "BDX-1800",
            "BD-1800.20",
            "Food Pantry",
            "",
        ] {
            assert!(!is_airs_term_code(code), "{code}");
        }
        for code in ["101", "102-04", "103-05-02-01"] {
            assert!(is_open_eligibility_shape(code), "{code}");
        }
        for code in ["1020", "102-4", "102-", "10a", "Food"] {
            assert!(!is_open_eligibility_shape(code), "{code}");
        }
        // Regression: an AIRS term known only by name took the prefix rule of its first letter.
        let map = CategoryMap::bundled().unwrap_or_else(|e| panic!("{e}"));
        assert!(
            map.classify("x", &[term("airs", "Food Pantry")])
                .categories
                .is_empty()
        );
        assert_eq!(
            map.classify("x", &[term("airs", "BD")]).categories,
            vec![Category::Food]
        );
    }

    #[test]
    fn rules_are_known_by_taxonomy_and_the_tree_gives_parents() {
        let map = CategoryMap::bundled().unwrap_or_else(|e| panic!("{e}"));
        for taxonomy in [
            "airs",
            OPEN_ELIGIBILITY,
            "hrsa-health-centers",
            "va-facilities",
        ] {
            assert!(map.has_rules_for(taxonomy), "{taxonomy}");
        }
        assert!(!map.has_rules_for("springfield"));
        let tree = CategoryMap::open_eligibility_tree().unwrap_or_else(|e| panic!("{e}"));
        let parent = |id: &str| {
            tree.iter()
                .find(|(i, _, _)| i == id)
                .map(|(_, _, p)| p.clone())
        };
        assert_eq!(parent("101"), Some(None));
        assert_eq!(parent("101-02"), Some(Some("101".into())));
        assert_eq!(parent("104-05-01"), Some(Some("104-04".into())));
        assert_eq!(tree.len(), map.oe_ids.len());
    }

    #[test]
    fn bad_rows_name_the_file_and_line() {
        let e = parse(
            "data/categories/x.csv",
            "taxonomy,code,match,categories,needs\nairs,B,prefix,pizza,\n",
        )
        .err();
        assert_eq!(
            e.map(|e| e.to_string()).as_deref(),
            Some("data/categories/x.csv, line 2: unknown category \"pizza\"")
        );
    }
}
