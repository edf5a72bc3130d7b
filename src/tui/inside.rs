//! What the detail pane knows beyond the snapshot: per-namespace details (`crate::details`) and
//! a process's container, read by a background worker (in `tui/mod.rs`) and cached here per
//! (inode or pid, scan generation). Plain data: nothing here reads /proc.
//!
//! The app asks for what the selection needs ([`Want`]); the loop hands that to the worker; the
//! answer comes back as [`Found`] through `Action::Details`. A result from an older scan stays
//! on screen until the current scan's arrives, so auto-refresh does not flicker "reading…".

use std::collections::HashMap;

use crate::details::{Container, NamespaceDetails};
use crate::model::{Inode, Pid};

/// What the worker should read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Want {
    Namespace(Inode),
    /// A process's container (from its cgroup path).
    Container(Pid),
}

/// What the worker read, for the scan `generation` it was asked about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Found {
    Namespace {
        inode: Inode,
        generation: u64,
        /// An error is one line for a dim status in the pane.
        result: Result<NamespaceDetails, String>,
    },
    Container {
        pid: Pid,
        generation: u64,
        container: Option<Container>,
    },
}

/// The cache and the one outstanding request.
#[derive(Debug, Default)]
pub struct Inside {
    namespaces: HashMap<Inode, (u64, Result<NamespaceDetails, String>)>,
    containers: HashMap<Pid, (u64, Option<Container>)>,
    /// The last request handed out, so one selection is asked for once per scan.
    asked: Option<(Want, u64)>,
}

impl Inside {
    /// Details of `inode`, possibly from an older scan; None until any arrived.
    pub fn namespace(&self, inode: Inode) -> Option<&Result<NamespaceDetails, String>> {
        self.namespaces.get(&inode).map(|(_, result)| result)
    }

    /// The container of `pid` (Some(None): it has none), possibly from an older scan.
    pub fn container(&self, pid: Pid) -> Option<Option<&Container>> {
        self.containers.get(&pid).map(|(_, c)| c.as_ref())
    }

    fn fresh(&self, want: Want, generation: u64) -> bool {
        let have = match want {
            Want::Namespace(inode) => self.namespaces.get(&inode).map(|(g, _)| *g),
            Want::Container(pid) => self.containers.get(&pid).map(|(g, _)| *g),
        };
        have == Some(generation)
    }

    /// Returns `want` if it is neither cached for `generation` nor already asked for, and
    /// remembers that it was asked for.
    pub fn ask(&mut self, want: Want, generation: u64) -> Option<Want> {
        if self.fresh(want, generation) || self.asked == Some((want, generation)) {
            return None;
        }
        self.asked = Some((want, generation));
        Some(want)
    }

    /// Stores an answer. An answer for an older scan than one already held is dropped.
    pub fn store(&mut self, found: Found) {
        match found {
            Found::Namespace {
                inode,
                generation,
                result,
            } => keep_newer(&mut self.namespaces, inode, generation, result),
            Found::Container {
                pid,
                generation,
                container,
            } => keep_newer(&mut self.containers, pid, generation, container),
        }
    }

    /// Forgets what no longer exists after a scan (keeps the cache as small as the machine).
    pub fn retain(&mut self, namespace: impl Fn(Inode) -> bool, process: impl Fn(Pid) -> bool) {
        self.namespaces.retain(|inode, _| namespace(*inode));
        self.containers.retain(|pid, _| process(*pid));
    }
}

fn keep_newer<K: std::hash::Hash + Eq, V>(
    map: &mut HashMap<K, (u64, V)>,
    key: K,
    generation: u64,
    value: V,
) {
    if map.get(&key).is_none_or(|(held, _)| *held <= generation) {
        map.insert(key, (generation, value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asks_once_per_scan_and_keeps_old_answers_until_new_ones() {
        let mut inside = Inside::default();
        let want = Want::Container(42);
        assert_eq!(inside.ask(want, 1), Some(want));
        assert_eq!(inside.ask(want, 1), None, "already asked");
        assert_eq!(inside.container(42), None);
        inside.store(Found::Container {
            pid: 42,
            generation: 1,
            container: None,
        });
        assert_eq!(inside.container(42), Some(None));
        assert_eq!(inside.ask(want, 1), None, "cached");
        // A new scan asks again but shows the old answer meanwhile.
        assert_eq!(inside.ask(want, 2), Some(want));
        assert_eq!(inside.container(42), Some(None));
        inside.store(Found::Namespace {
            inode: 7,
            generation: 2,
            result: Err("gone".into()),
        });
        // A late answer from an older scan does not replace a newer one.
        inside.store(Found::Namespace {
            inode: 7,
            generation: 1,
            result: Err("old".into()),
        });
        assert_eq!(inside.namespace(7), Some(&Err("gone".into())));
        inside.retain(|_| false, |pid| pid == 42);
        assert_eq!(inside.namespace(7), None);
        assert_eq!(inside.container(42), Some(None));
    }
}
