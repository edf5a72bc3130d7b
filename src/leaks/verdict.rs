//! The leak verdict: a pure function from a snapshot and the claims the enrichment step found
//! ([`Claims`]) to, for each namespace no process is a member of, what keeps it alive and what a
//! person can do about it. No I/O here: unit tests build snapshots by hand.
//!
//! The order of the verdicts is the order of what to look at first: a running container that
//! claims the namespace means it is in use; a process that holds it (fd, socket, thread,
//! `*_for_children`) is the process to look at; a bind mount nobody claims is a probable leak
//! (`nsview release` removes it); a namespace only kept by child or owned namespaces goes away
//! with them.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::{Holder, Inode, Namespace, NsKind, Pid, Snapshot};

/// What a person can act on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// A running container claims it (its state names the pin, or one of its processes holds it).
    InUse,
    /// An fd, socket, thread or `*_for_children` link of a process holds it.
    HeldByProcess,
    /// Only bind mounts hold it and nothing claims it: a probable leak.
    PinnedUnclaimed,
    /// Only child namespaces (a parent) or namespaces it owns (a user namespace) keep it.
    KeptByChildren,
    /// Nothing nsview can see holds it (a partial view, or a holder that went away mid-scan).
    NothingVisible,
}

impl Verdict {
    pub const ALL: [Verdict; 5] = [
        Verdict::InUse,
        Verdict::HeldByProcess,
        Verdict::PinnedUnclaimed,
        Verdict::KeptByChildren,
        Verdict::NothingVisible,
    ];

    /// The name `--verdict` takes and JSON carries.
    pub fn name(self) -> &'static str {
        match self {
            Verdict::InUse => "in-use",
            Verdict::HeldByProcess => "held-by-process",
            Verdict::PinnedUnclaimed => "pinned-unclaimed",
            Verdict::KeptByChildren => "kept-by-children",
            Verdict::NothingVisible => "nothing-visible",
        }
    }

    pub fn from_name(name: &str) -> Option<Verdict> {
        Verdict::ALL.into_iter().find(|v| v.name() == name)
    }

    pub fn is_probable_leak(self) -> bool {
        self == Verdict::PinnedUnclaimed
    }
}

/// What kind of holder a namespace without processes is mainly held by (a metrics label).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HolderKind {
    Fd,
    Socket,
    Thread,
    ForChildren,
    BindMount,
    ChildNamespace,
    None,
}

impl HolderKind {
    pub const ALL: [HolderKind; 7] = [
        HolderKind::Fd,
        HolderKind::Socket,
        HolderKind::Thread,
        HolderKind::ForChildren,
        HolderKind::BindMount,
        HolderKind::ChildNamespace,
        HolderKind::None,
    ];

    pub fn name(self) -> &'static str {
        match self {
            HolderKind::Fd => "fd",
            HolderKind::Socket => "socket",
            HolderKind::Thread => "thread",
            HolderKind::ForChildren => "for_children",
            HolderKind::BindMount => "bind_mount",
            HolderKind::ChildNamespace => "child_namespace",
            HolderKind::None => "none",
        }
    }

    pub fn of(holder: &Holder) -> HolderKind {
        match holder {
            Holder::Fd { .. } => HolderKind::Fd,
            Holder::Socket { .. } => HolderKind::Socket,
            Holder::Thread { .. } => HolderKind::Thread,
            Holder::ForChildren { .. } => HolderKind::ForChildren,
            Holder::BindMount { .. } => HolderKind::BindMount,
            Holder::Child { .. } | Holder::Owned { .. } => HolderKind::ChildNamespace,
        }
    }
}

/// Who claims a namespace: a running container, and how that is known.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, serde::Deserialize)]
pub struct Claim {
    /// `docker 0123456789ab (web)`, as [`crate::details::Container::label`] writes it.
    pub by: String,
    /// `state names /run/docker/netns/…`, `pid 4242 holds it`.
    pub how: String,
}

