//! Hostile input to the importers: every cell of every fixture replaced by odd
//! text must give a report or a clear error, never a panic.

use hearth::geo::Gazetteer;
use hearth::import::{CategoryMap, ImportContext, detect_format, read_source};

use crate::common::fixture;

/// Values that have broken text handling elsewhere: characters whose lower case is
/// longer than the original (İ), combining marks, emoji, markers, escapes, huge text.
fn odd_values(original: &str) -> Vec<String> {
    vec![
        String::new(),
        " ".into(),
        "İİİ".into(),
        format!("{original}İ"),
        format!("İ{original}"),
        "e\u{301}\u{301}".into(),
        "🏠🍞⚖️".into(),
        "###MON### \\n\\n ###".into(),
        "<script>alert(1)</script>&amp;&#x;&#99999999;".into(),
        "=HYPERLINK(\"http://x\")".into(),
        "-1e309".into(),
        "NaN".into(),
        "x".repeat(20_000),
        "0".into(),
        "33101-".into(),
        "(305) 555-0100 ext. İ9".into(),
        "http//".into(),
    ]
}

#[test]
fn no_cell_value_makes_an_importer_panic() {
    let gazetteer = Gazetteer::bundled().unwrap();
    let categories = CategoryMap::bundled().unwrap();
    let ctx = ImportContext {
        gazetteer: &gazetteer,
        categories: &categories,
    };
    let dir = tempfile::tempdir().unwrap();
    let mut lists: Vec<_> = std::fs::read_dir(fixture("resources"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "csv"))
        .collect();
    lists.sort();
    for path in lists {
        let format = detect_format(&path).unwrap();
        let mut reader = csv::Reader::from_path(&path).unwrap();
        let header = reader.headers().unwrap().clone();
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).take(3).collect();
        let hostile = dir.path().join(path.file_name().unwrap());
        let mut writer = csv::Writer::from_path(&hostile).unwrap();
        writer.write_record(&header).unwrap();
        for row in &rows {
            for column in 0..row.len() {
                for value in odd_values(&row[column]) {
                    let mut changed: Vec<String> = row.iter().map(str::to_owned).collect();
                    changed[column] = value;
                    writer.write_record(&changed).unwrap();
                }
            }
        }
        writer.flush().unwrap();
        drop(writer);
        let parsed = read_source(ctx, &hostile, Some(format)).unwrap_or_else(|e| {
            panic!(
                "{}: a readable file must not fail whole: {e}",
                path.display()
            )
        });
        assert!(parsed.rows_read > 0);
        assert_eq!(
            parsed.services.len() + parsed.skipped.len(),
            parsed.rows_read as usize,
            "{}: every row is imported or skipped",
            path.display()
        );
        // Text stays text (pages escape it); what matters is that every listing can be stored.
        for service in &parsed.services {
            assert!(
                !service.name.trim().is_empty(),
                "{}: a listing without a name",
                path.display()
            );
            serde_json::to_vec(service).unwrap();
        }
    }
}
