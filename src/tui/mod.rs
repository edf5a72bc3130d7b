//! The interactive terminal UI (`nsview` with no arguments).
//!
//! The pieces follow ratatui's example apps: [`app`] holds all state and changes only through
//! `App::update`; [`keys`] maps input to actions; [`view`] draws; [`term`] owns terminal modes.
//! This file is the loop that owns the terminal and does the side effects: it feeds events to
//! the app, runs scans on a background thread so typing never waits for /proc, and hands the
//! terminal to a child `nsview enter` (never calling setns in this process).

pub mod app;
pub mod detail;
pub mod inside;
pub mod keys;
#[doc(hidden)]
pub mod sample;
pub mod term;
pub mod view;

use std::io::{self, IsTerminal, Read, Write};
use std::os::fd::{AsRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use ratatui::crossterm::event;

use crate::cli::TuiArgs;
use crate::details::{self, ContainerIndex};
use crate::error::Exit;
use crate::model::Snapshot;

use app::{Action, App, ChildOutcome, Command, Launch};
use inside::{Found, Want};

/// How long the loop sleeps waiting for input before looking at scans and signals again.
const TICK: Duration = Duration::from_millis(200);
/// The same while the details worker has a request: its answer shows up within this.
const DETAILS_TICK: Duration = Duration::from_millis(25);

/// Runs the UI and returns the exit code.
pub fn run(args: &TuiArgs, source: crate::snapshot::Source) -> Result<i32> {
    let mut interval = refresh_interval(args)?;
    if !io::stdout().is_terminal() || !io::stdin().is_terminal() {
        return Err(Exit::failure("no terminal; use `nsview --list` for a list").into());
    }
    // no-color.org: set at all (any value) means no colour.
    let mut app = App::new(std::env::var_os("NO_COLOR").is_none());
    // A saved snapshot never changes: no refresh, no actions that need the live system.
    let (proc_root, saved) = match &source {
        crate::snapshot::Source::Live(options) => (options.proc_root.clone(), None),
        crate::snapshot::Source::File(path) => {
            app.read_only = Some(path.display().to_string());
            interval = None;
            // The detail pane shows the saved details: nothing is read from this host.
            let file = crate::snapshot::load(path).map_err(|e| Exit::failure(format!("{e:#}")))?;
            (path.clone(), Some(Arc::new(file)))
        }
    };
    let mut reader = DetailsReader::spawn(proc_root, saved)?;
    let mut scanner = match source.live_options() {
        Some(options) if args.events => {
            // Changes arrive as they happen; the timed rescans are the watcher's reconcile.
            interval = None;
            let every = refresh_interval(&TuiArgs {
                interval: args.reconcile,
                no_refresh: false,
                events: true,
                reconcile: args.reconcile,
            })?
            .unwrap_or(Duration::from_secs(30));
            Scanner::spawn_watching(options.clone(), every)?
        }
        _ => Scanner::spawn(source)?,
    };
    scanner.request();
    app.scanning = true;
    let signals = term::Signals::install().context("cannot install signal handlers")?;
    term::install_panic_hook();
    term::spawn_watchdog(signals.clone()).context("cannot start the watchdog thread")?;
    let mut tui = term::Tui::enter().context("cannot set up the terminal")?;
    let result = event_loop(
        &mut tui,
        &mut app,
        &mut scanner,
        &mut reader,
        &signals,
        interval,
    );
    drop(tui);
    result
}

/// The validated `--interval` / `--no-refresh`: None means manual refresh only.
fn refresh_interval(args: &TuiArgs) -> Result<Option<Duration>> {
    if args.no_refresh {
        return Ok(None);
    }
    if !(args.interval.is_finite() && args.interval >= 0.1 && args.interval <= 86_400.0) {
        return Err(Exit::new(
            2,
            format!(
                "--interval {}: expected seconds between 0.1 and 86400",
                args.interval
            ),
        )
        .into());
    }
    Ok(Some(Duration::from_secs_f64(args.interval)))
}

fn event_loop(
    tui: &mut term::Tui,
    app: &mut App,
    scanner: &mut Scanner,
    reader: &mut DetailsReader,
    signals: &term::Signals,
    interval: Option<Duration>,
) -> Result<i32> {
    let mut next_refresh: Option<Instant> = None;
    // The scan the app shows, shared with the details worker.
    let mut current: Option<Arc<Snapshot>> = None;
    loop {
        if let Some(code) = signals.quit_code() {
            return Ok(code);
        }
        while let Some(result) = scanner.poll() {
            match result {
                Ok((snapshot, shared, took)) => {
                    app.apply_scan(snapshot, Some(took));
                    current = Some(shared);
                }
                Err(message) => app.scan_failed(message),
            }
            next_refresh = interval.map(|every| Instant::now() + every);
        }
        if next_refresh.is_some_and(|at| Instant::now() >= at) && !scanner.in_flight {
            next_refresh = None;
            scanner.request();
            app.scanning = true;
        }
        while let Some(found) = reader.poll() {
            app.update(Action::Details(Box::new(found)));
        }
        if let Some(snapshot) = &current
            && let Some(want) = app.details_wanted()
        {
            reader.request(want, app.generation, Arc::clone(snapshot));
        }
        tui.terminal.draw(|frame| view::draw(app, frame))?;

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
            if let Some(action) = keys::action_for(app.mode, &input) {
                match app.update(action) {
                    Some(Command::Quit) => return Ok(0),
                    Some(Command::Rescan) => scanner.request(),
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

/// Hands the terminal to `nsview <launch.args>`, waits, and takes it back.
fn run_child(
    tui: &mut term::Tui,
    app: &mut App,
    launch: &Launch,
    signals: &term::Signals,
) -> Result<()> {
    tui.suspend();
    term::CHILD_RUNNING.store(true, std::sync::atomic::Ordering::Relaxed);
    let outcome = spawn_and_wait(launch);
    if launch.pause {
        let code = match &outcome {
            ChildOutcome::Exited { code, .. } => code.to_string(),
            other => format!("{other:?}"),
        };
        let mut stdout = io::stdout();
        let _ = write!(
            stdout,
            "\n[nsview: exit status {code}; press Enter to return]"
        );
        let _ = stdout.flush();
        let mut line = String::new();
        let _ = io::stdin().read_line(&mut line);
    }
    signals.forget_interrupts();
    term::CHILD_RUNNING.store(false, std::sync::atomic::Ordering::Relaxed);
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
    let status = command.status();
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

/// A scan, a shared copy of it for the details worker (cloned on the scan thread, not the UI's),
/// and how long it took.
type ScanResult = Result<(Snapshot, Arc<Snapshot>, Duration), String>;

/// The background scanner: one thread, one request channel, one result channel. Requests made
/// while a scan runs fold into one follow-up scan.
struct Scanner {
    requests: Sender<()>,
    results: Receiver<ScanResult>,
    in_flight: bool,
    again: bool,
}

impl Scanner {
    fn spawn(source: crate::snapshot::Source) -> Result<Scanner> {
        let (request_tx, request_rx) = mpsc::channel::<()>();
        let (result_tx, result_rx) = mpsc::channel();
        std::thread::Builder::new()
            .name("nsview-scan".into())
            .spawn(move || {
                while request_rx.recv().is_ok() {
                    while request_rx.try_recv().is_ok() {}
                    let started = Instant::now();
                    let result = source
                        .read(false)
                        .map(|file| file.scan)
                        .map(|snapshot| {
                            let took = started.elapsed();
                            let shared = Arc::new(snapshot.clone());
                            (snapshot, shared, took)
                        })
                        .map_err(|err| format!("{err:#}"));
                    if result_tx.send(result).is_err() {
                        break;
                    }
                }
            })
            .context("cannot start the scanner thread")?;
        Ok(Scanner {
            requests: request_tx,
            results: result_rx,
            in_flight: false,
            again: false,
        })
    }

    /// A scanner driven by process events ([`crate::watch::Watcher`]): it sends a snapshot
    /// whenever one changed, unasked; a request forces a full rescan.
    fn spawn_watching(options: crate::scan::ScanOptions, every: Duration) -> Result<Scanner> {
        let (request_tx, request_rx) = mpsc::channel::<()>();
        let (result_tx, result_rx) = mpsc::channel::<ScanResult>();
        std::thread::Builder::new()
            .name("nsview-watch".into())
            .spawn(move || {
                let started = Instant::now();
                let send = |snapshot: &Snapshot, took: Duration| {
                    let shared = Arc::new(snapshot.clone());
                    result_tx.send(Ok((snapshot.clone(), shared, took))).is_ok()
                };
                let (mut watcher, why) = match crate::watch::Watcher::start(options, every, false) {
                    Ok(started) => started,
                    Err(err) => {
                        let _ = result_tx.send(Err(format!("{err:#}")));
                        return;
                    }
                };
                if !send(watcher.snapshot(), started.elapsed()) {
                    return;
                }
                if let Some(err) = why {
                    let _ = result_tx.send(Err(format!(
                        "process events unavailable ({err}): polling every {} s",
                        every.as_secs_f64()
                    )));
                }
                // The request made at start-up is answered by the first snapshot.
                while request_rx.try_recv().is_ok() {}
                loop {
                    let mut full = false;
                    loop {
                        match request_rx.try_recv() {
                            Ok(()) => full = true,
                            Err(TryRecvError::Empty) => break,
                            Err(TryRecvError::Disconnected) => return,
                        }
                    }
                    if full {
                        watcher.rescan_now();
                    }
                    let step_started = Instant::now();
                    let sent = match watcher.step_within(TICK) {
                        Ok((_, changes)) if !changes.is_empty() || full => {
                            send(watcher.snapshot(), step_started.elapsed())
                        }
                        Ok(_) => true,
                        Err(err) => result_tx.send(Err(format!("{err:#}"))).is_ok(),
                    };
                    if !sent {
                        return;
                    }
                }
            })
            .context("cannot start the watcher thread")?;
        Ok(Scanner {
            requests: request_tx,
            results: result_rx,
            in_flight: false,
            again: false,
        })
    }

    fn request(&mut self) {
        if self.in_flight {
            self.again = true;
        } else if self.requests.send(()).is_ok() {
            self.in_flight = true;
        }
    }

    fn poll(&mut self) -> Option<ScanResult> {
        match self.results.try_recv() {
            Ok(result) => {
                self.in_flight = false;
                if std::mem::take(&mut self.again) {
                    self.request();
                }
                Some(result)
            }
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) if self.in_flight => {
                self.in_flight = false;
                Some(Err("the scanner thread stopped".into()))
            }
            Err(TryRecvError::Disconnected) => None,
        }
    }
}

/// The details worker: reads what the detail pane asks for (`details::read`, a process's
/// container) off the UI thread. Only the newest request waiting is served: moving through the
/// tree with a key held down reads the row it stops on, not every row on the way.
struct DetailsReader {
    requests: Sender<(Want, u64, Arc<Snapshot>)>,
    /// Each answer with how many older requests it made unnecessary.
    results: Receiver<(usize, Found)>,
    /// Requests sent and not answered yet.
    pending: usize,
}

impl DetailsReader {
    fn spawn(
        proc_root: PathBuf,
        saved: Option<Arc<crate::snapshot::SnapshotFile>>,
    ) -> Result<DetailsReader> {
        let (request_tx, request_rx) = mpsc::channel::<(Want, u64, Arc<Snapshot>)>();
        let (result_tx, result_rx) = mpsc::channel();
        std::thread::Builder::new()
            .name("nsview-details".into())
            .spawn(move || {
                while let Ok(mut request) = request_rx.recv() {
                    let mut skipped = 0;
                    while let Ok(newer) = request_rx.try_recv() {
                        request = newer;
                        skipped += 1;
                    }
                    let (want, generation, snapshot) = request;
                    let found = match &saved {
                        Some(file) => saved_details(want, generation, file),
                        None => read_details(want, generation, &snapshot, &proc_root),
                    };
                    if result_tx.send((skipped, found)).is_err() {
                        break;
                    }
                }
            })
            .context("cannot start the details thread")?;
        Ok(DetailsReader {
            requests: request_tx,
            results: result_rx,
            pending: 0,
        })
    }

    fn request(&mut self, want: Want, generation: u64, snapshot: Arc<Snapshot>) {
        if self.requests.send((want, generation, snapshot)).is_ok() {
            self.pending += 1;
        }
    }

    fn poll(&mut self) -> Option<Found> {
        let (skipped, found) = self.results.try_recv().ok()?;
        self.pending = self.pending.saturating_sub(1 + skipped);
        Some(found)
    }
}

/// The detail pane's answers from a saved snapshot (`--from`).
fn saved_details(want: Want, generation: u64, file: &crate::snapshot::SnapshotFile) -> Found {
    match want {
        Want::Namespace(inode) => Found::Namespace {
            inode,
            generation,
            result: file.details_of(inode).cloned().ok_or_else(|| {
                "not in the snapshot (saved without --details, or gone before they were read)"
                    .to_string()
            }),
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

    #[test]
    fn interval_is_validated() {
        let args = |interval, no_refresh| TuiArgs {
            interval,
            no_refresh,
            ..TuiArgs::default()
        };
        assert_eq!(
            refresh_interval(&args(3.0, false)).ok().flatten(),
            Some(Duration::from_secs(3))
        );
        assert_eq!(refresh_interval(&args(-1.0, true)).ok().flatten(), None);
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert!(refresh_interval(&args(bad, false)).is_err(), "{bad}");
        }
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
