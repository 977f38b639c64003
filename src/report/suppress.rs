//! Disclosure control for published counts: a table of counts with its row,
//! column and grand totals, made safe to publish.
//!
//! - **Primary**: any count from 1 to 10 (a cell or a total) is shown as `<11`.
//! - **Complementary**: a reader knows every `<11` is 1 to 10, every other
//!   hidden count 11 or more, every zero is shown, and the shown totals. From
//!   those, within one row or column (its cells and total), a hidden count can
//!   sometimes be worked out exactly: the only hidden cell under a shown total;
//!   two `<11` cells under a total that leaves 2 for them (both 1); a `<11` and
//!   a hidden cell leaving 12 (1 and 11). Whenever a line pins a hidden count
//!   down, its smallest shown non-zero cell is hidden too (shown as `hidden`),
//!   or, when there is none, its total. This repeats until no line pins any
//!   hidden count down.
//! - Zero is shown: it discloses no one.
//!
//! The reasoning is per line (a row or column and its total, and the totals
//! with the grand total), which is exact for one-column tables such as the gap
//! report's; for wider tables, combining lines can narrow more than one line does.

/// One published number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Count {
    Shown(u64),
    /// A count from 1 to 10, shown as `<11`.
    Small,
    /// Withheld so that a small count cannot be worked out; shown as `hidden`.
    Hidden,
}

impl Count {
    /// `"<11"` for a small count, `"hidden"` for a withheld one, the number otherwise.
    pub fn text(self) -> String {
        match self {
            Count::Shown(n) => n.to_string(),
            Count::Small => "<11".to_owned(),
            Count::Hidden => "hidden".to_owned(),
        }
    }

    /// Whether the number is not shown (small or withheld).
    pub fn is_hidden(self) -> bool {
        !matches!(self, Count::Shown(_))
    }

    /// What a reader knows of the count: its least and greatest possible value.
    fn bounds(self) -> (u64, u64) {
        match self {
            Count::Shown(n) => (n, n),
            Count::Small => (1, THRESHOLD - 1),
            Count::Hidden => (THRESHOLD, u64::MAX),
        }
    }
}

/// A shown count is a number; `<11` and `hidden` are text.
impl serde::Serialize for Count {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Count::Shown(n) => serializer.serialize_u64(*n),
            other => serializer.serialize_str(&other.text()),
        }
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
    /// How many counts were shown as `<11`, and how many more were hidden to protect them.
    pub primary: usize,
    pub complementary: usize,
}

fn small(n: u64) -> bool {
    (1..THRESHOLD).contains(&n)
}

/// A line of the table: entries that add up to a total entry (indices into
/// the flat list of cells, row totals, column totals and the grand total).
struct Line {
    members: Vec<usize>,
    total: usize,
}

/// Stands for "no upper bound" in [`pinned`]'s sums.
const UNBOUNDED: i128 = i128::MAX / 4;

/// What a reader knows of a count, as `i128` bounds ([`UNBOUNDED`] for none).
fn wide_bounds(count: Count) -> (i128, i128) {
    let (lo, hi) = count.bounds();
    (
        i128::from(lo),
        if hi == u64::MAX {
            UNBOUNDED
        } else {
            i128::from(hi)
        },
    )
}

/// The hidden entries of `line` a reader can work out exactly from what is
/// shown: a hidden member lies between the total's least value less the
/// others' greatest and the total's greatest less the others' least; a hidden
/// total between the members' least and greatest sums. An entry whose least
/// and greatest possible values meet is pinned.
fn pinned(line: &Line, shown: &[Count]) -> Vec<usize> {
    let (total_lo, total_hi) = wide_bounds(shown[line.total]);
    let mut lo_sum = 0i128;
    let mut finite_hi_sum = 0i128;
    let mut unbounded = 0usize;
    for &m in &line.members {
        let (lo, hi) = wide_bounds(shown[m]);
        lo_sum += lo;
        if hi == UNBOUNDED {
            unbounded += 1;
        } else {
            finite_hi_sum += hi;
        }
    }
    let mut found = Vec::new();
    for &m in &line.members {
        if !shown[m].is_hidden() {
            continue;
        }
        let (lo, hi) = wide_bounds(shown[m]);
        let others_lo = lo_sum - lo;
        let others_hi = if unbounded > usize::from(hi == UNBOUNDED) {
            UNBOUNDED
        } else {
            finite_hi_sum - if hi == UNBOUNDED { 0 } else { hi }
        };
        let least = lo.max(total_lo - others_hi);
        let most = if total_hi == UNBOUNDED {
            hi
        } else {
            hi.min(total_hi - others_lo)
        };
        if least == most {
            found.push(m);
        }
    }
    if shown[line.total].is_hidden() {
        let hi_sum = if unbounded > 0 {
            UNBOUNDED
        } else {
            finite_hi_sum
        };
        if total_lo.max(lo_sum) == total_hi.min(hi_sum) {
            found.push(line.total);
        }
    }
    found
}

