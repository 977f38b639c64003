//! Who a service is for, which ages it takes, whether it costs anything and
//! whether a wheelchair user can get in: facts read from a stored [`Service`]
//! for the search filters (`population=`, `age=`, `free=`, `accessible=`).
//!
//! Everything here is a pure function of the listing. Each answer is "yes" only
//! where the data says so: a listing that says nothing about its cost is not
//! free, one without accessibility notes is not accessible, and an age bound is
//! read only from a statement that can be read one way ("ages 5-17", "18+"),
//! never guessed. The population rules are data (`data/populations.csv`, compiled
//! in and read once); the few list-wide rules for cost and age are the tables
//! below, each with the evidence for it. Indexing and searching on these facts
//! is `index`'s job.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use super::{Location, Service, TaxonomyTerm};

/// A group of people a service is meant for, as clinicians filter by it.
///
/// The set is the one the bundled data can support: each has AIRS target
/// population codes or term names in the Miami 211 export, or a whole list
/// behind it (VA facilities, public housing). Men, students and people with
/// particular health conditions are left out: the data names them too rarely
/// or too loosely to filter by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Population {
    Veterans,
    /// Children and teens (a service whose ages stop at 21 counts too).
    Youth,
    Seniors,
    /// Families with children, parents and expectant parents.
    Families,
    /// Survivors of domestic or intimate partner violence.
    DomesticViolence,
    Lgbtq,
    /// Immigrants, refugees and asylum seekers.
    Immigrants,
    /// People experiencing homelessness (not those at risk of it).
    Homeless,
    Disabilities,
    LowIncome,
    Women,
    /// People leaving prison or jail.
    Reentry,
}

impl Population {
    /// Every population, in the order they are shown.
    pub const ALL: [Population; 12] = [
        Population::Veterans,
        Population::Youth,
        Population::Seniors,
        Population::Families,
        Population::DomesticViolence,
        Population::Lgbtq,
        Population::Immigrants,
        Population::Homeless,
        Population::Disabilities,
        Population::LowIncome,
        Population::Women,
        Population::Reentry,
    ];

