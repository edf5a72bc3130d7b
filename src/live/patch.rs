//! The watcher's state between full scans: a snapshot patched with the processes that process
//! events named, instead of scanned again whole. Pure functions over snapshots, unit-tested.
//!
//! What a patch knows: the re-read processes' namespace links (so their memberships, and
//! namespaces that appear or lose their last member), and the exits. What it cannot know until
//! the next full reconcile: new bind mounts and fds, relations (parent, owner, id) of new
//! namespaces, and moves by setns(2)/unshare(2) of a process that has not forked, executed or
//! exited since (those calls send no process event).

use std::collections::{BTreeMap, BTreeSet};

use crate::model::{Holder, Inode, Namespace, NsKind, Pid, Process, Snapshot};

/// The pid a holder belongs to, for holders that die with their process.
fn holder_pid(holder: &Holder) -> Option<Pid> {
    match holder {
        Holder::Thread { pid, .. }
        | Holder::ForChildren { pid }
        | Holder::Fd { pid, .. }
        | Holder::Socket { pid, .. } => Some(*pid),
        Holder::BindMount { .. } | Holder::Child { .. } | Holder::Owned { .. } => None,
    }
}

/// A scan as the watcher compares it: zombies dropped (an exited process that is not reaped
/// yet has lost its namespaces but its pid and user links; the exit event already said it
/// left), and namespaces that are then empty with nothing holding them dropped too.
pub fn settle(mut snapshot: Snapshot) -> Snapshot {
    let zombies: BTreeSet<Pid> = snapshot
        .processes
        .values()
        .filter(|p| p.is_zombie())
        .map(|p| p.pid)
        .collect();
    if zombies.is_empty() {
        return snapshot;
    }
    snapshot.processes.retain(|pid, _| !zombies.contains(pid));
    let mut dropped = BTreeSet::new();
    for ns in snapshot.namespaces.values_mut() {
        ns.members.retain(|pid| !zombies.contains(pid));
        if ns.members.is_empty() && ns.holders.is_empty() {
            dropped.insert(ns.inode);
        }
    }
    remove_cascading(&mut snapshot.namespaces, dropped);
    snapshot
}

/// Removes namespaces, and with them the child/owned holders they were on their parents and
/// owners; a parent or owner left empty and unheld goes too (the kernel drops it then).
fn remove_cascading(namespaces: &mut BTreeMap<Inode, Namespace>, mut dropped: BTreeSet<Inode>) {
    while !dropped.is_empty() {
        for inode in &dropped {
            namespaces.remove(inode);
        }
        let mut next = BTreeSet::new();
        for ns in namespaces.values_mut() {
            let before = ns.holders.len();
            ns.holders.retain(|h| match h {
                Holder::Child { inode } | Holder::Owned { inode } => !dropped.contains(inode),
                _ => true,
            });
            if ns.holders.len() != before && ns.holders.is_empty() && ns.members.is_empty() {
                next.insert(ns.inode);
            }
        }
        dropped = next;
    }
}

