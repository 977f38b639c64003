//! Turning what someone typed into the text part of a search.
//!
//! The words are folded (lower case, accents off) and read left to right. A run
//! of words that is a phrase of the need vocabulary ("cupones de comida", "rent
//! help") becomes one *concept* that matches its categories, taxonomy codes and
//! the English words listings use for it; any other word matches the name,
//! organization or description (English stems; Spanish stems too when the text
//! is Spanish). A word that is not in the index and is long enough is also
//! matched by its closest spellings (one edit for 5–8 letters, two for 9 or
//! more, never the first letter), weighted below exact matches. Every concept
//! must match (AND); within one, any way of matching will do (OR).

use std::sync::LazyLock;

use super::union::AnyOf;
use tantivy::Searcher;
use tantivy::Term;
use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScoreQuery, Occur, PhraseQuery, Query, TermQuery, TermSetQuery,
};
use tantivy::schema::{Field, IndexRecordOption};

use super::schema::{self, Fields};
use super::words;
use crate::model::{Lang, Need, Term as VocabularyTerm, vocabulary};

/// At most this many words of a text are used; the rest of a very long text is ignored.
pub const MAX_QUERY_WORDS: usize = 24;

/// A word that occurs in fewer documents than this is looked up by its closest spellings too.
const RARE: u32 = 3;

/// Words that say how someone asks, not what they need ("help", "near",
/// "free", "necesito", "cerca"): they add to the score but are not required,
/// unless the text has nothing else.
const FILLER: &[&str] = &[
    "help",
    "helping",
    "need",
    "needs",
    "needed",
    "find",
    "finding",
    "get",
    "getting",
    "near",
    "nearby",
    "me",
    "my",
    "i",
    "im",
    "looking",
    "want",
    "where",
    "someone",
    "somewhere",
    "service",
    "services",
    "program",
    "programs",
    "place",
    "places",
    "resource",
    "resources",
    "free",
    "cheap",
    "low",
    "cost",
    "local",
    "area",
    "today",
    "now",
    "open",
    "apply",
    "applying",
    "info",
    "information",
    "pay",
    "paying",
    "with",
    "can",
    "ayuda",
    "ayudar",
    "necesito",
    "necesita",
    "busco",
    "buscar",
    "cerca",
    "donde",
    "quiero",
    "gratis",
    "gratuito",
    "gratuita",
    "lugar",
    "servicio",
    "servicios",
    "programa",
    "programas",
    "hoy",
    "abierto",
    "informacion",
    "pagar",
    "aplicar",
];

/// Words that name a kind of place, not a need ("clinic", "center", "oficina"):
/// required only when the text names no need.
const FACILITY: &[&str] = &[
    "clinic",
    "clinics",
    "center",
    "centers",
    "centre",
    "office",
    "offices",
    "agency",
    "agencies",
    "organization",
    "clinica",
    "clinicas",
    "centro",
    "centros",
    "oficina",
    "oficinas",
    "agencia",
];

/// How much a part of the text says about the need: the parts that say most are
/// required, the rest only add to the score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Weight {
    Need,
    Facility,
    Filler,
}

fn weight_of(phrase: &[String]) -> Weight {
    match phrase {
        [one] if FACILITY.contains(&one.as_str()) => Weight::Facility,
        [one] if FILLER.contains(&one.as_str()) => Weight::Filler,
        _ => Weight::Need,
    }
}

/// A word must occur in fewer documents than this to be looked up by its closest spellings.
const UNCOMMON: u32 = 20;

/// The text part of a search.
pub struct TextQuery {
    /// One query per concept (a vocabulary phrase or a word); all should match.
    pub required: Vec<Box<dyn Query>>,
    /// Queries that only add to the score: filler words, the whole text in the name.
    pub optional: Vec<Box<dyn Query>>,
    /// What the text was read as, for showing back: stems, vocabulary phrases, corrections.
    pub read_as: Vec<String>,
    /// True when the text was read as Spanish.
    pub spanish: bool,
    /// The SDOH needs of the vocabulary phrases the text holds (for the search log).
    pub needs: Vec<Need>,
}

/// The vocabulary with each phrase folded as the query words are.
static FOLDED: LazyLock<Vec<(Vec<String>, &'static VocabularyTerm)>> = LazyLock::new(|| {
    vocabulary()
        .iter()
        .map(|t| (words::fold(&t.phrase), t))
        .filter(|(w, _)| !w.is_empty())
        .collect()
});

