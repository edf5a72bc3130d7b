//! The words for what is inside a namespace, shared by the faces that describe one (`show`'s
//! report, the UI's detail pane, `leaks`' contents line): what each type's contents are called
//! and how their values read, the "host's or not, and how nsview knows" line, the owner and
//! creator wording, and plurals. Read-only text over the snapshot and the details; no I/O, and
//! no escaping (each face escapes where it draws: the values hold host strings).

use crate::details::{KindDetails, Mount};
use crate::model::{Inode, Namespace, NsKind, Snapshot};

/// `one` for 1, else `many`.
pub fn plural(n: usize, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 { one } else { many }
}

/// How a fact should look; each face maps it to its own style.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    Normal,
    /// The substance: a hostname, an address.
    Good,
    /// Secondary or missing.
    Dim,
    /// Something wrong or surprising.
    Warn,
    /// It is the host's.
    Host,
}

/// One labelled fact; an empty label continues the fact above. `jump` is a namespace it names
/// (the UI's follow key goes there).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fact {
    pub label: &'static str,
    pub value: String,
    pub tone: Tone,
    pub jump: Option<Inode>,
}

fn fact(label: &'static str, value: impl Into<String>, tone: Tone) -> Fact {
    Fact {
        label,
        value: value.into(),
        tone,
        jump: None,
    }
}

/// How long lists get before "… and N more", and what that line adds (the UI: "z zooms").
#[derive(Clone, Copy, Debug)]
pub struct Lists {
    pub limit: usize,
    pub more_hint: &'static str,
}

fn more(out: &mut Vec<Fact>, total: usize, lists: Lists) {
    if total > lists.limit {
        out.push(fact(
            "",
            format!("… and {} more{}", total - lists.limit, lists.more_hint),
            Tone::Dim,
        ));
    }
}

/// `values` under `label` (one per line, the label on the first), or `empty` when none.
fn rows(out: &mut Vec<Fact>, label: &'static str, values: Vec<String>, empty: &str, tone: Tone) {
    if values.is_empty() {
        out.push(fact(label, empty, Tone::Dim));
    }
    for (at, value) in values.into_iter().enumerate() {
        out.push(fact(if at == 0 { label } else { "" }, value, tone));
    }
}

fn or_unknown(value: &Option<String>) -> String {
    value.clone().unwrap_or_else(|| "(unknown)".into())
}

/// A mount as one line: mount point (padded), type, source, and the root inside the source.
pub fn mount_text(mount: &Mount) -> String {
    let root = if mount.root == "/" {
        String::new()
    } else {
        format!(" [{}]", mount.root)
    };
    format!(
        "{}{} {}{root}",
        crate::text::pad_to(&mount.mount_point, 16),
        mount.fstype,
        mount.source
    )
}

