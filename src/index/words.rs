//! Words: the Spanish analyzer, the raw (as-written) analyzer, telling a
//! Spanish search text from an English one, and typo correction against a
//! field's term dictionary.
//!
//! This module only analyzes and compares words; which fields use which
//! analyzer, and how corrected words become queries, is left to the schema
//! and to search.

use std::collections::HashMap;
use std::sync::LazyLock;

use tantivy::query::FuzzyTermQuery;
use tantivy::schema::Field;
use tantivy::termdict::TermDictionary;
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    StopWordFilter, TextAnalyzer, TextAnalyzerBuilder, Tokenizer,
};
use tantivy::{Searcher, Term};

/// Snowball's Spanish stop words (https://snowballstem.org/, BSD-3-Clause,
/// © 2001 Dr Martin Porter and the Snowball contributors): the list tantivy
/// uses for `Language::Spanish`, copied because tantivy keeps it private and
/// the analyzer needs it accent-folded (see [`SPANISH_STOP_FOLDED`]).
#[rustfmt::skip]
const SPANISH_STOP_WORDS: &[&str] = &[
    "de", "la", "que", "el", "en", "y", "a", "los", "del", "se", "las", "por", "un", "para",
    "con", "no", "una", "su", "al", "lo", "como", "más", "pero", "sus", "le", "ya", "o",
    "este", "sí", "porque", "esta", "entre", "cuando", "muy", "sin", "sobre", "también",
    "me", "hasta", "hay", "donde", "quien", "desde", "todo", "nos", "durante", "todos",
    "uno", "les", "ni", "contra", "otros", "ese", "eso", "ante", "ellos", "e", "esto", "mí",
    "antes", "algunos", "qué", "unos", "yo", "otro", "otras", "otra", "él", "tanto", "esa",
    "estos", "mucho", "quienes", "nada", "muchos", "cual", "poco", "ella", "estar", "estas",
    "algunas", "algo", "nosotros", "mi", "mis", "tú", "te", "ti", "tu", "tus", "ellas",
    "nosotras", "vosotros", "vosotras", "os", "mío", "mía", "míos", "mías", "tuyo", "tuya",
    "tuyos", "tuyas", "suyo", "suya", "suyos", "suyas", "nuestro", "nuestra", "nuestros",
    "nuestras", "vuestro", "vuestra", "vuestros", "vuestras", "esos", "esas", "estoy",
    "estás", "está", "estamos", "estáis", "están", "esté", "estés", "estemos", "estéis",
    "estén", "estaré", "estarás", "estará", "estaremos", "estaréis", "estarán", "estaría",
    "estarías", "estaríamos", "estaríais", "estarían", "estaba", "estabas", "estábamos",
    "estabais", "estaban", "estuve", "estuviste", "estuvo", "estuvimos", "estuvisteis",
    "estuvieron", "estuviera", "estuvieras", "estuviéramos", "estuvierais", "estuvieran",
    "estuviese", "estuvieses", "estuviésemos", "estuvieseis", "estuviesen", "estando",
    "estado", "estada", "estados", "estadas", "estad", "he", "has", "ha", "hemos", "habéis",
    "han", "haya", "hayas", "hayamos", "hayáis", "hayan", "habré", "habrás", "habrá",
    "habremos", "habréis", "habrán", "habría", "habrías", "habríamos", "habríais",
    "habrían", "había", "habías", "habíamos", "habíais", "habían", "hube", "hubiste",
    "hubo", "hubimos", "hubisteis", "hubieron", "hubiera", "hubieras", "hubiéramos",
    "hubierais", "hubieran", "hubiese", "hubieses", "hubiésemos", "hubieseis", "hubiesen",
    "habiendo", "habido", "habida", "habidos", "habidas", "soy", "eres", "es", "somos",
    "sois", "son", "sea", "seas", "seamos", "seáis", "sean", "seré", "serás", "será",
    "seremos", "seréis", "serán", "sería", "serías", "seríamos", "seríais", "serían", "era",
    "eras", "éramos", "erais", "eran", "fui", "fuiste", "fue", "fuimos", "fuisteis",
    "fueron", "fuera", "fueras", "fuéramos", "fuerais", "fueran", "fuese", "fueses",
    "fuésemos", "fueseis", "fuesen", "siendo", "sido", "tengo", "tienes", "tiene",
    "tenemos", "tenéis", "tienen", "tenga", "tengas", "tengamos", "tengáis", "tengan",
    "tendré", "tendrás", "tendrá", "tendremos", "tendréis", "tendrán", "tendría",
    "tendrías", "tendríamos", "tendríais", "tendrían", "tenía", "tenías", "teníamos",
    "teníais", "tenían", "tuve", "tuviste", "tuvo", "tuvimos", "tuvisteis", "tuvieron",
    "tuviera", "tuvieras", "tuviéramos", "tuvierais", "tuvieran", "tuviese", "tuvieses",
    "tuviésemos", "tuvieseis", "tuviesen", "teniendo", "tenido", "tenida", "tenidos",
    "tenidas", "tened",
];