/// `base` with the processes in `fresh` replaced or added (as just re-read) and those in
/// `gone` removed; memberships regrouped, holders of gone processes dropped, `*_for_children`
/// holders of the re-read ones redone from their links.
pub fn patch(base: &Snapshot, fresh: Vec<Process>, gone: &BTreeSet<Pid>) -> Snapshot {
    let mut next = base.clone();
    let mut reread = BTreeSet::new();
    let mut gone = gone.clone();
    for process in fresh {
        if process.is_zombie() {
            gone.insert(process.pid);
        } else {
            reread.insert(process.pid);
            next.processes.insert(process.pid, process);
        }
    }
    for pid in &gone {
        next.processes.remove(pid);
    }
    let mut namespaces: BTreeMap<Inode, Namespace> = BTreeMap::new();
    for ns in base.namespaces.values() {
        let mut ns = ns.clone();
        ns.members.clear();
        ns.holders.retain(|h| match holder_pid(h) {
            Some(pid) if gone.contains(&pid) => false,
            Some(pid) => !(matches!(h, Holder::ForChildren { .. }) && reread.contains(&pid)),
            None => true,
        });
        namespaces.insert(ns.inode, ns);
    }
    for process in next.processes.values() {
        for kind in NsKind::ALL {
            if let Some(inode) = process.ns(kind) {
                let ns = namespaces
                    .entry(inode)
                    .or_insert_with(|| Namespace::new(inode, kind));
                if ns.kind != kind {
                    // nsfs reuses inodes at once: the old namespace of the other type is gone
                    // if nothing is left in it, else this read is the stale one.
                    if !ns.members.is_empty() {
                        continue;
                    }
                    *ns = Namespace::new(inode, kind);
                }
                ns.members.push(process.pid);
            }
        }
    }
    for pid in &reread {
        let Some(process) = next.processes.get(pid) else {
            continue;
        };
        for (link, kind) in [
            (process.links.pid_for_children, NsKind::Pid),
            (process.links.time_for_children, NsKind::Time),
        ] {
            if let Some(inode) = link.inode()
                && Some(inode) != process.ns(kind)
            {
                let ns = namespaces
                    .entry(inode)
                    .or_insert_with(|| Namespace::new(inode, kind));
                if ns.kind == kind {
                    ns.holders.push(Holder::ForChildren { pid: *pid });
                    ns.holders.sort();
                    ns.holders.dedup();
                }
            }
        }
    }
    let dropped: BTreeSet<Inode> = namespaces
        .values()
        .filter(|ns| ns.members.is_empty() && ns.holders.is_empty())
        .map(|ns| ns.inode)
        .collect();
    remove_cascading(&mut namespaces, dropped);
    next.namespaces = namespaces;
    next
}

/// What a batch touched: the processes it named and every namespace whose members or holders
/// it may change (their old and new links, namespaces holding a gone process's fds, and the
/// parents and owners a dropped namespace may free).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Touched {
    pub pids: BTreeSet<Pid>,
    pub inodes: BTreeSet<Inode>,
}

/// The part of a snapshot a batch touched, for diffing before against after without copying
/// (or comparing) the thousands of processes and namespaces it did not touch.
pub fn part(snapshot: &Snapshot, touched: &Touched) -> Snapshot {
    Snapshot {
        namespaces: touched
            .inodes
            .iter()
            .filter_map(|i| Some((*i, snapshot.namespaces.get(i)?.clone())))
            .collect(),
        processes: touched
            .pids
            .iter()
            .filter_map(|p| Some((*p, snapshot.processes.get(p)?.clone())))
            .collect(),
        ..Snapshot::default()
    }
}

fn linked_inodes(process: &Process) -> impl Iterator<Item = Inode> + '_ {
    process
        .links
        .current
        .iter()
        .chain([
            &process.links.pid_for_children,
            &process.links.time_for_children,
        ])
        .filter_map(|link| link.inode())
}

