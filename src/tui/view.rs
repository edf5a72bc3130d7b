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
use crate::text::safe;

use super::app::{App, Area, Mark, Mode, NodeKey, Refresh, Row, SortKey, View};
use super::detail::{self, DetailLine, Tone};
use super::keys::HELP;
use super::names::Source;
use super::paint;

/// Where each part of the screen goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Areas {
    pub header: Option<Rect>,
    /// The tree's column headings.
    pub columns: Option<Rect>,
    /// The detail pane is under the tree (or alone, zoomed), not beside it.
    pub stacked: bool,
    pub tree: Rect,
    pub detail: Option<Rect>,
    pub status: Option<Rect>,
    pub hints: Option<Rect>,
}

/// Splits the screen. Pure, so the loop and tests agree on where the tree is. Zoomed, the
/// detail pane takes the whole body.
pub fn layout(area: Rect, zoomed: bool) -> Areas {
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
    let (tree, detail) = if zoomed && body.height >= 2 {
        (Rect { height: 0, ..body }, Some(body))
    } else if body.width >= 100 && body.height >= 3 {
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
    let mut tree = tree;
    let columns = (tree.height >= 3).then(|| take_top(&mut tree));
    let stacked = detail.is_some_and(|d| d.x == tree.x);
    Areas {
        header,
        columns,
        stacked,
        tree,
        detail,
        status,
        hints,
    }
}

/// Lays out, tells the app where its rows are (page size, clicks), then renders.
pub fn draw(app: &mut App, frame: &mut Frame) {
    let areas = layout(frame.area(), app.zoomed());
    app.set_tree_area(Area {
        x: areas.tree.x,
        y: areas.tree.y,
        width: areas.tree.width,
        height: areas.tree.height,
    });
    let theme = Theme { color: app.color() };
    // The pane's text is built once per frame: measured here, drawn by `render_with`.
    let mut built = None;
    match areas.detail {
        Some(pane) => {
            let content = detail::pane(app);
            let title = Line::from(Span::styled(
                format!(" {} ", safe(&content.title)),
                theme.tone(content.title_tone),
            ));
            let text = detail_text(content.lines, theme);
            let inner = detail_inner(pane, areas.stacked);
            let rows = wrapped_rows(&text, inner.width);
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
            built = Some((title, text));
        }
        None => app.set_detail_area(Area::default(), 0),
    }
    if app.mode() == Mode::Help {
        let help = help_lines(theme, frame.area().width.saturating_sub(2));
        let rect = help_rect(frame.area(), &help);
        app.set_help_overflow((help.len() as u16).saturating_sub(rect.height.saturating_sub(2)));
    }
    render_with(app, frame, built);
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
    render_with(app, frame, None);
}

/// [`render`] with the detail pane's title and text already built (by [`draw`]).
fn render_with(app: &App, frame: &mut Frame, pane: Option<(Line<'static>, Vec<Line<'static>>)>) {
    let theme = Theme { color: app.color() };
    let area = frame.area();
    if area.width == 0 || area.height == 0 {
        return;
    }
    let areas = layout(area, app.zoomed());
    if let Some(header) = areas.header {
        paint::cut(
            frame.buffer_mut(),
            header,
            &[header_line(app, theme, header.width)],
        );
    }
    render_tree(app, theme, frame, areas.tree, areas.columns);
    if let Some(detail) = areas.detail {
        let (title, text) = pane.unwrap_or_else(|| {
            let content = detail::pane(app);
            let title = Line::from(Span::styled(
                format!(" {} ", safe(&content.title)),
                theme.tone(content.title_tone),
            ));
            (title, detail_text(content.lines, theme))
        });
        render_detail(app, theme, frame, detail, areas.stacked, title, text);
    }
    if let Some(status) = areas.status {
        paint::cut(frame.buffer_mut(), status, &[status_line(app, theme)]);
    }
    if let Some(hints) = areas.hints {
        paint::cut(frame.buffer_mut(), hints, &[hints_line(app, theme)]);
    }
    match app.mode() {
        Mode::Help => render_help(app, theme, frame, area),
        Mode::Prompt => render_prompt(app, frame, area),
        Mode::Confirm => render_confirm(app, frame, area),
        _ => {}
    }
}

fn header_line(app: &App, theme: Theme, width: u16) -> Line<'static> {
    let mut spans = vec![Span::styled("nsview ", theme.heading())];
    for (n, view) in View::ALL.into_iter().enumerate() {
        let text = format!(" {} {} ", n + 1, view.title());
        let style = if view == app.view() {
            Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
        } else {
            Style::new()
        };
        spans.push(Span::styled(text, style));
    }
    if let Some(file) = app.read_only() {
        spans.push(Span::styled(
            format!("  snapshot {} (read-only)", crate::text::safe(file)),
            theme.fg(Color::Yellow),
        ));
    }
    if app.mode() == Mode::Filter || app.filter_active() {
        spans.push(Span::raw("  /"));
        spans.push(Span::styled(
            safe(app.filter_text()).into_owned(),
            theme.fg(Color::Yellow).add_modifier(Modifier::BOLD),
        ));
        if app.mode() == Mode::Filter {
            spans.push(Span::raw("▏"));
        }
        if let Some(problem) = app.filter_problem() {
            spans.push(Span::styled(format!("  {}", safe(problem)), theme.bad()));
        } else if let Some((namespaces, processes)) = app.filter_counts() {
            let text = match (namespaces, processes) {
                (0, 0) => "  no match".to_string(),
                (n, 0) => format!("  {n} {}", plural(n, "namespace", "namespaces")),
                (0, p) => format!("  {p} {}", plural(p, "process", "processes")),
                (n, p) => format!("  {n} ns, {p} {}", plural(p, "process", "processes")),
            };
            let style = if namespaces + processes == 0 {
                theme.bad()
            } else {
                theme.dim()
            };
            spans.push(Span::styled(text, style));
        }
    }
    let (sort, reverse) = app.sort();
    if sort != SortKey::Inode || reverse {
        let arrow = if reverse { "↑" } else { "↓" };
        spans.push(Span::styled(
            format!("  sort {}{arrow}", sort.title()),
            theme.dim(),
        ));
    }
    // The right-hand side: where the data comes from and how old it is; without the refresh
    // mode when that does not fit.
    let used: usize = spans.iter().map(|s| s.width()).sum();
    let room = usize::from(width).saturating_sub(used);
    let right = [freshness(app, true), freshness(app, false)]
        .into_iter()
        .find(|right| room > width_of(right) + 1)
        .unwrap_or_default();
    if !right.is_empty() {
        spans.push(Span::raw(" ".repeat(room - width_of(&right))));
        spans.push(Span::styled(right, theme.dim()));
    }
    Line::from(spans)
}

