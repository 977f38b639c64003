//! Words: the Spanish analyzer, the raw (as-written) analyzer, and telling a
//! Spanish search text from an English one.
//!
//! This module only analyzes words; which fields use which analyzer is left to
//! the schema and to search.

// Wired into search by the search change; until then only the tests use it.
#![allow(dead_code)]

use std::sync::LazyLock;

use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    StopWordFilter, TextAnalyzer, TextAnalyzerBuilder, Tokenizer,
};

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
fn fold(text: &str) -> Vec<String> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