/// Applies primary and complementary suppression to `values` (rows of equal length).
pub fn suppress(values: &[Vec<u64>]) -> SafeTable {
    let rows = values.len();
    let columns = values.iter().map(Vec::len).max().unwrap_or(0);
    let value = |r: usize, c: usize| values[r].get(c).copied().unwrap_or(0);
    // Flat entries: cells row by row, then row totals, column totals, the grand total.
    let cell = |r: usize, c: usize| r * columns + c;
    let row_total = |r: usize| rows * columns + r;
    let column_total = |c: usize| rows * columns + rows + c;
    let grand = rows * columns + rows + columns;
    let mut exact = vec![0u64; grand + 1];
    for r in 0..rows {
        for c in 0..columns {
            exact[cell(r, c)] = value(r, c);
            exact[row_total(r)] += value(r, c);
            exact[column_total(c)] += value(r, c);
            exact[grand] += value(r, c);
        }
    }
    let mut lines: Vec<Line> = (0..rows)
        .map(|r| Line {
            members: (0..columns).map(|c| cell(r, c)).collect(),
            total: row_total(r),
        })
        .collect();
    lines.extend((0..columns).map(|c| Line {
        members: (0..rows).map(|r| cell(r, c)).collect(),
        total: column_total(c),
    }));
    lines.push(Line {
        members: (0..rows).map(row_total).collect(),
        total: grand,
    });
    lines.push(Line {
        members: (0..columns).map(column_total).collect(),
        total: grand,
    });

    let mut shown: Vec<Count> = exact
        .iter()
        .map(|&n| {
            if small(n) {
                Count::Small
            } else {
                Count::Shown(n)
            }
        })
        .collect();
    let primary = shown.iter().filter(|c| **c == Count::Small).count();
    let mut complementary = 0;
    loop {
        let mut changed = false;
        for line in &lines {
            if pinned(line, &shown).is_empty() {
                continue;
            }
            let pick = line
                .members
                .iter()
                .copied()
                .filter(|&m| !shown[m].is_hidden() && exact[m] > 0)
                .min_by_key(|&m| (exact[m], m));
            match pick {
                Some(m) => shown[m] = Count::Hidden,
                None if !shown[line.total].is_hidden() => shown[line.total] = Count::Hidden,
                // Everything is hidden and a small total still pins its cells
                // (ten 1s under a total of 10): withhold the total as well.
                None if shown[line.total] == Count::Small => shown[line.total] = Count::Hidden,
                None => continue,
            }
            complementary += 1;
            changed = true;
        }
        if !changed {
            break;
        }
    }
    SafeTable {
        cells: (0..rows)
            .map(|r| (0..columns).map(|c| shown[cell(r, c)]).collect())
            .collect(),
        row_totals: (0..rows).map(|r| shown[row_total(r)]).collect(),
        column_totals: (0..columns).map(|c| shown[column_total(c)]).collect(),
        total: shown[grand],
        primary,
        complementary,
    }
}