/// "scanned 2s ago", "scan running 7s (stuck? r starts another)", "root /tmp/proc", …; with
/// `mode`, how the data is kept current first ("live · reconcile 60s", "polling 3s").
fn freshness(app: &App, mode: bool) -> String {
    let clock = app.clock();
    let mut parts = Vec::new();
    if let Some(root) = app.proc_root() {
        parts.push(format!("root {}", safe(&root)));
    }
    if app.is_paused() {
        parts.push("paused".to_string());
    } else if mode {
        // Live: changes show as they happen; the interval is the full reconcile's.
        match (app.refresh(), app.interval()) {
            (Refresh::Live, Some(every)) => parts.push(format!(
                "live · reconcile {}",
                super::app::interval_text(clock.reconcile_every.unwrap_or(every))
            )),
            (Refresh::Live, None) => parts.push("live".to_string()),
            (Refresh::Polling, Some(every)) => {
                parts.push(format!("polling {}", super::app::interval_text(every)))
            }
            (Refresh::Polling, None) => {}
        }
    }
    match clock.scan_running {
        Some(running) if running >= STUCK_AFTER => parts.push(format!(
            "scan stuck {}s (another starts)",
            running.as_secs()
        )),
        Some(running) if running >= SLOW_AFTER => {
            parts.push(format!("scanning {}s", running.as_secs()));
        }
        _ => {}
    }
    if let Some(age) = clock.age {
        parts.push(format!("scanned {} ago", short_duration(age)));
    }
    parts.join(" · ")
}

