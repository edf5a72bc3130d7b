//! The UI's whole state and its one way of changing: [`App::update`] takes an [`Action`] and
//! may return a [`Command`] (a side effect) for the loop in `tui/mod.rs` to carry out.
//!
//! Nothing here knows about terminals. The three trees (by type, by owner, by pid-namespace
//! parent) are never materialised: a small [`Index`] of parent/child edges is built once per
//! scan, and only the rows under expanded nodes are walked into [`App::rows`]. Rows name their
//! node by a stable [`NodeKey`] (inode / pid), which is what selection and expansion remember
//! across rescans.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::model::{Inode, NsKind, Pid, Snapshot};

pub use super::actions::{Action, ChildOutcome, Command, Launch};
use super::changes::Changes;
use super::detail;
use super::filter::{Filter, SearchText};
use super::inside::{Found, Inside, Want};
use super::launch::{Along, Target, enter_args};
use super::names::{Enrichment, Name, best_name, names_of};
pub use super::tree::{Index, NodeKey, SortKey, View};
use super::tree::{children_of, roots_of};

/// "3s", "1.5s", "2m".
pub fn interval_text(d: Duration) -> String {
    let secs = d.as_secs_f64();
    if secs >= 120.0 {
        format!("{}m", (secs / 60.0).round())
    } else if secs.fract() == 0.0 {
        format!("{secs}s")
    } else {
        format!("{secs:.1}s")
    }
}

/// `at` moved by `lines`, within 0..=max.
fn scrolled(at: u16, lines: i16, max: u16) -> u16 {
    at.saturating_add_signed(lines).min(max)
}

/// Whether a namespace or process is new or gone since the previous scan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mark {
    None,
    Appeared,
    Vanished,
}

/// One visible line of the tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Row {
    pub key: NodeKey,
    pub depth: u16,
    pub has_children: bool,
    pub expanded: bool,
}

/// What keys mean right now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Normal,
    /// Typing into the `/` filter.
    Filter,
    /// Typing a command line for `x`.
    Prompt,
    /// Asking before `R` releases a probable leak.
    Confirm,
    Help,
}

/// A screen rectangle in plain numbers (the loop copies the tree's area in before each draw).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Area {
    pub x: u16,
    pub y: u16,
    pub width: u16,
    pub height: u16,
}

impl Area {
    fn contains(&self, column: u16, row: u16) -> bool {
        column >= self.x
            && column < self.x.saturating_add(self.width)
            && row >= self.y
            && row < self.y.saturating_add(self.height)
    }
}

/// Per-view cursor state.
#[derive(Clone, Copy, Debug, Default)]
struct Place {
    selected: Option<NodeKey>,
    cursor: usize,
    offset: usize,
}

/// The status-line facts about the last scan.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScanInfo {
    pub namespaces: usize,
    pub processes: usize,
    /// How long the scan took; None in tests, so screens stay deterministic.
    pub took: Option<Duration>,
}

/// Times the loop measures (tests leave them unset, so screens stay deterministic).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Clock {
    /// How old the data shown is: since the last full scan arrived (live, process events
    /// keep it current in between).
    pub age: Option<Duration>,
    /// How long the scan being waited for has run.
    pub scan_running: Option<Duration>,
    /// How long the detail pane has waited for the details worker.
    pub details_waiting: Option<Duration>,
    /// Live: the time between reconciles now (a budget may stretch the interval).
    pub reconcile_every: Option<Duration>,
}

/// How the shown data is kept current.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Refresh {
    /// A full rescan every interval (or only by hand).
    #[default]
    Polling,
    /// Process events as they happen; the interval's full rescan only reconciles what events
    /// cannot show (bind mounts, fds).
    Live,
}

/// All UI state.
#[derive(Debug)]
pub struct App {
    /// The scan being shown, plus ghosts of what vanished since the previous scan.
    snapshot: Snapshot,
    /// The last scan as it came, without ghosts: the base for the next comparison.
    last_scan: Option<Arc<Snapshot>>,
    index: Index,
    appeared_ns: HashSet<Inode>,
    vanished_ns: HashSet<Inode>,
    appeared_pids: HashSet<Pid>,
    vanished_pids: HashSet<Pid>,
    scan_info: Option<ScanInfo>,
    scanning: bool,
    view: View,
    mode: Mode,
    /// The filter text as typed (case kept for display).
    filter_text: String,
    filter: Filter,
    prompt: String,
    /// The namespace the `x` prompt will run in.
    prompt_target: Option<(Target, String)>,
    /// Last error (a failed scan or child), shown until the next action clears it.
    error: Option<String>,
    /// Last informational message (e.g. a shell's exit status).
    notice: Option<String>,
    /// Per view: nodes whose open/closed state differs from the default.
    toggled: [super::tree::IdSet<NodeKey>; 3],
    /// Per view: everything opened (Some(true)) or closed (Some(false)) by `*` / `-`, the base
    /// the toggles apply to.
    fold_all: [Option<bool>; 3],
    /// The first screen of the type view has been fitted to the terminal (once).
    fitted: bool,
    sort: SortKey,
    reverse: bool,
    /// The detail pane fills the screen.
    zoomed: bool,
    changes: Changes,
    interval: Option<Duration>,
    /// How the data is kept current (the header says which).
    refresh: Refresh,
    /// The follow key's walk: the namespace it started from and the reference it is at.
    follow: Option<(Vec<Inode>, usize)>,
    places: [Place; 3],
    rows: Vec<Row>,
    /// Where the tree's rows are on screen (for clicks and page size).
    tree_area: Area,
    color: bool,
    /// Where the detail pane is (for the wheel), how far it is scrolled, the most that makes
    /// sense (set by the view from the pane's content), and the selection it was scrolled for.
    detail_area: Area,
    detail_scroll: u16,
    detail_max: u16,
    detail_key: Option<NodeKey>,
    /// The same for the help overlay.
    help_scroll: u16,
    help_max: u16,
    /// Counts applied scans; details are cached per (inode, generation).
    generation: u64,
    /// What the filter searches, for the current scan (None until the first filter).
    search: Option<SearchText>,
    /// Details beyond the snapshot, as the worker delivered them.
    inside: Inside,
    /// Names read after the scan (hostnames, containers), and the best name per namespace.
    enrichment: Enrichment,
    names: HashMap<Inode, Name>,
    clock: Clock,
    paused: bool,
    /// Set when showing a saved snapshot (`--from FILE`, its path here): `s`, `x` and `e`
    /// are refused, for there is no live namespace behind it to step into.
    read_only: Option<String>,
    /// The details a snapshot file saved (`--from FILE`; empty when it was taken without
    /// `--details`): the pane shows these instead of asking the worker to read a fake root.
    saved_details: Option<HashMap<Inode, crate::details::NamespaceDetails>>,
    /// The open `R` confirmation: what it says and what `y` runs.
    confirm: Option<Confirm>,
}

/// The `R` confirmation: the plan in words (each bind mount to unmount, and where) and the
/// `nsview release` it runs on `y`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Confirm {
    pub lines: Vec<String>,
    pub launch: Launch,
}

impl App {
    pub fn new(color: bool) -> App {
        App {
            snapshot: Snapshot::default(),
            last_scan: None,
            index: Index::default(),
            appeared_ns: HashSet::new(),
            vanished_ns: HashSet::new(),
            appeared_pids: HashSet::new(),
            vanished_pids: HashSet::new(),
            scan_info: None,
            scanning: false,
            view: View::Type,
            mode: Mode::Normal,
            filter_text: String::new(),
            filter: Filter::default(),
            prompt: String::new(),
            prompt_target: None,
            error: None,
            notice: None,
            toggled: Default::default(),
            fold_all: [None; 3],
            fitted: false,
            sort: SortKey::Inode,
            reverse: false,
            zoomed: false,
            follow: None,
            changes: Changes::default(),
            interval: None,
            refresh: Refresh::Polling,
            places: [Place::default(); 3],
            rows: Vec::new(),
            tree_area: Area::default(),
            color,
            detail_area: Area::default(),
            detail_scroll: 0,
            detail_max: 0,
            detail_key: None,
            help_scroll: 0,
            help_max: 0,
            generation: 0,
            search: None,
            inside: Inside::default(),
            enrichment: Enrichment::default(),
            names: HashMap::new(),
            clock: Clock::default(),
            paused: false,
            read_only: None,
            saved_details: None,
            confirm: None,
        }
    }

    /// Where the data comes from, when it is not the live /proc (the scan records it).
    pub fn proc_root(&self) -> Option<String> {
        self.snapshot
            .proc_root
            .as_ref()
            .map(|root| root.display().to_string())
    }

    /// True while automatic refresh is paused (`p`).
    pub fn is_paused(&self) -> bool {
        self.paused
    }

    // Read access for the view, the detail pane and tests; only `update` and the few
    // `set_*` methods the loop calls change anything.
    pub fn snapshot(&self) -> &Snapshot {
        &self.snapshot
    }
    pub fn index(&self) -> &Index {
        &self.index
    }
    pub fn appeared_ns(&self) -> &HashSet<Inode> {
        &self.appeared_ns
    }
    pub fn vanished_ns(&self) -> &HashSet<Inode> {
        &self.vanished_ns
    }
    pub fn appeared_pids(&self) -> &HashSet<Pid> {
        &self.appeared_pids
    }
    pub fn vanished_pids(&self) -> &HashSet<Pid> {
        &self.vanished_pids
    }
    pub fn scan_info(&self) -> &Option<ScanInfo> {
        &self.scan_info
    }
    pub fn scanning(&self) -> bool {
        self.scanning
    }
    pub fn view(&self) -> View {
        self.view
    }
    pub fn mode(&self) -> Mode {
        self.mode
    }
    pub fn filter_text(&self) -> &str {
        &self.filter_text
    }
    pub fn prompt(&self) -> &str {
        &self.prompt
    }
    pub fn error(&self) -> &Option<String> {
        &self.error
    }
    /// Shows a saved snapshot (`--from FILE`): read-only from now on.
    pub fn set_read_only(&mut self, file: String) {
        self.read_only = Some(file);
    }
    /// The details saved with a snapshot file: the detail pane answers from them from now on.
    pub fn set_saved_details(&mut self, details: HashMap<Inode, crate::details::NamespaceDetails>) {
        self.saved_details = Some(details);
    }
    /// The saved snapshot's file when read-only.
    pub fn read_only(&self) -> Option<&str> {
        self.read_only.as_deref()
    }
    pub fn notice(&self) -> &Option<String> {
        &self.notice
    }
    pub fn rows(&self) -> &[Row] {
        &self.rows
    }
    pub fn tree_area(&self) -> Area {
        self.tree_area
    }
    pub fn color(&self) -> bool {
        self.color
    }
    pub fn detail_area(&self) -> Area {
        self.detail_area
    }
    pub fn detail_scroll(&self) -> u16 {
        self.detail_scroll
    }
    pub fn help_scroll(&self) -> u16 {
        self.help_scroll
    }
    pub fn generation(&self) -> u64 {
        self.generation
    }
    pub fn inside(&self) -> &Inside {
        &self.inside
    }