/// The note every export carries, saying which rules applied.
pub fn note(table: &SafeTable) -> String {
    format!(
        "Counts from 1 to 10 are shown as <11 ({} cells). {} more cells or totals are shown as hidden so that none of those can be worked out from the totals. Rates are not given for counts under 11.",
        table.primary, table.complementary
    )
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A seeded xorshift: the same cases every run.
    pub(crate) struct Rng(pub(crate) u64);

    impl Rng {
        pub(crate) fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        pub(crate) fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    fn shows_small(c: Count) -> bool {
        matches!(c, Count::Shown(n) if small(n))
    }

    /// A published count and its true value.
    type Known = (Count, i128);

    /// Whether `x` is a value a reader takes `count`'s marker to allow.
    fn allowed(count: Count, x: i128) -> bool {
        match count {
            Count::Shown(_) => false,
            Count::Small => (1..=10).contains(&x),
            Count::Hidden => x >= 11,
        }
    }

    /// Hidden entries a reader could work out exactly from one line (a row or
    /// column with its total, or the totals with the grand total), found by
    /// witness rather than by `pinned`'s bounds: an entry is safe on a line
    /// when it can move by one, staying within what its marker says, while
    /// another hidden entry of the line moves to keep the line adding up.
    pub(crate) fn recoverable(values: &[Vec<u64>], table: &SafeTable) -> Vec<String> {
        let rows = values.len();
        let columns = table.column_totals.len();
        let value = |r: usize, c: usize| i128::from(values[r].get(c).copied().unwrap_or(0));
        let row_sum = |r: usize| (0..columns).map(|c| value(r, c)).sum::<i128>();
        let column_sum = |c: usize| (0..rows).map(|r| value(r, c)).sum::<i128>();
        // Each line: its members and its total, as (marker, true value).
        let mut lines: Vec<(String, Vec<Known>, Known)> = Vec::new();
        for r in 0..rows {
            let members = (0..columns)
                .map(|c| (table.cells[r][c], value(r, c)))
                .collect();
            lines.push((
                format!("row {r}"),
                members,
                (table.row_totals[r], row_sum(r)),
            ));
        }
        for c in 0..columns {
            let members = (0..rows)
                .map(|r| (table.cells[r][c], value(r, c)))
                .collect();
            lines.push((
                format!("column {c}"),
                members,
                (table.column_totals[c], column_sum(c)),
            ));
        }
        let grand: i128 = (0..rows).map(row_sum).sum();
        let row_totals = (0..rows)
            .map(|r| (table.row_totals[r], row_sum(r)))
            .collect();
        lines.push(("row totals".into(), row_totals, (table.total, grand)));
        let column_totals = (0..columns)
            .map(|c| (table.column_totals[c], column_sum(c)))
            .collect();
        lines.push(("column totals".into(), column_totals, (table.total, grand)));

        let mut found = Vec::new();
        for (name, members, total) in &lines {
            for (i, &(count, v)) in members.iter().enumerate() {
                if !count.is_hidden() {
                    continue;
                }
                let movable = [1i128, -1].into_iter().any(|d| {
                    allowed(count, v + d)
                        && (allowed(total.0, total.1 + d)
                            || members
                                .iter()
                                .enumerate()
                                .any(|(j, &(other, w))| j != i && allowed(other, w - d)))
                });
                if !movable {
                    found.push(format!("{name}: member {i} ({v})"));
                }
            }
            if total.0.is_hidden() {
                let movable = [1i128, -1].into_iter().any(|d| {
                    allowed(total.0, total.1 + d)
                        && members.iter().any(|&(other, w)| allowed(other, w + d))
                });
                if !movable {
                    found.push(format!("{name}: total ({})", total.1));
                }
            }
        }
        found
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
            let found = recoverable(&values, &table);
            if !found.is_empty() {
                violations.push(format!("case {case}: recoverable {found:?} in {values:?}"));
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
    fn two_small_cells_that_the_total_pins_down_are_protected() {
        // 1 and 1 under a total of 52 beside 50: the total leaves 2 for two
        // `<11`s, so both are 1 — unless 50 is hidden too.
        let values = [vec![1], vec![1], vec![50]];
        let table = suppress(&values);
        assert_eq!(table.cells[2][0], Count::Hidden);
        assert_eq!(table.column_totals[0], Count::Shown(52));
        assert!(recoverable(&values, &table).is_empty());
        // 10 and 10: the total leaves 20, so both are 10.
        let values = [vec![10], vec![10], vec![30]];
        assert_eq!(suppress(&values).cells[2][0], Count::Hidden);
        // A `<11` beside a hidden 11 leaving 12 would be 1 and 11: a third is hidden.
        let values = [vec![1], vec![11], vec![12], vec![40]];
        let table = suppress(&values);
        assert!(recoverable(&values, &table).is_empty(), "{table:?}");
        assert!(
            table
                .cells
                .iter()
                .flatten()
                .filter(|c| c.is_hidden())
                .count()
                >= 3
        );
    }

    #[test]
    fn a_small_table_by_hand() {
        // Row 0: 5 is small; 40 and 12 are shown, so 12 (the smallest) is hidden too.
        let values = [vec![5, 40, 12], vec![30, 20, 25]];
        let table = suppress(&values);
        assert_eq!(table.cells[0][0], Count::Small);
        assert_eq!(table.cells[0][2], Count::Hidden);
        assert_eq!(table.cells[0][1], Count::Shown(40));
        // Column 0 then has one hidden cell: 30 is hidden with it, and so on until safe.
        assert!(recoverable(&values, &table).is_empty());
        assert_eq!(table.total, Count::Shown(132));
        assert_eq!(Count::Small.text(), "<11");
        assert_eq!(Count::Hidden.text(), "hidden");
        assert!(note(&table).contains("<11"));
        // Zero discloses no one and stays shown.
        let zeros = suppress(&[vec![0, 0], vec![0, 15]]);
        assert_eq!(zeros.cells[0][0], Count::Shown(0));
    }
}