/// A scan or read running this long is called slow, and this long stuck.
pub const SLOW_AFTER: std::time::Duration = std::time::Duration::from_secs(1);
pub const STUCK_AFTER: std::time::Duration = std::time::Duration::from_secs(5);

/// 2s, 3m, 2h.
fn short_duration(d: std::time::Duration) -> String {
    let secs = d.as_secs();
    match secs {
        0..=119 => format!("{secs}s"),
        120..=7199 => format!("{}m", secs / 60),
        _ => format!("{}h", secs / 3600),
    }
}

fn render_tree(app: &App, theme: Theme, frame: &mut Frame, area: Rect, columns: Option<Rect>) {
    if area.height == 0 {
        return;
    }
    if app.rows().is_empty() {
        let text = if app.scan_info().is_none() {
            "scanning…".to_string()
        } else if app.filter_active() {
            match app.filter_elsewhere() {
                Some((view, n)) => format!(
                    "nothing matches here; {n} {} in {} (press {})",
                    plural(n, "match", "matches"),
                    view.title(),
                    view.index() + 1
                ),
                None => "nothing matches the filter (Esc clears it)".into(),
            }
        } else {
            "no namespaces seen".into()
        };
        frame.render_widget(Paragraph::new(Span::styled(text, theme.dim())), area);
        return;
    }
    let start = app.offset().min(app.rows().len());
    let end = (start + usize::from(area.height)).min(app.rows().len());
    let cursor = app.cursor();
    let cells: Vec<Cells> = app.rows()[start..end]
        .iter()
        .map(|row| row_cells(app, theme, row))
        .collect();
    let widths = Widths::fit(&cells, usize::from(area.width));
    if let Some(columns) = columns {
        let header = format!(
            "  {} {} {} {}",
            fit("NAMESPACE/PID", widths.tree),
            fit("NAME/USER", widths.name),
            fit("PROCS", widths.procs),
            "COMMAND"
        );
        paint::cut(
            frame.buffer_mut(),
            columns,
            &[Line::from(Span::styled(
                header,
                theme.heading().add_modifier(Modifier::UNDERLINED),
            ))],
        );
    }
    let lines: Vec<Line> = cells
        .into_iter()
        .zip(&app.rows()[start..end])
        .enumerate()
        .map(|(i, (cells, row))| {
            let selected = start + i == cursor;
            let mut line = cells.line(&widths);
            // A marker as well as reverse video: visible without colour or attributes (text
            // snapshots, screen readers, `tmux capture-pane`).
            line.spans
                .insert(0, Span::raw(if selected { "▶" } else { " " }));
            if app.filter_matches(row.key) {
                line = line.patch_style(Style::new().add_modifier(Modifier::UNDERLINED));
            }
            if app.mark(row.key) == Mark::Vanished {
                line = line.patch_style(theme.dim());
            }
            if selected {
                line = line.patch_style(Style::new().add_modifier(Modifier::REVERSED));
            }
            line
        })
        .collect();
    paint::cut(frame.buffer_mut(), area, &lines);
}

pub use crate::details::describe::plural;

/// The display width of a string (wide characters count two).
fn width_of(text: &str) -> usize {
    Span::raw(text).width()
}

