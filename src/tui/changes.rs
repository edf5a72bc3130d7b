//! What changed between scans, kept long enough to be found: namespaces and processes that
//! appeared are marked, and those that vanished stay on screen as ghosts, for [`MARK_FOR`]
//! after the scan that saw the change (a time, not a number of scans, so a fast refresh does
//! not wipe them before anyone looks). Pure: the caller passes the time.

use std::collections::{BTreeMap, HashMap, HashSet};
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
            walk(
                &old.namespaces,
                &fresh.namespaces,
                |inode, ns| {
                    self.ghost_ns.insert(inode, (ns.clone(), now));
                },
                |inode| {
                    self.appeared_ns.insert(inode, now);
                },
            );
            walk(
                &old.processes,
                &fresh.processes,
                |pid, process| {
                    let user = old.user_names.get(&process.uid).cloned();
                    self.ghost_pids.insert(pid, (process.clone(), now, user));
                },
                |pid| {
                    self.appeared_pids.insert(pid, now);
                },
            );
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

/// One pass over two maps' keys in order (both are sorted): `gone` for each key only `old` has,
/// `came` for each only `fresh` has. Two scans' maps are mostly the same keys, so this is a
/// merge rather than a lookup per key.
fn walk<K: Ord + Copy, V>(
    old: &BTreeMap<K, V>,
    fresh: &BTreeMap<K, V>,
    mut gone: impl FnMut(K, &V),
    mut came: impl FnMut(K),
) {
    let mut old = old.iter().map(|(k, v)| (*k, v)).peekable();
    let mut fresh = fresh.keys().copied().peekable();
    loop {
        match (old.peek(), fresh.peek()) {
            (None, None) => return,
            (Some(&(o, v)), None) => {
                gone(o, v);
                old.next();
            }
            (None, Some(&f)) => {
                came(f);
                fresh.next();
            }
            (Some(&(o, v)), Some(&f)) => match o.cmp(&f) {
                std::cmp::Ordering::Less => {
                    gone(o, v);
                    old.next();
                }
                std::cmp::Ordering::Greater => {
                    came(f);
                    fresh.next();
                }
                std::cmp::Ordering::Equal => {
                    old.next();
                    fresh.next();
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::walk;
    use std::collections::BTreeMap;

    #[test]
    fn walk_finds_what_went_and_what_came() {
        let old: BTreeMap<u32, char> = [(1, 'a'), (3, 'c'), (4, 'd'), (9, 'i')].into();
        let fresh: BTreeMap<u32, char> = [(2, 'b'), (3, 'c'), (9, 'i'), (10, 'j')].into();
        let (mut gone, mut came) = (Vec::new(), Vec::new());
        walk(&old, &fresh, |k, v| gone.push((k, *v)), |k| came.push(k));
        assert_eq!(gone, [(1, 'a'), (4, 'd')]);
        assert_eq!(came, [2, 10]);
        let empty = BTreeMap::new();
        let (mut gone, mut came) = (Vec::new(), Vec::new());
        walk(&empty, &fresh, |k, v| gone.push((k, *v)), |k| came.push(k));
        assert!(gone.is_empty());
        assert_eq!(came, [2, 3, 9, 10]);
    }
}
