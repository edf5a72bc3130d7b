//! What is inside a namespace: typed, serialisable details per namespace type, read through one
//! of its holders without disturbing the host. `show`, the TUI detail pane and extra `--list`
//! columns all read these; none of them touches `/proc` for details itself.
//!
//! The entry point is [`read`]. Details that have a per-process file (uid maps, NSpid,
//! mountinfo, timens_offsets, `/proc/PID/net/*`) are read through a member's `/proc/PID`
//! directory, verified to still be in the namespace. Details with no such file (UTS names,
//! SysV IPC counts, netlink, the cgroup root) are read by a short-lived thread that joins just
//! that namespace ([`inside::run_inside`]); with a fake proc root they are reported in
//! [`NamespaceDetails::unavailable`], never as errors.
//!
//! This module is the dispatch ([`read`], [`not_saved`]); the data is in [`types`], the
//! per-type readers in `readers` and `net_read`, and small helpers for one value each
//! ([`hostname_of`], [`uid_map_summary`], [`container_of`], and [`ContainerIndex`] for many
//! namespaces at once) in `values`; [`columns`] has them as ready per-inode maps for
//! `--list -o +HOSTNAME,CONTAINER,UIDMAP,HOSTNS`.

pub mod columns;
pub mod container;
pub mod enrich;
pub mod inside;
pub mod leak_facts;
pub mod net;
pub mod netlink;
pub mod procfs;

mod net_read;
mod readers;
pub mod types;
mod values;
use net_read::read_net;
#[cfg(test)]
use readers::user_depth;
use readers::{read_cgroup, read_ipc, read_mnt, read_pid, read_time, read_user, read_uts};

use std::path::Path;

pub use columns::{ExtraColumn, column_values};
pub use container::{
    Container, ContainerIndex, ContainerRow, PodMembers, Provenance, Runtime, SharedMark,
};
pub use inside::Via;
pub use net::{Interface, Peer, Route};
pub use procfs::{ClockOffset, IdRange, Mount, TimeOffsets};
pub use types::{
    CgroupDetails, DetailsError, IpcDetails, KindDetails, MntDetails, NamespaceDetails, NetDetails,
    PidDetails, PidMember, TimeDetails, UserDetails, UtsDetails,
};
pub use values::{container_of, hostname_of, uid_map_summary};

use crate::model::{Inode, Namespace, NsKind, Snapshot};

/// How many pid-namespace members get their NSpid read (the host's has every process).
const PID_MEMBER_LIMIT: usize = 4096;

/// Reads the details of namespace `inode`. Only an unknown inode is an error; everything that
/// cannot be read is listed in `unavailable`.
pub fn read(
    snapshot: &Snapshot,
    inode: Inode,
    proc_root: &Path,
) -> Result<NamespaceDetails, DetailsError> {
    let ns = snapshot
        .namespace(inode)
        .ok_or(DetailsError::NotFound(inode))?;
    let mut unavailable = Vec::new();
    let task = inside::task_dir(snapshot, ns, proc_root);
    let live = proc_root == Path::new("/proc");
    let details = match ns.kind {
        NsKind::User => KindDetails::User(read_user(snapshot, ns, task.as_ref(), &mut unavailable)),
        NsKind::Pid => KindDetails::Pid(read_pid(snapshot, ns, proc_root, &mut unavailable)),
        NsKind::Uts => KindDetails::Uts(read_uts(snapshot, ns, proc_root, live, &mut unavailable)),
        NsKind::Net => KindDetails::Net(read_net(
            snapshot,
            ns,
            proc_root,
            task.as_ref(),
            live,
            &mut unavailable,
        )),
        NsKind::Mnt => KindDetails::Mnt(read_mnt(task.as_ref(), &mut unavailable)),
        NsKind::Cgroup => KindDetails::Cgroup(read_cgroup(
            snapshot,
            ns,
            proc_root,
            task.as_ref(),
            live,
            &mut unavailable,
        )),
        NsKind::Time => KindDetails::Time(read_time(snapshot, ns, proc_root, &mut unavailable)),
        NsKind::Ipc => KindDetails::Ipc(read_ipc(snapshot, ns, proc_root, live, &mut unavailable)),
    };
    // Holders the scan refused (a FIFO or symlink planted at a bind mount's path, ...).
    for refused in snapshot
        .unreadable_holders
        .iter()
        .filter(|h| h.inode == inode)
    {
        missing(
            &mut unavailable,
            "holder",
            format!("{} refused: {}", refused.path, refused.reason),
        );
    }
    Ok(NamespaceDetails {
        inode,
        kind: ns.kind,
        members: ns.members.len(),
        via: task.map(|t| t.via),
        shared_with_host: snapshot.host_ns(ns.kind).map(|host| host == inode),
        container: container_of(snapshot, ns, proc_root).map(Box::new),
        details,
        unavailable,
    })
}

