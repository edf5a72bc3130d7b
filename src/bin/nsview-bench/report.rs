//! The benchmark's markdown report: one table per scale, cost per process across scales, and
//! the issue 7 targets checked against the largest scale.

use std::fmt::Write as _;
use std::time::Duration;

use crate::measure::Subject;

/// One subject at one scale.
pub struct Row {
    pub subject: Subject,
    pub median: Option<Duration>,
    pub max_rss_kib: Option<u64>,
    pub syscalls: Option<u64>,
    pub failures: usize,
}

/// Everything measured at one scale.
pub struct ScaleResult {
    /// Processes the fleet created.
    pub created: usize,
    /// Processes in /proc when measuring (the fleet plus everything else on the host).
    pub seen: usize,
    pub namespaces: usize,
    pub rows: Vec<Row>,
}

impl ScaleResult {
    fn row(&self, subject: Subject) -> Option<&Row> {
        self.rows.iter().find(|r| r.subject == subject)
    }

    fn median_ms(&self, subject: Subject) -> Option<f64> {
        Some(self.row(subject)?.median?.as_secs_f64() * 1e3)
    }

    fn us_per_process(&self, subject: Subject) -> Option<f64> {
        Some(self.median_ms(subject)? * 1e3 / self.seen.max(1) as f64)
    }

    /// The ratio column: how many times faster than lsns, or how many times the floor.
    fn ratio(&self, subject: Subject) -> Option<String> {
        let baseline = subject.baseline()?;
        let mine = self.median_ms(subject)?;
        let theirs = self.median_ms(baseline)?;
        Some(if baseline == Subject::Floor {
            format!("{:.2}× the floor", mine / theirs)
        } else if baseline == Subject::List {
            format!("{:.2}× the time of {}", mine / theirs, baseline.label())
        } else {
            format!("{:.1}× faster than {}", theirs / mine, baseline.label())
        })
    }
}

fn or_na(value: Option<String>) -> String {
    value.unwrap_or_else(|| "n/a".to_string())
}

/// The whole report.
pub fn markdown(results: &[ScaleResult], runs: usize) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# nsview-bench: {runs} interleaved runs per subject, medians\n"
    );
    for result in results {
        let _ = writeln!(
            out,
            "## {} processes created ({} in /proc), {} namespaces\n",
            result.created, result.seen, result.namespaces
        );
        out.push_str(
            "| subject | median ms | µs / process | ratio | syscalls / process | peak RSS MiB | failed runs |\n\
             |---|---:|---:|---|---:|---:|---:|\n",
        );
        for row in &result.rows {
            let subject = row.subject;
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} |",
                subject.label(),
                or_na(result.median_ms(subject).map(|v| format!("{v:.1}"))),
                or_na(result.us_per_process(subject).map(|v| format!("{v:.1}"))),
                result.ratio(subject).unwrap_or_default(),
                or_na(
                    row.syscalls
                        .map(|c| format!("{:.1}", c as f64 / result.seen.max(1) as f64))
                ),
                or_na(row.max_rss_kib.map(|k| format!("{:.1}", k as f64 / 1024.0))),
                row.failures,
            );
        }
        out.push('\n');
    }
    cost_table(&mut out, results);
    targets(&mut out, results);
    out
}

fn cost_table(out: &mut String, results: &[ScaleResult]) {
    out.push_str("## Cost per process (µs) across scales\n\n| subject |");
    for result in results {
        let _ = write!(out, " {} |", result.seen);
    }
    out.push_str("\n|---|");
    for _ in results {
        out.push_str("---:|");
    }
    out.push('\n');
    for subject in Subject::ALL {
        let _ = write!(out, "| {} |", subject.label());
        for result in results {
            let cell = or_na(result.us_per_process(subject).map(|v| format!("{v:.1}")));
            let _ = write!(out, " {cell} |");
        }
        out.push('\n');
    }
    out.push('\n');
}

fn verdict(holds: Option<bool>) -> &'static str {
    match holds {
        Some(true) => "holds",
        Some(false) => "MISSED",
        None => "n/a",
    }
}

fn targets(out: &mut String, results: &[ScaleResult]) {
    let Some(largest) = results.iter().max_by_key(|r| r.seen) else {
        return;
    };
    // The scale nearest 1,000 processes, for the flatness check.
    let middle = results
        .iter()
        .filter(|r| r.seen < largest.seen)
        .min_by_key(|r| r.seen.abs_diff(1000));
    let _ = writeln!(out, "## Targets at {} processes\n", largest.seen);

    let speedup = largest
        .median_ms(Subject::Lsns)
        .zip(largest.median_ms(Subject::List))
        .map(|(lsns, list)| lsns / list);
    let _ = writeln!(
        out,
        "- `nsview --list` ≥ 5× faster than lsns: {} ({})",
        or_na(speedup.map(|s| format!("{s:.1}×"))),
        verdict(speedup.map(|s| s >= 5.0))
    );
    let floor = largest
        .median_ms(Subject::BareScan)
        .zip(largest.median_ms(Subject::Floor))
        .map(|(bare, floor)| bare / floor);
    let _ = writeln!(
        out,
        "- bare process-link scan ≤ 1.2× the floor: {} ({})",
        or_na(floor.map(|s| format!("{s:.2}×"))),
        verdict(floor.map(|s| s <= 1.2))
    );
    for subject in [Subject::List, Subject::Scan, Subject::BareScan] {
        let growth = middle.and_then(|m| {
            Some((
                m.seen,
                largest.us_per_process(subject)? / m.us_per_process(subject)?,
            ))
        });
        let _ = writeln!(
            out,
            "- cost per process flat (≤ 1.25×) from {} to {} processes, {}: {} ({})",
            or_na(growth.map(|g| g.0.to_string())),
            largest.seen,
            subject.label(),
            or_na(growth.map(|g| format!("{:.2}×", g.1))),
            verdict(growth.map(|g| g.1 <= 1.25))
        );
    }
    for subject in [Subject::List, Subject::ListJson, Subject::TuiRefresh] {
        let rss = largest
            .row(subject)
            .and_then(|r| r.max_rss_kib)
            .map(|k| k as f64 / 1024.0);
        let _ = writeln!(
            out,
            "- peak RSS ≤ 16 MiB, {}: {} ({})",
            subject.label(),
            or_na(rss.map(|m| format!("{m:.1} MiB"))),
            verdict(rss.map(|m| m <= 16.0))
        );
    }
    let _ = writeln!(
        out,
        "- TUI refresh: {} ms (it must run off the input thread to never block keystrokes)",
        or_na(
            largest
                .median_ms(Subject::TuiRefresh)
                .map(|v| format!("{v:.1}"))
        )
    );
    let failed: usize = results
        .iter()
        .flat_map(|r| &r.rows)
        .map(|r| r.failures)
        .sum();
    let _ = writeln!(out, "- failed runs (all scales, all subjects): {failed}");
}
