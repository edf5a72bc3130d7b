//! From a namespace in the snapshot to open, verified namespace files: the holders to try (any
//! kind the scanner knows), in order, and the check that each opened file really is the
//! namespace the scan saw, because inode numbers are recycled within seconds.
//!
//! The kernel side is [`crate::kernel`]'s one [`Kernel`] trait, so the order, skip and refusal
//! logic is unit-tested with a fake; [`Live`] is the real one, and every file it opens has been
//! checked to be nsfs (a planted FIFO or symlink is refused, never opened for reading).

use std::collections::BTreeSet;
use std::io;
use std::path::{Path, PathBuf};

use crate::kernel::nsfs::{self, NsPath, rank, verify_identity};
pub use crate::kernel::nsfs::{Expected, Identity, Kernel, Live, Refusal as Miss};
use crate::model::{Holder, Inode, Namespace, Pid, Snapshot};

/// Parent/owner chains deeper than this are not followed (user namespaces nest 32 deep at most,
/// but a chain that long to reach an entry point is not worth the walk).
const MAX_CHAIN: usize = 8;

/// How one holder opens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Via {
    Path(NsPath),
    /// pidfd_getfd of a socket, then SIOCGSKNS.
    Socket {
        pid: Pid,
        fd: i32,
    },
    /// NS_GET_PARENT of a child namespace (opened through its own holders).
    ParentOf(Inode),
    /// NS_GET_USERNS of a namespace this user namespace owns.
    OwnerOf(Inode),
}

/// A process or thread whose own ns links, root and cwd stand for a holder: what `--all`,
/// bare `-r` and bare `-w` use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Task {
    pub pid: Pid,
    pub tid: Option<Pid>,
}

impl Task {
    /// `/proc/PID` or `/proc/PID/task/TID`.
    pub fn dir(&self, proc_root: &Path) -> PathBuf {
        match self.tid {
            Some(tid) => proc_root.join(format!("{}/task/{tid}", self.pid)),
            None => proc_root.join(self.pid.to_string()),
        }
    }
}

/// One holder to try.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub via: Via,
    /// For messages: the path, or what the holder is.
    pub label: String,
    /// The process that holds it, for `--pid`.
    pub pid: Option<Pid>,
    /// Set for holders that are a task's own link (member, thread, `*_for_children`).
    pub task: Option<Task>,
}

/// One holder that was tried and why it failed.
#[derive(Debug)]
pub struct Tried {
    pub label: String,
    pub miss: Miss,
}

/// Checks an opened file against what the scan saw. Only the same inode, type and (where both
/// sides know it) namespace id is accepted.
pub fn verify(found: &Identity, expected: &Expected) -> Result<(), Miss> {
    verify_identity(found, expected)
}

/// The holders of a namespace, best first: members, threads, `*_for_children`, fds, bind
/// mounts, sockets, then the child and owned namespaces it can be reached from.
pub fn candidates(snapshot: &Snapshot, ns: &Namespace, proc_root: &Path) -> Vec<Candidate> {
    let mut out: Vec<Candidate> = ns
        .members
        .iter()
        .map(|&pid| {
            let path = NsPath::member(proc_root, pid, ns.kind);
            Candidate {
                label: path.display(),
                via: Via::Path(path),
                pid: Some(pid),
                task: Some(Task { pid, tid: None }),
            }
        })
        .collect();
    let mut later = Vec::new();
    for holder in &ns.holders {
        let (pid, task) = match *holder {
            Holder::Thread { pid, tid } => (
                Some(pid),
                Some(Task {
                    pid,
                    tid: Some(tid),
                }),
            ),
            Holder::ForChildren { pid } => (Some(pid), Some(Task { pid, tid: None })),
            Holder::Fd { pid, .. } | Holder::Socket { pid, .. } => (Some(pid), None),
            Holder::BindMount { .. } | Holder::Child { .. } | Holder::Owned { .. } => (None, None),
        };
        if let Some(path) = nsfs::holder_path(snapshot, ns.kind, holder, proc_root) {
            out.push(Candidate {
                label: path.display(),
                via: Via::Path(path),
                pid,
                task,
            });
            continue;
        }
        let (via, label) = match *holder {
            Holder::Socket { pid, fd } => (
                Via::Socket { pid, fd },
                format!("socket fd {fd} of process {pid}"),
            ),
            Holder::Child { inode } => (Via::ParentOf(inode), format!("parent of {inode}")),
            Holder::Owned { inode } => (Via::OwnerOf(inode), format!("owner of {inode}")),
            _ => continue,
        };
        later.push(Candidate {
            via,
            label,
            pid,
            task,
        });
    }
    // Chains cost more opens and ioctls; try every direct holder first.
    later.sort_by_key(|c| !matches!(c.via, Via::Socket { .. }));
    out.extend(later);
    out
}

