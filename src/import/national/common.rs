//! What the national adapters share: the shape of a flat CSV list, and the
//! small helpers for the text such lists carry (placeholder addresses, phone
//! numbers inside contact lines, websites written without a scheme, scraped
//! HTML), plus the adapters' test support.
//!
//! Turning a [`FlatRecord`] into a service is [`build_flat`](super::super::build_flat)'s
//! job; what each list's columns mean is its adapter's.

use std::path::Path;

use super::super::flat::{CsvRow, read_flat_csv};
use super::super::{FlatRecord, Format, ImportContext, ImportError, ParsedSource, RawPhone};
use crate::model::is_http_url;

/// A bundled CSV list whose rows each become one listing: what its adapter declares.
pub(super) struct FlatList {
    /// The dataset name recorded as each listing's source, unless `--dataset` gives another.
    pub dataset: &'static str,
    /// The columns the header must have; without one the file fails whole.
    pub required: &'static [&'static str],
    /// Maps a row onto a flat record, or says why the row is left out.
    pub record: fn(&CsvRow<'_>) -> Result<FlatRecord, String>,
}

impl FlatList {
    /// Reads the list's file into listings, recorded under `dataset` when given
    /// (`--dataset`), else under the list's own name.
    pub(super) fn read(
        &self,
        ctx: ImportContext<'_>,
        format: Format,
        path: &Path,
        dataset: Option<&str>,
    ) -> Result<ParsedSource, ImportError> {
        read_flat_csv(
            ctx,
            path,
            format,
            dataset.unwrap_or(self.dataset),
            self.required,
            self.record,
        )
    }
}

/// Picks the first phone number out of a contact line and returns it as
/// `(213) 555-0100 x12`, leaving out any names around it.
///
/// Contact lines in scraped lists often name staff ("Jane Doe / 213.555.0100");
/// only the number is kept. `None` when there is no 10-digit number.
pub(super) fn first_phone(text: &str) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() || (i > 0 && chars[i - 1].is_ascii_digit()) {
            i += 1;
            continue;
        }
        let mut digits = String::new();
        let mut j = i;
        while j < chars.len() && digits.len() < 11 {
            if chars[j].is_ascii_digit() {
                digits.push(chars[j]);
                j += 1;
                continue;
            }
            let gap = chars[j..]
                .iter()
                .take_while(|c| matches!(c, ' ' | '.' | '-' | '(' | ')'))
                .count();
            if gap == 0
                || gap > 2
                || !chars.get(j + gap).is_some_and(char::is_ascii_digit)
                || digits.len() == 10
            {
                break;
            }
            j += gap;
        }
        let national = match digits.len() {
            10 => Some(digits.as_str()),
            11 if digits.starts_with('1') => Some(&digits[1..]),
            _ => None,
        };
        if let Some(d) = national {
            let mut phone = format!("({}) {}-{}", &d[..3], &d[3..6], &d[6..]);
            if let Some(ext) = extension_after(&chars[j..]) {
                phone.push_str(" x");
                phone.push_str(&ext);
            }
            return Some(phone);
        }
        i = j.max(i + 1);
    }
    None
}

/// The extension written right after a number (" x 309", " ext:33", "Ext.9").
fn extension_after(rest: &[char]) -> Option<String> {
    let tail: String = rest
        .iter()
        .collect::<String>()
        .trim_start()
        .to_ascii_lowercase();
    let after = tail
        .strip_prefix("ext")
        .or_else(|| tail.strip_prefix('x'))?;
    let after =
        after.trim_start_matches(|c: char| c.is_ascii_alphabetic() || matches!(c, '.' | ':' | ' '));
    let ext: String = after.chars().take_while(char::is_ascii_digit).collect();
    (!ext.is_empty()).then_some(ext)
}

/// The trimmed text when it has at least one letter or digit (`"- - -"` and
/// `","` are placeholders, not addresses), else `None`.
pub(super) fn meaningful(raw: &str) -> Option<String> {
    let text = raw.trim();
    text.chars()
        .any(char::is_alphanumeric)
        .then(|| text.to_owned())
}

