//! The interactive terminal UI.

use crate::cli::TuiArgs;
use crate::scan::ScanOptions;

/// Runs the UI and returns the exit code.
pub fn run(_args: &TuiArgs, _scan: ScanOptions) -> anyhow::Result<i32> {
    anyhow::bail!("the UI is not built yet; use --list")
}
