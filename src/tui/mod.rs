//! The interactive terminal UI (`nsview` with no arguments).
//!
//! The pieces follow ratatui's example apps: [`app`] holds all state and changes only through
//! `App::update`; [`keys`] maps input to actions; [`view`] draws; [`term`] owns terminal modes.
//! This file is the loop that owns the terminal and does the side effects: it feeds events to
//! the app, runs scans on a background thread so typing never waits for /proc, and hands the
//! terminal to a child `nsview enter` (never calling setns in this process).

pub mod actions;
pub mod app;
pub mod changes;
pub mod detail;
pub mod filter;
pub mod inside;
pub mod keys;
pub mod launch;
mod livescan;
pub mod names;
mod paint;
#[doc(hidden)]
pub mod sample;
pub mod term;
#[doc(hidden)]
pub mod timing;
pub mod tree;
pub mod view;

use std::io::{self, IsTerminal, Read, Write};
use std::os::fd::{AsRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use ratatui::crossterm::event;

use crate::details::{self, ContainerIndex};
use crate::error::Exit;
use crate::model::Snapshot;
use crate::scan::{self, ScanOptions};

use app::{Action, App, ChildOutcome, Command, Launch, Refresh};
use inside::{Found, Want};
use names::Enrichment;

/// How long the loop sleeps waiting for input before looking at scans and signals again.
const TICK: Duration = Duration::from_millis(200);
/// The same while the details worker has a request: its answer shows up within this.
const DETAILS_TICK: Duration = Duration::from_millis(25);
/// With nothing new (no key, scan, details or signal), the screen is drawn again this often:
/// what changes by itself (the data's age, a slow scan's seconds, marks fading) counts seconds.
/// At rest that is one draw a second instead of one a tick.
const REDRAW_EVERY: Duration = Duration::from_secs(1);

/// Full rescans this often when polling (no process events, or `--poll`).
const POLL_EVERY: Duration = Duration::from_secs(3);
/// With process events a full rescan only reconciles what sends no event (fds, sockets,
/// setns(2) without a fork; bind mounts in our own mount namespace are watched): at least
/// this often when the scans are cheap...
const RECONCILE_EVERY: Duration = Duration::from_secs(60);
/// ...and, by default (no `--interval`), stretched so that they take at most 1/200 of a core
/// (0.5%) however big the host: at 5,000 processes a scan costs about 0.5 s of CPU, so the
/// reconcile comes every 100 s or so, and the UI at rest stays under 1% of a core.
const RECONCILE_SHARE: u32 = 200;

/// The UI's validated options (built by [`crate::config::tui`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Config {
    /// `--interval`, when given: the time between full rescans (polling) or reconciles (with
    /// process events); each has its own default.
    pub interval: Option<Duration>,
    /// `--no-refresh`: manual refresh only.
    pub no_refresh: bool,
    /// `--poll`: full rescans even when process events are available.
    pub poll: bool,
}

impl Config {
    /// The time between automatic scans when the default is `default`; None: manual only.
    fn refresh_interval(&self, default: Duration) -> Option<Duration> {
        if self.no_refresh {
            None
        } else {
            Some(self.interval.unwrap_or(default))
        }
    }
}