    /// The stable, URL-safe name (`domestic-violence`).
    pub fn slug(self) -> &'static str {
        match self {
            Population::Veterans => "veterans",
            Population::Youth => "youth",
            Population::Seniors => "seniors",
            Population::Families => "families",
            Population::DomesticViolence => "domestic-violence",
            Population::Lgbtq => "lgbtq",
            Population::Immigrants => "immigrants",
            Population::Homeless => "homeless",
            Population::Disabilities => "disabilities",
            Population::LowIncome => "low-income",
            Population::Women => "women",
            Population::Reentry => "reentry",
        }
    }

    /// The name shown to people, in English ("Children and youth").
    pub fn label(self) -> &'static str {
        match self {
            Population::Veterans => "Veterans",
            Population::Youth => "Children and youth",
            Population::Seniors => "Seniors",
            Population::Families => "Families with children",
            Population::DomesticViolence => "Survivors of domestic violence",
            Population::Lgbtq => "LGBTQ+ people",
            Population::Immigrants => "Immigrants and refugees",
            Population::Homeless => "People experiencing homelessness",
            Population::Disabilities => "People with disabilities",
            Population::LowIncome => "People with low incomes",
            Population::Women => "Women",
            Population::Reentry => "People leaving incarceration",
        }
    }

    /// The name shown to people, in Spanish ("Niños y jóvenes").
    pub fn label_es(self) -> &'static str {
        match self {
            Population::Veterans => "Veteranos",
            Population::Youth => "Niños y jóvenes",
            Population::Seniors => "Personas mayores",
            Population::Families => "Familias con hijos",
            Population::DomesticViolence => "Sobrevivientes de violencia doméstica",
            Population::Lgbtq => "Personas LGBTQ+",
            Population::Immigrants => "Inmigrantes y refugiados",
            Population::Homeless => "Personas sin hogar",
            Population::Disabilities => "Personas con discapacidad",
            Population::LowIncome => "Personas de bajos ingresos",
            Population::Women => "Mujeres",
            Population::Reentry => "Personas que salen de prisión",
        }
    }

    /// Other words people use for the population, in English and Spanish.
    fn synonyms(self) -> &'static [&'static str] {
        match self {
            Population::Veterans => &[
                "veteran",
                "vets",
                "vet",
                "military veterans",
                "veteranos",
                "veterano",
            ],
            Population::Youth => &[
                "children",
                "child",
                "kids",
                "teens",
                "teenagers",
                "adolescents",
                "minors",
                "young people",
                "jóvenes",
                "juventud",
                "niños",
                "menores",
            ],
            Population::Seniors => &[
                "senior",
                "elderly",
                "elders",
                "older adults",
                "older adult",
                "aging",
                "personas mayores",
                "adultos mayores",
                "mayores",
                "tercera edad",
            ],
            Population::Families => &["family", "parents", "familias", "familia", "padres"],
            Population::DomesticViolence => &[
                "dv",
                "domestic violence",
                "ipv",
                "intimate partner violence",
                "dv survivors",
                "violencia doméstica",
            ],
            Population::Lgbtq => &[
                "lgbt",
                "lgbtq+",
                "lgbtqia",
                "lgbtqia+",
                "glbt",
                "gay",
                "lesbian",
                "transgender",
                "trans",
                "queer",
            ],
            Population::Immigrants => &[
                "immigrant",
                "refugees",
                "refugee",
                "asylum seekers",
                "asylees",
                "newcomers",
                "inmigrantes",
                "refugiados",
            ],
            Population::Homeless => &[
                "homelessness",
                "unhoused",
                "unsheltered",
                "experiencing homelessness",
                "sin hogar",
                "personas sin hogar",
            ],
            Population::Disabilities => &[
                "disability",
                "disabled",
                "people with disabilities",
                "special needs",
                "discapacidad",
                "personas con discapacidad",
            ],
            Population::LowIncome => &["low income", "poverty", "bajos ingresos"],
            Population::Women => &["woman", "female", "mujeres", "mujer"],
            Population::Reentry => &[
                "re-entry",
                "ex-offenders",
                "ex-offender",
                "formerly incarcerated",
                "returning citizens",
                "reinserción",
            ],
        }
    }

    /// Parses a slug, an English or Spanish label, or a common synonym ("vets",
    /// "older adults", "DV", "jóvenes"), ignoring case, accents, spaces and punctuation.
    pub fn parse(text: &str) -> Option<Population> {
        let wanted = words(text).concat();
        if wanted.is_empty() {
            return None;
        }
        Population::ALL.into_iter().find(|p| {
            [p.slug(), p.label(), p.label_es()]
                .into_iter()
                .chain(p.synonyms().iter().copied())
                .any(|name| words(name).concat() == wanted)
        })
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl std::fmt::Display for Population {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// The populations a service is for, in [`Population::ALL`] order, by the bundled
/// rules (`data/populations.csv`).
///
/// Read from the service's taxonomy terms (AIRS target-population codes, term
/// names), its eligibility text, its name, its dataset and its age range; never
/// from its free description. Empty when the bundled rules could not be read
/// (a test makes sure they can).
pub fn populations(service: &Service) -> Vec<Population> {
    match PopulationRules::bundled() {
        Ok(rules) => rules.populations(service),
        Err(_) => Vec::new(),
    }
}

/// The bundled population rules file, from the repository root.
const RULES_FILE: &str = "data/populations.csv";
const RULES_TEXT: &str = include_str!("../../data/populations.csv");

/// A row of the population rules is wrong.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{file}, line {line}: {message}")]
pub struct RulesError {
    /// The file, from the repository root (`data/populations.csv`).
    pub file: String,
    /// The line of the row (the header is line 1).
    pub line: u64,
    pub message: String,
}

/// What part of a listing a rule reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    TaxonomyCode,
    TaxonomyName,
    Eligibility,
    Name,
    Dataset,
    Age,
}

impl Source {
    const ALL: [Source; 6] = [
        Source::TaxonomyCode,
        Source::TaxonomyName,
        Source::Eligibility,
        Source::Name,
        Source::Dataset,
        Source::Age,
    ];

    fn parse(text: &str) -> Option<Source> {
        Some(match text {
            "taxonomy-code" => Source::TaxonomyCode,
            "taxonomy-name" => Source::TaxonomyName,
            "eligibility" => Source::Eligibility,
            "name" => Source::Name,
            "dataset" => Source::Dataset,
            "age" => Source::Age,
            _ => return None,
        })
    }

    /// The match kinds a source takes.
    fn takes(self, matching: Match) -> bool {
        use Match::*;
        match self {
            Source::TaxonomyCode => {
                matches!(matching, Prefix | Exact | AgeGroup | Excludes | CodeOnly)
            }
            Source::TaxonomyName => matches!(matching, Exact | Phrase | Not),
            Source::Eligibility | Source::Name => matches!(matching, Phrase | Not),
            Source::Dataset => matching == All,
            Source::Age => matches!(matching, MaxAtMost | MinAtLeast),
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// How a rule's pattern is matched (see the header of `data/populations.csv`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Match {
    Prefix,
    Exact,
    AgeGroup,
    Excludes,
    CodeOnly,
    Phrase,
    Not,
    All,
    MaxAtMost,
    MinAtLeast,
}

impl Match {
    fn parse(text: &str) -> Option<Match> {
        Some(match text {
            "prefix" => Match::Prefix,
            "exact" => Match::Exact,
            "age-group" => Match::AgeGroup,
            "excludes" => Match::Excludes,
            "code-only" => Match::CodeOnly,
            "phrase" => Match::Phrase,
            "not" => Match::Not,
            "all" => Match::All,
            "max-at-most" => Match::MaxAtMost,
            "min-at-least" => Match::MinAtLeast,
            _ => return None,
        })
    }
}

/// One row of the rules file.
#[derive(Debug, Clone)]
struct Rule {
    /// `None` for `*`: every population (only `not` and `code-only` rows).
    population: Option<Population>,
    source: Source,
    /// A taxonomy or a dataset name; `None` for any.
    scope: Option<String>,
    matching: Match,
    /// The pattern as written (upper-cased for codes).
    pattern: String,
    /// The pattern as words, for `phrase` and `not`.
    phrase: Phrase,
    /// The number, for the age rules.
    number: u32,
}

impl Rule {
    fn in_scope(&self, key: &str) -> bool {
        self.scope.as_deref().is_none_or(|s| s == key)
    }
}

/// The population rules, compiled.
#[derive(Debug, Clone)]
pub struct PopulationRules {
    rules: Vec<Rule>,
    /// Rule indexes by source and population (the 13th slot is `*`).
    by_key: Vec<Vec<usize>>,
}

const SLOTS: usize = Population::ALL.len() + 1;

impl PopulationRules {
    /// The rules compiled into the binary, parsed on first use.
    pub fn bundled() -> Result<&'static PopulationRules, &'static RulesError> {
        static RULES: OnceLock<Result<PopulationRules, RulesError>> = OnceLock::new();
        RULES
            .get_or_init(|| {
                let rules = PopulationRules::parse(RULES_FILE, RULES_TEXT);
                if let Err(e) = &rules {
                    tracing::error!(error = %e, "the bundled population rules do not parse; no listing gets a population");
                }
                rules
            })
            .as_ref()
    }

    /// Parses a rules file (`population,source,scope,match,pattern,note`; `#` starts a comment).
    pub fn parse(file: &str, text: &str) -> Result<PopulationRules, RulesError> {
        let err = |line: u64, message: String| RulesError {
            file: file.to_owned(),
            line,
            message,
        };
        let mut reader = csv::ReaderBuilder::new()
            .comment(Some(b'#'))
            .from_reader(text.as_bytes());
        let header: Vec<String> = reader
            .headers()
            .map_err(|e| err(1, e.to_string()))?
            .iter()
            .map(|h| h.trim().to_owned())
            .collect();
        let expected = ["population", "source", "scope", "match", "pattern", "note"];
        if header != expected {
            return Err(err(1, format!("the header must be {}", expected.join(","))));
        }
        let mut rules = Vec::new();
        for record in reader.records() {
            let record =
                record.map_err(|e| err(e.position().map_or(0, |p| p.line()), e.to_string()))?;
            let line = record.position().map_or(0, |p| p.line());
            let field = |i: usize| record.get(i).unwrap_or("").trim();
            let population = match field(0) {
                "*" => None,
                slug => Some(
                    Population::ALL
                        .into_iter()
                        .find(|p| p.slug() == slug)
                        .ok_or_else(|| err(line, format!("unknown population {slug:?}")))?,
                ),
            };
            let source = Source::parse(field(1))
                .ok_or_else(|| err(line, format!("unknown source {:?}", field(1))))?;
            let matching = Match::parse(field(3))
                .ok_or_else(|| err(line, format!("unknown match {:?}", field(3))))?;
            if !source.takes(matching) {
                return Err(err(
                    line,
                    format!("source {} does not take match {}", field(1), field(3)),
                ));
            }
            if population.is_none() && !matches!(matching, Match::Not | Match::CodeOnly) {
                return Err(err(
                    line,
                    "* (every population) is only for not and code-only rows".into(),
                ));
            }
            if population.is_some() && matching == Match::CodeOnly {
                return Err(err(
                    line,
                    "a code-only row is for every population (*)".into(),
                ));
            }
            let pattern = field(4);
            if pattern.is_empty() {
                return Err(err(line, "the pattern is empty".into()));
            }
            let phrase = match matching {
                Match::Phrase | Match::Not => {
                    Phrase::parse(pattern, matching == Match::Not).map_err(|m| err(line, m))?
                }
                _ => Phrase::default(),
            };
            let number = match matching {
                Match::MaxAtMost | Match::MinAtLeast => pattern
                    .parse::<u32>()
                    .ok()
                    .filter(|n| *n <= MAX_AGE)
                    .ok_or_else(|| err(line, format!("{pattern:?} is not an age")))?,
                _ => 0,
            };
            let pattern = if source == Source::TaxonomyCode {
                pattern.to_ascii_uppercase()
            } else {
                pattern.to_owned()
            };
            let scope = Some(field(2)).filter(|s| !s.is_empty()).map(str::to_owned);
            if matches!(source, Source::Dataset | Source::Age) && scope.is_some() {
                return Err(err(line, format!("a {} rule has no scope", field(1))));
            }
            rules.push(Rule {
                population,
                source,
                scope,
                matching,
                pattern,
                phrase,
                number,
            });
        }
        let mut by_key = vec![Vec::new(); Source::ALL.len() * SLOTS];
        for (i, rule) in rules.iter().enumerate() {
            let slot = rule.population.map_or(SLOTS - 1, Population::index);
            by_key[rule.source.index() * SLOTS + slot].push(i);
        }
        Ok(PopulationRules { rules, by_key })
    }

    /// The rules of `source` for `population` (`None`: the `*` rows).
    fn of(&self, source: Source, population: Option<Population>) -> impl Iterator<Item = &Rule> {
        let slot = population.map_or(SLOTS - 1, Population::index);
        self.by_key[source.index() * SLOTS + slot]
            .iter()
            .map(|&i| &self.rules[i])
    }

    /// The populations `service` is for, by these rules, in [`Population::ALL`] order.
    pub fn populations(&self, service: &Service) -> Vec<Population> {
        let mut found = [false; Population::ALL.len()];
        let dataset = service.source.dataset.as_str();
        self.read_codes(&service.taxonomy_terms, &mut found);
        for term in &service.taxonomy_terms {
            if self.code_only(term) {
                continue;
            }
            self.read_text(Source::TaxonomyName, &term.taxonomy, &term.name, &mut found);
            for p in Population::ALL {
                let exact = self.of(Source::TaxonomyName, Some(p)).any(|r| {
                    r.matching == Match::Exact
                        && r.in_scope(&term.taxonomy)
                        && (term.name.trim().eq_ignore_ascii_case(&r.pattern)
                            || term.code.trim().eq_ignore_ascii_case(&r.pattern))
                });
                found[p.index()] |= exact;
            }
        }
        for text in eligibility_texts(service) {
            self.read_text(Source::Eligibility, dataset, text, &mut found);
        }
        self.read_text(Source::Name, dataset, &service.name, &mut found);
        let ages = age_range(service);
        for p in Population::ALL {
            found[p.index()] |= self
                .of(Source::Dataset, Some(p))
                .any(|r| r.pattern == dataset);
            found[p.index()] |= self.of(Source::Age, Some(p)).any(|r| match r.matching {
                Match::MaxAtMost => ages.max.is_some_and(|m| m <= r.number),
                Match::MinAtLeast => ages.min.is_some_and(|m| m >= r.number),
                _ => false,
            });
        }
        Population::ALL
            .into_iter()
            .filter(|p| found[p.index()])
            .collect()
    }

    /// Applies the code rules: prefixes and exact codes directly, age groups only
    /// when no code of the population's `excludes` rows is there too.
    fn read_codes(&self, terms: &[TaxonomyTerm], found: &mut [bool; Population::ALL.len()]) {
        for p in Population::ALL {
            let (mut group, mut excluded) = (false, false);
            for term in terms {
                let code = term.code.trim().to_ascii_uppercase();
                for rule in self
                    .of(Source::TaxonomyCode, Some(p))
                    .filter(|r| r.in_scope(&term.taxonomy))
                {
                    match rule.matching {
                        Match::Prefix if code.starts_with(&rule.pattern) => found[p.index()] = true,
                        Match::Exact if code == rule.pattern => found[p.index()] = true,
                        Match::AgeGroup if code.starts_with(&rule.pattern) => group = true,
                        Match::Excludes if code.starts_with(&rule.pattern) => excluded = true,
                        _ => {}
                    }
                }
            }
            if group && !excluded {
                found[p.index()] = true;
            }
        }
    }

    /// Whether a term is read by its code alone (AIRS target populations).
    fn code_only(&self, term: &TaxonomyTerm) -> bool {
        let code = term.code.trim().to_ascii_uppercase();
        self.of(Source::TaxonomyCode, None).any(|r| {
            r.matching == Match::CodeOnly
                && r.in_scope(&term.taxonomy)
                && code.starts_with(&r.pattern)
        })
    }

    /// Applies the phrase rules of `source` to one text, with `key` (a taxonomy or
    /// a dataset) for their scope.
    fn read_text(
        &self,
        source: Source,
        key: &str,
        text: &str,
        found: &mut [bool; Population::ALL.len()],
    ) {
        let words = words(text);
        if words.is_empty() {
            return;
        }
        let mut common = vec![false; words.len()];
        for rule in self.of(source, None).filter(|r| r.in_scope(key)) {
            rule.phrase.mask(&words, &mut common);
        }
        for p in Population::ALL {
            if found[p.index()] {
                continue;
            }
            let rules: Vec<&Rule> = self
                .of(source, Some(p))
                .filter(|r| r.in_scope(key))
                .collect();
            if !rules.iter().any(|r| r.matching == Match::Phrase) {
                continue;
            }
            let mut masked = common.clone();
            for rule in rules.iter().filter(|r| r.matching == Match::Not) {
                rule.phrase.mask(&words, &mut masked);
            }
            found[p.index()] = rules
                .iter()
                .filter(|r| r.matching == Match::Phrase)
                .any(|r| r.phrase.found(&words, &masked));
        }
    }
}

/// The service's eligibility texts: its description of eligibility, and its
/// attributes tagged as eligibility or population served.
fn eligibility_texts(service: &Service) -> impl Iterator<Item = &str> {
    const TAGS: [&str; 8] = [
        "eligibility",
        "eligibility requirements",
        "population",
        "populations",
        "population served",
        "target population",
        "target populations",
        "audience",
    ];
    service
        .eligibility_description
        .as_deref()
        .into_iter()
        .chain(
            service
                .attributes
                .iter()
                .filter(|a| TAGS.contains(&words(&a.tag).join(" ").as_str()))
                .map(|a| a.value.as_str()),
        )
}

// ---------------------------------------------------------------------------
// Words and phrases
// ---------------------------------------------------------------------------

/// The lower-case words of `text`: accents folded (`jóvenes` → `jovenes`),
/// apostrophes dropped (`women's` → `womens`), and anything that is not a
/// letter or a digit taken as a space (`re-entry` → `re entry`).
fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    for c in text.chars() {
        if matches!(c, '\'' | '’' | '‘' | '`' | 'ʼ') || ('\u{300}'..='\u{36f}').contains(&c) {
            continue;
        }
        for lower in c.to_lowercase() {
            let folded = fold_accent(lower);
            if folded.is_alphanumeric() {
                word.push(folded);
            } else if ('\u{300}'..='\u{36f}').contains(&folded) {
                continue;
            } else if !word.is_empty() {
                out.push(std::mem::take(&mut word));
            }
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

/// A lower-case letter without its accent (the accents of Spanish, French and Portuguese).
fn fold_accent(c: char) -> char {
    match c {
        'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' => 'a',
        'é' | 'è' | 'ê' | 'ë' => 'e',
        'í' | 'ì' | 'î' | 'ï' => 'i',
        'ó' | 'ò' | 'ô' | 'ö' | 'õ' => 'o',
        'ú' | 'ù' | 'û' | 'ü' => 'u',
        'ñ' => 'n',
        'ç' => 'c',
        other => other,
    }
}

/// One word of a phrase.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Word(String),
    /// A word ending in `*`: any word that starts with it.
    Prefix(String),
    /// `*` alone: any one word.
    Any,
}

impl Token {
    fn matches(&self, word: &str) -> bool {
        match self {
            Token::Word(w) => w == word,
            Token::Prefix(p) => word.starts_with(p.as_str()),
            Token::Any => true,
        }
    }
}

/// A sequence of words to find in a text; empty means the whole text (`*` in a `not` rule).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Phrase(Vec<Token>);

impl Phrase {
    /// Parses a pattern: words as [`words`] reads them, `word*` a prefix, `*` alone any one
    /// word; `*` as the whole pattern is the whole text, allowed only when `whole_text_ok`.
    fn parse(pattern: &str, whole_text_ok: bool) -> Result<Phrase, String> {
        if pattern.trim() == "*" {
            return if whole_text_ok {
                Ok(Phrase(Vec::new()))
            } else {
                Err("* alone (the whole text) is only for not rows".into())
            };
        }
        let mut tokens = Vec::new();
        for piece in pattern.split_whitespace() {
            if piece == "*" {
                tokens.push(Token::Any);
                continue;
            }
            let prefix = piece.ends_with('*');
            let mut piece_words = words(piece.trim_end_matches('*'));
            let last = piece_words.pop();
            tokens.extend(piece_words.into_iter().map(Token::Word));
            match last {
                Some(w) if prefix => tokens.push(Token::Prefix(w)),
                Some(w) => tokens.push(Token::Word(w)),
                None => return Err(format!("{piece:?} in {pattern:?} has no word")),
            }
        }
        if tokens.iter().all(|t| *t == Token::Any) {
            return Err(format!("{pattern:?} has no word"));
        }
        Ok(Phrase(tokens))
    }

    fn at(&self, words: &[String], start: usize) -> bool {
        start + self.0.len() <= words.len()
            && self
                .0
                .iter()
                .zip(&words[start..])
                .all(|(t, w)| t.matches(w))
    }

    /// Marks the words this phrase covers (every word, for the whole-text phrase).
    fn mask(&self, words: &[String], masked: &mut [bool]) {
        if self.0.is_empty() {
            masked.iter_mut().for_each(|m| *m = true);
            return;
        }
        for start in 0..words.len() {
            if self.at(words, start) {
                masked[start..start + self.0.len()]
                    .iter_mut()
                    .for_each(|m| *m = true);
            }
        }
    }

    /// Whether the phrase is in the words, on words none of which is masked.
    fn found(&self, words: &[String], masked: &[bool]) -> bool {
        !self.0.is_empty()
            && (0..words.len()).any(|start| {
                self.at(words, start) && !masked[start..start + self.0.len()].contains(&true)
            })
    }

    /// Whether the phrase is anywhere in the words.
    fn is_in(&self, words: &[String]) -> bool {
        (0..words.len()).any(|start| self.at(words, start))
    }
}

/// Phrases written in code (no rules file): each pattern as [`Phrase::parse`] reads it.
/// The patterns are constants checked by the tests, so a bad one is simply never found.
fn phrases(patterns: &[&str]) -> Vec<Phrase> {
    patterns
        .iter()
        .filter_map(|p| Phrase::parse(p, false).ok())
        .collect()
}

fn any_in(phrases: &[Phrase], words: &[String]) -> bool {
    phrases.iter().any(|p| p.is_in(words))
}

// ---------------------------------------------------------------------------
// Ages
// ---------------------------------------------------------------------------

/// The ages a service takes; a bound that is `None` is not known (or there is none).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AgeRange {
    pub min: Option<u32>,
    pub max: Option<u32>,
}

/// No age above this is read as an age.
const MAX_AGE: u32 = 120;

impl AgeRange {
    /// No bound known.
    pub const ANY: AgeRange = AgeRange {
        min: None,
        max: None,
    };

    /// Whether a client of `age` (in whole years) is in the range; an unknown bound admits.
    pub fn admits(&self, age: u32) -> bool {
        self.min.is_none_or(|min| age >= min) && self.max.is_none_or(|max| age <= max)
    }

    /// Whether either bound is known.
    pub fn is_known(&self) -> bool {
        self.min.is_some() || self.max.is_some()
    }

    /// The range that admits everyone either admits (a bound unknown on one side is unknown).
    fn union(self, other: AgeRange) -> AgeRange {
        AgeRange {
            min: self.min.zip(other.min).map(|(a, b)| a.min(b)),
            max: self.max.zip(other.max).map(|(a, b)| a.max(b)),
        }
    }
}

/// The ages a service takes, from the first of these that says anything:
/// its `minimum_age`/`maximum_age`; age attributes (`minimum_age`, `age_range`:
/// "5-17"); the age statements in its eligibility text ("ages 5-17", "18 and
/// older", "18+", "60 years of age or older", "under 21", "children 0-5",
/// "Adults"); the list-wide rules of [`TERM_AGES`]. [`AgeRange::ANY`] when none does.
///
/// Only statements that read one way are taken: an age that belongs to someone
/// else ("families with children 6-12", "parents of children 0-5"), a soft one
/// ("case by case", "priority"), and a range given for some of the people the
/// text names but not all ("women and children (boys under 12)") give no bound.
/// Several statements give the range that takes everyone any of them takes.
pub fn age_range(service: &Service) -> AgeRange {
    let (min, max) = (service.minimum_age, service.maximum_age);
    if (min.is_some() || max.is_some()) && min.zip(max).is_none_or(|(a, b)| a <= b) {
        return AgeRange { min, max };
    }
    let from_attributes = age_attributes(service);
    if from_attributes.is_known() {
        return from_attributes;
    }
    let mut read: Option<AgeRange> = None;
    for text in eligibility_texts(service) {
        if let Some(range) = parse_ages(text) {
            read = Some(read.map_or(range, |r| r.union(range)));
        }
    }
    if let Some(range) = read.filter(AgeRange::is_known) {
        return range;
    }
    service
        .taxonomy_terms
        .iter()
        .find_map(|t| {
            TERM_AGES
                .iter()
                .find(|a| {
                    a.taxonomy == t.taxonomy
                        && (t.name.eq_ignore_ascii_case(a.term)
                            || t.code.eq_ignore_ascii_case(a.term))
                })
                .map(|a| a.ages)
        })
        .unwrap_or(AgeRange::ANY)
}

/// An age range that holds for every listing carrying a term of a bundled list.
struct TermAges {
    taxonomy: &'static str,
    term: &'static str,
    ages: AgeRange,
}

/// List-wide age rules: terms whose listings all state (or belong to a program
/// that sets) the same ages, where the listing has no eligibility text of its own.
const TERM_AGES: [TermAges; 3] = [
    // All 38 Feeding the Gulf Coast child meal sites say "Free meals for children,
    // 18 and younger" in their notes.
    TermAges {
        taxonomy: "food-pantries",
        term: "CHILD MEAL SITE",
        ages: AgeRange {
            min: None,
            max: Some(18),
        },
    },
    // The same label, misspelt on one site.
    TermAges {
        taxonomy: "food-pantries",
        term: "CHILD MEAL SIGHT",
        ages: AgeRange {
            min: None,
            max: Some(18),
        },
    },
    // Food Oasis LA's 70 Summer Lunch sites link to lafoodbank.org/sfsp: the USDA
    // Summer Food Service Program, whose meals are for children and teens 18 and under.
    TermAges {
        taxonomy: "la-food-oasis",
        term: "Summer Lunch",
        ages: AgeRange {
            min: None,
            max: Some(18),
        },
    },
];

/// Age bounds from attributes: numeric `minimum_age`/`maximum_age` style tags, or
/// an `age`/`age_range` tag whose value is read like eligibility text.
fn age_attributes(service: &Service) -> AgeRange {
    const MIN_TAGS: [&str; 5] = [
        "minimum age",
        "min age",
        "age min",
        "age minimum",
        "lower age",
    ];
    const MAX_TAGS: [&str; 5] = [
        "maximum age",
        "max age",
        "age max",
        "age maximum",
        "upper age",
    ];
    const TEXT_TAGS: [&str; 7] = [
        "age",
        "ages",
        "age range",
        "age group",
        "age groups",
        "ages served",
        "age eligibility",
    ];
    let number = |value: &str| {
        value
            .trim()
            .split(|c: char| !c.is_ascii_digit())
            .next()
            .and_then(|d| d.parse::<u32>().ok())
            .filter(|n| *n <= MAX_AGE)
    };
    let mut range = AgeRange::ANY;
    for a in &service.attributes {
        let tag = words(&a.tag).join(" ");
        if MIN_TAGS.contains(&tag.as_str()) {
            range.min = range.min.or(number(&a.value));
        } else if MAX_TAGS.contains(&tag.as_str()) {
            range.max = range.max.or(number(&a.value));
        } else if TEXT_TAGS.contains(&tag.as_str())
            && let Some(read) = parse_ages(&a.value)
            && !range.is_known()
        {
            range = read;
        }
    }
    if range.min.zip(range.max).is_some_and(|(a, b)| a > b) {
        return AgeRange::ANY;
    }
    range
}

/// A token of an age statement.
#[derive(Debug, Clone, PartialEq, Eq)]
enum AgeToken {
    Num(u32),
    Word(String),
    Sym(char),
}

/// How a number's unit reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    /// No unit written.
    None,
    Years,
    Months,
    Weeks,
    /// Something that is not an age (days, percent, people, dollars ...).
    Other,
}

/// A number read at a position, with its unit.
#[derive(Debug, Clone, Copy)]
struct AgeNumber {
    value: u32,
    unit: Unit,
    /// "old" or "of age" was written after it.
    old: bool,
    /// The token after it (and its unit).
    next: usize,
}

impl AgeNumber {
    /// The number in whole years, `None` when its unit is not an age.
    fn years(&self) -> Option<u32> {
        let years = match self.unit {
            Unit::None | Unit::Years => self.value,
            Unit::Months => self.value / 12,
            Unit::Weeks => self.value / 52,
            Unit::Other => return None,
        };
        (years <= MAX_AGE).then_some(years)
    }

    fn has_age_unit(&self) -> bool {
        matches!(self.unit, Unit::Years) || self.old
    }
}

/// Words that name a group of people an age statement can be about.
const GROUP_WORDS: &[&str] = &[
    "adults",
    "adult",
    "women",
    "woman",
    "men",
    "man",
    "males",
    "male",
    "females",
    "female",
    "mothers",
    "fathers",
    "seniors",
    "elderly",
    "persons",
    "person",
    "people",
    "individuals",
    "individual",
    "anyone",
    "everyone",
    "children",
    "child",
    "kids",
    "youth",
    "youths",
    "teens",
    "teenagers",
    "adolescents",
    "adolescent",
    "boys",
    "girls",
    "infants",
    "toddlers",
    "minors",
    "students",
    "patients",
    "clients",
    "residents",
    "members",
    "spouse",
    "spouses",
];

/// Words after which a bare number is an age ("ages 5-17", "children 0-5").
fn is_cue(token: &AgeToken) -> bool {
    matches!(token, AgeToken::Word(w)
        if GROUP_WORDS.contains(&w.as_str())
            || matches!(w.as_str(), "ages" | "age" | "aged" | "participants" | "applicants" | "veterans"))
}

fn is_group(token: &AgeToken) -> bool {
    matches!(token, AgeToken::Word(w) if GROUP_WORDS.contains(&w.as_str()))
}

/// Words that make a sentence's ages someone else's or not firm: it is not read for ages.
const SKIP_WORDS: &[&str] = &[
    "parent",
    "parents",
    "family",
    "families",
    "household",
    "households",
    "caregiver",
    "caregivers",
    "guardian",
    "guardians",
    "their",
    "accompanied",
    "depending",
    "might",
    "may",
    "priority",
    "parental",
    "consent",
    "permission",
];

/// Group words too general to need an age of their own ("Open to individuals who ...
/// / 18 years or older"): only a sentence set aside makes them unsure.
const GENERAL_WORDS: &[&str] = &[
    "male",
    "males",
    "female",
    "females",
    "persons",
    "person",
    "people",
    "individuals",
    "individual",
    "anyone",
    "everyone",
    "clients",
    "patients",
    "residents",
    "members",
];

/// Reads the age statements of an eligibility text, or `None` when it has none
/// that can be read one way (see [`age_range`]).
fn parse_ages(text: &str) -> Option<AgeRange> {
    let mut statements: Vec<AgeRange> = Vec::new();
    // Group words the statements are about, and those named with no age of their own
    // (with whether their sentence was set aside).
    let mut with_age: Vec<String> = Vec::new();
    let mut without_age: Vec<(String, bool)> = Vec::new();
    // A number no statement explains: the statements may not be the whole story.
    let mut loose_number = false;
    let mut numbers = false;
    let mut read_words: Vec<String> = Vec::new();
    for segment in text.split(['\n', '.', ';', '*', '•', '|']) {
        let tokens = age_tokens(segment);
        numbers |=
            (0..tokens.len()).any(|k| number_at(&tokens, k).is_some_and(|n| n.unit != Unit::Other));
        let word_count = tokens
            .iter()
            .filter(|t| matches!(t, AgeToken::Word(_) | AgeToken::Num(_)))
            .count();
        // A long sentence (a legal definition) names ages in passing.
        if word_count == 0 || word_count > 30 {
            continue;
        }
        let skip = tokens
            .iter()
            .any(|t| matches!(t, AgeToken::Word(w) if SKIP_WORDS.contains(&w.as_str())))
            || contains_words(&tokens, &["case", "by", "case"])
            || contains_words(&tokens, &["regardless", "of", "age"])
            || contains_words(&tokens, &["preferred"])
            // The ages of a client's children ("Have a child 5-11 or 12-18 years old").
            || [
                &["have", "a", "child"][..],
                &["has", "a", "child"],
                &["with", "children"],
                &["of", "children"],
                &["child", "in", "the", "household"],
            ]
            .iter()
            .any(|w| contains_words(&tokens, w));
        let groups = || {
            tokens.iter().filter_map(|t| match t {
                AgeToken::Word(w) if GROUP_WORDS.contains(&w.as_str()) => Some(w.clone()),
                _ => None,
            })
        };
        if skip {
            // Its ages are someone else's or not firm; whoever it names may be any age.
            without_age.extend(groups().map(|g| (g, false)));
            continue;
        }
        read_words.extend(tokens.iter().filter_map(|t| match t {
            AgeToken::Word(w) => Some(w.clone()),
            _ => None,
        }));
        let mut attached = vec![false; tokens.len()];
        let mut used = vec![false; tokens.len()];
        let mut i = 0;
        while i < tokens.len() {
            let Some((range, start, end)) = statement_at(&tokens, i) else {
                i += 1;
                continue;
            };
            used[start..end.min(tokens.len())]
                .iter_mut()
                .for_each(|u| *u = true);
            attach(&tokens, start, &mut attached);
            statements.push(range);
            i = end.max(i + 1);
        }
        // A sentence with numbers or grades that still leaves someone without an age
        // ("Day Care: Children 2 months and up", "Children in grades K-5th") says
        // something about ages that was not read: the statements are not the whole story.
        let about_ages = tokens.iter().any(|t| {
            matches!(t, AgeToken::Num(_))
                || matches!(t, AgeToken::Word(w) if matches!(w.as_str(), "grade" | "grades" | "graders" | "kindergarten" | "preschool"))
        });
        for (t, a) in tokens.iter().zip(&attached) {
            if let AgeToken::Word(w) = t
                && GROUP_WORDS.contains(&w.as_str())
            {
                if *a {
                    with_age.push(w.clone());
                } else if !GENERAL_WORDS.contains(&w.as_str()) {
                    without_age.push((w.clone(), about_ages));
                }
            }
        }
        if used.contains(&true) {
            // "1 on 1 personal assistance" is no age either.
            let one_on_one = |k: usize| {
                word_at(&tokens, k + 1) == Some("on")
                    || (k > 0 && word_at(&tokens, k - 1) == Some("on"))
            };
            loose_number |= (0..tokens.len()).any(|k| {
                !(used[k] || not_an_age_before(&tokens, k) || one_on_one(k))
                    && number_at(&tokens, k).is_some_and(|n| n.unit == Unit::None)
            });
        }
    }
    if statements.is_empty() {
        let adults = !numbers && adults_only(&read_words);
        return adults.then_some(AgeRange {
            min: Some(18),
            max: None,
        });
    }
    // A group named without an age is unsure when the text gives it none anywhere,
    // or when it is named in a sentence that is about ages (or set aside).
    let unsure = without_age
        .iter()
        .any(|(g, about_ages)| *about_ages || !with_age.contains(g));
    if unsure || loose_number {
        return None;
    }
    statements.into_iter().reduce(AgeRange::union)
}

/// Marks the group words a statement starting at `start` is about: those just
/// before it, joined by "and", "or", commas and slashes ("children and youth
/// 5-17", "teens and young adults with intellectual disabilities 14-22"), as long
/// as they are all young people or all adults ("pregnant women and children up
/// to 3" is about the children). A statement in brackets is about the one group
/// before the bracket ("adolescents (13-17)"); one that opens a bracket is about
/// what is in it ("(boys under age 12 only)").
fn attach(tokens: &[AgeToken], start: usize, attached: &mut [bool]) {
    let mut j = start;
    let mut kind: Option<bool> = None;
    let mut bracket = false;
    while j > 0 {
        let t = &tokens[j - 1];
        if matches!(t, AgeToken::Sym('(')) {
            if kind.is_some() {
                break;
            }
            bracket = true;
        } else if let AgeToken::Word(w) = t
            && GROUP_WORDS.contains(&w.as_str())
        {
            let young = YOUNG_WORDS.contains(&w.as_str());
            let general = GENERAL_WORDS.contains(&w.as_str());
            if kind.is_some_and(|k| k != young) && !general {
                break;
            }
            attached[j - 1] = true;
            if !general {
                kind = kind.or(Some(young));
            }
            if bracket {
                break;
            }
        } else if !(matches!(t, AgeToken::Sym(',' | '/' | '&'))
            || matches!(t, AgeToken::Word(w) if w == "and" || w == "or" || w == "young"))
        {
            // A few words describing the group ("adults with intellectual
            // disabilities", "elderly or disabled citizens") may stand between it
            // and its ages; "and" may not
            // ("pregnant women and babies up to 1" is not about the women).
            let back = (1..=4)
                .take_while(|k| *k < j)
                .take_while(|k| matches!(&tokens[j - 1 - k], AgeToken::Word(w) if w != "and"))
                .find(|k| is_group(&tokens[j - 1 - k]));
            match back {
                Some(k) => j -= k,
                None => break,
            }
            continue;
        }
        j -= 1;
    }
}

/// The group words for young people (the rest are adults, or anyone).
const YOUNG_WORDS: &[&str] = &[
    "children",
    "child",
    "kids",
    "youth",
    "youths",
    "teens",
    "teenagers",
    "teen",
    "adolescents",
    "adolescent",
    "boys",
    "girls",
    "infants",
    "toddlers",
    "minors",
    "students",
];

/// Whether a text with no numbers says the service is for adults, and names nobody else.
fn adults_only(words: &[String]) -> bool {
    static NOT_ADULTS: OnceLock<Vec<Phrase>> = OnceLock::new();
    let not_adults = NOT_ADULTS.get_or_init(|| {
        phrases(&[
            "young adult*",
            "older adult*",
            "adult child*",
            "adult day",
            "adult education",
            "adult basic",
        ])
    });
    const OTHERS: [&str; 25] = [
        "children",
        "child",
        "kids",
        "youth",
        "youths",
        "teens",
        "teenagers",
        "adolescents",
        "adolescent",
        "minors",
        "juveniles",
        "infants",
        "toddlers",
        "newborns",
        "boys",
        "girls",
        "students",
        "anyone",
        "everyone",
        "young",
        "pediatric",
        "population",
        "populations",
        "age",
        "ages",
    ];
    let mut masked = vec![false; words.len()];
    for p in not_adults {
        p.mask(words, &mut masked);
    }
    let adults = words
        .iter()
        .zip(&masked)
        .any(|(w, m)| !m && (w == "adult" || w == "adults"));
    adults && !words.iter().any(|w| OTHERS.contains(&w.as_str()))
}

fn contains_words(tokens: &[AgeToken], wanted: &[&str]) -> bool {
    tokens.windows(wanted.len()).any(|w| {
        w.iter()
            .zip(wanted)
            .all(|(t, want)| matches!(t, AgeToken::Word(x) if x == want))
    })
}

/// Splits a sentence into numbers, words (as [`words`] spells them) and symbols.
/// `18yrs` is a number and a word; `5th` is a word.
fn age_tokens(segment: &str) -> Vec<AgeToken> {
    let mut tokens = Vec::new();
    let chars: Vec<char> = segment.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_ascii_digit() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            let digits: String = chars[start..i].iter().collect();
            let value = digits.parse::<u32>().unwrap_or(u32::MAX);
            let suffix: String = chars[i..]
                .iter()
                .take_while(|c| c.is_alphabetic())
                .collect::<String>()
                .to_lowercase();
            if matches!(suffix.as_str(), "st" | "nd" | "rd" | "th") {
                tokens.push(AgeToken::Word(format!("{digits}{suffix}")));
                i += suffix.chars().count();
            } else {
                tokens.push(AgeToken::Num(value));
            }
        } else if c.is_alphabetic() || matches!(c, '\'' | '’') {
            let start = i;
            while i < chars.len() && (chars[i].is_alphabetic() || matches!(chars[i], '\'' | '’'))
            {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            tokens.extend(words(&word).into_iter().map(AgeToken::Word));
        } else {
            if !c.is_whitespace() {
                let sym = match c {
                    '–' | '—' | '‐' | '‑' => '-',
                    other => other,
                };
                tokens.push(AgeToken::Sym(sym));
            }
            i += 1;
        }
    }
    tokens
}

fn word_at(tokens: &[AgeToken], i: usize) -> Option<&str> {
    match tokens.get(i) {
        Some(AgeToken::Word(w)) => Some(w.as_str()),
        _ => None,
    }
}

/// The number at `i` with the unit after it ("18", "18 years old", "6 weeks", "60 years of age").
fn number_at(tokens: &[AgeToken], i: usize) -> Option<AgeNumber> {
    let Some(AgeToken::Num(value)) = tokens.get(i) else {
        return None;
    };
    let mut next = i + 1;
    // "24-hour", "30-day", "5-year-old": a unit joined by a dash.
    let hyphen = matches!(tokens.get(next), Some(AgeToken::Sym('-')))
        && matches!(tokens.get(next + 1), Some(AgeToken::Word(_)));
    if hyphen {
        next += 1;
    }
    let unit = match tokens.get(next) {
        Some(AgeToken::Sym('%' | '$')) => Unit::Other,
        Some(AgeToken::Word(w)) => match w.as_str() {
            "years" | "year" | "yrs" | "yr" | "yo" => Unit::Years,
            "months" | "month" | "mos" | "mo" => Unit::Months,
            "weeks" | "week" | "wks" => Unit::Weeks,
            "days" | "day" | "hours" | "hour" | "minutes" | "percent" | "people" | "persons"
            | "units" | "households" | "dollars" | "words" | "miles" | "pounds" | "lbs"
            | "members" | "times" | "visits" | "sessions" | "am" | "pm" | "grade" | "pt" => {
                Unit::Other
            }
            _ => Unit::None,
        },
        _ => Unit::None,
    };
    if matches!(unit, Unit::Years | Unit::Months | Unit::Weeks | Unit::Other) {
        next += 1;
    } else if hyphen {
        // A dash and a word that is no unit ("5-adult"): the dash is not the number's.
        next -= 1;
    }
    let mut old = false;
    if matches!(unit, Unit::Years | Unit::Months | Unit::Weeks) {
        if hyphen
            && matches!(tokens.get(next), Some(AgeToken::Sym('-')))
            && word_at(tokens, next + 1) == Some("old")
        {
            old = true;
            next += 2;
        } else if word_at(tokens, next) == Some("old") {
            old = true;
            next += 1;
        } else if word_at(tokens, next) == Some("of") && word_at(tokens, next + 1) == Some("age") {
            old = true;
            next += 2;
        }
    }
    Some(AgeNumber {
        value: *value,
        unit,
        old,
        next,
    })
}

/// Whether a statement ending before `i` stands alone: the sentence ends or a
/// bracket or comma closes it.
fn ends_at(tokens: &[AgeToken], i: usize) -> bool {
    matches!(tokens.get(i), None | Some(AgeToken::Sym(')' | ',' | ':')))
}

/// Whether the number before `i` is a price, a percentage, a grade or a phone number, not an age.
fn not_an_age_before(tokens: &[AgeToken], i: usize) -> bool {
    if i == 0 {
        return false;
    }
    // "K-12", "I-95": the word before the dash.
    let k = if matches!(tokens[i - 1], AgeToken::Sym('-')) && i >= 2 {
        i - 2
    } else {
        i - 1
    };
    matches!(tokens[i - 1], AgeToken::Sym('$' | '#' | '£' | '€'))
        || matches!(
            word_at(tokens, k),
            Some("grade" | "grades" | "k" | "i" | "room" | "suite" | "district")
        )
}

/// Whether the number at `i` follows a word that makes it a duration ("for at
/// least 3-5 years", "in 3 years", "within the last 2 years"), not an age.
fn duration_before(tokens: &[AgeToken], i: usize) -> bool {
    i > 0
        && matches!(
            word_at(tokens, i - 1),
            Some("for" | "in" | "within" | "last" | "past" | "least" | "than" | "every" | "after")
        )
}

/// The age statement that starts at `i`, with where it starts and ends.
fn statement_at(tokens: &[AgeToken], i: usize) -> Option<(AgeRange, usize, usize)> {
    let cue = |at: usize| {
        let mut k = at;
        while k > 0 && matches!(tokens[k - 1], AgeToken::Sym('(')) {
            k -= 1;
        }
        k > 0 && is_cue(&tokens[k - 1])
    };
    let lower = |n: u32| AgeRange {
        min: Some(n),
        max: None,
    };
    let upper = |n: u32| AgeRange {
        min: None,
        max: Some(n),
    };
    match &tokens[i] {
        AgeToken::Num(_) => {
            if not_an_age_before(tokens, i) {
                return None;
            }
            let a = number_at(tokens, i)?;
            if a.unit == Unit::Other || duration_before(tokens, i) {
                return None;
            }
            let cued = cue(i);
            // A range: "5-17 years old", "ages 5 to 17", "children 0-5", "6 weeks - 9 years old".
            let to = matches!(tokens.get(a.next), Some(AgeToken::Sym('-')))
                || matches!(word_at(tokens, a.next), Some("to" | "through" | "thru"));
            if to && let Some(b) = number_at(tokens, a.next + 1) {
                if b.unit == Unit::Other || matches!(tokens.get(b.next), Some(AgeToken::Sym('%'))) {
                    return None;
                }
                let small_unit = |n: &AgeNumber| matches!(n.unit, Unit::Months | Unit::Weeks);
                // Months or weeks count only at the young end of a range that ends in years.
                if small_unit(&b) && !b.old {
                    return None;
                }
                let a_years = if a.unit == Unit::None && small_unit(&b) {
                    AgeNumber { unit: b.unit, ..a }.years()
                } else {
                    a.years()
                }?;
                let b_years = b.years()?;
                let aged = a.has_age_unit() || b.has_age_unit() || cued;
                if !aged || a_years > b_years {
                    return None;
                }
                let mut end = b.next;
                let open = matches!(word_at(tokens, end), Some("and" | "or"))
                    && matches!(
                        word_at(tokens, end + 1),
                        Some("older" | "over" | "up" | "above")
                    );
                if open {
                    end += 2;
                }
                let range = AgeRange {
                    min: Some(a_years),
                    max: (!open).then_some(b_years),
                };
                return Some((range, i, end));
            }
            // "2 months and up" is an age; "3 months" alone is as often rent or a wait.
            let open_after = matches!(word_at(tokens, a.next), Some("and" | "or"))
                && matches!(word_at(tokens, a.next + 1), Some("older" | "up"));
            if matches!(a.unit, Unit::Months | Unit::Weeks) && !a.old && !open_after {
                return None;
            }
            let years = a.years()?;
            // "18+", "Seniors (60+)".
            if matches!(tokens.get(a.next), Some(AgeToken::Sym('+'))) {
                return Some((lower(years), i, a.next + 1));
            }
            // "18 and older", "60 years of age or older", "7 years old and up", "60 & over".
            if matches!(word_at(tokens, a.next), Some("and" | "or"))
                || matches!(tokens.get(a.next), Some(AgeToken::Sym('&')))
            {
                let end = a.next + 2;
                match word_at(tokens, a.next + 1) {
                    Some("older") => return Some((lower(years), i, end)),
                    Some("over" | "above" | "up" | "greater") if a.has_age_unit() || cued => {
                        return Some((lower(years), i, end));
                    }
                    Some("younger") => return Some((upper(years), i, end)),
                    Some("under" | "below" | "less") if a.has_age_unit() || cued => {
                        return Some((upper(years), i, end));
                    }
                    _ => {}
                }
            }
            None
        }
        AgeToken::Word(w) => {
            let w = w.as_str();
            if w == "between" {
                return between_at(tokens, i, cue(i));
            }
            // "birth - 8 years old", "birth to 5".
            if w == "birth" {
                let to = matches!(tokens.get(i + 1), Some(AgeToken::Sym('-')))
                    || matches!(word_at(tokens, i + 1), Some("to" | "through" | "thru"));
                let b = number_at(tokens, i + 2).filter(|_| to)?;
                if b.unit == Unit::Other || !(b.has_age_unit() || cue(i)) {
                    return None;
                }
                let range = AgeRange {
                    min: Some(0),
                    max: Some(b.years()?),
                };
                return Some((range, i, b.next));
            }
            // "over 18 years old", "over the age of 60", "older than 55", "at least 18 years of age".
            let (bound_lower, skip, strong) = match w {
                "over" | "above" => (true, 1, false),
                "older" if word_at(tokens, i + 1) == Some("than") => (true, 2, true),
                "at" if word_at(tokens, i + 1) == Some("least") => (true, 2, false),
                "minimum" if word_at(tokens, i + 1) == Some("age") => (true, 2, true),
                "under" | "below" => (false, 1, false),
                "younger" if word_at(tokens, i + 1) == Some("than") => (false, 2, true),
                "less" if word_at(tokens, i + 1) == Some("than") => (false, 2, false),
                "up" if word_at(tokens, i + 1) == Some("to") => (false, 2, false),
                _ => return None,
            };
            let mut k = i + skip;
            let mut says_age = strong;
            // "the age of", "age", "of".
            if word_at(tokens, k) == Some("the") && word_at(tokens, k + 1) == Some("age") {
                k += 2;
                says_age = true;
            } else if word_at(tokens, k) == Some("age") {
                k += 1;
                says_age = true;
            }
            if word_at(tokens, k) == Some("of") {
                k += 1;
            }
            let n = number_at(tokens, k)?;
            if n.unit == Unit::Other
                || (matches!(n.unit, Unit::Months | Unit::Weeks) && !n.old)
                || matches!(tokens.get(n.next), Some(AgeToken::Sym('-' | '%')))
            {
                return None;
            }
            let years = n.years()?;
            let plain_under = w == "under" && ends_at(tokens, n.next);
            // "over 18 years" and "less than 5 years" without "old" are as often durations.
            if !(says_age || n.old || cue(i) || plain_under) {
                return None;
            }
            let range = if bound_lower {
                lower(years)
            } else if w == "up" {
                upper(years)
            } else {
                upper(years.checked_sub(1)?)
            };
            Some((range, i, n.next))
        }
        AgeToken::Sym(_) => None,
    }
}

/// "between 16-24 years old", "between the ages of 14 and 24".
fn between_at(tokens: &[AgeToken], i: usize, cued: bool) -> Option<(AgeRange, usize, usize)> {
    let mut k = i + 1;
    let mut says_age = cued;
    if word_at(tokens, k) == Some("the") && word_at(tokens, k + 1) == Some("ages") {
        k += 2;
        says_age = true;
    } else if word_at(tokens, k) == Some("ages") {
        k += 1;
        says_age = true;
    }
    if word_at(tokens, k) == Some("of") {
        k += 1;
    }
    let a = number_at(tokens, k)?;
    let to = matches!(tokens.get(a.next), Some(AgeToken::Sym('-')))
        || matches!(word_at(tokens, a.next), Some("and" | "to"));
    if !to || a.unit == Unit::Other {
        return None;
    }
    let b = number_at(tokens, a.next + 1)?;
    if b.unit == Unit::Other || !(says_age || a.old || b.old) {
        return None;
    }
    let (min, max) = (a.years()?, b.years()?);
    (min <= max).then_some((
        AgeRange {
            min: Some(min),
            max: Some(max),
        },
        i,
        b.next,
    ))
}

// ---------------------------------------------------------------------------
// Cost
// ---------------------------------------------------------------------------

/// Whether a service costs nothing, by what the data says.
///
/// The listing's own word decides when it has one: a cost option with an
/// amount above 0, or a fee text or cost attribute that names a price, a
/// sliding scale, insurance or a membership makes it not free; an amount of 0,
/// or a fee text such as "Free", "No fee", "No cost", "None" makes it free.
/// Otherwise it is free when its description says so of the whole service
/// ("All services are free and confidential") or a list-wide rule in
/// [`FREE_LISTS`] covers it, unless its description names a price.
pub fn is_free(service: &Service) -> bool {
    if let Some(free) = stated_cost(service) {
        return free;
    }
    let description = service.description.as_deref().unwrap_or("");
    let priced = names_a_price(description);
    !priced && (free_by_description(description) || free_by_list(service))
}

/// What the listing says of its own cost: `Some(false)` when anything names a
/// cost, `Some(true)` when something says free and nothing names a cost.
fn stated_cost(service: &Service) -> Option<bool> {
    let mut verdicts: Vec<Option<bool>> = Vec::new();
    for option in &service.cost_options {
        verdicts.push(match option.amount {
            Some(a) if a > 0.0 => Some(false),
            Some(0.0) => Some(true),
            _ => None,
        });
        verdicts.extend(
            [&option.option, &option.amount_description]
                .into_iter()
                .flatten()
                .map(|text| fee_text(text)),
        );
    }
    verdicts.push(service.fees_description.as_deref().and_then(fee_text));
    verdicts.extend(
        service
            .attributes
            .iter()
            .map(|a| cost_attribute(&a.tag, &a.value)),
    );
    verdict(verdicts.into_iter())
}

/// What a fee text says: `Some(false)` for a cost, `Some(true)` for free, `None` for neither.
///
/// "Free", "No fee", "No cost", "None", "$0", "Gratis" are free; "Free consultation,
/// then $50", "Sliding fee scale", "Medicaid accepted", "Free for members" are not.
fn fee_text(text: &str) -> Option<bool> {
    static COSTS: OnceLock<Vec<Phrase>> = OnceLock::new();
    static FREE: OnceLock<Vec<Phrase>> = OnceLock::new();
    static NOT_FREE: OnceLock<Vec<Phrase>> = OnceLock::new();
    let costs = COSTS.get_or_init(|| {
        phrases(&[
            "sliding",
            "fee scale",
            "scale",
            "copay*",
            "co pay*",
            "coinsurance",
            "deductible*",
            "insurance",
            "medicaid",
            "medicare",
            "private pay",
            "self pay",
            "fee for service",
            "reduced",
            "discount*",
            "low cost",
            "minimal",
            "nominal",
            "small fee*",
            "varies",
            "vary",
            "depends",
            "depending",
            "tuition",
            "membership",
            "members",
            "dues",
            "per *",
            "a month",
            "a week",
            "a year",
            "a session",
            "a charge",
            "a fee",
            "charges",
            "fee for",
            "fees for",
            "fee of",
            "fee is",
            "fees are",
            "consultation",
            "initial",
            "first visit",
            "first session",
            "trial",
            "donation required",
            "required donation",
            "suggested donation",
            "except",
            "unless",
            "some services",
            "pay",
            "paid",
            "payment*",
            "cost share",
            "cost sharing",
            "income based",
            "based on income",
            "rate",
            "rates",
            "dollars",
            "cents",
        ])
    });
    let free = FREE.get_or_init(|| {
        phrases(&[
            "free",
            "no fee*",
            "no cost*",
            "no charge*",
            "without charge",
            "without cost",
            "not charge",
            "never charge*",
            "costs nothing",
            "zero cost",
            "gratis",
            "gratuito*",
            "gratuita*",
            "sin costo",
            "sin cargo",
            "no hay costo",
        ])
    });
    // "free" that is not about money.
    let not_free = NOT_FREE.get_or_init(|| {
        phrases(&[
            "toll free",
            "drug free",
            "smoke free",
            "alcohol free",
            "tobacco free",
            "gluten free",
            "sugar free",
            "fat free",
            "scent free",
            "fragrance free",
            "barrier free",
            "hands free",
            "tax free",
            "latex free",
            "nut free",
            "free standing",
            "free play",
        ])
    });
    let lower = text.to_lowercase();
    match currency_amount(&lower) {
        Some(amount) if amount > 0.0 => return Some(false),
        Some(_) => return Some(true),
        None => {}
    }
    let words = words(text);
    if words.is_empty() {
        return None;
    }
    if any_in(costs, &words) {
        return Some(false);
    }
    let mut masked = vec![false; words.len()];
    for p in not_free {
        p.mask(&words, &mut masked);
    }
    let says_free = free.iter().any(|p| p.found(&words, &masked))
        || words[0] == "none"
        || words == ["0"]
        || words == ["0", "00"];
    says_free.then_some(true)
}

/// The first amount written with a currency sign (`$50`, `£ 35.00`, `$0`).
fn currency_amount(lower: &str) -> Option<f64> {
    let at = lower.find(['$', '£', '€'])?;
    let rest = lower[at..].trim_start_matches(['$', '£', '€']).trim_start();
    let number: String = rest
        .chars()
        .take_while(|c| c.is_ascii_digit() || matches!(c, '.' | ','))
        .filter(|c| *c != ',')
        .collect();
    number.trim_end_matches('.').parse::<f64>().ok()
}

/// Whether a free text names a price: an amount above 0, a sliding scale, a copay.
fn names_a_price(text: &str) -> bool {
    static PRICES: OnceLock<Vec<Phrase>> = OnceLock::new();
    let prices = PRICES.get_or_init(|| {
        phrases(&[
            "sliding fee*",
            "sliding scale",
            "copay*",
            "co pay*",
            "fee of",
            "membership fee*",
            "per visit",
            "per session",
            "tuition",
        ])
    });
    currency_amount(&text.to_lowercase()).is_some_and(|a| a > 0.0) || any_in(prices, &words(text))
}

/// What a cost attribute says (`fees: None`, `free: yes`, `cost: $20`), `None` for other attributes.
fn cost_attribute(tag: &str, value: &str) -> Option<bool> {
    const COST_TAGS: [&str; 13] = [
        "fee",
        "fees",
        "cost",
        "costs",
        "price",
        "prices",
        "payment",
        "payments",
        "charge",
        "charges",
        "free",
        "gratis",
        "fee description",
    ];
    let tag_words = words(tag);
    if !tag_words.iter().any(|w| COST_TAGS.contains(&w.as_str())) {
        return None;
    }
    let value_words = words(value);
    let yes =
        matches!(value_words.as_slice(), [w] if matches!(w.as_str(), "yes" | "y" | "true" | "si"));
    let no = matches!(value_words.as_slice(), [w] if matches!(w.as_str(), "no" | "n" | "false"));
    let about_free = tag_words
        .iter()
        .any(|w| matches!(w.as_str(), "free" | "gratis"))
        || tag_words.windows(2).any(|w| w == ["no", "cost"]);
    match (about_free, yes, no) {
        (true, true, _) => Some(true),
        (true, _, true) => Some(false),
        _ => fee_text(value),
    }
}

/// Whether a description says the whole service is free ("All services are free
/// and confidential", "There is no cost to participate"). Phrases about one
/// part of a service ("free play", "free snacks", "Parking is free") are not read.
fn free_by_description(description: &str) -> bool {
    static WHOLE: OnceLock<Vec<Phrase>> = OnceLock::new();
    let whole = WHOLE.get_or_init(|| {
        phrases(&[
            "services are free",
            "services are provided free of charge",
            "services are offered free of charge",
            "services offered free of charge",
            "services are at no cost",
            "services are provided at no cost",
            "there is no cost to participate",
            "the program is free",
            "is a free program",
        ])
    });
    !description.is_empty() && any_in(whole, &words(description))
}

/// A bundled list whose listings (all, or those with one of `terms`) cost nothing.
struct FreeList {
    dataset: &'static str,
    /// Term codes or names (any case); empty for every listing.
    terms: &'static [&'static str],
    /// Terms that take a listing out again.
    unless: &'static [&'static str],
}

