//! Column widths as libsmartcols 2.42 computes them for lsns (`libsmartcols/src/calculate.c`):
//! each column's own width from its data, header and width hint, then, on a terminal, the
//! reduction stages that narrow truncatable columns to fit and the widening of hinted columns
//! when the table is narrower than the screen. (lsns never enables libsmartcols's own nowrap
//! mode, so nothing is cut or hidden at the screen's edge, even with `-W`.)
//!
//! Pure arithmetic over cell widths; the renderer measures and prints.

/// What the calculation needs to know of one column.
#[derive(Clone, Debug, Default)]
pub struct ColumnInput {
    /// Header width, None with `-n` (then the minimum is 1, as libsmartcols has it).
    pub header: Option<usize>,
    /// lsns's width hint (`whint`, all absolute: 0, 5 or 10).
    pub hint: usize,
    /// Width of each row's cell (its widest line, tree art included).
    pub cells: Vec<usize>,
    /// `SCOLS_FL_TRUNC` (COMMAND unless `-u`).
    pub trunc: bool,
    /// `SCOLS_FL_RIGHT`.
    pub right: bool,
    /// The tree column, and its widest tree art.
    pub tree_art: Option<usize>,
}

/// The result: a width per column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    pub widths: Vec<usize>,
}

struct Stat {
    min: usize,
    max: usize,
    avg: f64,
    deviation: f64,
}

/// `count_column_width`: the widest cell, widened to the minimum (the header) when not wider
/// than it, else to the hint when both data and header are narrower than the hint.
pub fn natural_width(header: Option<usize>, hint: usize, widest: usize) -> usize {
    let min = header.unwrap_or(0).max(1);
    let width = if widest <= min {
        min
    } else if hint >= 1 && widest < hint && min < hint {
        hint
    } else {
        widest
    };
    // A column without header and data takes no room at all.
    if widest == 0 && header.is_none() && width <= 1 {
        0
    } else {
        width
    }
}

fn stat(column: &ColumnInput) -> Stat {
    let max = column.cells.iter().copied().max().unwrap_or(0);
    let mut min = column.header.unwrap_or(0).max(1);
    if max == 0 && column.header.is_none() {
        min = 0;
    }
    let n = column.cells.len();
    let avg = if n > 0 {
        column.cells.iter().sum::<usize>() as f64 / n as f64
    } else {
        0.0
    };
    let deviation = if n > 1 {
        let sum: f64 = column
            .cells
            .iter()
            .map(|&w| (w as f64 - avg) * (w as f64 - avg))
            .sum();
        (sum / (n - 1) as f64).sqrt()
    } else {
        0.0
    };
    Stat {
        min,
        max,
        avg,
        deviation,
    }
}

/// The widths for a table; `terminal` is the screen width when stdout is a terminal.
pub fn layout(columns: &[ColumnInput], terminal: Option<usize>) -> Layout {
    let stats: Vec<Stat> = columns.iter().map(stat).collect();
    let mut widths: Vec<usize> = columns
        .iter()
        .zip(&stats)
        .map(|(c, s)| natural_width(c.header, c.hint, s.max))
        .collect();
    if let Some(outwidth) = terminal {
        let mut width = widths.iter().sum::<usize>() + columns.len().saturating_sub(1);
        if width > outwidth {
            reduce(columns, &stats, &mut widths, &mut width, outwidth);
        } else if width < outwidth {
            enlarge(columns, &mut widths, &mut width, outwidth);
        }
    }
    Layout { widths }
}

/// The reduction loop of `__scols_calculate`: columns sorted by `avg + 3 * deviation`, the worst
/// first, through stages 0..=6 until the table fits or nothing more gives way.
fn reduce(
    columns: &[ColumnInput],
    stats: &[Stat],
    widths: &mut [usize],
    width: &mut usize,
    outwidth: usize,
) {
    let key = |i: usize| stats[i].avg + 3.0 * stats[i].deviation;
    let mut order: Vec<usize> = (0..columns.len()).collect();
    order.sort_by(|&a, &b| key(a).total_cmp(&key(b)));
    order.reverse();
    let mut stage = 0;
    while *width > outwidth {
        let before = *width;
        let mut stop = false;
        for (nth, &col) in order.iter().enumerate() {
            if *width <= outwidth {
                break;
            }
            if stage > 6 {
                stop = true;
                break;
            }
            reduce_column(
                &columns[col],
                &stats[col],
                &mut widths[col],
                width,
                outwidth,
                stage,
                nth,
            );
        }
        if stop {
            break;
        }
        if before == *width {
            stage += 1;
        }
    }
}