    /// The names gathered after the last scan (hostnames, containers); the NAME column and the
    /// filter use them from now on.
    pub fn set_enrichment(&mut self, enrichment: Enrichment) {
        self.enrichment = enrichment;
        self.rebuild_names();
        self.apply_sort();
        self.search = None;
        self.recompile_filter();
        self.rebuild_rows();
    }

    fn rebuild_names(&mut self) {
        let snapshot = &self.snapshot;
        let enrichment = &self.enrichment;
        self.names = snapshot
            .namespaces
            .values()
            .filter_map(|ns| Some((ns.inode, best_name(snapshot, enrichment, ns)?)))
            .collect();
    }

    /// The best name known for a namespace.
    pub fn name_of(&self, inode: Inode) -> Option<&Name> {
        self.names.get(&inode)
    }

    /// Whether a namespace is a probable leak (`nsview leaks`' `pinned-unclaimed`), as the
    /// enrichment after the scan found.
    pub fn is_probable_leak(&self, inode: Inode) -> bool {
        self.enrichment.leaks.contains(&inode)
    }

    /// Every name known for a namespace, best first (for the detail pane).
    pub fn names_of(&self, inode: Inode) -> Vec<Name> {
        self.snapshot
            .namespace(inode)
            .map(|ns| names_of(&self.snapshot, &self.enrichment, ns))
            .unwrap_or_default()
    }

    pub fn set_scanning(&mut self, scanning: bool) {
        self.scanning = scanning;
    }

    pub fn set_clock(&mut self, clock: Clock) {
        self.clock = clock;
    }

    pub fn clock(&self) -> Clock {
        self.clock
    }

    /// Takes a fresh scan: marks what appeared, keeps what vanished for one cycle, rebuilds the
    /// index and rows, and keeps the selection by identity.
    pub fn apply_scan(&mut self, fresh: impl Into<Arc<Snapshot>>, took: Option<Duration>) {
        self.apply_scan_at(fresh, took, Instant::now());
    }

    /// A scan and the names read after it, applied in one pass (the loop's path: one rebuild
    /// of names, filter and rows per scan, not two).
    pub fn apply_scan_enriched(
        &mut self,
        fresh: impl Into<Arc<Snapshot>>,
        took: Option<Duration>,
        enrichment: Enrichment,
    ) {
        self.enrichment = enrichment;
        self.apply_scan_at(fresh, took, Instant::now());
    }

    /// [`App::apply_scan`] at a given time (marks last [`super::changes::MARK_FOR`]). The
    /// selection keeps its row on screen when rows come and go above it.
    pub fn apply_scan_at(
        &mut self,
        fresh: impl Into<Arc<Snapshot>>,
        took: Option<Duration>,
        now: Instant,
    ) {
        // Shared with the details worker, not copied: the display copy below is the one copy.
        let fresh: Arc<Snapshot> = fresh.into();
        self.scanning = false;
        self.scan_info = Some(ScanInfo {
            namespaces: fresh.namespaces.len(),
            processes: fresh.processes.len(),
            took,
        });
        let screen_row = self.cursor().saturating_sub(self.offset());
        let (display, marks) = self.changes.apply(self.last_scan.as_deref(), &fresh, now);
        self.appeared_ns = marks.appeared_ns;
        self.vanished_ns = marks.vanished_ns;
        self.appeared_pids = marks.appeared_pids;
        self.vanished_pids = marks.vanished_pids;
        self.generation += 1;
        self.search = None;
        self.inside.retain(
            |inode| fresh.namespaces.contains_key(&inode),
            |pid| fresh.processes.contains_key(&pid),
        );
        self.last_scan = Some(fresh);
        self.snapshot = display;
        self.index = Index::build(&self.snapshot, &self.vanished_pids);
        self.rebuild_names();
        self.apply_sort();
        self.recompile_filter();
        self.rebuild_rows();
        self.keep_screen_row(screen_row);
    }

    /// Scrolls so that the cursor sits on screen row `row` again (as far as the list allows).
    fn keep_screen_row(&mut self, row: usize) {
        let page = self.page();
        let len = self.rows.len();
        let place = &mut self.places[self.view.index()];
        place.offset = place
            .cursor
            .saturating_sub(row.min(page.saturating_sub(1)))
            .min(len.saturating_sub(page));
    }

    /// `n`: the next changed row after the cursor (wrapping); when no change is visible, the
    /// first changed namespace is revealed.
    fn next_change(&mut self) {
        let len = self.rows.len();
        let cursor = self.cursor();
        let visible = (1..=len)
            .map(|step| (cursor + step) % len.max(1))
            .find(|&at| {
                self.rows
                    .get(at)
                    .is_some_and(|r| self.mark(r.key) != Mark::None)
            });
        if let Some(at) = visible {
            self.move_to(at);
            return;
        }
        let hidden = self
            .appeared_ns
            .iter()
            .chain(&self.vanished_ns)
            .copied()
            .min();
        match hidden {
            Some(inode) => self.reveal(inode),
            None if self.appeared_pids.is_empty() && self.vanished_pids.is_empty() => {
                self.notice = Some("no changes in the last 30 s".into());
            }
            None => {
                // A changed process: open its namespace of the first type it has.
                let pid = self
                    .appeared_pids
                    .iter()
                    .chain(&self.vanished_pids)
                    .copied()
                    .min();
                if let Some(pid) = pid
                    && let Some(inode) = self
                        .snapshot
                        .process(pid)
                        .and_then(|p| NsKind::ALL.into_iter().find_map(|k| p.ns(k)))
                {
                    self.reveal(inode);
                    self.set_open_key(NodeKey::Ns(inode), true);
                    self.rebuild_rows();
                    if let Some(at) = self
                        .rows
                        .iter()
                        .position(|r| r.key == NodeKey::Proc(inode, pid))
                    {
                        self.move_to(at);
                    }
                }
            }
        }
    }

    /// The automatic refresh interval (None: manual only).
    pub fn interval(&self) -> Option<Duration> {
        self.interval
    }

    pub fn set_interval(&mut self, interval: Option<Duration>) {
        self.interval = interval;
    }

    pub fn refresh(&self) -> Refresh {
        self.refresh
    }

    pub fn set_refresh(&mut self, refresh: Refresh) {
        self.refresh = refresh;
    }

    /// `<` / `>`: halves or doubles the interval, between 0.5 s and 1 h (from manual: 3 s).
    fn change_interval(&mut self, longer: bool) {
        let now = self.interval.unwrap_or(Duration::from_secs(3));
        let next = if longer { now * 2 } else { now / 2 };
        let next = next.clamp(Duration::from_millis(500), Duration::from_secs(3600));
        self.interval = Some(next);
        self.notice = Some(match self.refresh {
            Refresh::Polling => format!("refresh every {}", interval_text(next)),
            Refresh::Live => format!("live; full reconcile every {}", interval_text(next)),
        });
    }

    /// A scan failed: keep showing the previous one.
    pub fn scan_failed(&mut self, message: String) {
        self.scanning = false;
        self.error = Some(format!("scan failed: {message}"));
    }

    pub fn mark(&self, key: NodeKey) -> Mark {
        let (appeared, vanished) = match key {
            NodeKey::Ns(inode) => (
                self.appeared_ns.contains(&inode),
                self.vanished_ns.contains(&inode),
            ),
            NodeKey::Proc(_, pid) => (
                self.appeared_pids.contains(&pid),
                self.vanished_pids.contains(&pid),
            ),
            _ => (false, false),
        };
        match (appeared, vanished) {
            (_, true) => Mark::Vanished,
            (true, _) => Mark::Appeared,
            _ => Mark::None,
        }
    }

    pub fn filter_active(&self) -> bool {
        self.filter.active()
    }

    /// Whether the node matched the filter itself (for highlighting).
    pub fn filter_matches(&self, key: NodeKey) -> bool {
        self.filter.active() && self.filter.matches(key)
    }

    pub fn cursor(&self) -> usize {
        self.places[self.view.index()].cursor
    }

    pub fn offset(&self) -> usize {
        self.places[self.view.index()].offset
    }

    pub fn selected(&self) -> Option<NodeKey> {
        self.rows.get(self.cursor()).map(|row| row.key)
    }

    /// Records where the tree is drawn and keeps the cursor on screen.
    pub fn set_tree_area(&mut self, area: Area) {
        self.tree_area = area;
        self.scroll_to_cursor();
    }

    /// Records where the detail pane is and how many lines it could scroll; a new selection
    /// starts at its top.
    pub fn set_detail_area(&mut self, area: Area, max_scroll: u16) {
        self.detail_area = area;
        self.detail_max = max_scroll;
        let selected = self.selected();
        if selected != self.detail_key {
            self.detail_key = selected;
            self.detail_scroll = 0;
        }
        self.detail_scroll = self.detail_scroll.min(max_scroll);
    }

    /// Records how many lines of help do not fit.
    pub fn set_help_overflow(&mut self, max_scroll: u16) {
        self.help_max = max_scroll;
        self.help_scroll = self.help_scroll.min(max_scroll);
    }

    fn page(&self) -> usize {
        usize::from(self.tree_area.height).max(1)
    }