/// Opens namespaces of a snapshot through a [`Kernel`].
pub struct Resolver<'a, O: Kernel> {
    pub snapshot: &'a Snapshot,
    pub opener: &'a O,
    pub proc_root: &'a Path,
}

impl<O: Kernel> Resolver<'_, O> {
    /// Opens `ns` through the first holder that still holds it (only holders of process `pid`
    /// when given). On failure, every holder tried and why.
    pub fn open(
        &self,
        ns: &Namespace,
        pid: Option<Pid>,
    ) -> Result<(O::Handle, Candidate), Vec<Tried>> {
        let mut visited = BTreeSet::from([ns.inode]);
        self.open_inner(ns, pid, &mut visited)
    }

    fn open_inner(
        &self,
        ns: &Namespace,
        pid: Option<Pid>,
        visited: &mut BTreeSet<Inode>,
    ) -> Result<(O::Handle, Candidate), Vec<Tried>> {
        let expected = Expected::of(ns);
        let mut tried = Vec::new();
        for candidate in candidates(self.snapshot, ns, self.proc_root) {
            if pid.is_some() && candidate.pid != pid {
                continue;
            }
            match self.try_one(&candidate, &expected, visited) {
                Ok(handle) => return Ok((handle, candidate)),
                Err(miss) => tried.push(Tried {
                    label: candidate.label,
                    miss,
                }),
            }
        }
        Err(tried)
    }

    fn try_one(
        &self,
        candidate: &Candidate,
        expected: &Expected,
        visited: &mut BTreeSet<Inode>,
    ) -> Result<O::Handle, Miss> {
        let handle = match &candidate.via {
            Via::Path(path) => self.opener.open(path, Some(expected))?,
            Via::Socket { pid, fd } => {
                self.opener.socket_netns(*pid, *fd).map_err(Miss::from_io)?
            }
            Via::ParentOf(inode) | Via::OwnerOf(inode) => {
                let related = self.open_related(*inode, visited)?;
                let step = match candidate.via {
                    Via::ParentOf(_) => self.opener.parent(&related),
                    _ => self.opener.owner(&related),
                };
                step.map_err(Miss::from_io)?
            }
        };
        verify(&self.opener.identity(&handle), expected)?;
        Ok(handle)
    }

    /// Opens a namespace that a parent/owner chain starts from, verified like any other.
    fn open_related(&self, inode: Inode, visited: &mut BTreeSet<Inode>) -> Result<O::Handle, Miss> {
        if visited.len() > MAX_CHAIN || !visited.insert(inode) {
            return Err(Miss::Failed(io::Error::other("chain too long")));
        }
        let Some(ns) = self.snapshot.namespace(inode) else {
            return Err(Miss::Gone);
        };
        match self.open_inner(ns, None, visited) {
            Ok((handle, _)) => Ok(handle),
            Err(tried) => Err(tried
                .into_iter()
                .map(|t| t.miss)
                .min_by_key(rank)
                .unwrap_or(Miss::Gone)),
        }
    }

    /// Opens one path that must be `expected` (a holder process's other namespaces for `--all`).
    pub fn open_path(&self, path: &Path, expected: &Expected) -> Result<O::Handle, Miss> {
        let handle = self
            .opener
            .open(&NsPath::ProcLink(path.to_path_buf()), Some(expected))?;
        verify(&self.opener.identity(&handle), expected)?;
        Ok(handle)
    }
}

