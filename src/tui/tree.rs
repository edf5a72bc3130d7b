//! The three trees the UI shows (by type, by owner, by pid-namespace parent), never
//! materialised: an [`Index`] of parent/child edges built once per scan, and functions that
//! list a node's roots and children from it. Nodes are named by a stable [`NodeKey`] (inode /
//! pid), which is what selection and expansion remember across rescans.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

use crate::model::{Inode, NsKind, Pid, Snapshot};

/// A hasher for the UI's sets and maps of inodes, pids and node keys, looked up for every row
/// and every process on each keystroke and scan: FxHash's multiply-rotate instead of SipHash.
/// The keys are kernel-assigned numbers, not text a process chooses, so hash flooding is no
/// concern here.
#[derive(Clone, Copy, Debug, Default)]
pub struct IdHasher(u64);

impl IdHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.add(u64::from(b));
        }
    }
    fn write_u8(&mut self, n: u8) {
        self.add(u64::from(n));
    }
    fn write_u16(&mut self, n: u16) {
        self.add(u64::from(n));
    }
    fn write_u32(&mut self, n: u32) {
        self.add(u64::from(n));
    }
    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }
    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }
    fn write_i32(&mut self, n: i32) {
        self.add(n as u32 as u64);
    }
    fn write_i64(&mut self, n: i64) {
        self.add(n as u64);
    }
    fn write_isize(&mut self, n: isize) {
        self.add(n as u64);
    }
}

/// A `HashSet` / `HashMap` on [`IdHasher`].
pub type IdSet<T> = HashSet<T, BuildHasherDefault<IdHasher>>;
pub type IdMap<K, V> = HashMap<K, V, BuildHasherDefault<IdHasher>>;

/// The three ways of arranging namespaces.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum View {
    /// type → namespace → member processes.
    Type,
    /// user namespaces nested by parent, each with the namespaces it owns (`lsns -T owner`).
    Owner,
    /// pid namespaces nested by parent, members under each.
    PidTree,
}

impl View {
    pub const ALL: [View; 3] = [View::Type, View::Owner, View::PidTree];

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn title(self) -> &'static str {
        match self {
            View::Type => "by type",
            View::Owner => "by owner",
            View::PidTree => "pid tree",
        }
    }
}

/// A node of a tree, named by what it shows rather than where it is, so it survives rescans.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NodeKey {
    /// A namespace type (type view only).
    Kind(NsKind),
    Ns(Inode),
    /// The "processes" group under a namespace in the owner and pid views.
    Members(Inode),
    /// A member process under namespace `.0`.
    Proc(Inode, Pid),
}

/// Parent/child edges of the three trees for one snapshot.
#[derive(Debug, Default)]
pub struct Index {
    pub by_kind: [Vec<Inode>; 8],
    pub owner_roots: Vec<Inode>,
    /// The roots again per view, for the "open by default" test on every row.
    pub owner_root_set: IdSet<Inode>,
    pub pid_root_set: IdSet<Inode>,
    pub owner_children: IdMap<Inode, Vec<Inode>>,
    pub pid_roots: Vec<Inode>,
    pub pid_children: IdMap<Inode, Vec<Inode>>,
    /// Member count without processes that vanished (ghosts kept for one cycle).
    pub live_members: IdMap<Inode, usize>,
}

impl Index {
    pub fn build(snapshot: &Snapshot, vanished_pids: &HashSet<Pid>) -> Index {
        let mut index = Index::default();
        for ns in snapshot.namespaces.values() {
            index.by_kind[ns.kind.index()].push(ns.inode);
            let live = ns
                .members
                .iter()
                .filter(|pid| !vanished_pids.contains(pid))
                .count();
            index.live_members.insert(ns.inode, live);
        }
        // Owner tree: a user namespace hangs under its parent, anything else under its owner.
        let owner_of = |inode: Inode| {
            snapshot.namespace(inode).and_then(|ns| match ns.kind {
                NsKind::User => ns.parent.or(ns.owner),
                _ => ns.owner,
            })
        };
        let (roots, children) = nest(snapshot.namespaces.keys().copied(), owner_of, snapshot);
        index.owner_roots = roots;
        index.owner_children = children;
        let pid_parent = |inode: Inode| snapshot.namespace(inode).and_then(|ns| ns.parent);
        let pid_nss = snapshot.of_kind(NsKind::Pid).map(|ns| ns.inode);
        let (roots, children) = nest(pid_nss, pid_parent, snapshot);
        index.pid_roots = roots;
        index.pid_children = children;
        index.owner_root_set = index.owner_roots.iter().copied().collect();
        index.pid_root_set = index.pid_roots.iter().copied().collect();
        index
    }
}

