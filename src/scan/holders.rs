//! Holders other than member processes: nsfs fds, sockets, and nsfs bind mounts in every mount
//! namespace. Threads and `*_for_children` links are found while reading processes.
//!
//! On the live kernel fds are classified by what they are: one statx each (nsfs device or
//! socket), as lsns 2.42 does. A namespace fd's type comes from its link text (`net:[N]`), or,
//! for one opened through a bind mount (its text is a path), from [`crate::kernel`]'s checked
//! open. Nothing else is opened. A fake tree has only link texts (`net:[N]`, `socket:[N]`).

use std::collections::{BTreeMap, HashMap};
use std::ffi::CString;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use rustix::fs::{Mode, OFlags};

use super::mounts::NsfsMount;
use super::{add_holder, links};
use crate::kernel::nsfs::FdEntry;
use crate::model::{GapSubject, Gaps, Holder, Inode, NsKind, Pid, ReadError, Snapshot};

/// nsfs fds as (fd, type, inode), and socket fds as (fd, socket inode).
pub type FdFindings = (Vec<(i32, NsKind, Inode)>, Vec<(i32, Inode)>);

/// Lists a process's fds and classifies them. `nsfs_dev` (the live kernel's nsfs device) lets
/// path-like fds be recognised as namespaces; without it only the link text counts.
pub fn scan_fds(
    dir: BorrowedFd<'_>,
    buf: &mut Vec<u8>,
    gaps: &mut Gaps,
    nsfs_dev: Option<u64>,
) -> FdFindings {
    let mut ns_fds = Vec::new();
    let mut sockets = Vec::new();
    let fd_dir = match rustix::fs::openat(
        dir,
        c"fd",
        // A directory, never a symlink (a fake tree could point one anywhere).
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::empty(),
    ) {
        Ok(fd) => fd,
        Err(e) => {
            // ENOENT here is a process that exited between its stat and now.
            gaps.record(GapSubject::Fd, ReadError::from_errno(e.raw_os_error()));
            return (ns_fds, sockets);
        }
    };
    // Dir::new keeps our fd; Dir::read_from would cost an fcntl, an openat(".") and a close.
    let mut entries = match rustix::fs::Dir::new(fd_dir) {
        Ok(dir) => dir,
        Err(_) => {
            gaps.record(GapSubject::Fd, ReadError::Other(libc::EIO));
            return (ns_fds, sockets);
        }
    };
    let fds: Vec<i32> = entries
        .by_ref()
        .flatten()
        .filter_map(|entry| {
            links::parse_decimal(entry.file_name().to_bytes()).and_then(|n| i32::try_from(n).ok())
        })
        .collect();
    let Ok(fd_dir) = entries.fd() else {
        return (ns_fds, sockets);
    };
    let mut name = [0u8; 24];
    for fd in fds {
        let name = links::decimal_name(fd as u64, &mut name);
        // An fd closed between getdents and the look at it is simply gone: not a gap.
        let Some(dev) = nsfs_dev else {
            // A fake tree: only the link text counts.
            if links::readlinkat_into(fd_dir, name, buf).is_err() {
                continue;
            }
            if let Some((kind, inode)) = links::parse_ns_link(buf) {
                ns_fds.push((fd, kind, inode));
            } else if let Some(inode) = links::parse_socket_link(buf) {
                sockets.push((fd, inode));
            }
            continue;
        };
        // The live kernel: one statx per fd says what it is (as lsns's stat does); only a
        // namespace fd costs more, to learn its type.
        match crate::kernel::nsfs::classify_fd_entry(fd_dir, name, dev) {
            Some(FdEntry::Namespace(inode)) => {
                if let Some(kind) = namespace_fd_kind(fd_dir, name, inode, buf) {
                    ns_fds.push((fd, kind, inode));
                }
            }
            Some(FdEntry::Socket(inode)) => sockets.push((fd, inode)),
            Some(FdEntry::Other) | None => {}
        }
    }
    (ns_fds, sockets)
}

/// The type of the namespace fd `name` (inode `inode`, by statx). An fd opened through
/// `/proc/PID/ns` reads back as `type:[inode]`, which names it; one opened through a bind
/// mount reads back as a path (or `/` once unmounted), so only that one is opened, checked and
/// asked (NS_GET_NSTYPE). Either way the inode must still be the one statx saw: an fd swapped
/// in between is skipped.
fn namespace_fd_kind(
    fd_dir: BorrowedFd<'_>,
    name: &std::ffi::CStr,
    inode: Inode,
    buf: &mut Vec<u8>,
) -> Option<NsKind> {
    links::readlinkat_into(fd_dir, name, buf).ok()?;
    if let Some((kind, linked)) = links::parse_ns_link(buf) {
        return (linked == inode).then_some(kind);
    }
    let file = crate::kernel::nsfs::open_fd_entry(fd_dir, name).ok()?;
    if file.identity.inode != inode {
        return None;
    }
    file.identity.kind
}