/// The Spanish stop words as the analyzer sees them: lower-cased and
/// accent-folded, because folding runs before the stop filter and would
/// otherwise let "está", "más" or "él" (typed with or without the accent)
/// through as search terms.
static SPANISH_STOP_FOLDED: LazyLock<Vec<String>> = LazyLock::new(|| {
    let mut folded: Vec<String> = SPANISH_STOP_WORDS
        .iter()
        .flat_map(|word| fold(word))
        .collect();
    folded.sort_unstable();
    folded.dedup();
    folded
});

/// The base of every analyzer here: split on non-alphanumerics, drop very long
/// tokens, lower-case, fold accents.
fn folding() -> TextAnalyzerBuilder<impl Tokenizer> {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
}

/// The Spanish analyzer: split on non-alphanumerics, drop very long tokens,
/// lower-case, fold accents, drop Spanish stop words, stem with Snowball's
/// Spanish stemmer.
///
/// Accents are folded before stemming so that "clínica" and "clinica" (most
/// people type without accents) become the same term.
pub fn spanish_analyzer() -> TextAnalyzer {
    folding()
        .filter(StopWordFilter::remove(SPANISH_STOP_FOLDED.iter().cloned()))
        .filter(Stemmer::new(Language::Spanish))
        .build()
}

/// The raw analyzer: words as written, only lower-cased and accent-folded (no
/// stop words, no stemming), for a field whose term dictionary is the
/// vocabulary typos are corrected against.
pub fn raw_analyzer() -> TextAnalyzer {
    folding().build()
}

/// The words of `text` as [`raw_analyzer`] indexes them.
pub fn fold(text: &str) -> Vec<String> {
    let mut analyzer = raw_analyzer();
    let mut stream = analyzer.token_stream(text);
    let mut words = Vec::new();
    while stream.advance() {
        words.push(stream.token().text.clone());
    }
    words
}

/// Spanish words people search for help with that are not English words
/// (folded, as [`raw_analyzer`] leaves them). Words both languages share
/// ("hospital", "doctor", "dental", "legal", "social", "mental") are left out:
/// they are no evidence either way.
#[rustfmt::skip]
const SPANISH_NEED_WORDS: &[&str] = &[
    // food
    "comida", "comidas", "alimento", "alimentos", "despensa", "despensas", "cupones",
    "estampillas", "hambre", "desayuno", "almuerzo", "cena", "leche", "comedor", "viveres",
    "mercado", "banco",
    // housing
    "vivienda", "viviendas", "albergue", "albergues", "refugio", "refugios", "casa", "hogar",
    "renta", "alquiler", "desalojo", "desalojos", "desahucio", "apartamento", "cuarto",
    "techo", "calle", "indigentes", "desamparados", "mudanza", "muebles",
    // help in general
    "ayuda", "ayudas", "ayudame", "ayudar", "asistencia", "apoyo", "servicios", "programa",
    "programas", "necesito", "busco", "quiero", "gratis", "gratuito", "gratuita",
    "gratuitos", "cerca", "aqui", "donde", "centro", "comunitario", "iglesia",
    // work and money
    "trabajo", "trabajos", "empleo", "empleos", "chamba", "capacitacion", "desempleo",
    "dinero", "pago", "pagos", "cuentas", "factura", "facturas", "impuestos", "beneficios",
    "luz", "agua", "electricidad", "calefaccion", "telefono", "transporte", "autobus",
    "camion",
    // health
    "salud", "medico", "medicos", "medica", "clinica", "clinicas", "dentista",
    "dentistas", "dientes", "enfermera", "farmacia", "medicina", "medicinas",
    "medicamentos", "receta", "recetas", "vacuna", "vacunas", "embarazo", "embarazada",
    "embarazadas", "terapia", "terapeuta", "consejeria", "psicologo", "psicologa",
    "psiquiatra", "ansiedad", "depresion", "adiccion", "adicciones", "alcoholismo",
    "drogas", "desintoxicacion", "metadona", "rehabilitacion", "urgencias", "emergencia",
    "seguro", "aseguranza", "lentes", "anteojos",
    // people
    "nino", "ninos", "ninas", "bebe", "bebes", "hijos", "familia", "familias", "ancianos",
    "ancianas", "mayores", "jovenes", "mujer", "mujeres", "hombres", "discapacidad",
    "discapacitados", "veteranos",
    // things
    "ropa", "zapatos", "panales", "cobijas",
    // legal and immigration
    "inmigracion", "inmigrante", "inmigrantes", "migrante", "migrantes", "abogado",
    "abogados", "abogada", "asesoria", "legales", "tramites", "documentos", "ciudadania",
    "residencia", "asilo", "deportacion", "permiso", "corte", "demanda", "divorcio",
    "custodia", "violencia", "domestica", "abuso", "maltrato", "victimas",
    // school
    "escuela", "escuelas", "clases", "ingles", "espanol", "guarderia", "cuidado", "tareas",
    "beca", "becas",
];