/// Runs the UI and returns the exit code.
pub fn run(config: &Config, source: crate::snapshot::Source) -> Result<i32> {
    let mut interval = config.refresh_interval(POLL_EVERY);
    if !io::stdout().is_terminal() || !io::stdin().is_terminal() {
        return Err(Exit::failure("no terminal; use `nsview --list` for a list").into());
    }
    // no-color.org: set at all (any value) means no colour.
    let mut app = App::new(std::env::var_os("NO_COLOR").is_none());
    // A saved snapshot (--from) never changes: no refresh, and no actions that need the live
    // system (the app refuses them and the header says so).
    let (options, saved) = match source {
        crate::snapshot::Source::Live(options) => (options, None),
        crate::snapshot::Source::File(path) => {
            app.set_read_only(path.display().to_string());
            interval = None;
            (ScanOptions::for_root(Some(path.clone())), Some(path))
        }
    };
    let mut reader = DetailsReader::spawn(options.proc_root.clone())?;
    // Process events when the kernel gives them (and the scan is of this system's /proc,
    // refreshed automatically); else polling, as the header says.
    let live = match (&saved, interval) {
        (None, Some(_)) if !config.poll && options.is_live() => {
            // Automatic refresh is on here (`interval` is Some): --interval or the default.
            let every = config.interval.unwrap_or(RECONCILE_EVERY);
            let budget = config.interval.is_none().then_some(RECONCILE_SHARE);
            livescan::LiveScanner::spawn(options.clone(), every, budget)
                .ok()
                .map(|live| (live, every))
        }
        _ => None,
    };
    let mut feed = match (saved, live) {
        (_, Some((live, every))) => {
            app.set_refresh(Refresh::Live);
            interval = Some(every);
            Feed::Live(live)
        }
        (Some(path), None) => Feed::Poll(Scanner::spawn_file(path)),
        (None, None) => Feed::Poll(Scanner::spawn(options)?),
    };
    if let Feed::Poll(scanner) = &mut feed {
        scanner.request().map_err(anyhow::Error::msg)?;
    }
    app.set_scanning(true);
    let signals = term::Signals::install().context("cannot install signal handlers")?;
    term::install_panic_hook();
    term::spawn_watchdog(signals.clone()).context("cannot start the watchdog thread")?;
    let mut tui = term::Tui::enter().context("cannot set up the terminal")?;
    let result = event_loop(
        &mut tui,
        &mut app,
        &mut feed,
        &mut reader,
        &signals,
        interval,
    );
    drop(tui);
    result
}

/// Where scans come from: a scanner polled every interval (or by hand, or a saved file), or
/// the live thread pushing updates as process events come.
enum Feed {
    Poll(Scanner),
    Live(livescan::LiveScanner),
}

impl Feed {
    fn poll(&mut self, paused: bool) -> Option<ScanResult> {
        match self {
            Feed::Poll(scanner) => scanner.poll(),
            Feed::Live(live) => live.poll(paused),
        }
    }

    fn running_for(&self) -> Option<Duration> {
        match self {
            Feed::Poll(scanner) => scanner.running_for(),
            Feed::Live(live) => live.running_for(),
        }
    }
}