/// Resolves each socket's network namespace and records sockets that sit in a network
/// namespace other than their process's own (the ones that can keep a netns alive by
/// themselves). Each distinct socket inode is probed once.
pub fn add_socket_holders(snapshot: &mut Snapshot, sockets: &[(Pid, i32, Inode)]) {
    let mut by_pid: BTreeMap<Pid, Vec<(i32, Inode)>> = BTreeMap::new();
    for &(pid, fd, inode) in sockets {
        by_pid.entry(pid).or_default().push((fd, inode));
    }
    let mut probed: HashMap<Inode, Option<Inode>> = HashMap::new();
    let mut found = Vec::new();
    for (pid, fds) in by_pid {
        let own_netns = snapshot.process(pid).and_then(|p| p.ns(NsKind::Net));
        let mut pidfd = None;
        for (fd, socket_inode) in fds {
            let netns = *probed.entry(socket_inode).or_insert_with(|| {
                let pidfd = pidfd.get_or_insert_with(|| open_pidfd(pid));
                pidfd
                    .as_ref()
                    .ok()
                    .and_then(|pidfd| socket_netns(pidfd.as_fd(), fd))
            });
            if let Some(netns) = netns
                && Some(netns) != own_netns
            {
                found.push((netns, pid, fd));
            }
        }
        if let Some(Err(why)) = pidfd {
            snapshot.gaps.record(GapSubject::Fd, why);
        }
    }
    for (netns, pid, fd) in found {
        add_holder(
            snapshot,
            netns,
            Some(NsKind::Net),
            Holder::Socket { pid, fd },
        );
    }
}

fn open_pidfd(pid: Pid) -> Result<OwnedFd, ReadError> {
    let pid = rustix::process::Pid::from_raw(pid).ok_or(ReadError::Vanished)?;
    rustix::process::pidfd_open(pid, rustix::process::PidfdFlags::empty())
        .map_err(|e| ReadError::from_errno(e.raw_os_error()))
}

/// The inode of the network namespace a socket (another process's fd) was created in.
fn socket_netns(pidfd: BorrowedFd<'_>, fd: i32) -> Option<Inode> {
    crate::kernel::nsfs::socket_netns_with(pidfd, fd)
        .ok()
        .map(|file| file.identity.inode)
}

/// Finds nsfs bind mounts in every mount namespace. On a live kernel with the mount-namespace
/// iterator this reaches namespaces no process is in; otherwise (or when refused) it reads the
/// mountinfo of one member per mount namespace. Mounts in nsview's own mount namespace also
/// fill [`crate::model::Namespace::nsfs_paths`] (lsns's NSFS column).
pub fn add_bind_mounts(snapshot: &mut Snapshot, root: BorrowedFd<'_>, live: bool) {
    let walked = live
        .then(|| {
            let own = crate::kernel::nsfs::open_own(NsKind::Mnt).ok()?;
            super::mounts::nsfs_mounts_with_gaps(&own.into_fd())
        })
        .flatten();
    let found = match walked {
        Some((found, failed)) => {
            // A mount namespace (or the rest of a walk) nsview could not look into.
            for errno in failed {
                snapshot
                    .gaps
                    .record(GapSubject::MountTable, ReadError::from_errno(errno));
            }
            found
        }
        None => nsfs_mounts_from_mountinfo(snapshot, root),
    };

    let own_mnt_ns = snapshot.self_links.get(NsKind::Mnt);
    for mount in found {
        let via_pid = snapshot
            .namespace(mount.mnt_ns)
            .and_then(|ns| ns.lowest_pid());
        let in_own_mnt_ns = Some(mount.mnt_ns) == own_mnt_ns;
        let holder = Holder::BindMount {
            mnt_ns: Some(mount.mnt_ns),
            path: mount.path.clone(),
            via_pid,
        };
        add_holder(snapshot, mount.inode, Some(mount.kind), holder);
        if in_own_mnt_ns && let Some(ns) = snapshot.namespaces.get_mut(&mount.inode) {
            ns.nsfs_paths.push(mount.path);
        }
    }
}

/// The fallback: mountinfo of one readable member per mount namespace.
fn nsfs_mounts_from_mountinfo(snapshot: &mut Snapshot, root: BorrowedFd<'_>) -> Vec<NsfsMount> {
    let mount_namespaces: Vec<(Inode, Vec<Pid>)> = snapshot
        .of_kind(NsKind::Mnt)
        .map(|ns| (ns.inode, ns.members.clone()))
        .collect();
    let mut buf = Vec::new();
    let mut found = Vec::new();
    for (mnt_ns, members) in mount_namespaces {
        // Any member will do; try a few in case the first one just exited.
        let mut last_error = None;
        let mut read = false;
        for &pid in members.iter().take(4) {
            match read_mountinfo(root, pid, &mut buf) {
                // A member at scan time may since have moved to a mount namespace of its own
                // (an `unshare --mount`, a container's `runc init` before its pivot_root):
                // its table would then be that namespace's. Only a member still in `mnt_ns`
                // after the read speaks for it.
                Ok(()) if still_in(root, pid, mnt_ns) != Some(true) => {
                    last_error = Some(ReadError::Vanished);
                }
                Ok(()) => {
                    found.extend(
                        parse_nsfs_mounts(&buf)
                            .into_iter()
                            .map(|(kind, inode, path)| NsfsMount {
                                mnt_ns,
                                kind,
                                inode,
                                path,
                            }),
                    );
                    read = true;
                    break;
                }
                Err(why) => last_error = Some(why),
            }
        }
        if !read && let Some(why) = last_error {
            snapshot.gaps.record(GapSubject::MountTable, why);
        }
    }
    found
}

