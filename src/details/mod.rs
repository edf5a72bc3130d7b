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
//! Small helpers for one value each ([`hostname_of`], [`uid_map_summary`], [`container_of`],
//! and [`ContainerIndex`] for many namespaces at once) serve list columns; [`columns`] has
//! them as ready per-inode maps for `--list -o +HOSTNAME,CONTAINER,UIDMAP,HOSTNS`.

pub mod columns;
pub mod container;
pub mod describe;
pub mod enrich;
pub mod inside;
pub mod leak_facts;
pub mod net;
pub mod netlink;
pub mod procfs;

mod net_read;
mod readers;
use net_read::read_net;
#[cfg(test)]
use readers::user_depth;
use readers::{
    read_cgroup, read_ipc, read_mnt, read_pid, read_time, read_user, read_uts, uts_names,
};

use std::path::Path;

use crate::kernel::read::Cap;

use serde::{Deserialize, Serialize};

pub use columns::{ExtraColumn, column_values};
pub use container::{
    Container, ContainerIndex, ContainerRow, PodMembers, Provenance, Runtime, SharedMark,
};
pub use inside::Via;
pub use net::{Interface, Peer, Route};
pub use procfs::{ClockOffset, IdRange, Mount, TimeOffsets};

use crate::model::{Inode, Namespace, NsKind, Pid, Snapshot};

/// Everything `show` prints about one namespace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamespaceDetails {
    pub inode: Inode,
    #[serde(rename = "type")]
    pub kind: NsKind,
    /// How many processes are in it.
    pub members: usize,
    /// The task whose `/proc` entries the per-process details came from.
    pub via: Option<Via>,
    /// Same inode as the host's namespace of this type ([`Snapshot::host_ns`](crate::model::Snapshot::host_ns)); None when unknown.
    pub shared_with_host: Option<bool>,
    /// The container it belongs to: its init's ([`ContainerIndex::label_of`], the same rule as
    /// `--list -o CONTAINER` and the UI), with where that came from
    /// ([`Container::provenance`]). Never set for the host's namespaces.
    pub container: Option<Box<Container>>,
    pub details: KindDetails,
    /// What could not be read, one line each (`hostname: ...`), for the report to say so.
    pub unavailable: Vec<String>,
}

/// The per-type part.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KindDetails {
    User(UserDetails),
    Pid(PidDetails),
    Uts(UtsDetails),
    Net(NetDetails),
    Mnt(MntDetails),
    Cgroup(CgroupDetails),
    Time(TimeDetails),
    Ipc(IpcDetails),
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserDetails {
    pub uid_map: Vec<IdRange>,
    pub gid_map: Vec<IdRange>,
    /// `allow` or `deny` (`/proc/PID/setgroups`).
    pub setgroups: Option<String>,
    /// The uid that created it (NS_GET_OWNER_UID), as seen from nsview's user namespace.
    pub owner_uid: Option<u32>,
    pub owner_name: Option<String>,
    /// 0 for the initial user namespace; None when the parent chain is unknown.
    pub depth: Option<u32>,
    pub parent: Option<Inode>,
}

/// One process of a pid namespace and its pid at every level.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PidMember {
    pub pid: Pid,
    pub comm: String,
    /// `NSpid`: from nsview's pid namespace down to this one; the last is the pid inside.
    pub nspid: Vec<Pid>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PidDetails {
    /// The member that is pid 1 inside (absent once init has exited).
    pub init: Option<PidMember>,
    /// Nesting below nsview's pid namespace (0: the same level).
    pub depth: Option<u32>,
    pub parent: Option<Inode>,
    pub members: Vec<PidMember>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UtsDetails {
    pub hostname: Option<String>,
    pub domainname: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
// Deserialize is written by hand in snapshot::wire: serde cannot derive it for `&'static str`.
pub struct NetDetails {
    /// The id nsview's own network namespace gave this one (`ip netns list-id`), if any.
    pub netnsid: Option<i32>,
    /// `netlink` (complete) or `proc` (names, addresses and IPv4 default routes only).
    pub source: Option<&'static str>,
    pub interfaces: Vec<Interface>,
    pub default_routes: Vec<Route>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MntDetails {
    pub mounts: usize,
    pub root: Option<Mount>,
    pub key_mounts: Vec<Mount>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
// Deserialize is written by hand in snapshot::wire: serde cannot derive it for `&'static str`.
pub struct CgroupDetails {
    /// The namespace's root cgroup, as a path seen from nsview's cgroup namespace.
    pub root: Option<String>,
    /// The member's own cgroup, seen from outside.
    pub member_cgroup: Option<String>,
    /// `setns` (compared from inside) or `mountinfo` (the member's cgroup mount root).
    pub method: Option<&'static str>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeDetails {
    pub offsets: Option<TimeOffsets>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IpcDetails {
    pub shared_memory: Option<usize>,
    pub semaphores: Option<usize>,
    pub message_queues: Option<usize>,
}

/// Why a namespace could not be looked at.
#[derive(Debug)]
pub enum DetailsError {
    NotFound(Inode),
}

impl std::fmt::Display for DetailsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DetailsError::NotFound(inode) => write!(f, "no namespace with inode {inode}"),
        }
    }
}

impl std::error::Error for DetailsError {}

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

/// The hostname of a UTS namespace (for a HOSTNAME list column). None for other types, a fake
/// proc root, or when the namespace cannot be entered.
pub fn hostname_of(snapshot: &Snapshot, ns: &Namespace, proc_root: &Path) -> Option<String> {
    if ns.kind != NsKind::Uts || proc_root != Path::new("/proc") {
        return None;
    }
    uts_names(snapshot, ns, proc_root).ok()?.hostname
}

/// The uid map of a user namespace in one short line (`0→1000/1`), for a UIDMAP list column.
pub fn uid_map_summary(snapshot: &Snapshot, ns: &Namespace, proc_root: &Path) -> Option<String> {
    if ns.kind != NsKind::User {
        return None;
    }
    let task = inside::task_dir(snapshot, ns, proc_root)?;
    let map = procfs::parse_id_map(&task.read(c"uid_map", Cap::ID_MAP).ok()?);
    (!map.is_empty()).then(|| procfs::id_map_summary(&map))
}

/// The container label of one namespace ([`ContainerIndex::label_of`]), reading just its
/// init's cgroup file. For many namespaces, build a [`ContainerIndex`] once instead.
pub fn container_of(snapshot: &Snapshot, ns: &Namespace, proc_root: &Path) -> Option<Container> {
    let init = container::namespace_init(snapshot, ns)?;
    ContainerIndex::for_pids([init], proc_root)
        .label_of(snapshot, ns)
        .cloned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Link, NsLinks, Process};

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
