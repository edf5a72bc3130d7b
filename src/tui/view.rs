//! Drawing: [`render`] paints an [`App`] into a frame and changes nothing. Only the rows in the
//! visible window are turned into text, so a 5,000-process tree costs one screenful per frame.
//!
//! Layout degrades with size: side-by-side detail pane when wide, stacked when tall, tree only
//! when small, and never a panic (every split saturates).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::model::{Holder, NsKind, Snapshot};

use super::app::{App, Area, Mark, Mode, NodeKey, Row, View};
use super::detail::{self, Tone};
use super::keys::HELP;

/// Where each part of the screen goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Areas {
    pub header: Option<Rect>,
    pub tree: Rect,
    pub detail: Option<Rect>,
    pub status: Option<Rect>,
    pub hints: Option<Rect>,
}

/// Splits the screen. Pure, so the loop and tests agree on where the tree is.
pub fn layout(area: Rect) -> Areas {
    let mut body = area;
    let take_top = |body: &mut Rect| {
        let top = Rect { height: 1, ..*body };
        body.y += 1;
        body.height -= 1;
        top
    };
    let header = (body.height >= 5).then(|| take_top(&mut body));
    let take_bottom = |body: &mut Rect| {
        body.height -= 1;
        Rect {
            y: body.y + body.height,
            height: 1,
            ..*body
        }
    };
    let hints = (body.height >= 7).then(|| take_bottom(&mut body));
    let status = (body.height >= 2).then(|| take_bottom(&mut body));
    let (tree, detail) = if body.width >= 100 && body.height >= 3 {
        let tree_width = body.width * 55 / 100;
        let tree = Rect {
            width: tree_width,
            ..body
        };
        let detail = Rect {
            x: body.x + tree_width,
            width: body.width - tree_width,
            ..body
        };
        (tree, Some(detail))
    } else if body.height >= 16 {
        let tree_height = body.height * 55 / 100;
        let tree = Rect {
            height: tree_height,
            ..body
        };
        let detail = Rect {
            y: body.y + tree_height,
            height: body.height - tree_height,
            ..body
        };
        (tree, Some(detail))
    } else {
        (body, None)
    };
    Areas {
        header,
        tree,
        detail,
        status,
        hints,
    }
}

/// Lays out, tells the app where its rows are (page size, clicks), then renders.
pub fn draw(app: &mut App, frame: &mut Frame) {
    let areas = layout(frame.area());
    app.set_tree_area(Area {
        x: areas.tree.x,
        y: areas.tree.y,
        width: areas.tree.width,
        height: areas.tree.height,
    });
    match areas.detail {
        Some(pane) => {
            let text = detail_text(app, Theme { color: false });
            let inner = detail_inner(pane, pane.x == areas.tree.x);
            let rows: usize = text
                .iter()
                .map(|line| {
                    line.width()
                        .div_ceil(usize::from(inner.width).max(1))
                        .max(1)
                })
                .sum();
            let max = rows.saturating_sub(usize::from(inner.height));
            app.set_detail_area(
                Area {
                    x: pane.x,
                    y: pane.y,
                    width: pane.width,
                    height: pane.height,
                },
                u16::try_from(max).unwrap_or(u16::MAX),
            );
        }
        None => app.set_detail_area(Area::default(), 0),
    }
    let help = help_rect(frame.area());
    app.set_help_overflow((HELP.len() as u16).saturating_sub(help.height.saturating_sub(2)));
    render(app, frame);
}

/// Colours, or none at all under NO_COLOR (modifiers such as reverse video stay).
#[derive(Clone, Copy)]
struct Theme {
    color: bool,
}

impl Theme {
    fn fg(self, color: Color) -> Style {
        if self.color {
            Style::new().fg(color)
        } else {
            Style::new()
        }
    }

    fn kind(self, kind: NsKind) -> Style {
        self.fg(match kind {
            NsKind::Mnt => Color::Blue,
            NsKind::Net => Color::Cyan,
            NsKind::Pid => Color::Magenta,
            NsKind::Uts => Color::Yellow,
            NsKind::Ipc => Color::LightGreen,
            NsKind::User => Color::LightRed,
            NsKind::Cgroup => Color::LightBlue,
            NsKind::Time => Color::LightMagenta,
        })
    }

    fn good(self) -> Style {
        self.fg(Color::Green)
    }

