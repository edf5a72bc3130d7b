//! The detail pane's content: plain labelled lines about the selected namespace or process,
//! built from the snapshot and what the details worker read ([`super::inside`]). `view.rs`
//! only styles them (and escapes them: every value may hold host strings).
//!
//! A namespace reads in this order: a title (type, inode, best name); what is inside (per type:
//! interfaces and addresses, hostname, maps, offsets, mounts, …, worded here, not by `show`);
//! then who keeps it alive, summarised with counts (the full lists when the pane is zoomed);
//! identity last (inode, id, host or not and how nsview knows, parent, owner, names and where
//! they came from). No fact is repeated. Lines that name another namespace carry it as a jump
//! target for the follow key.

use std::collections::{BTreeMap, HashMap};

use crate::details::{KindDetails, NamespaceDetails};
use crate::model::{Holder, Inode, Link, Namespace, NsKind, Pid, Snapshot};

use super::app::{App, Mark, NodeKey};
use super::names::host_reason;
use super::view::plural;

/// How a detail line should look.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    /// A title or section heading.
    Heading,
    Normal,
    Dim,
    /// Shared with the host.
    Host,
    /// Not the host's / gone / an error.
    Warn,
    Good,
    /// Coloured like this namespace type.
    Kind(NsKind),
}

/// One line of the detail pane: a label column and a value, and the namespace it refers to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DetailLine {
    pub label: String,
    pub value: String,
    pub tone: Tone,
    pub jump: Option<Inode>,
}

fn line(label: &str, value: impl Into<String>, tone: Tone) -> DetailLine {
    DetailLine {
        label: label.to_string(),
        value: value.into(),
        tone,
        jump: None,
    }
}

fn heading(text: impl Into<String>, tone: Tone) -> DetailLine {
    line("", text, tone)
}

fn jump(mut l: DetailLine, to: Inode) -> DetailLine {
    l.jump = Some(to);
    l
}

/// The pane: its title (kept on the border, so scrolling never hides it) and its lines.
pub struct Pane {
    pub title: String,
    pub title_tone: Tone,
    pub lines: Vec<DetailLine>,
}

/// How many list entries to show before "… N more" (zoomed: far more).
fn list_limit(app: &App) -> usize {
    if app.zoomed() { 200 } else { 8 }
}

/// The pane for whatever is selected.
pub fn pane(app: &App) -> Pane {
    match app.selected() {
        None => Pane {
            title: "nothing selected".into(),
            title_tone: Tone::Dim,
            lines: Vec::new(),
        },
        Some(NodeKey::Kind(kind)) => kind_pane(app, kind),
        Some(NodeKey::Ns(inode)) | Some(NodeKey::Members(inode)) => namespace_pane(app, inode),
        Some(NodeKey::Proc(_, pid)) => process_pane(app, pid),
    }
}

/// The namespaces the selection refers to, in pane order (the follow key's targets).
pub fn references(app: &App) -> Vec<Inode> {
    let mut out: Vec<Inode> = Vec::new();
    for l in pane(app).lines {
        if let Some(to) = l.jump
            && !out.contains(&to)
        {
            out.push(to);
        }
    }
    out
}

fn kind_pane(app: &App, kind: NsKind) -> Pane {
    let all = &app.index().by_kind[kind.index()];
    let empty = all
        .iter()
        .filter_map(|i| app.snapshot().namespace(*i))
        .filter(|ns| ns.members.is_empty())
        .count();
    let mut lines = vec![line(
        "count",
        format!(
            "{} {} ({empty} without processes)",
            all.len(),
            plural(all.len(), "namespace", "namespaces")
        ),
        Tone::Normal,
    )];
    match host_reason(app.snapshot(), kind) {
        Some((inode, why)) => lines.push(jump(
            line(
                "host's",
                format!("{} ({why})", kind.label(inode)),
                Tone::Host,
            ),
            inode,
        )),
        None => lines.push(line(
            "host's",
            "unknown: neither pid 1 nor kthreadd could be read",
            Tone::Dim,
        )),
    }
    Pane {
        title: format!("{kind} namespaces"),
        title_tone: Tone::Kind(kind),
        lines,
    }
}

