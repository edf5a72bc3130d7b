//! `nsview show`: a readable (or JSON) report of what is inside one namespace.

use crate::cli::ShowArgs;
use crate::scan::ScanOptions;

/// Runs `nsview show` and returns the exit code.
pub fn run(_args: &ShowArgs, _scan: ScanOptions) -> anyhow::Result<i32> {
    anyhow::bail!("show is not built yet")
}