fn event_loop(
    tui: &mut term::Tui,
    app: &mut App,
    feed: &mut Feed,
    reader: &mut DetailsReader,
    signals: &term::Signals,
    interval: Option<Duration>,
) -> Result<i32> {
    app.set_interval(interval);
    let mut interval = interval;
    // Until a scan answers, the next try is due once the first one would count as stuck.
    let mut next_refresh: Option<Instant> = interval.map(|_| Instant::now() + STUCK);
    // The scan the app shows, shared with the details worker.
    let mut current: Option<Arc<Snapshot>> = None;
    let mut scanned_at: Option<Instant> = None;
    // Something the screen does not show yet (a key, a scan, details, a signal).
    let mut dirty = true;
    let mut drawn_at: Option<Instant> = None;
    loop {
        if let Some(code) = signals.quit_code() {
            return Ok(code);
        }
        if signals.take_continued() {
            tui.reenter().context("cannot take the terminal back")?;
            dirty = true;
        }
        while let Some(result) = feed.poll(app.is_paused()) {
            dirty = true;
            match result {
                Ok(scanned) => {
                    if let Some(saved) = scanned.saved_details {
                        app.set_saved_details(saved);
                    }
                    let started = Instant::now();
                    app.apply_scan_enriched(
                        Arc::clone(&scanned.shared),
                        Some(scanned.took),
                        scanned.enrichment,
                    );
                    if let Feed::Live(live) = feed {
                        live.applied(started.elapsed());
                    }
                    current = Some(scanned.shared);
                    if scanned.full {
                        scanned_at = Some(Instant::now());
                    }
                }
                Err(message) => app.scan_failed(message),
            }
            next_refresh = interval.map(|every| Instant::now() + every);
        }
        // The interval keys change it while running.
        if app.interval() != interval {
            dirty = true;
            interval = app.interval();
            next_refresh = interval.map(|every| Instant::now() + every);
            if let (Feed::Live(live), Some(every)) = (&mut *feed, interval) {
                live.set_every(every);
            }
        }
        if let Feed::Live(live) = feed
            && let Err(message) = live.maintain()
        {
            app.scan_failed(message);
            dirty = true;
        }
        if let Feed::Poll(scanner) = feed {
            // A stuck scan does not hold the refresh back: the request starts a fresh one.
            let idle_or_stuck = scanner
                .running_for()
                .is_none_or(|d| d >= scanner.stuck_after);
            if next_refresh.is_some_and(|at| Instant::now() >= at)
                && idle_or_stuck
                && !app.is_paused()
            {
                // If this one never answers, try again once it counts as stuck.
                next_refresh =
                    interval.map(|every| Instant::now() + every.max(scanner.stuck_after));
                request_scan(app, scanner);
                dirty = true;
            }
        }
        while let Some(found) = reader.poll() {
            app.update(Action::Details(Box::new(found)));
            dirty = true;
        }
        if let Some(snapshot) = &current
            && let Some(want) = app.details_wanted()
        {
            reader.request(want, app.generation(), Arc::clone(snapshot));
        }
        app.set_clock(app::Clock {
            age: scanned_at.map(|at| at.elapsed()),
            scan_running: feed.running_for(),
            details_waiting: reader.waiting(),
            reconcile_every: match feed {
                Feed::Live(live) => live.period(),
                Feed::Poll(_) => None,
            },
        });
        if dirty || drawn_at.is_none_or(|at| at.elapsed() >= REDRAW_EVERY) {
            tui.terminal.draw(|frame| view::draw(app, frame))?;
            if !app.rows().is_empty() && !app.fitted() {
                app.fit_first_screen();
                tui.terminal.draw(|frame| view::draw(app, frame))?;
            }
            dirty = false;
            drawn_at = Some(Instant::now());
        }

        // Look again soon while details are being read, so they appear without a keystroke.
        let tick = if reader.pending > 0 {
            DETAILS_TICK
        } else {
            TICK
        };
        // Our own poll first: crossterm never returns from a read on a terminal that is gone.
        if term::wait_for_input(tick)? == term::Input::Gone {
            return Ok(term::HANGUP_EXIT);
        }
        // Handle everything already queued (crossterm keeps parsed events of its own, and a
        // resize arrives as an event) before drawing again, so key repeat never lags.
        loop {
            if signals.quit_code().is_some() {
                break;
            }
            if term::wait_for_input(Duration::ZERO)? == term::Input::Gone {
                return Ok(term::HANGUP_EXIT);
            }
            if !event::poll(Duration::ZERO)? {
                break;
            }
            let input = event::read()?;
            dirty = true;
            if let Some(action) = keys::action_for(app.mode(), &input) {
                match app.update(action) {
                    Some(Command::Quit) => return Ok(0),
                    Some(Command::Suspend) => {
                        tui.stop_self().context("cannot take the terminal back")?;
                        // Our own SIGCONT: the modes are set already.
                        signals.take_continued();
                        break;
                    }
                    Some(Command::Rescan) => match feed {
                        Feed::Poll(scanner) => request_scan(app, scanner),
                        Feed::Live(live) => match live.rescan() {
                            Ok(()) => app.set_scanning(true),
                            Err(message) => app.scan_failed(message),
                        },
                    },
                    Some(Command::Run(launch)) => {
                        run_child(tui, app, &launch, signals)?;
                        break;
                    }
                    None => {}
                }
            }
        }
    }
}

fn request_scan(app: &mut App, scanner: &mut Scanner) {
    match scanner.request() {
        Ok(()) => app.set_scanning(true),
        Err(message) => app.scan_failed(message),
    }
}

/// Hands the terminal to `nsview <launch.args>`, waits, and takes it back.
fn run_child(
    tui: &mut term::Tui,
    app: &mut App,
    launch: &Launch,
    signals: &term::Signals,
) -> Result<()> {
    let handover = tui.hand_over(&launch.banner());
    term::CHILD_RUNNING.store(true, std::sync::atomic::Ordering::Relaxed);
    let outcome = spawn_and_wait(launch);
    let reclaimed = tui.reclaim(handover);
    if launch.pause && reclaimed.is_ok() {
        let mut stdout = io::stdout();
        let _ = write!(
            stdout,
            "\n[nsview: {}; press Enter to return]",
            outcome.describe()
        );
        let _ = stdout.flush();
        let mut line = String::new();
        let _ = io::stdin().read_line(&mut line);
    }
    signals.forget_interrupts();
    term::CHILD_RUNNING.store(false, std::sync::atomic::Ordering::Relaxed);
    reclaimed.context("cannot take the terminal back from the child")?;
    tui.resume().context("cannot take the terminal back")?;
    app.child_finished(launch, outcome);
    Ok(())
}