/// [`patch`] in place, in time proportional to what the batch touched (plus one pass over the
/// namespaces' holders), not to the whole snapshot: the watcher's step under a busy machine.
/// Returns the touched part as it was before, and what was touched; diff it against
/// [`part`] of the state after. The result equals [`patch`]'s (a test holds them together).
pub fn apply(
    state: &mut Snapshot,
    fresh: Vec<Process>,
    gone: &BTreeSet<Pid>,
) -> (Snapshot, Touched) {
    let mut gone = gone.clone();
    let mut live = Vec::new();
    for process in fresh {
        if process.is_zombie() {
            gone.insert(process.pid);
        } else {
            live.push(process);
        }
    }
    let mut touched = Touched::default();
    touched.pids.extend(gone.iter().copied());
    touched.pids.extend(live.iter().map(|p| p.pid));
    for pid in &touched.pids {
        if let Some(process) = state.processes.get(pid) {
            touched.inodes.extend(linked_inodes(process));
        }
    }
    for process in &live {
        touched.inodes.extend(linked_inodes(process));
    }
    for ns in state.namespaces.values() {
        if ns
            .holders
            .iter()
            .any(|h| holder_pid(h).is_some_and(|pid| touched.pids.contains(&pid)))
        {
            touched.inodes.insert(ns.inode);
        }
    }
    // Parents and owners of touched namespaces, transitively: a dropped namespace may free
    // them (see `remove_cascading`).
    loop {
        let more: Vec<Inode> = state
            .namespaces
            .values()
            .filter(|ns| !touched.inodes.contains(&ns.inode))
            .filter(|ns| {
                ns.holders.iter().any(|h| match h {
                    Holder::Child { inode } | Holder::Owned { inode } => {
                        touched.inodes.contains(inode)
                    }
                    _ => false,
                })
            })
            .map(|ns| ns.inode)
            .collect();
        if more.is_empty() {
            break;
        }
        touched.inodes.extend(more);
    }
    let before = part(state, &touched);

    for pid in &gone {
        state.processes.remove(pid);
    }
    let reread: BTreeSet<Pid> = live.iter().map(|p| p.pid).collect();
    for inode in &touched.inodes {
        if let Some(ns) = state.namespaces.get_mut(inode) {
            // Members are sorted: a few binary searches, not a pass over a host namespace's
            // thousands of members for each batch.
            for pid in &touched.pids {
                if let Ok(at) = ns.members.binary_search(pid) {
                    ns.members.remove(at);
                }
            }
            ns.holders.retain(|h| match holder_pid(h) {
                Some(pid) if gone.contains(&pid) => false,
                Some(pid) => !(matches!(h, Holder::ForChildren { .. }) && reread.contains(&pid)),
                None => true,
            });
        }
    }
    for process in live {
        for kind in NsKind::ALL {
            if let Some(inode) = process.ns(kind) {
                let ns = state
                    .namespaces
                    .entry(inode)
                    .or_insert_with(|| Namespace::new(inode, kind));
                if ns.kind != kind {
                    // As in `patch`: a stale read unless the other type's namespace is empty.
                    if !ns.members.is_empty() {
                        continue;
                    }
                    *ns = Namespace::new(inode, kind);
                }
                if let Err(at) = ns.members.binary_search(&process.pid) {
                    ns.members.insert(at, process.pid);
                }
            }
        }
        for (link, kind) in [
            (process.links.pid_for_children, NsKind::Pid),
            (process.links.time_for_children, NsKind::Time),
        ] {
            if let Some(inode) = link.inode()
                && Some(inode) != process.ns(kind)
            {
                let ns = state
                    .namespaces
                    .entry(inode)
                    .or_insert_with(|| Namespace::new(inode, kind));
                if ns.kind == kind {
                    ns.holders.push(Holder::ForChildren { pid: process.pid });
                    ns.holders.sort();
                    ns.holders.dedup();
                }
            }
        }
        state.processes.insert(process.pid, process);
    }
    let dropped: BTreeSet<Inode> = touched
        .inodes
        .iter()
        .filter(|i| {
            state
                .namespaces
                .get(i)
                .is_some_and(|ns| ns.members.is_empty() && ns.holders.is_empty())
        })
        .copied()
        .collect();
    remove_cascading(&mut state.namespaces, dropped);
    (before, touched)
}