/// List-wide cost rules: what is true of every listing they cover.
///
/// Left out on purpose: HRSA health centers (a sliding fee scale, by law), VA
/// medical centers and clinics (copays by priority group), HUD housing (rent),
/// housing counseling agencies (HUD lets them charge fees), SAMHSA facilities
/// (most bill insurance), farmers markets and LA supermarkets (they sell food).
const FREE_LISTS: [FreeList; 4] = [
    // Pantries, meal sites and TEFAP distributions listed by food banks give food at
    // no cost: food-bank partner agencies may not charge for the food they hand out,
    // TEFAP food is given free, Second Harvest tags its 255 sites "Free Groceries",
    // and the child meal sites say "Free meals for children". Job, financial-help and
    // health listings in the same locators (labelled JOB RESOURCE ...) are not
    // covered, nor are the two farmers markets.
    FreeList {
        dataset: "food-pantries",
        terms: &[
            "Food pantry",
            "Free Groceries",
            "Soup Kitchen",
            "Meal Site",
            "Ready-To-Eat Meals",
            "Mobile Food Bank",
            "TEFAP Available",
            "TEFAP Only",
            "Emergency Food",
            "CHILD MEAL SITE",
            "CHILD MEAL SIGHT",
            "HOT MEAL",
            "FOOD DISTRIBUTION",
        ],
        unless: &["Farmers Markets"],
    },
    // Food pantries (345) give food at no cost; Summer Lunch sites (70) are USDA
    // Summer Food Service Program sites (lafoodbank.org/sfsp), free to children.
    // Supermarkets, farmers markets, restaurants and gardens are not covered.
    FreeList {
        dataset: "la-food-oasis",
        terms: &["Food Pantry", "Summer Lunch"],
        unless: &[],
    },
    // Public libraries lend, and offer computers and internet, to residents at no
    // cost; a card for non-residents, printing and fines may cost.
    FreeList {
        dataset: "imls-libraries",
        terms: &[],
        unless: &[],
    },
    // Vet Centers (and their outstations and mobile units) give readjustment
    // counseling at no cost to eligible veterans, service members and their
    // families. VA medical centers and clinics charge copays by priority group.
    FreeList {
        dataset: "va-facilities",
        terms: &["VCTR", "VCTROS", "MVCTR"],
        unless: &[],
    },
];

