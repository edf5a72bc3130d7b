//! The UI's whole state and its one way of changing: [`App::update`] takes an [`Action`] and
//! may return a [`Command`] (a side effect) for the loop in `tui/mod.rs` to carry out.
//!
//! Nothing here knows about terminals. The three trees (by type, by owner, by pid-namespace
//! parent) are never materialised: a small [`Index`] of parent/child edges is built once per
//! scan, and only the rows under expanded nodes are walked into [`App::rows`]. Rows name their
//! node by a stable [`NodeKey`] (inode / pid), which is what selection and expansion remember
//! across rescans.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use crate::model::{Inode, NsKind, Pid, Snapshot};

use super::inside::{Found, Inside, Want};

/// `at` moved by `lines`, within 0..=max.
fn scrolled(at: u16, lines: i16, max: u16) -> u16 {
    at.saturating_add_signed(lines).min(max)
}

/// The three ways of arranging namespaces.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum View {
    /// type → namespace → member processes.
    Type,
    /// user namespaces nested by parent, each with the namespaces it owns (`lsns -T owner`).
    Owner,
    /// pid namespaces nested by parent, members under each.
    PidTree,
}

impl View {
    pub const ALL: [View; 3] = [View::Type, View::Owner, View::PidTree];

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn title(self) -> &'static str {
        match self {
            View::Type => "by type",
            View::Owner => "by owner",
            View::PidTree => "pid tree",
        }
    }
}

/// A node of a tree, named by what it shows rather than where it is, so it survives rescans.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NodeKey {
    /// A namespace type (type view only).
    Kind(NsKind),
    Ns(Inode),
    /// The "processes" group under a namespace in the owner and pid views.
    Members(Inode),
    /// A member process under namespace `.0`.
    Proc(Inode, Pid),
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
    Help,
}

/// Everything a key or mouse event can ask for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    Quit,
    Up,
    Down,
    PageUp,
    PageDown,
    Home,
    End,
    Collapse,
    Expand,
    Toggle,
    /// Enter: toggles a group, spawns a shell on a namespace, enters a process's namespaces.
    Activate,
    NextView,
    PrevView,
    SelectView(View),
    StartFilter,
    FilterInput(char),
    FilterBackspace,
    /// Leaves filter typing, keeping the filter.
    FilterDone,
    /// Esc: drops the filter (and any error message).
    ClearFilter,
    ToggleHelp,
    Refresh,
    Shell,
    EnterProcess,
    StartPrompt,
    PromptInput(char),
    PromptBackspace,
    PromptSubmit,
    PromptCancel,
    /// A left click at a screen position.
    Click {
        column: u16,
        row: u16,
    },
    ScrollUp,
    ScrollDown,
    /// The background worker read details for the detail pane.
    Details(Box<Found>),
    /// Scrolls the detail pane by this many lines (J/K, Shift-↑/↓).
    DetailScroll(i16),
    /// Scrolls the help overlay when it does not fit.
    HelpScroll(i16),
    /// The mouse wheel at a screen position: scrolls the pane under it.
    Wheel {
        column: u16,
        row: u16,
        down: bool,
    },
}

/// A side effect for the loop that owns the terminal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    Quit,
    Rescan,
    Run(Launch),
}

/// A child `nsview` to run with the terminal handed over.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Launch {
    /// Arguments after the program name, e.g. `["enter", "4026532301"]`.
    pub args: Vec<String>,
    /// For messages: "shell in uts:[4026532301]".
    pub what: String,
    /// Wait for Enter after the child exits, so a command's output can be read.
    pub pause: bool,
}

/// How a child run ended, as the loop saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChildOutcome {
    /// Exit status and whatever the child reported on its error channel.
    Exited { code: i32, error: Option<String> },
    /// Killed by a signal.
    Signalled(i32),
    /// Could not be started at all.
    SpawnFailed(String),
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