/// A phone of the given HSDS type, or `None` when the text has too few digits
/// to dial (a stray `9`, a cut-off fax number).
pub(super) fn raw_phone(
    number: &str,
    kind: &'static str,
    description: Option<&str>,
) -> Option<RawPhone> {
    let digits = number
        .chars()
        .take_while(|c| !c.is_ascii_alphabetic())
        .filter(char::is_ascii_digit)
        .count();
    (digits >= 7).then(|| RawPhone {
        number: number.trim().to_owned(),
        kind: Some(kind),
        description: description.map(str::to_owned),
    })
}

/// A list's voice and fax numbers, leaving out either when it is too short to dial.
pub(super) fn voice_and_fax(voice: &str, fax: &str) -> Vec<RawPhone> {
    [raw_phone(voice, "voice", None), raw_phone(fax, "fax", None)]
        .into_iter()
        .flatten()
        .collect()
}

/// Repairs a website as lists write it (`www.x.org`, `http//x.org`) into an
/// http(s) URL; `None` when it is not one.
pub(super) fn web_url(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let lower = raw.to_ascii_lowercase();
    let fixed = if lower.starts_with("http://") || lower.starts_with("https://") {
        raw.to_owned()
    } else if let Some(rest) = lower.strip_prefix("http//").map(|_| &raw[6..]) {
        format!("http://{rest}")
    } else if let Some(rest) = lower.strip_prefix("https//").map(|_| &raw[7..]) {
        format!("https://{rest}")
    } else if lower.contains('.')
        && !lower.contains('@')
        && !lower.contains(':')
        && lower
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
    {
        format!("http://{raw}")
    } else {
        return None;
    };
    // A mailbox written as a website ("http://www.name@hotmail.com") is not one.
    let host = fixed
        .split("://")
        .nth(1)
        .unwrap_or("")
        .split('/')
        .next()
        .unwrap_or("");
    (is_http_url(&fixed) && host.contains('.') && !host.contains('@')).then_some(fixed)
}

/// Converts an HTML fragment to plain text: tags removed (block tags become
/// line breaks, table cells and definition terms become "term: value"),
/// images dropped, entities decoded. Never returns markup.
pub(super) fn html_to_text(html: &str) -> Option<String> {
    let mut out = String::new();
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        out.push_str(&decode_entities(&rest[..start]));
        let after = &rest[start + 1..];
        let is_tag = after.starts_with(|c: char| c.is_ascii_alphabetic() || c == '/' || c == '!');
        if !is_tag {
            out.push('<');
            rest = after;
            continue;
        }
        let Some(end) = after.find('>') else {
            // A tag cut off at the end of the field: drop it.
            rest = "";
            break;
        };
        let tag = &after[..end];
        let closing = tag.starts_with('/');
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_lowercase();
        match name.as_str() {
            "td" | "th" | "dt" if closing => out.push('\t'),
            "dd" if closing => out.push('\n'),
            "td" | "th" | "dt" | "dd" => {}
            "li" if !closing => out.push_str("\n• "),
            "p" | "br" | "div" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "ul" | "ol" | "li"
            | "dl" | "tr" | "table" | "blockquote" | "section" | "hr" => out.push('\n'),
            _ => {}
        }
        rest = &after[end + 1..];
    }
    out.push_str(&decode_entities(rest));
    let lines: Vec<String> = out
        .lines()
        .map(|line| {
            line.split('\t')
                .map(|cell| cell.split_whitespace().collect::<Vec<_>>().join(" "))
                .filter(|cell| !cell.is_empty())
                .collect::<Vec<_>>()
                .join(": ")
        })
        .filter(|line| !line.is_empty() && line != "•")
        // A "Photos" heading is left alone once its images are dropped.
        .filter(|line| !line.eq_ignore_ascii_case("photos"))
        .collect();
    (!lines.is_empty()).then(|| lines.join("\n"))
}

