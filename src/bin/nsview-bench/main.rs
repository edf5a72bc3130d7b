//! `nsview-bench`: the benchmark against lsns (`run`, the default), the churn run (`churn`),
//! `ui-steps` (the UI's own timings on a synthetic snapshot), and `once`, which runs one
//! in-process subject in a fresh process so strace and time(1) can count its syscalls and peak
//! RSS. See BENCHMARKS.md.

mod churn;
mod fleet;
mod floor;
mod measure;
mod report;
mod time;
mod ui;
mod watch;

use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Result, bail};
use clap::{Parser, Subcommand};

use measure::{Programs, Subject};
use report::{Row, ScaleResult};

#[derive(Parser)]
#[command(
    name = "nsview-bench",
    about = "Benchmark nsview against lsns; churn test"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Mode>,
    #[command(flatten)]
    run: RunArgs,
}

#[derive(clap::Args, Clone)]
struct RunArgs {
    /// Process counts to create, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "100,1000,5000")]
    scales: Vec<usize>,
    /// Timed rounds per scale (each round runs every subject once, interleaved).
    #[arg(long, default_value_t = 7)]
    runs: usize,
    /// Processes per set of fresh namespaces (one unshare plus sleepers).
    #[arg(long, default_value_t = 50)]
    set_size: usize,
    /// Process-less namespaces of each holder kind (ip netns bind mounts, held fds).
    #[arg(long, default_value_t = 3)]
    extra: usize,
    /// Lifetime of every sleeper, in seconds.
    #[arg(long, default_value_t = 600)]
    lifetime: u32,
    /// Skip the strace syscall counts (they take a while at large scales).
    #[arg(long)]
    no_strace: bool,
    /// Only these subjects, comma-separated (list, list-json, lsns, lsns-json, scan, bare,
    /// floor, tui, leaks, metrics); all when not given. E.g. `--subjects list,leaks,metrics`
    /// compares leaks and a metrics scrape with `--list` alone, in a shorter run.
    #[arg(long, value_delimiter = ',')]
    subjects: Vec<String>,
    /// Also write the markdown report to this file.
    #[arg(long)]
    out: Option<std::path::PathBuf>,
}

#[derive(Subcommand)]
enum Mode {
    /// Run the benchmark (the default).
    Run(RunArgs),
    /// Spawn and reap short-lived processes (and, as root, namespaces) while nsview scans.
    Churn(churn::ChurnArgs),
    /// Start a population and keep it for a while (for profiling by hand); Ctrl-C ends it.
    Hold {
        processes: usize,
        #[arg(long, default_value_t = 300)]
        seconds: u64,
    },
    /// The cost of keeping a view current: 3 s rescans vs process events, and unshare-to-event.
    Time(time::TimeArgs),
    /// The UI itself under tmux: CPU at rest and unshare-to-screen, live vs polling every 3 s.
    Ui(ui::UiArgs),
    /// `nsview watch` at rest: CPU with its default reconcile vs a fixed one.
    Watch(watch::WatchArgs),
    /// Run one in-process subject once (scan, bare, floor, tui) and exit.
    #[command(hide = true)]
    Once { subject: String },
    /// The UI's own timings on a synthetic snapshot (no root, no fleet): apply a scan, render,
    /// scroll, filter, rescan (`nsview::tui::timing`, the same steps the UI test asserts).
    UiSteps {
        /// Synthetic processes.
        #[arg(long, default_value_t = 5000)]
        processes: usize,
        /// Measurements, each on a fresh app.
        #[arg(long, default_value_t = 3)]
        runs: usize,
    },
}

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_sigint(_: libc::c_int) {
    INTERRUPTED.store(true, Ordering::SeqCst);
}

/// Ctrl-C sets a flag the loops check, so the fleet's Drop guard still runs.
fn catch_sigint() {
    // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
    let previous = unsafe {
        libc::signal(
            libc::SIGINT,
            on_sigint as extern "C" fn(libc::c_int) as libc::sighandler_t,
        )
    };
    if previous == libc::SIG_ERR {
        eprintln!(
            "nsview-bench: cannot catch Ctrl-C ({}); an interrupted run may leave its fleet",
            std::io::Error::last_os_error()
        );
    }
}

pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

fn main() {
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Mode::Run(args)) => run(&args),
        None => run(&cli.run),
        Some(Mode::Churn(args)) => {
            catch_sigint();
            churn_main(&args)
        }
        Some(Mode::Once { subject }) => once(&subject),
        Some(Mode::Time(args)) => {
            catch_sigint();
            time::run(&args)
        }
        Some(Mode::Ui(args)) => {
            catch_sigint();
            ui::run(&args)
        }
        Some(Mode::Watch(args)) => {
            catch_sigint();
            watch::run(&args)
        }
        Some(Mode::Hold { processes, seconds }) => hold(processes, seconds),
        Some(Mode::UiSteps { processes, runs }) => {
            for _ in 0..runs.max(1) {
                println!("{}", nsview::tui::timing::measure(processes).summary());
            }
            Ok(0)
        }
    };
    match result {
        Ok(code) => std::process::exit(code),
        Err(err) => {
            eprintln!("nsview-bench: {err:#}");
            std::process::exit(1);
        }
    }
}