/// Parent/child edges of the three trees for one snapshot.
#[derive(Debug, Default)]
pub struct Index {
    pub by_kind: [Vec<Inode>; 8],
    owner_roots: Vec<Inode>,
    /// The roots again per view, for the "open by default" test on every row.
    owner_root_set: HashSet<Inode>,
    pid_root_set: HashSet<Inode>,
    owner_children: HashMap<Inode, Vec<Inode>>,
    pid_roots: Vec<Inode>,
    pid_children: HashMap<Inode, Vec<Inode>>,
    /// Member count without processes that vanished (ghosts kept for one cycle).
    pub live_members: HashMap<Inode, usize>,
}

impl Index {
    fn build(snapshot: &Snapshot, vanished_pids: &HashSet<Pid>) -> Index {
        let mut index = Index::default();
        for ns in snapshot.namespaces.values() {
            index.by_kind[ns.kind.index()].push(ns.inode);
            let live = ns
                .members
                .iter()
                .filter(|pid| !vanished_pids.contains(pid))
                .count();
            index.live_members.insert(ns.inode, live);
        }
        // Owner tree: a user namespace hangs under its parent, anything else under its owner.
        let owner_of = |inode: Inode| {
            snapshot.namespace(inode).and_then(|ns| match ns.kind {
                NsKind::User => ns.parent.or(ns.owner),
                _ => ns.owner,
            })
        };
        let (roots, children) = nest(snapshot.namespaces.keys().copied(), owner_of, snapshot);
        index.owner_roots = roots;
        index.owner_children = children;
        let pid_parent = |inode: Inode| snapshot.namespace(inode).and_then(|ns| ns.parent);
        let pid_nss = snapshot.of_kind(NsKind::Pid).map(|ns| ns.inode);
        let (roots, children) = nest(pid_nss, pid_parent, snapshot);
        index.pid_roots = roots;
        index.pid_children = children;
        index.owner_root_set = index.owner_roots.iter().copied().collect();
        index.pid_root_set = index.pid_roots.iter().copied().collect();
        index
    }
}

/// Builds roots and child lists from a parent function. A parent that is unknown, missing from
/// the snapshot or part of a cycle (bad data must not hang the UI) makes the node a root.
fn nest(
    nodes: impl Iterator<Item = Inode>,
    parent_of: impl Fn(Inode) -> Option<Inode>,
    snapshot: &Snapshot,
) -> (Vec<Inode>, HashMap<Inode, Vec<Inode>>) {
    let mut roots = Vec::new();
    let mut children: HashMap<Inode, Vec<Inode>> = HashMap::new();
    for inode in nodes {
        let parent = parent_of(inode).filter(|p| snapshot.namespaces.contains_key(p));
        let acyclic = parent.is_some_and(|first| {
            let mut at = Some(first);
            // Namespaces nest at most 32 deep (kernel limit), so 64 steps is plenty.
            for _ in 0..64 {
                match at {
                    Some(p) if p == inode => return false,
                    Some(p) => at = parent_of(p).filter(|q| snapshot.namespaces.contains_key(q)),
                    None => return true,
                }
            }
            false
        });
        match parent {
            Some(p) if acyclic => children.entry(p).or_default().push(inode),
            _ => roots.push(inode),
        }
    }
    (roots, children)
}

/// The lowercased text the filter searches, built once per scan on the first keystroke, so a
/// keystroke over thousands of processes is substring searches only.
#[derive(Debug, Default)]
struct SearchText {
    /// Each namespace's inode digits.
    namespaces: Vec<(Inode, NsKind, String)>,
    /// Each process's pid, command line and user name, NUL-separated so that no query (typed
    /// text has no NUL) matches across two of them.
    processes: Vec<(Pid, String)>,
}

