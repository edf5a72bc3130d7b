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
    ghost_pids: HashMap<Pid, Ghost>,
}

/// A process that vanished, as the last scan that saw it had it.
#[derive(Debug)]
struct Ghost {
    process: Process,
    vanished_at: Instant,
    user: Option<String>,
    /// The ids of the namespaces it was in, by type: its inodes may go to new namespaces
    /// (nsfs hands a freed inode to the next one made), and it is shown only in the ones it
    /// was in, not in a stranger on the same inode whose name it would then wear.
    ns_ids: Vec<(NsKind, Option<u64>)>,
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
            // A namespace on a reused inode (another namespace id) and a process on a reused
            // pid (another start time) are new, not the same one seen again: nsfs hands an
            // inode to the next namespace at once, and both can happen between two updates.
            walk(
                &old.namespaces,
                &fresh.namespaces,
                Namespace::is_same_as,
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
                Process::is_same_as,
                |pid, process| {
                    let ns_ids = NsKind::ALL
                        .into_iter()
                        .filter_map(|kind| {
                            let ns = old.namespaces.get(&process.ns(kind)?)?;
                            Some((kind, ns.ns_id))
                        })
                        .collect();
                    let ghost = Ghost {
                        process: process.clone(),
                        vanished_at: now,
                        user: old.user_names.get(&process.uid).cloned(),
                        ns_ids,
                    };
                    self.ghost_pids.insert(pid, ghost);
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
        self.ghost_pids.retain(|pid, ghost| {
            fresh_enough(&ghost.vanished_at) && !fresh.processes.contains_key(pid)
        });

        let mut display = fresh.clone();
        for (inode, (ns, _)) in &self.ghost_ns {
            display.namespaces.insert(*inode, ns.clone());
        }
        for (pid, ghost) in &self.ghost_pids {
            let process = &ghost.process;
            display.processes.insert(*pid, process.clone());
            for &(kind, ns_id) in &ghost.ns_ids {
                if let Some(inode) = process.ns(kind)
                    && !self.ghost_ns.contains_key(&inode)
                    && let Some(ns) = display.namespaces.get_mut(&inode)
                    && ns.could_be(kind, ns_id)
                    && let Err(at) = ns.members.binary_search(pid)
                {
                    ns.members.insert(at, *pid);
                }
            }
            if let Some(name) = &ghost.user {
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
/// `came` for each only `fresh` has, and also for a key both have whose values are not `same`
/// (a new one under a reused key). Two scans' maps are mostly the same keys, so this is a merge
/// rather than a lookup per key.
fn walk<K: Ord + Copy, V>(
    old: &BTreeMap<K, V>,
    fresh: &BTreeMap<K, V>,
    same: impl Fn(&V, &V) -> bool,
    mut gone: impl FnMut(K, &V),
    mut came: impl FnMut(K),
) {
    use itertools::{EitherOrBoth, Itertools};
    for pair in old.iter().merge_join_by(fresh, |(o, _), (f, _)| o.cmp(f)) {
        match pair {
            EitherOrBoth::Left((&key, value)) => gone(key, value),
            EitherOrBoth::Right((&key, _)) => came(key),
            EitherOrBoth::Both((_, before), (&key, now)) if !same(before, now) => came(key),
            EitherOrBoth::Both(..) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Changes, walk};
    use crate::model::{Namespace, NsKind, Pid, Snapshot};
    use crate::tui::sample::{self, CONTAINER_MNT, CONTAINER_UTS};
    use std::collections::BTreeMap;
    use std::time::Instant;

    #[test]
    fn a_namespace_on_a_reused_inode_is_marked_new() {
        let snapshot = |ns_id: Option<u64>| {
            let mut ns = Namespace::new(4026532177, NsKind::Uts);
            ns.ns_id = ns_id;
            let mut s = Snapshot::default();
            s.namespaces.insert(ns.inode, ns);
            s
        };
        let now = Instant::now();
        for (before, after, new) in [
            (Some(7), Some(9), true),
            (Some(7), Some(7), false),
            // An id not known on one side (an old snapshot): the inode decides.
            (None, Some(9), false),
            (Some(7), None, false),
        ] {
            let mut changes = Changes::default();
            changes.apply(None, &snapshot(before), now);
            let (_, marks) = changes.apply(Some(&snapshot(before)), &snapshot(after), now);
            assert_eq!(
                marks.appeared_ns.contains(&4026532177),
                new,
                "{before:?} -> {after:?}"
            );
            assert!(marks.vanished_ns.is_empty(), "one row: the new one");
        }
    }

    #[test]
    fn a_ghost_process_stays_only_in_the_namespaces_it_was_in() {
        // The container's processes exit, and in the same update a new UTS namespace takes
        // the inode of theirs (another id): on screen they stay in their other namespaces, but
        // not in the stranger's, whose hostname they would then wear.
        let old = sample::small();
        let gone: Vec<Pid> = old.namespaces[&CONTAINER_UTS].members.clone();
        assert!(!gone.is_empty(), "the sample's container has processes");
        let after = |new_uts_id: Option<u64>| {
            let mut fresh = old.clone();
            for pid in &gone {
                fresh.processes.remove(pid);
            }
            for ns in fresh.namespaces.values_mut() {
                ns.members.retain(|pid| !gone.contains(pid));
            }
            let uts = fresh.namespaces.get_mut(&CONTAINER_UTS).expect("uts");
            uts.ns_id = new_uts_id;
            fresh
        };
        let now = Instant::now();
        let stranger_id = old.namespaces[&CONTAINER_UTS].ns_id.map(|id| id + 1000);
        for (uts_id, still_in_uts) in [
            (stranger_id, false),
            (old.namespaces[&CONTAINER_UTS].ns_id, true),
            // An id not known: the inode decides, as for the marks.
            (None, true),
        ] {
            let mut changes = Changes::default();
            changes.apply(None, &old, now);
            let (display, marks) = changes.apply(Some(&old), &after(uts_id), now);
            assert_eq!(
                marks.vanished_pids.len(),
                gone.len(),
                "every exited process is a ghost"
            );
            assert_eq!(
                display.namespaces[&CONTAINER_MNT].members, old.namespaces[&CONTAINER_MNT].members,
                "ghosts stay in the mount namespace they were in"
            );
            assert_eq!(
                display.namespaces[&CONTAINER_UTS].members.is_empty(),
                !still_in_uts,
                "uts id {uts_id:?}: {:?}",
                display.namespaces[&CONTAINER_UTS].members
            );
        }
    }

    #[test]
    fn walk_finds_what_went_and_what_came() {
        let old: BTreeMap<u32, char> = [(1, 'a'), (3, 'c'), (4, 'd'), (9, 'i')].into();
        let fresh: BTreeMap<u32, char> = [(2, 'b'), (3, 'c'), (9, 'i'), (10, 'j')].into();
        let same = |a: &char, b: &char| a == b;
        let (mut gone, mut came) = (Vec::new(), Vec::new());
        walk(
            &old,
            &fresh,
            same,
            |k, v| gone.push((k, *v)),
            |k| came.push(k),
        );
        assert_eq!(gone, [(1, 'a'), (4, 'd')]);
        assert_eq!(came, [2, 10]);
        // A key both have, with another value: a new one on a reused key.
        let reused: BTreeMap<u32, char> = [(3, 'x'), (9, 'i')].into();
        let (mut gone, mut came) = (Vec::new(), Vec::new());
        walk(
            &fresh,
            &reused,
            same,
            |k, v| gone.push((k, *v)),
            |k| came.push(k),
        );
        assert_eq!(gone, [(2, 'b'), (10, 'j')]);
        assert_eq!(came, [3]);
        let empty = BTreeMap::new();
        let (mut gone, mut came) = (Vec::new(), Vec::new());
        walk(
            &empty,
            &fresh,
            same,
            |k, v| gone.push((k, *v)),
            |k| came.push(k),
        );
        assert!(gone.is_empty());
        assert_eq!(came, [2, 3, 9, 10]);
    }
}
