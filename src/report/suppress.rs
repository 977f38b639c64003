//! Disclosure control for published counts: a table of counts with its row,
//! column and grand totals, made safe to publish.
//!
//! - **Primary**: any count from 1 to 10 (a cell or a total) is shown as `<11`.
//! - **Complementary**: a row or column whose total is shown and that holds
//!   exactly one hidden cell would give that cell away (total minus the rest),
//!   so a second cell of it is hidden too — its smallest shown non-zero cell, or,
//!   when it has none, its total. This repeats until no row or column has a
//!   single hidden cell under a shown total.
//! - Zero is shown: it discloses no one.

/// One published number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Count {
    Shown(u64),
    /// Hidden: a count from 1 to 10, or hidden so that one cannot be worked out.
    Hidden,
}

impl Count {
    /// `"<11"` for a hidden count, the number otherwise.
    pub fn text(self) -> String {
        match self {
            Count::Shown(n) => n.to_string(),
            Count::Hidden => "<11".to_owned(),
        }
    }

    pub fn is_hidden(self) -> bool {
        self == Count::Hidden
    }
}

/// The smallest count shown as itself (smaller non-zero counts are `<11`).
pub const THRESHOLD: u64 = 11;

/// A table after disclosure control.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SafeTable {
    pub cells: Vec<Vec<Count>>,
    pub row_totals: Vec<Count>,
    pub column_totals: Vec<Count>,
    pub total: Count,
    /// How many cells were hidden for being 1–10, and how many more to protect them.
    pub primary: usize,
    pub complementary: usize,
}

fn small(n: u64) -> bool {
    (1..THRESHOLD).contains(&n)
}

/// When exactly one total of a set is hidden, hides the smallest other non-zero
/// one too; returns whether it did.
fn protect_lone_total(hidden: &mut [bool], sums: &[u64], complementary: &mut usize) -> bool {
    if hidden.iter().filter(|h| **h).count() != 1 {
        return false;
    }
    let pick = (0..hidden.len())
        .filter(|&i| !hidden[i] && sums[i] > 0)
        .min_by_key(|&i| (sums[i], i));
    match pick {
        Some(i) => {
            hidden[i] = true;
            *complementary += 1;
            true
        }
        None => false,
    }
}

/// Applies primary and complementary suppression to `values` (rows of equal length).
pub fn suppress(values: &[Vec<u64>]) -> SafeTable {
    let rows = values.len();
    let columns = values.iter().map(Vec::len).max().unwrap_or(0);
    let value = |r: usize, c: usize| values[r].get(c).copied().unwrap_or(0);
    let row_sum: Vec<u64> = (0..rows)
        .map(|r| (0..columns).map(|c| value(r, c)).sum())
        .collect();
    let column_sum: Vec<u64> = (0..columns)
        .map(|c| (0..rows).map(|r| value(r, c)).sum())
        .collect();
    let grand: u64 = row_sum.iter().sum();

    let mut hidden = vec![vec![false; columns]; rows];
    let mut row_hidden: Vec<bool> = row_sum.iter().map(|&n| small(n)).collect();
    let mut column_hidden: Vec<bool> = column_sum.iter().map(|&n| small(n)).collect();
    let mut primary = 0;
    for (r, row) in hidden.iter_mut().enumerate() {
        for (c, cell) in row.iter_mut().enumerate() {
            if small(value(r, c)) {
                *cell = true;
                primary += 1;
            }
        }
    }
    let mut complementary = 0;
    loop {
        let mut changed = false;
        // Rows with exactly one hidden cell under a shown total.
        for r in 0..rows {
            if row_hidden[r] {
                continue;
            }
            let count = (0..columns).filter(|&c| hidden[r][c]).count();
            if count == 1 {
                let pick = (0..columns)
                    .filter(|&c| !hidden[r][c] && value(r, c) > 0)
                    .min_by_key(|&c| (value(r, c), c));
                match pick {
                    Some(c) => hidden[r][c] = true,
                    None => row_hidden[r] = true,
                }
                complementary += 1;
                changed = true;
            }
        }
        for c in 0..columns {
            if column_hidden[c] {
                continue;
            }
            let count = (0..rows).filter(|&r| hidden[r][c]).count();
            if count == 1 {
                let pick = (0..rows)
                    .filter(|&r| !hidden[r][c] && value(r, c) > 0)
                    .min_by_key(|&r| (value(r, c), r));
                match pick {
                    Some(r) => hidden[r][c] = true,
                    None => column_hidden[c] = true,
                }
                complementary += 1;
                changed = true;
            }
        }
        // A single hidden row (or column) total beside a shown grand total gives itself away.
        if !small(grand) {
            changed |= protect_lone_total(&mut row_hidden, &row_sum, &mut complementary);
            changed |= protect_lone_total(&mut column_hidden, &column_sum, &mut complementary);
        }
        if !changed {
            break;
        }
    }
    let shown = |hide: bool, n: u64| {
        if hide || small(n) {
            Count::Hidden
        } else {
            Count::Shown(n)
        }
    };
    let grand_hidden = small(grand)
        || row_hidden.iter().filter(|h| **h).count() == 1
        || column_hidden.iter().filter(|h| **h).count() == 1;
    SafeTable {
        cells: (0..rows)
            .map(|r| {
                (0..columns)
                    .map(|c| shown(hidden[r][c], value(r, c)))
                    .collect()
            })
            .collect(),
        row_totals: (0..rows)
            .map(|r| shown(row_hidden[r], row_sum[r]))
            .collect(),
        column_totals: (0..columns)
            .map(|c| shown(column_hidden[c], column_sum[c]))
            .collect(),
        total: shown(grand_hidden, grand),
        primary,
        complementary,
    }
}