/// Builds roots and child lists from a parent function. A parent that is unknown, missing from
/// the snapshot or part of a cycle (bad data must not hang the UI) makes the node a root.
fn nest(
    nodes: impl Iterator<Item = Inode>,
    parent_of: impl Fn(Inode) -> Option<Inode>,
    snapshot: &Snapshot,
) -> (Vec<Inode>, IdMap<Inode, Vec<Inode>>) {
    let mut roots = Vec::new();
    let mut children: IdMap<Inode, Vec<Inode>> = IdMap::default();
    for inode in nodes {
        let parent = parent_of(inode).filter(|p| snapshot.namespaces.contains_key(p));
        let acyclic = parent.is_some_and(|first| {
            let mut at = Some(first);
            // Namespaces nest at most 32 deep (kernel limit), so 64 steps is plenty.
            for _ in 0..64 {
                match at {
                    Some(p) if p == inode => return false,
                    Some(p) => at = parent_of(p).filter(|q| snapshot.namespaces.contains_key(q)),
                    None => return true,
                }
            }
            false
        });
        match parent {
            Some(p) if acyclic => children.entry(p).or_default().push(inode),
            _ => roots.push(inode),
        }
    }
    (roots, children)
}

pub fn roots_of(view: View, index: &Index) -> Vec<NodeKey> {
    match view {
        View::Type => NsKind::ALL
            .into_iter()
            .filter(|k| !index.by_kind[k.index()].is_empty())
            .map(NodeKey::Kind)
            .collect(),
        View::Owner => index.owner_roots.iter().map(|&i| NodeKey::Ns(i)).collect(),
        View::PidTree => index.pid_roots.iter().map(|&i| NodeKey::Ns(i)).collect(),
    }
}

pub fn children_of(view: View, key: NodeKey, snapshot: &Snapshot, index: &Index) -> Vec<NodeKey> {
    let members = |inode: Inode| -> Vec<NodeKey> {
        snapshot
            .namespace(inode)
            .map(|ns| {
                ns.members
                    .iter()
                    .map(|&p| NodeKey::Proc(inode, p))
                    .collect()
            })
            .unwrap_or_default()
    };
    match (view, key) {
        (_, NodeKey::Proc(..)) => Vec::new(),
        (_, NodeKey::Kind(kind)) => index.by_kind[kind.index()]
            .iter()
            .map(|&i| NodeKey::Ns(i))
            .collect(),
        (View::Type, NodeKey::Ns(inode)) => members(inode),
        (_, NodeKey::Members(inode)) => members(inode),
        (View::Owner | View::PidTree, NodeKey::Ns(inode)) => {
            let nested = if view == View::Owner {
                &index.owner_children
            } else {
                &index.pid_children
            };
            let mut out: Vec<NodeKey> = nested
                .get(&inode)
                .map(|c| c.iter().map(|&i| NodeKey::Ns(i)).collect())
                .unwrap_or_default();
            if snapshot
                .namespace(inode)
                .is_some_and(|ns| !ns.members.is_empty())
            {
                out.push(NodeKey::Members(inode));
            }
            out
        }
    }
}

/// How namespaces are ordered among their siblings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SortKey {
    /// By inode, as lsns sorts (the default).
    #[default]
    Inode,
    /// Most processes first.
    Processes,
    /// By best name, unnamed last.
    Name,
    /// By type, then inode.
    Type,
}

impl SortKey {
    pub const ALL: [SortKey; 4] = [
        SortKey::Inode,
        SortKey::Processes,
        SortKey::Name,
        SortKey::Type,
    ];

    pub fn title(self) -> &'static str {
        match self {
            SortKey::Inode => "inode",
            SortKey::Processes => "procs",
            SortKey::Name => "name",
            SortKey::Type => "type",
        }
    }

    pub fn next(self) -> SortKey {
        let at = SortKey::ALL.iter().position(|&k| k == self).unwrap_or(0);
        SortKey::ALL[(at + 1) % SortKey::ALL.len()]
    }
}

impl Index {
    /// Orders every sibling list by `key` (ties by inode, so the order is total and stable
    /// across rescans); `reverse` flips it.
    pub fn sort(
        &mut self,
        snapshot: &Snapshot,
        key: SortKey,
        reverse: bool,
        name_of: impl Fn(Inode) -> Option<String>,
    ) {
        let live = &self.live_members;
        let rank = |inode: &Inode| -> (u8, i64, String, Inode) {
            let kind = snapshot
                .namespace(*inode)
                .map_or(0, |ns| ns.kind.index() as u8);
            match key {
                SortKey::Inode => (0, 0, String::new(), *inode),
                SortKey::Processes => {
                    let n = live.get(inode).copied().unwrap_or(0) as i64;
                    (0, -n, String::new(), *inode)
                }
                SortKey::Name => match name_of(*inode) {
                    Some(name) => (0, 0, name.to_lowercase(), *inode),
                    None => (1, 0, String::new(), *inode),
                },
                SortKey::Type => (kind, 0, String::new(), *inode),
            }
        };
        let order = |list: &mut Vec<Inode>| {
            match key {
                // Inodes are unique: the rank would be the inode alone, and the lists mostly
                // come sorted already.
                SortKey::Inode => list.sort_unstable(),
                _ => list.sort_by_cached_key(rank),
            }
            if reverse {
                list.reverse();
            }
        };
        for list in &mut self.by_kind {
            order(list);
        }
        order(&mut self.owner_roots);
        order(&mut self.pid_roots);
        for list in self.owner_children.values_mut() {
            order(list);
        }
        for list in self.pid_children.values_mut() {
            order(list);
        }
    }
}