/// One line saying why no holder of `ns` could be used.
pub fn explain(label: &str, tried: &[Tried], caps_missing: &[&str]) -> String {
    let Some(best) = tried.iter().min_by_key(|t| rank(&t.miss)) else {
        return format!(
            "{label} has no holder nsview can open (only sockets or links it cannot reach)"
        );
    };
    let head = match &best.miss {
        Miss::Changed(_) => {
            format!("refusing to enter {label}: its inode was reused, no holder still holds it")
        }
        Miss::NotNamespace(_) => format!(
            "refusing to enter {label}: a holder's path holds something that is not a \
             namespace file, and no other holder still holds it"
        ),
        Miss::Denied => {
            let needs = if caps_missing.is_empty() {
                String::new()
            } else {
                format!(
                    " (needs {}, or the holder's uid)",
                    caps_missing.join(" and ")
                )
            };
            format!("permission denied opening {label}{needs}")
        }
        Miss::Gone => format!("{label} is gone: every holder vanished"),
        Miss::Failed(_) => format!("cannot open {label}"),
    };
    let details: Vec<String> = tried
        .iter()
        .take(3)
        .map(|t| format!("{}: {}", crate::text::safe(&t.label), t.miss.describe()))
        .collect();
    let more = if tried.len() > 3 {
        format!("; {} more", tried.len() - 3)
    } else {
        String::new()
    };
    format!("{head} ({}{more})", details.join("; "))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::model::{Link, NsKind, NsLinks, Process};

    /// Paths and sockets lead to inodes (or an errno); inodes have a kind, an id, a parent and
    /// an owner.
    #[derive(Default)]
    struct Fake {
        paths: BTreeMap<PathBuf, Result<Inode, i32>>,
        sockets: BTreeMap<(Pid, i32), Inode>,
        table: BTreeMap<Inode, (NsKind, u64, Option<Inode>, Option<Inode>)>,
    }

    impl Kernel for Fake {
        type Handle = Inode;
        fn open(&self, path: &NsPath, _: Option<&Expected>) -> Result<Inode, Miss> {
            match self.paths.get(Path::new(&path.display())) {
                Some(Ok(inode)) => Ok(*inode),
                Some(Err(errno)) => Err(Miss::from_io(io::Error::from_raw_os_error(*errno))),
                None => Err(Miss::Gone),
            }
        }
        fn owner_uid(&self, _: &Inode) -> Option<u32> {
            None
        }
        fn socket_netns(&self, pid: Pid, fd: i32) -> io::Result<Inode> {
            self.sockets
                .get(&(pid, fd))
                .copied()
                .ok_or_else(|| io::Error::from_raw_os_error(libc::ESRCH))
        }
        fn parent(&self, ns: &Inode) -> io::Result<Inode> {
            self.table
                .get(ns)
                .and_then(|t| t.2)
                .ok_or_else(|| io::Error::from_raw_os_error(libc::EPERM))
        }
        fn owner(&self, ns: &Inode) -> io::Result<Inode> {
            self.table
                .get(ns)
                .and_then(|t| t.3)
                .ok_or_else(|| io::Error::from_raw_os_error(libc::EPERM))
        }
        fn identity(&self, ns: &Inode) -> Identity {
            Identity {
                inode: *ns,
                kind: self.table.get(ns).map(|t| t.0),
                ns_id: self.table.get(ns).map(|t| t.1),
            }
        }
    }

    fn ns(inode: Inode, kind: NsKind, members: &[Pid], holders: Vec<Holder>) -> Namespace {
        let mut ns = Namespace::new(inode, kind);
        ns.members = members.to_vec();
        ns.holders = holders;
        ns.ns_id = Some(inode + 1000);
        ns
    }

    fn snapshot(namespaces: Vec<Namespace>) -> Snapshot {
        let mut snapshot = Snapshot::default();
        let mut links = NsLinks::default();
        links.current[NsKind::Mnt.index()] = Link::Ns(1);
        snapshot.self_links = links;
        for ns in namespaces {
            for &pid in &ns.members {
                snapshot.processes.insert(
                    pid,
                    Process {
                        pid,
                        ppid: 1,
                        uid: 0,
                        comm: "sleep".into(),
                        command: "sleep 60".into(),
                        command_bytes: None,
                        state: 'S',
                        start_time: 0,
                        links: NsLinks::default(),
                        odd_threads: vec![],
                    },
                );
            }
            snapshot.namespaces.insert(ns.inode, ns);
        }
        snapshot
    }

    fn fake(paths: &[(&str, Result<Inode, i32>)], kinds: &[(Inode, NsKind)]) -> Fake {
        Fake {
            paths: paths.iter().map(|(p, r)| (PathBuf::from(p), *r)).collect(),
            table: kinds
                .iter()
                .map(|&(i, k)| (i, (k, i + 1000, None, None)))
                .collect(),
            ..Fake::default()
        }
    }

    fn open(snapshot: &Snapshot, fake: &Fake, inode: Inode) -> Result<String, String> {
        let resolver = Resolver {
            snapshot,
            opener: fake,
            proc_root: Path::new("/proc"),
        };
        let ns = snapshot.namespace(inode).ok_or("unknown")?;
        resolver
            .open(ns, None)
            .map(|(_, c)| c.label)
            .map_err(|tried| explain(&Expected::of(ns).label(), &tried, &["CAP_SYS_PTRACE"]))
    }

    #[test]
    fn skips_vanished_and_recycled_holders_in_order() {
        let bind = Holder::BindMount {
            mnt_ns: Some(1),
            path: "/run/netns/x".into(),
            via_pid: Some(5),
        };
        let s = snapshot(vec![ns(
            500,
            NsKind::Net,
            &[10, 11],
            vec![Holder::Fd { pid: 12, fd: 3 }, bind],
        )]);
        let f = fake(
            &[
                // 10 exited, 11's inode was recycled into a uts namespace, the fd is gone,
                // the bind mount still holds it.
                ("/proc/11/ns/net", Ok(900)),
                ("/run/netns/x", Ok(500)),
            ],
            &[(500, NsKind::Net), (900, NsKind::Uts)],
        );
        assert_eq!(open(&s, &f, 500), Ok("/run/netns/x".into()));
    }

    #[test]
    fn refuses_when_nothing_valid_is_left() {
        let s = snapshot(vec![ns(500, NsKind::Uts, &[10], vec![])]);
        // Same inode number, but now a net namespace: refused.
        let f = fake(&[("/proc/10/ns/uts", Ok(500))], &[(500, NsKind::Net)]);
        let err = open(&s, &f, 500).expect_err("refused");
        assert!(
            err.starts_with("refusing to enter uts:[500]: its inode was reused"),
            "{err}"
        );
        assert!(err.contains("/proc/10/ns/uts: now is net:[500]"), "{err}");

        // Same inode and type, but a different namespace id (NS_GET_ID never repeats).
        let mut f = fake(&[("/proc/10/ns/uts", Ok(500))], &[(500, NsKind::Uts)]);
        f.table.insert(500, (NsKind::Uts, 7, None, None));
        let err = open(&s, &f, 500).expect_err("refused");
        assert!(err.contains("now is uts:[500] (id 7)"), "{err}");

        // A path that now holds some other file.
        let f = fake(&[("/proc/10/ns/uts", Ok(500))], &[]);
        let err = open(&s, &f, 500).expect_err("refused");
        assert!(err.contains("not a namespace"), "{err}");
    }

    #[test]
    fn explains_gone_and_denied() {
        let s = snapshot(vec![ns(500, NsKind::Net, &[10, 11], vec![])]);
        let f = fake(&[], &[(500, NsKind::Net)]);
        let err = open(&s, &f, 500).expect_err("gone");
        assert!(err.starts_with("net:[500] is gone"), "{err}");
        let f = fake(
            &[("/proc/11/ns/net", Err(libc::EACCES))],
            &[(500, NsKind::Net)],
        );
        let err = open(&s, &f, 500).expect_err("denied");
        assert!(
            err.starts_with("permission denied opening net:[500] (needs CAP_SYS_PTRACE"),
            "{err}"
        );
        assert!(!err.contains('\n'));
    }

    #[test]
    fn reaches_hidden_namespaces_through_parent_and_owner_chains() {
        // user 2 has no process: only user 3 (child, owned) and its member 10 lead to it.
        let s = snapshot(vec![
            ns(2, NsKind::User, &[], vec![Holder::Child { inode: 3 }]),
            ns(3, NsKind::User, &[10], vec![]),
            ns(4, NsKind::User, &[], vec![Holder::Owned { inode: 30 }]),
            ns(
                30,
                NsKind::Net,
                &[],
                vec![Holder::Socket { pid: 12, fd: 7 }],
            ),
        ]);
        let mut f = fake(
            &[("/proc/10/ns/user", Ok(3))],
            &[(2, NsKind::User), (30, NsKind::Net), (4, NsKind::User)],
        );
        f.table.insert(3, (NsKind::User, 1003, Some(2), Some(2)));
        f.table.insert(30, (NsKind::Net, 1030, None, Some(4)));
        f.sockets.insert((12, 7), 30);
        assert_eq!(open(&s, &f, 2), Ok("parent of 3".into()));
        // user 4 <- owner of net 30 <- socket fd 7 of 12
        assert_eq!(open(&s, &f, 4), Ok("owner of 30".into()));
        assert_eq!(open(&s, &f, 30), Ok("socket fd 7 of process 12".into()));
    }

    #[test]
    fn pid_filter_and_bind_mounts_in_other_mount_namespaces() {
        let bind = Holder::BindMount {
            mnt_ns: Some(77),
            path: "/run/netns/inner".into(),
            via_pid: Some(20),
        };
        let s = snapshot(vec![ns(500, NsKind::Net, &[10], vec![bind])]);
        let list = candidates(&s, s.namespace(500).expect("ns"), Path::new("/proc"));
        assert_eq!(
            list[1].via,
            Via::Path(NsPath::InRoot {
                root: "/proc/20/root".into(),
                path: "/run/netns/inner".into()
            })
        );
        let f = fake(
            &[
                ("/proc/10/ns/net", Ok(500)),
                ("/proc/20/root/run/netns/inner", Ok(500)),
            ],
            &[(500, NsKind::Net)],
        );
        let resolver = Resolver {
            snapshot: &s,
            opener: &f,
            proc_root: Path::new("/proc"),
        };
        let ns = s.namespace(500).expect("ns");
        let (_, chosen) = resolver.open(ns, Some(10)).expect("member 10");
        assert_eq!(chosen.task, Some(Task { pid: 10, tid: None }));
        assert!(
            resolver
                .open(ns, Some(99))
                .expect_err("99 holds nothing")
                .is_empty()
        );
    }
}