    fn bad(self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }

    fn dim(self) -> Style {
        Style::new().add_modifier(Modifier::DIM)
    }

    fn heading(self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }

    fn tone(self, tone: Tone) -> Style {
        match tone {
            Tone::Heading => self.heading(),
            Tone::Normal => Style::new(),
            Tone::Dim => self.dim(),
            Tone::Host => self.fg(Color::DarkGray),
            Tone::Warn => self.fg(Color::Red),
            Tone::Good => self.good(),
            Tone::Kind(kind) => self.kind(kind).add_modifier(Modifier::BOLD),
        }
    }
}

/// Paints the whole screen from the app's state.
pub fn render(app: &App, frame: &mut Frame) {
    let theme = Theme { color: app.color };
    let area = frame.area();
    if area.width == 0 || area.height == 0 {
        return;
    }
    let areas = layout(area);
    if let Some(header) = areas.header {
        frame.render_widget(Paragraph::new(header_line(app, theme)), header);
    }
    render_tree(app, theme, frame, areas.tree);
    if let Some(detail) = areas.detail {
        render_detail(app, theme, frame, detail, areas.tree.x == detail.x);
    }
    if let Some(status) = areas.status {
        frame.render_widget(Paragraph::new(status_line(app, theme)), status);
    }
    if let Some(hints) = areas.hints {
        frame.render_widget(Paragraph::new(hints_line(app, theme)), hints);
    }
    match app.mode {
        Mode::Help => render_help(app, theme, frame, area),
        Mode::Prompt => render_prompt(app, frame, area),
        _ => {}
    }
}

fn header_line(app: &App, theme: Theme) -> Line<'static> {
    let mut spans = vec![Span::styled("nsview ", theme.heading())];
    for (n, view) in View::ALL.into_iter().enumerate() {
        let text = format!(" {} {} ", n + 1, view.title());
        let style = if view == app.view {
            Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
        } else {
            Style::new()
        };
        spans.push(Span::styled(text, style));
    }
    if let Some(file) = &app.read_only {
        spans.push(Span::styled(
            format!("  snapshot {} (read-only)", crate::text::safe(file)),
            theme.fg(Color::Yellow),
        ));
    }
    if app.mode == Mode::Filter || app.filter_active() {
        spans.push(Span::raw("  /"));
        spans.push(Span::styled(
            app.filter_text.clone(),
            theme.fg(Color::Yellow).add_modifier(Modifier::BOLD),
        ));
        if app.mode == Mode::Filter {
            spans.push(Span::raw("▏"));
        }
        if app.filter_active() && app.rows.is_empty() {
            spans.push(Span::styled("  no match", theme.bad()));
        }
    }
    Line::from(spans)
}

fn render_tree(app: &App, theme: Theme, frame: &mut Frame, area: Rect) {
    if area.height == 0 {
        return;
    }
    if app.rows.is_empty() {
        let text = if app.scan_info.is_none() {
            "scanning…"
        } else if app.filter_active() {
            "nothing matches the filter (Esc clears it)"
        } else {
            "no namespaces seen"
        };
        frame.render_widget(Paragraph::new(Span::styled(text, theme.dim())), area);
        return;
    }
    let start = app.offset().min(app.rows.len());
    let end = (start + usize::from(area.height)).min(app.rows.len());
    let cursor = app.cursor();
    let lines: Vec<Line> = app.rows[start..end]
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let selected = start + i == cursor;
            let mut line = row_line(app, theme, row);
            // A marker as well as reverse video: visible without colour or attributes (text
            // snapshots, screen readers, `tmux capture-pane`).
            line.spans
                .insert(0, Span::raw(if selected { "▶" } else { " " }));
            if selected {
                line = line.patch_style(Style::new().add_modifier(Modifier::REVERSED));
            }
            line
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), area);
}

