//! What changed between two snapshots: a pure function from (before, after) to a list of
//! [`Change`]s, shared by `nsview diff` and `nsview watch` (whose events are the changes between
//! two consecutive states).
//!
//! Identity rules:
//! - A namespace is the same in both when it has the same inode and type and, where both
//!   snapshots know it, the same 64-bit namespace id (`NS_GET_ID`, never reused). nsfs inodes
//!   *are* reused as soon as a namespace dies, so an inode whose id (or type) differs is one
//!   namespace gone and another created, never "changed".
//! - A process is the same when it has the same pid and start time (pids are reused too); a
//!   start time of 0 (unknown, an old snapshot) matches any.
//!
//! Each change is reported once: a created or gone namespace carries its members and holders
//! in that one change, so its processes are not also reported as joining or leaving it.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::SnapshotFile;
use crate::details::{Interface, KindDetails, NamespaceDetails};
use crate::model::{Holder, Inode, Namespace, NsKind, Pid, Process, Snapshot};
use crate::text::safe;

/// `nsview diff`'s validated operands (built by [`crate::config::diff`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// The earlier snapshot file; None: a scan now (the operand `-`).
    pub before: Option<std::path::PathBuf>,
    /// The later snapshot file; None: a scan now.
    pub after: Option<std::path::PathBuf>,
    pub json: bool,
}

/// Runs `nsview diff A B`: prints the changes (text, or a JSON array), exit 0 when there are
/// none and 1 when there are. A `-` operand is a scan now, with details.
pub fn run(config: &Config, scan: &crate::scan::ScanOptions) -> anyhow::Result<i32> {
    use anyhow::Context;
    use std::io::Write;
    let read = |source: &super::Source, details: bool| {
        // Like diff(1): 1 means "different", so trouble is 2.
        source.read(details).map_err(|e| {
            crate::error::Exit::new(
                2,
                format!("cannot read snapshot {}: {e:#}", source.describe()),
            )
        })
    };
    // Files first: a scan now (`-`) reads what is inside every namespace only when the other
    // side has details to compare with.
    let sources =
        [&config.before, &config.after].map(|op| super::Source::operand(op.as_deref(), scan));
    let mut files: [Option<SnapshotFile>; 2] = [None, None];
    for (slot, source) in files.iter_mut().zip(&sources) {
        if !source.is_live() {
            *slot = Some(read(source, false)?);
        }
    }
    let details = files.iter().flatten().all(|f| f.has_details);
    let [before, after] = match files {
        [Some(a), Some(b)] => [a, b],
        [Some(a), None] => [a, read(&sources[1], details)?],
        [None, Some(b)] => [read(&sources[0], details)?, b],
        [None, None] => [read(&sources[0], true)?, read(&sources[1], true)?],
    };
    let changes = diff(&before, &after);
    let mut text = if config.json {
        serde_json::to_string_pretty(&changes).context("encoding JSON")?
    } else {
        changes
            .iter()
            .map(Change::to_text)
            .collect::<Vec<_>>()
            .join("\n")
    };
    if !text.is_empty() {
        text.push('\n');
    }
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .context("writing the changes")?;
    Ok(if changes.is_empty() { 0 } else { 1 })
}

/// A namespace as a change names it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct NsRef {
    #[serde(rename = "type")]
    pub kind: NsKind,
    pub inode: Inode,
    /// The 64-bit namespace id, when known.
    #[serde(default)]
    pub ns_id: Option<u64>,
}

impl NsRef {
    pub fn of(ns: &Namespace) -> NsRef {
        NsRef {
            kind: ns.kind,
            inode: ns.inode,
            ns_id: ns.ns_id,
        }
    }
}

impl std::fmt::Display for NsRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.kind.label(self.inode).fmt(f)
    }
}

/// A process as a change names it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ProcRef {
    pub pid: Pid,
    /// Clock ticks after boot (0: unknown).
    #[serde(default)]
    pub start_time: u64,
    #[serde(default)]
    pub comm: String,
}

impl ProcRef {
    fn of(pid: Pid, snapshot: &Snapshot) -> ProcRef {
        let process = snapshot.process(pid);
        ProcRef {
            pid,
            start_time: process.map_or(0, |p| p.start_time),
            comm: process.map(|p| p.comm.clone()).unwrap_or_default(),
        }
    }
}

