//! Normalization of the values real exports get wrong: ZIP codes, phone numbers, text.

/// Normalizes a US ZIP code to five digits, or `None` when it is not one.
///
/// Real files drop leading zeros (`6708` for 06708, `921` for 00921), append
/// ZIP+4 (`33157-1234`, `331571234`), or pad with spaces and non-breaking spaces.
/// `0` and `00000` are placeholders, not ZIPs.
pub fn normalize_zip(raw: &str) -> Option<String> {
    let trimmed = raw.trim_matches(|c: char| c.is_whitespace() || c == '\u{a0}');
    let head = trimmed.split(['-', ' ']).next().unwrap_or("");
    if head.is_empty() || !head.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let zip = match head.len() {
        3..=5 => format!("{head:0>5}"),
        9 => head[..5].to_owned(),
        _ => return None,
    };
    (zip != "00000").then_some(zip)
}

/// A phone number split into a display form and an extension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneNumber {
    /// `(305) 253-4841` for 10-digit North American numbers; the trimmed text otherwise.
    pub display: String,
    pub extension: Option<String>,
}

/// Normalizes a phone number for display, splitting off an extension
/// (`x134`, `ext. 5`, `extension 12`). `None` when there are no digits at all.
pub fn normalize_phone(raw: &str) -> Option<PhoneNumber> {
    let text = raw.trim();
    let lower = text.to_ascii_lowercase();
    let (main, ext) = match ["extension", "ext.", "ext", " x", "x"]
        .iter()
        .filter_map(|marker| lower.find(marker).map(|at| (at, marker.len())))
        .min_by_key(|(at, _)| *at)
    {
        Some((at, len)) if at > 0 => {
            let ext: String = text[at + len..]
                .chars()
                .filter(char::is_ascii_digit)
                .collect();
            (text[..at].trim(), (!ext.is_empty()).then_some(ext))
        }
        _ => (text, None),
    };
    let digits: String = main.chars().filter(char::is_ascii_digit).collect();
    if digits.is_empty() {
        return None;
    }
    let national = match digits.len() {
        10 => Some(digits.as_str()),
        11 if digits.starts_with('1') => Some(&digits[1..]),
        _ => None,
    };
    let letters = main.chars().any(|c| c.is_ascii_alphabetic());
    let display = match national {
        Some(d) if !letters => format!("({}) {}-{}", &d[..3], &d[3..6], &d[6..]),
        _ => main.to_owned(),
    };
    Some(PhoneNumber {
        display,
        extension: ext,
    })
}

/// Cleans free text from an export: turns literal `\n` escapes into line breaks,
/// removes `###MON###`-style markers left by the source system, trims every line and
/// drops blank runs. `None` when nothing is left.
pub fn clean_text(raw: &str) -> Option<String> {
    let unescaped = raw
        .replace("\\r\\n", "\n")
        .replace("\\n", "\n")
        .replace("\\t", " ");
    let mut without_markers = String::with_capacity(unescaped.len());
    let mut rest = unescaped.as_str();
    while let Some(start) = rest.find("###") {
        without_markers.push_str(&rest[..start]);
        let after = &rest[start + 3..];
        match after.find("###") {
            Some(end)
                if end <= 24
                    && after[..end]
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_') =>
            {
                without_markers.push(' ');
                rest = &after[end + 3..];
            }
            _ => {
                without_markers.push_str("###");
                rest = after;
            }
        }
    }
    without_markers.push_str(rest);

    let mut lines: Vec<String> = Vec::new();
    for line in without_markers.lines() {
        let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
        if line.is_empty() {
            if lines.last().is_some_and(|l| !l.is_empty()) {
                lines.push(String::new());
            }
        } else {
            lines.push(line);
        }
    }
    while lines.last().is_some_and(String::is_empty) {
        lines.pop();
    }
    let text = lines.join("\n");
    (!text.is_empty()).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zips_are_padded_cut_and_validated() {
        assert_eq!(normalize_zip("6708").as_deref(), Some("06708"));
        assert_eq!(normalize_zip("921").as_deref(), Some("00921"));
        assert_eq!(normalize_zip("33157-1234").as_deref(), Some("33157"));
        assert_eq!(normalize_zip("331571234").as_deref(), Some("33157"));
        assert_eq!(normalize_zip("\u{a0}20001 ").as_deref(), Some("20001"));
        assert_eq!(normalize_zip("0"), None);
        assert_eq!(normalize_zip("00000"), None);
        assert_eq!(normalize_zip(""), None);
        assert_eq!(normalize_zip("FL"), None);
        assert_eq!(normalize_zip("123456"), None);
    }

    #[test]
    fn phones_get_a_display_form_and_extension() {
        let p = normalize_phone("305-253-4841").unwrap_or_else(|| panic!("phone"));
        assert_eq!(p.display, "(305) 253-4841");
        assert_eq!(p.extension, None);
        let p = normalize_phone("(256)236-1575 x134").unwrap_or_else(|| panic!("phone"));
        assert_eq!(p.display, "(256) 236-1575");
        assert_eq!(p.extension.as_deref(), Some("134"));
        let p = normalize_phone("1-800-273-8255").unwrap_or_else(|| panic!("phone"));
        assert_eq!(p.display, "(800) 273-8255");
        let p = normalize_phone("202-555-0100 x").unwrap_or_else(|| panic!("phone"));
        assert_eq!(p.extension, None);
        assert_eq!(p.display, "(202) 555-0100");
        assert_eq!(
            normalize_phone("1-800-FLA-HELP")
                .map(|p| p.display)
                .as_deref(),
            Some("1-800-FLA-HELP")
        );
        assert_eq!(normalize_phone("n/a"), None);
        assert_eq!(
            normalize_phone("211").map(|p| p.display).as_deref(),
            Some("211")
        );
    }

    #[test]
    fn miami_text_escapes_and_markers_are_removed() {
        let raw = "Hours: ###MON### 9am\\n\\nCall first.  \\n";
        assert_eq!(
            clean_text(raw).as_deref(),
            Some("Hours: 9am\n\nCall first.")
        );
        assert_eq!(clean_text("   "), None);
        assert_eq!(
            clean_text("Price ### not a marker").as_deref(),
            Some("Price ### not a marker")
        );
    }
}