fn mark_text(mark: Mark) -> Option<(&'static str, Tone)> {
    match mark {
        Mark::Appeared => Some(("new: appeared in a recent scan", Tone::Good)),
        Mark::Vanished => Some(("gone: vanished in a recent scan", Tone::Warn)),
        Mark::None => None,
    }
}

fn ns_label(snapshot: &Snapshot, inode: Inode) -> String {
    match snapshot.namespace(inode) {
        Some(ns) => ns.label().to_string(),
        None => format!("[{inode}]"),
    }
}

fn process_label(snapshot: &Snapshot, pid: Pid) -> String {
    match snapshot.process(pid) {
        Some(p) => format!("{pid} ({})", p.comm),
        None => pid.to_string(),
    }
}

fn user_text(snapshot: &Snapshot, uid: u32) -> String {
    let name = snapshot.user_name(uid);
    if name == uid.to_string() {
        format!("uid {uid}")
    } else {
        format!("uid {uid} ({name})")
    }
}

fn namespace_pane(app: &App, inode: Inode) -> Pane {
    let snapshot = &app.snapshot();
    let Some(ns) = snapshot.namespace(inode) else {
        return Pane {
            title: format!("namespace {inode} is gone"),
            title_tone: Tone::Dim,
            lines: Vec::new(),
        };
    };
    let mut title = format!("{} namespace {inode}", ns.kind);
    if let Some(name) = app.name_of(inode) {
        title.push_str(&format!(" · {}", name.text));
    }
    let mut out = Vec::new();
    if let Some((text, tone)) = mark_text(app.mark(NodeKey::Ns(inode))) {
        out.push(line("", text, tone));
    }
    out.extend(inside_lines(app, ns));
    out.extend(alive_lines(app, ns));
    out.extend(identity_lines(app, ns));
    Pane {
        title,
        title_tone: Tone::Kind(ns.kind),
        lines: out,
    }
}

/// What the details worker read: "reading…" until it arrives (with how long, when slow), an
/// error as a dim line, else the containers and the per-type contents.
fn inside_lines(app: &App, ns: &Namespace) -> Vec<DetailLine> {
    if app.vanished_ns().contains(&ns.inode) {
        return Vec::new();
    }
    let mut out = Vec::new();
    match app.inside().namespace(ns.inode) {
        None => {
            let waited = app
                .clock()
                .details_waiting
                .map(|d| d.as_secs())
                .unwrap_or(0);
            let text = match waited {
                0 => "reading…".to_string(),
                1..=4 => format!("reading… ({waited}s)"),
                _ => format!("reading… stuck for {waited}s (the namespace may not answer)"),
            };
            out.push(line("", text, Tone::Dim));
        }
        Some(Err(error)) => out.push(line("", error.clone(), Tone::Dim)),
        Some(Ok(details)) => {
            // The label says where it came from: the cgroup path, or the engine's state file.
            if let Some(container) = &details.container {
                let mut text = container.with_pod_id();
                text.push_str(&format!(" ({})", container.provenance.describe()));
                out.push(line("container", text, Tone::Good));
            }
            out.extend(contents(app, details));
            // Refused holders are listed with the holders (from the scan), not again here.
            for what in details
                .unavailable
                .iter()
                .filter(|w| !w.starts_with("holder: "))
            {
                out.push(line("unavailable", what.clone(), Tone::Dim));
            }
        }
    }
    out
}