/// Spanish function words: weaker evidence than a need word, since some also
/// begin place names ("Los Angeles", "El Paso", "Las Vegas").
#[rustfmt::skip]
const SPANISH_FUNCTION_WORDS: &[&str] = &[
    "de", "del", "la", "las", "el", "los", "para", "con", "sin", "una", "uno", "unos", "un",
    "que", "en", "mi", "mis", "por", "y", "al", "su", "sus", "es", "esta", "este", "estoy",
    "hay", "como", "tengo",
];

/// English words that make a search text English (folded). Words shared with
/// Spanish ("me", "no", "a") are not here.
#[rustfmt::skip]
const ENGLISH_WORDS: &[&str] = &[
    "the", "for", "and", "with", "of", "to", "in", "on", "at", "is", "i", "my", "an", "or",
    "by", "from", "this", "that", "it", "you", "your", "need", "where", "how", "what", "find",
    "get", "can", "help", "near", "free", "food", "rent", "shelter", "housing", "home",
    "homeless", "clinic", "stamps", "bank", "pantry", "meal", "meals", "job", "jobs", "work",
    "health", "care", "child", "children", "kids", "women", "men", "seniors", "senior",
    "elderly", "immigration", "lawyer", "attorney", "eviction", "water", "electric", "bill",
    "bills", "clothes", "clothing", "diapers", "school", "classes", "english", "services",
    "assistance", "support", "counseling", "therapy", "detox", "rehab", "dentist",
    "medical", "insurance", "aid", "money", "cash", "utility", "utilities",
    "transportation", "bus", "ride",
];

/// Whether a search text is, conservatively, Spanish.
///
/// Spanish need words ("comida", "desalojo") and words with ñ weigh 2; Spanish
/// function words ("de", "para") and other accented words weigh 1; a ¿ or ¡
/// weighs 2; each English word weighs 1 the other way. The text is Spanish
/// when its Spanish weight is at least 2 and greater than its English weight,
/// so one ambiguous word ("la clinic", "café") is not enough.
pub fn looks_spanish(text: &str) -> bool {
    let mut spanish = if text.contains(['¿', '¡']) { 2u32 } else { 0 };
    let mut english = 0u32;
    let mut analyzer = raw_analyzer();
    let mut stream = analyzer.token_stream(text);
    while stream.advance() {
        let token = stream.token();
        let word = token.text.as_str();
        let written = text.get(token.offset_from..token.offset_to).unwrap_or(word);
        if SPANISH_NEED_WORDS.contains(&word) || written.contains(['ñ', 'Ñ']) {
            spanish += 2;
        } else if SPANISH_FUNCTION_WORDS.contains(&word)
            || written.contains(['á', 'é', 'í', 'ó', 'ú', 'Á', 'É', 'Í', 'Ó', 'Ú'])
        {
            spanish += 1;
        } else if ENGLISH_WORDS.contains(&word) {
            english += 1;
        }
    }
    spanish >= 2 && spanish > english
}

/// How many edits a typed word may be corrected by: none under 5 letters (too
/// many short words are one edit apart), 1 for 5 to 8, 2 from 9.
pub fn allowed_edits(word: &str) -> u8 {
    let letters: usize = fold(word).iter().map(|w| w.chars().count()).sum();
    match letters {
        0..=4 => 0,
        5..=8 => 1,
        _ => 2,
    }
}

#[cfg(test)]
/// The optimal-string-alignment distance between `a` and `b` (insertions,
/// deletions, substitutions and transpositions of adjacent letters each cost
/// 1), or `None` when it is above `max`.
pub fn edit_distance(a: &str, b: &str, max: u8) -> Option<u8> {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    Osa::default().distance(&a, &b, max)
}

/// Rows reused from one distance to the next, so a dictionary scan does not
/// allocate per term.
#[derive(Default)]
struct Osa {
    rows: Vec<u8>,
}

impl Osa {
    /// The banded distance: only cells within `max` of the diagonal are
    /// computed, and it stops once two rows in a row are all above `max`
    /// (two, because a transposition reaches back two rows).
    fn distance<T: PartialEq + Copy>(&mut self, a: &[T], b: &[T], max: u8) -> Option<u8> {
        let (n, m) = (a.len(), b.len());
        let band = usize::from(max);
        if n.abs_diff(m) > band {
            return None;
        }
        if n == 0 || m == 0 {
            // Within the band, so at most `max`.
            return u8::try_from(n.max(m)).ok();
        }
        let over = max.saturating_add(1);
        let width = m + 1;
        self.rows.clear();
        self.rows.resize(3 * width, over);
        let (mut before, mut prev, mut cur) = (0, width, 2 * width);
        for j in 0..=m.min(band) {
            self.rows[prev + j] = j as u8;
        }
        let mut prev_min = 0u8;
        for i in 1..=n {
            let lo = i.saturating_sub(band).max(1);
            let hi = (i + band).min(m);
            // The cells just outside the band hold values from an older row.
            self.rows[cur + lo - 1] = if lo == 1 {
                over.min(i.min(255) as u8)
            } else {
                over
            };
            if hi < m {
                self.rows[cur + hi + 1] = over;
            }
            let mut row_min = self.rows[cur + lo - 1];
            for j in lo..=hi {
                let cost = u8::from(a[i - 1] != b[j - 1]);
                let mut v = (self.rows[prev + j].saturating_add(1))
                    .min(self.rows[cur + j - 1].saturating_add(1))
                    .min(self.rows[prev + j - 1].saturating_add(cost));
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    v = v.min(self.rows[before + j - 2].saturating_add(1));
                }
                let v = v.min(over);
                self.rows[cur + j] = v;
                row_min = row_min.min(v);
            }
            if row_min > max && prev_min > max {
                return None;
            }
            prev_min = row_min;
            (before, prev, cur) = (prev, cur, before);
        }
        let d = self.rows[prev + m];
        (d <= max).then_some(d)
    }
}