/// One difference.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Change {
    /// In the second snapshot only, with what was in it and held it then.
    NamespaceCreated {
        ns: NsRef,
        members: Vec<ProcRef>,
        holders: Vec<Holder>,
    },
    /// In the first snapshot only, with its last members and holders.
    NamespaceGone {
        ns: NsRef,
        members: Vec<ProcRef>,
        holders: Vec<Holder>,
    },
    /// A process in the namespace now that was not before (forked into it, setns, unshare).
    ProcessEntered {
        ns: NsRef,
        process: ProcRef,
    },
    /// A process that was in it and is not any more (exit, setns, unshare, exec of a setuid
    /// binary does not change namespaces, but a re-read after exec may find it moved).
    ProcessLeft {
        ns: NsRef,
        process: ProcRef,
    },
    HolderAdded {
        ns: NsRef,
        holder: Holder,
    },
    HolderRemoved {
        ns: NsRef,
        holder: Holder,
    },
    /// Something inside changed (only when both snapshots have details): `what` is
    /// `hostname`, `domainname`, `uid_map`, `gid_map` or `interface NAME`; a missing side is
    /// null (an interface that appeared or went).
    ContentChanged {
        ns: NsRef,
        what: String,
        before: serde_json::Value,
        after: serde_json::Value,
    },
}

impl Change {
    /// The namespace the change is about.
    pub fn ns(&self) -> &NsRef {
        match self {
            Change::NamespaceCreated { ns, .. }
            | Change::NamespaceGone { ns, .. }
            | Change::ProcessEntered { ns, .. }
            | Change::ProcessLeft { ns, .. }
            | Change::HolderAdded { ns, .. }
            | Change::HolderRemoved { ns, .. }
            | Change::ContentChanged { ns, .. } => ns,
        }
    }

    /// One line for people, host strings escaped for a terminal.
    pub fn to_text(&self) -> String {
        match self {
            Change::NamespaceCreated {
                ns,
                members,
                holders,
            } => format!(
                "+ {ns} created{}{}",
                id_text(ns),
                members_text(members, holders)
            ),
            Change::NamespaceGone {
                ns,
                members,
                holders,
            } => format!(
                "- {ns} gone{}{}",
                id_text(ns),
                members_text(members, holders)
            ),
            Change::ProcessEntered { ns, process } => {
                format!("> {} entered {ns}", proc_text(process))
            }
            Change::ProcessLeft { ns, process } => format!("< {} left {ns}", proc_text(process)),
            Change::HolderAdded { ns, holder } => {
                format!("+ {ns} held by {}", holder_text(holder))
            }
            Change::HolderRemoved { ns, holder } => {
                format!("- {ns} no longer held by {}", holder_text(holder))
            }
            Change::ContentChanged {
                ns,
                what,
                before,
                after,
            } => format!(
                "~ {ns} {}: {} -> {}",
                safe(what),
                safe(&value_text(before)),
                safe(&value_text(after)),
            ),
        }
    }
}

fn id_text(ns: &NsRef) -> String {
    ns.ns_id.map(|id| format!(" (id {id})")).unwrap_or_default()
}

fn proc_text(p: &ProcRef) -> String {
    format!("pid {} ({})", p.pid, safe(&p.comm))
}

fn members_text(members: &[ProcRef], holders: &[Holder]) -> String {
    let mut parts = Vec::new();
    if !members.is_empty() {
        const SHOWN: usize = 5;
        let mut text: Vec<String> = members.iter().take(SHOWN).map(proc_text).collect();
        if members.len() > SHOWN {
            text.push(format!("{} more", members.len() - SHOWN));
        }
        parts.push(text.join(", "));
    }
    if !holders.is_empty() {
        let text: Vec<String> = holders.iter().map(holder_text).collect();
        parts.push(format!("held by {}", text.join(", ")));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(": {}", parts.join("; "))
    }
}

/// A holder in words (paths escaped).
pub fn holder_text(holder: &Holder) -> String {
    match holder {
        Holder::Thread { pid, tid } => format!("thread {tid} of pid {pid}"),
        Holder::ForChildren { pid } => format!("*_for_children of pid {pid}"),
        Holder::Fd { pid, fd } => format!("fd {fd} of pid {pid}"),
        Holder::Socket { pid, fd } => format!("socket fd {fd} of pid {pid}"),
        Holder::BindMount {
            mnt_ns,
            path,
            via_pid: _,
        } => match mnt_ns {
            Some(mnt) => format!("bind mount {} in {}", safe(path), NsKind::Mnt.label(*mnt)),
            None => format!("bind mount {}", safe(path)),
        },
        Holder::Child { inode } => format!("child namespace {inode}"),
        Holder::Owned { inode } => format!("owned namespace {inode}"),
    }
}