impl SearchText {
    fn build(snapshot: &Snapshot) -> SearchText {
        let mut users: HashMap<u32, String> = HashMap::new();
        let processes = snapshot
            .processes
            .values()
            .map(|p| {
                let user = users
                    .entry(p.uid)
                    .or_insert_with(|| snapshot.user_name(p.uid).to_lowercase());
                (
                    p.pid,
                    format!("{}\0{}\0{user}", p.pid, p.command.to_lowercase()),
                )
            })
            .collect();
        let namespaces = snapshot
            .namespaces
            .values()
            .map(|ns| (ns.inode, ns.kind, ns.inode.to_string()))
            .collect();
        SearchText {
            namespaces,
            processes,
        }
    }
}

/// The `/` filter, compiled against one snapshot.
#[derive(Debug, Default)]
struct Filter {
    /// Lowercased query; empty means no filter.
    query: String,
    kinds: [bool; 8],
    namespaces: HashSet<Inode>,
    processes: HashSet<Pid>,
    /// Per view: nodes with a matching descendant (shown and opened automatically).
    leads_to_match: [HashSet<NodeKey>; 3],
}

impl Filter {
    fn active(&self) -> bool {
        !self.query.is_empty()
    }

    fn matches(&self, key: NodeKey) -> bool {
        match key {
            NodeKey::Kind(kind) => self.kinds[kind.index()],
            NodeKey::Ns(inode) => self.namespaces.contains(&inode),
            NodeKey::Members(_) => false,
            NodeKey::Proc(_, pid) => self.processes.contains(&pid),
        }
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

/// All UI state.
#[derive(Debug)]
pub struct App {
    /// The scan being shown, plus ghosts of what vanished since the previous scan.
    pub snapshot: Snapshot,
    /// The last scan as it came, without ghosts: the base for the next comparison.
    last_scan: Option<Snapshot>,
    pub index: Index,
    pub appeared_ns: HashSet<Inode>,
    pub vanished_ns: HashSet<Inode>,
    pub appeared_pids: HashSet<Pid>,
    pub vanished_pids: HashSet<Pid>,
    pub scan_info: Option<ScanInfo>,
    pub scanning: bool,
    pub view: View,
    pub mode: Mode,
    /// The filter text as typed (case kept for display).
    pub filter_text: String,
    filter: Filter,
    pub prompt: String,
    /// The namespace the `x` prompt will run in.
    prompt_target: Option<Inode>,
    /// Last error (a failed scan or child), shown until the next action clears it.
    pub error: Option<String>,
    /// Last informational message (e.g. a shell's exit status).
    pub notice: Option<String>,
    /// Per view: nodes whose open/closed state differs from the default.
    toggled: [HashSet<NodeKey>; 3],
    places: [Place; 3],
    pub rows: Vec<Row>,
    /// Where the tree's rows are on screen (for clicks and page size).
    pub tree_area: Area,
    pub color: bool,
    /// Where the detail pane is (for the wheel), how far it is scrolled, the most that makes
    /// sense (set by the view from the pane's content), and the selection it was scrolled for.
    pub detail_area: Area,
    pub detail_scroll: u16,
    detail_max: u16,
    detail_key: Option<NodeKey>,
    /// The same for the help overlay.
    pub help_scroll: u16,
    help_max: u16,
    /// Counts applied scans; details are cached per (inode, generation).
    pub generation: u64,
    /// What the filter searches, for the current scan (None until the first filter).
    search: Option<SearchText>,
    /// Details beyond the snapshot, as the worker delivered them.
    pub inside: Inside,
    /// Set when showing a saved snapshot (`--from FILE`, its path here): `s`, `x` and `e`
    /// are refused, for there is no live namespace behind it to step into.
    pub read_only: Option<String>,
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
            read_only: None,
        }
    }

