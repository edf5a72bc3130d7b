//! Writes styled lines into a frame's buffer cell for cell as ratatui's `Paragraph` would (cut at
//! the area's right edge, or word-wrapped and scrolled), without its per-grapheme machinery for
//! what nsview draws on every frame: a span of printable ASCII is one cell per byte. Anything
//! this cannot prove it draws the same way (a line to wrap, a zero-width or over-wide grapheme,
//! an alignment) is handed to `Paragraph` itself, so what is drawn never differs.

use ratatui::buffer::{Buffer, CellWidth};
use ratatui::layout::{Alignment, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Widget, Wrap};

/// Printable ASCII: one grapheme, one cell per byte, never filtered out as a control.
fn plain(text: &str) -> bool {
    text.bytes().all(|b| (b' '..=b'~').contains(&b))
}

fn left(line: &Line) -> bool {
    matches!(line.alignment, None | Some(Alignment::Left))
}

/// One line at row `y`, from `area.x`, cut where `Paragraph`'s truncation cuts: at the first
/// grapheme that would cross `area.width` (a grapheme wider than the whole area is skipped, a
/// zero-width one takes no cell).
fn paint_line(buf: &mut Buffer, area: Rect, y: u16, line: &Line) {
    let max = area.width;
    let mut used: u16 = 0;
    for span in &line.spans {
        if plain(&span.content) {
            let style = line.style.patch(span.style);
            for c in span.content.chars() {
                if used >= max {
                    return;
                }
                buf[(area.x + used, y)].set_char(c).set_style(style);
                used += 1;
            }
        } else {
            for g in span.styled_graphemes(line.style) {
                let width = g.symbol.cell_width();
                if width > max {
                    continue;
                }
                if used + width > max {
                    return;
                }
                if width > 0 {
                    buf[(area.x + used, y)]
                        .set_symbol(g.symbol)
                        .set_style(g.style);
                }
                used += width;
            }
        }
    }
}

/// As `Paragraph::new(lines)` rendered into `area`: each line on its own row, cut at the edge.
pub fn cut(buf: &mut Buffer, area: Rect, lines: &[Line]) {
    let area = area.intersection(buf.area);
    if area.is_empty() {
        return;
    }
    if !lines.iter().all(left) {
        Paragraph::new(lines.to_vec()).render(area, buf);
        return;
    }
    for (y, line) in (area.top()..area.bottom()).zip(lines) {
        paint_line(buf, area, y, line);
    }
}

/// Whether word wrapping leaves `line` whole on one row of `max` columns: every grapheme takes
/// at least one cell and no more than the row, and together they fit.
fn fits(line: &Line, max: u16) -> bool {
    if !left(line) {
        return false;
    }
    let mut used: usize = 0;
    for span in &line.spans {
        if plain(&span.content) {
            used += span.content.len();
        } else {
            for g in span.styled_graphemes(line.style) {
                let width = g.symbol.cell_width();
                if width == 0 || width > max {
                    return false;
                }
                used += usize::from(width);
            }
        }
    }
    used <= usize::from(max)
}

