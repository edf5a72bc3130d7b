//! The setns part: skip what we are already in, enter in nsenter's two passes when a user
//! namespace is involved, then root, working directory and credentials.
//!
//! Everything here runs in this process, which must be single-threaded: setns into a mount or
//! user namespace fails with EINVAL otherwise (setns(2)).

use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::path::Path;

use anyhow::Result;
use nix::unistd::{Gid, Uid};

use crate::error::Exit;
use crate::model::{Inode, NsKind};

/// One opened, verified namespace about to be entered.
#[derive(Debug)]
pub struct Target {
    pub kind: NsKind,
    pub inode: Inode,
    /// The owning user namespace and (for user namespaces) the creator's uid, for messages.
    pub owner: Option<Inode>,
    pub owner_uid: Option<u32>,
    pub fd: OwnedFd,
}

impl Target {
    fn label(&self) -> String {
        crate::model::NsLabel {
            kind: self.kind,
            inode: self.inode,
        }
        .to_string()
    }
}

/// What was actually entered.
#[derive(Debug, Default)]
pub struct Entered {
    pub user: Option<Inode>,
    pub mnt: Option<Inode>,
    /// A pid or time namespace: setns only changes what children get, so fork.
    pub needs_fork: bool,
}

/// nsenter's order: user first (in the second pass), mnt late, time last.
const ORDER: [NsKind; 8] = [
    NsKind::User,
    NsKind::Cgroup,
    NsKind::Ipc,
    NsKind::Uts,
    NsKind::Net,
    NsKind::Pid,
    NsKind::Mnt,
    NsKind::Time,
];

/// The inodes of our own namespaces, to skip entering what we are already in (setns into the
/// own user namespace is EINVAL; into an own namespace owned by a parent user namespace, EPERM).
pub fn own_namespaces(proc_root: &Path) -> [Option<Inode>; 8] {
    crate::kernel::own::namespaces(proc_root)
}