/// The details of a namespace in a snapshot saved without `--details`: the per-type part
/// empty, and a line saying why.
pub fn not_saved(snapshot: &Snapshot, ns: &Namespace) -> NamespaceDetails {
    let details = match ns.kind {
        NsKind::User => KindDetails::User(UserDetails::default()),
        NsKind::Pid => KindDetails::Pid(PidDetails::default()),
        NsKind::Uts => KindDetails::Uts(UtsDetails::default()),
        NsKind::Net => KindDetails::Net(NetDetails::default()),
        NsKind::Mnt => KindDetails::Mnt(MntDetails::default()),
        NsKind::Cgroup => KindDetails::Cgroup(CgroupDetails::default()),
        NsKind::Time => KindDetails::Time(TimeDetails::default()),
        NsKind::Ipc => KindDetails::Ipc(IpcDetails::default()),
    };
    NamespaceDetails {
        inode: ns.inode,
        kind: ns.kind,
        members: ns.members.len(),
        via: None,
        shared_with_host: snapshot.host_ns(ns.kind).map(|host| host == ns.inode),
        container: None,
        details,
        unavailable: vec!["details: the snapshot was saved without --details".to_string()],
    }
}

fn missing(unavailable: &mut Vec<String>, what: &str, why: impl std::fmt::Display) {
    unavailable.push(format!("{what}: {why}"));
}

const NO_TASK: &str = "no process or thread of it could be opened";
const FAKE_ROOT: &str = "only readable from inside the namespace (not with a fake proc root)";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Link, NsLinks, Pid, Process};

    fn process(pid: Pid, ppid: Pid, comm: &str, net: Option<Inode>) -> Process {
        let mut links = NsLinks::default();
        if let Some(net) = net {
            links.current[NsKind::Net.index()] = Link::Ns(net);
        }
        Process {
            pid,
            ppid,
            uid: 0,
            comm: comm.into(),
            command: comm.into(),
            command_bytes: None,
            state: 'S',
            start_time: 0,
            links,
            odd_threads: vec![],
        }
    }

    #[test]
    fn host_namespace_falls_back_to_kthreadd() {
        let mut snapshot = Snapshot::default();
        // pid 1 scanned but its links unreadable (EACCES), kthreadd readable
        snapshot.processes.insert(1, process(1, 0, "init", None));
        snapshot
            .processes
            .insert(2, process(2, 0, "kthreadd", Some(10)));
        assert_eq!(snapshot.host_ns(NsKind::Net), Some(10));
        // pid 1 wins when readable
        snapshot
            .processes
            .insert(1, process(1, 0, "init", Some(11)));
        assert_eq!(snapshot.host_ns(NsKind::Net), Some(11));
        // inside a container pid 2 is an ordinary process: no guess
        let mut container = Snapshot::default();
        container
            .processes
            .insert(2, process(2, 1, "kthreadd", Some(10)));
        assert_eq!(container.host_ns(NsKind::Net), None);
    }

    #[test]
    fn user_depth_needs_a_known_top() {
        let mut snapshot = Snapshot::default();
        let mut top = Namespace::new(1, NsKind::User);
        top.owner_uid = Some(0);
        let mut middle = Namespace::new(2, NsKind::User);
        middle.parent = Some(1);
        let mut leaf = Namespace::new(3, NsKind::User);
        leaf.parent = Some(2);
        let orphan = Namespace::new(4, NsKind::User);
        for ns in [top, middle, leaf, orphan] {
            snapshot.namespaces.insert(ns.inode, ns);
        }
        let depth = |inode| user_depth(&snapshot, snapshot.namespace(inode).expect("ns"));
        assert_eq!(depth(1), Some(0));
        assert_eq!(depth(3), Some(2));
        // no ioctl answers at all (fake root): unknown, not 0
        assert_eq!(depth(4), None);
    }

    #[test]
    fn unknown_inode_is_the_only_error() {
        let snapshot = Snapshot::default();
        let err = read(&snapshot, 42, Path::new("/nonexistent")).expect_err("unknown");
        assert_eq!(err.to_string(), "no namespace with inode 42");
    }
}