/// Claims by namespace inode, found by the enrichment step (`facts`).
pub type Claims = BTreeMap<Inode, Vec<Claim>>;

/// A runtime's naming pattern that a pin path matches.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PatternMatch {
    pub path: String,
    /// `cni`, `docker`, `podman`.
    pub made_by: &'static str,
}

/// The runtime whose naming pattern a netns pin path follows, if any: CNI's `cni-<uuid>`
/// under the `ip netns` directories, docker's `/run/docker/netns/<id>`, podman's
/// `netns-<uuid>` (root: `/run/netns`, rootless: `/run/user/UID/netns`).
pub fn naming_pattern(path: &str) -> Option<&'static str> {
    let path = path
        .strip_prefix("/var")
        .filter(|p| p.starts_with("/run/"))
        .unwrap_or(path);
    let (dir, name) = path.rsplit_once('/')?;
    let user_netns = dir
        .strip_prefix("/run/user/")
        .and_then(|rest| rest.strip_suffix("/netns"))
        .is_some_and(|uid| !uid.is_empty() && uid.bytes().all(|b| b.is_ascii_digit()));
    if dir == "/run/docker/netns" && !name.is_empty() {
        return Some("docker");
    }
    if dir != "/run/netns" && !user_netns {
        return None;
    }
    if name
        .strip_prefix("cni-")
        .is_some_and(crate::details::container::is_uuid)
    {
        Some("cni")
    } else if name
        .strip_prefix("netns-")
        .is_some_and(crate::details::container::is_uuid)
    {
        Some("podman")
    } else {
        None
    }
}

/// One holder as a person reads it: the holder, and for a process its command.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HeldBy {
    #[serde(flatten)]
    pub holder: Holder,
    /// The holding process's command (fd, socket, thread, `*_for_children`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
}

/// The verdict on one namespace no process is a member of, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Assessment {
    pub inode: Inode,
    #[serde(rename = "type")]
    pub kind: NsKind,
    pub ns_id: Option<u64>,
    pub verdict: Verdict,
    /// The main holder kind (the first of fd, socket, thread, for_children, bind_mount,
    /// child_namespace it has; `none` when it has none).
    pub held_by: HolderKind,
    pub holders: Vec<HeldBy>,
    pub claims: Vec<Claim>,
    pub patterns: Vec<PatternMatch>,
}

impl Assessment {
    /// One line: `pinned, unclaimed`, `held by process 4242 (sleep)`, `in use (docker …)`.
    pub fn summary(&self) -> String {
        match self.verdict {
            Verdict::InUse => match self.claims.first() {
                Some(claim) => format!("in use (claimed by {})", claim.by),
                None => "in use".into(),
            },
            Verdict::HeldByProcess => {
                let mut pids: Vec<(Pid, Option<&str>)> = self
                    .holders
                    .iter()
                    .filter_map(|h| Some((holder_pid(&h.holder)?, h.command.as_deref())))
                    .collect();
                pids.dedup_by_key(|(pid, _)| *pid);
                let named: Vec<String> = pids
                    .iter()
                    .map(|(pid, command)| match command {
                        Some(command) => format!("{pid} ({command})"),
                        None => pid.to_string(),
                    })
                    .collect();
                let word = if named.len() == 1 {
                    "process"
                } else {
                    "processes"
                };
                format!("held by {word} {}", named.join(", "))
            }
            Verdict::PinnedUnclaimed => "pinned, unclaimed".into(),
            Verdict::KeptByChildren => "kept by child namespaces".into(),
            Verdict::NothingVisible => "nothing visible holds it".into(),
        }
    }
}

/// The process behind a process holder.
pub fn holder_pid(holder: &Holder) -> Option<Pid> {
    match holder {
        Holder::Fd { pid, .. }
        | Holder::Socket { pid, .. }
        | Holder::Thread { pid, .. }
        | Holder::ForChildren { pid } => Some(*pid),
        _ => None,
    }
}

