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
    describe,
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
        if let Some((_, owner)) = describe::owner_text(snapshot, ns) {
            t.row("owner", owner);
        }
        if let Some(id) = ns.ns_id {
            t.row("ns id", id);
        }
        if !ns.nsfs_paths.is_empty() {
            t.rows("bind mounts", ns.nsfs_paths.iter().cloned(), "");
        }
    }
    // From the model's notion of the host's namespaces, with how it knows (as the UI says it).
    t.row(
        "host's",
        describe::host_line(snapshot, d.kind, d.inode).value,
    );
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

/// The per-type contents in the words the UI's pane uses too ([`describe::contents`]), then
/// what only the report adds: where a netns's interfaces were read from, a user namespace's
/// creator, and the nesting depth the details read.
fn render_kind(t: &mut Text, snapshot: &Snapshot, details: &KindDetails) {
    let lists = describe::Lists {
        limit: MEMBER_ROWS,
        more_hint: "",
    };
    for fact in describe::contents(details, lists) {
        t.row(fact.label, fact.value);
    }
    match details {
        KindDetails::Net(n) => t.row("source", n.source.unwrap_or("(none)")),
        KindDetails::User(u) => {
            t.row("created by", describe::creator_text(snapshot, u.owner_uid));
            depth_row(
                t,
                u.depth,
                u.parent.map(|p| NsKind::User.label(p).to_string()),
            );
        }
        KindDetails::Pid(p) => depth_row(
            t,
            p.depth,
            p.parent.map(|p| NsKind::Pid.label(p).to_string()),
        ),
        _ => {}
    }
}

fn depth_row(t: &mut Text, depth: Option<u32>, parent: Option<String>) {
    let depth = depth.map_or("(unknown)".into(), |d| d.to_string());
    match parent {
        Some(parent) => t.row("depth", format!("{depth} (parent {parent})")),
        None => t.row("depth", depth),
    }
}
