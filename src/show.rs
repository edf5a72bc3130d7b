//! `nsview show`: a readable (or JSON) report of what is inside one namespace.
//!
//! The arguments are validated into a [`Config`] first; the snapshot and the details come from
//! `scan` and `details`; this module only formats. Things that could not be read are printed
//! as such, never as errors: only an unknown or malformed namespace fails.

use std::io::Write;

use anyhow::Context;
use serde::Serialize;

use crate::details::{
    self, Container, ContainerIndex, ContainerRow, KindDetails, NamespaceDetails, PodMembers,
};
use crate::error::Exit;
use crate::model::{Inode, NsKind, Snapshot};
use crate::scan::{self, ScanOptions};
use crate::text;

/// `show`'s arguments, validated: built once from the clap values ([`crate::config::show`]),
/// and all the rest of `show` reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    pub inode: Inode,
    /// The type the argument named (`uts:[4026532301]`), which the namespace must have.
    pub kind: Option<NsKind>,
    pub json: bool,
}

/// The JSON document: the details plus the container matrix rows of its containers.
#[derive(Serialize)]
struct Report<'a> {
    #[serde(flatten)]
    details: &'a NamespaceDetails,
    container_namespaces: Vec<ContainerRow>,
    /// The pod the namespace is shared in, with its containers among the members; absent
    /// when it is in none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pod: Option<PodMembers>,
    /// The leak verdict when no process is a member (`nsview leaks`).
    #[serde(skip_serializing_if = "Option::is_none")]
    leak: Option<String>,
}

/// Runs `nsview show` and returns the exit code.
pub fn run(config: &Config, source: crate::snapshot::Source) -> anyhow::Result<i32> {
    let Config { inode, kind, json } = *config;
    // --from FILE: the saved scan and, when it was taken with --details, the saved details.
    let (scan, saved) = match source {
        crate::snapshot::Source::Live(scan) => (scan, None),
        crate::snapshot::Source::File(path) => {
            let file = crate::snapshot::load(&path).map_err(|e| Exit::failure(format!("{e:#}")))?;
            (ScanOptions::for_root(Some(path)), Some(file))
        }
    };
    let snapshot = match &saved {
        Some(file) => file.scan.clone(),
        None => scan::scan(&scan)?,
    };
    let Some(ns) = snapshot.namespace(inode) else {
        return Err(Exit::failure(format!("no namespace with inode {inode}")).into());
    };
    if let Some(kind) = kind
        && kind != ns.kind
    {
        return Err(Exit::failure(format!(
            "namespace {inode} is a {} namespace, not {kind}",
            ns.kind
        ))
        .into());
    }
    let (found, matrix) = match &saved {
        Some(file) => (
            file.details_of(inode)
                .cloned()
                .unwrap_or_else(|| details::not_saved(&snapshot, ns)),
            file.containers.clone(),
        ),
        None => (
            details::read(&snapshot, inode, &scan.proc_root)
                .map_err(|e| Exit::failure(e.to_string()))?,
            ContainerIndex::build(&snapshot, &scan.proc_root).matrix(&snapshot),
        ),
    };
    let rows: Vec<ContainerRow> = matrix
        .into_iter()
        .filter(|row| {
            found.container.as_ref().is_some_and(|c| {
                (c.runtime, &c.id, c.monitor)
                    == (
                        row.container.runtime,
                        &row.container.id,
                        row.container.monitor,
                    )
            })
        })
        .collect();
    let (pod, leak) = match &saved {
        Some(file) => (
            file.pods.get(&inode).cloned(),
            file.leaks.get(&inode).cloned(),
        ),
        None => (
            ContainerIndex::build(&snapshot, &scan.proc_root).pod_of(&snapshot, ns),
            crate::leaks::show_line(&snapshot, inode, &scan.proc_root),
        ),
    };

    let mut out = std::io::stdout().lock();
    if json {
        let report = Report {
            details: &found,
            container_namespaces: rows,
            pod,
            leak,
        };
        // Serialise first: serde_json's writer errors hide the io::Error a closed pipe is.
        let mut text = text::to_json_pretty(&report).context("encoding JSON")?;
        text.push('\n');
        out.write_all(text.as_bytes()).context("writing JSON")?;
    } else {
        let text = crate::leaks::with_leak_row(
            render(&snapshot, &found, &rows, pod.as_ref()),
            leak.as_deref(),
        );
        out.write_all(text.as_bytes())
            .context("writing the report")?;
    }
    out.flush().context("writing the report")?;
    Ok(0)
}

/// Width of the label column.
const LABEL: usize = 14;

/// The report as it is built: rows of a label (empty on continuation rows) and a value, or
/// lines of their own (`None` label). `render` lays them out as text; the TUI's detail pane
/// takes the per-type rows as they are ([`kind_rows`]).
struct Text(Vec<(Option<String>, String)>);