fn analyze(analyzer: &mut tantivy::tokenizer::TextAnalyzer, text: &str) -> Vec<String> {
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while stream.advance() {
        if !out.contains(&stream.token().text) {
            out.push(stream.token().text.clone());
        }
    }
    out
}

/// The stems of a phrase with their positions (stop words leave gaps).
fn positioned(analyzer: &mut tantivy::tokenizer::TextAnalyzer, text: &str) -> Vec<(usize, String)> {
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while stream.advance() {
        out.push((stream.token().position, stream.token().text.clone()));
    }
    out
}

fn phrase_query(field: Field, stems: &[(usize, String)], boost: f32) -> Option<Box<dyn Query>> {
    let q: Box<dyn Query> = match stems {
        [] => return None,
        [(_, one)] => term_query(field, one, 1.0),
        many => {
            let first = many[0].0;
            Box::new(PhraseQuery::new_with_offset(
                many.iter()
                    .map(|(p, s)| (p - first, Term::from_field_text(field, s)))
                    .collect(),
            ))
        }
    };
    Some(Box::new(BoostQuery::new(q, boost)))
}

fn term_query(field: Field, text: &str, boost: f32) -> Box<dyn Query> {
    let q = TermQuery::new(
        Term::from_field_text(field, text),
        IndexRecordOption::WithFreqs,
    );
    Box::new(BoostQuery::new(Box::new(q), boost))
}

/// The analyzers, built once (with their stop-word sets): each search clones
/// them, since reading text needs a mutable analyzer.
static ENGLISH: LazyLock<tantivy::tokenizer::TextAnalyzer> =
    LazyLock::new(schema::english_analyzer);
static SPANISH: LazyLock<tantivy::tokenizer::TextAnalyzer> = LazyLock::new(words::spanish_analyzer);

/// Builds the text part of a search. `spanish`: `Some` when the searcher said
/// which language (`lang=`), `None` to tell from the text.
pub fn build(fields: &Fields, searcher: &Searcher, text: &str, spanish: Option<bool>) -> TextQuery {
    let mut english = ENGLISH.clone();
    let mut spanish_analyzer = SPANISH.clone();
    let spanish = spanish.unwrap_or_else(|| words::looks_spanish(text));
    let mut raw = words::fold(text);
    raw.truncate(MAX_QUERY_WORDS);

    let mut concepts: Vec<(Weight, Box<dyn Query>)> = Vec::new();
    let mut out = TextQuery {
        required: Vec::new(),
        optional: Vec::new(),
        read_as: Vec::new(),
        spanish,
        needs: Vec::new(),
    };
    let mut i = 0;
    while i < raw.len() {
        // The longest vocabulary phrase starting here.
        let longest = FOLDED
            .iter()
            .filter(|(phrase, _)| raw[i..].starts_with(phrase))
            .map(|(phrase, _)| phrase.len())
            .max();
        if let Some(len) = longest {
            let matched: Vec<&VocabularyTerm> = FOLDED
                .iter()
                .filter(|(phrase, _)| phrase.len() == len && raw[i..].starts_with(phrase))
                .map(|(_, t)| *t)
                .collect();
            let ways = concept(fields, &mut english, &matched, 1.0);
            for need in matched.iter().flat_map(|t| t.needs.iter()) {
                if !out.needs.contains(need) {
                    out.needs.push(need.clone());
                }
            }
            out.read_as.push(raw[i..i + len].join(" "));
            concepts.push((weight_of(&raw[i..i + len]), Box::new(AnyOf::new(ways))));
            i += len;
            continue;
        }
        let word = &raw[i];
        i += 1;
        if spanish && analyze(&mut spanish_analyzer, word).is_empty() {
            // A Spanish stop word ("de", "para", "la"), even where English keeps it.
            continue;
        }
        let mut ways: Vec<Box<dyn Query>> = Vec::new();
        for stem in analyze(&mut english, word) {
            for (field, boost) in [
                (fields.name, 3.0),
                (fields.organization, 1.5),
                (fields.body, 1.0),
            ] {
                ways.push(term_query(field, &stem, boost));
            }
            out.read_as.push(stem);
        }
        if spanish {
            for stem in analyze(&mut spanish_analyzer, word) {
                for (field, boost) in [(fields.name_es, 3.0), (fields.body_es, 1.0)] {
                    ways.push(term_query(field, &stem, boost));
                }
            }
        }
        if ways.is_empty() {
            // A stop word ("the", "de"): nothing to match.
            continue;
        }
        // A word the index barely knows may be misspelt: add its closest spellings
        // that are far more common (so "market" is never read as "marker").
        let known = doc_freq(searcher, fields.words, word);
        if words::allowed_edits(word) > 0 && known < UNCOMMON {
            let corrections =
                words::corrections_in(searcher, fields.words, word, 3).unwrap_or_default();
            for correction in corrections
                .into_iter()
                .filter(|c| c.doc_freq >= RARE.max(known.saturating_mul(10)))
            {
                let single: Vec<&VocabularyTerm> = FOLDED
                    .iter()
                    .filter(|(phrase, _)| phrase.len() == 1 && phrase[0] == correction.word)
                    .map(|(_, t)| *t)
                    .collect();
                if !single.is_empty() {
                    ways.extend(concept(fields, &mut english, &single, 0.5));
                }
                for stem in analyze(&mut english, &correction.word) {
                    for (field, boost) in [
                        (fields.name, 1.0),
                        (fields.organization, 0.5),
                        (fields.body, 0.3),
                    ] {
                        ways.push(term_query(field, &stem, boost));
                    }
                }
                out.read_as.push(correction.word);
            }
        }
        concepts.push((
            weight_of(std::slice::from_ref(word)),
            Box::new(AnyOf::new(ways)),
        ));
    }
    // The parts that say most about the need are required; the rest add to the score.
    if let Some(top) = concepts.iter().map(|(w, _)| *w).min() {
        for (weight, query) in concepts {
            if weight == top {
                out.required.push(query);
            } else {
                out.optional.push(query);
            }
        }
    }
    if raw
        .iter()
        .any(|w| matches!(w.as_str(), "free" | "gratis" | "gratuito" | "gratuita"))
    {
        // "free": services known to be free count more (the free filter is `free=true`).
        let q = TermQuery::new(
            Term::from_field_text(fields.flag, "free"),
            IndexRecordOption::Basic,
        );
        out.optional
            .push(Box::new(ConstScoreQuery::new(Box::new(q), 1.0)));
    }

    // The whole text in the name counts most.
    let stems = positioned(&mut english, &raw.join(" "));
    if stems.len() >= 2
        && let Some(q) = phrase_query(fields.name, &stems, 4.0)
    {
        out.optional.push(q);
    }
    out
}