/// The verdict on one namespace, or None when a process is a member of it (not a leak
/// candidate at all).
pub fn assess(snapshot: &Snapshot, ns: &Namespace, claims: &Claims) -> Option<Assessment> {
    if !ns.members.is_empty() {
        return None;
    }
    let claims = claims.get(&ns.inode).cloned().unwrap_or_default();
    let held_by = HolderKind::ALL
        .into_iter()
        .find(|kind| ns.holders.iter().any(|h| HolderKind::of(h) == *kind))
        .unwrap_or(HolderKind::None);
    let verdict = if !claims.is_empty() {
        Verdict::InUse
    } else {
        match held_by {
            HolderKind::Fd | HolderKind::Socket | HolderKind::Thread | HolderKind::ForChildren => {
                Verdict::HeldByProcess
            }
            HolderKind::BindMount => Verdict::PinnedUnclaimed,
            HolderKind::ChildNamespace => Verdict::KeptByChildren,
            HolderKind::None => Verdict::NothingVisible,
        }
    };
    let holders = ns
        .holders
        .iter()
        .map(|holder| HeldBy {
            holder: holder.clone(),
            command: holder_pid(holder)
                .and_then(|pid| snapshot.process(pid))
                .map(|p| p.command.clone()),
        })
        .collect();
    let patterns = ns
        .holders
        .iter()
        .filter_map(|h| match h {
            Holder::BindMount { path, .. } => Some(PatternMatch {
                path: path.clone(),
                made_by: naming_pattern(path)?,
            }),
            _ => None,
        })
        .collect();
    Some(Assessment {
        inode: ns.inode,
        kind: ns.kind,
        ns_id: ns.ns_id,
        verdict,
        held_by,
        holders,
        claims,
        patterns,
    })
}