    /// Applies one action. Returns the side effect the loop should carry out, if any.
    pub fn update(&mut self, action: Action) -> Option<Command> {
        if !matches!(
            action,
            Action::Click { .. }
                | Action::ScrollUp
                | Action::ScrollDown
                | Action::Wheel { .. }
                | Action::Details(_)
                | Action::DetailScroll(_)
                | Action::HelpScroll(_)
        ) {
            self.notice = None;
        }
        if self.read_only.is_some()
            && matches!(
                action,
                Action::Shell | Action::EnterProcess | Action::StartPrompt | Action::Release
            )
        {
            self.notice = Some("read-only: a saved snapshot has no namespaces to enter".into());
            return None;
        }
        match action {
            Action::Quit => return Some(Command::Quit),
            Action::Suspend => return Some(Command::Suspend),
            Action::NextSort => {
                self.sort = self.sort.next();
                self.apply_sort();
                self.rebuild_rows();
            }
            Action::ReverseSort => {
                self.reverse = !self.reverse;
                self.apply_sort();
                self.rebuild_rows();
            }
            Action::Zoom => self.zoomed = !self.zoomed,
            Action::NextChange => self.next_change(),
            Action::Pause => {
                self.paused = !self.paused;
                self.notice = Some(if self.paused {
                    "refresh paused (p resumes, r rescans once)".into()
                } else {
                    "refresh resumed".into()
                });
            }
            Action::Slower => self.change_interval(true),
            Action::Faster => self.change_interval(false),
            Action::Follow => self.follow(),
            Action::ExpandAll => self.fold_everything(true),
            Action::CollapseAll => self.fold_everything(false),
            Action::Up => self.move_by(-1),
            Action::Down => self.move_by(1),
            Action::PageUp => self.move_by(-(self.page() as isize)),
            Action::PageDown => self.move_by(self.page() as isize),
            Action::Home => self.move_to(0),
            Action::End => self.move_to(self.rows.len().saturating_sub(1)),
            Action::ScrollUp => self.move_by(-3),
            Action::ScrollDown => self.move_by(3),
            Action::Collapse => self.collapse(),
            Action::Expand => self.set_open(true),
            Action::Toggle => self.toggle(),
            Action::Activate => return self.activate(),
            Action::NextView => self.switch_view(View::ALL[(self.view.index() + 1) % 3]),
            Action::PrevView => self.switch_view(View::ALL[(self.view.index() + 2) % 3]),
            Action::SelectView(view) => self.switch_view(view),
            Action::StartFilter => self.mode = Mode::Filter,
            Action::FilterInput(c) => {
                self.filter_text.push(c);
                self.filter_changed();
            }
            Action::FilterBackspace => {
                self.filter_text.pop();
                self.filter_changed();
            }
            Action::FilterDone => self.mode = Mode::Normal,
            Action::ClearFilter if self.zoomed && self.mode == Mode::Normal => {
                self.zoomed = false;
            }
            Action::ClearFilter => {
                self.mode = Mode::Normal;
                self.error = None;
                if !self.filter_text.is_empty() {
                    // The selection stays where it is: the path the filter opened to it is
                    // kept open.
                    if let Some(key) = self.selected() {
                        self.open_path_to(key);
                    }
                    self.filter_text.clear();
                    self.filter_changed();
                }
            }
            Action::ToggleHelp => {
                self.help_scroll = 0;
                self.mode = if self.mode == Mode::Help {
                    Mode::Normal
                } else {
                    Mode::Help
                }
            }
            Action::Refresh => {
                self.scanning = true;
                return Some(Command::Rescan);
            }
            Action::Shell => return self.shell(),
            Action::EnterProcess => return self.enter_process(),
            Action::StartPrompt => self.start_prompt(),
            Action::PromptInput(c) => self.prompt.push(c),
            Action::PromptBackspace => {
                self.prompt.pop();
            }
            Action::Release => self.start_release(),
            Action::ConfirmYes => {
                self.mode = Mode::Normal;
                return self.confirm.take().map(|c| Command::Run(c.launch));
            }
            Action::ConfirmNo => {
                self.mode = Mode::Normal;
                if self.confirm.take().is_some() {
                    self.notice = Some("release cancelled: nothing unmounted".into());
                }
            }
            Action::PromptCancel => {
                self.mode = Mode::Normal;
                self.prompt.clear();
            }
            Action::PromptSubmit => return self.submit_prompt(),
            Action::Click { column, row } => self.click(column, row),
            Action::Details(found) => self.inside.store(*found),
            Action::DetailScroll(lines) => {
                self.detail_scroll = scrolled(self.detail_scroll, lines, self.detail_max);
            }
            Action::HelpScroll(lines) => {
                self.help_scroll = scrolled(self.help_scroll, lines, self.help_max);
            }
            Action::Wheel { column, row, down } => {
                let lines = if down { 3 } else { -3 };
                if self.detail_area.contains(column, row) {
                    self.detail_scroll = scrolled(self.detail_scroll, lines, self.detail_max);
                } else {
                    self.move_by(isize::from(lines));
                }
            }
        }
        None
    }

    /// What the detail pane still needs read for the selection (once per scan), if anything.
    /// Nothing for what vanished: it cannot be read any more.
    pub fn details_wanted(&mut self) -> Option<Want> {
        let want = match self.selected()? {
            NodeKey::Ns(inode) | NodeKey::Members(inode) if !self.vanished_ns.contains(&inode) => {
                Want::Namespace(inode)
            }
            NodeKey::Proc(_, pid) if !self.vanished_pids.contains(&pid) => Want::Container(pid),
            _ => return None,
        };
        let want = self.inside.ask(want, self.generation)?;
        let Some(saved) = &self.saved_details else {
            return Some(want);
        };
        // A snapshot file: answered from what it saved, no worker and no reads.
        let generation = self.generation;
        let found = match want {
            Want::Namespace(inode) => Found::Namespace {
                inode,
                generation,
                result: saved.get(&inode).cloned().ok_or_else(|| {
                    "not saved in the snapshot file (save it with --details)".to_string()
                }),
            },
            Want::Container(pid) => Found::Container {
                pid,
                generation,
                container: None,
            },
        };
        self.inside.store(found);
        None
    }

    /// Records how a child run ended. Only nsview's own failure (the child's error line) is an
    /// error; a shell's or command's exit status, or a signal, is news for the status line.
    pub fn child_finished(&mut self, launch: &Launch, outcome: ChildOutcome) {
        match outcome {
            ChildOutcome::Exited { code: 0, .. } => {
                self.notice = Some(format!("back from {}", launch.what));
            }
            ChildOutcome::Exited {
                error: Some(text), ..
            } => {
                // The reason first: narrow status lines cut the end.
                self.error = Some(format!("{text} ({})", launch.what));
            }
            ChildOutcome::SpawnFailed(why) => {
                self.error = Some(format!("cannot start {}: {why}", launch.what));
            }
            other => {
                self.notice = Some(format!("back from {}: {}", launch.what, other.describe()));
            }
        }
    }

    fn switch_view(&mut self, view: View) {
        self.view = view;
        self.rebuild_rows();
    }

    fn move_by(&mut self, delta: isize) {
        let cursor = self.cursor() as isize + delta;
        self.move_to(cursor.max(0) as usize);
    }

    fn move_to(&mut self, row: usize) {
        let place = &mut self.places[self.view.index()];
        place.cursor = row.min(self.rows.len().saturating_sub(1));
        place.selected = self.rows.get(place.cursor).map(|r| r.key);
        self.scroll_to_cursor();
    }

    fn scroll_to_cursor(&mut self) {
        let page = self.page();
        let len = self.rows.len();
        let place = &mut self.places[self.view.index()];
        if place.cursor < place.offset {
            place.offset = place.cursor;
        } else if place.cursor >= place.offset + page {
            place.offset = place.cursor + 1 - page;
        }
        // Don't leave empty space below the last row when the list shrank.
        place.offset = place.offset.min(len.saturating_sub(page));
    }

    fn click(&mut self, column: u16, row: u16) {
        if self.mode != Mode::Normal || !self.tree_area.contains(column, row) {
            return;
        }
        let index = self.offset() + usize::from(row - self.tree_area.y);
        if index < self.rows.len() {
            if index == self.cursor() {
                self.toggle();
            } else {
                self.move_to(index);
            }
        }
    }

    fn is_open(&self, key: NodeKey) -> bool {
        let natural = match key {
            NodeKey::Kind(_) => true,
            NodeKey::Ns(inode) => match self.view {
                View::Type => false,
                View::Owner => self.index.owner_root_set.contains(&inode),
                View::PidTree => self.index.pid_root_set.contains(&inode),
            },
            _ => false,
        };
        let default = self.fold_all[self.view.index()].unwrap_or(natural);
        default != self.toggled[self.view.index()].contains(&key)
    }

    /// `*` / `-`: opens or closes every node of the view.
    fn fold_everything(&mut self, open: bool) {
        let view = self.view.index();
        self.fold_all[view] = Some(open);
        self.toggled[view].clear();
        self.rebuild_rows();
    }

    /// The first time the type view is drawn: if it does not fit, the biggest types are folded
    /// until it does (the host's groups are the big ones), so the start shows every type.
    /// The loop calls this after every draw; it acts once, on the first drawn scan.
    pub fn fit_first_screen(&mut self) {
        let page = usize::from(self.tree_area.height);
        if self.fitted || page == 0 || self.rows.is_empty() || self.view != View::Type {
            return;
        }
        self.fitted = true;
        let mut kinds: Vec<NsKind> = NsKind::ALL
            .into_iter()
            .filter(|k| !self.index.by_kind[k.index()].is_empty())
            .collect();
        kinds.sort_by_key(|k| std::cmp::Reverse(self.index.by_kind[k.index()].len()));
        let mut rows = self.rows.len();
        for kind in kinds {
            if rows <= page {
                break;
            }
            let key = NodeKey::Kind(kind);
            if self.is_open(key) {
                self.set_open_key(key, false);
                rows -= self.index.by_kind[kind.index()].len();
            }
        }
        self.rebuild_rows();
    }

    pub fn zoomed(&self) -> bool {
        self.zoomed
    }

    /// `f`: selects the next namespace the detail pane refers to (owner, parent, veth peer,
    /// the host's), walking the references of the node the walk started from; after the last
    /// it starts over.
    fn follow(&mut self) {
        let here = self.selected();
        let (refs, at) = match self.follow.take() {
            Some((refs, at)) if here == refs.get(at).map(|&i| NodeKey::Ns(i)) => {
                let next = (at + 1) % refs.len().max(1);
                (refs, next)
            }
            _ => (detail::references(self), 0),
        };
        let Some(&target) = refs.get(at) else {
            self.notice = Some("nothing to follow from here".into());
            return;
        };
        self.reveal(target);
        self.follow = Some((refs, at));
    }

    /// Opens the nodes above `key` in the current view (whatever the filter does), so it is
    /// visible without the filter.
    fn open_path_to(&mut self, key: NodeKey) {
        let cursor = self.cursor();
        let Some(row) = self.rows.get(cursor).copied() else {
            return;
        };
        debug_assert_eq!(row.key, key);
        let mut depth = row.depth;
        for above in self.rows[..cursor]
            .iter()
            .rev()
            .copied()
            .collect::<Vec<_>>()
        {
            if above.depth < depth {
                self.set_open_key(above.key, true);
                depth = above.depth;
            }
            if depth == 0 {
                break;
            }
        }
    }

