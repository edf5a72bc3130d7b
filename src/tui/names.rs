//! The best name the UI knows for a namespace (its NAME column, the banner before a shell, the
//! filter): `host` for the initial namespaces, an `ip netns` name, a container, a hostname, a
//! bind-mount path. Pure ranking over the snapshot and an [`Enrichment`] that the scan thread
//! gathers (hostnames need entering UTS namespaces, containers need every cgroup file), so the
//! UI thread never reads /proc for names.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use crate::model::{Inode, Namespace, NsKind, Snapshot};

/// Names that need more than the snapshot, read off the UI thread after each scan.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Enrichment {
    /// UTS namespace inode → its hostname.
    pub hostnames: HashMap<Inode, String>,
    /// Namespace inode → the container its processes belong to (engine name, else
    /// `runtime short-id`).
    pub containers: HashMap<Inode, String>,
    /// Namespaces that are probable leaks (verdict `pinned-unclaimed`, as `nsview leaks`
    /// says): the NAME column marks them and `is:leak` lists them.
    pub leaks: HashSet<Inode>,
}

impl Enrichment {
    /// Reads hostnames of the UTS namespaces that are not the host's, and the container of
    /// each namespace's init. Slow parts (entering namespaces) are bounded by the kernel helpers they use.
    pub fn gather(snapshot: &Snapshot, proc_root: &Path) -> Enrichment {
        let host_uts = snapshot.host_ns(NsKind::Uts);
        let hostnames = snapshot
            .of_kind(NsKind::Uts)
            .filter(|ns| Some(ns.inode) != host_uts)
            .filter_map(|ns| {
                let name = crate::details::hostname_of(snapshot, ns, proc_root)?;
                Some((ns.inode, name))
            })
            .collect();
        // One rule with show and --list: the label of a namespace's init, never the host's.
        let index = crate::details::ContainerIndex::for_labels(snapshot, proc_root);
        let containers = snapshot
            .namespaces
            .values()
            .filter_map(|ns| Some((ns.inode, container_name(index.label_of(snapshot, ns)?))))
            .collect();
        // The claims read container state files only for namespaces without processes, on
        // this (the scan) thread; the verdict itself is pure.
        let claims = crate::leaks::facts::claims(snapshot, proc_root);
        Enrichment {
            hostnames,
            containers,
            leaks: probable_leaks(snapshot, &claims),
        }
    }

    /// Brings the names up to date after process events patched `snapshot`: only the
    /// namespaces they touched are read again (a hostname set just after an unshare, the
    /// container of a new namespace's init); names of namespaces that are gone are dropped.
    /// The leak marks are redone only when a touched namespace has no process left (the only
    /// way events can make one); holders are the full reconcile's business.
    pub fn refresh(
        &mut self,
        snapshot: &Snapshot,
        touched: &std::collections::BTreeSet<Inode>,
        proc_root: &Path,
    ) {
        self.hostnames
            .retain(|inode, _| snapshot.namespaces.contains_key(inode));
        self.containers
            .retain(|inode, _| snapshot.namespaces.contains_key(inode));
        self.leaks
            .retain(|inode| snapshot.namespaces.contains_key(inode));
        // The host's namespaces (touched by nearly every event) have neither a hostname nor a
        // container here.
        let namespaces: Vec<&Namespace> = touched
            .iter()
            .filter_map(|inode| snapshot.namespace(*inode))
            .filter(|ns| snapshot.host_ns(ns.kind) != Some(ns.inode))
            .collect();
        for ns in namespaces.iter().filter(|ns| ns.kind == NsKind::Uts) {
            match crate::details::hostname_of(snapshot, ns, proc_root) {
                Some(name) => self.hostnames.insert(ns.inode, name),
                None => self.hostnames.remove(&ns.inode),
            };
        }
        let inits = namespaces
            .iter()
            .filter_map(|ns| crate::details::container::namespace_init(snapshot, ns));
        let index = crate::details::ContainerIndex::for_pids(inits, proc_root);
        for ns in &namespaces {
            match index.label_of(snapshot, ns) {
                Some(container) => self.containers.insert(ns.inode, container_name(container)),
                None => self.containers.remove(&ns.inode),
            };
        }
        if namespaces.iter().any(|ns| ns.members.is_empty()) {
            let claims = crate::leaks::facts::claims(snapshot, proc_root);
            self.leaks = probable_leaks(snapshot, &claims);
        }
    }
}

/// A container as the NAME column shows it: the engine's name (with its pod's), else
/// `runtime short-id`.
fn container_name(container: &crate::details::Container) -> String {
    match (&container.name, &container.pod_name) {
        (Some(name), Some(pod)) => format!("{name} (pod {pod})"),
        (Some(name), None) => name.clone(),
        (None, _) => container.label(),
    }
}

/// The namespaces `nsview leaks` calls probable leaks, given the claims on them (read live by
/// [`Enrichment::gather`], or saved in a snapshot file taken with `--details`).
pub fn probable_leaks(
    snapshot: &Snapshot,
    claims: &crate::leaks::verdict::Claims,
) -> HashSet<Inode> {
    crate::leaks::verdict::assess_all(snapshot, claims)
        .into_iter()
        .filter(|a| a.verdict.is_probable_leak())
        .map(|a| a.inode)
        .collect()
}