/// What is inside, per type: interfaces and addresses, hostname, maps, init and members,
/// mounts, cgroup root, clock offsets, IPC counts.
pub fn contents(details: &KindDetails, lists: Lists) -> Vec<Fact> {
    let mut out = Vec::new();
    match details {
        KindDetails::Uts(u) => {
            out.push(fact("hostname", or_unknown(&u.hostname), Tone::Good));
            out.push(fact("domainname", or_unknown(&u.domainname), Tone::Normal));
        }
        KindDetails::Net(n) => {
            if n.interfaces.is_empty() {
                out.push(fact("interfaces", "(none)", Tone::Dim));
            }
            for (at, i) in n.interfaces.iter().enumerate() {
                // The index, as `ip link` numbers them (a veth peer elsewhere is `ifN`).
                let mut head = match i.index {
                    Some(index) => format!("{index}: {}", i.name),
                    None => i.name.clone(),
                };
                if let Some(kind) = &i.kind {
                    head.push_str(&format!(" ({kind})"));
                }
                if let Some(state) = &i.state {
                    head.push_str(&format!(" {state}"));
                }
                if let Some(mtu) = i.mtu {
                    head.push_str(&format!(" mtu {mtu}"));
                }
                out.push(fact(
                    if at == 0 { "interfaces" } else { "" },
                    head,
                    Tone::Normal,
                ));
                for address in &i.addresses {
                    out.push(fact("", format!("  {address}"), Tone::Good));
                }
                if let Some(peer) = &i.peer {
                    let name = peer
                        .name
                        .clone()
                        .unwrap_or_else(|| format!("if{}", peer.index));
                    let mut l = match (peer.netns, peer.link_netnsid) {
                        (Some(other), _) => fact(
                            "",
                            format!("  peer {name} in {}", NsKind::Net.label(other)),
                            Tone::Normal,
                        ),
                        (None, Some(id)) => {
                            fact("", format!("  peer {name} in netnsid {id}"), Tone::Normal)
                        }
                        (None, None) => fact("", format!("  peer {name}"), Tone::Normal),
                    };
                    l.jump = peer.netns;
                    out.push(l);
                }
                if let Some(mac) = &i.mac {
                    out.push(fact("", format!("  mac {mac}"), Tone::Dim));
                }
            }
            let routes = n
                .default_routes
                .iter()
                .map(|route| {
                    let mut text = route.family.to_string();
                    if let Some(gateway) = &route.gateway {
                        text.push_str(&format!(" via {gateway}"));
                    }
                    if let Some(device) = &route.device {
                        text.push_str(&format!(" dev {device}"));
                    }
                    text
                })
                .collect();
            rows(&mut out, "default route", routes, "(none)", Tone::Normal);
            out.push(match n.netnsid {
                Some(id) => fact("netnsid", id.to_string(), Tone::Normal),
                None => fact("netnsid", "(none assigned)", Tone::Dim),
            });
        }
        KindDetails::User(u) => {
            for (label, map) in [("uid map", &u.uid_map), ("gid map", &u.gid_map)] {
                let ranges = map.iter().map(|r| r.to_string()).collect();
                rows(&mut out, label, ranges, "(empty)", Tone::Normal);
            }
            out.push(fact("setgroups", or_unknown(&u.setgroups), Tone::Normal));
        }
        KindDetails::Pid(p) => {
            out.push(match &p.init {
                Some(init) => fact(
                    "init",
                    format!("pid {} ({}) is pid 1 inside", init.pid, init.comm),
                    Tone::Normal,
                ),
                None => fact(
                    "init",
                    "none found: pid 1 inside has exited or is unreadable",
                    Tone::Warn,
                ),
            });
            if !p.members.is_empty() {
                // INSIDE: the pid inside (the last of NSpid), not the host's again.
                out.push(fact("members", "PID      INSIDE  COMMAND", Tone::Dim));
                for m in p.members.iter().take(lists.limit) {
                    let inside = m.nspid.last().copied().unwrap_or(m.pid);
                    out.push(fact(
                        "",
                        format!("{:<8} {:<7} {}", m.pid, inside, m.comm),
                        Tone::Normal,
                    ));
                }
                more(&mut out, p.members.len(), lists);
            }
        }
        KindDetails::Mnt(m) => {
            out.push(fact("mounts", m.mounts.to_string(), Tone::Normal));
            out.push(match &m.root {
                Some(root) => fact("root", mount_text(root), Tone::Normal),
                None => fact("root", "(unknown)", Tone::Dim),
            });
            let shown = m
                .key_mounts
                .iter()
                .take(lists.limit)
                .map(mount_text)
                .collect();
            rows(&mut out, "key mounts", shown, "(none)", Tone::Normal);
            more(&mut out, m.key_mounts.len(), lists);
        }
        KindDetails::Cgroup(c) => {
            out.push(fact("root", or_unknown(&c.root), Tone::Normal));
            out.push(fact(
                "member cgroup",
                or_unknown(&c.member_cgroup),
                Tone::Normal,
            ));
            out.push(fact("found by", c.method.unwrap_or("(nothing)"), Tone::Dim));
        }
        KindDetails::Time(t) => match &t.offsets {
            Some(o) => {
                for (label, clock) in [("monotonic", &o.monotonic), ("boottime", &o.boottime)] {
                    out.push(fact(
                        label,
                        format!("{:+}s {}ns", clock.seconds, clock.nanoseconds),
                        Tone::Normal,
                    ));
                }
            }
            None => out.push(fact("offsets", "(unknown)", Tone::Dim)),
        },
        KindDetails::Ipc(i) => {
            let count = |n: Option<usize>| n.map_or("(unknown)".into(), |n| n.to_string());
            out.push(fact("shm segments", count(i.shared_memory), Tone::Normal));
            out.push(fact("semaphores", count(i.semaphores), Tone::Normal));
            out.push(fact("msg queues", count(i.message_queues), Tone::Normal));
        }
    }
    out
}

/// How the model knows the host's namespace of a kind, or None when it does not: pid 1's own
/// link, or (pid 1 unreadable, as the kernel answers even root on some systems) kthreadd's,
/// because kernel threads always live in the initial namespaces.
pub fn host_reason(snapshot: &Snapshot, kind: NsKind) -> Option<(Inode, &'static str)> {
    if let Some(inode) = snapshot.process(1).and_then(|p| p.ns(kind)) {
        return Some((inode, "pid 1 is in it"));
    }
    let host = snapshot.host_ns(kind)?;
    Some((
        host,
        "the kernel threads (kthreadd) are in it; pid 1's link is unreadable",
    ))
}