/// `nsview-bench churn`: prints one line per subject; exit 1 if an nsview subject failed.
fn churn_main(args: &churn::ChurnArgs) -> Result<i32> {
    let nsview = match &args.nsview {
        Some(path) => path.clone(),
        None => std::env::current_exe()?.with_file_name("nsview"),
    };
    let (tallies, stats) = churn::run(args, &nsview, &|| !interrupted());
    println!(
        "churn: {} short-lived processes spawned ({} in fresh namespaces) during the run",
        stats.spawned, stats.with_namespaces
    );
    let mut failed = false;
    for (subject, tally) in &tallies {
        let runs = tally.passed + tally.failed;
        println!(
            "{subject}: {}/{runs} passed{}",
            tally.passed,
            tally
                .first_failure
                .as_ref()
                .map(|w| format!("; first failure: {w}"))
                .unwrap_or_default()
        );
        failed |= tally.failed > 0 && !subject.starts_with("lsns");
    }
    Ok(i32::from(failed))
}

fn hold(processes: usize, seconds: u64) -> Result<i32> {
    catch_sigint();
    let fleet = fleet::Fleet::start(processes, 50, 3, seconds.try_into().unwrap_or(600))?;
    println!("holding {} processes for {seconds} s", fleet.processes);
    let end = std::time::Instant::now() + std::time::Duration::from_secs(seconds);
    while !interrupted() && std::time::Instant::now() < end {
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    Ok(0)
}

fn once(name: &str) -> Result<i32> {
    let Some(subject) = Subject::from_once_name(name) else {
        bail!("unknown subject {name:?} (scan, bare, floor, tui)");
    };
    measure::run_in_process(subject)?;
    Ok(0)
}

fn run(args: &RunArgs) -> Result<i32> {
    catch_sigint();
    if !nix::unistd::geteuid().is_root() {
        bail!("the benchmark needs root (it creates namespaces of every type)");
    }
    let programs = Programs::find()?;
    selected_subjects(&args.subjects)?;
    if !programs.nsview.is_file() {
        bail!(
            "{} not found: build it first (cargo build --release)",
            programs.nsview.display()
        );
    }
    let mut results = Vec::new();
    for &scale in &args.scales {
        eprintln!("nsview-bench: starting about {scale} processes");
        let fleet = fleet::Fleet::start(scale, args.set_size, args.extra, args.lifetime)?;
        let result = measure_scale(&programs, args, fleet.processes);
        drop(fleet);
        results.push(result?);
        if interrupted() {
            bail!("interrupted");
        }
    }
    let text = report::markdown(&results, args.runs);
    print!("{text}");
    if let Some(path) = &args.out {
        std::fs::write(path, &text)?;
    }
    Ok(0)
}

/// The subjects `--subjects` names, in the benchmark's order; all when it names none.
fn selected_subjects(names: &[String]) -> Result<Vec<Subject>> {
    let mut wanted = Vec::new();
    for name in names {
        let Some(subject) = Subject::from_short_name(name.trim()) else {
            let known: Vec<&str> = Subject::ALL.iter().map(|s| s.short_name()).collect();
            bail!("unknown subject {name:?} (one of: {})", known.join(", "));
        };
        wanted.push(subject);
    }
    Ok(Subject::ALL
        .into_iter()
        .filter(|s| wanted.is_empty() || wanted.contains(s))
        .collect())
}

fn measure_scale(programs: &Programs, args: &RunArgs, created: usize) -> Result<ScaleResult> {
    let seen = floor::scan(2)?.processes;
    let namespaces = nsview::scan::scan(&nsview::scan::ScanOptions::default())?
        .namespaces
        .len();
    let subjects = selected_subjects(&args.subjects)?;
    let mut times: Vec<Vec<std::time::Duration>> = vec![Vec::new(); subjects.len()];
    let mut failures = vec![0usize; subjects.len()];
    // Warm-up round (page cache, dentries), not counted.
    for &subject in &subjects {
        measure::time_once(programs, subject);
    }
    for round in 0..args.runs {
        // Interleave, and rotate the starting subject so none always runs first.
        for i in 0..subjects.len() {
            if interrupted() {
                bail!("interrupted");
            }
            let index = (i + round) % subjects.len();
            let run = measure::time_once(programs, subjects[index]);
            if run.ok {
                times[index].push(run.elapsed);
            } else {
                failures[index] += 1;
            }
        }
    }
    let mut rows = Vec::new();
    for (index, &subject) in subjects.iter().enumerate() {
        if interrupted() {
            bail!("interrupted");
        }
        let median = measure::median(&mut times[index]);
        let peak = median.and_then(|_| measure::peak_rss(programs, subject));
        let syscalls = if args.no_strace || median.is_none() {
            None
        } else {
            measure::syscalls(programs, subject)
        };
        rows.push(Row {
            subject,
            median,
            max_rss_kib: peak,
            syscalls,
            failures: failures[index],
        });
    }
    Ok(ScaleResult {
        created,
        seen,
        namespaces,
        rows,
    })
}
