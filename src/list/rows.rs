//! Which rows `--list` prints, in which order, under which tree parent, and what each cell
//! holds. Pure functions of the snapshot (which the enrichment step already gave NETNSID and
//! the extension values): no I/O.
//!
//! The order and the tree links follow lsns's `show_namespaces` / `show_namespace_processes`:
//! rows are added in inode (or pid) order, an owner or parent is added before the namespaces
//! under it, and a row's tree parent is the row that was current for its parent process or
//! namespace when it was added.

use std::collections::{HashMap, HashSet};

use super::columns::{Column, Extension};
use crate::model::{Inode, Namespace, NsKind, Pid, Process, Snapshot};

/// `NETNSA_NSID_NOT_ASSIGNED`: the kernel's answer for a namespace without an id.
const NOT_ASSIGNED: i32 = -1;

/// lsns's `--tree` kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tree {
    None,
    /// Processes under their parent process (COMMAND is the tree column).
    Process,
    /// Namespaces under their parent namespace (NS is the tree column).
    Parent,
    /// Namespaces under their owning user namespace.
    Owner,
}

impl Tree {
    /// The column that carries the tree art, when the table is a tree.
    pub fn column(self) -> Option<Column> {
        match self {
            Tree::None => None,
            Tree::Process => Some(Column::Command),
            Tree::Parent | Tree::Owner => Some(Column::Ns),
        }
    }
}

/// One output row: a namespace, the process it shows (if any), and its tree parent row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub ns: Inode,
    pub pid: Option<Pid>,
    pub parent: Option<usize>,
}

/// A cell's content. NSFS is a list (one mount point per line, an array in JSON).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cell {
    Text(String),
    List(Vec<String>),
    /// Text that is not valid UTF-8 (a command line): the table and raw formats escape its
    /// invalid bytes as lsns does; JSON and the filter see it decoded lossily.
    Bytes(Vec<u8>),
}

impl Cell {
    pub fn is_empty(&self) -> bool {
        match self {
            Cell::Text(text) => text.is_empty(),
            Cell::List(items) => items.is_empty(),
            Cell::Bytes(bytes) => bytes.is_empty(),
        }
    }

    /// The cell as one string, list items joined by `sep`, invalid UTF-8 as U+FFFD.
    pub fn joined(&self, sep: &str) -> String {
        match self {
            Cell::Text(text) => text.clone(),
            Cell::List(items) => items.join(sep),
            Cell::Bytes(bytes) => String::from_utf8_lossy(bytes).into_owned(),
        }
    }

    /// The cell's lines as bytes: a list's items one per line (or joined by `sep` when
    /// `sep` is given), any other cell as one line, whatever characters it holds.
    pub fn lines(&self, sep: Option<&str>) -> Vec<Vec<u8>> {
        match (self, sep) {
            (Cell::List(items), None) => items.iter().map(|i| i.as_bytes().to_vec()).collect(),
            (Cell::List(items), Some(sep)) => vec![items.join(sep).into_bytes()],
            (Cell::Text(text), _) => vec![text.as_bytes().to_vec()],
            (Cell::Bytes(bytes), _) => vec![bytes.clone()],
        }
    }
}

/// Where cells come from: the (enriched) snapshot.
pub struct CellSource<'a> {
    pub snapshot: &'a Snapshot,
    /// `-W`: a multi-line NSFS cell is one line, comma-separated (lsns builds it so).
    pub nowrap: bool,
}

impl CellSource<'_> {
    pub fn cell(&self, column: Column, ns: &Namespace, proc: Option<&Process>) -> Cell {
        let text = match column {
            Column::Ns => ns.inode.to_string(),
            Column::Type => ns.kind.name().to_string(),
            // lsns 2.42 has a PATH only for a process's row.
            Column::Path => proc
                .map(|p| format!("/proc/{}/ns/{}", p.pid, ns.kind.name()))
                .unwrap_or_default(),
            Column::Nprocs => ns.members.len().to_string(),
            Column::Pid => proc.map(|p| p.pid.to_string()).unwrap_or_default(),
            Column::Ppid => proc.map(|p| p.ppid.to_string()).unwrap_or_default(),
            Column::Command => match proc {
                Some(Process {
                    command_bytes: Some(bytes),
                    ..
                }) => return Cell::Bytes(bytes.clone()),
                Some(p) => p.command.clone(),
                None => String::new(),
            },
            Column::Uid => uid_of(self.snapshot, ns, proc)
                .map(|uid| uid.to_string())
                .unwrap_or_default(),
            Column::User => uid_of(self.snapshot, ns, proc)
                .map(|uid| self.snapshot.user_name(uid))
                .unwrap_or_default(),
            Column::Netnsid => match ns.netnsid {
                Some(NOT_ASSIGNED) => "unassigned".to_string(),
                Some(id) if id >= 0 => id.to_string(),
                _ => String::new(),
            },
            Column::Nsfs if self.nowrap => ns.nsfs_paths.join(","),
            Column::Nsfs => return Cell::List(ns.nsfs_paths.clone()),
            // lsns prints 0 when the kernel names no parent or owner.
            Column::Pns => ns.parent.unwrap_or(0).to_string(),
            Column::Ons => ns.owner.unwrap_or(0).to_string(),
            Column::Extra(extra) => self.extra(extra, ns, proc),
        };
        Cell::Text(text)
    }

    /// An extension cell. The values describe the namespace, except HOSTNAME, which follows the
    /// row's process into its UTS namespace: the representative's for a namespace row (as the
    /// enriched value already is), each member's own in `<namespace>` mode.
    fn extra(&self, extra: Extension, ns: &Namespace, proc: Option<&Process>) -> String {
        let source = match (extra, proc) {
            (Extension::Hostname, Some(p)) => p
                .ns(NsKind::Uts)
                .and_then(|uts| self.snapshot.namespace(uts))
                .unwrap_or(ns),
            _ => ns,
        };
        let value = match extra {
            Extension::Hostname => &source.extras.hostname,
            Extension::Container => &source.extras.container,
            Extension::Uidmap => &source.extras.uidmap,
            Extension::Hostns => &source.extras.hostns,
            Extension::Leak => &source.extras.leak,
        };
        value.clone().unwrap_or_default()
    }
}