/// `reduce_column` for lsns's columns: no relative hints and no "noextremes" columns, so only
/// stages 0, 5 and 6 can narrow, and only truncatable columns.
fn reduce_column(
    column: &ColumnInput,
    stat: &Stat,
    w: &mut usize,
    width: &mut usize,
    outwidth: usize,
    stage: usize,
    nth: usize,
) {
    if *w == stat.min || *w == 0 {
        return;
    }
    if column.tree_art.is_some_and(|art| *width <= art) {
        return;
    }
    let before = *w;
    let wanted = *width - outwidth;
    match stage {
        0 if column.trunc && nth == 0 => reduce_to_68(stat, w, wanted),
        5 | 6 if column.trunc && (stage == 6 || stat.deviation >= stat.avg / 2.2) => {
            let mut by = if nth == 0 { wanted.min(3) } else { 1 };
            by = by.min(*w);
            *w = if *w - by > stat.min {
                *w - by
            } else {
                stat.min
            };
        }
        _ => {}
    }
    *width -= before - *w;
}

fn reduce_to_68(stat: &Stat, w: &mut usize, wanted: usize) {
    if stat.deviation < 1.0 {
        return;
    }
    let new = ((stat.avg + stat.deviation) as usize).clamp(stat.min, stat.max.max(stat.min));
    if new >= *w {
        return;
    }
    *w = if *w - new > wanted { *w - wanted } else { new };
}

/// A table narrower than the screen: columns with a width hint grow towards it one cell at a
/// time, the last column first; then a left-aligned last column takes the rest (it is not
/// padded, so that changes nothing visible).
fn enlarge(columns: &[ColumnInput], widths: &mut [usize], width: &mut usize, outwidth: usize) {
    'grow: while *width < outwidth {
        let mut changed = false;
        for col in (0..columns.len()).rev() {
            if columns[col].hint >= 1 && widths[col] < columns[col].hint {
                widths[col] += 1;
                *width += 1;
                changed = true;
                if *width == outwidth {
                    break 'grow;
                }
            }
        }
        if !changed {
            break;
        }
    }
    if let Some(last) = columns.len().checked_sub(1)
        && *width < outwidth
        && !columns[last].right
    {
        widths[last] += outwidth - *width;
        *width = outwidth;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natural_widths_follow_libsmartcols_2_42() {
        // (header, hint, widest) -> width
        for (header, hint, widest, want) in [
            (Some(3), 5, 1, 3),
            (Some(3), 5, 3, 3),
            (Some(3), 5, 4, 5),
            (Some(3), 5, 7, 7),
            (Some(4), 5, 4, 4), // TYPE "user", PPID of 4 digits: as wide as the header
            (Some(4), 5, 3, 4),
            (Some(6), 5, 1, 6),
            (Some(2), 10, 10, 10),
            (None, 5, 3, 5), // -n: the header does not count
            (None, 5, 1, 1),
            (None, 0, 0, 0),
            (None, 10, 0, 0),
            (Some(4), 0, 0, 4),
        ] {
            assert_eq!(
                natural_width(header, hint, widest),
                want,
                "{header:?} {hint} {widest}"
            );
        }
    }

    fn column(header: usize, hint: usize, cells: &[usize]) -> ColumnInput {
        ColumnInput {
            header: Some(header),
            hint,
            cells: cells.to_vec(),
            ..ColumnInput::default()
        }
    }

    #[test]
    fn a_terminal_widens_hinted_columns_from_the_right() {
        // NS(10) TYPE(4, hint 5) PID(3, hint 5): 10+1+4+1+3 = 19.
        let mut pid = column(3, 5, &[3]);
        pid.right = true;
        let columns = [column(2, 10, &[10]), column(4, 5, &[4]), pid];
        assert_eq!(layout(&columns, None).widths, [10, 4, 3]);
        assert_eq!(layout(&columns, Some(20)).widths, [10, 4, 4]);
        assert_eq!(layout(&columns, Some(21)).widths, [10, 5, 4]);
        assert_eq!(layout(&columns, Some(80)).widths, [10, 5, 5]);
    }

    #[test]
    fn a_narrow_terminal_truncates_command_only() {
        let mut command = column(7, 0, &[30, 10, 12]);
        command.trunc = true;
        let columns = [column(2, 10, &[10, 10, 10]), command];
        let got = layout(&columns, Some(30));
        assert_eq!(got.widths.iter().sum::<usize>() + 1, 30);
        assert_eq!(got.widths[0], 10);
        let narrow = layout(&columns, Some(5));
        assert_eq!(narrow.widths, [10, 7], "never below the header");
    }
}