/// Per-type contents, as the UI words them.
fn contents(app: &App, details: &NamespaceDetails) -> Vec<DetailLine> {
    let snapshot = &app.snapshot();
    let limit = list_limit(app);
    let mut out = Vec::new();
    let or_unknown = |v: &Option<String>| v.clone().unwrap_or_else(|| "(unknown)".into());
    match &details.details {
        KindDetails::Uts(u) => {
            out.push(line("hostname", or_unknown(&u.hostname), Tone::Good));
            out.push(line("domainname", or_unknown(&u.domainname), Tone::Normal));
        }
        KindDetails::Net(n) => {
            if n.interfaces.is_empty() {
                out.push(line("interfaces", "(none)", Tone::Dim));
            }
            for (at, i) in n.interfaces.iter().enumerate() {
                let label = if at == 0 { "interfaces" } else { "" };
                let mut head = i.name.clone();
                if let Some(kind) = &i.kind {
                    head.push_str(&format!(" ({kind})"));
                }
                if let Some(state) = &i.state {
                    head.push_str(&format!(" {state}"));
                }
                if let Some(mtu) = i.mtu {
                    head.push_str(&format!(" mtu {mtu}"));
                }
                out.push(line(label, head, Tone::Normal));
                for address in &i.addresses {
                    out.push(line("", format!("  {address}"), Tone::Good));
                }
                if let Some(peer) = &i.peer {
                    let name = peer
                        .name
                        .clone()
                        .unwrap_or_else(|| format!("if{}", peer.index));
                    match peer.netns {
                        Some(other) => out.push(jump(
                            line(
                                "",
                                format!("  peer {name} in {}", NsKind::Net.label(other)),
                                Tone::Normal,
                            ),
                            other,
                        )),
                        None => out.push(line("", format!("  peer {name}"), Tone::Normal)),
                    }
                }
                if let Some(mac) = &i.mac {
                    out.push(line("", format!("  mac {mac}"), Tone::Dim));
                }
            }
            for route in &n.default_routes {
                let mut text = route.family.to_string();
                if let Some(gateway) = &route.gateway {
                    text.push_str(&format!(" via {gateway}"));
                }
                if let Some(device) = &route.device {
                    text.push_str(&format!(" dev {device}"));
                }
                out.push(line("default route", text, Tone::Normal));
            }
            if let Some(id) = n.netnsid {
                out.push(line("netnsid", id.to_string(), Tone::Normal));
            }
        }
        KindDetails::User(u) => {
            for (label, map) in [("uid map", &u.uid_map), ("gid map", &u.gid_map)] {
                let text: Vec<String> = map.iter().map(|r| r.to_string()).collect();
                let text = if text.is_empty() {
                    "(empty)".to_string()
                } else {
                    text.join(", ")
                };
                out.push(line(label, text, Tone::Normal));
            }
            if let Some(setgroups) = &u.setgroups {
                out.push(line("setgroups", setgroups.clone(), Tone::Normal));
            }
        }
        KindDetails::Pid(p) => {
            match &p.init {
                Some(init) => out.push(line(
                    "init",
                    format!("pid {} ({}) is pid 1 inside", init.pid, init.comm),
                    Tone::Normal,
                )),
                None => out.push(line(
                    "init",
                    "none found: pid 1 inside has exited or is unreadable",
                    Tone::Warn,
                )),
            }
            if !p.members.is_empty() {
                // NSPID: the pid inside (the last of NSpid), not the host's again.
                out.push(line("members", "PID      INSIDE  COMMAND", Tone::Dim));
                for m in p.members.iter().take(limit) {
                    let inside = m.nspid.last().copied().unwrap_or(m.pid);
                    out.push(line(
                        "",
                        format!("{:<8} {:<7} {}", m.pid, inside, m.comm),
                        Tone::Normal,
                    ));
                }
                more(&mut out, p.members.len(), limit);
            }
        }
        KindDetails::Mnt(m) => {
            out.push(line("mounts", m.mounts.to_string(), Tone::Normal));
            let describe = |mount: &crate::details::Mount| {
                let root = if mount.root == "/" {
                    String::new()
                } else {
                    format!(" [{}]", mount.root)
                };
                format!(
                    "{} {} {}{root}",
                    mount.mount_point, mount.fstype, mount.source
                )
            };
            if let Some(root) = &m.root {
                out.push(line("root", describe(root), Tone::Normal));
            }
            for (at, mount) in m.key_mounts.iter().take(limit).enumerate() {
                let label = if at == 0 { "key mounts" } else { "" };
                out.push(line(label, describe(mount), Tone::Normal));
            }
            more(&mut out, m.key_mounts.len(), limit);
        }
        KindDetails::Cgroup(c) => {
            out.push(line("root", or_unknown(&c.root), Tone::Normal));
            out.push(line(
                "member cgroup",
                or_unknown(&c.member_cgroup),
                Tone::Normal,
            ));
            if let Some(method) = c.method {
                out.push(line("found by", method, Tone::Dim));
            }
        }
        KindDetails::Time(t) => match &t.offsets {
            Some(o) => {
                for (label, clock) in [("monotonic", &o.monotonic), ("boottime", &o.boottime)] {
                    out.push(line(
                        label,
                        format!("{:+}s {}ns", clock.seconds, clock.nanoseconds),
                        Tone::Normal,
                    ));
                }
            }
            None => out.push(line("offsets", "(unknown)", Tone::Dim)),
        },
        KindDetails::Ipc(i) => {
            let count = |n: Option<usize>| n.map_or("(unknown)".into(), |n| n.to_string());
            out.push(line("shm segments", count(i.shared_memory), Tone::Normal));
            out.push(line("semaphores", count(i.semaphores), Tone::Normal));
            out.push(line("msg queues", count(i.message_queues), Tone::Normal));
        }
    }
    let _ = snapshot;
    out
}