    /// Makes namespace `inode` visible (opening its ancestors) and selects it; in a view that
    /// does not show it, switches to the type view.
    pub fn reveal(&mut self, inode: Inode) {
        let Some(kind) = self.snapshot.namespace(inode).map(|ns| ns.kind) else {
            return;
        };
        let shows = match self.view {
            View::Type => true,
            View::Owner => true,
            View::PidTree => kind == NsKind::Pid,
        };
        if !shows {
            self.view = View::Type;
        }
        match self.view {
            View::Type => self.set_open_key(NodeKey::Kind(kind), true),
            View::Owner | View::PidTree => {
                let mut at = inode;
                for _ in 0..64 {
                    let parent = self.snapshot.namespace(at).and_then(|ns| match self.view {
                        View::Owner if ns.kind == NsKind::User => ns.parent.or(ns.owner),
                        View::Owner => ns.owner,
                        _ => ns.parent,
                    });
                    let Some(parent) = parent.filter(|p| self.snapshot.namespace(*p).is_some())
                    else {
                        break;
                    };
                    self.set_open_key(NodeKey::Ns(parent), true);
                    at = parent;
                }
            }
        }
        self.rebuild_rows();
        if !self.rows.iter().any(|r| r.key == NodeKey::Ns(inode)) && self.filter.active() {
            // A jump should arrive: the filter that hides the target goes.
            self.filter_text.clear();
            self.recompile_filter();
            self.rebuild_rows();
            self.notice = Some(format!("filter cleared to show {}", self.label(inode)));
        }
        if let Some(row) = self.rows.iter().position(|r| r.key == NodeKey::Ns(inode)) {
            self.move_to(row);
        }
    }

    /// Whether [`App::fit_first_screen`] has acted.
    pub fn fitted(&self) -> bool {
        self.fitted
    }

    /// Orders siblings by the current sort key.
    fn apply_sort(&mut self) {
        let names = &self.names;
        self.index
            .sort(&self.snapshot, self.sort, self.reverse, |inode| {
                names.get(&inode).map(|n| n.text.clone())
            });
    }

    /// The sort key and direction, for the header.
    pub fn sort(&self) -> (SortKey, bool) {
        (self.sort, self.reverse)
    }

    fn set_open_key(&mut self, key: NodeKey, open: bool) {
        if self.is_open(key) != open {
            let toggled = &mut self.toggled[self.view.index()];
            if !toggled.remove(&key) {
                toggled.insert(key);
            }
        }
    }

    fn set_open(&mut self, open: bool) {
        if let Some(row) = self.rows.get(self.cursor()).copied()
            && row.has_children
        {
            self.set_open_key(row.key, open);
            self.rebuild_rows();
        }
    }

    fn toggle(&mut self) {
        if let Some(row) = self.rows.get(self.cursor()).copied()
            && row.has_children
        {
            self.set_open_key(row.key, !row.expanded);
            self.rebuild_rows();
        }
    }

    /// ←: close an open node, or go to the parent of a closed one (as in htop and file trees).
    fn collapse(&mut self) {
        let cursor = self.cursor();
        let Some(row) = self.rows.get(cursor).copied() else {
            return;
        };
        if row.has_children && row.expanded {
            self.set_open(false);
        } else if let Some(parent) = self.rows[..cursor]
            .iter()
            .rposition(|r| r.depth < row.depth)
        {
            self.move_to(parent);
        }
    }

    /// Enter: opens or closes what has children; never starts anything (shells need `s`).
    fn activate(&mut self) -> Option<Command> {
        match self.rows.get(self.cursor()).copied() {
            Some(row) if row.has_children => self.toggle(),
            Some(Row {
                key: NodeKey::Proc(..),
                ..
            }) => {
                self.notice =
                    Some("s: a shell in all of this process's namespaces · x: a command".into());
            }
            _ => {}
        }
        None
    }

    /// `type:[inode]`, the way `/proc/PID/ns` links read.
    fn label(&self, inode: Inode) -> String {
        match self.snapshot.namespace(inode) {
            Some(ns) => ns.label().to_string(),
            None => inode.to_string(),
        }
    }

    /// The label and, when one is known, the best name: `uts:[4026532202] web-1`.
    fn label_and_name(&self, inode: Inode) -> String {
        let label = self.label(inode);
        match self.name_of(inode) {
            Some(name) => format!("{label} {}", name.text),
            None => label,
        }
    }

    /// The host pid of a pid namespace's init: from the details read for the pane (NSpid says
    /// which member is pid 1 inside), else the lowest member whose parent is outside the
    /// namespace (what `unshare --fork` and container runtimes start). Err says why none.
    pub fn pid_init(&self, inode: Inode) -> Result<Pid, String> {
        if let Some(Ok(details)) = self.inside.namespace(inode)
            && let crate::details::KindDetails::Pid(pid) = &details.details
            && let Some(init) = &pid.init
            && self.snapshot.process(init.pid).is_some()
        {
            return Ok(init.pid);
        }
        let ns = self
            .snapshot
            .namespace(inode)
            .ok_or_else(|| "it is gone".to_string())?;
        let inside = |pid: Pid| {
            self.snapshot
                .process(pid)
                .is_some_and(|p| p.ns(NsKind::Pid) == Some(inode))
        };
        ns.members
            .iter()
            .copied()
            .filter(|pid| !self.vanished_pids.contains(pid))
            .find(|&pid| self.snapshot.process(pid).is_some_and(|p| !inside(p.ppid)))
            .ok_or_else(|| "no process of it is visible (its init has exited)".to_string())
    }

    /// What `s`/`x` on the selection enter, and how the status line and banner name it. A
    /// process: all of its namespaces. A pid namespace: it and its init's mount namespace (so
    /// /proc inside is its own), or only the pid namespace with a warning when no init is
    /// known.
    fn launch_target(&mut self) -> Option<(Target, String)> {
        match self.selected() {
            Some(NodeKey::Proc(inode, pid)) => {
                if self.vanished_pids.contains(&pid) {
                    self.error = Some(format!("process {pid} has exited"));
                    return None;
                }
                let process = self.snapshot.process(pid)?;
                // The namespace the row sits under, else any namespace the process is in.
                let ns = self
                    .snapshot
                    .namespace(inode)
                    .filter(|ns| process.ns(ns.kind) == Some(inode))
                    .or_else(|| {
                        NsKind::ALL
                            .into_iter()
                            .find_map(|k| self.snapshot.namespace(process.ns(k)?))
                    });
                let Some(ns) = ns else {
                    self.error = Some(format!("no readable namespace links for pid {pid}"));
                    return None;
                };
                let what = format!("the namespaces of pid {pid} ({})", process.comm);
                Some((
                    Target {
                        kind: ns.kind,
                        inode: ns.inode,
                        ns_id: ns.ns_id,
                        through: Some((pid, Along::All)),
                    },
                    what,
                ))
            }
            Some(NodeKey::Ns(inode)) if self.vanished_ns.contains(&inode) => {
                self.error = Some(format!("namespace {inode} has vanished"));
                None
            }
            Some(NodeKey::Ns(inode)) => {
                let ns = self.snapshot.namespace(inode)?;
                let mut target = Target {
                    kind: ns.kind,
                    inode,
                    ns_id: ns.ns_id,
                    through: None,
                };
                let mut what = self.label_and_name(inode);
                // The host's pid namespace is the UI's own: nothing to gain by its init (whose
                // links the kernel may refuse even to root).
                if ns.kind == NsKind::Pid && self.snapshot.host_ns(NsKind::Pid) != Some(inode) {
                    match self.pid_init(inode) {
                        Ok(init) => {
                            // pid + the init's mnt (nsenter -t INIT -m -p), nothing else of it.
                            target.through = Some((init, Along::Mount));
                            let mnt = self.snapshot.process(init).and_then(|p| p.ns(NsKind::Mnt));
                            match mnt {
                                Some(mnt) if self.snapshot.host_ns(NsKind::Mnt) == Some(mnt) => {
                                    what.push_str(&format!(
                                        " + {} of init {init} (the host's mounts: \
                                         /proc and ps show the host's)",
                                        NsKind::Mnt.label(mnt)
                                    ))
                                }
                                Some(mnt) => what.push_str(&format!(
                                    " + {} of init {init}",
                                    NsKind::Mnt.label(mnt)
                                )),
                                None => what.push_str(&format!(" + the mnt of init {init}")),
                            }
                        }
                        Err(why) => {
                            what.push_str(&format!(
                                " only ({why}: /proc stays the host's, so ps shows the host's)"
                            ));
                        }
                    }
                }
                Some((target, what))
            }
            _ => {
                self.error = Some("select a namespace or a process first".into());
                None
            }
        }
    }

    fn shell(&mut self) -> Option<Command> {
        let (target, what) = self.launch_target()?;
        Some(Command::Run(Launch {
            args: enter_args(&target, None),
            what: format!("shell in {what}"),
            pause: false,
        }))
    }

    /// `e`: a process's namespaces, all of them (the `docker exec` case).
    fn enter_process(&mut self) -> Option<Command> {
        if !matches!(self.selected(), Some(NodeKey::Proc(..))) {
            self.error =
                Some("e enters a process's namespaces: select a process (s: a shell here)".into());
            return None;
        }
        self.shell()
    }

    /// The open release confirmation, if any.
    pub fn confirm(&self) -> Option<&Confirm> {
        self.confirm.as_ref()
    }

    /// `R`: on a probable leak, opens a confirmation naming each bind mount `nsview release`
    /// will unmount (the same plan `release` shows); `y` then runs it as a child.
    fn start_release(&mut self) {
        let Some(NodeKey::Ns(inode)) = self.selected() else {
            self.error =
                Some("R releases a probable leak: select one (/ is:leak lists them)".into());
            return;
        };
        if !self.is_probable_leak(inode) {
            self.error = Some(format!(
                "R releases probable leaks only ({} marks them); {inode} is not one",
                super::view::LEAK_MARK
            ));
            return;
        }
        let Some(ns) = self.snapshot.namespace(inode) else {
            return;
        };
        let plan = match crate::leaks::release::plan(&self.snapshot, ns) {
            Ok(plan) => plan,
            Err(why) => {
                self.error = Some(why);
                return;
            }
        };
        let label = ns.label().to_string();
        let mut args = vec!["release".to_string(), "--yes".to_string()];
        if let Some(id) = ns.ns_id {
            args.extend(["--ns-id".to_string(), id.to_string()]);
        }
        args.push(label.clone());
        self.confirm = Some(Confirm {
            lines: crate::leaks::release::describe(&plan)
                .lines()
                .map(str::to_string)
                .collect(),
            launch: Launch {
                args,
                what: format!("release {label}"),
                pause: true,
            },
        });
        self.mode = Mode::Confirm;
    }

    fn start_prompt(&mut self) {
        if let Some(target) = self.launch_target() {
            self.prompt_target = Some(target);
            self.prompt.clear();
            self.mode = Mode::Prompt;
        }
    }

    /// What the open `x` prompt runs in.
    pub fn prompt_label(&self) -> String {
        self.prompt_target
            .as_ref()
            .map(|(_, what)| what.clone())
            .unwrap_or_default()
    }

