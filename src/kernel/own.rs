//! What nsview's own process is, read from its own `/proc/self` (or `/proc/PPID/exe`): its
//! namespaces' inodes, its thread count, whether setgroups(2) is allowed in its user namespace,
//! and whether its parent runs the same binary; the holder directories `enter` steps into; and
//! a watch on its own mount table (what `live` polls to learn of bind mounts at once).
//! The faces that act (`enter`, `release`) and the error pipe ask here instead of opening /proc
//! themselves.

use std::os::fd::OwnedFd;
use std::path::Path;

use crate::model::{Inode, NsKind};

/// The inodes of our own namespaces, by [`NsKind::ALL`] order (None: unreadable, or a type
/// this kernel lacks).
pub fn namespaces(proc_root: &Path) -> [Option<Inode>; 8] {
    NsKind::ALL.map(|kind| {
        rustix::fs::stat(proc_root.join(format!("self/ns/{kind}")))
            .ok()
            .map(|st| st.st_ino)
    })
}

/// How many threads this process has now (`Threads:` of `/proc/self/status`; 1 when unread).
pub fn thread_count(proc_root: &Path) -> u32 {
    super::read::read_path(&proc_root.join("self/status"), super::read::Cap::STATUS)
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .and_then(|n| n.trim().parse::<u32>().ok())
        .unwrap_or(1)
}

/// Our own mount namespace's mount table, opened to be polled: the kernel flags it
/// (`POLLPRI | POLLERR`) when a mount or unmount changes that namespace, as `ip netns add` and
/// `del` do in the host's. Nothing is read from it. Only our own: an open mount table pins its
/// mount namespace, and nsview must not keep another namespace alive by watching it.
pub fn mount_table_watch(proc_root: &Path) -> std::io::Result<OwnedFd> {
    use rustix::fs::OFlags;
    Ok(rustix::fs::open(
        proc_root.join("self/mountinfo"),
        OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC,
        rustix::fs::Mode::empty(),
    )?)
}

/// `PROC_ROOT/self` as an `O_PATH` directory fd, opened before entering: after a mount
/// namespace /proc may be another one, or absent.
pub fn open_proc_self(proc_root: &Path) -> std::io::Result<OwnedFd> {
    use rustix::fs::OFlags;
    rustix::fs::open(
        proc_root.join("self"),
        OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
        rustix::fs::Mode::empty(),
    )
    .map_err(std::io::Error::from)
}

/// A holder process's root or working directory (`TASK_DIR/root`, `TASK_DIR/cwd`: links the
/// kernel resolves itself), opened as a directory for the later fchdir of `enter -r`/`-w`,
/// as nsenter's bare `-r`/`-w` use them.
pub fn open_task_dir(task_dir: &Path, which: &str) -> std::io::Result<OwnedFd> {
    use rustix::fs::OFlags;
    rustix::fs::open(
        task_dir.join(which),
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        rustix::fs::Mode::empty(),
    )
    .map_err(std::io::Error::from)
}

/// Whether setgroups(2) may be called in our user namespace: "deny" there (written by
/// `unshare --map-root-user` and by any unprivileged gid_map writer) makes it EPERM, the
/// classic `nsenter: setgroups failed`. `proc_self` is `/proc/self` opened before entering, so
/// it works whatever /proc looks like inside.
pub fn setgroups_allowed(proc_self: &OwnedFd) -> bool {
    use std::os::fd::AsFd;
    let mut buf = Vec::new();
    match super::read::read_at(
        proc_self.as_fd(),
        c"setgroups",
        super::read::Cap::SETGROUPS,
        &mut buf,
        true,
    ) {
        Ok(()) => buf.trim_ascii() != b"deny",
        // No such file before Linux 3.19: setgroups is then always allowed.
        Err(_) => true,
    }
}

/// True when the parent process's executable is the same file as ours (the UI runs
/// `current_exe()`), so a stray `--ui-error-fd` from a script or another program is ignored.
pub fn parent_runs_this_binary() -> bool {
    let parent = rustix::process::getppid().map_or(0, |p| p.as_raw_nonzero().get());
    let ours = rustix::fs::stat("/proc/self/exe");
    let theirs = rustix::fs::stat(format!("/proc/{parent}/exe").as_str());
    match (ours, theirs) {
        (Ok(a), Ok(b)) => parent > 1 && a.st_dev == b.st_dev && a.st_ino == b.st_ino,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_our_own_process() {
        let proc_root = Path::new("/proc");
        let own = namespaces(proc_root);
        assert!(own[NsKind::Net.index()].is_some(), "{own:?}");
        assert!(thread_count(proc_root) >= 1);
        let proc_self = open_proc_self(proc_root).expect("/proc/self");
        let file = std::fs::read_to_string("/proc/self/setgroups").unwrap_or_default();
        assert_eq!(setgroups_allowed(&proc_self), file.trim() != "deny");
        // Not our parent nsview: the test harness runs another binary.
        assert!(!parent_runs_this_binary());
    }
}