fn spawn_and_wait(launch: &Launch) -> ChildOutcome {
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(err) => return ChildOutcome::SpawnFailed(format!("cannot find nsview itself: {err}")),
    };
    let mut command = std::process::Command::new(exe);
    // The child's one-line error comes back through a pipe, because its stderr is the
    // terminal (a shell needs it) and is wiped when the UI repaints. The fd number goes on
    // the child's command line (internal, global `--ui-error-fd`), never in the environment.
    let channel = error_channel();
    if let Ok((_, write)) = &channel {
        command.arg(format!("--ui-error-fd={}", write.as_raw_fd()));
    }
    command.args(&launch.args);
    term::in_own_foreground_group(&mut command);
    let status = command
        .spawn()
        .and_then(|child| term::wait_in_foreground(child.id()));
    let error = channel.ok().and_then(|(read, write)| {
        drop(write);
        read_error(read)
    });
    match status {
        Err(err) => ChildOutcome::SpawnFailed(err.to_string()),
        Ok(status) => match (
            status.code(),
            std::os::unix::process::ExitStatusExt::signal(&status),
        ) {
            (Some(code), _) => ChildOutcome::Exited { code, error },
            (None, Some(signal)) => ChildOutcome::Signalled(signal),
            (None, None) => ChildOutcome::Exited { code: -1, error },
        },
    }
}

/// A pipe whose write end a child inherits (no CLOEXEC) and whose read end it does not.
fn error_channel() -> io::Result<(OwnedFd, OwnedFd)> {
    let (read, write) = rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC)?;
    rustix::io::fcntl_setfd(&write, rustix::io::FdFlags::empty())?;
    Ok((read, write))
}

/// The last line the child reported, without waiting: a shell started by the child may have
/// left background jobs holding the write end open.
fn read_error(read: OwnedFd) -> Option<String> {
    rustix::fs::fcntl_setfl(&read, rustix::fs::OFlags::NONBLOCK).ok()?;
    let mut file = std::fs::File::from(read);
    let mut bytes = Vec::new();
    let mut chunk = [0u8; 4096];
    while bytes.len() < 64 * 1024 {
        match file.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => bytes.extend_from_slice(&chunk[..n]),
        }
    }
    String::from_utf8_lossy(&bytes)
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .map(|l| l.trim().to_string())
}

/// What one scan thread delivers: the scan (shared by the UI's state and the details worker),
/// how long it took, and the names read after it.
struct Scanned {
    shared: Arc<Snapshot>,
    took: Duration,
    enrichment: Enrichment,
    /// A full scan (not a patch from process events): the header's "scanned … ago" counts
    /// from the last one.
    full: bool,
    /// A snapshot file's saved details (None for a live scan).
    saved_details:
        Option<std::collections::HashMap<crate::model::Inode, details::NamespaceDetails>>,
}

type ScanResult = Result<Scanned, String>;

/// A scan or a detail read running this long is called stuck: the UI says so, and the next
/// request starts a fresh thread instead of queueing behind it.
const STUCK: Duration = Duration::from_secs(5);
/// At most this many stuck threads are left behind; after that requests wait.
const MAX_ABANDONED: usize = 4;

/// The background scanner: one thread per scan, numbered, so that a scan stuck in the kernel
/// (a hostile mount, a namespace that cannot be entered) never blocks the next one: after
/// [`STUCK`] a request starts a new scan and the stuck one's late answer is dropped. Requests
/// made while a healthy scan runs fold into one follow-up scan.
struct Scanner {
    /// One scan (with its names), run on a thread of its own.
    job: Arc<dyn Fn() -> ScanResult + Send + Sync>,
    /// When a running scan counts as stuck ([`STUCK`]; shorter in tests).
    stuck_after: Duration,
    results_tx: Sender<(u64, ScanResult)>,
    results: Receiver<(u64, ScanResult)>,
    last: u64,
    /// The scan whose answer is wanted: its number and start.
    running: Option<(u64, Instant)>,
    again: bool,
    abandoned: usize,
}

