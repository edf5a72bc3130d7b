//! The pure grouping step: processes (and their odd threads and `*_for_children` links) into
//! namespaces, and holders added to the namespace they keep alive. No I/O: built inputs in,
//! namespaces out, so the reused-inode rules are tested on their own.

use std::collections::{BTreeMap, HashMap};

use crate::model::{GapSubject, Holder, Inode, Namespace, NsKind, Pid, ReadError, Snapshot};

/// Groups processes into namespaces and records thread and `*_for_children` holders.
pub(super) fn group_namespaces(snapshot: &mut Snapshot) {
    let mut namespaces: BTreeMap<Inode, Namespace> = BTreeMap::new();
    // nsfs inodes are reused as soon as a namespace dies (lowest free id), so under churn one
    // scan can read the same inode as two types from two processes. A process whose link
    // collides with a namespace of another type is dropped as vanished (one of the two reads
    // is stale), so every process kept is counted once in each type.
    let colliding: Vec<Pid> = {
        let mut kinds: HashMap<Inode, NsKind> = HashMap::new();
        snapshot
            .processes
            .values()
            .filter(|process| {
                NsKind::ALL.into_iter().any(|kind| {
                    process
                        .ns(kind)
                        .is_some_and(|inode| *kinds.entry(inode).or_insert(kind) != kind)
                })
            })
            .map(|process| process.pid)
            .collect()
    };
    for pid in colliding {
        snapshot.processes.remove(&pid);
        snapshot
            .gaps
            .record(GapSubject::Process, ReadError::Vanished);
    }
    // Members first, so that a namespace's type always comes from a member link ...
    for process in snapshot.processes.values() {
        for kind in NsKind::ALL {
            if let Some(inode) = process.ns(kind) {
                namespaces
                    .entry(inode)
                    .or_insert_with(|| Namespace::new(inode, kind))
                    .members
                    .push(process.pid);
            }
        }
    }
    // ... then the holders, each only where the type agrees (see `holder_target`).
    for process in snapshot.processes.values() {
        for (link, kind, current) in [
            (
                process.links.pid_for_children,
                NsKind::Pid,
                process.ns(NsKind::Pid),
            ),
            (
                process.links.time_for_children,
                NsKind::Time,
                process.ns(NsKind::Time),
            ),
        ] {
            if let Some(inode) = link.inode()
                && Some(inode) != current
                && let Some(ns) = holder_target(&mut namespaces, inode, kind)
            {
                ns.holders.push(Holder::ForChildren { pid: process.pid });
            }
        }
        for thread in &process.odd_threads {
            for kind in NsKind::ALL {
                if let Some(inode) = thread.links.get(kind)
                    && Some(inode) != process.ns(kind)
                    && let Some(ns) = holder_target(&mut namespaces, inode, kind)
                {
                    ns.holders.push(Holder::Thread {
                        pid: process.pid,
                        tid: thread.tid,
                    });
                }
            }
        }
    }
    // processes is a BTreeMap, so members were pushed in ascending pid order already.
    snapshot.namespaces = namespaces;
}

/// The namespace a holder of type `kind` on `inode` belongs to, created if new. None when a
/// namespace of another type already has that inode: nsfs inodes are reused as soon as a
/// namespace dies, so under churn one of the two reads is stale, and a holder must never move
/// a namespace (or its member count) to another type.
fn holder_target(
    namespaces: &mut BTreeMap<Inode, Namespace>,
    inode: Inode,
    kind: NsKind,
) -> Option<&mut Namespace> {
    let ns = namespaces
        .entry(inode)
        .or_insert_with(|| Namespace::new(inode, kind));
    (ns.kind == kind).then_some(ns)
}

/// Adds a holder to a namespace, creating the namespace if the kind is known.
pub(crate) fn add_holder(
    snapshot: &mut Snapshot,
    inode: Inode,
    kind: Option<NsKind>,
    holder: Holder,
) {
    match (
        snapshot.namespaces.get_mut(&inode),
        kind.or_else(|| holder_kind(&holder)),
    ) {
        // A holder that names another type than the namespace we have is a stale read of a
        // reused inode (see `holder_target`): drop it.
        (Some(ns), Some(kind)) if ns.kind != kind => {}
        (Some(ns), _) => ns.holders.push(holder),
        (None, Some(kind)) => {
            let mut ns = Namespace::new(inode, kind);
            ns.holders.push(holder);
            snapshot.namespaces.insert(inode, ns);
        }
        (None, None) => {}
    }
}