    fn submit_prompt(&mut self) -> Option<Command> {
        self.mode = Mode::Normal;
        let line = std::mem::take(&mut self.prompt);
        let (target, what) = self.prompt_target.take()?;
        if line.trim().is_empty() {
            return None;
        }
        Some(Command::Run(Launch {
            args: enter_args(&target, Some(&line)),
            what: format!("`{line}` in {what}"),
            pause: true,
        }))
    }

    fn filter_changed(&mut self) {
        self.recompile_filter();
        self.rebuild_rows();
        // Typing a filter should land on the first match, as in less and htop; a namespace
        // before a process (`/net` means the net namespaces, not `kworker/R-netns`).
        if self.filter.active() {
            let first_ns = self
                .rows
                .iter()
                .position(|r| !matches!(r.key, NodeKey::Proc(..)) && self.filter.matches(r.key));
            let first =
                first_ns.or_else(|| self.rows.iter().position(|r| self.filter.matches(r.key)));
            if let Some(first) = first {
                self.move_to(first);
            }
        }
    }

    fn recompile_filter(&mut self) {
        if self.filter_text.trim().is_empty() {
            self.filter = Filter::default();
            return;
        }
        let search = self
            .search
            .get_or_insert_with(|| SearchText::build(&self.snapshot, &self.enrichment));
        self.filter = Filter::compile(&self.filter_text, &self.snapshot, &self.index, search);
    }

    /// Namespaces of `kind` shown (under the filter) and in all.
    pub fn kind_counts(&self, kind: NsKind) -> (usize, usize) {
        let all = self.index.by_kind[kind.index()].len();
        if self.filter.active() {
            (self.filter.kind_shown(kind), all)
        } else {
            (all, all)
        }
    }

    /// Matching namespaces and processes, when a filter is on.
    pub fn filter_counts(&self) -> Option<(usize, usize)> {
        self.filter.active().then(|| self.filter.counts())
    }

    /// Why the filter text cannot be used (a bad regex, an unknown type).
    pub fn filter_problem(&self) -> Option<&str> {
        self.filter.problem.as_deref()
    }

    /// When the current view shows nothing under the filter: another view that would, and how
    /// many things match.
    pub fn filter_elsewhere(&self) -> Option<(View, usize)> {
        if !self.filter.active() || !self.rows.is_empty() {
            return None;
        }
        let (namespaces, processes) = self.filter.counts();
        View::ALL
            .into_iter()
            .filter(|&v| v != self.view)
            .find(|&v| self.filter.shows_anything(v, &self.index))
            .map(|v| (v, namespaces + processes))
    }

    fn children(&self, key: NodeKey) -> Vec<NodeKey> {
        children_of(self.view, key, &self.snapshot, &self.index)
    }

    fn has_children(&self, key: NodeKey) -> bool {
        match key {
            NodeKey::Proc(..) => false,
            NodeKey::Members(inode) => self
                .snapshot
                .namespace(inode)
                .is_some_and(|ns| !ns.members.is_empty()),
            NodeKey::Kind(kind) => !self.index.by_kind[kind.index()].is_empty(),
            // What `children` would list, without listing it: nested namespaces, or members.
            NodeKey::Ns(inode) => {
                let nested = match self.view {
                    View::Type => None,
                    View::Owner => self.index.owner_children.get(&inode),
                    View::PidTree => self.index.pid_children.get(&inode),
                };
                nested.is_some_and(|c| !c.is_empty())
                    || self
                        .snapshot
                        .namespace(inode)
                        .is_some_and(|ns| !ns.members.is_empty())
            }
        }
    }

