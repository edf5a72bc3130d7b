//! Reading through holders without disturbing the host: opening a namespace file (through
//! [`crate::kernel`], checked) or a member's `/proc/PID` directory and checking it is still the
//! namespace the snapshot named (inodes and pids are recycled), and running a reader on a
//! short-lived thread that joins exactly one namespace and then ends, with a deadline.
//!
//! Why a thread and not the caller: setns(2) moves only the calling thread, and a thread that
//! has entered a foreign namespace must never go back to do other work (a pool, the UI loop).
//! The thread ends when its closure returns, so nothing else ever runs inside; one that does
//! not return within [`deadline::INSIDE`] is abandoned and reported ("timed out after 2s").

use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};

use rustix::fs::{Mode, OFlags};

use crate::kernel::deadline;
use crate::kernel::read::{Cap, read_at};
use crate::model::{Holder, Inode, Namespace, NsKind, Pid, Snapshot};
use crate::scan::links;

/// A process (or thread) whose `/proc` directory was opened and found to be in the namespace.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Via {
    pub pid: Pid,
    /// Set when the holder is a thread that sits in the namespace while its process does not.
    pub tid: Option<Pid>,
    pub comm: String,
}

/// An open `/proc/PID` (or `/proc/PID/task/TID`) directory, pinned to that task: if the task
/// exits, reads through it fail with ESRCH instead of reaching a recycled pid.
pub struct TaskDir {
    pub fd: OwnedFd,
    pub via: Via,
}

impl TaskDir {
    /// Reads a file of the task as text (lossy), relative to the pinned directory, at most
    /// `cap` bytes; a file that is not a regular file is refused.
    pub fn read(&self, name: &std::ffi::CStr, cap: Cap) -> std::io::Result<String> {
        let mut buf = Vec::new();
        read_at(self.fd.as_fd(), name, cap, &mut buf, false).map_err(|errno| {
            std::io::Error::new(
                std::io::Error::from_raw_os_error(errno).kind(),
                crate::kernel::read::describe(errno),
            )
        })?;
        Ok(String::from_utf8_lossy(&buf).into_owned())
    }

    /// A second handle on the same pinned directory, for a reader thread to own.
    pub fn try_clone(&self) -> std::io::Result<TaskDir> {
        Ok(TaskDir {
            fd: self.fd.try_clone()?,
            via: self.via.clone(),
        })
    }

    /// True when the task's link `ns/<link>` still reads `<kind>:[inode]`.
    pub fn link_is(&self, link: &str, inode: Inode) -> bool {
        link_is(self.fd.as_fd(), link, inode)
    }
}

fn link_is(dir: BorrowedFd<'_>, link: &str, inode: Inode) -> bool {
    let Ok(path) = std::ffi::CString::new(format!("ns/{link}")) else {
        return false;
    };
    let mut buf = Vec::new();
    links::readlinkat_into(dir, &path, &mut buf).is_ok()
        && links::parse_ns_link(&buf).map(|(_, i)| i) == Some(inode)
}