fn holder_kind(holder: &Holder) -> Option<NsKind> {
    match holder {
        Holder::Socket { .. } => Some(NsKind::Net),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Link, NsLinks, Process, Thread};

    /// Links with the given (type, inode) pairs; every other type absent.
    fn links(pairs: &[(NsKind, Inode)]) -> NsLinks {
        let mut links = NsLinks::default();
        for &(kind, inode) in pairs {
            links.current[kind.index()] = Link::Ns(inode);
        }
        links
    }

    fn process(pid: Pid, pairs: &[(NsKind, Inode)]) -> Process {
        Process {
            pid,
            ppid: 1,
            uid: 0,
            comm: format!("p{pid}"),
            command: format!("p{pid}"),
            command_bytes: None,
            state: 'S',
            links: links(pairs),
            odd_threads: vec![],
        }
    }

    fn snapshot(processes: Vec<Process>) -> Snapshot {
        let mut snapshot = Snapshot::default();
        for process in processes {
            snapshot.processes.insert(process.pid, process);
        }
        snapshot
    }

    fn ns(snapshot: &Snapshot, inode: Inode) -> &Namespace {
        snapshot.namespaces.get(&inode).expect("namespace grouped")
    }

    #[test]
    fn members_are_grouped_by_inode_in_ascending_pid_order() {
        let mut s = snapshot(vec![
            process(30, &[(NsKind::Net, 100), (NsKind::Uts, 200)]),
            process(1, &[(NsKind::Net, 100), (NsKind::Uts, 201)]),
            process(7, &[(NsKind::Net, 101), (NsKind::Uts, 200)]),
        ]);
        group_namespaces(&mut s);
        assert_eq!(s.namespaces.len(), 4);
        assert_eq!(ns(&s, 100).kind, NsKind::Net);
        assert_eq!(ns(&s, 100).members, vec![1, 30]);
        assert_eq!(ns(&s, 101).members, vec![7]);
        assert_eq!(ns(&s, 200).kind, NsKind::Uts);
        assert_eq!(ns(&s, 200).members, vec![7, 30]);
        assert_eq!(ns(&s, 201).members, vec![1]);
        assert!(s.namespaces.values().all(|n| n.holders.is_empty()));
        assert_eq!(s.gaps.vanished.processes, 0);
    }

    #[test]
    fn odd_threads_hold_only_the_namespaces_their_process_is_not_in() {
        let mut p = process(10, &[(NsKind::Net, 100), (NsKind::Uts, 200)]);
        p.odd_threads.push(Thread {
            tid: 11,
            comm: "t".into(),
            // Same uts as the process, another netns (made by unshare in that thread).
            links: links(&[(NsKind::Net, 150), (NsKind::Uts, 200)]),
        });
        let mut s = snapshot(vec![p, process(20, &[(NsKind::Net, 150)])]);
        group_namespaces(&mut s);
        assert_eq!(ns(&s, 150).members, vec![20]);
        assert_eq!(
            ns(&s, 150).holders,
            vec![Holder::Thread { pid: 10, tid: 11 }]
        );
        assert!(ns(&s, 200).holders.is_empty());
        assert!(ns(&s, 100).holders.is_empty());
    }

    #[test]
    fn a_thread_alone_in_a_namespace_creates_it_with_its_type() {
        let mut p = process(10, &[(NsKind::Mnt, 100)]);
        p.odd_threads.push(Thread {
            tid: 12,
            comm: "t".into(),
            links: links(&[(NsKind::Mnt, 300)]),
        });
        let mut s = snapshot(vec![p]);
        group_namespaces(&mut s);
        let held = ns(&s, 300);
        assert_eq!(held.kind, NsKind::Mnt);
        assert!(held.members.is_empty());
        assert_eq!(held.holders, vec![Holder::Thread { pid: 10, tid: 12 }]);
    }

    #[test]
    fn for_children_links_hold_a_namespace_unless_it_is_the_process_own() {
        let mut forked = process(10, &[(NsKind::Pid, 100), (NsKind::Time, 500)]);
        forked.links.pid_for_children = Link::Ns(101);
        forked.links.time_for_children = Link::Ns(501);
        let mut plain = process(20, &[(NsKind::Pid, 100), (NsKind::Time, 500)]);
        // The usual case: pid_for_children is the process's own pid namespace.
        plain.links.pid_for_children = Link::Ns(100);
        plain.links.time_for_children = Link::Absent;
        let mut s = snapshot(vec![forked, plain]);
        group_namespaces(&mut s);
        assert_eq!(ns(&s, 101).kind, NsKind::Pid);
        assert_eq!(ns(&s, 101).holders, vec![Holder::ForChildren { pid: 10 }]);
        assert_eq!(ns(&s, 501).kind, NsKind::Time);
        assert_eq!(ns(&s, 501).holders, vec![Holder::ForChildren { pid: 10 }]);
        assert!(ns(&s, 100).holders.is_empty());
        assert_eq!(ns(&s, 100).members, vec![10, 20]);
    }

    #[test]
    fn a_reused_inode_read_as_two_types_drops_the_later_process_as_vanished() {
        // Inode 100 died as a netns and came back as a uts namespace between two reads.
        let mut s = snapshot(vec![
            process(1, &[(NsKind::Net, 100), (NsKind::Uts, 200)]),
            process(2, &[(NsKind::Net, 101), (NsKind::Uts, 100)]),
            process(3, &[(NsKind::Net, 101), (NsKind::Uts, 200)]),
        ]);
        group_namespaces(&mut s);
        assert!(!s.processes.contains_key(&2));
        assert_eq!(s.gaps.vanished.processes, 1);
        assert_eq!(ns(&s, 100).kind, NsKind::Net);
        assert_eq!(ns(&s, 100).members, vec![1]);
        assert_eq!(ns(&s, 101).members, vec![3]);
        assert_eq!(ns(&s, 200).members, vec![1, 3]);
        // Every process kept is counted once per type.
        for kind in [NsKind::Net, NsKind::Uts] {
            let counted: usize = s
                .namespaces
                .values()
                .filter(|n| n.kind == kind)
                .map(|n| n.members.len())
                .sum();
            assert_eq!(counted, 2, "{kind:?}");
        }
    }

    #[test]
    fn a_holder_never_moves_a_namespace_to_another_type() {
        // pid 10's thread reads inode 100 as a net namespace; pid 20 is a member of uts 100.
        let mut p = process(10, &[(NsKind::Net, 90)]);
        p.odd_threads.push(Thread {
            tid: 11,
            comm: "t".into(),
            links: links(&[(NsKind::Net, 100)]),
        });
        p.links.pid_for_children = Link::Ns(100);
        let mut s = snapshot(vec![p, process(20, &[(NsKind::Uts, 100)])]);
        group_namespaces(&mut s);
        let uts = ns(&s, 100);
        assert_eq!(uts.kind, NsKind::Uts);
        assert_eq!(uts.members, vec![20]);
        assert!(uts.holders.is_empty(), "stale holders dropped: {uts:?}");
    }

    #[test]
    fn add_holder_creates_agrees_or_drops() {
        let mut s = snapshot(vec![process(1, &[(NsKind::Net, 100)])]);
        group_namespaces(&mut s);
        // Same type: added.
        add_holder(&mut s, 100, Some(NsKind::Net), Holder::Fd { pid: 1, fd: 3 });
        // Another type on the same inode (a stale read of a reused inode): dropped.
        add_holder(&mut s, 100, Some(NsKind::Ipc), Holder::Fd { pid: 1, fd: 4 });
        // A socket names its type itself, and creates the netns it is alone in.
        add_holder(&mut s, 300, None, Holder::Socket { pid: 1, fd: 5 });
        // A socket on an inode that is not a netns: dropped.
        add_holder(&mut s, 400, Some(NsKind::Uts), Holder::Fd { pid: 1, fd: 6 });
        add_holder(&mut s, 400, None, Holder::Socket { pid: 1, fd: 7 });
        // No type known and no namespace: nothing to add it to.
        add_holder(&mut s, 500, None, Holder::Child { inode: 1 });

        assert_eq!(ns(&s, 100).holders, vec![Holder::Fd { pid: 1, fd: 3 }]);
        assert_eq!(ns(&s, 300).kind, NsKind::Net);
        assert_eq!(ns(&s, 300).holders, vec![Holder::Socket { pid: 1, fd: 5 }]);
        assert_eq!(ns(&s, 400).holders, vec![Holder::Fd { pid: 1, fd: 6 }]);
        assert!(!s.namespaces.contains_key(&500));
    }
}
