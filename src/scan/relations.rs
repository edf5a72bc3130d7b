//! The relation walk: parent, owner, owner uid and namespace id for every namespace through the
//! nsfs ioctls, and the namespaces found only through those links. Every file is opened through
//! [`crate::kernel`]; a holder path that holds something else (a trap) is recorded in
//! [`Snapshot::unreadable_holders`] and never followed.

use std::collections::VecDeque;
use std::path::Path;

use crate::kernel::nsfs::{Expected, Kernel, holder_paths_lazily, verify_identity};
use crate::model::{Holder, Inode, Namespace, NsKind, Snapshot, UnreadableHolder};

/// Fills parent, owner, owner uid and namespace id for every namespace, and adds the namespaces
/// found only through those links (a user namespace whose only trace is that it owns
/// another, an intermediate pid namespace with no process).
pub fn add_relations<K: Kernel>(snapshot: &mut Snapshot, kernel: &K, proc_root: &Path, live: bool) {
    let mut queue: VecDeque<(Inode, K::Handle)> = VecDeque::new();
    let known: Vec<Inode> = snapshot.namespaces.keys().copied().collect();
    for inode in known {
        let Some(ns) = snapshot.namespaces.get(&inode) else {
            continue;
        };
        let (opened, traps) = open_holders(snapshot, ns, kernel, proc_root, live);
        snapshot.unreadable_holders.extend(traps);
        if let Some(handle) = opened {
            queue.push_back((inode, handle));
        }
    }

    while let Some((inode, handle)) = queue.pop_front() {
        let parent = kernel.parent(&handle).ok().map(|h| (kernel.inode(&h), h));
        let owner = kernel.owner(&handle).ok().map(|h| (kernel.inode(&h), h));
        let kind = snapshot.namespaces.get(&inode).map(|ns| ns.kind);
        let owner_uid = match kind {
            Some(NsKind::User) => kernel.owner_uid(&handle),
            _ => None,
        };
        let ns_id = kernel.identity(&handle).ns_id;
        if let Some(ns) = snapshot.namespaces.get_mut(&inode) {
            ns.parent = parent.as_ref().map(|(i, _)| *i);
            ns.owner = owner.as_ref().map(|(i, _)| *i);
            ns.owner_uid = owner_uid;
            ns.ns_id = ns_id;
        }
        for (related, related_handle, holder) in [
            parent.map(|(i, h)| (i, h, Holder::Child { inode })),
            owner.map(|(i, h)| (i, h, Holder::Owned { inode })),
        ]
        .into_iter()
        .flatten()
        {
            if let Some(existing) = snapshot.namespaces.get_mut(&related) {
                existing.holders.push(holder);
                continue;
            }
            let Some(kind) = kernel.identity(&related_handle).kind else {
                continue;
            };
            let mut hidden = Namespace::new(related, kind);
            hidden.holders.push(holder);
            snapshot.namespaces.insert(related, hidden);
            queue.push_back((related, related_handle));
        }
    }
}