/// How many documents hold `word` in a raw (as written) field.
fn doc_freq(searcher: &Searcher, field: Field, word: &str) -> u32 {
    searcher
        .doc_freq(&Term::from_field_text(field, word))
        .map_or(0, |n| n.min(u64::from(u32::MAX)) as u32)
}

/// The ways to match vocabulary terms: their categories and taxonomy codes, the
/// English words listings use, and (for English phrases) the phrase itself.
fn concept(
    fields: &Fields,
    english: &mut tantivy::tokenizer::TextAnalyzer,
    terms: &[&VocabularyTerm],
    weight: f32,
) -> Vec<Box<dyn Query>> {
    let mut ways: Vec<Box<dyn Query>> = Vec::new();
    let categories: Vec<Term> = terms
        .iter()
        .flat_map(|t| t.categories.iter())
        .map(|c| Term::from_field_text(fields.category, c.slug()))
        .collect();
    if !categories.is_empty() {
        let q = ConstScoreQuery::new(Box::new(TermSetQuery::new(categories)), 1.0 * weight);
        ways.push(Box::new(q));
    }
    let codes: Vec<Term> = terms
        .iter()
        .flat_map(|t| t.taxonomy.iter())
        .map(|code| Term::from_field_text(fields.taxonomy, &code.to_lowercase()))
        .collect();
    if !codes.is_empty() {
        let q = ConstScoreQuery::new(Box::new(TermSetQuery::new(codes)), 4.0 * weight);
        ways.push(Box::new(q));
    }
    let mut phrases: Vec<&str> = terms
        .iter()
        .flat_map(|t| t.words.iter().map(String::as_str))
        .collect();
    phrases.extend(
        terms
            .iter()
            .filter(|t| t.lang == Lang::En)
            .map(|t| t.phrase.as_str()),
    );
    for phrase in phrases {
        // Every word of the phrase, anywhere in the field: reading positions for
        // phrases over common words would cost more than it adds.
        let stems = analyze(english, phrase);
        for (field, boost) in [(fields.name, 2.5), (fields.body, 1.0)] {
            let q: Box<dyn Query> = match stems.as_slice() {
                [] => continue,
                [one] => term_query(field, one, boost * weight),
                many => Box::new(BooleanQuery::new(
                    many.iter()
                        .map(|stem| (Occur::Must, term_query(field, stem, boost * weight)))
                        .collect(),
                )),
            };
            ways.push(q);
        }
    }
    ways
}