impl Scanner {
    fn spawn(options: ScanOptions) -> Result<Scanner> {
        let job = move || {
            let started = Instant::now();
            scan::scan(&options)
                .map(|snapshot| {
                    let took = started.elapsed();
                    let enrichment = Enrichment::gather(&snapshot, &options.proc_root);
                    Scanned {
                        shared: Arc::new(snapshot),
                        took,
                        enrichment,
                        full: true,
                        saved_details: None,
                    }
                })
                .map_err(|err| format!("{err:#}"))
        };
        Ok(Scanner::with_job(Arc::new(job), STUCK))
    }

    /// A "scanner" that loads a saved snapshot file (`--from`).
    fn spawn_file(path: std::path::PathBuf) -> Scanner {
        let job = move || {
            let started = Instant::now();
            crate::snapshot::load(&path)
                .map(|file| {
                    // Leak marks only when the file saved the claims (`--details`): without
                    // them a claimed namespace would look like a leak.
                    let enrichment = Enrichment {
                        leaks: if file.has_details {
                            names::probable_leaks(&file.scan, &file.leak_facts.claims)
                        } else {
                            Default::default()
                        },
                        ..Enrichment::default()
                    };
                    Scanned {
                        shared: Arc::new(file.scan),
                        took: started.elapsed(),
                        enrichment,
                        full: true,
                        saved_details: Some(file.details.into_iter().collect()),
                    }
                })
                .map_err(|err| format!("{err:#}"))
        };
        Scanner::with_job(Arc::new(job), STUCK)
    }

    fn with_job(job: Arc<dyn Fn() -> ScanResult + Send + Sync>, stuck_after: Duration) -> Scanner {
        let (results_tx, results) = mpsc::channel();
        Scanner {
            job,
            stuck_after,
            results_tx,
            results,
            last: 0,
            running: None,
            again: false,
            abandoned: 0,
        }
    }

    fn start(&mut self) -> Result<(), String> {
        self.last += 1;
        let number = self.last;
        let job = Arc::clone(&self.job);
        let tx = self.results_tx.clone();
        std::thread::Builder::new()
            .name(term::SCAN_THREAD.into())
            .spawn(move || {
                let result = caught("the scan", || job()).and_then(|scanned| scanned);
                let _ = tx.send((number, result));
            })
            .map_err(|err| format!("cannot start a scan: {err}"))?;
        self.running = Some((number, Instant::now()));
        Ok(())
    }

    /// Asks for a scan. Err only when no thread could be started.
    fn request(&mut self) -> Result<(), String> {
        match self.running {
            Some((_, since))
                if since.elapsed() >= self.stuck_after && self.abandoned < MAX_ABANDONED =>
            {
                self.abandoned += 1;
                self.start()
            }
            Some(_) => {
                self.again = true;
                Ok(())
            }
            None => self.start(),
        }
    }

    /// How long the wanted scan has been running, if one is.
    fn running_for(&self) -> Option<Duration> {
        self.running.map(|(_, since)| since.elapsed())
    }

    fn poll(&mut self) -> Option<ScanResult> {
        loop {
            let (number, result) = self.results.try_recv().ok()?;
            if self.running.is_some_and(|(wanted, _)| wanted == number) {
                self.running = None;
                if std::mem::take(&mut self.again)
                    && let Err(err) = self.start()
                {
                    return Some(Err(err));
                }
                return Some(result);
            }
            // A scan given up as stuck finished after all: older than what is wanted.
            self.abandoned = self.abandoned.saturating_sub(1);
        }
    }
}

/// The details worker: reads what the detail pane asks for (`details::read`, a process's
/// container) off the UI thread. Only the newest request waiting is served: moving through the
/// tree with a key held down reads the row it stops on, not every row on the way. A read stuck
/// for [`STUCK`] is abandoned: the next request goes to a fresh worker. A read that panics is
/// answered with the panic's message as the pane's error line, and the worker goes on.
struct DetailsReader {
    /// One read, on the worker thread.
    read: Arc<ReadJob>,
    /// When an unanswered request counts as stuck ([`STUCK`]; shorter in tests).
    stuck_after: Duration,
    requests: Sender<(Want, u64, Arc<Snapshot>)>,
    /// Each answer with how many older requests it made unnecessary.
    results: Receiver<(usize, Found)>,
    /// Requests sent and not answered yet.
    pending: usize,
    /// When the oldest unanswered request was sent.
    waiting_since: Option<Instant>,
    abandoned: usize,
}

type ReadJob = dyn Fn(Want, u64, &Snapshot) -> Found + Send + Sync;

