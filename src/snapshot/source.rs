//! Where a face's snapshot comes from: a live scan now, or a saved file (`--from FILE`). The
//! one place that decides, so `list`, `show`, the UI, `leaks` and `diff` do not care.

use std::path::PathBuf;

use anyhow::Result;

use super::SnapshotFile;
use crate::scan::ScanOptions;

/// A provider of snapshots.
#[derive(Clone, Debug)]
pub enum Source {
    /// Scan the proc root (every call scans again).
    Live(ScanOptions),
    /// A saved snapshot: every call returns the same contents, read-only.
    File(PathBuf),
}

impl Source {
    /// `--from FILE` when given, else the live scan with these options.
    pub fn new(from: Option<PathBuf>, scan: ScanOptions) -> Source {
        match from {
            Some(path) => Source::File(path),
            None => Source::Live(scan),
        }
    }

    /// A `diff` operand: None (`-`) is a live scan now, else the file.
    pub fn operand(file: Option<&std::path::Path>, scan: &ScanOptions) -> Source {
        match file {
            None => Source::Live(scan.clone()),
            Some(path) => Source::File(path.to_path_buf()),
        }
    }

    pub fn is_live(&self) -> bool {
        matches!(self, Source::Live(_))
    }

    /// The live scan's options, None for a file.
    pub fn live_options(&self) -> Option<&ScanOptions> {
        match self {
            Source::Live(options) => Some(options),
            Source::File(_) => None,
        }
    }

    /// One snapshot: scanned now (with `details`, also what is inside every namespace), or
    /// loaded (a file has details or not as it was taken).
    pub fn read(&self, details: bool) -> Result<SnapshotFile> {
        match self {
            Source::Live(options) => super::take(options, details),
            Source::File(path) => super::load(path),
        }
    }

    /// A short name for messages and headers: "live" or the file's path.
    pub fn describe(&self) -> String {
        match self {
            Source::Live(_) => "live".to_string(),
            Source::File(path) => path.display().to_string(),
        }
    }
}
