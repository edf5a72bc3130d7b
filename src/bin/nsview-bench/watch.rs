//! `nsview-bench watch`: what a long-running `nsview watch` costs at rest, with its default
//! reconcile (10 s, stretched to stay within 1% of a core) beside a fixed `--reconcile`, in
//! one run per scale. Measured is the CPU time (utime + stime of the whole process, from
//! /proc/PID/stat) over `--seconds` or `--periods` whole reconcile periods as its ready line
//! states them, whichever is longer, scaled to a minute.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

#[derive(clap::Args, Clone)]
pub struct WatchArgs {
    /// Process counts to create, comma-separated (one run of both modes each).
    #[arg(long, value_delimiter = ',', default_value = "5000")]
    scales: Vec<usize>,
    /// Seconds of rest measured per mode at least (scaled to a minute in the report).
    #[arg(long, default_value_t = 60)]
    seconds: u64,
    /// ...and at least this many whole reconcile periods.
    #[arg(long, default_value_t = 3)]
    periods: u32,
    /// The fixed reconcile compared with the default (the default before it had a budget).
    #[arg(long, default_value_t = 10.0)]
    reconcile: f64,
}

/// A running `nsview watch`, killed and reaped by PID on drop.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The period a ready line states: "… a full scan every 52.3 s (at most …)".
fn stated_period(line: &str) -> Option<Duration> {
    let after = line.split_once("a full scan every ")?.1;
    let seconds: f64 = after.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_secs_f64(seconds))
}

struct Figures {
    label: String,
    period: Option<Duration>,
    window: Duration,
    cpu_per_minute: Duration,
}

fn measure_mode(nsview: &std::path::Path, args: &WatchArgs, flags: &[&str]) -> Result<Figures> {
    let mut child = Command::new(nsview)
        .arg("watch")
        .args(flags)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .context("start nsview watch")?;
    let stderr = child.stderr.take().context("its stderr")?;
    let watch = Running(child);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let ready = rx
        .recv_timeout(Duration::from_secs(180))
        .context("nsview watch said nothing within 180 s")?;
    if !ready.contains("watching process events") {
        bail!("nsview watch is not on process events: {ready}");
    }
    let period = stated_period(&ready);
    let pid = i32::try_from(watch.0.id()).context("pid")?;
    // Let the first hostname pass end.
    std::thread::sleep(Duration::from_secs(2));
    let (cpu0, t0) = (crate::ui::cpu_of(pid)?, Instant::now());
    let rest = Duration::from_secs(args.seconds).max(period.unwrap_or_default() * args.periods);
    while t0.elapsed() < rest && !crate::interrupted() {
        std::thread::sleep(Duration::from_millis(200));
    }
    let cpu = crate::ui::cpu_of(pid)?.saturating_sub(cpu0);
    let window = t0.elapsed();
    let label = if flags.contains(&"--reconcile") {
        format!("`watch {}`", flags.join(" "))
    } else {
        format!("`watch {}` (default reconcile)", flags.join(" "))
    };
    Ok(Figures {
        label,
        period,
        window,
        cpu_per_minute: cpu.mul_f64(60.0 / window.as_secs_f64().max(0.001)),
    })
}

pub fn run(args: &WatchArgs) -> Result<i32> {
    if !nix::unistd::geteuid().is_root() {
        bail!("needs root (process events, and the fleet makes namespaces)");
    }
    let nsview = crate::measure::Programs::find()?.nsview;
    if !nsview.is_file() {
        bail!("{} not found: build it first", nsview.display());
    }
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let fixed = args.reconcile.to_string();
    let mut out = String::from(
        "| processes created | watch | full scan every | measured over | CPU per minute at rest | share of a core |\n|---:|---|---:|---:|---:|---:|\n",
    );
    let mut ratios = Vec::new();
    for &scale in &args.scales {
        eprintln!("nsview-bench watch: starting about {scale} processes");
        let fleet = crate::fleet::Fleet::start(scale, 50, 3, 900)?;
        let default = measure_mode(&nsview, args, &["-J"])?;
        let fixed = measure_mode(&nsview, args, &["-J", "--reconcile", &fixed])?;
        for figures in [&default, &fixed] {
            out.push_str(&format!(
                "| {} | {} | {} | {:.0} s | {:.0} ms | {:.2}% |\n",
                fleet.processes,
                figures.label,
                figures
                    .period
                    .map_or("?".to_string(), |p| format!("{:.1} s", p.as_secs_f64())),
                figures.window.as_secs_f64(),
                ms(figures.cpu_per_minute),
                ms(figures.cpu_per_minute) / 600.0,
            ));
        }
        ratios.push((
            fleet.processes,
            fixed.cpu_per_minute.as_secs_f64() / default.cpu_per_minute.as_secs_f64().max(1e-6),
        ));
    }
    println!("## nsview watch at rest: default reconcile vs every {fixed} s\n");
    print!("{out}");
    for (processes, ratio) in ratios {
        println!(
            "\nAt {processes} processes a fixed {fixed} s reconcile costs {ratio:.1}× the default's CPU."
        );
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn periods_from_ready_lines() {
        let table = [
            (
                "nsview: watching process events, a full scan every 52.3 s (at most 1% of a core; --reconcile sets it)",
                Some(52.3),
            ),
            ("nsview: polling, a full scan every 10 s", Some(10.0)),
            ("nsview: watching process events", None),
        ];
        for (line, seconds) in table {
            assert_eq!(
                super::stated_period(line).map(|d| d.as_secs_f64()),
                seconds,
                "{line}"
            );
        }
    }
}
