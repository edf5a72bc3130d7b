//! The enrichment step between the scan and the faces: given a snapshot and what an output
//! wants, it fills in what the scan does not read itself: `Namespace::netnsid` (one
//! RTM_GETNSID round trip per network namespace) and nsview's extension values
//! (`Namespace::extras`: HOSTNAME, CONTAINER, UIDMAP, HOSTNS, computed by
//! [`super::columns`]). Faces then only read the snapshot; nothing here knows an output format.

use std::os::fd::{AsFd, AsRawFd};
use std::path::Path;

use super::columns::{ExtraColumn, column_values};
use crate::model::{Namespace, NsKind, Snapshot};

/// What to fill in; everything else costs nothing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Wanted {
    pub netnsid: bool,
    pub hostname: bool,
    pub container: bool,
    pub uidmap: bool,
    pub hostns: bool,
    pub leak: bool,
}

/// Fills the wanted values into `snapshot`. `proc_root` is the root the snapshot was scanned
/// from; NETNSID is only asked for on the live `/proc` (`live`).
pub fn enrich(snapshot: &mut Snapshot, proc_root: &Path, live: bool, wanted: Wanted) {
    if wanted.netnsid && live {
        fill_netnsids(snapshot);
    }
    let columns = [
        (wanted.hostname, ExtraColumn::Hostname),
        (wanted.container, ExtraColumn::Container),
        (wanted.uidmap, ExtraColumn::Uidmap),
        (wanted.hostns, ExtraColumn::Hostns),
        (wanted.leak, ExtraColumn::Leak),
    ];
    for (_, column) in columns.into_iter().filter(|(want, _)| *want) {
        let values = column_values(snapshot, proc_root, column);
        for (inode, value) in values {
            if let Some(ns) = snapshot.namespaces.get_mut(&inode) {
                let slot = match column {
                    ExtraColumn::Hostname => &mut ns.extras.hostname,
                    ExtraColumn::Container => &mut ns.extras.container,
                    ExtraColumn::Uidmap => &mut ns.extras.uidmap,
                    ExtraColumn::Hostns => &mut ns.extras.hostns,
                    ExtraColumn::Leak => &mut ns.extras.leak,
                };
                *slot = Some(value);
            }
        }
    }
}

/// NETNSID for each net namespace, asked once per namespace through its best path, as
/// `ip netns list-id` asks it (RTM_GETNSID); a namespace only sockets hold is opened through
/// one of them (pidfd_getfd + SIOCGSKNS), as lsns does. One nothing opens keeps what it had.
fn fill_netnsids(snapshot: &mut Snapshot) {
    let Ok(mut socket) = super::netlink::Socket::open() else {
        return;
    };
    let ids: Vec<(u64, i32)> = snapshot
        .of_kind(NsKind::Net)
        .filter_map(|ns| {
            let target = open_netns(snapshot, ns)?;
            let id = socket.nsid_raw(target.as_fd().as_raw_fd()).ok()??;
            Some((ns.inode, id))
        })
        .collect();
    for (inode, id) in ids {
        if let Some(ns) = snapshot.namespaces.get_mut(&inode) {
            ns.netnsid = Some(id);
        }
    }
}

/// An fd of the network namespace `ns`: through its first holder that still holds it, else
/// through a socket holder, checked to be that namespace (the kernel boundary's
/// `open_namespace`).
fn open_netns(snapshot: &Snapshot, ns: &Namespace) -> Option<crate::kernel::nsfs::NsFile> {
    crate::kernel::open_namespace(snapshot, ns, Path::new("/proc")).ok()
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::scan::{ScanOptions, scan};

    #[test]
    fn fills_only_what_is_wanted() {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/show-basic/proc");
        let mut snapshot = scan(&ScanOptions::for_root(Some(root.clone()))).expect("fixture scan");
        enrich(&mut snapshot, &root, false, Wanted::default());
        assert!(snapshot.namespaces.values().all(|ns| ns.extras.is_empty()));

        let wanted = Wanted {
            container: true,
            hostns: true,
            ..Wanted::default()
        };
        enrich(&mut snapshot, &root, false, wanted);
        let ns = |inode| &snapshot.namespaces[&inode].extras;
        assert_eq!(
            ns(4026532303).container.as_deref(),
            Some("docker 3f4e5d6c7b8a")
        );
        assert_eq!(ns(4026531840).hostns.as_deref(), Some("yes"));
        assert_eq!(ns(4026532303).hostns.as_deref(), Some("no"));
        assert!(
            snapshot
                .namespaces
                .values()
                .all(|n| n.extras.uidmap.is_none())
        );
    }
}
