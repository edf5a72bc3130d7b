//! Network namespace details: rtnetlink from inside (interfaces, addresses, default routes), the
//! NETNSID from outside, veth peers resolved to their namespace, and the `/proc/PID/net`
//! fallback when netlink is not available.

use std::path::Path;

use super::{FAKE_ROOT, Interface, NO_TASK, NetDetails, inside, missing, net, netlink};
use crate::kernel::nsfs::{Expected, NsPath, holder_paths_lazily};
use crate::kernel::read::Cap;
use crate::model::{Inode, Namespace, NsKind, Snapshot};

pub(super) fn read_net(
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

/// How many ways into each other network namespace the nsid lookup tries.
const PATHS_PER_OTHER_NAMESPACE: usize = 8;

/// Interfaces, addresses and default routes over rtnetlink from inside, the NETNSID from
/// outside, and veth peers resolved to their namespace and name where possible.
pub(super) fn net_by_netlink(
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
    // Owned by the reader thread, which may outlive this call if it hits its deadline. A few
    // paths per other namespace (the first nearly always opens), not one per member: this
    // runs once per network namespace read, and the host's has thousands of members.
    let others: Vec<(Inode, Vec<NsPath>, Expected)> = others
        .into_iter()
        .map(|other| {
            (
                other.inode,
                holder_paths_lazily(snapshot, other, proc_root)
                    .take(PATHS_PER_OTHER_NAMESPACE)
                    .collect(),
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
pub(super) fn interface_name(
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