    /// Walks the tree from the roots into open nodes only, then puts the cursor back on the
    /// selected node (by identity) or as near its old row as possible.
    pub fn rebuild_rows(&mut self) {
        let mut rows = Vec::new();
        let roots = roots_of(self.view, &self.index);
        // (key, depth, an ancestor matched the filter)
        let mut stack: Vec<(NodeKey, u16, bool)> =
            roots.into_iter().rev().map(|k| (k, 0, false)).collect();
        let filtering = self.filter.active();
        let leads = self.filter.leads(self.view);
        while let Some((key, depth, under_match)) = stack.pop() {
            let matched = filtering && self.filter.matches(key);
            let leads_here = filtering && leads.contains(&key);
            if filtering && !(matched || leads_here || under_match) {
                continue;
            }
            let has_children = self.has_children(key);
            let expanded = has_children
                && if filtering && !(matched || under_match) {
                    leads_here
                } else {
                    self.is_open(key) || (leads_here && !under_match)
                };
            rows.push(Row {
                key,
                depth,
                has_children,
                expanded,
            });
            if expanded {
                let under = under_match || matched;
                for child in self.children(key).into_iter().rev() {
                    stack.push((child, depth + 1, under));
                }
            }
        }
        self.rows = rows;
        let place = self.places[self.view.index()];
        let cursor = place
            .selected
            .and_then(|key| self.rows.iter().position(|r| r.key == key))
            .unwrap_or(place.cursor);
        self.move_to(cursor);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::sample::{
        self, BLUE_NET, CONTAINER_PID, CONTAINER_USER, CONTAINER_UTS, FD_UTS, HOST,
    };

    fn app_with(snapshot: Snapshot) -> App {
        let mut app = App::new(false);
        app.set_tree_area(Area {
            x: 0,
            y: 1,
            width: 80,
            height: 10,
        });
        app.apply_scan(snapshot, None);
        app
    }

    fn keys(app: &App) -> Vec<NodeKey> {
        app.rows.iter().map(|r| r.key).collect()
    }

    /// Moves the cursor onto `key` with ordinary key actions.
    fn select(app: &mut App, key: NodeKey) {
        app.update(Action::Home);
        for _ in 0..app.rows.len() {
            if app.selected() == Some(key) {
                return;
            }
            app.update(Action::Down);
        }
        panic!("{key:?} is not visible: {:?}", keys(app));
    }

    const USER: usize = 5; // NsKind::User.index()

    #[test]
    fn type_view_starts_with_kinds_open_and_namespaces_closed() {
        let app = app_with(sample::small());
        let rows = keys(&app);
        assert_eq!(rows[0], NodeKey::Kind(NsKind::Mnt));
        assert!(
            rows.contains(&NodeKey::Ns(BLUE_NET)),
            "process-less netns shown"
        );
        assert!(rows.contains(&NodeKey::Ns(FD_UTS)), "fd-held uts shown");
        assert!(!rows.iter().any(|k| matches!(k, NodeKey::Proc(..))));
        // 8 kinds, 6 container + 8 host + 2 process-less namespaces.
        assert_eq!(rows.len(), 8 + 16);
    }

    #[test]
    fn expand_collapse_and_parent_jump() {
        let mut app = app_with(sample::small());
        select(&mut app, NodeKey::Ns(CONTAINER_UTS));
        app.update(Action::Expand);
        let rows = keys(&app);
        let at = rows
            .iter()
            .position(|k| *k == NodeKey::Ns(CONTAINER_UTS))
            .expect("visible");
        assert_eq!(rows[at + 1], NodeKey::Proc(CONTAINER_UTS, 2001));
        assert_eq!(rows[at + 2], NodeKey::Proc(CONTAINER_UTS, 2002));
        assert_eq!(app.selected(), Some(NodeKey::Ns(CONTAINER_UTS)));
        // Down onto a member, ← goes to the parent, ← again closes it, Space opens it again.
        app.update(Action::Down);
        assert_eq!(app.selected(), Some(NodeKey::Proc(CONTAINER_UTS, 2001)));
        app.update(Action::Collapse);
        assert_eq!(app.selected(), Some(NodeKey::Ns(CONTAINER_UTS)));
        app.update(Action::Collapse);
        assert!(!keys(&app).contains(&NodeKey::Proc(CONTAINER_UTS, 2001)));
        app.update(Action::Toggle);
        assert!(keys(&app).contains(&NodeKey::Proc(CONTAINER_UTS, 2001)));
        // Enter on a kind folds it.
        select(&mut app, NodeKey::Kind(NsKind::Uts));
        assert_eq!(app.update(Action::Activate), None);
        assert!(!keys(&app).contains(&NodeKey::Ns(CONTAINER_UTS)));
    }

    #[test]
    fn sort_keys_order_siblings_and_fold_all_opens_everything() {
        let mut app = named_app();
        let net: Vec<NodeKey> = keys(&app)
            .into_iter()
            .skip_while(|k| *k != NodeKey::Kind(NsKind::Net))
            .skip(1)
            .take(3)
            .collect();
        let host_net = HOST[NsKind::Net.index()];
        assert_eq!(
            net,
            [
                NodeKey::Ns(host_net),
                NodeKey::Ns(4026532205),
                NodeKey::Ns(BLUE_NET)
            ]
        );
        // By processes: the host's (5) before the container's (2) before blue (0).
        app.update(Action::NextSort);
        assert_eq!(app.sort(), (SortKey::Processes, false));
        let order = |app: &App| -> Vec<NodeKey> {
            keys(app)
                .into_iter()
                .filter(
                    |k| matches!(k, NodeKey::Ns(i) if [host_net, 4026532205, BLUE_NET].contains(i)),
                )
                .collect()
        };
        assert_eq!(
            order(&app),
            [
                NodeKey::Ns(host_net),
                NodeKey::Ns(4026532205),
                NodeKey::Ns(BLUE_NET)
            ]
        );
        app.update(Action::ReverseSort);
        assert_eq!(
            order(&app),
            [
                NodeKey::Ns(BLUE_NET),
                NodeKey::Ns(4026532205),
                NodeKey::Ns(host_net)
            ]
        );
        // By name: "api-7" (its processes' hostname) < "blue" < "host".
        app.update(Action::ReverseSort);
        app.update(Action::NextSort);
        assert_eq!(app.sort(), (SortKey::Name, false));
        assert_eq!(
            order(&app),
            [
                NodeKey::Ns(4026532205),
                NodeKey::Ns(BLUE_NET),
                NodeKey::Ns(host_net)
            ]
        );
        // Expand all shows every process; collapse all leaves only the types.
        app.update(Action::ExpandAll);
        assert!(keys(&app).contains(&NodeKey::Proc(CONTAINER_UTS, 2002)));
        app.update(Action::CollapseAll);
        assert!(keys(&app).iter().all(|k| matches!(k, NodeKey::Kind(_))));
        app.update(Action::Toggle);
        assert!(keys(&app).len() > 8, "one type opened again");
    }

    #[test]
    fn the_first_screen_fits() {
        let mut app = app_with(sample::small());
        assert_eq!(app.rows.len(), 24);
        app.fit_first_screen();
        assert!(app.rows.len() <= 10, "{}", app.rows.len());
        // Every type is still there, folded.
        assert_eq!(
            keys(&app)
                .iter()
                .filter(|k| matches!(k, NodeKey::Kind(_)))
                .count(),
            8
        );
        assert!(app.fitted());
    }

    #[test]
    fn paging_and_ends_stay_in_bounds() {
        let mut app = app_with(sample::small());
        app.update(Action::End);
        assert_eq!(app.cursor(), app.rows.len() - 1);
        assert!(app.offset() + 10 >= app.rows.len());
        app.update(Action::PageDown);
        assert_eq!(app.cursor(), app.rows.len() - 1);
        app.update(Action::PageUp);
        assert_eq!(app.cursor(), app.rows.len() - 11);
        app.update(Action::Home);
        app.update(Action::Up);
        assert_eq!((app.cursor(), app.offset()), (0, 0));
    }

    #[test]
    fn filter_shows_matches_with_their_ancestors_and_esc_clears() {
        let mut app = app_with(sample::small());
        let all = app.rows.len();
        app.update(Action::StartFilter);
        assert_eq!(app.mode, Mode::Filter);
        for c in "NGINX".chars() {
            app.update(Action::FilterInput(c));
        }
        let rows = keys(&app);
        // Every container namespace appears with both nginx processes under it; nothing else.
        assert!(rows.contains(&NodeKey::Proc(CONTAINER_UTS, 2001)));
        assert!(rows.contains(&NodeKey::Proc(CONTAINER_UTS, 2002)));
        assert!(!rows.contains(&NodeKey::Ns(BLUE_NET)));
        assert!(
            !rows
                .iter()
                .any(|k| matches!(k, NodeKey::Proc(_, 1 | 300 | 412)))
        );
        // The host's uts namespace shows only for `podman run … nginx`, not for init.
        let host_uts = HOST[NsKind::Uts.index()];
        assert!(rows.contains(&NodeKey::Proc(host_uts, 2000)));
        assert!(!rows.contains(&NodeKey::Proc(host_uts, 1)));
        assert!(!rows.contains(&NodeKey::Proc(host_uts, 2001)));
        assert_eq!(
            app.selected(),
            Some(NodeKey::Proc(HOST[0], 2000)),
            "first match"
        );
        // Typing more narrows; backspace widens again.
        for c in ": w".chars() {
            app.update(Action::FilterInput(c));
        }
        assert!(
            !keys(&app)
                .iter()
                .any(|k| matches!(k, NodeKey::Proc(_, 2001)))
        );
        assert!(
            keys(&app)
                .iter()
                .any(|k| matches!(k, NodeKey::Proc(_, 2002)))
        );
        for _ in 0..3 {
            app.update(Action::FilterBackspace);
        }
        assert!(
            keys(&app)
                .iter()
                .any(|k| matches!(k, NodeKey::Proc(_, 2001)))
        );
        app.update(Action::FilterDone);
        assert_eq!(app.mode, Mode::Normal);
        assert!(app.filter_active());
        let selected = app.selected();
        app.update(Action::ClearFilter);
        assert!(!app.filter_active());
        // Everything is back, plus the path to the selection, which stays selected.
        assert!(app.rows.len() > all);
        assert_eq!(app.selected(), selected);
    }

    #[test]
    fn filter_search_text_is_rebuilt_for_each_scan() {
        let mut app = app_with(sample::small());
        app.update(Action::StartFilter);
        for c in "NEWCOMER".chars() {
            app.update(Action::FilterInput(c));
        }
        assert!(keys(&app).is_empty());
        let mut next = sample::small();
        sample::add_process_like(&mut next, 412, 5000, "/usr/bin/Newcomer --flag");
        app.apply_scan(next, None);
        assert!(
            keys(&app)
                .iter()
                .any(|k| matches!(k, NodeKey::Proc(_, 5000))),
            "{:?}",
            keys(&app)
        );
        // The separator never lets a query span pid and command.
        app.update(Action::ClearFilter);
        app.update(Action::StartFilter);
        for c in "5000 /usr".chars() {
            app.update(Action::FilterInput(c));
        }
        assert!(keys(&app).is_empty());
    }

    #[test]
    fn filter_matches_inode_pid_user_and_type() {
        let mut app = app_with(sample::small());
        let filter = |app: &mut App, text: &str| {
            app.update(Action::ClearFilter);
            app.update(Action::StartFilter);
            for c in text.chars() {
                app.update(Action::FilterInput(c));
            }
            keys(app)
        };
        let rows = filter(&mut app, &FD_UTS.to_string());
        assert_eq!(rows, vec![NodeKey::Kind(NsKind::Uts), NodeKey::Ns(FD_UTS)]);
        let rows = filter(&mut app, "412");
        assert!(rows.contains(&NodeKey::Proc(HOST[0], 412)));
        assert!(
            rows.iter()
                .all(|k| !matches!(k, NodeKey::Proc(_, p) if *p != 412))
        );
        let rows = filter(&mut app, "alice");
        assert!(rows.contains(&NodeKey::Proc(HOST[0], 300)));
        assert!(!rows.iter().any(|k| matches!(k, NodeKey::Proc(_, 1))));
        let rows = filter(&mut app, "cgroup");
        assert_eq!(rows[0], NodeKey::Kind(NsKind::Cgroup));
        assert!(!rows.contains(&NodeKey::Kind(NsKind::Net)));
        let rows = filter(&mut app, "no such thing");
        assert!(rows.is_empty());
        assert_eq!(app.selected(), None);
    }

    fn filtered(app: &mut App, text: &str) -> Vec<NodeKey> {
        app.update(Action::ClearFilter);
        app.update(Action::StartFilter);
        for c in text.chars() {
            app.update(Action::FilterInput(c));
        }
        app.update(Action::FilterDone);
        keys(app)
    }

    fn named_app() -> App {
        let mut app = app_with(sample::small());
        app.set_enrichment(crate::tui::names::Enrichment {
            hostnames: [(CONTAINER_UTS, "api-7".to_string())].into(),
            containers: [(CONTAINER_UTS, "web".to_string())].into(),
            leaks: Default::default(),
        });
        app
    }

    #[test]
    fn filter_finds_names_hostnames_and_netns_names() {
        let mut app = named_app();
        // A hostname finds its UTS namespace and the namespaces named after it.
        let rows = filtered(&mut app, "API-7");
        assert!(rows.contains(&NodeKey::Ns(CONTAINER_UTS)), "{rows:?}");
        assert!(rows.contains(&NodeKey::Ns(CONTAINER_PID)), "{rows:?}");
        // The first match in the tree: the container's mnt namespace, named after its hostname.
        assert_eq!(app.selected(), Some(NodeKey::Ns(4026532201)), "first match");
        // An `ip netns` name.
        let rows = filtered(&mut app, "blue");
        assert_eq!(rows, [NodeKey::Kind(NsKind::Net), NodeKey::Ns(BLUE_NET)]);
        assert_eq!(app.filter_counts(), Some((1, 0)));
        assert_eq!(app.kind_counts(NsKind::Net), (1, 3));
        // `host` finds the initial namespaces.
        let rows = filtered(&mut app, "host");
        assert!(rows.contains(&NodeKey::Ns(HOST[0])));
        assert!(!rows.contains(&NodeKey::Ns(CONTAINER_UTS)));
    }

    /// The leak verdict comes with the enrichment (computed off the drawing code): `is:leak`
    /// lists exactly the probable leaks, and no processes.
    #[test]
    fn is_leak_lists_probable_leaks() {
        let snapshot = sample::small();
        let leaks = crate::tui::names::probable_leaks(&snapshot, &Default::default());
        // The `ip netns` namespace nobody is in is one; the uts held by an fd is not.
        assert!(leaks.contains(&BLUE_NET), "{leaks:?}");
        assert!(!leaks.contains(&FD_UTS), "{leaks:?}");
        let mut app = app_with(snapshot);
        app.set_enrichment(crate::tui::names::Enrichment {
            leaks,
            ..Default::default()
        });
        assert!(app.is_probable_leak(BLUE_NET));
        assert!(!app.is_probable_leak(FD_UTS));
        let rows = filtered(&mut app, "is:leak");
        assert_eq!(rows, [NodeKey::Kind(NsKind::Net), NodeKey::Ns(BLUE_NET)]);
        assert_eq!(app.filter_counts(), Some((1, 0)));
        // Combined with a type it excludes, nothing.
        let rows = filtered(&mut app, "is:leak type:uts");
        assert!(rows.is_empty(), "{rows:?}");
        // A claim (a running container naming the pin) makes it no leak.
        let claims: crate::leaks::verdict::Claims = [(
            BLUE_NET,
            vec![crate::leaks::verdict::Claim {
                by: "docker 0123456789ab (web)".into(),
                how: "its state names /run/netns/blue".into(),
            }],
        )]
        .into();
        assert!(crate::tui::names::probable_leaks(app.snapshot(), &claims).is_empty());
        filtered(&mut app, "is:bogus");
        assert!(
            app.filter_problem().is_some_and(|p| p.contains("is:leak")),
            "{:?}",
            app.filter_problem()
        );
    }

    /// `R` on a probable leak asks first, naming each bind mount; `y` runs `nsview release
    /// --yes` on exactly that namespace; anything else runs nothing.
    #[test]
    fn release_asks_and_then_runs_release() {
        use clap::Parser as _;
        let snapshot = sample::small();
        let leaks = crate::tui::names::probable_leaks(&snapshot, &Default::default());
        let mut app = app_with(snapshot);
        app.set_enrichment(crate::tui::names::Enrichment {
            leaks,
            ..Default::default()
        });
        // Not a leak: refused, no confirmation.
        select(&mut app, NodeKey::Ns(FD_UTS));
        assert_eq!(app.update(Action::Release), None);
        assert_eq!(app.mode, Mode::Normal);
        assert!(app.error.as_deref().is_some_and(|e| e.contains("not one")));
        app.error = None;

        select(&mut app, NodeKey::Ns(BLUE_NET));
        assert_eq!(app.update(Action::Release), None);
        assert_eq!(app.mode, Mode::Confirm);
        let confirm = app.confirm().expect("a confirmation").clone();
        assert!(
            confirm
                .lines
                .iter()
                .any(|l| l.contains("unmount (lazily) /run/netns/blue")),
            "{confirm:?}"
        );
        // Cancelled: nothing runs.
        assert_eq!(app.update(Action::ConfirmNo), None);
        assert_eq!(app.mode, Mode::Normal);
        assert!(app.confirm().is_none());

        app.update(Action::Release);
        let Some(Command::Run(launch)) = app.update(Action::ConfirmYes) else {
            panic!("y runs release")
        };
        assert_eq!(launch.args[..2], ["release", "--yes"]);
        assert_eq!(
            launch.args.last().map(String::as_str),
            Some("net:[4026532300]")
        );
        assert!(launch.pause);
        assert_eq!(app.mode, Mode::Normal);
        // What the UI builds parses as a release command line.
        let cli = crate::cli::Cli::try_parse_from(
            std::iter::once("nsview".to_string()).chain(launch.args.clone()),
        )
        .expect("release accepts what the UI builds");
        assert!(matches!(cli.command, Some(crate::cli::Command::Release(_))));

        // Read-only (a snapshot file): refused.
        app.set_read_only("saved.json".into());
        assert_eq!(app.update(Action::Release), None);
        assert_eq!(app.mode, Mode::Normal);
    }

    #[test]
    fn filter_qualifiers_regex_and_inverse() {
        let mut app = named_app();
        // type:net selects net namespaces and no processes.
        let rows = filtered(&mut app, "type:net");
        assert_eq!(app.filter_counts(), Some((3, 0)));
        assert!(
            rows.iter()
                .all(|k| matches!(k, NodeKey::Kind(NsKind::Net) | NodeKey::Ns(_)))
        );
        assert_eq!(app.selected(), Some(NodeKey::Kind(NsKind::Net)));
        // `/net` lands on the net type, not on a process whose command says net.
        let mut odd = sample::small();
        sample::add_process_like(&mut odd, 412, 3000, "kworker/R-netns");
        let mut odd_app = app_with(odd);
        filtered(&mut odd_app, "net");
        assert_eq!(odd_app.selected(), Some(NodeKey::Kind(NsKind::Net)));
        // Qualifiers combine with words.
        filtered(&mut app, "type:net blue");
        assert_eq!(app.filter_counts(), Some((1, 0)));
        filtered(&mut app, "user:alice cmd:sleep");
        assert_eq!(app.filter_counts(), Some((0, 1)));
        filtered(&mut app, "pid:2002");
        assert_eq!(app.filter_counts(), Some((0, 1)));
        // A regex, case-insensitive, anchored per field.
        filtered(&mut app, "~^nginx: (master|worker)");
        assert_eq!(app.filter_counts(), Some((0, 2)));
        filtered(&mut app, "~(");
        assert!(
            app.filter_problem()
                .is_some_and(|p| p.starts_with("bad regex"))
        );
        assert!(keys(&app).is_empty());
        filtered(&mut app, "type:bogus");
        assert_eq!(
            app.filter_problem(),
            Some("type:bogus: not a namespace type")
        );
        // The inverse: every process but nginx's.
        filtered(&mut app, "!nginx");
        let (_, processes) = app.filter_counts().expect("active");
        assert_eq!(processes, 7 - 3);
    }

    #[test]
    fn follow_clears_a_filter_that_hides_the_target() {
        let mut app = named_app();
        app.fit_first_screen();
        filtered(&mut app, "blue");
        assert_eq!(app.selected(), Some(NodeKey::Ns(BLUE_NET)));
        app.update(Action::Zoom);
        app.update(Action::Follow);
        assert_eq!(app.selected(), Some(NodeKey::Ns(HOST[USER])));
        assert!(!app.filter_active());
    }

    #[test]
    fn esc_keeps_the_selected_row() {
        let mut app = named_app();
        filtered(&mut app, "worker");
        assert_eq!(app.selected(), Some(NodeKey::Proc(4026532201, 2002)));
        app.update(Action::ClearFilter);
        assert!(!app.filter_active());
        assert_eq!(app.selected(), Some(NodeKey::Proc(4026532201, 2002)));
    }

    #[test]
    fn a_match_in_another_view_is_pointed_at() {
        let mut app = named_app();
        app.update(Action::SelectView(View::PidTree));
        let rows = filtered(&mut app, "type:net");
        assert!(rows.is_empty());
        assert_eq!(app.filter_elsewhere(), Some((View::Type, 3)));
        app.update(Action::SelectView(View::Type));
        assert_eq!(app.filter_elsewhere(), None);
    }

    #[test]
    fn filter_in_tree_views_opens_the_path_to_a_match() {
        let mut app = app_with(sample::small());
        app.update(Action::SelectView(View::PidTree));
        app.update(Action::StartFilter);
        for c in "worker".chars() {
            app.update(Action::FilterInput(c));
        }
        assert_eq!(
            keys(&app),
            vec![
                NodeKey::Ns(HOST[NsKind::Pid.index()]),
                NodeKey::Ns(CONTAINER_PID),
                NodeKey::Members(CONTAINER_PID),
                NodeKey::Proc(CONTAINER_PID, 2002),
            ]
        );
    }

    #[test]
    fn owner_view_nests_user_namespaces_and_what_they_own() {
        let mut app = app_with(sample::small());
        app.update(Action::NextView);
        assert_eq!(app.view, View::Owner);
        let rows = keys(&app);
        assert_eq!(rows[0], NodeKey::Ns(HOST[USER]));
        assert!(rows.contains(&NodeKey::Ns(BLUE_NET)));
        assert!(rows.contains(&NodeKey::Members(HOST[USER])));
        // The container's user namespace is closed at first; opening it shows what it owns.
        assert!(!rows.contains(&NodeKey::Ns(CONTAINER_UTS)));
        select(&mut app, NodeKey::Ns(CONTAINER_USER));
        app.update(Action::Expand);
        let rows = keys(&app);
        let at = rows
            .iter()
            .position(|k| *k == NodeKey::Ns(CONTAINER_USER))
            .expect("visible");
        let depth = app.rows[at].depth;
        let owned: Vec<NodeKey> = app.rows[at + 1..]
            .iter()
            .take_while(|r| r.depth > depth)
            .filter(|r| r.depth == depth + 1)
            .map(|r| r.key)
            .collect();
        assert_eq!(
            owned.len(),
            6,
            "five namespaces and the members group: {owned:?}"
        );
        assert!(owned.contains(&NodeKey::Ns(CONTAINER_UTS)));
        assert_eq!(owned.last(), Some(&NodeKey::Members(CONTAINER_USER)));
        // Views keep their own selection.
        app.update(Action::SelectView(View::Type));
        app.update(Action::SelectView(View::Owner));
        assert_eq!(app.selected(), Some(NodeKey::Ns(CONTAINER_USER)));
    }

    #[test]
    fn pid_view_nests_pid_namespaces() {
        let mut app = app_with(sample::small());
        app.update(Action::SelectView(View::PidTree));
        assert_eq!(
            keys(&app),
            vec![
                NodeKey::Ns(HOST[NsKind::Pid.index()]),
                NodeKey::Ns(CONTAINER_PID),
                NodeKey::Members(HOST[NsKind::Pid.index()]),
            ]
        );
        select(&mut app, NodeKey::Ns(CONTAINER_PID));
        assert_eq!(app.update(Action::Activate), None);
        assert!(app.error.is_none());
    }

    #[test]
    fn selection_and_expansion_survive_a_refresh_and_marks_last_a_while() {
        let mut app = app_with(sample::small());
        select(&mut app, NodeKey::Ns(CONTAINER_UTS));
        app.update(Action::Expand);
        select(&mut app, NodeKey::Proc(CONTAINER_UTS, 2002));
        let row_before = app.cursor();

        // Next scan: a new host process sorts before everything, pid 2001 and FD_UTS are gone.
        let mut next = sample::small();
        let mut newcomer = next.processes[&300].clone();
        newcomer.pid = 150;
        next.processes.insert(150, newcomer);
        next.processes.remove(&2001);
        next.namespaces.remove(&FD_UTS);
        for ns in next.namespaces.values_mut() {
            ns.members.retain(|&p| p != 2001);
            if ns.members.contains(&300) {
                ns.members.insert(0, 150);
            }
        }
        let start = Instant::now();
        app.apply_scan_at(next.clone(), None, start);
        assert_eq!(app.selected(), Some(NodeKey::Proc(CONTAINER_UTS, 2002)));
        assert_eq!(
            app.cursor(),
            row_before,
            "same row here; identity is what counts"
        );
        assert!(
            keys(&app).contains(&NodeKey::Proc(CONTAINER_UTS, 2001)),
            "ghost kept"
        );
        assert_eq!(app.mark(NodeKey::Proc(CONTAINER_UTS, 2001)), Mark::Vanished);
        assert_eq!(app.mark(NodeKey::Ns(FD_UTS)), Mark::Vanished);
        assert_eq!(app.mark(NodeKey::Proc(HOST[0], 150)), Mark::Appeared);
        assert_eq!(app.mark(NodeKey::Proc(CONTAINER_UTS, 2002)), Mark::None);
        assert_eq!(app.index.live_members[&CONTAINER_UTS], 1);
        assert_eq!(app.scan_info.as_ref().map(|i| i.processes), Some(7));

        // Select the ghost; the one after it vanishes for good and the cursor stays put.
        app.update(Action::Up);
        assert_eq!(app.selected(), Some(NodeKey::Proc(CONTAINER_UTS, 2001)));
        assert!(app.update(Action::EnterProcess).is_none());
        assert!(app.error.as_deref().unwrap_or("").contains("exited"));
        // A scan soon after keeps the marks and ghosts (a time, not a scan).
        app.apply_scan_at(next.clone(), None, start + Duration::from_secs(3));
        assert_eq!(app.mark(NodeKey::Proc(HOST[0], 150)), Mark::Appeared);
        assert_eq!(app.mark(NodeKey::Ns(FD_UTS)), Mark::Vanished);
        app.update(Action::Down);
        // After MARK_FOR they are gone.
        app.apply_scan_at(next, None, start + Duration::from_secs(31));
        assert!(!keys(&app).contains(&NodeKey::Ns(FD_UTS)));
        assert!(!keys(&app).contains(&NodeKey::Proc(CONTAINER_UTS, 2001)));
        assert_eq!(app.mark(NodeKey::Proc(HOST[0], 150)), Mark::None);
        assert_eq!(app.selected(), Some(NodeKey::Proc(CONTAINER_UTS, 2002)));
    }

    #[test]
    fn next_change_and_screen_row_kept() {
        let mut app = app_with(sample::small());
        select(&mut app, NodeKey::Ns(CONTAINER_UTS));
        let screen_row = app.cursor() - app.offset();
        // New namespaces sort before the selection (low inodes): its screen row stays.
        let mut next = sample::small();
        for inode in [4026531001, 4026531002, 4026531003] {
            next.namespaces
                .insert(inode, crate::model::Namespace::new(inode, NsKind::Uts));
        }
        app.apply_scan(next, None);
        assert_eq!(app.selected(), Some(NodeKey::Ns(CONTAINER_UTS)));
        assert_eq!(app.cursor() - app.offset(), screen_row);
        // n walks the changes, wrapping.
        app.update(Action::NextChange);
        assert_eq!(app.selected(), Some(NodeKey::Ns(4026531001)));
        app.update(Action::NextChange);
        assert_eq!(app.selected(), Some(NodeKey::Ns(4026531002)));
        // Pause and interval keys.
        app.update(Action::Pause);
        assert!(app.is_paused());
        app.update(Action::Pause);
        app.set_interval(Some(Duration::from_secs(3)));
        app.update(Action::Slower);
        assert_eq!(app.interval(), Some(Duration::from_secs(6)));
        app.update(Action::Faster);
        app.update(Action::Faster);
        assert_eq!(app.interval(), Some(Duration::from_millis(1500)));
        assert_eq!(app.notice.as_deref(), Some("refresh every 1.5s"));
    }

    /// The arguments of a launch, without the `--ns-id` pair (present only once `enter` takes
    /// it; launch.rs tests both forms).
    fn args_of(command: Option<Command>) -> Vec<String> {
        let Some(Command::Run(launch)) = command else {
            panic!("no launch: {command:?}")
        };
        let mut args = launch.args;
        if let Some(at) = args.iter().position(|a| a == "--ns-id") {
            args.drain(at..at + 2);
        }
        args
    }

    #[test]
    fn actions_launch_nsview_enter_with_the_identity_shown() {
        let mut app = app_with(sample::small());
        select(&mut app, NodeKey::Ns(CONTAINER_UTS));
        let uts = format!("uts:[{CONTAINER_UTS}]");
        let Some(Command::Run(shell)) = app.update(Action::Shell) else {
            panic!("no launch")
        };
        assert!(!shell.pause);
        assert_eq!(shell.what, format!("shell in {uts}"));
        assert_eq!(
            shell.banner(),
            format!("nsview: shell in {uts}; exit to return")
        );
        assert_eq!(args_of(Some(Command::Run(shell))), ["enter", uts.as_str()]);
        // Enter opens and closes; it never starts a shell.
        assert_eq!(app.update(Action::Activate), None);
        assert!(keys(&app).contains(&NodeKey::Proc(CONTAINER_UTS, 2001)));
        assert_eq!(app.update(Action::Activate), None);
        assert!(!keys(&app).contains(&NodeKey::Proc(CONTAINER_UTS, 2001)));

        // x: a command line, run by a shell inside.
        app.update(Action::StartPrompt);
        assert_eq!(app.mode, Mode::Prompt);
        assert_eq!(app.prompt_label(), uts);
        for c in "hostname -f".chars() {
            app.update(Action::PromptInput(c));
        }
        let run = app.update(Action::PromptSubmit);
        assert!(matches!(&run, Some(Command::Run(l)) if l.pause));
        assert_eq!(
            args_of(run),
            ["enter", uts.as_str(), "--", "/bin/sh", "-c", "hostname -f"]
        );
        assert_eq!(app.mode, Mode::Normal);

        // On a process, s, e and x enter all of its namespaces.
        app.update(Action::Expand);
        app.update(Action::Down);
        assert_eq!(app.selected(), Some(NodeKey::Proc(CONTAINER_UTS, 2001)));
        let all = ["enter", "--all", "--pid", "2001", uts.as_str()];
        assert_eq!(args_of(app.update(Action::EnterProcess)), all);
        assert_eq!(args_of(app.update(Action::Shell)), all);
        app.update(Action::StartPrompt);
        assert!(
            app.prompt_label().contains("pid 2001"),
            "{}",
            app.prompt_label()
        );
        app.update(Action::PromptInput('w'));
        assert_eq!(
            args_of(app.update(Action::PromptSubmit)),
            [
                "enter",
                "--all",
                "--pid",
                "2001",
                uts.as_str(),
                "--",
                "/bin/sh",
                "-c",
                "w"
            ]
        );
        // Enter on a process only says what would.
        assert_eq!(app.update(Action::Activate), None);
        assert!(
            app.notice
                .as_deref()
                .unwrap_or("")
                .starts_with("s: a shell")
        );

        // On a kind node, s explains itself instead of launching; e on a namespace too.
        select(&mut app, NodeKey::Kind(NsKind::Net));
        assert_eq!(app.update(Action::Shell), None);
        assert!(app.error.is_some());
        app.update(Action::ClearFilter);
        assert!(app.error.is_none());
        select(&mut app, NodeKey::Ns(CONTAINER_UTS));
        assert_eq!(app.update(Action::EnterProcess), None);
        assert!(
            app.error
                .as_deref()
                .unwrap_or("")
                .contains("select a process")
        );
    }

    #[test]
    fn a_shell_in_a_pid_namespace_goes_through_its_init() {
        let mut app = app_with(sample::small());
        app.update(Action::SelectView(View::PidTree));
        select(&mut app, NodeKey::Ns(CONTAINER_PID));
        let pid = format!("pid:[{CONTAINER_PID}]");
        // No details read yet: the member whose parent is outside (2001, child of podman).
        assert_eq!(app.pid_init(CONTAINER_PID), Ok(2001));
        let launch = app.update(Action::Shell);
        let what = match &launch {
            Some(Command::Run(l)) => l.what.clone(),
            other => panic!("{other:?}"),
        };
        // pid + the init's mnt (as nsenter -t 2001 -m -p), and the words say both.
        let mnt = sample::CONTAINER_MNT;
        assert!(
            what.ends_with(&format!("pid:[{CONTAINER_PID}] + mnt:[{mnt}] of init 2001")),
            "{what}"
        );
        assert_eq!(
            args_of(launch),
            ["enter", "--mount", "--pid", "2001", pid.as_str()]
        );
        // The host's pid namespace: init is pid 1 (its parent, 0, is nobody), but a shell there
        // enters just the pid namespace (the UI's own anyway).
        let host_pid = HOST[NsKind::Pid.index()];
        assert_eq!(app.pid_init(host_pid), Ok(1));
        select(&mut app, NodeKey::Ns(host_pid));
        assert_eq!(
            args_of(app.update(Action::Shell)),
            ["enter".to_string(), format!("pid:[{host_pid}]")]
        );
        // No visible init: only the pid namespace, and the words say what that means.
        let mut orphan = sample::small();
        if let Some(ns) = orphan.namespaces.get_mut(&CONTAINER_PID) {
            ns.members.clear();
        }
        let mut app = app_with(orphan);
        app.update(Action::SelectView(View::PidTree));
        select(&mut app, NodeKey::Ns(CONTAINER_PID));
        let launch = app.update(Action::Shell);
        let what = match &launch {
            Some(Command::Run(l)) => l.what.clone(),
            other => panic!("{other:?}"),
        };
        assert!(what.contains("ps shows the host's"), "{what}");
        assert_eq!(args_of(launch), ["enter", pid.as_str()]);
    }

    #[test]
    fn the_banner_names_the_namespace() {
        let mut app = app_with(sample::small());
        app.set_enrichment(crate::tui::names::Enrichment {
            hostnames: [(CONTAINER_UTS, "web-1".to_string())].into(),
            containers: Default::default(),
            leaks: Default::default(),
        });
        select(&mut app, NodeKey::Ns(CONTAINER_UTS));
        let Some(Command::Run(shell)) = app.update(Action::Shell) else {
            panic!("no launch")
        };
        assert_eq!(
            shell.banner(),
            format!("nsview: shell in uts:[{CONTAINER_UTS}] web-1; exit to return")
        );
    }

    #[test]
    fn child_failure_lands_in_the_status() {
        let mut app = app_with(sample::small());
        let launch = Launch {
            args: vec!["enter".into(), "1".into()],
            what: "shell in uts:[1]".into(),
            pause: false,
        };
        // enter's own failure (its error line) is an error (kept raw; the view escapes it).
        app.child_finished(
            &launch,
            ChildOutcome::Exited {
                code: 1,
                error: Some("no namespace \x1b]0;evil".into()),
            },
        );
        assert_eq!(
            app.error.as_deref(),
            Some("no namespace \x1b]0;evil (shell in uts:[1])")
        );
        app.update(Action::ClearFilter);
        // The shell's own exit status is news, not an error.
        app.child_finished(
            &launch,
            ChildOutcome::Exited {
                code: 1,
                error: None,
            },
        );
        assert_eq!(app.error, None);
        assert_eq!(
            app.notice.as_deref(),
            Some("back from shell in uts:[1]: exit status 1")
        );
        app.child_finished(&launch, ChildOutcome::Signalled(9));
        assert_eq!(
            app.notice.as_deref(),
            Some("back from shell in uts:[1]: killed by signal 9 (SIGKILL)")
        );
        app.child_finished(
            &launch,
            ChildOutcome::Exited {
                code: 0,
                error: None,
            },
        );
        assert_eq!(app.notice.as_deref(), Some("back from shell in uts:[1]"));
        app.child_finished(&launch, ChildOutcome::SpawnFailed("ENOENT".into()));
        assert!(app.error.as_deref().unwrap_or("").contains("cannot start"));
    }

    #[test]
    fn click_selects_then_toggles_and_wheel_moves() {
        let mut app = app_with(sample::small());
        // Row 3 on screen is tree row 2 (the tree starts at y = 1).
        app.update(Action::Click { column: 4, row: 3 });
        assert_eq!(app.cursor(), 2);
        let key = app.selected();
        app.update(Action::Click { column: 4, row: 3 });
        assert_eq!(app.selected(), key);
        assert!(app.rows[2].expanded);
        app.update(Action::Click { column: 4, row: 0 });
        assert_eq!(app.cursor(), 2, "clicks outside the tree do nothing");
        app.update(Action::ScrollDown);
        assert_eq!(app.cursor(), 5);
        app.update(Action::ScrollUp);
        assert_eq!(app.cursor(), 2);
    }

    #[test]
    fn help_toggles_and_refresh_asks_for_a_scan() {
        let mut app = app_with(sample::small());
        app.update(Action::ToggleHelp);
        assert_eq!(app.mode, Mode::Help);
        app.update(Action::ToggleHelp);
        assert_eq!(app.mode, Mode::Normal);
        assert_eq!(app.update(Action::Refresh), Some(Command::Rescan));
        assert!(app.scanning);
        assert_eq!(app.update(Action::Quit), Some(Command::Quit));
    }

    #[test]
    fn parent_cycles_do_not_hang() {
        let mut snapshot = sample::small();
        let host_user = HOST[USER];
        if let Some(ns) = snapshot.namespaces.get_mut(&host_user) {
            ns.parent = Some(CONTAINER_USER);
        }
        let mut app = app_with(snapshot);
        for view in View::ALL {
            app.update(Action::SelectView(view));
            app.update(Action::StartFilter);
            app.update(Action::FilterInput('n'));
            app.update(Action::ClearFilter);
            assert!(!app.rows.is_empty());
        }
    }
}
