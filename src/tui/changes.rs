//! What changed between scans, kept long enough to be found: namespaces and processes that
//! appeared are marked, and those that vanished stay on screen as ghosts, for [`MARK_FOR`]
//! after the scan that saw the change (a time, not a number of scans, so a fast refresh does
//! not wipe them before anyone looks). Pure: the caller passes the time.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use crate::model::{Inode, Namespace, NsKind, Pid, Process, Snapshot};

/// How long a change stays marked.
pub const MARK_FOR: Duration = Duration::from_secs(30);

/// The marks and ghosts across scans.
#[derive(Debug, Default)]
pub struct Changes {
    appeared_ns: HashMap<Inode, Instant>,
    appeared_pids: HashMap<Pid, Instant>,
    ghost_ns: HashMap<Inode, (Namespace, Instant)>,
    ghost_pids: HashMap<Pid, (Process, Instant, Option<String>)>,
}

/// The marks as sets, for drawing.
#[derive(Debug, Default, Clone)]
pub struct Marks {
    pub appeared_ns: HashSet<Inode>,
    pub vanished_ns: HashSet<Inode>,
    pub appeared_pids: HashSet<Pid>,
    pub vanished_pids: HashSet<Pid>,
}

impl Changes {
    /// Compares `fresh` with the previous scan `old` (None: the first scan, nothing is new),
    /// forgets marks older than [`MARK_FOR`], and returns what to display: `fresh` plus the
    /// ghosts, with the marks.
    pub fn apply(
        &mut self,
        old: Option<&Snapshot>,
        fresh: &Snapshot,
        now: Instant,
    ) -> (Snapshot, Marks) {
        if let Some(old) = old {
            for inode in fresh.namespaces.keys() {
                if !old.namespaces.contains_key(inode) {
                    self.appeared_ns.insert(*inode, now);
                }
            }
            for pid in fresh.processes.keys() {
                if !old.processes.contains_key(pid) {
                    self.appeared_pids.insert(*pid, now);
                }
            }
            for (inode, ns) in &old.namespaces {
                if !fresh.namespaces.contains_key(inode) {
                    self.ghost_ns.insert(*inode, (ns.clone(), now));
                }
            }
            for (pid, process) in &old.processes {
                if !fresh.processes.contains_key(pid) {
                    let user = old.user_names.get(&process.uid).cloned();
                    self.ghost_pids.insert(*pid, (process.clone(), now, user));
                }
            }
        }
        let fresh_enough = |at: &Instant| now.saturating_duration_since(*at) < MARK_FOR;
        self.appeared_ns
            .retain(|inode, at| fresh_enough(at) && fresh.namespaces.contains_key(inode));
        self.appeared_pids
            .retain(|pid, at| fresh_enough(at) && fresh.processes.contains_key(pid));
        // A ghost that is back (an inode or pid seen again) is no ghost.
        self.ghost_ns
            .retain(|inode, (_, at)| fresh_enough(at) && !fresh.namespaces.contains_key(inode));
        self.ghost_pids
            .retain(|pid, (_, at, _)| fresh_enough(at) && !fresh.processes.contains_key(pid));

        let mut display = fresh.clone();
        for (inode, (ns, _)) in &self.ghost_ns {
            display.namespaces.insert(*inode, ns.clone());
        }
        for (pid, (process, _, user)) in &self.ghost_pids {
            display.processes.insert(*pid, process.clone());
            for kind in NsKind::ALL {
                if let Some(inode) = process.ns(kind)
                    && !self.ghost_ns.contains_key(&inode)
                    && let Some(ns) = display.namespaces.get_mut(&inode)
                    && let Err(at) = ns.members.binary_search(pid)
                {
                    ns.members.insert(at, *pid);
                }
            }
            if let Some(name) = user {
                display
                    .user_names
                    .entry(process.uid)
                    .or_insert_with(|| name.clone());
            }
        }
        let marks = Marks {
            appeared_ns: self.appeared_ns.keys().copied().collect(),
            vanished_ns: self.ghost_ns.keys().copied().collect(),
            appeared_pids: self.appeared_pids.keys().copied().collect(),
            vanished_pids: self.ghost_pids.keys().copied().collect(),
        };
        (display, marks)
    }
}