/// Decodes the HTML entities that scraped text carries (`&amp;`, `&nbsp;`,
/// `&#39;`, `&#x2019;` ...); unknown ones are left as written.
pub(super) fn decode_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('&') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let decoded = after.find(';').filter(|&end| end <= 10).and_then(|end| {
            let entity = &after[..end];
            let ch = if let Some(num) = entity
                .strip_prefix("#x")
                .or_else(|| entity.strip_prefix("#X"))
            {
                u32::from_str_radix(num, 16).ok().and_then(char::from_u32)
            } else if let Some(num) = entity.strip_prefix('#') {
                num.parse::<u32>().ok().and_then(char::from_u32)
            } else {
                named_entity(entity)
            };
            ch.map(|c| (c, end))
        });
        match decoded {
            Some((c, end)) => {
                out.push(if c == '\u{a0}' { ' ' } else { c });
                rest = &after[end + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn named_entity(name: &str) -> Option<char> {
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => ' ',
        "ndash" => '–',
        "mdash" => '—',
        "lsquo" => '‘',
        "rsquo" => '’',
        "ldquo" => '“',
        "rdquo" => '”',
        "hellip" => '…',
        "bull" => '•',
        "middot" => '·',
        "copy" => '©',
        "reg" => '®',
        "aacute" => 'á',
        "eacute" => 'é',
        "iacute" => 'í',
        "oacute" => 'ó',
        "uacute" => 'ú',
        "ntilde" => 'ñ',
        "Aacute" => 'Á',
        "Eacute" => 'É',
        "Iacute" => 'Í',
        "Oacute" => 'Ó',
        "Uacute" => 'Ú',
        "Ntilde" => 'Ñ',
        "uuml" => 'ü',
        _ => return None,
    })
}

/// Shared by the adapters' tests: the bundled context, the fixture paths and
/// the checks every list's tests make.
#[cfg(test)]
pub(super) mod test_support {
    use std::path::{Path, PathBuf};

    use super::super::{Dataset, read};
    use crate::import::{Format, ParsedSource, detect_format};
    use crate::model::{Address, Service};

    pub(in super::super) use crate::import::test_support::{assert_at_zip_centroid, context};

    /// A trimmed fixture in `tests/fixtures/resources/`.
    pub(in super::super) fn fixture(file: &str) -> PathBuf {
        crate::import::test_support::fixture("resources").join(file)
    }

    /// A full bundled list in `data/resources/`.
    fn full_file(file: &str) -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("data/resources")
            .join(file)
    }

    /// Reads `path` as `dataset`; panics when the file cannot be read at all.
    pub(in super::super) fn read_as(dataset: Dataset, path: &Path) -> ParsedSource {
        read(context(), dataset, path, None).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Reads a trimmed fixture as `dataset`.
    pub(in super::super) fn read_fixture(dataset: Dataset, file: &str) -> ParsedSource {
        read_as(dataset, &fixture(file))
    }

    /// Reads a full bundled list as `dataset` and prints what it skipped.
    pub(in super::super) fn read_full_file(dataset: Dataset, file: &str) -> ParsedSource {
        let parsed = read_as(dataset, &full_file(file));
        report(&parsed);
        parsed
    }

    /// Every row read became a listing.
    pub(in super::super) fn assert_every_row_imported(parsed: &ParsedSource, rows: u64) {
        assert_eq!(parsed.rows_read, rows);
        assert_eq!(parsed.services.len() as u64, rows, "{:?}", parsed.skipped);
    }

    /// The fixture is detected as `dataset`, and reading it twice gives the same services.
    pub(in super::super) fn assert_detected_and_stable(dataset: Dataset, file: &str) {
        assert_eq!(
            detect_format(&fixture(file)).ok(),
            Some(Format::Dataset(dataset))
        );
        assert_eq!(
            read_fixture(dataset, file).services,
            read_fixture(dataset, file).services
        );
    }

    /// The service with this exact name; panics with the names there are.
    pub(in super::super) fn named<'a>(parsed: &'a ParsedSource, name: &str) -> &'a Service {
        parsed
            .services
            .iter()
            .find(|s| s.name == name)
            .unwrap_or_else(|| {
                let names: Vec<&str> = parsed.services.iter().map(|s| s.name.as_str()).collect();
                panic!("no service named {name:?}; have {names:?}")
            })
    }

    /// Prints what a full-file read skipped, most common reasons first.
    fn report(parsed: &ParsedSource) {
        let mut counts: std::collections::BTreeMap<String, usize> =
            std::collections::BTreeMap::new();
        for s in &parsed.skipped {
            // Group reasons that differ only in their quoted values.
            let key: String = s.reason.split('"').step_by(2).collect::<Vec<_>>().join("…");
            let key: String = key
                .chars()
                .map(|c| if c.is_ascii_digit() { '#' } else { c })
                .collect::<String>()
                .split('#')
                .filter(|p| !p.is_empty())
                .collect::<Vec<_>>()
                .join("#");
            *counts.entry(key).or_default() += 1;
        }
        let mut counts: Vec<(String, usize)> = counts.into_iter().collect();
        counts.sort_by_key(|c| std::cmp::Reverse(c.1));
        println!(
            "{}: read {}, imported {}, skipped {}",
            parsed.dataset,
            parsed.rows_read,
            parsed.services.len(),
            parsed.skipped.len()
        );
        for (reason, n) in counts {
            println!("  {n:>6}  {reason}");
        }
    }

    /// The address of a service's first location.
    pub(in super::super) fn first_address(service: &Service) -> Option<&Address> {
        service.locations[0].address.as_ref()
    }

    /// The postal code of a service's first location.
    pub(in super::super) fn postal_code(service: &Service) -> Option<&str> {
        first_address(service).map(|a| a.postal_code.as_str())
    }

    /// The address of a service's first location, on one line.
    pub(in super::super) fn address_line(service: &Service) -> Option<String> {
        first_address(service).map(|a| a.one_line())
    }

    /// The category slugs of a service.
    pub(in super::super) fn slugs(service: &Service) -> Vec<&'static str> {
        service.categories.iter().map(|c| c.slug()).collect()
    }

    /// The need codes of a service.
    pub(in super::super) fn needs(service: &Service) -> Vec<&str> {
        service.needs.iter().map(|n| n.code()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_fragments_become_plain_text() {
        let html = "<p>Tom &amp; Jerry&#39;s&nbsp;pantry</p><h2 id=\"photos\">Photos</h2><p><img src=\"x.jpg\" alt=\"a\" /></p>\
                    <dl><dt>Monday</dt><dd>9am – 12pm</dd></dl><table><tr><td>Tuesday</td><td>Closed</td></tr><tr>";
        assert_eq!(
            html_to_text(html).as_deref(),
            Some("Tom & Jerry's pantry\nMonday: 9am – 12pm\nTuesday: Closed")
        );
        assert_eq!(html_to_text("   "), None);
        assert_eq!(
            html_to_text("ages < 18 &foo; ok").as_deref(),
            Some("ages < 18 &foo; ok")
        );
    }

    #[test]
    fn phones_are_found_in_contact_lines() {
        assert_eq!(
            first_phone("Carlos Martinez/ 323.221.0779 x 309").as_deref(),
            Some("(323) 221-0779 x309")
        );
        assert_eq!(
            first_phone("(888)353-5554 Ext.9").as_deref(),
            Some("(888) 353-5554 x9")
        );
        assert_eq!(
            first_phone("Julia (service) / 213.747.6357 ext:33").as_deref(),
            Some("(213) 747-6357 x33")
        );
        assert_eq!(
            first_phone("909-509-2996\u{200b}\u{200b}").as_deref(),
            Some("(909) 509-2996")
        );
        assert_eq!(first_phone("(213)247-cell"), None);
        assert_eq!(first_phone(""), None);
    }

    #[test]
    fn websites_are_repaired_or_dropped() {
        assert_eq!(
            web_url("http//www.x.org").as_deref(),
            Some("http://www.x.org")
        );
        assert_eq!(
            web_url("https//a.org/p").as_deref(),
            Some("https://a.org/p")
        );
        assert_eq!(
            web_url("www.vhda.com").as_deref(),
            Some("http://www.vhda.com")
        );
        assert_eq!(web_url("http://").as_deref(), None);
        assert_eq!(web_url("n/a").as_deref(), None);
        assert_eq!(web_url("javascript:alert(1)").as_deref(), None);
        assert_eq!(web_url("help@example.org").as_deref(), None);
        assert_eq!(
            web_url("http://www.lydiashouse@hotmail.com").as_deref(),
            None
        );
    }
}