/// lsns's UID: the owner of /proc/PID for a process row. A process-less namespace takes
/// lsns 2.42's `uid_fallback`: NS_GET_OWNER_UID, which only a user namespace answers, so its
/// creator's uid for a user namespace and 0 (root) for every other kind, as lsns prints them.
pub fn uid_of(_snapshot: &Snapshot, ns: &Namespace, proc: Option<&Process>) -> Option<u32> {
    if let Some(p) = proc {
        return Some(p.uid);
    }
    if ns.kind == NsKind::User {
        return Some(ns.owner_uid.unwrap_or(0));
    }
    Some(0)
}

/// Decides whether a candidate row is printed (the `-Q` filter); rejected rows are not added
/// and never become tree parents, as in lsns.
pub type Keep<'a> = dyn Fn(&Namespace, Option<&Process>) -> bool + 'a;

/// Rows for the namespace listing. `universe` are the namespaces of the selected types (the
/// only ones a tree may hang from), ascending; `selected` says which of them are listed on
/// their own (`-p`, `-P`); ancestors are added for trees regardless, as lsns does.
pub fn namespace_rows(
    snapshot: &Snapshot,
    universe: &[&Namespace],
    selected: &dyn Fn(&Namespace) -> bool,
    tree: Tree,
    keep: &Keep<'_>,
) -> Vec<Row> {
    let by_inode: HashMap<Inode, &Namespace> = universe.iter().map(|ns| (ns.inode, *ns)).collect();
    let related = |inode: Option<Inode>| inode.and_then(|i| by_inode.get(&i).copied());
    let mut rows = Vec::new();
    let mut attempted: HashSet<Inode> = HashSet::new();
    let mut line_of_ns: HashMap<Inode, usize> = HashMap::new();
    let mut line_of_pid: HashMap<Pid, usize> = HashMap::new();

    for ns in universe.iter().copied().filter(|ns| selected(ns)) {
        if attempted.contains(&ns.inode) {
            continue;
        }
        // The unshown ancestors come first, topmost first (lsns's recursive show_namespace).
        let mut chain = vec![ns];
        let mut current = ns;
        loop {
            let next = match tree {
                Tree::Owner => related(current.owner),
                Tree::Parent => match related(current.parent) {
                    Some(parent) => Some(parent),
                    None => related(current.owner),
                },
                _ => None,
            };
            match next {
                Some(up)
                    if !attempted.contains(&up.inode)
                        && !chain.iter().any(|c| c.inode == up.inode) =>
                {
                    chain.push(up);
                    current = up;
                }
                _ => break,
            }
        }
        for ns in chain.into_iter().rev() {
            attempted.insert(ns.inode);
            let proc = snapshot.representative(ns);
            if !keep(ns, proc) {
                continue;
            }
            let parent = match tree {
                Tree::Process => proc.and_then(|p| line_of_pid.get(&p.ppid).copied()),
                Tree::Parent => ns.parent.and_then(|i| line_of_ns.get(&i).copied()),
                Tree::Owner => ns.owner.and_then(|i| line_of_ns.get(&i).copied()),
                Tree::None => None,
            };
            let index = rows.len();
            rows.push(Row {
                ns: ns.inode,
                pid: proc.map(|p| p.pid),
                parent,
            });
            line_of_ns.insert(ns.inode, index);
            if let Some(p) = proc {
                line_of_pid.insert(p.pid, index);
            }
        }
    }
    rows
}