impl Text {
    fn row(&mut self, label: &str, value: impl std::fmt::Display) {
        self.0.push((Some(label.to_string()), value.to_string()));
    }
    /// Continuation lines under the previous row's value.
    fn more(&mut self, value: impl std::fmt::Display) {
        self.row("", value);
    }
    fn rows<I: IntoIterator<Item = String>>(&mut self, label: &str, values: I, empty: &str) {
        let mut values = values.into_iter();
        match values.next() {
            None => self.row(label, empty),
            Some(first) => {
                self.row(label, first);
                values.for_each(|v| self.more(v));
            }
        }
    }
    fn line(&mut self, text: &str) {
        self.0.push((None, text.to_string()));
    }
    /// The text for a terminal. Every value goes through [`text::safe`] here, the one place
    /// text output is made: hostnames, comms, interface names, mount and cgroup paths and
    /// bind-mount paths are a stranger's bytes, and a control byte in one must show as `\xNN`,
    /// never reach the terminal (nor a newline forge a row). Our own words pass unchanged.
    fn into_string(self) -> String {
        let mut out = String::new();
        for (label, value) in self.0 {
            let value = text::safe(&value);
            match label {
                Some(label) => out.push_str(&format!("{label:<LABEL$}{value}\n")),
                None => {
                    out.push_str(&value);
                    out.push('\n');
                }
            }
        }
        out
    }
}

/// The per-type part of the report as (label, value) rows, labels empty on continuation rows.
/// The values are raw host strings: escape them ([`text::safe`]) where they are drawn.
pub fn kind_rows(snapshot: &Snapshot, details: &KindDetails) -> Vec<(String, String)> {
    let mut t = Text(Vec::new());
    render_kind(&mut t, snapshot, details);
    t.0.into_iter()
        .map(|(label, value)| (label.unwrap_or_default(), value))
        .collect()
}

fn or_none(value: &Option<String>) -> &str {
    value.as_deref().unwrap_or("(unknown)")
}

/// Text lines shown per pid-namespace member table; the JSON has them all.
const MEMBER_ROWS: usize = 20;

/// The readable report.
pub fn render(
    snapshot: &Snapshot,
    d: &NamespaceDetails,
    rows: &[ContainerRow],
    pod: Option<&PodMembers>,
) -> String {
    let mut t = Text(Vec::new());
    let label = crate::model::NsLabel {
        kind: d.kind,
        inode: d.inode,
    };
    t.line(&label.to_string());
    t.row("processes", d.members);
    if let Some(via) = &d.via {
        let task = via
            .tid
            .map(|tid| format!(" thread {tid}"))
            .unwrap_or_default();
        t.row("read via", format!("pid {}{task} ({})", via.pid, via.comm));
    }
    if let Some(ns) = snapshot.namespace(d.inode) {
        if let Some(owner) = ns.owner {
            t.row("owner", NsKind::User.label(owner).to_string());
        }
        if let Some(id) = ns.ns_id {
            t.row("ns id", id);
        }
        if !ns.nsfs_paths.is_empty() {
            t.rows("bind mounts", ns.nsfs_paths.iter().cloned(), "");
        }
    }
    let host = match (d.shared_with_host, snapshot.host_ns(d.kind)) {
        (Some(true), _) => "yes".to_string(),
        (Some(false), Some(host)) => format!("no (the host's is {})", d.kind.label(host)),
        _ => "(unknown: neither pid 1 nor kthreadd readable)".to_string(),
    };
    t.row("host's", host);
    let container = d
        .container
        .as_ref()
        .map_or("(none)".into(), |c| c.describe());
    t.row("container", container);
    if let Some(pod) = pod {
        match &pod.name {
            Some(name) => t.row("pod", format!("{name} {}", pod.id)),
            None => t.row("pod", &pod.id),
        }
        t.rows(
            "pod members",
            pod.containers.iter().map(Container::label),
            "(none)",
        );
    }
    for row in rows {
        let marks: Vec<String> = row
            .namespaces
            .iter()
            .map(|m| {
                let whose = match m.shared_with_host {
                    Some(true) => "host",
                    Some(false) => "own",
                    None => "?",
                };
                format!("{}={whose}", m.kind)
            })
            .collect();
        t.row(
            "container ns",
            format!("{}: {}", row.container.short_id, marks.join(" ")),
        );
    }
    t.line("");
    render_kind(&mut t, snapshot, &d.details);
    if !d.unavailable.is_empty() {
        t.line("");
        t.rows("unavailable", d.unavailable.iter().cloned(), "");
    }
    t.into_string()
}