/// The field named in the term a fuzzy automaton is built from; the automaton
/// reads only the term's text, so any field will do.
const ANY_FIELD: Field = Field::from_field_id(0);

/// A dictionary word a typed word may have meant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Correction {
    /// The word as the dictionary holds it (folded).
    pub word: String,
    /// How many edits away from the typed word it is.
    pub edits: u8,
    /// How many documents contain it (deleted ones too, until their segment
    /// is merged).
    pub doc_freq: u32,
}

#[cfg(test)]
/// The words of `dict` (a field analyzed with [`raw_analyzer`]) that `word`
/// may be a typo of: within [`allowed_edits`] of it, with the same first
/// letter (people rarely mistype the first one, and it confines the walk to
/// one range of the dictionary), not `word` itself. Fewest edits first, then
/// the most common; at most `limit`.
///
/// `word` is folded as the field is; text that folds to no word or to several
/// words has no corrections.
pub fn corrections(
    dict: &TermDictionary,
    word: &str,
    limit: usize,
) -> std::io::Result<Vec<Correction>> {
    let mut found = Vec::new();
    scan(dict, word, &mut |word, edits, doc_freq| {
        found.push(Correction {
            word: word.to_owned(),
            edits,
            doc_freq,
        });
    })?;
    Ok(ranked(found, limit))
}

/// [`corrections`] over every segment a searcher sees, with each word's
/// document counts summed across segments.
pub fn corrections_in(
    searcher: &Searcher,
    field: Field,
    word: &str,
    limit: usize,
) -> tantivy::Result<Vec<Correction>> {
    let mut merged: HashMap<String, (u8, u32)> = HashMap::new();
    for segment in searcher.segment_readers() {
        let inverted = segment.inverted_index(field)?;
        scan(inverted.terms(), word, &mut |word, edits, doc_freq| {
            let entry = merged.entry(word.to_owned()).or_insert((edits, 0));
            entry.1 = entry.1.saturating_add(doc_freq);
        })?;
    }
    let found = merged
        .into_iter()
        .map(|(word, (edits, doc_freq))| Correction {
            word,
            edits,
            doc_freq,
        })
        .collect();
    Ok(ranked(found, limit))
}

/// Fewest edits first, then most documents, then alphabetical (so equal
/// candidates come out the same way every time); at most `limit`.
fn ranked(mut found: Vec<Correction>, limit: usize) -> Vec<Correction> {
    found.sort_by(|a, b| {
        a.edits
            .cmp(&b.edits)
            .then(b.doc_freq.cmp(&a.doc_freq))
            .then_with(|| a.word.cmp(&b.word))
    });
    found.truncate(limit);
    found
}

