//! What one benchmark scale measures and how: the subjects (nsview's faces, the scanner, the
//! floor, lsns), interleaved timed rounds, peak RSS from time(1), and syscall counts from
//! `strace -c -f` (one run per subject, outside the timing).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use nsview::scan::{self, ScanOptions};

use crate::floor;

/// Something the benchmark times.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject {
    List,
    ListJson,
    Lsns,
    LsnsJson,
    /// `scan` with default options, in `nsview-bench once scan`.
    Scan,
    /// `scan` with threads, fds, sockets, mounts and relations off (and all_commands), in `nsview-bench once bare`.
    BareScan,
    /// The minimal scan program, in `nsview-bench once floor`.
    Floor,
    /// What the TUI does on each refresh, in process.
    TuiRefresh,
    /// `nsview leaks` (exit 1 when it finds a probable leak counts as success).
    Leaks,
    /// One metrics scrape: `nsview metrics --per-namespace` (the scan and exposition a
    /// `/metrics` request costs when the cache is stale).
    Metrics,
}

impl Subject {
    pub const ALL: [Subject; 10] = [
        Subject::List,
        Subject::ListJson,
        Subject::Lsns,
        Subject::LsnsJson,
        Subject::Scan,
        Subject::BareScan,
        Subject::Floor,
        Subject::TuiRefresh,
        Subject::Leaks,
        Subject::Metrics,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Subject::List => "nsview --list",
            Subject::ListJson => "nsview --list -J",
            Subject::Lsns => "lsns",
            Subject::LsnsJson => "lsns -J",
            Subject::Scan => "scan (default options)",
            Subject::BareScan => "scan (bare process links)",
            Subject::Floor => "floor (minimal scan)",
            Subject::TuiRefresh => "TUI refresh",
            Subject::Leaks => "nsview leaks",
            Subject::Metrics => "nsview metrics (one scrape)",
        }
    }

    /// The short name `--subjects` takes.
    pub fn short_name(self) -> &'static str {
        match self {
            Subject::List => "list",
            Subject::ListJson => "list-json",
            Subject::Lsns => "lsns",
            Subject::LsnsJson => "lsns-json",
            Subject::Scan => "scan",
            Subject::BareScan => "bare",
            Subject::Floor => "floor",
            Subject::TuiRefresh => "tui",
            Subject::Leaks => "leaks",
            Subject::Metrics => "metrics",
        }
    }

    /// The subject a `--subjects` name stands for.
    pub fn from_short_name(name: &str) -> Option<Subject> {
        Subject::ALL.into_iter().find(|s| s.short_name() == name)
    }

    /// The name `nsview-bench once <name>` takes, for in-process subjects.
    pub fn once_name(self) -> Option<&'static str> {
        match self {
            Subject::Scan => Some("scan"),
            Subject::BareScan => Some("bare"),
            Subject::Floor => Some("floor"),
            Subject::TuiRefresh => Some("tui"),
            _ => None,
        }
    }

    pub fn from_once_name(name: &str) -> Option<Subject> {
        Subject::ALL
            .into_iter()
            .find(|s| s.once_name() == Some(name))
    }

    /// What this subject is compared with in the ratio column.
    pub fn baseline(self) -> Option<Subject> {
        match self {
            Subject::List | Subject::Scan | Subject::TuiRefresh => Some(Subject::Lsns),
            Subject::ListJson => Some(Subject::LsnsJson),
            Subject::BareScan => Some(Subject::Floor),
            Subject::Leaks | Subject::Metrics => Some(Subject::List),
            _ => None,
        }
    }
}

/// Where the binaries are.
pub struct Programs {
    pub nsview: PathBuf,
    pub bench: PathBuf,
}

impl Programs {
    pub fn find() -> Result<Programs> {
        let bench = std::env::current_exe().context("cannot find my own executable")?;
        let nsview = bench.with_file_name("nsview");
        Ok(Programs { nsview, bench })
    }

    /// The command line that runs one subject once in a fresh process.
    fn command(&self, subject: Subject) -> Command {
        let (program, args): (&Path, &[&str]) = match subject {
            Subject::List => (&self.nsview, &["--list"]),
            Subject::ListJson => (&self.nsview, &["--list", "-J"]),
            Subject::Lsns => (Path::new("lsns"), &[]),
            Subject::LsnsJson => (Path::new("lsns"), &["-J"]),
            Subject::Leaks => (&self.nsview, &["leaks"]),
            Subject::Metrics => (&self.nsview, &["metrics", "--per-namespace"]),
            other => (&self.bench, &["once", other.once_name().unwrap_or("scan")]),
        };
        let mut cmd = Command::new(program);
        cmd.args(args);
        cmd
    }
}

/// Options the bare process-link scan uses: links and stat per process (plus the owner uid),
/// cmdline for namespace representatives only.
pub fn bare_options() -> ScanOptions {
    ScanOptions {
        all_commands: false,
        threads: false,
        fds: false,
        sockets: false,
        mounts: false,
        relations: false,
        ..ScanOptions::default()
    }
}

/// Options the TUI scans with (everything: it shows holders and relations).
pub fn tui_options() -> ScanOptions {
    ScanOptions::default()
}

thread_local! {
    /// The UI state refreshes apply to, kept across runs as the real UI keeps it.
    static APP: std::cell::RefCell<Option<nsview::tui::app::App>> = const { std::cell::RefCell::new(None) };
}