/// A process in one uts namespace (for tests on fake events and re-reads).
#[cfg(test)]
pub(crate) fn test_process(pid: Pid, uts: Inode, state: char) -> Process {
    use crate::model::{Link, NsLinks};
    let mut links = NsLinks::default();
    links.current[NsKind::Uts.index()] = Link::Ns(uts);
    Process {
        pid,
        ppid: 1,
        uid: 0,
        comm: format!("p{pid}"),
        command: String::new(),
        command_bytes: None,
        state,
        start_time: pid as u64,
        links,
        odd_threads: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::test_process as process;
    use super::*;
    use crate::snapshot::diff::{Change, diff_scans};

    fn texts(changes: Vec<Change>) -> Vec<String> {
        changes.iter().map(Change::to_text).collect()
    }

    #[test]
    fn events_create_move_and_end_namespaces() {
        let base = patch(
            &Snapshot::default(),
            vec![process(1, 10, 'S')],
            &BTreeSet::new(),
        );
        // pid 50 forks in the host's uts namespace, then unshares and execs.
        let forked = patch(&base, vec![process(50, 10, 'S')], &BTreeSet::new());
        assert_eq!(
            texts(diff_scans(&base, &forked, None)),
            ["> pid 50 (p50) entered uts:[10]"]
        );
        let moved = patch(&forked, vec![process(50, 11, 'S')], &BTreeSet::new());
        assert_eq!(
            texts(diff_scans(&forked, &moved, None)),
            [
                "< pid 50 (p50) left uts:[10]",
                "+ uts:[11] created: pid 50 (p50)"
            ]
        );
        // A second process enters, then both exit (one is a zombie when re-read).
        let joined = patch(&moved, vec![process(60, 11, 'S')], &BTreeSet::new());
        let ended = patch(&joined, vec![process(50, 11, 'Z')], &BTreeSet::from([60]));
        assert_eq!(
            texts(diff_scans(&joined, &ended, None)),
            ["- uts:[11] gone: pid 50 (p50), pid 60 (p60)"]
        );
    }

    /// `apply` (in place, touched part only) agrees with `patch` (whole) on the state and on
    /// the changes, over the same batches as the tests above.
    #[test]
    fn apply_in_place_equals_patch() {
        let mut user = Namespace::new(20, NsKind::User);
        user.holders.push(Holder::Owned { inode: 30 });
        let mut net = Namespace::new(30, NsKind::Net);
        net.holders.push(Holder::Fd { pid: 50, fd: 4 });
        let mut base = patch(
            &Snapshot::default(),
            vec![
                process(1, 10, 'S'),
                process(50, 10, 'S'),
                process(60, 10, 'S'),
            ],
            &BTreeSet::new(),
        );
        base.namespaces.insert(20, user);
        base.namespaces.insert(30, net);
        let batches: Vec<(Vec<Process>, BTreeSet<Pid>)> = vec![
            (vec![process(70, 10, 'S')], BTreeSet::new()),
            (vec![process(50, 11, 'S')], BTreeSet::new()),
            (
                vec![process(60, 11, 'S'), process(80, 12, 'S')],
                BTreeSet::from([70]),
            ),
            (vec![process(50, 11, 'Z')], BTreeSet::from([60])),
            (vec![], BTreeSet::from([80, 999])),
        ];
        let mut whole = base.clone();
        let mut in_place = base;
        for (fresh, gone) in batches {
            let next = patch(&whole, fresh.clone(), &gone);
            let expected = diff_scans(&whole, &next, None);
            whole = next;
            let (before, touched) = apply(&mut in_place, fresh, &gone);
            let got = diff_scans(&before, &part(&in_place, &touched), None);
            assert_eq!(in_place, whole);
            assert_eq!(got, expected);
        }
        assert!(
            whole.namespaces.keys().all(|&i| i == 10),
            "{:?}",
            whole.namespaces
        );
    }

    #[test]
    fn a_held_namespace_outlives_its_members_and_its_end_frees_the_owner() {
        let mut base = patch(
            &Snapshot::default(),
            vec![process(1, 10, 'S')],
            &BTreeSet::new(),
        );
        let mut user = Namespace::new(20, NsKind::User);
        user.holders.push(Holder::Owned { inode: 30 });
        let mut net = Namespace::new(30, NsKind::Net);
        net.holders.push(Holder::Fd { pid: 1, fd: 4 });
        base.namespaces.insert(20, user);
        base.namespaces.insert(30, net);
        // pid 1 re-read: its fd holder is kept (fds are only seen at reconcile).
        let same = patch(&base, vec![process(1, 10, 'S')], &BTreeSet::new());
        assert_eq!(diff_scans(&base, &same, None), vec![]);
        // pid 1 exits: the fd goes, the net namespace, and with it the user namespace it
        // alone kept.
        let ended = patch(&base, vec![], &BTreeSet::from([1]));
        assert!(ended.namespaces.is_empty(), "{:?}", ended.namespaces);
        let settled = settle(base.clone());
        assert_eq!(settled, base);
    }
}
