//! Shared test helpers: the built binary, fake /proc trees, root and feature detection, and
//! bounded-lifetime helpers that clean up by PID.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A command bound to the freshly built nsview binary.
pub fn nsview() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_nsview"));
    cmd.env_remove("NSVIEW_PROC_ROOT");
    cmd.env("NO_COLOR", "1");
    cmd
}

/// The repository's fixtures directory.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// stdout as text, lossily.
pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// stderr as text, lossily.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// True when running as root; otherwise prints why the calling test is skipped.
pub fn require_root(test: &str) -> bool {
    if nix::unistd::geteuid().is_root() {
        true
    } else {
        eprintln!("SKIP {test}: needs root to create namespaces");
        false
    }
}

/// True when `program` is on PATH; otherwise prints why the calling test is skipped.
pub fn require_program(test: &str, program: &str) -> bool {
    let found = std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
        .unwrap_or(false);
    if !found {
        eprintln!("SKIP {test}: `{program}` is not installed");
    }
    found
}
