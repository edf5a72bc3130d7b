//! The population a benchmark scale runs against: N bounded-lifetime sleepers spread over sets
//! of fresh namespaces of every type, plus namespaces no process is in (`ip netns` bind mounts
//! and nsfs fds this process holds).
//!
//! Everything is torn down by PID in [`Fleet`]'s `Drop` (also on error and, through the
//! harness's SIGINT handler, on Ctrl-C): each set is its own process group, created here, and
//! the sleepers exit by themselves after `lifetime` seconds in any case.

use std::io::{BufRead, BufReader};
use std::os::fd::OwnedFd;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::churn::ALL_TYPES;

/// One set of fresh namespaces: `unshare` (our child, its own process group) and the
/// sleepers forked inside its new pid namespace.
struct Set {
    unshare: Child,
}

/// A running population; dropping it kills and reaps everything it made.
pub struct Fleet {
    sets: Vec<Set>,
    netns_names: Vec<String>,
    /// nsfs fds whose namespaces have no process left: only these fds keep them alive.
    held: Vec<OwnedFd>,
    /// Processes created (unshare + sleepers per set).
    pub processes: usize,
}

impl Fleet {
    /// Starts about `processes` processes in sets of `set_size` (one `unshare` plus
    /// `set_size - 1` sleepers each), then `extra` process-less namespaces of each holder kind.
    pub fn start(processes: usize, set_size: usize, extra: usize, lifetime: u32) -> Result<Fleet> {
        let set_size = set_size.max(2);
        let mut fleet = Fleet {
            sets: Vec::new(),
            netns_names: Vec::new(),
            held: Vec::new(),
            processes: 0,
        };
        let mut remaining = processes;
        // Start every set first, then wait for them all: the forks overlap.
        while remaining >= 2 {
            let members = remaining.min(set_size) - 1;
            fleet.sets.push(spawn_set(members, lifetime)?);
            fleet.processes += members + 1;
            remaining -= members + 1;
        }
        for set in &mut fleet.sets {
            wait_ready(&mut set.unshare)?;
        }
        for i in 0..extra {
            fleet.add_netns(i)?;
            fleet.add_fd_held(lifetime)?;
        }
        Ok(fleet)
    }

    fn add_netns(&mut self, i: usize) -> Result<()> {
        let name = format!("nsview-bench-{}-{i}", std::process::id());
        let status = Command::new("ip")
            .args(["netns", "add", &name])
            .stderr(Stdio::null())
            .status()
            .context("cannot run ip")?;
        if status.success() {
            self.netns_names.push(name);
        } else {
            eprintln!("nsview-bench: `ip netns add {name}` failed; continuing without it");
        }
        Ok(())
    }

    /// A child unshares uts, ipc and net, we open its three ns files, then it is killed: our
    /// fds are the only thing left holding those namespaces.
    fn add_fd_held(&mut self, lifetime: u32) -> Result<()> {
        let mut child = spawn_unshare(
            &["--uts", "--ipc", "--net"],
            &format!("echo ready; exec sleep {lifetime}"),
        )?;
        let ready = wait_ready(&mut child);
        let pid = child.id();
        let mut opened = Vec::new();
        if ready.is_ok() {
            for kind in ["uts", "ipc", "net"] {
                let path =
                    nsview::kernel::NsPath::ProcLink(format!("/proc/{pid}/ns/{kind}").into());
                if let Ok(file) = nsview::kernel::nsfs::open(&path, None) {
                    opened.push(file.into_fd());
                }
            }
        }
        let _ = child.kill();
        let _ = child.wait();
        ready?;
        self.held.extend(opened);
        Ok(())
    }
}

fn spawn_set(members: usize, lifetime: u32) -> Result<Set> {
    // The shell becomes pid 1 of the new pid namespace; it forks the other sleepers, says
    // ready, and turns into a sleeper itself.
    let script = format!(
        "i=1; while [ $i -lt {members} ]; do sleep {lifetime} & i=$((i+1)); done; \
         echo ready; exec sleep {lifetime}"
    );
    let unshare = spawn_unshare(&ALL_TYPES, &script)?;
    Ok(Set { unshare })
}

/// `unshare FLAGS -- sh -c SCRIPT` in a process group of its own, stdout piped for "ready".
fn spawn_unshare(flags: &[&str], script: &str) -> Result<Child> {
    Command::new("unshare")
        .args(flags)
        .args(["--", "sh", "-c", script])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .context("cannot run unshare")
}

/// Waits for the child's "ready" line (60 s at most).
fn wait_ready(child: &mut Child) -> Result<()> {
    let Some(stdout) = child.stdout.take() else {
        bail!("no stdout pipe");
    };
    let start = Instant::now();
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line)?;
    if line.trim() != "ready" {
        bail!(
            "a namespace set did not start (unshare {}; needs root and a kernel with all \
             namespace types)",
            child.id()
        );
    }
    if start.elapsed() > Duration::from_secs(60) {
        bail!("starting a namespace set took over a minute");
    }
    Ok(())
}

impl Drop for Fleet {
    fn drop(&mut self) {
        for set in &mut self.sets {
            // Our own process group: unshare, the pid-namespace init and its sleepers. Killing
            // the init also kills everything in its pid namespace.
            let pgid = set.unshare.id() as libc::pid_t;
            // SAFETY: plain kill(2) on a process group this harness created.
            unsafe { libc::kill(-pgid, libc::SIGKILL) };
        }
        for set in &mut self.sets {
            let _ = set.unshare.wait();
        }
        for name in &self.netns_names {
            let _ = Command::new("ip")
                .args(["netns", "delete", name])
                .stderr(Stdio::null())
                .status();
        }
        self.held.clear();
    }
}
