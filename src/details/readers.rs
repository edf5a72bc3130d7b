//! The per-type readers behind [`super::read`]: user, pid, UTS, mount, cgroup, time and IPC
//! details, each from a member's `/proc/PID` files or, where no such file exists, from a thread
//! inside the namespace. (Network details, which need netlink, are [`super::net_read`]'s.)

use std::path::Path;

use super::{
    CgroupDetails, FAKE_ROOT, IpcDetails, MntDetails, NO_TASK, PID_MEMBER_LIMIT, PidDetails,
    PidMember, TimeDetails, UserDetails, UtsDetails, inside, missing, procfs,
};
use crate::kernel::read::{Cap, read_path};
use crate::model::{Namespace, NsKind, Snapshot};

pub(super) fn user_depth(snapshot: &Snapshot, ns: &Namespace) -> Option<u32> {
    if snapshot.host_ns(NsKind::User) == Some(ns.inode) {
        return Some(0);
    }
    // Walk parents to a namespace without one. That is the top of what nsview may see only if
    // the ioctls worked on it (NS_GET_OWNER_UID always answers for a user namespace), else the
    // chain is unknown.
    let mut depth = 0;
    let mut current = ns;
    while let Some(parent) = current.parent {
        depth += 1;
        current = snapshot.namespace(parent)?;
        if depth > 64 {
            return None; // the kernel caps user namespace nesting at 32
        }
    }
    current.owner_uid.is_some().then_some(depth)
}

pub(super) fn read_user(
    snapshot: &Snapshot,
    ns: &Namespace,
    task: Option<&inside::TaskDir>,
    unavailable: &mut Vec<String>,
) -> UserDetails {
    let mut details = UserDetails {
        owner_uid: ns.owner_uid,
        owner_name: ns.owner_uid.map(|uid| snapshot.user_name(uid)),
        depth: user_depth(snapshot, ns),
        parent: ns.parent,
        ..UserDetails::default()
    };
    let Some(task) = task else {
        missing(unavailable, "uid_map", NO_TASK);
        return details;
    };
    match task.read(c"uid_map", Cap::ID_MAP) {
        Ok(text) => details.uid_map = procfs::parse_id_map(&text),
        Err(e) => missing(unavailable, "uid_map", e),
    }
    match task.read(c"gid_map", Cap::ID_MAP) {
        Ok(text) => details.gid_map = procfs::parse_id_map(&text),
        Err(e) => missing(unavailable, "gid_map", e),
    }
    match task.read(c"setgroups", Cap::SETGROUPS) {
        Ok(text) => details.setgroups = Some(text.trim().to_string()),
        Err(e) => missing(unavailable, "setgroups", e),
    }
    details
}

pub(super) fn read_pid(
    snapshot: &Snapshot,
    ns: &Namespace,
    proc_root: &Path,
    unavailable: &mut Vec<String>,
) -> PidDetails {
    let mut members = Vec::new();
    for task in inside::task_dirs(snapshot, ns, proc_root, "pid", PID_MEMBER_LIMIT) {
        if let Some(nspid) = task
            .read(c"status", Cap::STATUS)
            .ok()
            .and_then(|s| procfs::parse_nspid(&s))
        {
            members.push(PidMember {
                pid: task.via.pid,
                comm: task.via.comm,
                nspid,
            });
        }
    }
    if members.is_empty() && !ns.members.is_empty() {
        missing(unavailable, "NSpid", NO_TASK);
    }
    let init = members.iter().find(|m| m.nspid.last() == Some(&1)).cloned();
    // The parent chain counts levels nsview can see; NSpid counts them below nsview's level.
    let depth = members.first().map(|m| m.nspid.len() as u32 - 1);
    PidDetails {
        init,
        depth,
        parent: ns.parent,
        members,
    }
}

/// The UTS names, read by a thread inside the namespace.
pub(super) fn uts_names(
    snapshot: &Snapshot,
    ns: &Namespace,
    proc_root: &Path,
) -> std::io::Result<UtsDetails> {
    let fd = inside::open_namespace(snapshot, ns, proc_root)?;
    inside::run_inside(std::os::fd::AsFd::as_fd(&fd), NsKind::Uts, || {
        let names = rustix::system::uname();
        UtsDetails {
            hostname: Some(names.nodename().to_string_lossy().into_owned()),
            domainname: Some(names.domainname().to_string_lossy().into_owned()),
        }
    })
}

pub(super) fn read_uts(
    snapshot: &Snapshot,
    ns: &Namespace,
    proc_root: &Path,
    live: bool,
    unavailable: &mut Vec<String>,
) -> UtsDetails {
    if !live {
        missing(unavailable, "hostname", FAKE_ROOT);
        return UtsDetails::default();
    }
    uts_names(snapshot, ns, proc_root).unwrap_or_else(|e| {
        missing(
            unavailable,
            "hostname",
            format!("cannot enter the namespace: {e}"),
        );
        UtsDetails::default()
    })
}

