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
pub mod inside;
pub mod net;
pub mod netlink;
pub mod procfs;

use std::path::Path;

use crate::kernel::nsfs::{Expected, NsPath, holder_paths};
use crate::kernel::read::{Cap, read_path};

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
    /// Same inode as the host's namespace of this type ([`host_ns`]); None when unknown.
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

fn user_depth(snapshot: &Snapshot, ns: &Namespace) -> Option<u32> {
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

fn read_user(
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

fn read_pid(
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
fn uts_names(snapshot: &Snapshot, ns: &Namespace, proc_root: &Path) -> std::io::Result<UtsDetails> {
    let fd = inside::open_namespace(snapshot, ns, proc_root)?;
    inside::run_inside(std::os::fd::AsFd::as_fd(&fd), NsKind::Uts, || {
        let names = rustix::system::uname();
        UtsDetails {
            hostname: Some(names.nodename().to_string_lossy().into_owned()),
            domainname: Some(names.domainname().to_string_lossy().into_owned()),
        }
    })
}

fn read_uts(
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

fn read_net(
    snapshot: &Snapshot,
    ns: &Namespace,
    proc_root: &Path,
    task: Option<&inside::TaskDir>,
    live: bool,
    unavailable: &mut Vec<String>,
) -> NetDetails {
    if live {
        match net_by_netlink(snapshot, ns, proc_root) {
            Ok(details) => return details,
            Err(e) => missing(
                unavailable,
                "netlink",
                format!("cannot enter the namespace: {e}"),
            ),
        }
    } else {
        missing(unavailable, "netlink", FAKE_ROOT);
    }
    // What the holder's /proc/PID/net shows (that directory follows the task's netns).
    let Some(task) = task else {
        missing(unavailable, "interfaces", NO_TASK);
        return NetDetails::default();
    };
    let read = |name: &std::ffi::CStr| task.read(name, Cap::TABLE).unwrap_or_default();
    let dev = read(c"net/dev");
    if dev.is_empty() {
        missing(unavailable, "interfaces", "net/dev unreadable");
    }
    let (interfaces, default_routes) = net::from_proc_files(
        &dev,
        &read(c"net/if_inet6"),
        &read(c"net/route"),
        &read(c"net/fib_trie"),
    );
    NetDetails {
        netnsid: ns.netnsid,
        source: Some("proc"),
        interfaces,
        default_routes,
    }
}

/// Interfaces, addresses and default routes over rtnetlink from inside, the NETNSID from
/// outside, and veth peers resolved to their namespace and name where possible.
fn net_by_netlink(
    snapshot: &Snapshot,
    ns: &Namespace,
    proc_root: &Path,
) -> std::io::Result<NetDetails> {
    use std::os::fd::{AsFd, AsRawFd};
    let fd = inside::open_namespace(snapshot, ns, proc_root)?;
    // IFLA_LINK_NETNSID is in the target's numbering: the thread inside asks, for the other
    // network namespaces (the host's first, where most veth peers are), which nsid each has
    // there, and stops once every wanted id is found.
    let wanted = |links: &[Interface]| -> Vec<i32> {
        let mut ids: Vec<i32> = links
            .iter()
            .filter_map(|l| l.peer.as_ref()?.link_netnsid)
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    };
    let host = snapshot.host_ns(NsKind::Net);
    let mut others: Vec<&Namespace> = snapshot
        .of_kind(NsKind::Net)
        .filter(|other| other.inode != ns.inode)
        .collect();
    others.sort_by_key(|other| Some(other.inode) != host);
    // Owned by the reader thread, which may outlive this call if it hits its deadline.
    let others: Vec<(Inode, Vec<NsPath>, Expected)> = others
        .into_iter()
        .map(|other| {
            (
                other.inode,
                holder_paths(snapshot, other, proc_root),
                Expected::of(other),
            )
        })
        .collect();
    let (mut interfaces, default_routes, nsids) =
        inside::run_inside(fd.as_fd(), NsKind::Net, move || -> std::io::Result<_> {
            let mut socket = netlink::Socket::open()?;
            let links = socket.interfaces()?;
            let routes = socket.default_routes(&links)?;
            let mut missing = wanted(&links);
            let mut nsids = Vec::new();
            for (inode, paths, expected) in &others {
                if missing.is_empty() {
                    break;
                }
                let Some(other_fd) = paths
                    .iter()
                    .find_map(|path| crate::kernel::nsfs::open(path, Some(expected)).ok())
                else {
                    continue;
                };
                if let Ok(Some(id)) = socket.nsid_of(other_fd.as_fd().as_raw_fd())
                    && let Some(at) = missing.iter().position(|m| *m == id)
                {
                    missing.remove(at);
                    nsids.push((id, *inode));
                }
            }
            Ok((links, routes, nsids))
        })??;
    // Peers: same namespace (no link nsid) or one resolved through the nsid table.
    let names: Vec<(u32, String)> = interfaces
        .iter()
        .filter_map(|i| Some((i.index?, i.name.clone())))
        .collect();
    for iface in &mut interfaces {
        let Some(peer) = iface.peer.as_mut() else {
            continue;
        };
        match peer.link_netnsid {
            None => {
                peer.netns = Some(ns.inode);
                peer.name = names
                    .iter()
                    .find(|(i, _)| *i == peer.index)
                    .map(|(_, n)| n.clone());
            }
            Some(id) => {
                peer.netns = nsids
                    .iter()
                    .find(|(n, _)| *n == id)
                    .map(|(_, inode)| *inode);
                if let Some(other) = peer.netns.and_then(|i| snapshot.namespace(i)) {
                    peer.name = interface_name(snapshot, other, proc_root, peer.index);
                }
            }
        }
    }
    let netnsid = netlink::Socket::open()
        .and_then(|mut s| s.nsid_of(fd.as_raw_fd()))
        .ok()
        .flatten();
    Ok(NetDetails {
        netnsid: netnsid.or(ns.netnsid),
        source: Some("netlink"),
        interfaces,
        default_routes,
    })
}

/// The name of interface `index` in another network namespace.
fn interface_name(
    snapshot: &Snapshot,
    ns: &Namespace,
    proc_root: &Path,
    index: u32,
) -> Option<String> {
    let fd = inside::open_namespace(snapshot, ns, proc_root).ok()?;
    let links = inside::run_inside(std::os::fd::AsFd::as_fd(&fd), NsKind::Net, || {
        netlink::Socket::open().and_then(|mut s| s.interfaces())
    })
    .ok()?
    .ok()?;
    links
        .into_iter()
        .find(|l| l.index == Some(index))
        .map(|l| l.name)
}

fn read_mnt(task: Option<&inside::TaskDir>, unavailable: &mut Vec<String>) -> MntDetails {
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
fn primary_cgroup(lines: &[procfs::CgroupLine]) -> Option<&procfs::CgroupLine> {
    lines
        .iter()
        .find(|l| l.hierarchy == 0 && l.controllers.is_empty())
        .or_else(|| lines.first())
}

fn read_cgroup(
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

fn read_time(
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

fn read_ipc(
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