fn value_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Null => "(none)".to_string(),
        serde_json::Value::String(s) => format!("\"{s}\""),
        other => other.to_string(),
    }
}

/// A namespace's holders as compared: a bind mount's `via_pid` (the lowest pid of the mount
/// namespace it was read through, which changes as processes come and go) is not part of what
/// holds the namespace.
fn holder_set(ns: &Namespace) -> BTreeSet<Holder> {
    ns.holders
        .iter()
        .map(|holder| match holder {
            Holder::BindMount { mnt_ns, path, .. } => Holder::BindMount {
                mnt_ns: *mnt_ns,
                path: path.clone(),
                via_pid: None,
            },
            other => other.clone(),
        })
        .collect()
}

/// Whether a member pid in both snapshots is the same process. Neither side knowing it (a
/// partial snapshot, such as the part of the watcher's state an event batch touched) is no
/// evidence of a change.
fn same_process(a: Option<&Process>, b: Option<&Process>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a.is_same_as(b),
        (None, None) => true,
        _ => false,
    }
}

/// Everything that changed from `before` to `after`, in a stable order: per namespace by
/// (inode, type), gone before created, then members, holders and contents.
pub fn diff(before: &SnapshotFile, after: &SnapshotFile) -> Vec<Change> {
    let details =
        (before.has_details && after.has_details).then_some((&before.details, &after.details));
    diff_scans(&before.scan, &after.scan, details)
}

/// A snapshot's details by inode.
pub type DetailsMap = BTreeMap<Inode, NamespaceDetails>;

/// [`diff`] over bare scans, with the details maps when both sides have them.
pub fn diff_scans(
    before: &Snapshot,
    after: &Snapshot,
    details: Option<(&DetailsMap, &DetailsMap)>,
) -> Vec<Change> {
    let mut changes = Vec::new();
    let inodes: BTreeSet<Inode> = before
        .namespaces
        .keys()
        .chain(after.namespaces.keys())
        .copied()
        .collect();
    for inode in inodes {
        let a = before.namespace(inode);
        let b = after.namespace(inode);
        match (a, b) {
            (Some(a), Some(b)) if a.is_same_as(b) => {
                // The id may be learnt later (a watcher's patched state has none until the
                // next reconcile): name it by what is known.
                let mut ns = NsRef::of(b);
                ns.ns_id = b.ns_id.or(a.ns_id);
                members_changes(&ns, a, b, before, after, &mut changes);
                let (ha, hb) = (holder_set(a), holder_set(b));
                for holder in ha.difference(&hb) {
                    changes.push(Change::HolderRemoved {
                        ns: ns.clone(),
                        holder: holder.clone(),
                    });
                }
                for holder in hb.difference(&ha) {
                    changes.push(Change::HolderAdded {
                        ns: ns.clone(),
                        holder: holder.clone(),
                    });
                }
                if let Some((da, db)) = details
                    && let (Some(da), Some(db)) = (da.get(&inode), db.get(&inode))
                {
                    content_changes(&ns, &da.details, &db.details, &mut changes);
                }
            }
            (a, b) => {
                if let Some(a) = a {
                    changes.push(Change::NamespaceGone {
                        ns: NsRef::of(a),
                        members: a.members.iter().map(|&p| ProcRef::of(p, before)).collect(),
                        holders: a.holders.clone(),
                    });
                }
                if let Some(b) = b {
                    changes.push(Change::NamespaceCreated {
                        ns: NsRef::of(b),
                        members: b.members.iter().map(|&p| ProcRef::of(p, after)).collect(),
                        holders: b.holders.clone(),
                    });
                }
            }
        }
    }
    changes
}