fn free_by_list(service: &Service) -> bool {
    let has = |names: &[&str]| {
        service.taxonomy_terms.iter().any(|t| {
            names
                .iter()
                .any(|n| t.code.eq_ignore_ascii_case(n) || t.name.eq_ignore_ascii_case(n))
        })
    };
    FREE_LISTS.iter().any(|list| {
        list.dataset == service.source.dataset
            && (list.terms.is_empty() || has(list.terms))
            && !has(list.unless)
    })
}

// ---------------------------------------------------------------------------
// Accessibility
// ---------------------------------------------------------------------------

/// Whether a location's accessibility notes say a wheelchair user can get in
/// ("Handicap accessible", "Wheelchair access is possible on all levels", "ADA
/// accessible", "accessible entrance"). A note that says otherwise ("not
/// wheelchair accessible", "no elevator", "stairs only") makes it false, and so
/// does having no note.
pub fn wheelchair_accessible(location: &Location) -> bool {
    verdict(location.accessibility.iter().map(|n| access_note(n))) == Some(true)
}

/// Whether a wheelchair user can get into any of the service's locations, or,
/// when no location says, whether the service's accessibility attributes say so.
pub fn service_accessible(service: &Service) -> bool {
    if service.locations.iter().any(wheelchair_accessible) {
        return true;
    }
    verdict(
        service
            .attributes
            .iter()
            .map(|a| access_attribute(&a.tag, &a.value)),
    ) == Some(true)
}

