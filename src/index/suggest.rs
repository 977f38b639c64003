//! Autocomplete of service names from the index's term dictionary.
//!
//! Each service name is indexed under keys `{folded words from word i on}` +
//! [`SEP`] + `{0 for the whole name, 1 for a later word}` + `{name as written}`,
//! so that a prefix finds names that start with it and names with a word that
//! starts with it, by a range scan of the sorted dictionary — no second store.

use tantivy::Searcher;
use tantivy::schema::Field;

/// Separates a key's folded words from the name as written.
const SEP: char = '\u{1}';

/// Words that do not start a key: a name is not suggested for "of" or "the".
const SKIP: &[&str] = &[
    "a", "an", "and", "at", "for", "in", "of", "on", "the", "to", "y", "de", "la", "el", "del",
];

pub use super::words::fold as folded_words;

/// The keys a name is indexed under.
pub fn keys(name: &str) -> Vec<String> {
    let words = folded_words(name);
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if words.is_empty() || name.len() > 200 {
        return Vec::new();
    }
    (0..words.len())
        .filter(|&i| i == 0 || (words[i].len() > 1 && !SKIP.contains(&words[i].as_str())))
        .map(|i| {
            let whole = if i == 0 { '0' } else { '1' };
            format!("{}{SEP}{whole}{name}", words[i..].join(" "))
        })
        .collect()
}

/// One suggested name, with how many listings carry it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameSuggestion {
    pub name: String,
    /// True when the name starts with the prefix (not only a later word).
    pub starts: bool,
    pub listings: u32,
}

/// Names with a word starting with `prefix` (folded like the keys), names that
/// start with it first, then by how many listings carry them; at most `limit`.
pub fn names(
    searcher: &Searcher,
    field: Field,
    prefix: &str,
    limit: usize,
) -> tantivy::Result<Vec<NameSuggestion>> {
    let folded = folded_words(prefix).join(" ");
    if folded.is_empty() {
        return Ok(Vec::new());
    }
    // A prefix that ends mid-word matches longer words; one that ends with a space
    // matches only whole words.
    let from = if prefix.ends_with(char::is_whitespace) {
        format!("{folded} ")
    } else {
        folded.clone()
    };
    let mut to = from.clone();
    to.push(char::MAX);
    let mut found: Vec<NameSuggestion> = Vec::new();
    // Enough rows to rank well without scanning a whole letter on a one-letter prefix.
    let scan_cap = limit.saturating_mul(20).max(100);
    for segment in searcher.segment_readers() {
        let index = segment.inverted_index(field)?;
        let mut stream = index
            .terms()
            .range()
            .ge(from.as_bytes())
            .lt(to.as_bytes())
            .into_stream()?;
        let mut scanned = 0;
        while stream.advance() && scanned < scan_cap {
            scanned += 1;
            let Ok(key) = std::str::from_utf8(stream.key()) else {
                continue;
            };
            let Some((_, rest)) = key.split_once(SEP) else {
                continue;
            };
            let mut chars = rest.chars();
            let starts = chars.next() == Some('0');
            let name = chars.as_str();
            let listings = stream.value().doc_freq;
            match found.iter_mut().find(|s| s.name == name) {
                Some(s) => {
                    s.listings += listings;
                    s.starts |= starts;
                }
                None => found.push(NameSuggestion {
                    name: name.to_owned(),
                    starts,
                    listings,
                }),
            }
        }
    }
    found.sort_by(|a, b| {
        b.starts
            .cmp(&a.starts)
            .then(b.listings.cmp(&a.listings))
            .then(a.name.len().cmp(&b.name.len()))
            .then(a.name.cmp(&b.name))
    });
    found.truncate(limit);
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_keyed_from_each_meaningful_word() {
        let food = keys("Food Bank of the Rockies");
        let heads: Vec<&str> = food
            .iter()
            .map(|k| k.split(SEP).next().unwrap_or(""))
            .collect();
        assert_eq!(
            heads,
            ["food bank of the rockies", "bank of the rockies", "rockies"]
        );
        assert!(food[0].ends_with("0Food Bank of the Rockies"));
        assert!(food[1].ends_with("1Food Bank of the Rockies"));
        assert_eq!(folded_words("Clínica  Católica"), ["clinica", "catolica"]);
        assert!(keys("").is_empty());
    }
}