/// `text` cut to `width` columns with `…`, or padded to it.
pub fn fit(text: &str, width: usize) -> String {
    let full = width_of(text);
    if full <= width {
        // One allocation: this runs for every cell of every visible row on every frame.
        let mut out = String::with_capacity(text.len() + width - full);
        out.push_str(text);
        out.extend(std::iter::repeat_n(' ', width - full));
        return out;
    }
    if width == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    let mut buf = [0u8; 4];
    for c in text.chars() {
        let w = width_of(c.encode_utf8(&mut buf));
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    used += 1;
    out.push_str(&" ".repeat(width.saturating_sub(used)));
    out
}

/// One row's text per column, already escaped, with styles.
struct Cells {
    mark: Span<'static>,
    tree: Vec<Span<'static>>,
    name: (String, Style),
    procs: String,
    command: (String, Style),
}

impl Cells {
    fn tree_width(&self) -> usize {
        self.tree.iter().map(|s| s.width()).sum()
    }

    fn line(self, widths: &Widths) -> Line<'static> {
        // The tree cell: its spans, cut as a whole if they do not fit.
        let tree_width = self.tree_width();
        let mut spans = vec![self.mark];
        if tree_width <= widths.tree {
            spans.extend(self.tree);
            spans.push(Span::raw(" ".repeat(widths.tree - tree_width)));
        } else {
            let text: String = self.tree.iter().map(|s| s.content.as_ref()).collect();
            spans.push(Span::raw(fit(&text, widths.tree)));
        }
        if widths.name > 0 {
            spans.push(Span::raw(" "));
            spans.push(Span::styled(fit(&self.name.0, widths.name), self.name.1));
        }
        if widths.procs > 0 {
            spans.push(Span::raw(format!(" {:>w$}", self.procs, w = widths.procs)));
        }
        if widths.command > 0 {
            spans.push(Span::raw(" "));
            let mut command = fit(&self.command.0, widths.command);
            command.truncate(command.trim_end().len());
            spans.push(Span::styled(command, self.command.1));
        }
        Line::from(spans)
    }
}

/// Column widths for the rows on screen: the tree as wide as its widest visible row, the name
/// as its longest (bounded), then the count, and the command gets what is left. At 80 columns
/// the name and count win over the command.
struct Widths {
    tree: usize,
    name: usize,
    procs: usize,
    command: usize,
}

impl Widths {
    fn fit(cells: &[Cells], width: usize) -> Widths {
        // Selection marker and change mark.
        let mut left = width.saturating_sub(2);
        let tree = cells
            .iter()
            .map(Cells::tree_width)
            .max()
            .unwrap_or(0)
            .max(13)
            .min(left);
        left -= tree;
        let longest = cells.iter().map(|c| width_of(&c.name.0)).max().unwrap_or(0);
        let name = longest.clamp(9, 24).min(left.saturating_sub(1));
        left = left.saturating_sub(name + 1);
        let procs = if left >= 6 { 5 } else { 0 };
        left = left.saturating_sub(procs + 1);
        let command = left.saturating_sub(1);
        Widths {
            tree,
            name,
            procs,
            command,
        }
    }
}

/// What NAME starts with for a probable leak (`nsview leaks`' `pinned-unclaimed`).
pub const LEAK_MARK: &str = "leak!";