/// Every namespace no process is a member of, ascending by inode, assessed.
pub fn assess_all(snapshot: &Snapshot, claims: &Claims) -> Vec<Assessment> {
    snapshot
        .namespaces
        .values()
        .filter_map(|ns| assess(snapshot, ns, claims))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Link, NsLinks, Process};

    fn process(pid: Pid, command: &str, net: Inode) -> Process {
        let mut links = NsLinks::default();
        links.current[NsKind::Net.index()] = Link::Ns(net);
        Process {
            pid,
            ppid: 1,
            uid: 0,
            comm: command.into(),
            command: command.into(),
            command_bytes: None,
            state: 'S',
            start_time: 0,
            links,
            odd_threads: vec![],
        }
    }

    fn ns(inode: Inode, kind: NsKind, members: &[Pid], holders: Vec<Holder>) -> Namespace {
        let mut ns = Namespace::new(inode, kind);
        ns.members = members.to_vec();
        ns.holders = holders;
        ns
    }

    fn mount(path: &str) -> Holder {
        Holder::BindMount {
            mnt_ns: Some(1),
            path: path.into(),
            via_pid: Some(1),
        }
    }

    fn snapshot(namespaces: Vec<Namespace>) -> Snapshot {
        let mut snapshot = Snapshot::default();
        snapshot.processes.insert(1, process(1, "init", 10));
        snapshot.processes.insert(42, process(42, "sleep 60", 10));
        for ns in namespaces {
            snapshot.namespaces.insert(ns.inode, ns);
        }
        snapshot
    }

    #[test]
    fn each_verdict_from_a_built_snapshot() {
        let snap = snapshot(vec![
            ns(10, NsKind::Net, &[1, 42], vec![]),
            ns(
                11,
                NsKind::Net,
                &[],
                vec![mount("/run/netns/cni-0b1c2d3e-1111-2222-3333-444455556666")],
            ),
            ns(12, NsKind::Uts, &[], vec![Holder::Fd { pid: 42, fd: 3 }]),
            ns(
                13,
                NsKind::Net,
                &[],
                vec![mount("/run/netns/x"), Holder::Socket { pid: 42, fd: 4 }],
            ),
            ns(14, NsKind::User, &[], vec![Holder::Child { inode: 15 }]),
            ns(15, NsKind::User, &[], vec![]),
            ns(16, NsKind::Net, &[], vec![mount("/run/docker/netns/abc")]),
        ]);
        let mut claims = Claims::new();
        claims.insert(
            16,
            vec![Claim {
                by: "docker 0123456789ab (web)".into(),
                how: "state names /run/docker/netns/abc".into(),
            }],
        );
        let all = assess_all(&snap, &claims);
        let verdicts: Vec<(Inode, Verdict)> = all.iter().map(|a| (a.inode, a.verdict)).collect();
        assert_eq!(
            verdicts,
            vec![
                (11, Verdict::PinnedUnclaimed),
                (12, Verdict::HeldByProcess),
                (13, Verdict::HeldByProcess),
                (14, Verdict::KeptByChildren),
                (15, Verdict::NothingVisible),
                (16, Verdict::InUse),
            ],
            "the member namespace 10 is not listed"
        );
        let by = |inode| all.iter().find(|a| a.inode == inode).expect("assessed");
        assert_eq!(by(11).patterns[0].made_by, "cni");
        assert_eq!(by(11).held_by, HolderKind::BindMount);
        assert_eq!(by(12).summary(), "held by process 42 (sleep 60)");
        assert_eq!(by(12).holders[0].command.as_deref(), Some("sleep 60"));
        // A socket outranks the bind mount: releasing the mount alone would not free it.
        assert_eq!(by(13).held_by, HolderKind::Socket);
        assert_eq!(
            by(16).summary(),
            "in use (claimed by docker 0123456789ab (web))"
        );
        assert_eq!(by(11).summary(), "pinned, unclaimed");
        assert!(by(11).verdict.is_probable_leak() && !by(16).verdict.is_probable_leak());
    }

    #[test]
    fn json_names_of_verdicts_and_holders() {
        for verdict in Verdict::ALL {
            assert_eq!(Verdict::from_name(verdict.name()), Some(verdict));
            assert_eq!(
                serde_json::to_value(verdict).expect("json"),
                serde_json::json!(verdict.name())
            );
        }
        for kind in HolderKind::ALL {
            assert_eq!(
                serde_json::to_value(kind).expect("json"),
                serde_json::json!(kind.name())
            );
        }
        let held = HeldBy {
            holder: Holder::Fd { pid: 7, fd: 3 },
            command: Some("sleep".into()),
        };
        assert_eq!(
            serde_json::to_value(&held).expect("json"),
            serde_json::json!({"kind": "fd", "pid": 7, "fd": 3, "command": "sleep"})
        );
    }

    #[test]
    fn naming_patterns_of_the_runtimes() {
        let uuid = "0b1c2d3e-1111-2222-3333-444455556666";
        let table = [
            (format!("/run/netns/cni-{uuid}"), Some("cni")),
            (format!("/var/run/netns/cni-{uuid}"), Some("cni")),
            (format!("/run/netns/netns-{uuid}"), Some("podman")),
            (format!("/run/user/1000/netns/netns-{uuid}"), Some("podman")),
            ("/run/docker/netns/1a2b3c4d5e6f".into(), Some("docker")),
            ("/var/run/docker/netns/default".into(), Some("docker")),
            ("/run/netns/cni-notauuid".into(), None),
            ("/run/netns/mine".into(), None),
            (format!("/tmp/netns/cni-{uuid}"), None),
            (format!("/run/user/x/netns/netns-{uuid}"), None),
            ("/run/docker/netns/".into(), None),
            ("".into(), None),
        ];
        for (path, want) in table {
            assert_eq!(naming_pattern(&path), want, "{path}");
        }
    }
}