fn more(out: &mut Vec<DetailLine>, total: usize, limit: usize) {
    if total > limit {
        out.push(line(
            "",
            format!("… and {} more (z zooms)", total - limit),
            Tone::Dim,
        ));
    }
}

/// Who keeps it alive: members by command with counts, then holders by kind with counts; the
/// user namespace's owned namespaces by type. Lists in full only when zoomed.
fn alive_lines(app: &App, ns: &Namespace) -> Vec<DetailLine> {
    let snapshot = &app.snapshot();
    let limit = list_limit(app);
    let mut out = Vec::new();
    let live = app
        .index()
        .live_members
        .get(&ns.inode)
        .copied()
        .unwrap_or(0);
    // Counted per frame over every member (the host's have thousands): no allocation per pid.
    let mut by_comm: HashMap<&str, usize> = HashMap::new();
    for pid in &ns.members {
        if let Some(p) = snapshot.process(*pid) {
            *by_comm.entry(p.comm.as_str()).or_default() += 1;
        }
    }
    let mut comms: Vec<(&str, usize)> = by_comm.into_iter().collect();
    comms.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    let summary: Vec<String> = comms
        .iter()
        .take(4)
        .map(|(comm, n)| {
            if *n == 1 {
                comm.to_string()
            } else {
                format!("{comm} ×{n}")
            }
        })
        .collect();
    let mut text = format!("{live} {}", plural(live, "process", "processes"));
    if !summary.is_empty() {
        text.push_str(&format!(": {}", summary.join(", ")));
        if comms.len() > 4 {
            text.push_str(", …");
        }
    }
    out.push(line("processes", text, Tone::Normal));
    if app.zoomed() {
        for &pid in ns.members.iter().take(limit) {
            let user = snapshot
                .process(pid)
                .map(|p| snapshot.user_name(p.uid))
                .unwrap_or_default();
            let tone = if app.vanished_pids().contains(&pid) {
                Tone::Dim
            } else {
                Tone::Normal
            };
            out.push(line(
                "",
                format!("{} {user}", process_label(snapshot, pid)),
                tone,
            ));
        }
        more(&mut out, ns.members.len(), limit);
    }
    // Holders grouped by kind; owned and child namespaces by type.
    let mut groups: BTreeMap<&'static str, Vec<&Holder>> = BTreeMap::new();
    // A child user namespace is also owned by its parent: listed once, as a child.
    let children: std::collections::HashSet<Inode> = ns
        .holders
        .iter()
        .filter_map(|h| match h {
            Holder::Child { inode } => Some(*inode),
            _ => None,
        })
        .collect();
    for holder in &ns.holders {
        if let Holder::Owned { inode } = holder
            && children.contains(inode)
        {
            continue;
        }
        groups.entry(holder_kind(holder)).or_default().push(holder);
    }
    for (kind, holders) in &groups {
        match *kind {
            "owns" | "child" => {
                let mut per_type: BTreeMap<&'static str, usize> = BTreeMap::new();
                for holder in holders {
                    if let Holder::Owned { inode } | Holder::Child { inode } = holder {
                        let name = snapshot.namespace(*inode).map_or("?", |n| n.kind.name());
                        *per_type.entry(name).or_default() += 1;
                    }
                }
                let parts: Vec<String> = per_type.iter().map(|(t, n)| format!("{n} {t}")).collect();
                let label = if *kind == "owns" { "owns" } else { "children" };
                out.push(line(label, parts.join(", "), Tone::Normal));
                if app.zoomed() {
                    for holder in holders.iter().take(limit) {
                        if let Holder::Owned { inode } | Holder::Child { inode } = holder {
                            out.push(jump(
                                line("", ns_label(snapshot, *inode), Tone::Normal),
                                *inode,
                            ));
                        }
                    }
                    more(&mut out, holders.len(), limit);
                }
            }
            _ => {
                let shown = if app.zoomed() { limit } else { 2 };
                for (at, holder) in holders.iter().take(shown).enumerate() {
                    let label = if at == 0 {
                        format!("{} ×{}", kind, holders.len())
                    } else {
                        String::new()
                    };
                    let label = if holders.len() == 1 {
                        kind.to_string()
                    } else {
                        label
                    };
                    out.push(line(&label, holder_text(snapshot, holder).1, Tone::Normal));
                }
                more(&mut out, holders.len(), shown);
            }
        }
    }
    // Holder paths that held something else (a planted FIFO, symlink, device): refused, never
    // followed; said with the reason.
    for refused in snapshot
        .unreadable_holders
        .iter()
        .filter(|h| h.inode == ns.inode)
    {
        out.push(line(
            "refused",
            format!("{}: {}", refused.path, refused.reason),
            Tone::Warn,
        ));
    }
    if ns.holders.is_empty() && ns.members.is_empty() {
        out.push(line("", "no holder seen (it may be gone)", Tone::Warn));
    }
    out
}