/// Notes together: any "no" is no, else any "yes" is yes.
fn verdict(notes: impl Iterator<Item = Option<bool>>) -> Option<bool> {
    let mut yes = false;
    for note in notes {
        match note {
            Some(false) => return Some(false),
            Some(true) => yes = true,
            None => {}
        }
    }
    yes.then_some(true)
}

/// What one accessibility note says about wheelchair access.
fn access_note(text: &str) -> Option<bool> {
    static NO: OnceLock<Vec<Phrase>> = OnceLock::new();
    static YES: OnceLock<Vec<Phrase>> = OnceLock::new();
    let no = NO.get_or_init(|| {
        phrases(&[
            "not wheelchair accessible",
            "not accessible",
            "not handicap*",
            "not ada",
            "not fully accessible",
            "isnt accessible",
            "inaccessible",
            "non accessible",
            "no wheelchair*",
            "no handicap*",
            "no elevator*",
            "no ramp*",
            "no lift",
            "no accessible",
            "limited access*",
            "limited wheelchair",
            "partially accessible",
            "partial access*",
            "stairs only",
            "steps only",
            "only by stairs",
            "only accessible by stairs",
            "not barrier free",
        ])
    });
    let yes = YES.get_or_init(|| {
        phrases(&[
            "wheelchair accessible",
            "wheelchair access*",
            "accessible to wheelchair*",
            "accessible for wheelchair*",
            "handicap* accessible",
            "handicap* access*",
            "ada accessible",
            "ada compliant",
            "ada access*",
            "accessible entrance*",
            "accessible entry",
            "barrier free",
            "step free",
            "fully accessible",
            "ramp",
            "ramps",
            "elevator*",
        ])
    });
    let words = words(text);
    if any_in(no, &words) {
        Some(false)
    } else if any_in(yes, &words) || words == ["accessible"] {
        Some(true)
    } else {
        None
    }
}

/// What an accessibility attribute says (`wheelchair_accessible: yes`,
/// `accessibility: ADA compliant`), `None` for other attributes.
fn access_attribute(tag: &str, value: &str) -> Option<bool> {
    let tag_words = words(tag);
    let about_access = tag_words
        .iter()
        .any(|w| w.starts_with("accessib") || w.starts_with("wheelchair") || w == "ada");
    if !about_access {
        return None;
    }
    match words(value).as_slice() {
        [w] if matches!(w.as_str(), "yes" | "y" | "true") => Some(true),
        [w] if matches!(w.as_str(), "no" | "n" | "false") => Some(false),
        _ => access_note(value),
    }
}

#[cfg(test)]
mod tests;
