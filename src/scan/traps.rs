//! The trap check: every holder path a host can plant something at (bind mounts, fds) is
//! opened through [`crate::kernel`] once per scan, also when the namespace has a good holder,
//! so a FIFO or symlink where a second bind mount was is on record in
//! [`Snapshot::unreadable_holders`] and never hides behind the first holder that works.
//!
//! Member, thread and `*_for_children` links are the kernel's own and are not checked here.
//! A bind mount in a mount namespace nsview has no process to go through (one pinned only by
//! a bind mount or an fd) has no path nsview can open: when the namespace has no other way in,
//! it is recorded with that reason.

use std::path::Path;

use crate::kernel::nsfs::{Expected, Kernel, holder_path, verify_identity};
use crate::model::{Holder, Snapshot, UnreadableHolder};

/// Checks the planted-at holders of every namespace and records the ones that are not what
/// the scan saw there: a file that is not a namespace (a trap), or a bind mount whose mount
/// namespace nsview cannot reach. Holders that vanished or changed since are races, not traps.
pub fn check_holders<K: Kernel>(snapshot: &mut Snapshot, kernel: &K, proc_root: &Path) {
    let mut found = Vec::new();
    for ns in snapshot.namespaces.values() {
        let expected = Expected {
            inode: ns.inode,
            kind: ns.kind,
            ns_id: None,
        };
        // A way in other than a bind mount or an fd (a member, thread, child link, socket).
        let mut reachable = !ns.members.is_empty()
            || ns.holders.iter().any(|h| {
                matches!(
                    h,
                    Holder::Thread { .. } | Holder::ForChildren { .. } | Holder::Socket { .. }
                )
            });
        let mut unreachable = Vec::new();
        for holder in &ns.holders {
            if !matches!(holder, Holder::BindMount { .. } | Holder::Fd { .. }) {
                continue;
            }
            let Some(path) = holder_path(snapshot, ns.kind, holder, proc_root) else {
                if let Holder::BindMount {
                    mnt_ns: Some(mnt_ns),
                    path,
                    ..
                } = holder
                {
                    unreachable.push(UnreadableHolder {
                        inode: ns.inode,
                        kind: ns.kind,
                        path: path.clone(),
                        reason: format!(
                            "in {}, which has no process nsview can open it through",
                            crate::model::NsKind::Mnt.label(*mnt_ns)
                        ),
                    });
                }
                continue;
            };
            match kernel.open(&path, Some(&expected)).and_then(|handle| {
                verify_identity(&kernel.identity(&handle), &expected).map(|()| handle)
            }) {
                Ok(_) => reachable = true,
                Err(refusal) if refusal.is_trap() => found.push(UnreadableHolder {
                    inode: ns.inode,
                    kind: ns.kind,
                    path: path.display(),
                    reason: refusal.describe(),
                }),
                Err(_) => {}
            }
        }
        // A bind mount in a mount namespace without a process is news only when it is all
        // there is: mount propagation copies the host's `/run/netns` mounts into every mount
        // namespace, process-less ones too, and the namespace opens through the host's copy.
        if !reachable {
            found.extend(unreachable);
        }
    }
    snapshot.unreadable_holders.extend(found);
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use super::*;
    use crate::kernel::nsfs::{Identity, NsPath, Refusal};
    use crate::model::{Inode, Namespace, NsKind};

    /// A kernel where every path opens as its namespace except the planted ones; it records
    /// what was opened.
    struct Planted {
        traps: Vec<&'static str>,
        opened: RefCell<Vec<String>>,
    }

    impl Kernel for Planted {
        type Handle = (Inode, NsKind);
        fn open(
            &self,
            path: &NsPath,
            expected: Option<&Expected>,
        ) -> Result<(Inode, NsKind), Refusal> {
            let shown = path.display();
            self.opened.borrow_mut().push(shown.clone());
            if self.traps.iter().any(|t| *t == shown) {
                return Err(Refusal::NotNamespace("a FIFO"));
            }
            let expected = expected.expect("an expectation");
            Ok((expected.inode, expected.kind))
        }
        fn socket_netns(&self, _: i32, _: i32) -> std::io::Result<(Inode, NsKind)> {
            Err(std::io::Error::from_raw_os_error(libc::ESRCH))
        }
        fn parent(&self, _: &(Inode, NsKind)) -> std::io::Result<(Inode, NsKind)> {
            Err(std::io::Error::from_raw_os_error(libc::EPERM))
        }
        fn owner(&self, _: &(Inode, NsKind)) -> std::io::Result<(Inode, NsKind)> {
            Err(std::io::Error::from_raw_os_error(libc::EPERM))
        }
        fn owner_uid(&self, _: &(Inode, NsKind)) -> Option<u32> {
            None
        }
        fn identity(&self, ns: &(Inode, NsKind)) -> Identity {
            Identity {
                inode: ns.0,
                kind: Some(ns.1),
                ns_id: None,
            }
        }
    }

    #[test]
    fn a_trap_behind_a_working_holder_is_recorded() {
        // net 100: member pid 10 (works), a bind mount in our own mount namespace (works), a
        // second bind mount inside pid 10's mount namespace where a FIFO now sits, and an fd.
        // uts 200: only a bind mount in mount namespace 7, which no process is in.
        let mut snapshot = Snapshot::default();
        snapshot.self_links.current[NsKind::Mnt.index()] = crate::model::Link::Ns(1);
        let mut net = Namespace::new(100, NsKind::Net);
        net.members.push(10);
        net.holders = vec![
            Holder::BindMount {
                mnt_ns: Some(1),
                path: "/run/netns/good".into(),
                via_pid: Some(1),
            },
            Holder::BindMount {
                mnt_ns: Some(5),
                path: "/tmp/hide/trap".into(),
                via_pid: Some(10),
            },
            Holder::Fd { pid: 10, fd: 3 },
            Holder::Socket { pid: 10, fd: 4 },
            Holder::Thread { pid: 10, tid: 11 },
        ];
        let mut uts = Namespace::new(200, NsKind::Uts);
        uts.holders.push(Holder::BindMount {
            mnt_ns: Some(7),
            path: "/pinned/uts".into(),
            via_pid: None,
        });
        // uts 300: a copy of a good bind mount in that same process-less mount namespace
        // (propagation makes them): it opens through the good one, so that is not news.
        let mut copied = Namespace::new(300, NsKind::Uts);
        copied.holders = vec![
            Holder::BindMount {
                mnt_ns: Some(1),
                path: "/run/uts/copied".into(),
                via_pid: Some(1),
            },
            Holder::BindMount {
                mnt_ns: Some(7),
                path: "/run/uts/copied".into(),
                via_pid: None,
            },
        ];
        snapshot.namespaces.insert(100, net);
        snapshot.namespaces.insert(200, uts);
        snapshot.namespaces.insert(300, copied);
        let kernel = Planted {
            traps: vec!["/proc/10/root/tmp/hide/trap"],
            opened: RefCell::new(Vec::new()),
        };
        check_holders(&mut snapshot, &kernel, Path::new("/proc"));
        assert_eq!(
            snapshot.unreadable_holders,
            vec![
                UnreadableHolder {
                    inode: 100,
                    kind: NsKind::Net,
                    path: "/proc/10/root/tmp/hide/trap".into(),
                    reason: "a FIFO, not a namespace file".into(),
                },
                UnreadableHolder {
                    inode: 200,
                    kind: NsKind::Uts,
                    path: "/pinned/uts".into(),
                    reason: "in mnt:[7], which has no process nsview can open it through".into(),
                },
            ]
        );
        // Only the plantable paths were opened: no member, thread or socket.
        assert_eq!(
            *kernel.opened.borrow(),
            vec![
                "/run/netns/good".to_string(),
                "/proc/10/root/tmp/hide/trap".into(),
                "/proc/10/fd/3".into(),
                "/run/uts/copied".into(),
            ]
        );
    }
}
