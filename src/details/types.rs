//! The details' data: what `show`, the UI's detail pane and `snapshot --details` carry about one
//! namespace, typed per namespace type and serialisable. Plain data, no I/O.

use serde::{Deserialize, Serialize};

use super::{Container, IdRange, Interface, Mount, Route, TimeOffsets, Via};
use crate::model::{Inode, NsKind, Pid};

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
    /// The container it belongs to: its init's ([`ContainerIndex::label_of`](super::ContainerIndex::label_of), the same rule as
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
