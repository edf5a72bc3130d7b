//! `nsview enter`'s arguments, validated: the one [`Config`] the rest of `enter` reads, built
//! from the command line by [`crate::config::enter`]. Plain data.

use std::path::PathBuf;

use crate::model::{Inode, NsKind, Pid};

/// Where `-r/--root` or `-w/--wd` should point after entering.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DirChoice {
    /// Not given: leave it as setns leaves it.
    Keep,
    /// Given without a value: the holder process's root or cwd (as nsenter's `-r`/`-w`).
    Holder,
    /// Given with a directory, opened before any namespace is entered (as nsenter does).
    Path(PathBuf),
}

/// Everything `enter` needs to know, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// None: `--pid` alone, as `nsenter -t PID`: that process's namespace (of `--type`, else
    /// all of them).
    pub inode: Option<Inode>,
    /// The type the user asked for: from `type:[inode]` and/or `--type` (they must agree).
    pub kind: Option<NsKind>,
    /// The 64-bit namespace id the caller saw (`--ns-id`): the namespace must still have it.
    pub ns_id: Option<u64>,
    pub all: bool,
    pub pid: Option<Pid>,
    pub root: DirChoice,
    pub wd: DirChoice,
    pub preserve_credentials: bool,
    pub uid: Option<u32>,
    pub gid: Option<u32>,
    /// Empty: run the user's shell.
    pub command: Vec<String>,
}
