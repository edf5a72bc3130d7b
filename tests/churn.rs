//! Churn at CI scale (issue 7): processes (and, as root, namespaces) come and go on a
//! background thread while the scanner and `nsview --list` run again and again. Every run must
//! succeed, print whole rows, and count namespaces consistently with the processes it read.
//! The checks live in the benchmark's churn mode, shared here by path; `nsview-bench churn`
//! runs the full 100/100 version.

#[allow(dead_code)]
#[path = "../src/bin/nsview-bench/churn.rs"]
mod churn_impl;

use std::path::Path;

use churn_impl::{ChurnArgs, Tally};

fn churn(subjects: &[&str], runs: usize) -> Vec<(String, Tally)> {
    let args = ChurnArgs {
        runs,
        subjects: subjects.iter().map(|s| s.to_string()).collect(),
        width: 16,
        no_namespaces: false,
        nsview: None,
    };
    let nsview = Path::new(env!("CARGO_BIN_EXE_nsview"));
    let (tallies, stats) = churn_impl::run(&args, nsview, &|| true);
    assert!(stats.spawned > 0, "the churner spawned nothing");
    tallies
}

fn assert_all_passed(tallies: &[(String, Tally)]) {
    for (subject, tally) in tallies {
        assert_eq!(
            tally.failed,
            0,
            "{subject}: {} of {} runs failed; first: {:?}",
            tally.failed,
            tally.passed + tally.failed,
            tally.first_failure
        );
        assert!(tally.passed > 0, "{subject} never ran");
    }
}

#[test]
fn scanner_stays_consistent_under_churn() {
    assert_all_passed(&churn(&["lib"], 30));
}

#[test]
fn list_never_fails_or_tears_under_churn() {
    assert_all_passed(&churn(&["list", "list-json"], 15));
}