    /// Takes a fresh scan: marks what appeared, keeps what vanished for one cycle, rebuilds the
    /// index and rows, and keeps the selection by identity.
    pub fn apply_scan(&mut self, fresh: Snapshot, took: Option<Duration>) {
        self.scanning = false;
        self.scan_info = Some(ScanInfo {
            namespaces: fresh.namespaces.len(),
            processes: fresh.processes.len(),
            took,
        });
        self.appeared_ns.clear();
        self.vanished_ns.clear();
        self.appeared_pids.clear();
        self.vanished_pids.clear();
        let mut display = fresh.clone();
        if let Some(old) = self.last_scan.take() {
            for inode in fresh.namespaces.keys() {
                if !old.namespaces.contains_key(inode) {
                    self.appeared_ns.insert(*inode);
                }
            }
            for pid in fresh.processes.keys() {
                if !old.processes.contains_key(pid) {
                    self.appeared_pids.insert(*pid);
                }
            }
            for (inode, ns) in &old.namespaces {
                if !fresh.namespaces.contains_key(inode) {
                    self.vanished_ns.insert(*inode);
                    display.namespaces.insert(*inode, ns.clone());
                }
            }
            for (pid, process) in &old.processes {
                if fresh.processes.contains_key(pid) {
                    continue;
                }
                self.vanished_pids.insert(*pid);
                display.processes.insert(*pid, process.clone());
                for kind in NsKind::ALL {
                    if let Some(inode) = process.ns(kind)
                        && !self.vanished_ns.contains(&inode)
                        && let Some(ns) = display.namespaces.get_mut(&inode)
                        && let Err(at) = ns.members.binary_search(pid)
                    {
                        ns.members.insert(at, *pid);
                    }
                }
                if let Some(name) = old.user_names.get(&process.uid) {
                    display
                        .user_names
                        .entry(process.uid)
                        .or_insert_with(|| name.clone());
                }
            }
        }
        self.generation += 1;
        self.search = None;
        self.inside.retain(
            |inode| fresh.namespaces.contains_key(&inode),
            |pid| fresh.processes.contains_key(&pid),
        );
        self.last_scan = Some(fresh);
        self.snapshot = display;
        self.index = Index::build(&self.snapshot, &self.vanished_pids);
        self.recompile_filter();
        self.rebuild_rows();
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
                Action::Shell | Action::EnterProcess | Action::StartPrompt
            )
        {
            self.notice = Some("read-only: a saved snapshot has no namespaces to enter".into());
            return None;
        }
        match action {
            Action::Quit => return Some(Command::Quit),
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
            Action::ClearFilter => {
                self.mode = Mode::Normal;
                self.error = None;
                if !self.filter_text.is_empty() {
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
        self.inside.ask(want, self.generation)
    }

    /// Records how a child run ended: errors go to the status line, the TUI carries on.
    pub fn child_finished(&mut self, launch: &Launch, outcome: ChildOutcome) {
        match outcome {
            ChildOutcome::Exited { code: 0, .. } => {
                self.notice = Some(format!("back from {}", launch.what));
            }
            ChildOutcome::Exited { code, error } => {
                self.error = Some(match error {
                    // The reason first: narrow status lines cut the end.
                    Some(text) => format!("{text} ({})", launch.what),
                    None => format!("{} exited with status {code}", launch.what),
                });
            }
            ChildOutcome::Signalled(signal) => {
                self.error = Some(format!("{} was killed by signal {signal}", launch.what));
            }
            ChildOutcome::SpawnFailed(why) => {
                self.error = Some(format!("cannot start {}: {why}", launch.what));
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
        let default = match key {
            NodeKey::Kind(_) => true,
            NodeKey::Ns(inode) => match self.view {
                View::Type => false,
                View::Owner => self.index.owner_root_set.contains(&inode),
                View::PidTree => self.index.pid_root_set.contains(&inode),
            },
            _ => false,
        };
        default != self.toggled[self.view.index()].contains(&key)
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

    fn activate(&mut self) -> Option<Command> {
        match self.selected()? {
            NodeKey::Ns(_) => self.shell(),
            NodeKey::Proc(..) => self.enter_process(),
            _ => {
                self.toggle();
                None
            }
        }
    }

    fn selected_namespace(&mut self) -> Option<Inode> {
        match self.selected() {
            Some(NodeKey::Ns(inode)) if self.vanished_ns.contains(&inode) => {
                self.error = Some(format!("namespace {inode} has vanished"));
                None
            }
            Some(NodeKey::Ns(inode)) => Some(inode),
            Some(NodeKey::Proc(..)) => {
                self.error = Some("select a namespace (s/x), or press e on a process".into());
                None
            }
            _ => {
                self.error = Some("select a namespace first".into());
                None
            }
        }
    }

    fn label(&self, inode: Inode) -> String {
        match self.snapshot.namespace(inode) {
            Some(ns) => format!("{}:[{inode}]", ns.kind),
            None => inode.to_string(),
        }
    }

    fn shell(&mut self) -> Option<Command> {
        if let Some(NodeKey::Proc(..)) = self.selected() {
            return self.enter_process();
        }
        let inode = self.selected_namespace()?;
        Some(Command::Run(Launch {
            args: vec!["enter".into(), inode.to_string()],
            what: format!("shell in {}", self.label(inode)),
            pause: false,
        }))
    }

    fn enter_process(&mut self) -> Option<Command> {
        let Some(NodeKey::Proc(_, pid)) = self.selected() else {
            self.error = Some("select a process to enter all its namespaces".into());
            return None;
        };
        if self.vanished_pids.contains(&pid) {
            self.error = Some(format!("process {pid} has exited"));
            return None;
        }
        let process = self.snapshot.process(pid)?;
        let Some(inode) = NsKind::ALL.into_iter().find_map(|k| process.ns(k)) else {
            self.error = Some(format!("no readable namespace links for pid {pid}"));
            return None;
        };
        Some(Command::Run(Launch {
            args: vec![
                "enter".into(),
                "--all".into(),
                "--pid".into(),
                pid.to_string(),
                inode.to_string(),
            ],
            what: format!("shell in the namespaces of pid {pid}"),
            pause: false,
        }))
    }

    fn start_prompt(&mut self) {
        if let Some(inode) = self.selected_namespace() {
            self.prompt_target = Some(inode);
            self.prompt.clear();
            self.mode = Mode::Prompt;
        }
    }

    /// The namespace the open `x` prompt is for, as `type:[inode]`.
    pub fn prompt_label(&self) -> String {
        self.prompt_target
            .map(|inode| self.label(inode))
            .unwrap_or_default()
    }

    fn submit_prompt(&mut self) -> Option<Command> {
        self.mode = Mode::Normal;
        let line = std::mem::take(&mut self.prompt);
        let inode = self.prompt_target.take()?;
        if line.trim().is_empty() {
            return None;
        }
        // A command line, not a word list: let a shell inside parse it, as `watch` and `ssh` do.
        Some(Command::Run(Launch {
            args: vec![
                "enter".into(),
                inode.to_string(),
                "--".into(),
                "/bin/sh".into(),
                "-c".into(),
                line.clone(),
            ],
            what: format!("`{line}` in {}", self.label(inode)),
            pause: true,
        }))
    }

    fn filter_changed(&mut self) {
        self.recompile_filter();
        self.rebuild_rows();
        // Typing a filter should land on the first match, as in less and htop.
        if self.filter.active()
            && let Some(first) = self.rows.iter().position(|r| self.filter.matches(r.key))
        {
            self.move_to(first);
        }
    }

    fn recompile_filter(&mut self) {
        let query = self.filter_text.trim().to_lowercase();
        let mut filter = Filter {
            query,
            ..Filter::default()
        };
        if filter.active() {
            let q = filter.query.as_str();
            for kind in NsKind::ALL {
                filter.kinds[kind.index()] = kind.name().contains(q);
            }
            let search = self
                .search
                .get_or_insert_with(|| SearchText::build(&self.snapshot));
            for (inode, kind, digits) in &search.namespaces {
                if filter.kinds[kind.index()] || digits.contains(q) {
                    filter.namespaces.insert(*inode);
                }
            }
            for (pid, text) in &search.processes {
                if text.contains(q) {
                    filter.processes.insert(*pid);
                }
            }
            for view in View::ALL {
                filter.leads_to_match[view.index()] =
                    leads_to_match(view, &self.snapshot, &self.index, &filter);
            }
        }
        self.filter = filter;
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
            NodeKey::Ns(inode) => match self.view {
                View::Type => self
                    .snapshot
                    .namespace(inode)
                    .is_some_and(|ns| !ns.members.is_empty()),
                _ => !self.children(key).is_empty(),
            },
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
        let leads = &self.filter.leads_to_match[self.view.index()];
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

fn roots_of(view: View, index: &Index) -> Vec<NodeKey> {
    match view {
        View::Type => NsKind::ALL
            .into_iter()
            .filter(|k| !index.by_kind[k.index()].is_empty())
            .map(NodeKey::Kind)
            .collect(),
        View::Owner => index.owner_roots.iter().map(|&i| NodeKey::Ns(i)).collect(),
        View::PidTree => index.pid_roots.iter().map(|&i| NodeKey::Ns(i)).collect(),
    }
}

fn children_of(view: View, key: NodeKey, snapshot: &Snapshot, index: &Index) -> Vec<NodeKey> {
    let members = |inode: Inode| -> Vec<NodeKey> {
        snapshot
            .namespace(inode)
            .map(|ns| {
                ns.members
                    .iter()
                    .map(|&p| NodeKey::Proc(inode, p))
                    .collect()
            })
            .unwrap_or_default()
    };
    match (view, key) {
        (_, NodeKey::Proc(..)) => Vec::new(),
        (_, NodeKey::Kind(kind)) => index.by_kind[kind.index()]
            .iter()
            .map(|&i| NodeKey::Ns(i))
            .collect(),
        (View::Type, NodeKey::Ns(inode)) => members(inode),
        (_, NodeKey::Members(inode)) => members(inode),
        (View::Owner | View::PidTree, NodeKey::Ns(inode)) => {
            let nested = if view == View::Owner {
                &index.owner_children
            } else {
                &index.pid_children
            };
            let mut out: Vec<NodeKey> = nested
                .get(&inode)
                .map(|c| c.iter().map(|&i| NodeKey::Ns(i)).collect())
                .unwrap_or_default();
            if snapshot
                .namespace(inode)
                .is_some_and(|ns| !ns.members.is_empty())
            {
                out.push(NodeKey::Members(inode));
            }
            out
        }
    }
}

/// The nodes of one view that have a matching node somewhere below them. One post-order pass
/// over the namespace nodes; processes are looked up in the filter's set, never walked twice.
fn leads_to_match(
    view: View,
    snapshot: &Snapshot,
    index: &Index,
    filter: &Filter,
) -> HashSet<NodeKey> {
    let mut leads = HashSet::new();
    let member_match = |inode: Inode| {
        snapshot
            .namespace(inode)
            .is_some_and(|ns| ns.members.iter().any(|p| filter.processes.contains(p)))
    };
    match view {
        View::Type => {
            for kind in NsKind::ALL {
                let mut any = false;
                for &inode in &index.by_kind[kind.index()] {
                    if member_match(inode) {
                        leads.insert(NodeKey::Ns(inode));
                        any = true;
                    }
                    any |= filter.namespaces.contains(&inode);
                }
                if any {
                    leads.insert(NodeKey::Kind(kind));
                }
            }
        }
        View::Owner | View::PidTree => {
            // Iterative post-order over the namespace forest.
            let roots = roots_of(view, index);
            let mut stack: Vec<(NodeKey, bool)> = roots.into_iter().map(|k| (k, false)).collect();
            while let Some((key, children_done)) = stack.pop() {
                let NodeKey::Ns(inode) = key else { continue };
                let kids = children_of(view, key, snapshot, index);
                if !children_done {
                    stack.push((key, true));
                    stack.extend(kids.into_iter().map(|k| (k, false)));
                    continue;
                }
                let mut any = false;
                for kid in kids {
                    match kid {
                        NodeKey::Ns(child) => {
                            any |= filter.namespaces.contains(&child)
                                || leads.contains(&NodeKey::Ns(child));
                        }
                        NodeKey::Members(ns) if member_match(ns) => {
                            leads.insert(kid);
                            any = true;
                        }
                        _ => {}
                    }
                }
                if any {
                    leads.insert(NodeKey::Ns(inode));
                }
            }
        }
    }
    leads
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
        app.update(Action::ClearFilter);
        assert!(!app.filter_active());
        assert_eq!(app.rows.len(), all);
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
        app.update(Action::Activate);
        assert!(app.error.is_none());
    }

    #[test]
    fn selection_and_expansion_survive_a_refresh_and_marks_last_one_cycle() {
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
        app.apply_scan(next.clone(), None);
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
        app.apply_scan(next, None);
        assert!(!keys(&app).contains(&NodeKey::Ns(FD_UTS)));
        assert!(!keys(&app).contains(&NodeKey::Proc(CONTAINER_UTS, 2001)));
        assert_eq!(app.mark(NodeKey::Proc(HOST[0], 150)), Mark::None);
        assert_eq!(app.selected(), Some(NodeKey::Proc(CONTAINER_UTS, 2002)));
    }

    #[test]
    fn actions_launch_nsview_enter() {
        let mut app = app_with(sample::small());
        select(&mut app, NodeKey::Ns(CONTAINER_UTS));
        let Some(Command::Run(shell)) = app.update(Action::Shell) else {
            panic!("no launch")
        };
        assert_eq!(shell.args, ["enter", &CONTAINER_UTS.to_string()]);
        assert!(!shell.pause);
        assert_eq!(
            app.update(Action::Activate),
            Some(Command::Run(shell.clone()))
        );

        app.update(Action::StartPrompt);
        assert_eq!(app.mode, Mode::Prompt);
        assert_eq!(app.prompt_label(), format!("uts:[{CONTAINER_UTS}]"));
        for c in "hostname -f".chars() {
            app.update(Action::PromptInput(c));
        }
        let Some(Command::Run(run)) = app.update(Action::PromptSubmit) else {
            panic!("no launch")
        };
        let inode = CONTAINER_UTS.to_string();
        assert_eq!(
            run.args,
            [
                "enter",
                inode.as_str(),
                "--",
                "/bin/sh",
                "-c",
                "hostname -f"
            ]
        );
        assert!(run.pause);
        assert_eq!(app.mode, Mode::Normal);

        app.update(Action::Expand);
        app.update(Action::Down);
        let Some(Command::Run(all)) = app.update(Action::EnterProcess) else {
            panic!("no launch")
        };
        assert_eq!(all.args, ["enter", "--all", "--pid", "2001", "4026532201"]);
        assert_eq!(app.update(Action::Shell), Some(Command::Run(all)));

        // On a kind node, s explains itself instead of launching.
        select(&mut app, NodeKey::Kind(NsKind::Net));
        assert_eq!(app.update(Action::Shell), None);
        assert!(app.error.is_some());
        app.update(Action::ClearFilter);
        assert!(app.error.is_none());
    }

    #[test]
    fn child_failure_lands_in_the_status() {
        let mut app = app_with(sample::small());
        let launch = Launch {
            args: vec!["enter".into(), "1".into()],
            what: "shell in uts:[1]".into(),
            pause: false,
        };
        app.child_finished(
            &launch,
            ChildOutcome::Exited {
                code: 1,
                error: Some("enter is not built yet".into()),
            },
        );
        assert_eq!(
            app.error.as_deref(),
            Some("enter is not built yet (shell in uts:[1])")
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