pub(super) fn read_mnt(
    task: Option<&inside::TaskDir>,
    unavailable: &mut Vec<String>,
) -> MntDetails {
    let Some(task) = task else {
        missing(unavailable, "mountinfo", NO_TASK);
        return MntDetails::default();
    };
    match task.read(c"mountinfo", Cap::MOUNTINFO) {
        Ok(text) => {
            let mounts = procfs::parse_mountinfo(&text);
            let (root, keys) = procfs::key_mounts(&mounts);
            MntDetails {
                mounts: mounts.len(),
                root: root.cloned(),
                key_mounts: keys.into_iter().cloned().collect(),
            }
        }
        Err(e) => {
            missing(unavailable, "mountinfo", e);
            MntDetails::default()
        }
    }
}

/// The line of a cgroup file that names "the" cgroup: the unified one, else the first.
pub(super) fn primary_cgroup(lines: &[procfs::CgroupLine]) -> Option<&procfs::CgroupLine> {
    lines
        .iter()
        .find(|l| l.hierarchy == 0 && l.controllers.is_empty())
        .or_else(|| lines.first())
}

pub(super) fn read_cgroup(
    snapshot: &Snapshot,
    ns: &Namespace,
    proc_root: &Path,
    task: Option<&inside::TaskDir>,
    live: bool,
    unavailable: &mut Vec<String>,
) -> CgroupDetails {
    let Some(task) = task else {
        missing(unavailable, "cgroup root", NO_TASK);
        return CgroupDetails::default();
    };
    let outside = task
        .read(c"cgroup", Cap::CGROUP)
        .map(|t| procfs::parse_cgroup(&t))
        .unwrap_or_default();
    let primary = primary_cgroup(&outside).cloned();
    let mut details = CgroupDetails {
        member_cgroup: primary.as_ref().map(|l| l.path.clone()),
        ..CgroupDetails::default()
    };
    if live && let Some(primary) = &primary {
        // /proc/PID/cgroup is rendered relative to the *reader's* cgroup namespace: read it
        // again from a thread inside and cut the inside path off the outside one.
        let inside = inside::open_namespace(snapshot, ns, proc_root).and_then(|fd| {
            let task = task.try_clone()?;
            inside::run_inside(std::os::fd::AsFd::as_fd(&fd), NsKind::Cgroup, move || {
                task.read(c"cgroup", Cap::CGROUP)
            })?
        });
        match inside {
            Ok(text) => {
                let lines = procfs::parse_cgroup(&text);
                let same = lines.iter().find(|l| l.hierarchy == primary.hierarchy);
                if let Some(root) = same.and_then(|l| procfs::cgroup_root(&primary.path, &l.path)) {
                    details.root = Some(root);
                    details.method = Some("setns");
                    return details;
                }
            }
            Err(e) => missing(unavailable, "cgroup root from inside", e),
        }
    }
    // A cgroup filesystem mounted inside the namespace has its root there; mountinfo shows
    // that root relative to the reader's namespace, i.e. as a host path.
    let mounts = task
        .read(c"mountinfo", Cap::MOUNTINFO)
        .map(|t| procfs::parse_mountinfo(&t))
        .unwrap_or_default();
    if let Some(mount) = mounts
        .iter()
        .find(|m| m.fstype == "cgroup2")
        .or_else(|| mounts.iter().find(|m| m.fstype == "cgroup"))
    {
        details.root = Some(mount.root.clone());
        details.method = Some("mountinfo");
    } else {
        missing(
            unavailable,
            "cgroup root",
            "no cgroup mount inside and not enterable",
        );
    }
    details
}

pub(super) fn read_time(
    snapshot: &Snapshot,
    ns: &Namespace,
    proc_root: &Path,
    unavailable: &mut Vec<String>,
) -> TimeDetails {
    let Some(task) = inside::time_for_children_dir(snapshot, ns, proc_root) else {
        missing(
            unavailable,
            "offsets",
            "no process has it as time_for_children",
        );
        return TimeDetails::default();
    };
    match task.read(c"timens_offsets", Cap::TIMENS) {
        Ok(text) => TimeDetails {
            offsets: procfs::parse_timens_offsets(&text),
        },
        Err(e) => {
            missing(unavailable, "offsets", e);
            TimeDetails::default()
        }
    }
}

pub(super) fn read_ipc(
    snapshot: &Snapshot,
    ns: &Namespace,
    proc_root: &Path,
    live: bool,
    unavailable: &mut Vec<String>,
) -> IpcDetails {
    if !live {
        missing(unavailable, "SysV IPC counts", FAKE_ROOT);
        return IpcDetails::default();
    }
    let counts = inside::open_namespace(snapshot, ns, proc_root).and_then(|fd| {
        // /proc/sysvipc/* shows the IPC namespace of the task that opens it.
        let sysvipc = proc_root.join("sysvipc");
        inside::run_inside(std::os::fd::AsFd::as_fd(&fd), NsKind::Ipc, move || {
            let count = |name: &str| {
                read_path(&sysvipc.join(name), Cap::TABLE)
                    .ok()
                    .map(|t| procfs::count_sysvipc(&t))
            };
            IpcDetails {
                shared_memory: count("shm"),
                semaphores: count("sem"),
                message_queues: count("msg"),
            }
        })
    });
    counts.unwrap_or_else(|e| {
        missing(
            unavailable,
            "SysV IPC counts",
            format!("cannot enter the namespace: {e}"),
        );
        IpcDetails::default()
    })
}