fn members_changes(
    ns: &NsRef,
    a: &Namespace,
    b: &Namespace,
    before: &Snapshot,
    after: &Snapshot,
    changes: &mut Vec<Change>,
) {
    // Members are sorted pids (binary search, no sets: a host namespace has thousands); a pid
    // in both is the same process only if its start time agrees, else the old one left and a
    // new one entered.
    let in_b = |pid: &Pid| b.members.binary_search(pid).is_ok();
    let in_a = |pid: &Pid| a.members.binary_search(pid).is_ok();
    let stays = |pid: Pid| same_process(before.process(pid), after.process(pid));
    for &pid in &a.members {
        if !in_b(&pid) || !stays(pid) {
            changes.push(Change::ProcessLeft {
                ns: ns.clone(),
                process: ProcRef::of(pid, before),
            });
        }
    }
    for &pid in &b.members {
        if !in_a(&pid) || !stays(pid) {
            changes.push(Change::ProcessEntered {
                ns: ns.clone(),
                process: ProcRef::of(pid, after),
            });
        }
    }
}

fn content_changes(ns: &NsRef, a: &KindDetails, b: &KindDetails, changes: &mut Vec<Change>) {
    let mut changed = |what: String, before: serde_json::Value, after: serde_json::Value| {
        if before != after {
            changes.push(Change::ContentChanged {
                ns: ns.clone(),
                what,
                before,
                after,
            });
        }
    };
    match (a, b) {
        (KindDetails::Uts(a), KindDetails::Uts(b)) => {
            changed("hostname".into(), json(&a.hostname), json(&b.hostname));
            changed(
                "domainname".into(),
                json(&a.domainname),
                json(&b.domainname),
            );
        }
        (KindDetails::User(a), KindDetails::User(b)) => {
            changed("uid_map".into(), json(&a.uid_map), json(&b.uid_map));
            changed("gid_map".into(), json(&a.gid_map), json(&b.gid_map));
        }
        (KindDetails::Net(a), KindDetails::Net(b)) => {
            let by_name = |list: &[Interface]| -> BTreeMap<String, serde_json::Value> {
                list.iter()
                    .map(|i| (i.name.clone(), interface_json(i)))
                    .collect()
            };
            let (ia, ib) = (by_name(&a.interfaces), by_name(&b.interfaces));
            let names: BTreeSet<&String> = ia.keys().chain(ib.keys()).collect();
            for name in names {
                let get = |m: &BTreeMap<String, serde_json::Value>| {
                    m.get(name).cloned().unwrap_or(serde_json::Value::Null)
                };
                changed(format!("interface {name}"), get(&ia), get(&ib));
            }
        }
        _ => {}
    }
}

/// What of an interface counts as its contents: addresses, state, MTU, MAC and kind. The
/// ifindex and the peer's resolution are left out (a peer's name comes and goes with the
/// readability of its namespace, not with a change here).
fn interface_json(i: &Interface) -> serde_json::Value {
    serde_json::json!({
        "addresses": i.addresses,
        "state": i.state,
        "up": i.up,
        "mtu": i.mtu,
        "mac": i.mac,
        "kind": i.kind,
    })
}