/// The note every export carries, saying which rules applied.
pub fn note(table: &SafeTable) -> String {
    format!(
        "Counts from 1 to 10 are shown as <11 ({} cells). {} more cells or totals are hidden so that none of those can be worked out from the totals. Rates are not given for counts under 11.",
        table.primary, table.complementary
    )
}

/// Cells a reader could work out exactly: a shown total whose row (or column)
/// has exactly one hidden entry. Empty for every table [`suppress`] returns.
pub fn recoverable(table: &SafeTable) -> Vec<(usize, usize)> {
    let mut found = Vec::new();
    for (r, row) in table.cells.iter().enumerate() {
        let hidden: Vec<usize> = (0..row.len()).filter(|&c| row[c].is_hidden()).collect();
        if hidden.len() == 1 && !table.row_totals[r].is_hidden() {
            found.push((r, hidden[0]));
        }
    }
    let columns = table.column_totals.len();
    for c in 0..columns {
        let hidden: Vec<usize> = (0..table.cells.len())
            .filter(|&r| table.cells[r][c].is_hidden())
            .collect();
        if hidden.len() == 1 && !table.column_totals[c].is_hidden() {
            found.push((hidden[0], c));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A seeded xorshift: the same cases every run.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    fn shows_small(c: Count) -> bool {
        matches!(c, Count::Shown(n) if small(n))
    }

    #[test]
    fn ten_thousand_random_tables_show_no_small_count_and_give_none_away() {
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        let mut violations = Vec::new();
        for case in 0..10_000 {
            let rows = 1 + rng.below(8) as usize;
            let columns = 1 + rng.below(6) as usize;
            let values: Vec<Vec<u64>> = (0..rows)
                .map(|_| {
                    (0..columns)
                        .map(|_| match rng.below(10) {
                            0..=2 => 0,
                            3..=6 => 1 + rng.below(10),
                            _ => 11 + rng.below(200),
                        })
                        .collect()
                })
                .collect();
            let table = suppress(&values);
            let all = table
                .cells
                .iter()
                .flatten()
                .chain(&table.row_totals)
                .chain(&table.column_totals)
                .chain([&table.total]);
            if all.copied().any(shows_small) {
                violations.push(format!("case {case}: a count 1-10 is shown: {values:?}"));
            }
            if !recoverable(&table).is_empty() {
                violations.push(format!(
                    "case {case}: recoverable {:?} in {values:?}",
                    recoverable(&table)
                ));
            }
            // A hidden row total beside a shown grand total, alone, would give itself away.
            if !table.total.is_hidden()
                && table.row_totals.iter().filter(|t| t.is_hidden()).count() == 1
            {
                violations.push(format!("case {case}: a lone hidden row total: {values:?}"));
            }
        }
        assert!(
            violations.is_empty(),
            "{} violations, e.g. {}",
            violations.len(),
            violations[0]
        );
    }

    #[test]
    fn a_small_table_by_hand() {
        // Row 0: 5 is small; 40 and 12 are shown, so 12 (the smallest) is hidden too.
        let table = suppress(&[vec![5, 40, 12], vec![30, 20, 25]]);
        assert_eq!(table.cells[0][0], Count::Hidden);
        assert_eq!(table.cells[0][2], Count::Hidden);
        assert_eq!(table.cells[0][1], Count::Shown(40));
        // Column 0 then has one hidden cell: 30 is hidden with it, and so on until safe.
        assert!(recoverable(&table).is_empty());
        assert_eq!(table.total, Count::Shown(132));
        assert_eq!(Count::Hidden.text(), "<11");
        assert!(note(&table).contains("<11"));
        // Zero discloses no one and stays shown.
        let zeros = suppress(&[vec![0, 0], vec![0, 15]]);
        assert_eq!(zeros.cells[0][0], Count::Shown(0));
    }
}
