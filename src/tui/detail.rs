//! The detail pane's content: plain labelled lines about the selected namespace or process,
//! built from the snapshot. `view.rs` only styles them.
//!
//! Per-namespace details that need more than the snapshot (hostname, interfaces, uid maps, …)
//! come from `crate::details` through the app's cache ([`super::inside`]), worded as
//! `nsview show` words them ([`crate::show::kind_rows`]).

use crate::model::{Holder, Inode, Namespace, NsKind, Pid, Snapshot};

use super::app::{App, Mark, NodeKey};

/// How a detail line should look.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    /// A title or section heading.
    Heading,
    Normal,
    Dim,
    /// Shared with the host (pid 1).
    Host,
    /// Not the host's / gone / an error.
    Warn,
    Good,
    /// Coloured like this namespace type.
    Kind(NsKind),
}

/// One line of the detail pane: a label column and a value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DetailLine {
    pub label: String,
    pub value: String,
    pub tone: Tone,
}

fn line(label: &str, value: impl Into<String>, tone: Tone) -> DetailLine {
    DetailLine {
        label: label.to_string(),
        value: value.into(),
        tone,
    }
}

fn heading(text: impl Into<String>, tone: Tone) -> DetailLine {
    line("", text, tone)
}

/// How many holders or members to list before "… and N more".
const LIST_LIMIT: usize = 40;

/// The lines for whatever is selected.
pub fn detail_lines(app: &App) -> Vec<DetailLine> {
    match app.selected() {
        None => vec![heading("nothing selected", Tone::Dim)],
        Some(NodeKey::Kind(kind)) => kind_lines(app, kind),
        Some(NodeKey::Ns(inode)) | Some(NodeKey::Members(inode)) => namespace_lines(app, inode),
        Some(NodeKey::Proc(_, pid)) => process_lines(app, pid),
    }
}

fn kind_lines(app: &App, kind: NsKind) -> Vec<DetailLine> {
    let all = &app.index.by_kind[kind.index()];
    let empty = all
        .iter()
        .filter_map(|i| app.snapshot.namespace(*i))
        .filter(|ns| ns.members.is_empty())
        .count();
    vec![
        heading(format!("{kind} namespaces"), Tone::Kind(kind)),
        line("count", all.len().to_string(), Tone::Normal),
        line("process-less", empty.to_string(), Tone::Normal),
        line(
            "host's",
            app.snapshot
                .host_ns(kind)
                .map_or("unknown".into(), |i| i.to_string()),
            Tone::Host,
        ),
    ]
}

fn mark_text(mark: Mark) -> Option<(&'static str, Tone)> {
    match mark {
        Mark::Appeared => Some(("appeared since the last scan", Tone::Good)),
        Mark::Vanished => Some(("vanished since the last scan", Tone::Warn)),
        Mark::None => None,
    }
}

fn ns_label(snapshot: &Snapshot, inode: Inode) -> String {
    match snapshot.namespace(inode) {
        Some(ns) => format!("{}:[{inode}]", ns.kind),
        None => format!("[{inode}]"),
    }
}

fn process_label(snapshot: &Snapshot, pid: Pid) -> String {
    match snapshot.process(pid) {
        Some(p) => format!("{pid} ({})", p.comm),
        None => pid.to_string(),
    }
}

