//! `nsview enter`: resolve a namespace to a holder, open and verify it, setns in a
//! single-threaded child, run the command, pass its status through.

use crate::cli::EnterArgs;
use crate::scan::ScanOptions;

/// Runs `nsview enter` and returns the exit code.
pub fn run(_args: &EnterArgs, _scan: ScanOptions) -> anyhow::Result<i32> {
    anyhow::bail!("enter is not built yet")
}