/// One TUI refresh as the UI's background scanner and event loop do it: a scan with the UI's
/// options, then `App::apply_scan` (diff against the previous scan, index, rows). The scan runs
/// off the input thread in the real UI; only `apply_scan` runs on it.
pub fn tui_refresh() -> Result<usize> {
    let started = Instant::now();
    let snapshot = scan::scan(&tui_options())?;
    let took = started.elapsed();
    APP.with_borrow_mut(|app| {
        let app = app.get_or_insert_with(|| nsview::tui::app::App::new(false));
        app.apply_scan(snapshot, Some(took));
        Ok(app.snapshot().namespaces.len())
    })
}

/// Runs an in-process subject once; returns something derived from the result so the work
/// cannot be skipped.
pub fn run_in_process(subject: Subject) -> Result<usize> {
    match subject {
        Subject::Scan => Ok(scan::scan(&ScanOptions::default())?.namespaces.len()),
        Subject::BareScan => Ok(scan::scan(&bare_options())?.namespaces.len()),
        Subject::Floor => Ok(floor::scan(2)?.links),
        Subject::TuiRefresh => tui_refresh(),
        other => anyhow::bail!("{} is not an in-process subject", other.label()),
    }
}

/// The outcome of one timed run.
pub struct Run {
    pub elapsed: Duration,
    pub ok: bool,
}

/// Times one run in a fresh child process (`nsview-bench once` for the library subjects, so
/// the scanner and the floor start from the same state), except the TUI refresh, which runs
/// in this process against the `App` kept from the previous refresh, as the UI does.
pub fn time_once(programs: &Programs, subject: Subject) -> Run {
    if subject == Subject::TuiRefresh {
        let start = Instant::now();
        let ok = run_in_process(subject).is_ok();
        return Run {
            elapsed: start.elapsed(),
            ok,
        };
    }
    let mut cmd = programs.command(subject);
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let start = Instant::now();
    let ok = cmd.status().is_ok_and(|s| subject.succeeded(s));
    Run {
        elapsed: start.elapsed(),
        ok,
    }
}

impl Subject {
    /// Whether an exit status is a successful run: `nsview leaks` exits 1 when it finds a
    /// probable leak, which is an answer, not a failure.
    pub fn succeeded(self, status: std::process::ExitStatus) -> bool {
        status.success() || (self == Subject::Leaks && status.code() == Some(1))
    }
}

/// Peak RSS of one run in KiB, from `/usr/bin/time -f %M` in a separate untimed run.
///
/// Not from our own wait4: std spawns with a vfork-style clone, and exec carries the old mm's
/// high-water mark (ours) into the child's maxrss. time(1)'s own mm is tiny, so its floor is.
pub fn peak_rss(programs: &Programs, subject: Subject) -> Option<u64> {
    let out = tempfile_path("rss");
    let inner = programs.command(subject);
    let ok = Command::new("/usr/bin/time")
        .args(["-f", "%M", "-o"])
        .arg(&out)
        .arg(inner.get_program())
        .args(inner.get_args())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| subject.succeeded(s));
    let text = std::fs::read_to_string(&out).ok();
    let _ = std::fs::remove_file(&out);
    if !ok {
        return None;
    }
    text?.trim().lines().last()?.trim().parse().ok()
}

/// Syscalls one run makes, from `strace -c -f` (None when strace is missing or the run
/// failed).
pub fn syscalls(programs: &Programs, subject: Subject) -> Option<u64> {
    let out = tempfile_path("strace");
    let inner = programs.command(subject);
    let mut cmd = Command::new("strace");
    cmd.args(["-f", "-c", "-o"])
        .arg(&out)
        .arg("--")
        .arg(inner.get_program())
        .args(inner.get_args())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let ok = cmd.status().is_ok_and(|s| subject.succeeded(s));
    let text = std::fs::read_to_string(&out).ok();
    let _ = std::fs::remove_file(&out);
    if !ok {
        return None;
    }
    parse_strace_total(&text?)
}

/// The `calls` column of strace -c's `total` line.
pub fn parse_strace_total(text: &str) -> Option<u64> {
    text.lines()
        .map(str::split_whitespace)
        .map(Iterator::collect::<Vec<_>>)
        .find(|fields| fields.last() == Some(&"total"))
        .and_then(|fields| fields.get(3)?.parse().ok())
}

fn tempfile_path(tag: &str) -> PathBuf {
    std::env::temp_dir().join(format!("nsview-bench-{}-{tag}.txt", std::process::id()))
}

/// The median of some durations (the lower middle for an even count).
pub fn median(values: &mut [Duration]) -> Option<Duration> {
    values.sort_unstable();
    values.get(values.len().saturating_sub(1) / 2).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_strace_totals() {
        let text = "% time     seconds  usecs/call     calls    errors syscall\n\
            ------ ----------- ----------- --------- --------- ----------------\n\
             40.00    0.000400           2       200        10 readlinkat\n\
            ------ ----------- ----------- --------- --------- ----------------\n\
            100.00    0.001000           3       321        12 total\n";
        assert_eq!(parse_strace_total(text), Some(321));
        let no_errors = "100.00    0.001000           3       321 total\n";
        assert_eq!(parse_strace_total(no_errors), Some(321));
        assert_eq!(parse_strace_total("nothing"), None);
    }

    #[test]
    fn medians() {
        let ms = Duration::from_millis;
        assert_eq!(median(&mut [ms(3), ms(1), ms(2)]), Some(ms(2)));
        assert_eq!(median(&mut [ms(4), ms(1), ms(2), ms(3)]), Some(ms(2)));
        assert_eq!(median(&mut []), None);
    }
}