/// Whether the namespace of `kind` on `inode` is the host's, and how nsview knows: "yes: pid 1
/// is in it", "no (the host's is net:[…])", or that it cannot tell. Never a claim about pid 1
/// it did not read.
pub fn host_line(snapshot: &Snapshot, kind: NsKind, inode: Inode) -> Fact {
    match host_reason(snapshot, kind) {
        Some((host, why)) if host == inode => fact("", format!("yes: {why}"), Tone::Host),
        Some((host, _)) => fact(
            "",
            format!("no (the host's is {})", kind.label(host)),
            Tone::Normal,
        ),
        None => fact("", HOST_UNKNOWN, Tone::Dim),
    }
}

/// What is said when the model does not know the host's namespaces.
pub const HOST_UNKNOWN: &str = "unknown: neither pid 1 nor kthreadd could be read";

/// A user as the words about creators name it: `uid 1000 (alice)`, or `uid 1000`.
pub fn user_text(snapshot: &Snapshot, uid: u32) -> String {
    let name = snapshot.user_name(uid);
    if name == uid.to_string() {
        format!("uid {uid}")
    } else {
        format!("uid {uid} ({name})")
    }
}

/// Who created a user namespace (`uid 1000 (alice)`), or `(unknown)`.
pub fn creator_text(snapshot: &Snapshot, uid: Option<u32>) -> String {
    uid.map_or("(unknown)".into(), |uid| user_text(snapshot, uid))
}

/// `user:[…]`, or `[…]` for an inode the scan does not have.
pub fn ns_label(snapshot: &Snapshot, inode: Inode) -> String {
    match snapshot.namespace(inode) {
        Some(ns) => ns.label().to_string(),
        None => format!("[{inode}]"),
    }
}

/// The owning user namespace and who created *it*, worded so that its creator cannot be read
/// as this namespace's: `user:[4026532200], which uid 1000 (alice) created`.
pub fn owner_text(snapshot: &Snapshot, ns: &Namespace) -> Option<(Inode, String)> {
    let owner = ns.owner?;
    let mut text = ns_label(snapshot, owner);
    if let Some(uid) = snapshot.namespace(owner).and_then(|o| o.owner_uid) {
        text.push_str(&format!(", which {} created", user_text(snapshot, uid)));
    }
    Some((owner, text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::details::{PidDetails, PidMember};
    use crate::tui::sample::{self, CONTAINER_USER, CONTAINER_UTS, HOST};

    #[test]
    fn plurals() {
        assert_eq!(plural(1, "process", "processes"), "process");
        assert_eq!(plural(0, "process", "processes"), "processes");
        assert_eq!(plural(2, "process", "processes"), "processes");
    }

    #[test]
    fn host_line_says_how_it_knows() {
        let snapshot = sample::small();
        let host_uts = HOST[NsKind::Uts.index()];
        let yes = host_line(&snapshot, NsKind::Uts, host_uts);
        assert_eq!(
            (yes.value.as_str(), yes.tone),
            ("yes: pid 1 is in it", Tone::Host)
        );
        let no = host_line(&snapshot, NsKind::Uts, CONTAINER_UTS);
        assert_eq!(no.value, format!("no (the host's is uts:[{host_uts}])"));
        // Without pid 1 nothing is claimed about it.
        let mut without_init = snapshot.clone();
        without_init.processes.remove(&1);
        let line = host_line(&without_init, NsKind::Uts, host_uts);
        assert!(!line.value.contains("pid 1 is in it"), "{line:?}");
    }

    #[test]
    fn the_owner_line_names_the_owner_s_creator_as_such() {
        let snapshot = sample::small();
        let ns = snapshot.namespace(CONTAINER_UTS).expect("container uts");
        assert_eq!(
            owner_text(&snapshot, ns),
            Some((
                CONTAINER_USER,
                format!("user:[{CONTAINER_USER}], which uid 1000 (alice) created")
            ))
        );
        assert_eq!(creator_text(&snapshot, None), "(unknown)");
        assert_eq!(creator_text(&snapshot, Some(0)), "uid 0 (root)");
        assert_eq!(creator_text(&snapshot, Some(4242)), "uid 4242");
    }

    #[test]
    fn pid_members_show_the_pid_inside_and_stop_at_the_limit() {
        let member = |pid, inside| PidMember {
            pid,
            nspid: vec![pid, inside],
            comm: "sleep".into(),
        };
        let details = KindDetails::Pid(PidDetails {
            init: Some(member(25815, 1)),
            depth: Some(1),
            parent: None,
            members: vec![member(25815, 1), member(25816, 2), member(25817, 3)],
        });
        let lists = Lists {
            limit: 2,
            more_hint: " (z zooms)",
        };
        let values: Vec<String> = contents(&details, lists)
            .into_iter()
            .map(|f| f.value)
            .collect();
        assert_eq!(
            values,
            [
                "pid 25815 (sleep) is pid 1 inside",
                "PID      INSIDE  COMMAND",
                "25815    1       sleep",
                "25816    2       sleep",
                "… and 1 more (z zooms)",
            ]
        );
    }
}