impl DetailsReader {
    fn spawn(proc_root: PathBuf) -> Result<DetailsReader> {
        let read = move |want, generation, snapshot: &Snapshot| {
            read_details(want, generation, snapshot, &proc_root)
        };
        DetailsReader::with_job(Arc::new(read), STUCK)
    }

    fn with_job(read: Arc<ReadJob>, stuck_after: Duration) -> Result<DetailsReader> {
        let (requests, results) = Self::worker(Arc::clone(&read))?;
        Ok(DetailsReader {
            read,
            stuck_after,
            requests,
            results,
            pending: 0,
            waiting_since: None,
            abandoned: 0,
        })
    }

    #[allow(clippy::type_complexity)]
    fn worker(
        read: Arc<ReadJob>,
    ) -> Result<(Sender<(Want, u64, Arc<Snapshot>)>, Receiver<(usize, Found)>)> {
        let (request_tx, request_rx) = mpsc::channel::<(Want, u64, Arc<Snapshot>)>();
        let (result_tx, result_rx) = mpsc::channel();
        std::thread::Builder::new()
            .name(term::DETAILS_THREAD.into())
            .spawn(move || {
                while let Ok(mut request) = request_rx.recv() {
                    let mut skipped = 0;
                    while let Ok(newer) = request_rx.try_recv() {
                        request = newer;
                        skipped += 1;
                    }
                    let (want, generation, snapshot) = request;
                    let found = caught("reading the details", || read(want, generation, &snapshot))
                        .unwrap_or_else(|why| failed(want, generation, why));
                    if result_tx.send((skipped, found)).is_err() {
                        break;
                    }
                }
            })
            .context("cannot start the details thread")?;
        Ok((request_tx, result_rx))
    }

    fn request(&mut self, want: Want, generation: u64, snapshot: Arc<Snapshot>) {
        if self.waiting().is_some_and(|w| w >= self.stuck_after)
            && self.abandoned < MAX_ABANDONED
            && let Ok((requests, results)) = Self::worker(Arc::clone(&self.read))
        {
            // The stuck worker keeps its channels; its answer goes nowhere.
            self.requests = requests;
            self.results = results;
            self.pending = 0;
            self.waiting_since = None;
            self.abandoned += 1;
        }
        if self.requests.send((want, generation, snapshot)).is_ok() {
            self.pending += 1;
            self.waiting_since.get_or_insert_with(Instant::now);
        }
    }

    /// How long the oldest unanswered request has waited.
    fn waiting(&self) -> Option<Duration> {
        self.waiting_since.map(|since| since.elapsed())
    }

    fn poll(&mut self) -> Option<Found> {
        let (skipped, found) = self.results.try_recv().ok()?;
        self.pending = self.pending.saturating_sub(1 + skipped);
        self.waiting_since = (self.pending > 0).then(Instant::now);
        Some(found)
    }
}

/// Runs `f` on a worker thread, a panic becoming an error line ("`what` failed: …"). The panic
/// hook stays quiet on the UI's worker threads (`term::install_panic_hook`): the screen keeps
/// its modes and the message shows where the answer would have.
fn caught<T>(what: &str, f: impl FnOnce() -> T) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|payload| {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic".into());
        format!("{what} failed (a bug in nsview): {message}")
    })
}

/// The answer for a read that failed with `why`.
fn failed(want: Want, generation: u64, why: String) -> Found {
    match want {
        Want::Namespace(inode) => Found::Namespace {
            inode,
            generation,
            result: Err(why),
        },
        Want::Container(pid) => Found::Container {
            pid,
            generation,
            container: None,
        },
    }
}

