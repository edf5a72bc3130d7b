//! `nsview-bench time`: the cost of keeping a view current (issue 15). Two figures at a given
//! population: the CPU time per minute at rest of the UI's scan source, rescanning every 3 s
//! (today's UI) versus the event-driven [`nsview::live::Watcher`] (process events plus a full
//! reconcile), and the time from `unshare` to the new namespace showing up in the watcher.
//! The UI's own drawing is not in these figures (it does not depend on the source).

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use nsview::live::Watcher;
use nsview::scan::{self, ScanOptions};
use nsview::snapshot::diff::Change;

#[derive(clap::Args, Clone)]
pub struct TimeArgs {
    /// Processes to create before measuring.
    #[arg(long, default_value_t = 5000)]
    processes: usize,
    /// Seconds each idle measurement runs (scaled to a minute in the report).
    #[arg(long, default_value_t = 60)]
    seconds: u64,
    /// Seconds between the UI's rescans (today's default).
    #[arg(long, default_value_t = 3.0)]
    interval: f64,
    /// Seconds between the watcher's full reconciles.
    #[arg(long, default_value_t = 10.0)]
    reconcile: f64,
    /// unshare-to-event samples.
    #[arg(long, default_value_t = 10)]
    samples: usize,
}

/// CPU time (user + system) of this whole process so far.
fn cpu_time() -> Duration {
    // SAFETY: rusage is plain data; getrusage fills it and the result is checked.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: a pointer to a live rusage.
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &raw mut usage) } != 0 {
        return Duration::ZERO;
    }
    let t = |tv: libc::timeval| Duration::new(tv.tv_sec as u64, tv.tv_usec as u32 * 1000);
    t(usage.ru_utime) + t(usage.ru_stime)
}

fn per_minute(cpu: Duration, wall: Duration) -> Duration {
    cpu.mul_f64(60.0 / wall.as_secs_f64().max(0.001))
}

pub fn run(args: &TimeArgs) -> Result<i32> {
    if !nix::unistd::geteuid().is_root() {
        bail!("needs root (process events need CAP_NET_ADMIN; the fleet makes namespaces)");
    }
    let fleet = crate::fleet::Fleet::start(args.processes, 50, 3, 600)?;
    let seen = scan::scan(&ScanOptions::default())?.processes.len();
    println!(
        "## Keeping a view current ({} processes created, {seen} seen)\n",
        fleet.processes
    );
    let wall = Duration::from_secs(args.seconds);

    // Today's UI source: a full scan every interval.
    let every = Duration::from_secs_f64(args.interval);
    let (start_cpu, start) = (cpu_time(), Instant::now());
    while start.elapsed() < wall && !crate::interrupted() {
        scan::scan(&ScanOptions::default())?;
        std::thread::sleep(every);
    }
    let rescans = per_minute(cpu_time() - start_cpu, start.elapsed());

    // The event-driven source at rest (whatever else the machine does still sends events).
    let reconcile = Duration::from_secs_f64(args.reconcile);
    let (mut watcher, why) = Watcher::start(ScanOptions::default(), reconcile, false)?;
    if let Some(err) = why {
        bail!("process events unavailable: {err}");
    }
    let (start_cpu, start) = (cpu_time(), Instant::now());
    while start.elapsed() < wall && !crate::interrupted() {
        watcher.step()?;
    }
    let events = per_minute(cpu_time() - start_cpu, start.elapsed());

    // unshare -> namespace_created in the watcher.
    let mut latencies = Vec::new();
    for _ in 0..args.samples {
        let began = Instant::now();
        let mut child = std::process::Command::new("unshare")
            .args(["--uts", "sleep", "5"])
            .spawn()
            .context("unshare")?;
        let pid = child.id() as i32;
        let deadline = began + Duration::from_secs(5);
        let mut found = None;
        while found.is_none() && Instant::now() < deadline {
            let step = watcher.step()?;
            if nsview::watch::changes(&watcher, &step).iter().any(|c| {
                matches!(c, Change::NamespaceCreated { members, .. }
                    if members.iter().any(|p| p.pid == pid))
            }) {
                found = Some(began.elapsed());
            }
        }
        let _ = child.kill();
        let _ = child.wait();
        latencies.extend(found);
    }
    latencies.sort();
    let median = latencies.get(latencies.len() / 2).copied();

    let pct = |d: Duration| d.as_secs_f64() / 60.0 * 100.0;
    println!("| source | CPU per minute at rest | share of a core |");
    println!("|---|---:|---:|");
    println!(
        "| full rescan every {} s (today's UI) | {:.0} ms | {:.2}% |",
        args.interval,
        rescans.as_secs_f64() * 1000.0,
        pct(rescans)
    );
    println!(
        "| process events + reconcile every {} s | {:.0} ms | {:.2}% |",
        args.reconcile,
        events.as_secs_f64() * 1000.0,
        pct(events)
    );
    match median {
        Some(m) => println!(
            "\nunshare to namespace_created: median {:.1} ms over {} samples ({} missed)",
            m.as_secs_f64() * 1000.0,
            latencies.len(),
            args.samples - latencies.len()
        ),
        None => println!("\nunshare to namespace_created: no sample seen"),
    }
    drop(fleet);
    Ok(0)
}