fn render_kind(t: &mut Text, snapshot: &Snapshot, details: &KindDetails) {
    match details {
        KindDetails::User(u) => {
            t.rows(
                "uid map",
                u.uid_map.iter().map(|r| r.to_string()),
                "(empty)",
            );
            t.rows(
                "gid map",
                u.gid_map.iter().map(|r| r.to_string()),
                "(empty)",
            );
            t.row("setgroups", or_none(&u.setgroups));
            let owner = match u.owner_uid {
                Some(uid) => format!("{uid} ({})", snapshot.user_name(uid)),
                None => "(unknown)".into(),
            };
            t.row("created by", owner);
            let depth = u.depth.map_or("(unknown)".into(), |d| d.to_string());
            match u.parent {
                Some(parent) => t.row(
                    "depth",
                    format!("{depth} (parent {})", NsKind::User.label(parent)),
                ),
                None => t.row("depth", depth),
            }
        }
        KindDetails::Pid(p) => {
            let init = p.init.as_ref().map_or(
                "(none found: pid 1 inside has exited or is unreadable)".into(),
                |i| format!("pid {} ({}), pid 1 inside", i.pid, i.comm),
            );
            t.row("init", init);
            let depth = p.depth.map_or("(unknown)".into(), |d| d.to_string());
            match p.parent {
                Some(parent) => t.row(
                    "depth",
                    format!("{depth} (parent {})", NsKind::Pid.label(parent)),
                ),
                None => t.row("depth", depth),
            }
            let mut lines = vec![format!("{:<9}{:<20}COMMAND", "PID", "NSPID")];
            lines.extend(p.members.iter().take(MEMBER_ROWS).map(|m| {
                let nspid: Vec<String> = m.nspid.iter().map(|n| n.to_string()).collect();
                format!("{:<9}{:<20}{}", m.pid, nspid.join(" "), m.comm)
            }));
            if p.members.len() > MEMBER_ROWS {
                lines.push(format!("... and {} more", p.members.len() - MEMBER_ROWS));
            }
            t.rows("members", lines, "");
        }
        KindDetails::Uts(u) => {
            t.row("hostname", or_none(&u.hostname));
            t.row("domainname", or_none(&u.domainname));
        }
        KindDetails::Net(n) => {
            t.row(
                "netnsid",
                n.netnsid
                    .map_or("(none assigned)".into(), |id| id.to_string()),
            );
            t.row("source", n.source.unwrap_or("(none)"));
            let mut lines = Vec::new();
            for i in &n.interfaces {
                let index = i.index.map(|x| format!("{x}: ")).unwrap_or_default();
                let kind = i
                    .kind
                    .as_ref()
                    .map(|k| format!(" ({k})"))
                    .unwrap_or_default();
                let mut head = format!("{index}{}{kind}", i.name);
                if let Some(state) = &i.state {
                    head.push_str(&format!(" {state}"));
                }
                if let Some(mtu) = i.mtu {
                    head.push_str(&format!(" mtu {mtu}"));
                }
                if let Some(mac) = &i.mac {
                    head.push_str(&format!(" mac {mac}"));
                }
                lines.push(head);
                if let Some(peer) = &i.peer {
                    let name = peer
                        .name
                        .clone()
                        .unwrap_or_else(|| format!("if{}", peer.index));
                    let whose = match peer.netns {
                        Some(inode) => format!(" in {}", NsKind::Net.label(inode)),
                        None => peer
                            .link_netnsid
                            .map(|id| format!(" in netnsid {id}"))
                            .unwrap_or_default(),
                    };
                    lines.push(format!("    peer {name}{whose}"));
                }
                lines.extend(i.addresses.iter().map(|a| format!("    {a}")));
            }
            t.rows("interfaces", lines, "(none)");
            t.rows(
                "default route",
                n.default_routes.iter().map(|r| {
                    let via = r
                        .gateway
                        .as_ref()
                        .map(|g| format!(" via {g}"))
                        .unwrap_or_default();
                    let dev = r
                        .device
                        .as_ref()
                        .map(|d| format!(" dev {d}"))
                        .unwrap_or_default();
                    format!("{}{via}{dev}", r.family)
                }),
                "(none)",
            );
        }
        KindDetails::Mnt(m) => {
            t.row("mounts", m.mounts);
            let describe = |mount: &details::Mount| {
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
            };
            t.row("root", m.root.as_ref().map_or("(unknown)".into(), describe));
            t.rows("key mounts", m.key_mounts.iter().map(describe), "(none)");
        }
        KindDetails::Cgroup(c) => {
            t.row("root", or_none(&c.root));
            t.row("member cgroup", or_none(&c.member_cgroup));
            t.row("found by", c.method.unwrap_or("(nothing)"));
        }
        KindDetails::Time(time) => match &time.offsets {
            Some(o) => {
                t.row(
                    "monotonic",
                    format!("{:+}s {}ns", o.monotonic.seconds, o.monotonic.nanoseconds),
                );
                t.row(
                    "boottime",
                    format!("{:+}s {}ns", o.boottime.seconds, o.boottime.nanoseconds),
                );
            }
            None => t.row("offsets", "(unknown)"),
        },
        KindDetails::Ipc(i) => {
            let count = |n: Option<usize>| n.map_or("(unknown)".into(), |n| n.to_string());
            t.row("shm segments", count(i.shared_memory));
            t.row("semaphores", count(i.semaphores));
            t.row("msg queues", count(i.message_queues));
        }
    }
}