/// Calls `found(term, edits, doc_freq)` for every correction of `word` in one
/// term dictionary.
fn scan(
    dict: &TermDictionary,
    word: &str,
    found: &mut dyn FnMut(&str, u8, u32),
) -> std::io::Result<()> {
    let mut words = fold(word);
    let (Some(word), None) = (words.pop(), words.pop()) else {
        // Nothing searchable, or several words: nothing to correct as one.
        return Ok(());
    };
    let max = allowed_edits(&word);
    let Some(first) = word.chars().next() else {
        return Ok(());
    };
    if max == 0 {
        return Ok(());
    }
    // Every term starting with `first`: from its UTF-8 bytes up to (not
    // including) the same bytes with the last one raised by one. UTF-8 never
    // uses the byte 0xFF, so the raise cannot overflow.
    let mut start = [0u8; 4];
    let start = first.encode_utf8(&mut start).as_bytes();
    let mut end = start.to_vec();
    if let Some(last) = end.last_mut() {
        *last += 1;
    }
    // The Levenshtein automaton (transposition costing 1) walks the
    // dictionary's FST and skips every branch no word within `max` edits can
    // be in: a plain scan of one letter's range costs ~0.4 µs a term just to
    // stream, milliseconds for a common letter of a 100k-word dictionary.
    let automaton = FuzzyTermQuery::new(Term::from_field_text(ANY_FIELD, &word), max, true)
        .automaton()
        .map_err(std::io::Error::other)?;
    let mut osa = Osa::default();
    let word_chars: Vec<char> = word.chars().collect();
    let mut term_chars: Vec<char> = Vec::new();
    let mut stream = dict.search(automaton).ge(start).lt(&end).into_stream()?;
    while stream.advance() {
        let Ok(term) = std::str::from_utf8(stream.key()) else {
            continue;
        };
        if term == word {
            continue;
        }
        // The automaton already matched; this counts the edits, and keeps the
        // answer to this module's own definition of a distance.
        let edits = if word.is_ascii() && term.is_ascii() {
            osa.distance(word.as_bytes(), term.as_bytes(), max)
        } else {
            term_chars.clear();
            term_chars.extend(term.chars());
            osa.distance(&word_chars, &term_chars, max)
        };
        if let Some(edits) = edits {
            found(term, edits, stream.value().doc_freq);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::schema::{IndexRecordOption, Schema, TextFieldIndexing, TextOptions};
    use tantivy::{Index, IndexWriter, TantivyDocument};

    const RAW: &str = "hearth_raw";

    fn terms(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
        let mut stream = analyzer.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            out.push(stream.token().text.clone());
        }
        out
    }

    #[test]
    fn looks_spanish_tells_spanish_searches() {
        for text in [
            "comida",
            "ayuda con la renta",
            "cupones de comida",
            "abogado de inmigración",
            "abogado de inmigracion",
            "clínica gratis",
            "clinica gratis",
            "desalojo",
            "albergue para mujeres",
            "Necesito ayuda",
            "ropa para niños",
            "food para niños",
            "¿dónde hay médico?",
            "pañales",
            "la clinica",
            "metadona",
            "DESINTOXICACIÓN",
        ] {
            assert!(looks_spanish(text), "{text:?} should look Spanish");
        }
    }

    #[test]
    fn looks_spanish_leaves_english_and_shared_words_alone() {
        for text in [
            "food",
            "rent",
            "rent help",
            "clinic",
            "legal aid",
            "dental clinic",
            "dental",
            "legal",
            "taxi",
            "hospital",
            "doctor",
            "social services",
            "food stamps near me",
            "detox",
            "la clinic",
            "el paso food bank",
            "legal aid los angeles",
            "las vegas rent help",
            "café",
            "résumé help",
            "",
            "🍞",
        ] {
            assert!(!looks_spanish(text), "{text:?} should not look Spanish");
        }
    }

    #[test]
    fn spanish_analyzer_folds_then_stems() {
        let mut es = spanish_analyzer();
        assert_eq!(terms(&mut es, "alimentos"), terms(&mut es, "alimento"));
        assert_eq!(terms(&mut es, "Clínica"), terms(&mut es, "clinica"));
        assert_eq!(terms(&mut es, "clínicas"), terms(&mut es, "clinica"));
        assert_eq!(terms(&mut es, "Niños"), terms(&mut es, "nino"));
        assert_eq!(terms(&mut es, "comidas"), terms(&mut es, "comida"));
        // Folded before stemming, a suffix typed with or without its accent
        // still stems: singular and plural, accented or not, meet.
        assert_eq!(
            terms(&mut es, "inmigración"),
            terms(&mut es, "inmigraciones")
        );
        assert_eq!(
            terms(&mut es, "inmigracion"),
            terms(&mut es, "inmigraciones")
        );
    }

    #[test]
    fn spanish_analyzer_drops_stop_words_typed_with_or_without_accents() {
        let mut es = spanish_analyzer();
        assert_eq!(
            terms(&mut es, "está cerca de la clínica"),
            terms(&mut es, "cerca clinica")
        );
        assert_eq!(terms(&mut es, "esta más él tú"), Vec::<String>::new());
        assert_eq!(terms(&mut es, "ESTÁ MAS EL TU"), Vec::<String>::new());
    }

    #[test]
    fn spanish_stop_words_are_tantivys() {
        // The copied list must be exactly the one tantivy ships for Spanish:
        // tantivy's own filter (unfolded) removes every word of it…
        let mut tantivy_es = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(LowerCaser)
            .filter(
                StopWordFilter::new(Language::Spanish)
                    .unwrap_or_else(|| panic!("tantivy has Spanish stop words")),
            )
            .build();
        for word in SPANISH_STOP_WORDS {
            assert_eq!(terms(&mut tantivy_es, word), Vec::<String>::new(), "{word}");
        }
        // …and it has as many words as tantivy's (308, none repeated).
        let mut distinct = SPANISH_STOP_WORDS.to_vec();
        distinct.sort_unstable();
        distinct.dedup();
        assert_eq!(distinct.len(), 308);
    }

    #[test]
    fn raw_analyzer_keeps_words_as_written() {
        let mut raw = raw_analyzer();
        assert_eq!(
            terms(&mut raw, "The Clínicas, for niños!"),
            vec!["the", "clinicas", "for", "ninos"]
        );
    }

    /// An in-RAM index of `texts` in one raw-analyzed field, one segment per
    /// slice of `batches`, and a searcher over it.
    fn index_of(batches: &[&[&str]]) -> (Searcher, Field) {
        let mut builder = Schema::builder();
        let field = builder.add_text_field(
            "words",
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(RAW)
                    .set_index_option(IndexRecordOption::Basic),
            ),
        );
        let index = Index::create_in_ram(builder.build());
        index.tokenizers().register(RAW, raw_analyzer());
        let mut writer: IndexWriter = index
            .writer_with_num_threads(1, 50_000_000)
            .unwrap_or_else(|e| panic!("writer: {e}"));
        for batch in batches {
            for text in *batch {
                let mut doc = TantivyDocument::default();
                doc.add_text(field, text);
                writer
                    .add_document(doc)
                    .unwrap_or_else(|e| panic!("add: {e}"));
            }
            writer.commit().unwrap_or_else(|e| panic!("commit: {e}"));
        }
        let reader = index.reader().unwrap_or_else(|e| panic!("reader: {e}"));
        (reader.searcher(), field)
    }

    const LISTINGS: &[&str] = &[
        "eviction prevention",
        "methadone clinic",
        "shelter",
        "pharmacy",
        "farmers market",
        "legal aid",
    ];

    fn corrected(searcher: &Searcher, field: Field, word: &str) -> Vec<(String, u8)> {
        let segment = &searcher.segment_readers()[0];
        let inverted = segment
            .inverted_index(field)
            .unwrap_or_else(|e| panic!("inverted index: {e}"));
        corrections(inverted.terms(), word, 5)
            .unwrap_or_else(|e| panic!("corrections: {e}"))
            .into_iter()
            .map(|c| (c.word, c.edits))
            .collect()
    }

    fn one(word: &str, edits: u8) -> Vec<(String, u8)> {
        vec![(word.to_owned(), edits)]
    }

    #[test]
    fn corrections_find_the_listing_word_a_typo_meant() {
        let (searcher, field) = index_of(&[LISTINGS]);
        let c = |w| corrected(&searcher, field, w);
        assert_eq!(c("evicton"), one("eviction", 1));
        assert_eq!(c("methadon"), one("methadone", 1));
        // A transposition is one edit.
        assert_eq!(c("shleter"), one("shelter", 1));
        // Nine letters allow two edits.
        assert_eq!(c("pharmacie"), one("pharmacy", 2));
        assert_eq!(c("clnic"), one("clinic", 1));
        // Typed with capitals and an accent: folded as the field is.
        assert_eq!(c("Évicton"), one("eviction", 1));
    }

    #[test]
    fn corrections_leave_exact_short_and_first_letter_typos_alone() {
        let (searcher, field) = index_of(&[LISTINGS]);
        let c = |w| corrected(&searcher, field, w);
        assert_eq!(c("market"), vec![]);
        assert_eq!(c("xviction"), vec![]);
        // Four letters: no edits allowed, though "legal" and "aid" are one away.
        assert_eq!(c("lega"), vec![]);
        assert_eq!(c("aidd"), vec![]);
        assert_eq!(c("shel"), vec![]);
        assert_eq!(c(""), vec![]);
        assert_eq!(c("legal aid"), vec![]);
    }

    #[test]
    fn corrections_rank_by_edits_then_by_documents_and_stop_at_the_limit() {
        let (searcher, field) = index_of(&[&[
            "shelter", "shelter", "shelters", "shelters", "shelters", "smelter", "helter",
        ]]);
        let inverted = searcher.segment_readers()[0]
            .inverted_index(field)
            .unwrap_or_else(|e| panic!("inverted index: {e}"));
        let found = corrections(inverted.terms(), "sheltr", 10)
            .unwrap_or_else(|e| panic!("corrections: {e}"));
        let words: Vec<(&str, u8, u32)> = found
            .iter()
            .map(|c| (c.word.as_str(), c.edits, c.doc_freq))
            .collect();
        // "helter" is one edit away but starts with another letter.
        assert_eq!(words, vec![("shelter", 1, 2)]);
        let found = corrections(inverted.terms(), "shelterz", 2)
            .unwrap_or_else(|e| panic!("corrections: {e}"));
        let words: Vec<(&str, u8, u32)> = found
            .iter()
            .map(|c| (c.word.as_str(), c.edits, c.doc_freq))
            .collect();
        assert_eq!(words, vec![("shelters", 1, 3), ("shelter", 1, 2)]);
    }

    #[test]
    fn corrections_in_sum_document_counts_across_segments() {
        let (searcher, field) = index_of(&[
            &["shelter", "shelters"],
            &["shelter", "shelter eviction"],
            &["shelters"],
        ]);
        assert_eq!(searcher.segment_readers().len(), 3);
        let found = corrections_in(&searcher, field, "shelterz", 10)
            .unwrap_or_else(|e| panic!("corrections: {e}"));
        let words: Vec<(&str, u8, u32)> = found
            .iter()
            .map(|c| (c.word.as_str(), c.edits, c.doc_freq))
            .collect();
        assert_eq!(words, vec![("shelter", 1, 3), ("shelters", 1, 2)]);
        let found = corrections_in(&searcher, field, "evicton", 1)
            .unwrap_or_else(|e| panic!("corrections: {e}"));
        assert_eq!(found.len(), 1);
    }

    #[test]
    fn allowed_edits_grow_with_the_folded_word() {
        assert_eq!(allowed_edits("rent"), 0);
        assert_eq!(allowed_edits("clnic"), 1);
        assert_eq!(allowed_edits("methadon"), 1);
        assert_eq!(allowed_edits("pharmacie"), 2);
        // Counted in letters, not bytes: "niñosé" is six letters.
        assert_eq!(allowed_edits("niñosé"), 1);
        assert_eq!(allowed_edits("ñoño"), 0);
    }

    #[test]
    fn edit_distance_is_optimal_string_alignment() {
        assert_eq!(edit_distance("shelter", "shelter", 2), Some(0));
        assert_eq!(edit_distance("shleter", "shelter", 1), Some(1));
        assert_eq!(edit_distance("evicton", "eviction", 1), Some(1));
        assert_eq!(edit_distance("pharmacie", "pharmacy", 2), Some(2));
        assert_eq!(edit_distance("pharmacie", "pharmacy", 1), None);
        assert_eq!(edit_distance("kitten", "sitting", 3), Some(3));
        assert_eq!(edit_distance("kitten", "sitting", 2), None);
        // OSA, not full Damerau: a transposed pair is not edited again.
        assert_eq!(edit_distance("ca", "abc", 3), Some(3));
        assert_eq!(edit_distance("", "abc", 3), Some(3));
        assert_eq!(edit_distance("", "abcd", 3), None);
        assert_eq!(edit_distance("niño", "nino", 1), Some(1));
        assert_eq!(edit_distance("ab", "ba", 0), None);
    }

    /// The plain full-matrix OSA distance, to check the banded one against.
    fn osa_reference(a: &[u8], b: &[u8]) -> usize {
        let (n, m) = (a.len(), b.len());
        let mut d = vec![vec![0usize; m + 1]; n + 1];
        for (i, row) in d.iter_mut().enumerate() {
            row[0] = i;
        }
        for (j, cell) in d[0].iter_mut().enumerate() {
            *cell = j;
        }
        for i in 1..=n {
            for j in 1..=m {
                let cost = usize::from(a[i - 1] != b[j - 1]);
                let mut v = (d[i - 1][j] + 1)
                    .min(d[i][j - 1] + 1)
                    .min(d[i - 1][j - 1] + cost);
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    v = v.min(d[i - 2][j - 2] + 1);
                }
                d[i][j] = v;
            }
        }
        d[n][m]
    }

    #[test]
    fn banded_edit_distance_agrees_with_the_full_matrix() {
        // Every pair of words of up to 5 letters over a three-letter alphabet.
        let mut words: Vec<Vec<u8>> = vec![Vec::new()];
        let mut last = vec![Vec::new()];
        for _ in 0..5 {
            last = last
                .iter()
                .flat_map(|w: &Vec<u8>| {
                    b"abc".iter().map(move |c| {
                        let mut w = w.clone();
                        w.push(*c);
                        w
                    })
                })
                .collect();
            words.extend(last.iter().cloned());
        }
        let mut osa = Osa::default();
        for a in &words {
            for b in &words {
                let full = osa_reference(a, b);
                for max in 0..=3u8 {
                    let expected = (full <= usize::from(max)).then_some(full as u8);
                    assert_eq!(osa.distance(a, b, max), expected, "{a:?} {b:?} max {max}");
                }
            }
        }
    }

    /// Made-up words (syllables, first letters spread as in English: about
    /// 11% start with "s") and typos of them, the same every run.
    struct MadeUp(u64);

    impl MadeUp {
        fn next(&mut self, n: usize) -> usize {
            // xorshift64
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n as u64) as usize
        }

        fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
            from[self.next(from.len())]
        }

        /// `n` distinct words of 3 to 16 letters, sorted.
        fn words(&mut self, n: usize) -> Vec<String> {
            const FIRSTS: &[&str] = &[
                "s", "s", "s", "s", "s", "s", "s", "s", "s", "s", "s", "c", "c", "c", "c", "c",
                "c", "c", "c", "c", "c", "p", "p", "p", "p", "p", "p", "p", "p", "d", "d", "d",
                "d", "d", "d", "d", "a", "a", "a", "a", "a", "a", "m", "m", "m", "m", "m", "m",
                "b", "b", "b", "b", "b", "b", "t", "t", "t", "t", "t", "t", "r", "r", "r", "r",
                "r", "f", "f", "f", "f", "f", "h", "h", "h", "h", "h", "i", "i", "i", "i", "e",
                "e", "e", "e", "l", "l", "l", "l", "l", "g", "g", "g", "g", "w", "w", "w", "w",
                "o", "o", "o", "o", "u", "u", "v", "v", "v", "n", "n", "n", "k", "k", "j", "j",
                "q", "y", "z",
            ];
            const ONSETS: &[&str] = &[
                "b", "c", "d", "f", "g", "h", "l", "m", "n", "p", "r", "s", "t", "v", "ch", "st",
                "tr", "pr", "pl", "br", "gr", "sh", "th", "",
            ];
            const VOWELS: &[&str] = &["a", "e", "i", "o", "u", "ea", "io", "ou", "y"];
            const CODAS: &[&str] = &["", "", "n", "r", "s", "t", "l", "nd", "ck", "ng", "st"];
            let mut words = std::collections::BTreeSet::new();
            while words.len() < n {
                let mut w = self.pick(FIRSTS).to_owned();
                for _ in 0..1 + self.next(4) {
                    w.push_str(self.pick(VOWELS));
                    w.push_str(self.pick(CODAS));
                    w.push_str(self.pick(ONSETS));
                }
                if (3..=16).contains(&w.len()) {
                    words.insert(w);
                }
            }
            words.into_iter().collect()
        }

        /// A word of 5+ letters with `edits` random edits after its first letter.
        fn typo(&mut self, words: &[String], edits: usize) -> String {
            loop {
                let mut w = words[self.next(words.len())].as_bytes().to_vec();
                if w.len() < 5 {
                    continue;
                }
                for _ in 0..edits {
                    let at = 1 + self.next(w.len() - 1);
                    let letter = b'a' + self.next(26) as u8;
                    match self.next(4) {
                        0 => w[at] = letter,
                        1 if w.len() > 2 => {
                            w.remove(at);
                        }
                        2 if at + 1 < w.len() => w.swap(at, at + 1),
                        _ => w.insert(at, letter),
                    }
                }
                return String::from_utf8(w).unwrap_or_else(|e| panic!("{e}"));
            }
        }
    }

    /// A one-segment in-RAM index holding `words`, and its term dictionary.
    fn index_of_words(words: &[String]) -> (Searcher, Field) {
        let docs: Vec<String> = words.chunks(100).map(|c| c.join(" ")).collect();
        let docs: Vec<&str> = docs.iter().map(String::as_str).collect();
        index_of(&[&docs])
    }

    #[test]
    fn corrections_are_every_word_a_full_scan_finds() {
        // The automaton must not miss a word the plain distance accepts.
        let mut made_up = MadeUp(0x2545_f491_4f6c_dd1d);
        let words = made_up.words(5_000);
        let (searcher, field) = index_of_words(&words);
        let inverted = searcher.segment_readers()[0]
            .inverted_index(field)
            .unwrap_or_else(|e| panic!("inverted index: {e}"));
        let mut checked = 0;
        for i in 0..600 {
            let typo = made_up.typo(&words, 1 + i % 3);
            let max = allowed_edits(&typo);
            let mut expected: Vec<(String, u8)> = words
                .iter()
                .filter(|w| w.as_bytes()[0] == typo.as_bytes()[0] && **w != typo)
                .filter_map(|w| edit_distance(&typo, w, max).map(|d| (w.clone(), d)))
                .collect();
            expected.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
            let found: Vec<(String, u8)> = corrections(inverted.terms(), &typo, usize::MAX)
                .unwrap_or_else(|e| panic!("corrections: {e}"))
                .into_iter()
                .map(|c| (c.word, c.edits))
                .collect();
            assert_eq!(found, expected, "{typo}");
            checked += found.len();
        }
        assert!(
            checked > 100,
            "only {checked} corrections: the test lost its teeth"
        );
    }

    /// How long one word's corrections take on a dictionary of 100,000 made-up
    /// words. Timings are reported, not asserted; run with
    /// `cargo test --release --lib index::words -- --ignored --nocapture`.
    #[test]
    #[ignore = "a timing, not a check"]
    fn corrections_timing_on_100k_words() {
        let mut made_up = MadeUp(0x9e37_79b9_7f4a_7c15);
        let words = made_up.words(100_000);
        let (searcher, field) = index_of_words(&words);
        let inverted = searcher.segment_readers()[0]
            .inverted_index(field)
            .unwrap_or_else(|e| panic!("inverted index: {e}"));
        let dict = inverted.terms();
        assert_eq!(dict.num_terms(), 100_000);
        let typos: Vec<String> = (0..4_000).map(|_| made_up.typo(&words, 1)).collect();
        let once = |typo: &str| {
            let began = std::time::Instant::now();
            let found = corrections(dict, typo, 5)
                .unwrap_or_else(|e| panic!("corrections: {e}"))
                .len();
            (began.elapsed(), found)
        };
        // The first word of 9+ letters builds tantivy's shared 2-edit automaton builder.
        let (first_call, _) = once("shelterss");
        let report = |what: &str, list: Vec<&String>| {
            // Each word timed 5 times, keeping its fastest (the others ran while
            // something else had the CPU).
            let mut times: Vec<std::time::Duration> = list
                .iter()
                .map(|t| (0..5).map(|_| once(t).0).min().unwrap_or_default())
                .collect();
            times.sort_unstable();
            let mean = times.iter().sum::<std::time::Duration>() / times.len() as u32;
            let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize].as_micros();
            println!(
                "{what}: {} words, mean {} µs, p50 {} µs, p99 {} µs, max {} µs",
                times.len(),
                mean.as_micros(),
                at(0.5),
                at(0.99),
                at(1.0)
            );
        };
        println!(
            "100,000 terms, {} starting with s; first call {} µs",
            words.iter().filter(|w| w.starts_with('s')).count(),
            first_call.as_micros()
        );
        report("all typos", typos.iter().collect());
        report(
            "5-8 letters (1 edit)",
            typos.iter().filter(|t| t.len() <= 8).collect(),
        );
        report(
            "9+ letters (2 edits)",
            typos.iter().filter(|t| t.len() >= 9).collect(),
        );
        report(
            "starting with s",
            typos.iter().filter(|t| t.starts_with('s')).collect(),
        );
    }
}
