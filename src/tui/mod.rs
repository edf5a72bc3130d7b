//! The interactive terminal UI (`nsview` with no arguments).
//!
//! The pieces follow ratatui's example apps: [`app`] holds all state and changes only through
//! `App::update`; [`keys`] maps input to actions; [`view`] draws; [`term`] owns terminal modes.
//! This file is the loop that owns the terminal and does the side effects: it feeds events to
//! the app, runs scans on a background thread so typing never waits for /proc, and hands the
//! terminal to a child `nsview enter` (never calling setns in this process).

pub mod app;
pub mod detail;
pub mod keys;
#[doc(hidden)]
pub mod sample;
pub mod term;
pub mod view;

use std::io::{self, IsTerminal, Read, Write};
use std::os::fd::{AsRawFd, OwnedFd};
use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use ratatui::crossterm::event;

use crate::cli::TuiArgs;
use crate::error::{ERROR_FD_ENV, Exit};
use crate::model::Snapshot;
use crate::scan::{self, ScanOptions};

use app::{App, ChildOutcome, Command, Launch};

/// How long the loop sleeps waiting for input before looking at scans and signals again.
const TICK: Duration = Duration::from_millis(200);

/// Runs the UI and returns the exit code.
pub fn run(args: &TuiArgs, options: ScanOptions) -> Result<i32> {
    let interval = refresh_interval(args)?;
    if !io::stdout().is_terminal() || !io::stdin().is_terminal() {
        return Err(Exit::failure("no terminal; use `nsview --list` for a list").into());
    }
    // no-color.org: set at all (any value) means no colour.
    let mut app = App::new(std::env::var_os("NO_COLOR").is_none());
    let mut scanner = Scanner::spawn(options)?;
    scanner.request();
    app.scanning = true;
    let signals = term::Signals::install().context("cannot install signal handlers")?;
    term::install_panic_hook();
    let mut tui = term::Tui::enter().context("cannot set up the terminal")?;
    let result = event_loop(&mut tui, &mut app, &mut scanner, &signals, interval);
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
    signals: &term::Signals,
    interval: Option<Duration>,
) -> Result<i32> {
    let mut next_refresh: Option<Instant> = None;
    loop {
        if signals.should_quit() {
            return Ok(128 + libc::SIGTERM);
        }
        while let Some(result) = scanner.poll() {
            match result {
                Ok((snapshot, took)) => app.apply_scan(snapshot, Some(took)),
                Err(message) => app.scan_failed(message),
            }
            next_refresh = interval.map(|every| Instant::now() + every);
        }
        if next_refresh.is_some_and(|at| Instant::now() >= at) && !scanner.in_flight {
            next_refresh = None;
            scanner.request();
            app.scanning = true;
        }
        tui.terminal.draw(|frame| view::draw(app, frame))?;

        if !event::poll(TICK)? {
            continue;
        }
        // Handle everything already queued before drawing again, so key repeat never lags.
        loop {
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
            if !event::poll(Duration::ZERO)? {
                break;
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
    command.args(&launch.args);
    // The child's one-line error comes back through a pipe, because its stderr is the
    // terminal (a shell needs it) and is wiped when the UI repaints.
    let channel = error_channel();
    if let Ok((_, write)) = &channel {
        command.env(ERROR_FD_ENV, write.as_raw_fd().to_string());
    }
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

type ScanResult = Result<(Snapshot, Duration), String>;

/// The background scanner: one thread, one request channel, one result channel. Requests made
/// while a scan runs fold into one follow-up scan.
struct Scanner {
    requests: Sender<()>,
    results: Receiver<ScanResult>,
    in_flight: bool,
    again: bool,
}

impl Scanner {
    fn spawn(options: ScanOptions) -> Result<Scanner> {
        let (request_tx, request_rx) = mpsc::channel::<()>();
        let (result_tx, result_rx) = mpsc::channel();
        std::thread::Builder::new()
            .name("nsview-scan".into())
            .spawn(move || {
                while request_rx.recv().is_ok() {
                    while request_rx.try_recv().is_ok() {}
                    let started = Instant::now();
                    let result = scan::scan(&options)
                        .map(|snapshot| (snapshot, started.elapsed()))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interval_is_validated() {
        let args = |interval, no_refresh| TuiArgs {
            interval,
            no_refresh,
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