/// Whether `pid`'s mount namespace is still `mnt_ns` (None: its link could not be read).
fn still_in(root: BorrowedFd<'_>, pid: Pid, mnt_ns: Inode) -> Option<bool> {
    let name = CString::new(format!("{pid}/ns/mnt")).ok()?;
    let mut link = Vec::new();
    links::readlinkat_into(root, &name, &mut link).ok()?;
    links::parse_ns_link(&link).map(|(_, inode)| inode == mnt_ns)
}

fn read_mountinfo(root: BorrowedFd<'_>, pid: Pid, buf: &mut Vec<u8>) -> Result<(), ReadError> {
    let name =
        CString::new(format!("{pid}/mountinfo")).map_err(|_| ReadError::Other(libc::EINVAL))?;
    crate::kernel::read::read_at(root, &name, crate::kernel::read::Cap::MOUNTINFO, buf, false)
        .map_err(ReadError::from_errno)
}

/// The nsfs mounts in a mountinfo text: (type, inode, mount point).
pub fn parse_nsfs_mounts(mountinfo: &[u8]) -> Vec<(NsKind, Inode, String)> {
    // Cheap pre-filter: most mount tables have no nsfs line at all.
    if !mountinfo.windows(6).any(|w| w == b" nsfs ") {
        return Vec::new();
    }
    // Line by line rather than procfs's MountInfos, which rejects the whole table on one
    // malformed line; a single odd mount must not hide the others.
    String::from_utf8_lossy(mountinfo)
        .lines()
        .filter(|line| {
            line.len() <= crate::kernel::read::Cap::MOUNTINFO_LINE && line.contains(" nsfs ")
        })
        .filter_map(|line| procfs::process::MountInfo::from_line(line).ok())
        .filter(|m| m.fs_type == "nsfs")
        .filter_map(|m| {
            let (kind, inode) = links::parse_ns_link(m.root.as_bytes())?;
            Some((
                kind,
                inode,
                unescape_octal(&m.mount_point.to_string_lossy()),
            ))
        })
        .collect()
}

/// The kernel writes space, tab, newline and backslash in mountinfo paths as `\ooo`; procfs
/// hands them over still escaped.
pub fn unescape_octal(text: &str) -> String {
    crate::text::unescape(text, crate::text::Escaped::Octal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_nsfs_mounts_in_mountinfo() {
        let text = b"22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n\
            600 29 0:4 net:[4026532281] /run/netns/blue rw,nosuid,nodev,noexec,relatime shared:500 - nsfs nsfs rw\n\
            601 29 0:4 uts:[4026532300] /tmp/my\\040uts rw - nsfs nsfs rw\n\
            602 29 0:4 / /tmp/notns rw - tmpfs tmpfs rw\n";
        let found = parse_nsfs_mounts(text);
        assert_eq!(
            found,
            vec![
                (NsKind::Net, 4026532281, "/run/netns/blue".to_string()),
                (NsKind::Uts, 4026532300, "/tmp/my uts".to_string()),
            ]
        );
    }

    #[test]
    fn tolerates_a_garbled_line() {
        let text = b"garbage line nsfs \n\
            600 29 0:4 net:[4026532281] /run/netns/blue rw shared:500 - nsfs nsfs rw\n";
        assert_eq!(
            parse_nsfs_mounts(text),
            vec![(NsKind::Net, 4026532281, "/run/netns/blue".to_string())]
        );
    }

    #[test]
    fn unescapes_mount_paths() {
        for (raw, expected) in [
            ("/a\\040b", "/a b"),
            ("/tab\\011x", "/tab\tx"),
            ("/back\\134slash", "/back\\slash"),
            ("/not\\9escape", "/not\\9escape"),
            ("/short\\04", "/short\\04"),
            ("/plain", "/plain"),
        ] {
            assert_eq!(unescape_octal(raw), expected, "{raw}");
        }
    }

    #[test]
    fn no_nsfs_no_work() {
        assert!(parse_nsfs_mounts(b"22 1 8:1 / / rw - ext4 /dev/sda1 rw\n").is_empty());
        assert!(parse_nsfs_mounts(b"").is_empty());
    }
}