fn holder_kind(holder: &Holder) -> &'static str {
    match holder {
        Holder::Thread { .. } => "thread",
        Holder::ForChildren { .. } => "for_children",
        Holder::Fd { .. } => "fd",
        Holder::Socket { .. } => "socket",
        Holder::BindMount { .. } => "bind mount",
        Holder::Child { .. } => "child",
        Holder::Owned { .. } => "owns",
    }
}

/// Identity, last: inode and id, whether it is the host's and how nsview knows, parent and
/// owner (each once, worded so the owner's creator cannot be read as this one's), names.
fn identity_lines(app: &App, ns: &Namespace) -> Vec<DetailLine> {
    let snapshot = &app.snapshot();
    let mut out = vec![heading("identity", Tone::Heading)];
    let mut id = ns.label().to_string();
    if let Some(ns_id) = ns.ns_id {
        id.push_str(&format!("  id {ns_id}"));
    }
    out.push(line("inode", id, Tone::Normal));
    match host_reason(snapshot, ns.kind) {
        Some((host, why)) if host == ns.inode => {
            out.push(line("host", format!("yes: {why}"), Tone::Host));
        }
        // No jump: the host's namespace is easy to find, the references worth following are
        // the peer, the parent and the owner.
        Some((host, _)) => out.push(line(
            "host",
            format!("no (the host's is {})", ns.kind.label(host)),
            Tone::Normal,
        )),
        None => out.push(line(
            "host",
            "unknown: neither pid 1 nor kthreadd could be read",
            Tone::Dim,
        )),
    }
    if ns.kind == NsKind::User
        && let Some(uid) = ns.owner_uid
    {
        out.push(line("created by", user_text(snapshot, uid), Tone::Normal));
    }
    if let Some(parent) = ns.parent {
        let depth = depth_of(snapshot, ns);
        out.push(jump(
            line(
                "parent",
                format!("{} (depth {depth})", ns_label(snapshot, parent)),
                Tone::Normal,
            ),
            parent,
        ));
    }
    // A user namespace's parent is also its owner: said once, as the parent.
    if let Some(owner) = ns.owner
        && Some(owner) != ns.parent
    {
        let mut text = format!("owned by {}", ns_label(snapshot, owner));
        if let Some(uid) = snapshot.namespace(owner).and_then(|o| o.owner_uid) {
            text.push_str(&format!(", which {} created", user_text(snapshot, uid)));
        }
        out.push(jump(line("owner", text, Tone::Normal), owner));
    }
    for name in app.names_of(ns.inode) {
        out.push(line(
            "name",
            format!("{} ({})", name.text, name.source.describe()),
            Tone::Normal,
        ));
    }
    out
}

