//! One detail value for one namespace (a hostname, a uid map, a container label): what a list
//! column or a show line wants without reading every detail.

use std::path::Path;

use super::readers::uts_names;
use super::{Container, ContainerIndex, container, inside, procfs};
use crate::kernel::read::Cap;
use crate::model::{Namespace, NsKind, Snapshot};

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
