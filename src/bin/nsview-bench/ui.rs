//! `nsview-bench ui`: the UI itself keeping its view current (issue 15), live on process
//! events versus polling with full rescans every 3 s, in one run per scale. The real `nsview`
//! binary runs under tmux (a terminal of its own, on a private tmux socket); measured are its
//! CPU time at rest (utime + stime of the whole process from /proc/PID/stat, threads
//! included, over `--seconds` or `--periods` whole reconcile periods as the header gives them,
//! whichever is longer, scaled to a minute) and the time from starting `unshare --uts`
//! to the new namespace showing on the screen (the filter, typed beforehand, finds it by the
//! hostname the unshare sets; the screen is read with `tmux capture-pane` every 10 ms).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

#[derive(clap::Args, Clone)]
pub struct UiArgs {
    /// Process counts to create, comma-separated (one run of both modes each).
    #[arg(long, value_delimiter = ',', default_value = "5000")]
    scales: Vec<usize>,
    /// Seconds of rest measured per mode at least (scaled to a minute in the report).
    #[arg(long, default_value_t = 60)]
    seconds: u64,
    /// ...and at least this many whole periods between full scans (the header's
    /// "reconcile 100s"), so a window never leaves a reconcile out or counts one twice.
    #[arg(long, default_value_t = 3)]
    periods: u32,
    /// Seconds between the polling UI's rescans (today's default).
    #[arg(long, default_value_t = 3.0)]
    interval: f64,
    /// Seconds between the live UI's full reconciles (`--interval`); without it the UI keeps
    /// its default (60 s, stretched to stay within 0.5% of a core on a big host).
    #[arg(long)]
    reconcile: Option<f64>,
    /// unshare-to-screen samples per mode.
    #[arg(long, default_value_t = 5)]
    samples: usize,
}

/// One UI under test: a tmux server of its own, killed (by its socket) on drop.
struct Pane {
    socket: String,
}

impl Pane {
    fn start(name: &str, command: &str) -> Result<Pane> {
        let pane = Pane {
            socket: format!("nsview-bench-{name}-{}", std::process::id()),
        };
        pane.tmux(&[
            "new-session",
            "-d",
            "-x",
            "160",
            "-y",
            "48",
            "-s",
            &pane.socket,
            command,
        ])?;
        Ok(pane)
    }

    fn tmux(&self, args: &[&str]) -> Result<String> {
        let out = Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .stdin(Stdio::null())
            .output()
            .context("running tmux")?;
        if !out.status.success() {
            bail!(
                "tmux {args:?}: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-t", &self.socket])
            .unwrap_or_default()
    }

    fn keys(&self, keys: &[&str]) -> Result<()> {
        let mut args = vec!["send-keys", "-t", self.socket.as_str()];
        args.extend_from_slice(keys);
        self.tmux(&args).map(|_| ())
    }