fn namespace_lines(app: &App, inode: Inode) -> Vec<DetailLine> {
    let snapshot = &app.snapshot;
    let Some(ns) = snapshot.namespace(inode) else {
        return vec![heading(format!("namespace {inode} is gone"), Tone::Dim)];
    };
    let mut out = vec![heading(
        format!("{} namespace {inode}", ns.kind),
        Tone::Kind(ns.kind),
    )];
    if let Some((text, tone)) = mark_text(app.mark(NodeKey::Ns(inode))) {
        out.push(line("", text, tone));
    }
    out.push(line("type", ns.kind.name(), Tone::Normal));
    out.push(line("inode", inode.to_string(), Tone::Normal));
    if let Some(id) = ns.ns_id {
        out.push(line("ns id", id.to_string(), Tone::Normal));
    }
    match snapshot.host_ns(ns.kind) {
        Some(host) if host == inode => out.push(line("host", "yes: pid 1 is in it", Tone::Host)),
        Some(_) => out.push(line("host", "no: pid 1 is elsewhere", Tone::Normal)),
        None => {}
    }
    if let Some(parent) = ns.parent {
        out.push(line("parent", ns_label(snapshot, parent), Tone::Normal));
    }
    if let Some(owner) = ns.owner {
        let mut text = ns_label(snapshot, owner);
        if let Some(uid) = snapshot.namespace(owner).and_then(|o| o.owner_uid) {
            text.push_str(&format!(" (created by {})", user_text(snapshot, uid)));
        }
        out.push(line("owner", text, Tone::Normal));
    }
    if let Some(uid) = ns.owner_uid {
        out.push(line("owner uid", user_text(snapshot, uid), Tone::Normal));
    }
    if let Some(id) = ns.netnsid {
        out.push(line("netnsid", id.to_string(), Tone::Normal));
    }
    for path in &ns.nsfs_paths {
        out.push(line("nsfs", path.clone(), Tone::Normal));
    }
    match app.inside.namespace(inode) {
        // The details say more (and the same depth) than the snapshot's relations.
        Some(Ok(_)) => {}
        _ => out.extend(type_details(snapshot, ns)),
    }
    out.extend(inside_lines(app, inode));

    out.push(heading("why is this alive", Tone::Heading));
    let live = app.index.live_members.get(&inode).copied().unwrap_or(0);
    out.push(line("members", format!("{live} processes"), Tone::Normal));
    for &pid in ns.members.iter().take(LIST_LIMIT) {
        let user = snapshot
            .process(pid)
            .map(|p| snapshot.user_name(p.uid))
            .unwrap_or_default();
        let tone = if app.vanished_pids.contains(&pid) {
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
    more(&mut out, ns.members.len());
    if ns.holders.is_empty() && ns.members.is_empty() {
        out.push(line("", "no holder seen (it may be gone)", Tone::Warn));
    }
    for holder in ns.holders.iter().take(LIST_LIMIT) {
        let (label, text) = holder_text(snapshot, holder);
        out.push(line(label, text, Tone::Normal));
    }
    more(&mut out, ns.holders.len());
    out
}

fn more(out: &mut Vec<DetailLine>, total: usize) {
    if total > LIST_LIMIT {
        out.push(line(
            "",
            format!("… and {} more", total - LIST_LIMIT),
            Tone::Dim,
        ));
    }
}

fn user_text(snapshot: &Snapshot, uid: u32) -> String {
    let name = snapshot.user_name(uid);
    if name == uid.to_string() {
        name
    } else {
        format!("{uid} ({name})")
    }
}

/// A holder as a label and a sentence, for "why is this alive".
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
                text.push_str(&format!(" in mnt:[{mnt}]"));
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

/// Per-type details beyond the snapshot (the seam for `src/details/`). Today: what the
/// snapshot itself says about the relations of user and pid namespaces.
pub fn type_details(snapshot: &Snapshot, ns: &Namespace) -> Vec<DetailLine> {
    let mut out = Vec::new();
    if matches!(ns.kind, NsKind::User | NsKind::Pid) {
        let mut depth = 0;
        let mut at = ns.parent;
        while let Some(parent) = at
            && depth < 64
        {
            depth += 1;
            at = snapshot.namespace(parent).and_then(|p| p.parent);
        }
        if ns.parent.is_some() {
            out.push(line("depth", depth.to_string(), Tone::Normal));
        }
    }
    out
}

/// What the details worker read about the namespace: "reading…" until it arrives, an error as
/// a dim line, else the containers and the per-type rows.
fn inside_lines(app: &App, inode: Inode) -> Vec<DetailLine> {
    if app.vanished_ns.contains(&inode) {
        return Vec::new();
    }
    let mut out = vec![heading("inside", Tone::Heading)];
    match app.inside.namespace(inode) {
        None => out.push(line("", "reading…", Tone::Dim)),
        Some(Err(error)) => out.push(line("", error.clone(), Tone::Dim)),
        Some(Ok(details)) => {
            if let Some(container) = &details.container {
                out.push(line("container", container_text(container), Tone::Good));
            }
            for (label, value) in crate::show::kind_rows(&app.snapshot, &details.details) {
                out.push(line(&label, value, Tone::Normal));
            }
            for what in &details.unavailable {
                out.push(line("unavailable", what.clone(), Tone::Dim));
            }
        }
    }
    out
}

fn container_text(container: &crate::details::Container) -> String {
    match &container.pod_uid {
        Some(pod) => format!("{} pod {pod}", container.label()),
        None => container.label(),
    }
}

fn process_lines(app: &App, pid: Pid) -> Vec<DetailLine> {
    let snapshot = &app.snapshot;
    let Some(process) = snapshot.process(pid) else {
        return vec![heading(format!("process {pid} is gone"), Tone::Dim)];
    };
    let mut out = vec![heading(format!("process {pid}"), Tone::Heading)];
    if let Some((text, tone)) = mark_text(app.mark(NodeKey::Proc(0, pid))) {
        out.push(line("", text, tone));
    }
    out.push(line("pid", pid.to_string(), Tone::Normal));
    out.push(line(
        "ppid",
        process_label(snapshot, process.ppid),
        Tone::Normal,
    ));
    out.push(line("user", user_text(snapshot, process.uid), Tone::Normal));
    out.push(line("state", process.state.to_string(), Tone::Normal));
    out.push(line("command", process.command.clone(), Tone::Normal));
    if !app.vanished_pids.contains(&pid) {
        out.push(match app.inside.container(pid) {
            None => line("container", "reading…", Tone::Dim),
            Some(None) => line("container", "none", Tone::Dim),
            Some(Some(container)) => line("container", container_text(container), Tone::Good),
        });
    }
    out.push(heading("namespaces (= shared with pid 1)", Tone::Heading));
    for kind in NsKind::ALL {
        let host = snapshot.host_ns(kind);
        let (text, tone) = match process.links.current[kind.index()] {
            crate::model::Link::Ns(inode) if Some(inode) == host => {
                (format!("{inode} = host"), Tone::Host)
            }
            crate::model::Link::Ns(inode) if host.is_some() => {
                (format!("{inode} ≠ host"), Tone::Kind(kind))
            }
            crate::model::Link::Ns(inode) => (inode.to_string(), Tone::Kind(kind)),
            crate::model::Link::Absent => ("-".into(), Tone::Dim),
            crate::model::Link::Unreadable(why) => (format!("unreadable ({why:?})"), Tone::Dim),
        };
        out.push(line(kind.name(), text, tone));
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
            out.push(line(name, inode.to_string(), Tone::Normal));
        }
    }
    for thread in &process.odd_threads {
        out.push(line(
            "odd thread",
            format!("{} ({}) differs", thread.tid, thread.comm),
            Tone::Warn,
        ));
    }
    out
}