/// Opens a namespace through its first holder that still holds it: paths first, then (live
/// kernel only) sockets, so a network namespace only a socket keeps alive still gets its owner.
/// Also returns the holders whose path held something that is not a namespace file.
fn open_holders<K: Kernel>(
    snapshot: &Snapshot,
    ns: &Namespace,
    kernel: &K,
    proc_root: &Path,
    live: bool,
) -> (Option<K::Handle>, Vec<UnreadableHolder>) {
    let expected = Expected {
        inode: ns.inode,
        kind: ns.kind,
        ns_id: None,
    };
    let mut traps = Vec::new();
    for path in holder_paths_lazily(snapshot, ns, proc_root) {
        // The holder may have changed since the scan: only the same inode and type count.
        match kernel.open(&path, Some(&expected)).and_then(|handle| {
            verify_identity(&kernel.identity(&handle), &expected).map(|()| handle)
        }) {
            Ok(handle) => return (Some(handle), traps),
            Err(refusal) if refusal.is_trap() => traps.push(UnreadableHolder {
                inode: ns.inode,
                kind: ns.kind,
                path: path.display(),
                reason: refusal.describe(),
            }),
            Err(_) => {}
        }
    }
    if live {
        for holder in &ns.holders {
            if let Holder::Socket { pid, fd } = holder
                && let Ok(handle) = kernel.socket_netns(*pid, *fd)
                && verify_identity(&kernel.identity(&handle), &expected).is_ok()
            {
                return (Some(handle), traps);
            }
        }
    }
    (None, traps)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::PathBuf;

    use super::*;
    use crate::kernel::nsfs::{Identity, NsPath, Refusal};
    use crate::model::Process;

    /// A fake kernel: path -> inode (or a trap), and per inode its type, parent, owner.
    struct FakeKernel {
        paths: BTreeMap<PathBuf, Inode>,
        traps: Vec<PathBuf>,
        table: BTreeMap<Inode, (NsKind, Option<Inode>, Option<Inode>)>,
    }

    fn path_of(path: &NsPath) -> PathBuf {
        PathBuf::from(path.display())
    }

    impl Kernel for FakeKernel {
        type Handle = Inode;
        fn open(&self, path: &NsPath, _: Option<&Expected>) -> Result<Inode, Refusal> {
            if self.traps.contains(&path_of(path)) {
                return Err(Refusal::NotNamespace("a FIFO"));
            }
            self.paths.get(&path_of(path)).copied().ok_or(Refusal::Gone)
        }
        fn socket_netns(&self, _: i32, _: i32) -> std::io::Result<Inode> {
            Err(std::io::Error::from_raw_os_error(libc::ESRCH))
        }
        fn parent(&self, ns: &Inode) -> std::io::Result<Inode> {
            self.table
                .get(ns)
                .and_then(|t| t.1)
                .ok_or_else(|| std::io::Error::from_raw_os_error(libc::EPERM))
        }
        fn owner(&self, ns: &Inode) -> std::io::Result<Inode> {
            self.table
                .get(ns)
                .and_then(|t| t.2)
                .ok_or_else(|| std::io::Error::from_raw_os_error(libc::EPERM))
        }
        fn owner_uid(&self, _: &Inode) -> Option<u32> {
            Some(1000)
        }
        fn identity(&self, ns: &Inode) -> Identity {
            Identity {
                inode: *ns,
                kind: self.table.get(ns).map(|t| t.0),
                ns_id: Some(ns + 1_000_000),
            }
        }
    }

    fn process(pid: i32, user: Inode, uts: Inode) -> Process {
        let mut links = crate::model::NsLinks::default();
        links.current[NsKind::User.index()] = crate::model::Link::Ns(user);
        links.current[NsKind::Uts.index()] = crate::model::Link::Ns(uts);
        Process {
            pid,
            ppid: 1,
            uid: 0,
            comm: "x".into(),
            command: "x".into(),
            command_bytes: None,
            state: 'S',
            start_time: 0,
            links,
            odd_threads: vec![],
        }
    }

    #[test]
    fn finds_hidden_intermediate_user_namespace() {
        // init user 1 <- hidden user 2 <- user 3 (pid 10 is in it, and in uts 30 owned by 3)
        let mut snapshot = Snapshot::default();
        for (pid, user, uts) in [(1, 1, 20), (10, 3, 30)] {
            snapshot.processes.insert(pid, process(pid, user, uts));
            for (inode, kind) in [(user, NsKind::User), (uts, NsKind::Uts)] {
                snapshot
                    .namespaces
                    .entry(inode)
                    .or_insert_with(|| Namespace::new(inode, kind))
                    .members
                    .push(pid);
            }
        }
        let root = Path::new("/proc");
        let kernel = FakeKernel {
            paths: [
                ("/proc/1/ns/user", 1),
                ("/proc/1/ns/uts", 20),
                ("/proc/10/ns/user", 3),
                // /proc/10/ns/uts is a trap (see `traps`): recorded, not followed
            ]
            .into_iter()
            .map(|(p, i)| (PathBuf::from(p), i))
            .collect(),
            traps: vec![PathBuf::from("/proc/10/ns/uts")],
            table: [
                (1, (NsKind::User, None, None)),
                (2, (NsKind::User, Some(1), Some(1))),
                (3, (NsKind::User, Some(2), Some(2))),
                (20, (NsKind::Uts, None, Some(1))),
                (30, (NsKind::Uts, None, Some(3))),
            ]
            .into_iter()
            .collect(),
        };
        add_relations(&mut snapshot, &kernel, root, false);

        let hidden = snapshot.namespace(2).expect("hidden user namespace found");
        assert_eq!(hidden.kind, NsKind::User);
        assert!(hidden.members.is_empty());
        assert_eq!(hidden.parent, Some(1));
        assert!(hidden.holders.contains(&Holder::Child { inode: 3 }));
        assert!(hidden.holders.contains(&Holder::Owned { inode: 3 }));
        assert_eq!(snapshot.namespace(3).and_then(|n| n.parent), Some(2));
        assert_eq!(snapshot.namespace(3).and_then(|n| n.owner_uid), Some(1000));
        assert_eq!(snapshot.namespace(20).and_then(|n| n.owner), Some(1));
        assert_eq!(
            snapshot.namespace(20).and_then(|n| n.ns_id),
            Some(1_000_020)
        );
        // uts 30's only path was a trap: no relations, and the trap is on record.
        assert_eq!(snapshot.namespace(30).and_then(|n| n.owner), None);
        assert_eq!(snapshot.unreadable_holders.len(), 1);
        assert_eq!(snapshot.unreadable_holders[0].path, "/proc/10/ns/uts");
        assert_eq!(
            snapshot.unreadable_holders[0].reason,
            "a FIFO, not a namespace file"
        );
    }
}