fn depth_of(snapshot: &Snapshot, ns: &Namespace) -> usize {
    let mut depth = 0;
    let mut at = ns.parent;
    while let Some(parent) = at
        && depth < 64
    {
        depth += 1;
        at = snapshot.namespace(parent).and_then(|p| p.parent);
    }
    depth
}

/// A holder as a label and a sentence, for "who keeps it alive".
pub fn holder_text(snapshot: &Snapshot, holder: &Holder) -> (&'static str, String) {
    match holder {
        Holder::Thread { pid, tid } => (
            "thread",
            format!("{tid} of {}", process_label(snapshot, *pid)),
        ),
        Holder::ForChildren { pid } => (
            "for_children",
            format!("children of {}", process_label(snapshot, *pid)),
        ),
        Holder::Fd { pid, fd } => ("fd", format!("{fd} of {}", process_label(snapshot, *pid))),
        Holder::Socket { pid, fd } => (
            "socket",
            format!("fd {fd} of {}", process_label(snapshot, *pid)),
        ),
        Holder::BindMount {
            mnt_ns,
            path,
            via_pid,
        } => {
            let mut text = path.clone();
            if let Some(mnt) = mnt_ns {
                text.push_str(&format!(" in {}", NsKind::Mnt.label(*mnt)));
            }
            if let Some(pid) = via_pid {
                text.push_str(&format!(" (seen via pid {pid})"));
            }
            ("bind mount", text)
        }
        Holder::Child { inode } => ("child", ns_label(snapshot, *inode)),
        Holder::Owned { inode } => ("owns", ns_label(snapshot, *inode)),
    }
}