/// The cells of one tree row.
fn row_cells(app: &App, theme: Theme, row: &Row) -> Cells {
    let snapshot = &app.snapshot();
    let mark = match app.mark(row.key) {
        Mark::Appeared => Span::styled("+", theme.good().add_modifier(Modifier::BOLD)),
        Mark::Vanished => Span::styled("-", theme.dim()),
        Mark::None => Span::raw(" "),
    };
    let arrow = match (row.has_children, row.expanded) {
        (true, true) => "▾ ",
        (true, false) => "▸ ",
        _ => "  ",
    };
    let mut tree = vec![Span::raw(format!(
        "{}{arrow}",
        "  ".repeat(usize::from(row.depth))
    ))];
    let mut name = (String::new(), Style::new());
    let mut procs = String::new();
    let mut command = (String::new(), Style::new());
    match row.key {
        NodeKey::Kind(kind) => {
            tree.push(Span::styled(
                kind.name(),
                theme.kind(kind).add_modifier(Modifier::BOLD),
            ));
            let (shown, all) = app.kind_counts(kind);
            let count = if app.filter_active() {
                format!(" ({shown} of {all})")
            } else {
                format!(" ({all})")
            };
            tree.push(Span::styled(count, theme.dim()));
        }
        NodeKey::Ns(inode) => {
            if let Some(ns) = snapshot.namespace(inode) {
                if app.view() != View::Type {
                    tree.push(Span::styled(
                        format!("{:<6} ", ns.kind.name()),
                        theme.kind(ns.kind),
                    ));
                }
                tree.push(Span::styled(
                    inode.to_string(),
                    theme.kind(ns.kind).add_modifier(Modifier::BOLD),
                ));
                if let Some(best) = app.name_of(inode) {
                    let style = match best.source {
                        Source::Host => theme.fg(Color::DarkGray),
                        Source::Container => theme.good(),
                        _ => theme.heading(),
                    };
                    name = (safe(&best.text).into_owned(), style);
                }
                // A probable leak says so in NAME, first, so a narrow column still shows it
                // (the verdict was computed after the scan; this only reads it).
                if app.is_probable_leak(inode) {
                    let text = if name.0.is_empty() {
                        LEAK_MARK.to_string()
                    } else {
                        format!("{LEAK_MARK} {}", name.0)
                    };
                    name = (text, theme.bad().add_modifier(Modifier::BOLD));
                }
                let live = app.index().live_members.get(&inode).copied().unwrap_or(0);
                procs = live.to_string();
                command = match snapshot.representative(ns) {
                    Some(p) => (safe(&p.command).into_owned(), Style::new()),
                    None => (
                        safe(&held_by(snapshot, &ns.holders)).into_owned(),
                        theme.dim(),
                    ),
                };
            }
        }
        NodeKey::Members(inode) => {
            let live = app.index().live_members.get(&inode).copied().unwrap_or(0);
            tree.push(Span::styled(
                format!("{live} {}", plural(live, "process", "processes")),
                theme.dim(),
            ));
        }
        NodeKey::Proc(_, pid) => {
            tree.push(Span::styled(format!("{pid:>7}"), theme.heading()));
            if let Some(p) = snapshot.process(pid) {
                name = (
                    safe(&snapshot.user_name(p.uid)).into_owned(),
                    theme.fg(Color::DarkGray),
                );
                command = (safe(&p.command).into_owned(), Style::new());
            }
        }
    }
    Cells {
        mark,
        tree,
        name,
        procs,
        command,
    }
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

/// Where the detail text goes inside the pane (its border, title row and a one-column margin
/// off).
fn detail_inner(area: Rect, stacked: bool) -> Rect {
    let inner = detail_block(stacked, Line::raw(""), None).inner(area);
    Rect {
        x: inner.x + u16::from(inner.width > 2),
        width: inner.width.saturating_sub(1),
        ..inner
    }
}

/// The detail pane's lines, labels padded to one column.
fn detail_text(lines: Vec<DetailLine>, theme: Theme) -> Vec<Line<'static>> {
    let label_width = lines
        .iter()
        .map(|l| crate::text::width(&safe(&l.label)))
        .max()
        .unwrap_or(0)
        .min(18);
    lines
        .into_iter()
        .map(|l| {
            // Every value may carry host strings: escaped here, at the edge.
            let value = safe(&l.value).into_owned();
            if l.label.is_empty() && matches!(l.tone, Tone::Heading | Tone::Kind(_)) {
                Line::from(Span::styled(value, theme.tone(l.tone)))
            } else {
                Line::from(vec![
                    Span::styled(
                        crate::text::pad_to(&format!("{} ", safe(&l.label)), label_width + 1),
                        theme.dim(),
                    ),
                    Span::styled(value, theme.tone(l.tone)),
                ])
            }
        })
        .collect()
}

/// How many screen rows `lines` take when wrapped to `width`.
fn wrapped_rows(lines: &[Line], width: u16) -> usize {
    lines
        .iter()
        .map(|line| line.width().div_ceil(usize::from(width).max(1)).max(1))
        .sum()
}

/// The pane's border (a line above it when stacked under the tree, else one to its left) with
/// the title on top, so scrolling never hides what is shown, and the scroll position at the
/// right when the text does not fit.
fn detail_block(
    stacked: bool,
    title: Line<'static>,
    position: Option<Line<'static>>,
) -> Block<'static> {
    let mut block = Block::new()
        .borders(if stacked { Borders::TOP } else { Borders::LEFT })
        .title(title);
    if let Some(position) = position {
        block = block.title(position.right_aligned());
    }
    block
}