/// As `Paragraph::new(lines).wrap(Wrap { trim: false }).scroll((scroll, 0))` rendered into
/// `area`. When every line fits on its row there is nothing to wrap and each is painted
/// directly; otherwise `Paragraph` does it all.
pub fn wrapped(buf: &mut Buffer, area: Rect, lines: &[Line], scroll: u16) {
    let area = area.intersection(buf.area);
    if area.is_empty() {
        return;
    }
    if !lines.iter().all(|line| fits(line, area.width)) {
        Paragraph::new(lines.to_vec())
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0))
            .render(area, buf);
        return;
    }
    let shown = lines.iter().skip(usize::from(scroll));
    for (y, line) in (area.top()..area.bottom()).zip(shown) {
        paint_line(buf, area, y, line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::style::{Color, Modifier, Style};
    use ratatui::text::Span;

    /// Lines that exercise every path: plain ASCII, wide and combining characters, a
    /// zero-width joiner, escapes, styles on the line and on spans, trailing and leading
    /// blanks, empty lines, lines longer than the area.
    fn lines() -> Vec<Line<'static>> {
        let bold = Style::new().add_modifier(Modifier::BOLD);
        vec![
            Line::from("plain ascii text"),
            Line::from(vec![
                Span::styled("▶", bold),
                Span::raw(" ▾ "),
                Span::styled("4026531836", Style::new().fg(Color::Cyan)),
                Span::raw("  host   "),
            ])
            .patch_style(Style::new().add_modifier(Modifier::REVERSED)),
            Line::from(""),
            Line::from(vec![]),
            Line::from("wide 漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字 and more after them"),
            Line::from("e\u{301}\u{301} combining, a\u{200d}b joiner, \\x1b escaped"),
            Line::from(vec![
                Span::styled("label     ", Style::new().add_modifier(Modifier::DIM)),
                Span::styled(
                    "a value long enough to wrap over the edge of a narrow area, twice over",
                    Style::new().fg(Color::Red),
                ),
            ]),
            Line::from("   leading and trailing blanks   "),
            Line::from("x".repeat(200)),
            Line::from(vec![Span::styled(
                "dim",
                Style::new().remove_modifier(Modifier::DIM),
            )])
            .style(Style::new().bg(Color::Blue).add_modifier(Modifier::DIM)),
            Line::from("漢"),
            Line::from("zero\u{200b}width space"),
            Line::from("ﾊﾞ halfwidth mark"),
        ]
    }

    fn area(width: u16, height: u16) -> Rect {
        Rect::new(3, 2, width, height)
    }

    #[test]
    fn cut_draws_what_paragraph_draws() {
        let all = lines();
        for width in [0, 1, 2, 5, 9, 16, 40, 90, 250] {
            for height in [0, 1, 3, 20] {
                for n in 0..=all.len() {
                    for start in [0, n / 2] {
                        let some = &all[start..n];
                        let full = Rect::new(0, 0, 260, 30);
                        let mut expected = Buffer::empty(full);
                        Paragraph::new(some.to_vec()).render(area(width, height), &mut expected);
                        let mut got = Buffer::empty(full);
                        cut(&mut got, area(width, height), some);
                        assert_eq!(
                            got, expected,
                            "width {width} height {height} lines {start}..{n}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn wrapped_draws_what_paragraph_draws() {
        let all = lines();
        for width in [0, 1, 2, 5, 9, 16, 40, 90, 250] {
            for height in [0, 1, 3, 20] {
                for scroll in [0, 1, 4, 30] {
                    // Each line alone (the fast path where it fits) and runs of them.
                    let runs: Vec<&[Line]> = (0..all.len())
                        .map(|i| &all[i..=i])
                        .chain([&all[..], &all[..2], &all[7..]])
                        .collect();
                    for some in runs {
                        let full = Rect::new(0, 0, 260, 30);
                        let mut expected = Buffer::empty(full);
                        Paragraph::new(some.to_vec())
                            .wrap(Wrap { trim: false })
                            .scroll((scroll, 0))
                            .render(area(width, height), &mut expected);
                        let mut got = Buffer::empty(full);
                        wrapped(&mut got, area(width, height), some, scroll);
                        assert_eq!(
                            got, expected,
                            "width {width} height {height} scroll {scroll}: {some:?}"
                        );
                    }
                }
            }
        }
    }

    /// Many generated lines (a fixed pseudo-random sequence over ASCII, blanks, wide,
    /// combining, zero-width and halfwidth-mark characters, styled spans) at many widths: both
    /// forms always draw what `Paragraph` draws.
    #[test]
    fn generated_lines_draw_what_paragraph_draws() {
        // The first eleven take one or two cells each; the last three may take none.
        const PIECES: [&str; 14] = [
            "a", "Z", "7", " ", "  ", "-", "漢", "é", "…", "▾", "\\x1b", "\u{301}", "\u{200b}", "ﾞ",
        ];
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = |n: usize| {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (seed >> 33) as usize % n
        };
        let styles = [
            Style::new(),
            Style::new().fg(Color::Cyan),
            Style::new().add_modifier(Modifier::BOLD | Modifier::REVERSED),
        ];
        let mut fast = 0;
        for round in 0..600 {
            // Every other round without the zero-width pieces, so that lines often fit.
            let pieces = if round % 2 == 0 { PIECES.len() } else { 11 };
            let lines: Vec<Line> = (0..1 + next(6))
                .map(|_| {
                    let spans: Vec<Span> = (0..next(4))
                        .map(|_| {
                            let text: String =
                                (0..next(12)).map(|_| PIECES[next(pieces)]).collect();
                            Span::styled(text, styles[next(styles.len())])
                        })
                        .collect();
                    Line::from(spans).style(styles[next(styles.len())])
                })
                .collect();
            let (width, height, scroll) = (next(60) as u16, next(8) as u16, next(3) as u16);
            fast += usize::from(width > 0 && lines.iter().all(|l| fits(l, width)));
            let full = Rect::new(0, 0, 70, 14);
            let at = Rect::new(2, 1, width, height);
            let mut expected = Buffer::empty(full);
            Paragraph::new(lines.clone()).render(at, &mut expected);
            let mut got = Buffer::empty(full);
            cut(&mut got, at, &lines);
            assert_eq!(got, expected, "cut, round {round}: {lines:?} in {at:?}");
            let mut expected = Buffer::empty(full);
            Paragraph::new(lines.clone())
                .wrap(Wrap { trim: false })
                .scroll((scroll, 0))
                .render(at, &mut expected);
            let mut got = Buffer::empty(full);
            wrapped(&mut got, at, &lines, scroll);
            assert_eq!(got, expected, "wrapped, round {round}: {lines:?} in {at:?}");
        }
        // Enough of them fit for the direct path to be what was compared.
        assert!(fast >= 60, "only {fast} of 600 rounds took the direct path");
    }

    #[test]
    fn a_line_that_fits_takes_the_fast_path() {
        assert!(fits(&Line::from("abc"), 3));
        assert!(!fits(&Line::from("abcd"), 3));
        assert!(fits(&Line::from("▶ ▾ ×2 …"), 8));
        assert!(
            fits(&Line::from("e\u{301}"), 1),
            "a combining mark joins its letter"
        );
        assert!(
            !fits(&Line::from("a\u{200b}b"), 8),
            "zero-width: Paragraph decides"
        );
        assert!(
            !fits(&Line::from("漢"), 1),
            "wider than the area: Paragraph decides"
        );
        assert!(!fits(&Line::from("abc").right_aligned(), 8));
    }
}
