//! Extra `--list` columns beyond lsns's thirteen (HOSTNAME, CONTAINER, UIDMAP, HOSTNS), as
//! precomputed per-namespace values: `list` asks for the columns it shows, once per run, and
//! joins by inode (as it does for NETNSID). They are never in the default output.

use std::collections::HashMap;
use std::path::Path;

use super::{ContainerIndex, hostname_of, uid_map_summary};
use crate::model::{Inode, NsKind, Snapshot};

/// One extra column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ExtraColumn {
    Hostname,
    Container,
    Uidmap,
    Hostns,
    /// The leak verdict of a namespace no process is in (`nsview leaks`).
    Leak,
}

impl ExtraColumn {
    pub const ALL: [ExtraColumn; 5] = [
        ExtraColumn::Hostname,
        ExtraColumn::Container,
        ExtraColumn::Uidmap,
        ExtraColumn::Hostns,
        ExtraColumn::Leak,
    ];

    /// The header (JSON keys are these in lower case).
    pub fn name(self) -> &'static str {
        match self {
            ExtraColumn::Hostname => "HOSTNAME",
            ExtraColumn::Container => "CONTAINER",
            ExtraColumn::Uidmap => "UIDMAP",
            ExtraColumn::Hostns => "HOSTNS",
            ExtraColumn::Leak => "LEAK",
        }
    }

    pub fn help(self) -> &'static str {
        match self {
            ExtraColumn::Hostname => "hostname of the UTS namespace of the namespace's process",
            ExtraColumn::Container => "container (runtime and short id) from cgroup paths",
            ExtraColumn::Uidmap => "uid map of a user namespace (inside→outside/count)",
            ExtraColumn::Hostns => "yes when it is the host's namespace (pid 1's)",
            ExtraColumn::Leak => "leak verdict of a namespace without processes (nsview leaks)",
        }
    }

    /// Case-insensitive, as lsns's `-o` parses names.
    pub fn from_name(name: &str) -> Option<ExtraColumn> {
        ExtraColumn::ALL
            .into_iter()
            .find(|c| c.name().eq_ignore_ascii_case(name))
    }
}

/// The column's value for every namespace that has one (empty cells are left out).
///
/// HOSTNAME enters each UTS namespace once (a short-lived thread each) and is empty with a fake
/// proc root; CONTAINER reads every process's cgroup file once.
pub fn column_values(
    snapshot: &Snapshot,
    proc_root: &Path,
    column: ExtraColumn,
) -> HashMap<Inode, String> {
    match column {
        ExtraColumn::Hostname => {
            let names: HashMap<Inode, String> = snapshot
                .of_kind(NsKind::Uts)
                .filter_map(|ns| Some((ns.inode, hostname_of(snapshot, ns, proc_root)?)))
                .collect();
            snapshot
                .namespaces
                .values()
                .filter_map(|ns| {
                    let uts = match ns.kind {
                        NsKind::Uts => ns.inode,
                        _ => snapshot.representative(ns)?.ns(NsKind::Uts)?,
                    };
                    Some((ns.inode, names.get(&uts)?.clone()))
                })
                .collect()
        }
        ExtraColumn::Container => {
            let index = ContainerIndex::for_labels(snapshot, proc_root);
            snapshot
                .namespaces
                .values()
                .filter_map(|ns| Some((ns.inode, index.label_of(snapshot, ns)?.label())))
                .collect()
        }
        ExtraColumn::Uidmap => snapshot
            .of_kind(NsKind::User)
            .filter_map(|ns| Some((ns.inode, uid_map_summary(snapshot, ns, proc_root)?)))
            .collect(),
        ExtraColumn::Hostns => snapshot
            .namespaces
            .values()
            .filter_map(|ns| {
                let host = snapshot.host_ns(ns.kind)?;
                Some((ns.inode, if host == ns.inode { "yes" } else { "no" }.into()))
            })
            .collect(),
        ExtraColumn::Leak => {
            let claims = super::leak_facts::claims(snapshot, proc_root);
            crate::leaks::assess_all(snapshot, &claims)
                .into_iter()
                .map(|a| (a.inode, a.verdict.name().to_string()))
                .collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::scan::{ScanOptions, scan};

    fn fixture() -> (Snapshot, PathBuf) {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/show-basic/proc");
        let snapshot = scan(&ScanOptions::for_root(Some(root.clone()))).expect("fixture scan");
        (snapshot, root)
    }

    #[test]
    fn names_round_trip() {
        for column in ExtraColumn::ALL {
            assert_eq!(
                ExtraColumn::from_name(&column.name().to_lowercase()),
                Some(column)
            );
        }
        assert_eq!(ExtraColumn::from_name("NS"), None);
    }

    #[test]
    fn values_over_the_fixture() {
        let (snapshot, root) = fixture();
        let container = column_values(&snapshot, &root, ExtraColumn::Container);
        // the container's own net namespace, not the host's nor the rootless user's
        assert_eq!(
            container.get(&4026532303).map(String::as_str),
            Some("docker 3f4e5d6c7b8a")
        );
        assert_eq!(container.get(&4026531840), None);
        assert_eq!(container.get(&4026532310), None);

        let uidmap = column_values(&snapshot, &root, ExtraColumn::Uidmap);
        assert_eq!(
            uidmap.get(&4026532310).map(String::as_str),
            Some("0→1000/1,1→100000/65536")
        );
        assert_eq!(
            uidmap.get(&4026531837).map(String::as_str),
            Some("0→0/4294967295")
        );
        assert_eq!(
            uidmap.get(&4026532303),
            None,
            "only user namespaces have maps"
        );

        let host = column_values(&snapshot, &root, ExtraColumn::Hostns);
        assert_eq!(host.get(&4026531840).map(String::as_str), Some("yes"));
        assert_eq!(host.get(&4026532303).map(String::as_str), Some("no"));

        // inside-only: nothing with a fake proc root, and no error
        assert!(column_values(&snapshot, &root, ExtraColumn::Hostname).is_empty());
    }
}