fn process_pane(app: &App, pid: Pid) -> Pane {
    let snapshot = &app.snapshot();
    let Some(process) = snapshot.process(pid) else {
        return Pane {
            title: format!("process {pid} is gone"),
            title_tone: Tone::Dim,
            lines: Vec::new(),
        };
    };
    let mut out = Vec::new();
    if let Some((text, tone)) = mark_text(app.mark(NodeKey::Proc(0, pid))) {
        out.push(line("", text, tone));
    }
    out.push(line("command", process.command.clone(), Tone::Normal));
    out.push(line(
        "parent",
        process_label(snapshot, process.ppid),
        Tone::Normal,
    ));
    out.push(line("user", user_text(snapshot, process.uid), Tone::Normal));
    out.push(line("state", process.state.to_string(), Tone::Normal));
    if !app.vanished_pids().contains(&pid) {
        out.push(match app.inside().container(pid) {
            None => line("container", "reading…", Tone::Dim),
            Some(None) => line("container", "none", Tone::Dim),
            Some(Some(container)) => line("container", container.label(), Tone::Good),
        });
    }
    out.push(heading("namespaces (= host's, ≠ its own)", Tone::Heading));
    for kind in NsKind::ALL {
        let host = snapshot.host_ns(kind);
        let l = match process.links.current[kind.index()] {
            Link::Ns(inode) if Some(inode) == host => {
                line(kind.name(), format!("{inode} = host"), Tone::Host)
            }
            Link::Ns(inode) => {
                let mut text = if host.is_some() {
                    format!("{inode} ≠ host")
                } else {
                    inode.to_string()
                };
                if let Some(name) = app.name_of(inode) {
                    text.push_str(&format!("  {}", name.text));
                }
                jump(line(kind.name(), text, Tone::Kind(kind)), inode)
            }
            Link::Absent => line(kind.name(), "-", Tone::Dim),
            Link::Unreadable(why) => line(kind.name(), format!("unreadable ({why:?})"), Tone::Dim),
        };
        out.push(l);
    }
    for (name, link, current) in [
        (
            "pid_for_children",
            process.links.pid_for_children,
            process.ns(NsKind::Pid),
        ),
        (
            "time_for_children",
            process.links.time_for_children,
            process.ns(NsKind::Time),
        ),
    ] {
        if let Some(inode) = link.inode()
            && Some(inode) != current
        {
            out.push(jump(line(name, inode.to_string(), Tone::Normal), inode));
        }
    }
    for thread in &process.odd_threads {
        out.push(line(
            "odd thread",
            format!("{} ({}) differs", thread.tid, thread.comm),
            Tone::Warn,
        ));
    }
    Pane {
        title: format!("process {pid} ({})", process.comm),
        title_tone: Tone::Heading,
        lines: out,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::app::{Action, App};
    use crate::tui::sample::{self, BLUE_NET, CONTAINER_USER, HOST};

    /// A refused holder (a trap at a bind mount's path) is shown with its reason, escaped by
    /// the view like every value.
    #[test]
    fn refused_holders_are_listed_with_their_reason() {
        let mut snapshot = sample::small();
        snapshot
            .unreadable_holders
            .push(crate::model::UnreadableHolder {
                inode: BLUE_NET,
                kind: NsKind::Net,
                path: "/proc/42/root/run/netns/\x1b]0;x".into(),
                reason: "a FIFO, not a namespace file".into(),
            });
        let mut app = App::new(false);
        app.apply_scan(snapshot, None);
        while app.selected() != Some(NodeKey::Ns(BLUE_NET)) {
            app.update(Action::Down);
        }
        let lines = pane(&app).lines;
        let refused: Vec<&DetailLine> = lines.iter().filter(|l| l.label == "refused").collect();
        assert_eq!(refused.len(), 1);
        assert!(refused[0].value.ends_with(": a FIFO, not a namespace file"));
    }

    /// Nothing is said twice: a child user namespace (also owned) is listed as a child only,
    /// and a user namespace's parent is not repeated as its owner.
    #[test]
    fn no_repeated_lines() {
        let mut snapshot = sample::small();
        let host_user = HOST[NsKind::User.index()];
        if let Some(ns) = snapshot.namespaces.get_mut(&host_user) {
            ns.holders.push(Holder::Owned {
                inode: CONTAINER_USER,
            });
            ns.holders.push(Holder::Owned { inode: BLUE_NET });
        }
        let mut app = App::new(false);
        app.apply_scan(snapshot, None);
        app.update(Action::SelectView(crate::tui::app::View::Owner));
        app.update(Action::Home);
        let lines = pane(&app).lines;
        let find = |label: &str| -> Vec<String> {
            lines
                .iter()
                .filter(|l| l.label == label)
                .map(|l| l.value.clone())
                .collect()
        };
        assert_eq!(find("children"), ["1 user"]);
        assert_eq!(find("owns"), ["1 net"]);
        // The container's user namespace: its parent once, no owner line on top.
        app.update(Action::Down);
        while app.selected() != Some(NodeKey::Ns(CONTAINER_USER)) {
            app.update(Action::Down);
        }
        let lines = pane(&app).lines;
        assert_eq!(lines.iter().filter(|l| l.label == "parent").count(), 1);
        assert_eq!(lines.iter().filter(|l| l.label == "owner").count(), 0);
        assert_eq!(lines.iter().filter(|l| l.label == "created by").count(), 1);
    }
}