/// One tree row: mark, indentation, open/closed arrow, then what the node is.
fn row_line(app: &App, theme: Theme, row: &Row) -> Line<'static> {
    let snapshot = &app.snapshot;
    let mark = app.mark(row.key);
    let mut spans = vec![match mark {
        Mark::Appeared => Span::styled("+", theme.good().add_modifier(Modifier::BOLD)),
        Mark::Vanished => Span::styled("-", theme.dim()),
        Mark::None => Span::raw(" "),
    }];
    let arrow = match (row.has_children, row.expanded) {
        (true, true) => "▾ ",
        (true, false) => "▸ ",
        _ => "  ",
    };
    spans.push(Span::raw(format!(
        "{}{arrow}",
        "  ".repeat(usize::from(row.depth))
    )));
    let matched = app.filter_matches(row.key);
    match row.key {
        NodeKey::Kind(kind) => {
            let count = app.index.by_kind[kind.index()].len();
            spans.push(Span::styled(
                kind.name(),
                theme.kind(kind).add_modifier(Modifier::BOLD),
            ));
            spans.push(Span::styled(format!(" ({count})"), theme.dim()));
        }
        NodeKey::Ns(inode) => {
            if let Some(ns) = snapshot.namespace(inode) {
                if app.view != View::Type {
                    spans.push(Span::styled(
                        format!("{:<6} ", ns.kind.name()),
                        theme.kind(ns.kind),
                    ));
                }
                spans.push(Span::styled(
                    inode.to_string(),
                    theme.kind(ns.kind).add_modifier(Modifier::BOLD),
                ));
                let live = app.index.live_members.get(&inode).copied().unwrap_or(0);
                spans.push(Span::raw(format!(" {live:>5} ")));
                match snapshot.representative(ns) {
                    Some(p) => spans.push(Span::raw(p.command.clone())),
                    None => spans.push(Span::styled(held_by(snapshot, &ns.holders), theme.dim())),
                }
            }
        }
        NodeKey::Members(inode) => {
            let live = app.index.live_members.get(&inode).copied().unwrap_or(0);
            spans.push(Span::styled(format!("processes ({live})"), theme.dim()));
        }
        NodeKey::Proc(_, pid) => {
            if let Some(p) = snapshot.process(pid) {
                spans.push(Span::styled(format!("{pid:>7} "), theme.heading()));
                spans.push(Span::styled(
                    format!("{:<8} ", snapshot.user_name(p.uid)),
                    theme.fg(Color::DarkGray),
                ));
                spans.push(Span::raw(p.command.clone()));
            }
        }
    }
    let mut line = Line::from(spans);
    if matched {
        line = line.patch_style(Style::new().add_modifier(Modifier::UNDERLINED));
    }
    if mark == Mark::Vanished {
        line = line.patch_style(theme.dim());
    }
    line
}

/// "(held by …)" for a namespace no process is in.
fn held_by(snapshot: &Snapshot, holders: &[Holder]) -> String {
    match holders.first() {
        None => "(no holder seen)".into(),
        Some(Holder::BindMount { path, .. }) if holders.len() == 1 => {
            format!("(held by bind mount {path})")
        }
        Some(first) => {
            let (label, text) = detail::holder_text(snapshot, first);
            let more = match holders.len() {
                1 => String::new(),
                n => format!(" +{}", n - 1),
            };
            format!("(held by {label} {text}{more})")
        }
    }
}

/// Where the detail text goes inside the pane (its border and a one-column margin off).
fn detail_inner(area: Rect, stacked: bool) -> Rect {
    let inner = detail_block(stacked).inner(area);
    Rect {
        x: inner.x + u16::from(inner.width > 2),
        width: inner.width.saturating_sub(1),
        ..inner
    }
}

/// The detail pane's lines, labels padded to one column.
fn detail_text(app: &App, theme: Theme) -> Vec<Line<'static>> {
    let lines = detail::detail_lines(app);
    let label_width = lines
        .iter()
        .map(|l| l.label.chars().count())
        .max()
        .unwrap_or(0)
        .min(18);
    lines
        .into_iter()
        .map(|l| {
            if l.label.is_empty() && matches!(l.tone, Tone::Heading | Tone::Kind(_)) {
                Line::from(Span::styled(l.value, theme.tone(l.tone)))
            } else {
                Line::from(vec![
                    Span::styled(format!("{:<label_width$} ", l.label), theme.dim()),
                    Span::styled(l.value, theme.tone(l.tone)),
                ])
            }
        })
        .collect()
}

/// The pane's border: a line above it when stacked under the tree, else one to its left.
fn detail_block(stacked: bool) -> Block<'static> {
    Block::new().borders(if stacked { Borders::TOP } else { Borders::LEFT })
}