fn json<T: Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::details::UtsDetails;
    use crate::model::{Link, NsLinks};

    fn process(pid: Pid, start_time: u64, comm: &str, ns: &[(NsKind, Inode)]) -> Process {
        let mut links = NsLinks::default();
        for &(kind, inode) in ns {
            links.current[kind.index()] = Link::Ns(inode);
        }
        Process {
            pid,
            ppid: 1,
            uid: 0,
            comm: comm.into(),
            command: comm.into(),
            command_bytes: None,
            state: 'S',
            start_time,
            links,
            odd_threads: Vec::new(),
        }
    }

    /// A snapshot from processes (grouped as the scanner does) plus extra namespaces.
    fn snapshot(processes: Vec<Process>, extra: Vec<Namespace>) -> SnapshotFile {
        let mut scan = Snapshot::default();
        for p in processes {
            for kind in NsKind::ALL {
                if let Some(inode) = p.ns(kind) {
                    scan.namespaces
                        .entry(inode)
                        .or_insert_with(|| Namespace::new(inode, kind))
                        .members
                        .push(p.pid);
                }
            }
            scan.processes.insert(p.pid, p);
        }
        for ns in extra {
            scan.namespaces.insert(ns.inode, ns);
        }
        SnapshotFile::new(scan)
    }

    fn with_id(mut ns: Namespace, id: u64) -> Namespace {
        ns.ns_id = Some(id);
        ns
    }

    #[test]
    fn equal_snapshots_have_no_changes() {
        let a = snapshot(vec![process(1, 5, "init", &[(NsKind::Uts, 10)])], vec![]);
        assert_eq!(diff(&a, &a.clone()), vec![]);
    }

    #[test]
    fn a_reused_inode_with_another_id_is_gone_and_created() {
        let mut bound = Namespace::new(20, NsKind::Net);
        bound.holders.push(Holder::BindMount {
            mnt_ns: Some(1),
            path: "/run/netns/a".into(),
            via_pid: None,
        });
        let a = snapshot(vec![], vec![with_id(bound.clone(), 100)]);
        let b = snapshot(vec![], vec![with_id(bound, 101)]);
        let changes = diff(&a, &b);
        assert_eq!(changes.len(), 2, "{changes:?}");
        assert!(matches!(&changes[0], Change::NamespaceGone { ns, .. } if ns.ns_id == Some(100)));
        assert!(
            matches!(&changes[1], Change::NamespaceCreated { ns, .. } if ns.ns_id == Some(101))
        );
        // Same for an inode reused by another type (no ids known).
        let a = snapshot(vec![], vec![Namespace::new(30, NsKind::Uts)]);
        let mut b = snapshot(vec![], vec![Namespace::new(30, NsKind::Ipc)]);
        b.scan
            .namespaces
            .get_mut(&30)
            .expect("ns")
            .holders
            .push(Holder::Fd { pid: 1, fd: 3 });
        let kinds: Vec<&str> = diff(&a, &b)
            .iter()
            .map(|c| match c {
                Change::NamespaceGone { .. } => "gone",
                Change::NamespaceCreated { .. } => "created",
                _ => "other",
            })
            .collect();
        assert_eq!(kinds, ["gone", "created"]);
    }

    #[test]
    fn a_reused_pid_leaves_and_enters_and_moves_are_reported_once() {
        let a = snapshot(
            vec![
                process(1, 5, "init", &[(NsKind::Uts, 10)]),
                process(50, 100, "old", &[(NsKind::Uts, 10)]),
                process(60, 200, "mover", &[(NsKind::Uts, 10)]),
            ],
            vec![],
        );
        let b = snapshot(
            vec![
                process(1, 5, "init", &[(NsKind::Uts, 10)]),
                process(50, 900, "new", &[(NsKind::Uts, 10)]),
                process(60, 200, "mover", &[(NsKind::Uts, 11)]),
            ],
            vec![],
        );
        let text: Vec<String> = diff(&a, &b).iter().map(Change::to_text).collect();
        assert_eq!(
            text,
            [
                "< pid 50 (old) left uts:[10]",
                "< pid 60 (mover) left uts:[10]",
                "> pid 50 (new) entered uts:[10]",
                "+ uts:[11] created: pid 60 (mover)",
            ]
        );
    }

    #[test]
    fn holders_and_hostnames_changes_and_hostile_strings_are_escaped() {
        let mut ns = Namespace::new(10, NsKind::Uts);
        ns.members.push(1);
        let mut a = snapshot(vec![process(1, 5, "init", &[(NsKind::Uts, 10)])], vec![]);
        let mut b = a.clone();
        b.scan
            .namespaces
            .get_mut(&10)
            .expect("ns")
            .holders
            .push(Holder::BindMount {
                mnt_ns: None,
                path: "/run/\x1b[2Jx".into(),
                via_pid: None,
            });
        let uts = |name: &str| NamespaceDetails {
            inode: 10,
            kind: NsKind::Uts,
            members: 1,
            via: None,
            shared_with_host: Some(true),
            container: None,
            details: KindDetails::Uts(UtsDetails {
                hostname: Some(name.into()),
                domainname: None,
            }),
            unavailable: vec![],
        };
        a.details.insert(10, uts("before"));
        b.details.insert(10, uts("after\n"));
        a.has_details = true;
        b.has_details = true;
        let text: Vec<String> = diff(&a, &b).iter().map(Change::to_text).collect();
        assert_eq!(
            text,
            [
                "+ uts:[10] held by bind mount /run/\\x1b[2Jx",
                "~ uts:[10] hostname: \"before\" -> \"after\\x0a\"",
            ]
        );
        // Without details on one side, contents are not compared.
        b.has_details = false;
        assert_eq!(diff(&a, &b).len(), 1);
        // JSON round trip of every change kind.
        for change in diff(&a, &a) {
            let text = serde_json::to_string(&change).expect("json");
            assert_eq!(
                serde_json::from_str::<Change>(&text).expect("parse"),
                change
            );
        }
    }
}
