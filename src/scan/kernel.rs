//! The nsfs ioctls (parent, owner, type, owner uid, namespace id) behind a small trait, and the
//! walk that uses them to fill relations and to find namespaces no process is in.
//!
//! Also the one place that knows how to turn a holder into a path that opens the namespace
//! ([`holder_paths`]), which `enter` and the detail readers share.

use std::collections::VecDeque;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::{Path, PathBuf};

use crate::model::{Holder, Inode, Namespace, NsKind, Snapshot};

/// `NS_GET_ID` (Linux 6.18): a 64-bit id that is never reused. libc 0.2 does not have it yet.
/// `_IOR(NSIO=0xb7, 13, __u64)`.
pub const NS_GET_ID: libc::c_ulong = ior(0xb7, 13, 8);

const fn ior(ty: u32, nr: u32, size: u32) -> libc::c_ulong {
    // _IOC(dir=READ(2), type, nr, size) on x86/arm/riscv: dir<<30 | size<<16 | type<<8 | nr
    ((2u32 << 30) | (size << 16) | (ty << 8) | nr) as libc::c_ulong
}

/// The kernel operations the relation walk needs. [`Nsfs`] is the real one; tests fake it.
pub trait NsKernel {
    type Handle;
    fn open(&self, path: &Path) -> Option<Self::Handle>;
    fn inode(&self, ns: &Self::Handle) -> Option<Inode>;
    fn kind(&self, ns: &Self::Handle) -> Option<NsKind>;
    /// NS_GET_PARENT: user and pid namespaces only; EPERM at the top of what we may see.
    fn parent(&self, ns: &Self::Handle) -> Option<Self::Handle>;
    /// NS_GET_USERNS: the owning user namespace.
    fn owner(&self, ns: &Self::Handle) -> Option<Self::Handle>;
    /// NS_GET_OWNER_UID: user namespaces only.
    fn owner_uid(&self, ns: &Self::Handle) -> Option<u32>;
    /// NS_GET_ID where the kernel has it.
    fn ns_id(&self, ns: &Self::Handle) -> Option<u64>;
}

/// The real kernel: nsfs files and ioctls.
pub struct Nsfs;

impl Nsfs {
    fn ioctl_fd(ns: &OwnedFd, request: libc::c_ulong) -> Option<OwnedFd> {
        // SAFETY: these requests take no argument and return a new fd or -1.
        let fd = unsafe { libc::ioctl(ns.as_raw_fd(), request as _) };
        // SAFETY: a non-negative return is a fresh fd owned by nobody else.
        (fd >= 0).then(|| unsafe { OwnedFd::from_raw_fd(fd) })
    }
}

impl NsKernel for Nsfs {
    type Handle = OwnedFd;

    fn open(&self, path: &Path) -> Option<OwnedFd> {
        open_ns_file(path).ok()
    }

    fn inode(&self, ns: &OwnedFd) -> Option<Inode> {
        rustix::fs::fstat(ns).ok().map(|st| st.st_ino)
    }

    fn kind(&self, ns: &OwnedFd) -> Option<NsKind> {
        // SAFETY: NS_GET_NSTYPE takes no argument and returns a CLONE_NEW* flag or -1.
        let flag = unsafe { libc::ioctl(ns.as_raw_fd(), libc::NS_GET_NSTYPE as _) };
        NsKind::from_clone_flag(flag)
    }

    fn parent(&self, ns: &OwnedFd) -> Option<OwnedFd> {
        Self::ioctl_fd(ns, libc::NS_GET_PARENT as _)
    }

    fn owner(&self, ns: &OwnedFd) -> Option<OwnedFd> {
        Self::ioctl_fd(ns, libc::NS_GET_USERNS as _)
    }

    fn owner_uid(&self, ns: &OwnedFd) -> Option<u32> {
        let mut uid: libc::uid_t = 0;
        // SAFETY: NS_GET_OWNER_UID writes one uid_t through the pointer.
        let rc = unsafe { libc::ioctl(ns.as_raw_fd(), libc::NS_GET_OWNER_UID as _, &mut uid) };
        (rc == 0).then_some(uid)
    }

    fn ns_id(&self, ns: &OwnedFd) -> Option<u64> {
        let mut id: u64 = 0;
        // SAFETY: NS_GET_ID writes one u64 through the pointer; older kernels answer ENOTTY.
        let rc = unsafe { libc::ioctl(ns.as_raw_fd(), NS_GET_ID as _, &mut id) };
        (rc == 0 && id != 0).then_some(id)
    }
}

/// Opens a namespace file read-only (enough for setns and the ioctls).
pub fn open_ns_file(path: &Path) -> std::io::Result<OwnedFd> {
    rustix::fs::open(
        path,
        rustix::fs::OFlags::RDONLY | rustix::fs::OFlags::CLOEXEC,
        rustix::fs::Mode::empty(),
    )
    .map_err(std::io::Error::from)
}

/// Paths that open namespace `ns`, best first: member processes, threads, the
/// `*_for_children` links, fds, then bind mounts (through the mount namespace's
/// `/proc/PID/root` when it is not ours). Sockets have no path.
pub fn holder_paths(snapshot: &Snapshot, ns: &Namespace, proc_root: &Path) -> Vec<PathBuf> {
    let kind = ns.kind.name();
    let mut paths: Vec<PathBuf> = ns
        .members
        .iter()
        .map(|pid| proc_root.join(format!("{pid}/ns/{kind}")))
        .collect();
    paths.extend(
        ns.holders
            .iter()
            .filter_map(|holder| holder_path(snapshot, ns.kind, holder, proc_root)),
    );
    paths
}