#[allow(clippy::too_many_arguments)]
fn render_detail(
    app: &App,
    theme: Theme,
    frame: &mut Frame,
    area: Rect,
    stacked: bool,
    title: Line<'static>,
    text: Vec<Line<'static>>,
) {
    let inner = detail_inner(area, stacked);
    let total = wrapped_rows(&text, inner.width);
    let shown = usize::from(inner.height);
    let position = (total > shown).then(|| {
        let first = usize::from(app.detail_scroll()) + 1;
        let last = (first - 1 + shown).min(total);
        let zoom = if app.zoomed() { "" } else { " z zooms" };
        Line::from(Span::styled(
            format!(" {first}-{last}/{total} J/K{zoom} "),
            theme.dim(),
        ))
    });
    frame.render_widget(
        detail_block(stacked, title, position).border_style(theme.dim()),
        area,
    );
    paint::wrapped(frame.buffer_mut(), inner, &text, app.detail_scroll());
}

fn status_line(app: &App, theme: Theme) -> Line<'static> {
    let mut spans = Vec::new();
    match &app.scan_info() {
        Some(info) => {
            spans.push(Span::raw(format!(
                "{} {}, {} {}",
                info.namespaces,
                plural(info.namespaces, "namespace", "namespaces"),
                info.processes,
                plural(info.processes, "process", "processes")
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
    if app.scanning() && app.scan_info().is_some() {
        spans.push(Span::styled(" · rescanning", theme.dim()));
    }
    if let Some(waiting) = app.clock().details_waiting
        && waiting >= SLOW_AFTER
    {
        let word = if waiting >= STUCK_AFTER {
            "stuck"
        } else {
            "slow"
        };
        spans.push(Span::styled(
            format!(" · details {word} ({}s)", waiting.as_secs()),
            theme.bad(),
        ));
    }
    if let Some(note) = app.snapshot().partial_view_summary() {
        spans.push(Span::styled(format!(" · {note}"), theme.dim()));
    }
    let marks = (
        app.appeared_ns().len() + app.appeared_pids().len(),
        app.vanished_ns().len() + app.vanished_pids().len(),
    );
    if marks != (0, 0) {
        spans.push(Span::styled(format!(" · +{}", marks.0), theme.good()));
        spans.push(Span::styled(format!(" -{}", marks.1), theme.dim()));
        spans.push(Span::styled(" (n: next change)", theme.dim()));
    }
    // On a one-line status, the error is what matters.
    if let Some(error) = &app.error() {
        spans.insert(
            0,
            Span::styled(format!("error: {} · ", safe(error)), theme.bad()),
        );
    } else if let Some(notice) = &app.notice() {
        spans.insert(
            0,
            Span::styled(format!("{} · ", safe(notice)), theme.good()),
        );
    }
    Line::from(spans)
}

fn hints_line(app: &App, theme: Theme) -> Line<'static> {
    let text = match app.mode() {
        Mode::Filter => "type:net name: pid: ~regex !inverse · Enter keep · Esc clear · ↑↓ move",
        Mode::Prompt => "Enter run · Esc cancel",
        Mode::Confirm => "y release · any other key cancels",
        Mode::Help => "q or Esc closes help · ↑↓ scroll",
        // A saved snapshot: nothing to enter, and it never changes.
        Mode::Normal if app.read_only().is_some() && app.error().is_some() => {
            "Esc clear error · ? help · / filter · z zoom · q quit"
        }
        Mode::Normal if app.read_only().is_some() && !app.zoomed() => {
            "? help · / filter · z zoom · o sort · Tab view · f follow · q quit"
        }
        Mode::Normal if app.error().is_some() => {
            "Esc clear error · ? help · / filter · s shell · x run · r rescan · q quit"
        }
        Mode::Normal if app.zoomed() => "z or Esc unzoom · J K scroll · f follow · ? help · q quit",
        // The most used first: at 80 columns the end is cut.
        Mode::Normal => "? help · / filter · s shell · x run · z zoom · o sort · Tab view · q quit",
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

/// The help as lines, in two columns when `width` allows (80 columns do), else one.
fn help_lines(theme: Theme, width: u16) -> Vec<Line<'static>> {
    let key_width = HELP.iter().map(|(k, _)| width_of(k)).max().unwrap_or(0);
    let what_width = HELP.iter().map(|(_, w)| width_of(w)).max().unwrap_or(0);
    let cell = key_width + what_width + 3;
    let entry = |(keys, what): &(&'static str, &'static str)| -> Vec<Span<'static>> {
        if keys.is_empty() {
            vec![Span::styled(
                fit(&format!(" {what}"), cell),
                theme.heading().add_modifier(Modifier::UNDERLINED),
            )]
        } else {
            vec![
                Span::styled(format!(" {keys:<key_width$} "), theme.heading()),
                Span::raw(fit(what, what_width + 1)),
            ]
        }
    };
    let two = usize::from(width) >= 2 * cell + 2;
    if !two {
        return HELP.iter().map(|e| Line::from(entry(e))).collect();
    }
    // Split at a section heading near the middle, so no section is cut in two.
    let half = HELP.len().div_ceil(2);
    let split = (half..HELP.len())
        .chain((0..half).rev())
        .find(|&at| HELP[at].0.is_empty())
        .unwrap_or(half);
    let (left, right) = HELP.split_at(split);
    (0..left.len().max(right.len()))
        .map(|row| {
            let mut spans = match left.get(row) {
                Some(e) => entry(e),
                None => vec![Span::raw(" ".repeat(cell))],
            };
            spans.push(Span::raw(" "));
            if let Some(e) = right.get(row) {
                spans.extend(entry(e));
            }
            Line::from(spans)
        })
        .collect()
}

/// Where the help overlay goes: centred, as large as the list, never larger than the screen.
fn help_rect(area: Rect, lines: &[Line]) -> Rect {
    let width = lines.iter().map(|l| l.width()).max().unwrap_or(0) as u16 + 2;
    centered(area, width, lines.len() as u16 + 2)
}

fn render_help(app: &App, theme: Theme, frame: &mut Frame, area: Rect) {
    let lines = help_lines(theme, area.width.saturating_sub(2));
    let rect = help_rect(area, &lines);
    let shown = usize::from(rect.height.saturating_sub(2));
    let title = if shown < lines.len() {
        let first = usize::from(app.help_scroll()) + 1;
        let last = (first - 1 + shown).min(lines.len());
        format!(" help {first}-{last}/{} ↑↓ scroll ", lines.len())
    } else {
        " help (q or Esc closes) ".to_string()
    };
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .scroll((app.help_scroll(), 0))
            .block(Block::bordered().title(title)),
        rect,
    );
}

fn render_prompt(app: &App, frame: &mut Frame, area: Rect) {
    let rect = centered(area, 70, 3);
    frame.render_widget(Clear, rect);
    let title = format!(
        " run in {} (Enter runs, Esc cancels) ",
        safe(&app.prompt_label())
    );
    frame.render_widget(
        Paragraph::new(format!("$ {}▏", safe(app.prompt()))).block(Block::bordered().title(title)),
        rect,
    );
}

/// The `R` confirmation: the release plan (already escaped by `release::describe`), one line
/// each, and the one key that goes ahead.
fn render_confirm(app: &App, frame: &mut Frame, area: Rect) {
    let Some(confirm) = app.confirm() else {
        return;
    };
    let width = confirm
        .lines
        .iter()
        .map(|l| width_of(l))
        .max()
        .unwrap_or(0)
        .max(40) as u16
        + 4;
    let rect = centered(area, width, confirm.lines.len() as u16 + 2);
    frame.render_widget(Clear, rect);
    let lines: Vec<Line> = confirm
        .lines
        .iter()
        .map(|l| Line::from(l.clone()))
        .collect();
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(Block::bordered().title(" release? (y releases, any other key cancels) ")),
        rect,
    );
}