fn render_detail(app: &App, theme: Theme, frame: &mut Frame, area: Rect, stacked: bool) {
    let mut block = detail_block(stacked).border_style(theme.dim());
    if app.detail_scroll > 0 {
        block = block.title(Span::styled(
            format!(" ↑{} ", app.detail_scroll),
            theme.dim(),
        ));
    }
    frame.render_widget(block, area);
    frame.render_widget(
        Paragraph::new(detail_text(app, theme))
            .wrap(Wrap { trim: false })
            .scroll((app.detail_scroll, 0)),
        detail_inner(area, stacked),
    );
}

fn status_line(app: &App, theme: Theme) -> Line<'static> {
    let mut spans = Vec::new();
    match &app.scan_info {
        Some(info) => {
            spans.push(Span::raw(format!(
                "{} namespaces, {} processes",
                info.namespaces, info.processes
            )));
            if let Some(took) = info.took {
                spans.push(Span::styled(
                    format!(" · scan {} ms", took.as_millis()),
                    theme.dim(),
                ));
            }
        }
        None => spans.push(Span::styled("first scan…", theme.dim())),
    }
    if app.scanning && app.scan_info.is_some() {
        spans.push(Span::styled(" · rescanning", theme.dim()));
    }
    if let Some(note) = app.snapshot.partial_view_summary() {
        spans.push(Span::styled(format!(" · {note}"), theme.dim()));
    }
    let marks = (
        app.appeared_ns.len() + app.appeared_pids.len(),
        app.vanished_ns.len() + app.vanished_pids.len(),
    );
    if marks != (0, 0) {
        spans.push(Span::styled(format!(" · +{}", marks.0), theme.good()));
        spans.push(Span::styled(format!(" -{}", marks.1), theme.dim()));
    }
    // On a one-line status, the error is what matters.
    if let Some(error) = &app.error {
        spans.insert(0, Span::styled(format!("error: {error} · "), theme.bad()));
    } else if let Some(notice) = &app.notice {
        spans.insert(0, Span::styled(format!("{notice} · "), theme.good()));
    }
    Line::from(spans)
}

fn hints_line(app: &App, theme: Theme) -> Line<'static> {
    let text = match app.mode {
        Mode::Filter => "type to filter · Enter keep · Esc clear · ↑↓ move",
        Mode::Prompt => "Enter run · Esc cancel",
        Mode::Help => "any key closes help",
        Mode::Normal if app.error.is_some() => {
            "Esc clear error · q quit · ? help · / filter · s shell · x run · r rescan"
        }
        Mode::Normal => {
            "q quit · ? help · / filter · Tab view · ←→ fold · s shell · x run · e enter · r rescan"
        }
    };
    Line::from(Span::styled(text, theme.dim()))
}

/// A centred rectangle no larger than `area`.
fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    }
}

/// Where the help overlay goes: centred, as large as the list, never larger than the screen.
fn help_rect(area: Rect) -> Rect {
    let key_width = HELP
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0);
    let width = 4
        + key_width as u16
        + HELP
            .iter()
            .map(|(_, w)| w.chars().count() as u16)
            .max()
            .unwrap_or(0);
    centered(area, width, HELP.len() as u16 + 2)
}

fn render_help(app: &App, theme: Theme, frame: &mut Frame, area: Rect) {
    let key_width = HELP
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0);
    let lines: Vec<Line> = HELP
        .iter()
        .map(|(keys, what)| {
            Line::from(vec![
                Span::styled(format!(" {keys:<key_width$}  "), theme.heading()),
                Span::raw(*what),
            ])
        })
        .collect();
    let rect = help_rect(area);
    let shown = usize::from(rect.height.saturating_sub(2));
    let title = if shown < HELP.len() {
        let first = usize::from(app.help_scroll) + 1;
        let last = (first - 1 + shown).min(HELP.len());
        format!(" keys {first}-{last}/{} ↑↓ scroll ", HELP.len())
    } else {
        " keys (any key closes) ".to_string()
    };
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .scroll((app.help_scroll, 0))
            .block(Block::bordered().title(title)),
        rect,
    );
}

fn render_prompt(app: &App, frame: &mut Frame, area: Rect) {
    let rect = centered(area, 70, 3);
    frame.render_widget(Clear, rect);
    let title = format!(" run in {} (Enter runs, Esc cancels) ", app.prompt_label());
    frame.render_widget(
        Paragraph::new(format!("$ {}▏", app.prompt)).block(Block::bordered().title(title)),
        rect,
    );
}