/// The path that opens the namespace one (non-member) holder keeps alive, if it has one.
/// Sockets and parent/owner links have none; a bind mount in a foreign mount namespace is
/// reached through a member's `/proc/PID/root`.
pub fn holder_path(
    snapshot: &Snapshot,
    kind: NsKind,
    holder: &Holder,
    proc_root: &Path,
) -> Option<PathBuf> {
    let kind = kind.name();
    match holder {
        Holder::Thread { pid, tid } => Some(proc_root.join(format!("{pid}/task/{tid}/ns/{kind}"))),
        Holder::ForChildren { pid } => {
            Some(proc_root.join(format!("{pid}/ns/{kind}_for_children")))
        }
        Holder::Fd { pid, fd } => Some(proc_root.join(format!("{pid}/fd/{fd}"))),
        Holder::BindMount {
            mnt_ns,
            path,
            via_pid,
        } => {
            if *mnt_ns == snapshot.self_links.get(NsKind::Mnt) || mnt_ns.is_none() {
                Some(PathBuf::from(path))
            } else {
                let pid = (*via_pid)?;
                let inside = path.trim_start_matches('/');
                Some(proc_root.join(format!("{pid}/root")).join(inside))
            }
        }
        Holder::Socket { .. } | Holder::Child { .. } | Holder::Owned { .. } => None,
    }
}

/// Fills parent, owner, owner uid and namespace id for every namespace, and adds the namespaces
/// found only through those links (a user namespace whose only trace is that it owns
/// another, an intermediate pid namespace with no process).
pub fn add_relations<K: NsKernel>(snapshot: &mut Snapshot, kernel: &K, proc_root: &Path) {
    let mut queue: VecDeque<(Inode, K::Handle)> = VecDeque::new();
    let known: Vec<Inode> = snapshot.namespaces.keys().copied().collect();
    for inode in known {
        let Some(ns) = snapshot.namespaces.get(&inode) else {
            continue;
        };
        let opened = holder_paths(snapshot, ns, proc_root)
            .into_iter()
            .filter_map(|path| kernel.open(&path))
            // The holder may have changed since the scan: only a file with the same inode counts.
            .find(|handle| kernel.inode(handle) == Some(inode));
        if let Some(handle) = opened {
            queue.push_back((inode, handle));
        }
    }

    while let Some((inode, handle)) = queue.pop_front() {
        let parent = kernel
            .parent(&handle)
            .and_then(|h| kernel.inode(&h).map(|i| (i, h)));
        let owner = kernel
            .owner(&handle)
            .and_then(|h| kernel.inode(&h).map(|i| (i, h)));
        let kind = snapshot.namespaces.get(&inode).map(|ns| ns.kind);
        let owner_uid = match kind {
            Some(NsKind::User) => kernel.owner_uid(&handle),
            _ => None,
        };
        let ns_id = kernel.ns_id(&handle);
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
            let Some(kind) = kernel.kind(&related_handle) else {
                continue;
            };
            let mut hidden = Namespace::new(related, kind);
            hidden.holders.push(holder);
            snapshot.namespaces.insert(related, hidden);
            queue.push_back((related, related_handle));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::model::Process;

    /// A fake kernel: path -> inode, and per inode its type, parent, owner.
    struct FakeKernel {
        paths: BTreeMap<PathBuf, Inode>,
        table: BTreeMap<Inode, (NsKind, Option<Inode>, Option<Inode>)>,
    }

    impl NsKernel for FakeKernel {
        type Handle = Inode;
        fn open(&self, path: &Path) -> Option<Inode> {
            self.paths.get(path).copied()
        }
        fn inode(&self, ns: &Inode) -> Option<Inode> {
            Some(*ns)
        }
        fn kind(&self, ns: &Inode) -> Option<NsKind> {
            self.table.get(ns).map(|t| t.0)
        }
        fn parent(&self, ns: &Inode) -> Option<Inode> {
            self.table.get(ns).and_then(|t| t.1)
        }
        fn owner(&self, ns: &Inode) -> Option<Inode> {
            self.table.get(ns).and_then(|t| t.2)
        }
        fn owner_uid(&self, _: &Inode) -> Option<u32> {
            Some(1000)
        }
        fn ns_id(&self, ns: &Inode) -> Option<u64> {
            Some(ns + 1_000_000)
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
                // stale path: the holder now has another namespace; must be ignored
                ("/proc/10/ns/uts", 99),
            ]
            .into_iter()
            .map(|(p, i)| (PathBuf::from(p), i))
            .collect(),
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
        add_relations(&mut snapshot, &kernel, root);

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
        // uts 30's only path opened a different inode: no relations recorded for it.
        assert_eq!(snapshot.namespace(30).and_then(|n| n.owner), None);
    }

    #[test]
    fn ns_get_id_matches_the_uapi_value() {
        // _IOR(0xb7, 13, __u64) as computed by the kernel's headers.
        assert_eq!(NS_GET_ID, 0x8008_b70d);
        // Cross-check the helper against one libc does define.
        assert_eq!(ior(0xb7, 0x5, 8), libc::NS_GET_MNTNS_ID as libc::c_ulong);
    }
}