/// Waits briefly for this process to be single-threaded: a joined thread may still be counted
/// for a moment after pthread_join returns (the kernel removes it from the thread group late).
pub fn ensure_single_threaded(proc_root: &Path) -> Result<()> {
    let mut threads = 0;
    for _ in 0..50 {
        threads = crate::kernel::own::thread_count(proc_root);
        if threads <= 1 {
            return Ok(());
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    Err(Exit::failure(format!(
        "cannot enter namespaces: nsview has {threads} threads and setns needs one"
    ))
    .into())
}

/// Enters the targets, skipping those we are already in. With a user namespace among them,
/// two passes as nsenter: first the others, tolerating EPERM (root dropping into a container
/// must enter them while still privileged), then the user namespace and whatever failed
/// before (an unprivileged owner gains the rights to enter them only inside it).
pub fn enter(mut targets: Vec<Target>, own: &[Option<Inode>; 8]) -> Result<Entered> {
    targets.retain(|t| own[t.kind.index()] != Some(t.inode));
    targets.sort_by_key(|t| ORDER.iter().position(|&k| k == t.kind));
    let mut entered = Entered::default();
    let mut pending = Vec::new();
    let two_passes = targets.iter().any(|t| t.kind == NsKind::User);
    for target in targets {
        if two_passes && target.kind == NsKind::User {
            pending.push(target);
            continue;
        }
        match setns(&target) {
            Ok(()) => note(&mut entered, &target),
            Err(err) if two_passes && err.raw_os_error() == Some(libc::EPERM) => {
                pending.push(target)
            }
            Err(err) => return Err(setns_error(&target, &err).into()),
        }
    }
    // pending is still in ORDER, so the user namespace comes first.
    for target in pending {
        setns(&target).map_err(|err| setns_error(&target, &err))?;
        note(&mut entered, &target);
    }
    Ok(entered)
}

fn note(entered: &mut Entered, target: &Target) {
    match target.kind {
        NsKind::User => entered.user = Some(target.inode),
        NsKind::Mnt => entered.mnt = Some(target.inode),
        NsKind::Pid | NsKind::Time => entered.needs_fork = true,
        _ => {}
    }
}

fn setns(target: &Target) -> io::Result<()> {
    crate::kernel::nsfs::setns(target.fd.as_fd(), target.kind)
}

fn setns_error(target: &Target, err: &io::Error) -> Exit {
    let label = target.label();
    let message = match (err.raw_os_error(), target.kind) {
        (Some(libc::EPERM), NsKind::User) => {
            let creator = target
                .owner_uid
                .map(|uid| format!(" (be uid {uid}, its creator, or root above it)"))
                .unwrap_or_default();
            format!("permission denied entering {label}: needs CAP_SYS_ADMIN in it{creator}")
        }
        (Some(libc::EPERM), _) => {
            let owner = target
                .owner
                .map(|o| format!(" {}; --all also enters that", NsKind::User.label(o)))
                .unwrap_or_default();
            format!(
                "permission denied entering {label}: needs CAP_SYS_ADMIN in its owning user \
                 namespace{owner}"
            )
        }
        (Some(libc::EINVAL), NsKind::User | NsKind::Mnt) => format!(
            "cannot enter {label}: invalid (a chrooted or multi-threaded caller, or an \
             ancestor user namespace)"
        ),
        (Some(libc::EINVAL), NsKind::Pid) => {
            format!("cannot enter {label}: it is not a descendant of our pid namespace")
        }
        _ => format!("cannot enter {label}: {err}"),
    };
    Exit::failure(message)
}

/// Directories opened before entering (as nsenter opens them), applied after.
#[derive(Debug, Default)]
pub struct Dirs {
    pub root: Option<OwnedFd>,
    pub wd: Option<OwnedFd>,
}

/// Opens a directory for a later fchdir.
pub fn open_dir(path: &Path, what: &str) -> Result<OwnedFd> {
    open_directory(path, rustix::fs::OFlags::RDONLY, what)
}

/// Opens a directory with extra flags; the error names `what` and the path.
pub fn open_directory(path: &Path, flags: rustix::fs::OFlags, what: &str) -> Result<OwnedFd> {
    let flags = flags | rustix::fs::OFlags::DIRECTORY | rustix::fs::OFlags::CLOEXEC;
    rustix::fs::open(path, flags, rustix::fs::Mode::empty()).map_err(|e| {
        Exit::failure(format!(
            "cannot open {what} {}: {}",
            path.display(),
            io::Error::from(e)
        ))
        .into()
    })
}

/// chroot to the root directory, then change to the working directory (the old cwd when only
/// the root changes), exactly in nsenter's order.
pub fn apply_dirs(mut dirs: Dirs) -> Result<()> {
    if dirs.root.is_some() && dirs.wd.is_none() {
        dirs.wd = Some(open_dir(Path::new("."), "the current directory")?);
    }
    let fail = |what: &str, e: nix::Error| Exit::failure(format!("{what}: {e}"));
    if let Some(root) = &dirs.root {
        nix::unistd::fchdir(root).map_err(|e| fail("cannot change to the new root", e))?;
        nix::unistd::chroot(".").map_err(|e| fail("chroot failed", e))?;
        nix::unistd::chdir("/").map_err(|e| fail("cannot change to /", e))?;
    }
    if let Some(wd) = &dirs.wd {
        nix::unistd::fchdir(wd).map_err(|e| fail("cannot change the working directory", e))?;
    }
    Ok(())
}

/// The uid and gid to switch to: as nsenter, root of an entered user namespace unless
/// `--preserve-credentials`; `-S`/`-G` win either way.
pub fn wanted_ids(
    entered_user: bool,
    preserve: bool,
    uid: Option<u32>,
    gid: Option<u32>,
) -> (Option<u32>, Option<u32>) {
    if entered_user && !preserve {
        (Some(uid.unwrap_or(0)), Some(gid.unwrap_or(0)))
    } else {
        (uid, gid)
    }
}

/// Switches credentials after entering. Supplementary groups are dropped with the gid change
/// (nsenter does the same) unless the user namespace denies setgroups, where they cannot be
/// changed at all and show up as the overflow gid.
pub fn set_credentials(
    uid: Option<u32>,
    gid: Option<u32>,
    user_ns: Option<Inode>,
    proc_self: &OwnedFd,
) -> Result<()> {
    let inside = user_ns
        .map(|u| format!(" in {}", NsKind::User.label(u)))
        .unwrap_or_default();
    if let Some(gid) = gid {
        if crate::kernel::own::setgroups_allowed(proc_self) {
            nix::unistd::setgroups(&[]).map_err(|e| {
                Exit::failure(format!("cannot drop supplementary groups{inside}: {e}"))
            })?;
        }
        nix::unistd::setgid(Gid::from_raw(gid))
            .map_err(|e| Exit::failure(format!("cannot set gid {gid}{inside}: {}", id_error(e))))?;
    }
    if let Some(uid) = uid {
        nix::unistd::setuid(Uid::from_raw(uid))
            .map_err(|e| Exit::failure(format!("cannot set uid {uid}{inside}: {}", id_error(e))))?;
    }
    Ok(())
}

fn id_error(err: nix::Error) -> String {
    match err {
        nix::Error::EINVAL => "it is not mapped there".into(),
        nix::Error::EPERM => "permission denied (needs CAP_SETUID/CAP_SETGID)".into(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_follow_nsenter() {
        assert_eq!(wanted_ids(true, false, None, None), (Some(0), Some(0)));
        assert_eq!(wanted_ids(true, false, Some(5), None), (Some(5), Some(0)));
        assert_eq!(wanted_ids(true, true, None, None), (None, None));
        assert_eq!(wanted_ids(false, false, None, Some(7)), (None, Some(7)));
    }

    #[test]
    fn user_namespace_goes_first_in_the_order() {
        assert_eq!(ORDER[0], NsKind::User);
        let mut all = ORDER.to_vec();
        all.sort();
        assert_eq!(all, NsKind::ALL.to_vec());
    }
}