/// Where a name came from, best first (the order is the ranking).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Source {
    /// One of the initial namespaces ([`host_reason`] says how nsview knows).
    Host,
    /// `ip netns add NAME`: a bind mount under /run/netns.
    NetnsName,
    /// The container its processes are in (from their cgroup paths).
    Container,
    /// The hostname of its UTS namespace (or of its processes' UTS namespace).
    Hostname,
    /// Another nsfs bind mount.
    BindPath,
}

impl Source {
    /// How the detail pane says where the name came from.
    pub fn describe(self) -> &'static str {
        match self {
            Source::Host => "the initial namespace",
            Source::NetnsName => "ip netns name",
            Source::Container => "container, from its processes' cgroup paths",
            Source::Hostname => "hostname of its UTS namespace",
            Source::BindPath => "nsfs bind mount",
        }
    }
}

/// A namespace's best name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Name {
    pub text: String,
    pub source: Source,
}

pub use crate::details::describe::host_reason;

/// Every name a namespace has, best first.
pub fn names_of(snapshot: &Snapshot, enrichment: &Enrichment, ns: &Namespace) -> Vec<Name> {
    let mut names = Vec::new();
    let mut add = |text: String, source| {
        if !text.is_empty() && !names.iter().any(|n: &Name| n.text == text) {
            names.push(Name { text, source });
        }
    };
    if snapshot.host_ns(ns.kind) == Some(ns.inode) {
        add("host".into(), Source::Host);
    }
    for path in &ns.nsfs_paths {
        if ns.kind == NsKind::Net
            && let Some(name) = path.strip_prefix("/run/netns/")
            && !name.contains('/')
        {
            add(name.to_string(), Source::NetnsName);
        }
    }
    if let Some(container) = enrichment.containers.get(&ns.inode) {
        add(container.clone(), Source::Container);
    }
    // Its own hostname, or that of its processes' UTS namespace when that is not the host's.
    let uts = match ns.kind {
        NsKind::Uts => Some(ns.inode),
        // Only while that process is in it: a ghost's process is gone, and the inode it
        // pointed to may be another namespace's now (nsfs reuses inodes at once).
        _ => snapshot.representative(ns).and_then(|p| {
            let uts = p.ns(NsKind::Uts)?;
            snapshot
                .namespace(uts)?
                .members
                .binary_search(&p.pid)
                .ok()?;
            Some(uts)
        }),
    };
    if let Some(hostname) = uts.and_then(|uts| enrichment.hostnames.get(&uts)) {
        add(hostname.clone(), Source::Hostname);
    }
    for path in &ns.nsfs_paths {
        add(path.clone(), Source::BindPath);
    }
    names.sort_by_key(|n| n.source);
    names
}