    /// Polls the screen every 10 ms until `done`; the time it took.
    fn wait_for(
        &self,
        what: &str,
        limit: Duration,
        done: impl Fn(&str) -> bool,
    ) -> Result<Duration> {
        let began = Instant::now();
        loop {
            if done(&self.screen()) {
                return Ok(began.elapsed());
            }
            if began.elapsed() > limit || crate::interrupted() {
                bail!("no {what} within {limit:?}; screen:\n{}", self.screen());
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn pid(&self) -> Result<i32> {
        self.tmux(&["display-message", "-p", "-t", &self.socket, "#{pane_pid}"])?
            .trim()
            .parse()
            .context("the pane's pid")
    }
}

impl Drop for Pane {
    fn drop(&mut self) {
        let _ = self.tmux(&["kill-server"]);
    }
}

/// utime + stime of a whole process (every thread, living and ended).
pub(crate) fn cpu_of(pid: i32) -> Result<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // Fields after the command (which may hold spaces) in parentheses.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line: 12 and 13 after the ')'.
    let ticks = |i: usize| -> Result<u64> {
        fields
            .get(i)
            .and_then(|f| f.parse().ok())
            .context("a /proc/PID/stat time field")
    };
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    let total = ticks(11)? + ticks(12)?;
    Ok(Duration::from_millis(total * 1000 / hz))
}

/// The time between full scans that a header states ("live · reconcile 100s", "polling 3s",
/// "… 2m").
fn header_period(header: &str) -> Option<Duration> {
    let after = header
        .split_once("reconcile ")
        .or_else(|| header.split_once("polling "))?
        .1;
    let word = after.split_whitespace().next()?;
    let seconds = match word.strip_suffix('m') {
        Some(minutes) => minutes.parse::<f64>().ok()? * 60.0,
        None => word.strip_suffix('s')?.parse::<f64>().ok()?,
    };
    Some(Duration::from_secs_f64(seconds))
}

/// What one mode measured.
struct Figures {
    label: String,
    /// The window measured, and the period between full scans the header gave.
    window: Duration,
    period: Option<Duration>,
    cpu_per_minute: Duration,
    latencies: Vec<Duration>,
    missed: usize,
}

fn measure_mode(
    nsview: &Path,
    args: &UiArgs,
    label: String,
    flags: &str,
    header_says: &str,
) -> Result<Figures> {
    let pane = Pane::start(
        header_says,
        &format!("exec env NO_COLOR=1 {} {flags}", nsview.display()),
    )?;
    // The first scan shown (the status line counts it), and the mode in the header.
    pane.wait_for("first scan", Duration::from_secs(180), |s| {
        s.contains("namespaces,") && s.lines().next().is_some_and(|h| h.contains(header_says))
    })?;
    let pid = pane.pid()?;
    // Let the first names and the first redraws pass.
    std::thread::sleep(Duration::from_secs(2));
    let period = pane.screen().lines().next().and_then(header_period);
    let (cpu0, t0) = (cpu_of(pid)?, Instant::now());
    let rest = Duration::from_secs(args.seconds).max(period.unwrap_or_default() * args.periods);
    while t0.elapsed() < rest && !crate::interrupted() {
        std::thread::sleep(Duration::from_millis(200));
    }
    let cpu = cpu_of(pid)?.saturating_sub(cpu0);
    let window = t0.elapsed();
    let cpu_per_minute = cpu.mul_f64(60.0 / window.as_secs_f64().max(0.001));

    let mut latencies = Vec::new();
    let mut missed = 0;
    for sample in 0..args.samples {
        if crate::interrupted() {
            bail!("interrupted");
        }
        let tag = format!("nsbench-{}-{sample}", std::process::id());
        pane.keys(&["/"])?;
        pane.keys(&["-l", &tag])?;
        pane.keys(&["Enter"])?;
        pane.wait_for("the filter", Duration::from_secs(30), |s| {
            s.lines()
                .next()
                .is_some_and(|h| h.contains(&format!("/{tag}  no match")))
        })?;
        let began = Instant::now();
        let mut child = Command::new("unshare")
            .args([
                "--uts",
                "sh",
                "-c",
                &format!("hostname {tag} && exec sleep 120"),
            ])
            .stdin(Stdio::null())
            .spawn()
            .context("unshare")?;
        // Twice the polling interval at least: polling shows it at its next rescan.
        let limit = Duration::from_secs_f64(args.interval * 2.0 + 10.0);
        let seen = pane.wait_for("the new namespace", limit, |s| {
            s.lines()
                .next()
                .is_some_and(|h| h.contains(&format!("/{tag}  1 namespace")))
        });
        let _ = child.kill();
        let _ = child.wait();
        match seen {
            Ok(_) => latencies.push(began.elapsed()),
            Err(err) => {
                eprintln!("nsview-bench ui: {label}: {err:#}");
                missed += 1;
            }
        }
        pane.keys(&["Escape"])?;
        pane.wait_for("the filter cleared", Duration::from_secs(30), |s| {
            s.lines().next().is_some_and(|h| !h.contains(" /"))
        })?;
    }
    pane.keys(&["q"])?;
    latencies.sort();
    Ok(Figures {
        label,
        window,
        period,
        cpu_per_minute,
        latencies,
        missed,
    })
}

pub fn run(args: &UiArgs) -> Result<i32> {
    if !nix::unistd::geteuid().is_root() {
        bail!("needs root (process events, and the fleet makes namespaces)");
    }
    let status = Command::new("tmux")
        .arg("-V")
        .stdout(Stdio::null())
        .status();
    if !status.is_ok_and(|s| s.success()) {
        bail!("needs tmux (the UI runs in a terminal of its own)");
    }
    let nsview = crate::measure::Programs::find()?.nsview;
    if !nsview.is_file() {
        bail!("{} not found: build it first", nsview.display());
    }
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let mut out = String::from(
        "| processes created | UI | full scan every | measured over | CPU per minute at rest | share of a core | unshare to shown: median (min–max) |\n|---:|---|---:|---:|---:|---:|---|\n",
    );
    let mut ratios = Vec::new();
    for &scale in &args.scales {
        eprintln!("nsview-bench ui: starting about {scale} processes");
        let fleet = crate::fleet::Fleet::start(scale, 50, 3, 900)?;
        let seen = nsview::scan::scan(&nsview::scan::ScanOptions::default())?
            .processes
            .len();
        let (label, flags) = match args.reconcile {
            Some(every) => (
                format!("live, reconcile every {every} s"),
                format!("--interval {every}"),
            ),
            None => ("live, default reconcile".to_string(), String::new()),
        };
        let live = measure_mode(&nsview, args, label, &flags, "live")?;
        let polling = measure_mode(
            &nsview,
            args,
            format!("polling, rescan every {} s", args.interval),
            &format!("--poll --interval {}", args.interval),
            "polling",
        )?;
        for figures in [&live, &polling] {
            let latency = match (figures.latencies.first(), figures.latencies.last()) {
                (Some(min), Some(max)) => format!(
                    "{:.0} ms ({:.0}–{:.0}){}",
                    ms(figures.latencies[figures.latencies.len() / 2]),
                    ms(*min),
                    ms(*max),
                    if figures.missed > 0 {
                        format!(", {} missed", figures.missed)
                    } else {
                        String::new()
                    }
                ),
                _ => format!("none seen ({} missed)", figures.missed),
            };
            out.push_str(&format!(
                "| {} ({seen} in /proc) | {} | {} | {:.0} s | {:.0} ms | {:.2}% | {latency} |\n",
                fleet.processes,
                figures.label,
                figures
                    .period
                    .map_or("?".to_string(), |p| format!("{:.0} s", p.as_secs_f64())),
                figures.window.as_secs_f64(),
                ms(figures.cpu_per_minute),
                ms(figures.cpu_per_minute) / 600.0,
            ));
        }
        ratios.push((
            fleet.processes,
            polling.cpu_per_minute.as_secs_f64() / live.cpu_per_minute.as_secs_f64().max(1e-6),
        ));
        drop(fleet);
    }
    println!("## The UI at rest: live on process events vs polling\n");
    print!("{out}");
    for (processes, ratio) in ratios {
        println!("\nAt {processes} processes polling costs {ratio:.1}× the live UI's CPU at rest.");
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn periods_from_headers() {
        let table = [
            (
                "nsview … live · reconcile 100s  scanned 3s ago",
                Some(100.0),
            ),
            ("nsview … live · reconcile 2m", Some(120.0)),
            ("nsview … polling 3s", Some(3.0)),
            ("nsview … polling 1.5s", Some(1.5)),
            ("nsview … live", None),
            ("nsview … paused", None),
        ];
        for (header, seconds) in table {
            assert_eq!(
                super::header_period(header).map(|d| d.as_secs_f64()),
                seconds,
                "{header}"
            );
        }
    }
}