fn read_details(want: Want, generation: u64, snapshot: &Snapshot, proc_root: &Path) -> Found {
    match want {
        Want::Namespace(inode) => Found::Namespace {
            inode,
            generation,
            result: details::read(snapshot, inode, proc_root).map_err(|e| e.to_string()),
        },
        Want::Container(pid) => Found::Container {
            pid,
            generation,
            container: ContainerIndex::for_pids([pid], proc_root)
                .of_pid(pid)
                .cloned(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A scan stuck in the kernel does not block the next one: after the stuck time a request
    /// starts a fresh scan, whose answer is shown; the stuck one's late answer is dropped.
    #[test]
    fn a_stuck_scan_never_blocks_the_next() {
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let release_rx = std::sync::Mutex::new(release_rx);
        let calls = std::sync::atomic::AtomicUsize::new(0);
        let job = move || -> ScanResult {
            let call = calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            if call == 0 {
                // The first scan hangs until the test lets it go.
                let _ = release_rx.lock().map(|rx| rx.recv());
                return Err("the stuck scan".into());
            }
            let snapshot = crate::tui::sample::small();
            Ok(Scanned {
                shared: Arc::new(snapshot),
                took: Duration::ZERO,
                enrichment: Enrichment::default(),
                full: true,
                saved_details: None,
            })
        };
        let mut scanner = Scanner::with_job(Arc::new(job), Duration::from_millis(50));
        scanner.request().expect("start");
        std::thread::sleep(Duration::from_millis(20));
        // Not stuck yet: the request folds into a follow-up.
        scanner.request().expect("fold");
        assert!(scanner.poll().is_none());
        std::thread::sleep(Duration::from_millis(60));
        assert!(
            scanner
                .running_for()
                .is_some_and(|d| d >= Duration::from_millis(50))
        );
        // Stuck: a new scan starts at once and answers.
        scanner.request().expect("restart");
        let deadline = Instant::now() + Duration::from_secs(5);
        let answer = loop {
            if let Some(answer) = scanner.poll() {
                break answer;
            }
            assert!(Instant::now() < deadline, "no answer from the fresh scan");
            std::thread::sleep(Duration::from_millis(5));
        };
        assert!(
            answer.is_ok(),
            "the fresh scan's answer, not the stuck one's"
        );
        // The stuck one finishing late changes nothing.
        release_tx.send(()).expect("release");
        std::thread::sleep(Duration::from_millis(20));
        while let Some(late) = scanner.poll() {
            assert!(late.is_ok(), "a late stuck answer leaked through");
        }
    }

    /// Waits (bounded) for the reader's next answer.
    fn answer(reader: &mut DetailsReader) -> Found {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            if let Some(found) = reader.poll() {
                return found;
            }
            assert!(
                Instant::now() < deadline,
                "no answer from the details worker"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// The test jobs' answer for `inode`: `Err("read INODE")`, which names it.
    fn marked(inode: u64, generation: u64) -> Found {
        Found::Namespace {
            inode,
            generation,
            result: Err(format!("read {inode}")),
        }
    }

    /// A detail read stuck in the kernel does not stall the pane: after the stuck time the next
    /// request goes to a fresh worker, which answers; the stuck worker's late answers (its own
    /// and the request queued behind it) never arrive.
    #[test]
    fn a_stuck_detail_read_is_replaced_by_a_fresh_worker() {
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let release_rx = std::sync::Mutex::new(release_rx);
        let read = move |want: Want, generation: u64, _: &Snapshot| match want {
            Want::Namespace(1) => {
                let _ = release_rx.lock().map(|rx| rx.recv());
                marked(1, generation)
            }
            Want::Namespace(inode) => marked(inode, generation),
            Want::Container(pid) => Found::Container {
                pid,
                generation,
                container: None,
            },
        };
        let mut reader =
            DetailsReader::with_job(Arc::new(read), Duration::from_millis(50)).expect("worker");
        let snapshot = Arc::new(Snapshot::default());
        reader.request(Want::Namespace(1), 1, Arc::clone(&snapshot));
        std::thread::sleep(Duration::from_millis(10));
        // Not stuck yet: queued behind the stuck read, on the same worker.
        reader.request(Want::Namespace(2), 1, Arc::clone(&snapshot));
        assert_eq!(reader.pending, 2);
        assert!(reader.poll().is_none());
        std::thread::sleep(Duration::from_millis(60));
        assert!(
            reader
                .waiting()
                .is_some_and(|w| w >= Duration::from_millis(50))
        );
        // Stuck: this request goes to a fresh worker and is answered.
        reader.request(Want::Namespace(3), 1, Arc::clone(&snapshot));
        assert_eq!(reader.abandoned, 1);
        assert_eq!(answer(&mut reader), marked(3, 1));
        assert_eq!((reader.pending, reader.waiting()), (0, None));
        // The fresh worker goes on answering.
        reader.request(Want::Container(9), 2, Arc::clone(&snapshot));
        assert_eq!(
            answer(&mut reader),
            Found::Container {
                pid: 9,
                generation: 2,
                container: None
            }
        );
        // The stuck read finishing late reaches nobody.
        release_tx.send(()).expect("release");
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(
            reader.poll(),
            None,
            "a stuck worker's late answer leaked through"
        );
    }

    /// At most MAX_ABANDONED workers are left behind: after that a request waits in line.
    #[test]
    fn stuck_workers_are_bounded() {
        let (_hold, never) = mpsc::channel::<()>();
        let never = std::sync::Mutex::new(never);
        let read = move |want: Want, generation: u64, _: &Snapshot| {
            let _ = never
                .lock()
                .map(|rx| rx.recv_timeout(Duration::from_secs(30)));
            match want {
                Want::Namespace(inode) => marked(inode, generation),
                Want::Container(pid) => marked(u64::from(pid.unsigned_abs()), generation),
            }
        };
        let mut reader =
            DetailsReader::with_job(Arc::new(read), Duration::from_millis(1)).expect("worker");
        let snapshot = Arc::new(Snapshot::default());
        for inode in 0..(MAX_ABANDONED as u64 + 3) {
            reader.request(Want::Namespace(inode), 1, Arc::clone(&snapshot));
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(reader.abandoned, MAX_ABANDONED);
        assert!(reader.pending >= 2, "the last requests wait in line");
    }

    /// A read that panics answers with the panic's message as the pane's error line, and the
    /// same worker serves the next request.
    #[test]
    fn a_panicking_detail_read_is_an_error_line_and_the_worker_goes_on() {
        let read = |want: Want, generation: u64, _: &Snapshot| match want {
            Want::Namespace(7) => panic!("boom in a reader"),
            Want::Container(_) => panic!("boom in the container index"),
            Want::Namespace(inode) => marked(inode, generation),
        };
        let mut reader = DetailsReader::with_job(Arc::new(read), STUCK).expect("worker");
        let snapshot = Arc::new(Snapshot::default());
        reader.request(Want::Namespace(7), 3, Arc::clone(&snapshot));
        let Found::Namespace {
            inode: 7,
            generation: 3,
            result: Err(why),
        } = answer(&mut reader)
        else {
            panic!("not the panicking read's answer");
        };
        assert_eq!(
            why,
            "reading the details failed (a bug in nsview): boom in a reader"
        );
        reader.request(Want::Container(5), 3, Arc::clone(&snapshot));
        assert_eq!(
            answer(&mut reader),
            Found::Container {
                pid: 5,
                generation: 3,
                container: None
            }
        );
        reader.request(Want::Namespace(8), 3, Arc::clone(&snapshot));
        assert_eq!(answer(&mut reader), marked(8, 3));
        assert_eq!(reader.abandoned, 0, "no worker was replaced");
    }

    /// A scan that panics is reported as the scan's error, and the next scan runs.
    #[test]
    fn a_panicking_scan_is_an_error() {
        let calls = std::sync::atomic::AtomicUsize::new(0);
        let job = move || -> ScanResult {
            if calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
                panic!("boom in the scan");
            }
            Err("the second scan".into())
        };
        let mut scanner = Scanner::with_job(Arc::new(job), STUCK);
        let wait = |scanner: &mut Scanner| {
            let deadline = Instant::now() + Duration::from_secs(5);
            loop {
                if let Some(result) = scanner.poll() {
                    return result;
                }
                assert!(Instant::now() < deadline, "no answer from the scan");
                std::thread::sleep(Duration::from_millis(5));
            }
        };
        scanner.request().expect("start");
        let first = wait(&mut scanner).err().unwrap_or_default();
        assert_eq!(first, "the scan failed (a bug in nsview): boom in the scan");
        scanner.request().expect("again");
        assert_eq!(wait(&mut scanner).err().as_deref(), Some("the second scan"));
    }

    #[test]
    fn child_error_comes_back_through_the_channel() {
        let (read, write) = error_channel().expect("pipe");
        let mut file = std::fs::File::from(write);
        writeln!(file, "first\nenter is not built yet\n").expect("write");
        drop(file);
        assert_eq!(read_error(read).as_deref(), Some("enter is not built yet"));
    }

    #[test]
    fn reading_an_open_empty_channel_does_not_block() {
        let (read, _write) = error_channel().expect("pipe");
        assert_eq!(read_error(read), None);
    }
}