/// The best of [`names_of`].
pub fn best_name(snapshot: &Snapshot, enrichment: &Enrichment, ns: &Namespace) -> Option<Name> {
    names_of(snapshot, enrichment, ns).into_iter().next()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::sample::{
        self, BLUE_NET, CONTAINER_MNT, CONTAINER_PID, CONTAINER_UTS, FD_UTS, HOST,
    };

    fn enrichment() -> Enrichment {
        Enrichment {
            hostnames: [(CONTAINER_UTS, "web-1".to_string())].into(),
            containers: [(CONTAINER_UTS, "web".to_string())].into(),
            leaks: Default::default(),
        }
    }

    /// After events: names of gone namespaces go, a touched namespace's container is read
    /// from its init's cgroup file (here a fake proc root), untouched ones are kept as they
    /// were (nothing read for them), and the host's get none.
    #[test]
    fn refresh_reads_only_what_events_touched() {
        let root = tempfile::tempdir().expect("temp proc root");
        let id = "3f4e5d6c7b8a".repeat(6)[..64].to_string();
        std::fs::create_dir(root.path().join("2001")).expect("mkdir");
        std::fs::write(
            root.path().join("2001/cgroup"),
            format!("0::/machine.slice/libpod-{id}.scope\n"),
        )
        .expect("cgroup file");
        let snapshot = sample::small();
        let mut names = Enrichment {
            hostnames: [(4026539999, "gone".to_string())].into(),
            containers: [
                (4026532201, "kept".to_string()),
                (4026539999, "gone".into()),
            ]
            .into(),
            leaks: [4026539999].into(),
        };
        let touched = [CONTAINER_UTS, HOST[NsKind::Uts.index()], 4026539999].into();
        names.refresh(&snapshot, &touched, root.path());
        assert_eq!(
            names.containers,
            [
                (4026532201, "kept".to_string()),
                (CONTAINER_UTS, "podman 3f4e5d6c7b8a".to_string())
            ]
            .into()
        );
        // Hostnames are read only from the live /proc; the gone one is dropped.
        assert!(names.hostnames.is_empty(), "{:?}", names.hostnames);
        assert!(names.leaks.is_empty());
    }

    #[test]
    fn gather_labels_from_the_inits_cgroup_and_reads_no_other_members() {
        // 2001 is the container's init, 2002 its worker: a worker's cgroup naming another
        // container must neither label the namespace nor be read at all.
        let root = tempfile::tempdir().expect("temp proc root");
        let id = "3f4e5d6c7b8a".repeat(6)[..64].to_string();
        let other = "0a1b2c3d4e5f".repeat(6)[..64].to_string();
        for (pid, id) in [(2001, &id), (2002, &other)] {
            std::fs::create_dir(root.path().join(pid.to_string())).expect("mkdir");
            std::fs::write(
                root.path().join(format!("{pid}/cgroup")),
                format!("0::/machine.slice/libpod-{id}.scope\n"),
            )
            .expect("cgroup file");
        }
        let snapshot = sample::small();
        let names = Enrichment::gather(&snapshot, root.path());
        assert_eq!(
            names.containers.get(&CONTAINER_UTS).map(String::as_str),
            Some("podman 3f4e5d6c7b8a")
        );
        let index = crate::details::ContainerIndex::for_labels(&snapshot, root.path());
        assert!(index.of_pid(2001).is_some());
        assert!(index.of_pid(2002).is_none(), "a non-init member was read");
        assert!(
            crate::details::ContainerIndex::build(&snapshot, root.path())
                .of_pid(2002)
                .is_some(),
            "the fixture's worker has a container of its own"
        );
    }

    #[test]
    fn a_namespace_is_not_named_through_a_uts_inode_its_process_has_left() {
        // The container's mnt namespace is named by its processes' UTS hostname; once they
        // are not members of that UTS namespace (a ghost's dead processes, whose inode went
        // to a new namespace), the hostname is not theirs to give.
        let mut snapshot = sample::small();
        let rich = enrichment();
        let named = |s: &Snapshot| {
            names_of(s, &rich, s.namespace(CONTAINER_MNT).expect("mnt"))
                .into_iter()
                .any(|n| n.source == Source::Hostname)
        };
        assert!(
            named(&snapshot),
            "named while its processes are in the UTS namespace"
        );
        snapshot
            .namespaces
            .get_mut(&CONTAINER_UTS)
            .expect("uts")
            .members
            .clear();
        assert!(
            !named(&snapshot),
            "not named through a UTS namespace it is not in"
        );
    }

    fn best(snapshot: &Snapshot, enrichment: &Enrichment, inode: Inode) -> Option<Name> {
        best_name(
            snapshot,
            enrichment,
            snapshot.namespace(inode).expect("known"),
        )
    }

    #[test]
    fn ranking_host_then_netns_container_hostname_path() {
        let snapshot = sample::small();
        let rich = enrichment();
        for kind in NsKind::ALL {
            let host = best(&snapshot, &rich, HOST[kind.index()]).expect("host named");
            assert_eq!((host.text.as_str(), host.source), ("host", Source::Host));
        }
        let blue = best(&snapshot, &rich, BLUE_NET).expect("named");
        assert_eq!(
            (blue.text.as_str(), blue.source),
            ("blue", Source::NetnsName)
        );
        let uts = best(&snapshot, &rich, CONTAINER_UTS).expect("named");
        assert_eq!((uts.text.as_str(), uts.source), ("web", Source::Container));
        // A container's pid namespace is named after its processes' hostname.
        let pid = best(&snapshot, &rich, CONTAINER_PID).expect("named");
        assert_eq!((pid.text.as_str(), pid.source), ("web-1", Source::Hostname));
        // Nothing known: no name (the command stands in).
        assert_eq!(best(&snapshot, &rich, FD_UTS), None);
        // All names, best first, no repeats.
        let all: Vec<Source> = names_of(
            &snapshot,
            &rich,
            snapshot.namespace(BLUE_NET).expect("known"),
        )
        .into_iter()
        .map(|n| n.source)
        .collect();
        assert_eq!(all, [Source::NetnsName, Source::BindPath]);
    }

    #[test]
    fn other_bind_paths_and_host_reasons() {
        let mut snapshot = sample::small();
        if let Some(ns) = snapshot.namespaces.get_mut(&FD_UTS) {
            ns.nsfs_paths.push("/var/lib/ns/keep".into());
        }
        let named = best(&snapshot, &Enrichment::default(), FD_UTS).expect("named");
        assert_eq!(named.source, Source::BindPath);
        assert_eq!(
            host_reason(&snapshot, NsKind::Net).map(|(_, why)| why),
            Some("pid 1 is in it")
        );
        // PID 1 unreadable: kthreadd stands in, and the reason says so.
        let mut kthreadd = snapshot.processes[&412].clone();
        kthreadd.pid = 2;
        kthreadd.ppid = 0;
        kthreadd.comm = "kthreadd".into();
        snapshot.processes.insert(2, kthreadd);
        snapshot.processes.remove(&1);
        let (inode, why) = host_reason(&snapshot, NsKind::Net).expect("known");
        assert_eq!(inode, HOST[NsKind::Net.index()]);
        assert!(why.contains("kthreadd"), "{why}");
    }
}
