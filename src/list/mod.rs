//! `nsview --list`: the lsns-compatible face (columns, table, raw, JSON, trees, filters).

pub mod filter;

use crate::cli::ListArgs;
use crate::scan::ScanOptions;

/// Runs list mode and returns the exit code.
pub fn run(_args: &ListArgs, _scan: ScanOptions) -> anyhow::Result<i32> {
    anyhow::bail!("--list is not built yet")
}