/// Rows for `lsns <namespace>`: one per member process, a parent process in the same namespace
/// before its children (lsns's show_process).
pub fn process_rows(snapshot: &Snapshot, ns: &Namespace, tree: Tree, keep: &Keep<'_>) -> Vec<Row> {
    let mut rows = Vec::new();
    let mut attempted: HashSet<Pid> = HashSet::new();
    let mut line_of_pid: HashMap<Pid, usize> = HashMap::new();
    let in_ns = |p: &Process| p.ns(ns.kind) == Some(ns.inode);

    for &pid in &ns.members {
        if attempted.contains(&pid) {
            continue;
        }
        let Some(proc) = snapshot.process(pid) else {
            continue;
        };
        let mut chain = vec![proc];
        if tree == Tree::Process {
            let mut current = proc;
            while let Some(parent) = snapshot.process(current.ppid) {
                if attempted.contains(&parent.pid)
                    || !in_ns(parent)
                    || chain.iter().any(|c| c.pid == parent.pid)
                {
                    break;
                }
                chain.push(parent);
                current = parent;
            }
        }
        for proc in chain.into_iter().rev() {
            attempted.insert(proc.pid);
            if !keep(ns, Some(proc)) {
                continue;
            }
            let parent = match tree {
                Tree::Process => line_of_pid.get(&proc.ppid).copied(),
                _ => None,
            };
            line_of_pid.insert(proc.pid, rows.len());
            rows.push(Row {
                ns: ns.inode,
                pid: Some(proc.pid),
                parent,
            });
        }
    }
    rows
}

/// Children of each row, in the order they were added.
pub fn children(rows: &[Row]) -> Vec<Vec<usize>> {
    let mut children = vec![Vec::new(); rows.len()];
    for (index, row) in rows.iter().enumerate() {
        if let Some(parent) = row.parent {
            children[parent].push(index);
        }
    }
    children
}

/// One printed row of a tree: its tree art, and the art libsmartcols draws in the tree column
/// on the continuation lines of a multi-line cell (`tree_ascii_art_to_buffer` plus a vertical
/// line when the row has children).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placed {
    pub row: usize,
    pub art: String,
    pub continuation: String,
}

/// The print order of a tree (depth-first, roots and siblings in the order they were added),
/// with each row's tree art: `│ ` or `  ` per ancestor level, then `├─` or `└─`.
pub fn tree_order(rows: &[Row], symbols: &TreeSymbols) -> Vec<Placed> {
    let children = children(rows);
    let mut out = Vec::with_capacity(rows.len());
    // (row, art prefix for its children, own art)
    let mut stack: Vec<(usize, String, String)> = Vec::new();
    for root in (0..rows.len()).filter(|&i| rows[i].parent.is_none()).rev() {
        stack.push((root, String::new(), String::new()));
    }
    while let Some((row, prefix, art)) = stack.pop() {
        let kids = &children[row];
        let mut continuation = prefix.clone();
        if !kids.is_empty() {
            continuation.push_str(symbols.vertical);
        }
        for (n, &kid) in kids.iter().enumerate().rev() {
            let last = n + 1 == kids.len();
            let own = format!(
                "{prefix}{}",
                if last { symbols.right } else { symbols.branch }
            );
            let below = format!(
                "{prefix}{}",
                if last {
                    symbols.blank
                } else {
                    symbols.vertical
                }
            );
            stack.push((kid, below, own));
        }
        out.push(Placed {
            row,
            art,
            continuation,
        });
    }
    out
}

/// libsmartcols's tree symbols: line drawing in a UTF-8 locale, ASCII otherwise.
pub struct TreeSymbols {
    pub branch: &'static str,
    pub vertical: &'static str,
    pub right: &'static str,
    pub blank: &'static str,
}

pub const UTF8_SYMBOLS: TreeSymbols = TreeSymbols {
    branch: "├─",
    vertical: "│ ",
    right: "└─",
    blank: "  ",
};

pub const ASCII_SYMBOLS: TreeSymbols = TreeSymbols {
    branch: "|-",
    vertical: "| ",
    right: "`-",
    blank: "  ",
};

#[cfg(test)]
mod tests {
    use super::*;

    fn row(parent: Option<usize>) -> Row {
        Row {
            ns: 0,
            pid: None,
            parent,
        }
    }

    #[test]
    fn draws_trees_depth_first() {
        // 0 ─┬ 1 ── 3
        //    └ 2
        // 4
        let rows = vec![
            row(None),
            row(Some(0)),
            row(Some(0)),
            row(Some(1)),
            row(None),
        ];
        let order = tree_order(&rows, &UTF8_SYMBOLS);
        let got: Vec<(usize, &str, &str)> = order
            .iter()
            .map(|p| (p.row, p.art.as_str(), p.continuation.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                (0, "", "│ "),
                (1, "├─", "│ │ "),
                (3, "│ └─", "│   "),
                (2, "└─", "  "),
                (4, "", ""),
            ]
        );
        let ascii = tree_order(&rows, &ASCII_SYMBOLS);
        assert_eq!(ascii[2].art, "| `-");
    }

    #[test]
    fn children_keep_insertion_order() {
        let rows = vec![row(None), row(Some(0)), row(None), row(Some(0))];
        assert_eq!(children(&rows)[0], vec![1, 3]);
    }
}