fn open_dir(path: &Path) -> Option<OwnedFd> {
    rustix::fs::open(
        path,
        OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .ok()
}

/// Task directories whose `ns/<kind>` is this namespace: members first (ascending pid), then
/// threads that hold it. Each candidate is (pid, tid, path).
fn task_candidates(ns: &Namespace, proc_root: &Path) -> Vec<(Pid, Option<Pid>, PathBuf)> {
    let mut out: Vec<_> = ns
        .members
        .iter()
        .map(|&pid| (pid, None, proc_root.join(pid.to_string())))
        .collect();
    for holder in &ns.holders {
        if let Holder::Thread { pid, tid } = holder {
            out.push((
                *pid,
                Some(*tid),
                proc_root.join(format!("{pid}/task/{tid}")),
            ));
        }
    }
    out
}

/// Opens the task directories of up to `limit` tasks in the namespace, each verified by its
/// `ns/<kind>` link after opening (so the pinned directory is known to be in it).
pub fn task_dirs(
    snapshot: &Snapshot,
    ns: &Namespace,
    proc_root: &Path,
    link: &str,
    limit: usize,
) -> Vec<TaskDir> {
    task_candidates(ns, proc_root)
        .into_iter()
        .filter_map(|(pid, tid, path)| {
            let fd = open_dir(&path)?;
            link_is(fd.as_fd(), link, ns.inode).then(|| TaskDir {
                fd,
                via: Via {
                    pid,
                    tid,
                    comm: snapshot
                        .process(pid)
                        .map(|p| p.comm.clone())
                        .unwrap_or_default(),
                },
            })
        })
        .take(limit)
        .collect()
}

/// The first task directory in the namespace (see [`task_dirs`]).
pub fn task_dir(snapshot: &Snapshot, ns: &Namespace, proc_root: &Path) -> Option<TaskDir> {
    task_dirs(snapshot, ns, proc_root, ns.kind.name(), 1)
        .into_iter()
        .next()
}

/// A process directory whose `ns/time_for_children` is this time namespace:
/// `/proc/PID/timens_offsets` shows the offsets of that one, not of the process's own.
pub fn time_for_children_dir(
    snapshot: &Snapshot,
    ns: &Namespace,
    proc_root: &Path,
) -> Option<TaskDir> {
    let holders = ns.holders.iter().filter_map(|h| match h {
        Holder::ForChildren { pid } => Some(*pid),
        _ => None,
    });
    ns.members.iter().copied().chain(holders).find_map(|pid| {
        let fd = open_dir(&proc_root.join(pid.to_string()))?;
        link_is(fd.as_fd(), "time_for_children", ns.inode).then(|| TaskDir {
            fd,
            via: Via {
                pid,
                tid: None,
                comm: snapshot
                    .process(pid)
                    .map(|p| p.comm.clone())
                    .unwrap_or_default(),
            },
        })
    })
}

/// Opens the namespace itself through its best holder, checked by [`crate::kernel`] (nsfs, the
/// same inode and type; a planted FIFO or symlink is refused, never opened for reading).
pub fn open_namespace(
    snapshot: &Snapshot,
    ns: &Namespace,
    proc_root: &Path,
) -> std::io::Result<OwnedFd> {
    crate::kernel::open_namespace(snapshot, ns, proc_root)
        .map(|file| file.into_fd())
        .map_err(|refusal| match refusal {
            crate::kernel::Refusal::Failed(err) => err,
            // No holder opened, and the scan knows why (a bind mount in a mount namespace no
            // process is in): that, rather than ENOENT. Host text: escaped where it is shown.
            crate::kernel::Refusal::Gone => snapshot
                .unreadable_holders
                .iter()
                .find(|h| h.inode == ns.inode)
                .map_or_else(
                    || std::io::Error::from_raw_os_error(libc::ENOENT),
                    |h| std::io::Error::other(format!("{}: {}", h.path, h.reason)),
                ),
            crate::kernel::Refusal::Denied => std::io::Error::from_raw_os_error(libc::EACCES),
            other => std::io::Error::other(other.describe()),
        })
}

/// Runs `reader` on a fresh thread that first joins the namespace `ns_fd` of type `kind`, and
/// returns its result, or a "timed out after 2s" error when it takes longer (the thread is
/// then abandoned; it owns what it uses). Only types a thread of a multi-threaded process may
/// join are accepted: uts, ipc, net and cgroup (user and mnt need a single-threaded caller,
/// EINVAL; time, EUSERS; pid would only affect children).
pub fn run_inside<T: Send + 'static>(
    ns_fd: BorrowedFd<'_>,
    kind: NsKind,
    reader: impl FnOnce() -> T + Send + 'static,
) -> std::io::Result<T> {
    if !matches!(
        kind,
        NsKind::Uts | NsKind::Ipc | NsKind::Net | NsKind::Cgroup
    ) {
        return Err(std::io::Error::from_raw_os_error(libc::EINVAL));
    }
    // Already there (nsview's own namespace): no setns, which would need CAP_SYS_ADMIN even
    // for that. The reader still runs on its own thread, like every other.
    let own = rustix::fs::stat(format!("/proc/thread-self/ns/{kind}"))
        .ok()
        .map(|st| st.st_ino);
    let inode = rustix::fs::fstat(ns_fd).ok().map(|st| st.st_ino);
    let already_inside = own.is_some() && inode == own;
    // While a reader of this namespace hangs, no second one is started for it.
    let key = kind.label(inode.unwrap_or(0)).to_string();
    // The thread owns its copy of the fd: it may outlive this call.
    let owned = ns_fd.try_clone_to_owned()?;
    deadline::run(format!("nsview-{kind}"), key, deadline::INSIDE, move || {
        // setns moves only this thread, which ends right after `reader`; the type is pinned so
        // the fd cannot be some other kind of namespace.
        if !already_inside {
            crate::kernel::nsfs::setns(owned.as_fd(), kind)?;
        }
        drop(owned);
        Ok(reader())
    })?
}

#[cfg(test)]
mod tests {
    use super::*;

    fn own(kind: NsKind) -> OwnedFd {
        crate::kernel::nsfs::open_own(kind)
            .expect("own ns")
            .into_fd()
    }

    #[test]
    fn runs_in_our_own_namespace_without_privilege() {
        let fd = own(NsKind::Uts);
        let inside = run_inside(fd.as_fd(), NsKind::Uts, || {
            rustix::system::uname().nodename().to_owned()
        })
        .expect("own uts namespace");
        assert_eq!(inside, rustix::system::uname().nodename());
    }

    #[test]
    fn refuses_types_a_thread_cannot_join() {
        for kind in [NsKind::User, NsKind::Mnt, NsKind::Pid, NsKind::Time] {
            let Ok(fd) = crate::kernel::nsfs::open_own(kind) else {
                continue; // a kernel without time namespaces
            };
            let err = run_inside(fd.as_fd(), kind, || ()).expect_err("refused");
            assert_eq!(err.raw_os_error(), Some(libc::EINVAL), "{kind}");
        }
    }

    #[test]
    fn a_panicking_reader_is_an_error_not_a_crash() {
        let fd = own(NsKind::Ipc);
        let result = run_inside(fd.as_fd(), NsKind::Ipc, || -> () { panic!("reader bug") });
        assert!(result.is_err());
    }
}
