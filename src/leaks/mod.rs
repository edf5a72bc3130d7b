//! `nsview leaks`: every namespace no process is a member of, what holds it, what it still
//! holds, how old it is, who claims it, and a verdict a person can act on.
//!
//! Three parts, in data-flow order: [`facts`] (`details::leak_facts`) is the enrichment step
//! (holders' commands, claims from container state, contents from `details`, ages), run after
//! the scan and before anything renders; [`verdict`] is the pure function from snapshot +
//! claims to verdicts; this module validates the arguments into a [`Config`] and renders text
//! or JSON from what the other two produced, reading nothing but them.
//! `nsview release` ([`release`]) acts on one namespace.

pub mod release;
pub mod verdict;

/// The enrichment step lives with the other readers in `details`.
pub use crate::details::leak_facts as facts;

use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;

use anyhow::Context;
use serde::Serialize;

pub use verdict::{Assessment, Claim, Claims, HolderKind, Verdict, assess, assess_all};

use crate::details::{KindDetails, NamespaceDetails};
use crate::error::Exit;
use crate::model::{Holder, Inode, NsKind, Snapshot};
use crate::scan::{self, ScanOptions};
use crate::text::safe;
use facts::{Age, Facts};

/// The validated options of `nsview leaks` (built by [`crate::config::leaks`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Config {
    pub json: bool,
    /// Empty: every type.
    pub kinds: BTreeSet<NsKind>,
    /// Empty: every verdict.
    pub verdicts: BTreeSet<Verdict>,
}

impl Config {
    pub fn selects(&self, assessment: &Assessment) -> bool {
        (self.kinds.is_empty() || self.kinds.contains(&assessment.kind))
            && (self.verdicts.is_empty() || self.verdicts.contains(&assessment.verdict))
    }
}

/// The selected assessments, from a snapshot and its claims (pure).
pub fn select(snapshot: &Snapshot, claims: &Claims, config: &Config) -> Vec<Assessment> {
    assess_all(snapshot, claims)
        .into_iter()
        .filter(|a| config.selects(a))
        .collect()
}

/// The verdict line for one namespace (`show` and the LEAK column), or None when a process
/// is a member of it.
pub fn verdict_line(snapshot: &Snapshot, inode: Inode, claims: &Claims) -> Option<String> {
    let ns = snapshot.namespace(inode)?;
    assess(snapshot, ns, claims).map(|a| a.summary())
}

/// One entry of the JSON document.
#[derive(Serialize)]
struct Entry<'a> {
    #[serde(flatten)]
    assessment: &'a Assessment,
    summary: String,
    probable_leak: bool,
    age: Option<&'a Age>,
    /// For net: the interfaces' peers that live in the host's network namespace.
    host_veth_ends: Vec<String>,
    holds: Option<&'a KindDetails>,
    unavailable: Vec<String>,
}

#[derive(Serialize)]
struct Document<'a> {
    namespaces: Vec<Entry<'a>>,
    probable_leaks: usize,
    partial_view: Option<String>,
}

/// The names of a net namespace's veth peers that sit in the host's network namespace.
pub fn host_veth_ends(snapshot: &Snapshot, details: &NamespaceDetails) -> Vec<String> {
    let KindDetails::Net(net) = &details.details else {
        return Vec::new();
    };
    let host = snapshot.host_ns(NsKind::Net);
    net.interfaces
        .iter()
        .filter_map(|i| {
            let peer = i.peer.as_ref()?;
            (peer.netns.is_some() && peer.netns == host).then(|| {
                peer.name
                    .clone()
                    .unwrap_or_else(|| format!("if{}", peer.index))
            })
        })
        .collect()
}

/// Runs `nsview leaks`: exit 0 when no probable leak is listed, 1 when one is.
pub fn run(config: &Config, source: crate::snapshot::Source) -> anyhow::Result<i32> {
    let scan = match source {
        crate::snapshot::Source::Live(scan) => scan,
        crate::snapshot::Source::File(path) => return run_saved(config, &path),
    };
    // Command lines only for the holders the report names (read by the enrichment step),
    // none for the namespaces' representatives, which the report does not name; and no
    // process owners, which it never shows.
    let scan = ScanOptions {
        all_commands: false,
        representative_commands: false,
        owners: false,
        ..scan
    };
    let mut snapshot = scan::scan(&scan)?;
    let found = facts::enrich(&mut snapshot, &scan.proc_root, |a| config.selects(a));
    let selected = select(&snapshot, &found.claims, config);
    report(&snapshot, &selected, &found, config)
}

/// `nsview leaks --from FILE`: the saved scan and the facts saved with it (`snapshot
/// --details`); nothing is read from this host.
fn run_saved(config: &Config, path: &Path) -> anyhow::Result<i32> {
    let file = crate::snapshot::load(path).map_err(|e| Exit::failure(format!("{e:#}")))?;
    if !file.has_details {
        return Err(Exit::failure(format!(
            "{}: taken without --details, which leaks needs (claims, contents, ages)",
            path.display()
        ))
        .into());
    }
    let snapshot = file.scan;
    let found = file.leak_facts.into_facts();
    let selected = select(&snapshot, &found.claims, config);
    report(&snapshot, &selected, &found, config)
}

/// Writes the report of the selected namespaces (JSON or text) and the partial-view note, the
/// same for a live scan and a saved one; exit 1 when a probable leak is among them.
fn report(
    snapshot: &Snapshot,
    selected: &[Assessment],
    found: &Facts,
    config: &Config,
) -> anyhow::Result<i32> {
    let text = if config.json {
        json(snapshot, selected, found)?
    } else {
        render(snapshot, selected, found)
    };
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .context("writing the report")?;
    out.flush().context("writing the report")?;
    if let Some(note) = snapshot.partial_view_note()
        && !config.json
    {
        eprintln!("nsview: {note}");
    }
    Ok(i32::from(
        selected.iter().any(|a| a.verdict.is_probable_leak()),
    ))
}

fn json(snapshot: &Snapshot, selected: &[Assessment], facts: &Facts) -> anyhow::Result<String> {
    let namespaces = selected
        .iter()
        .map(|a| {
            let details = facts.contents.get(&a.inode);
            Entry {
                assessment: a,
                summary: a.summary(),
                probable_leak: a.verdict.is_probable_leak(),
                age: facts.ages.get(&a.inode),
                host_veth_ends: details
                    .map(|d| host_veth_ends(snapshot, d))
                    .unwrap_or_default(),
                holds: details.map(|d| &d.details),
                unavailable: details.map(|d| d.unavailable.clone()).unwrap_or_default(),
            }
        })
        .collect();
    let document = Document {
        namespaces,
        probable_leaks: selected
            .iter()
            .filter(|a| a.verdict.is_probable_leak())
            .count(),
        partial_view: snapshot.partial_view_note(),
    };
    let mut text = serde_json::to_string_pretty(&document).context("encoding JSON")?;
    text.push('\n');
    Ok(text)
}

/// A holder in words, host strings escaped for the terminal.
pub fn describe_holder(snapshot: &Snapshot, kind: NsKind, holder: &Holder) -> String {
    // A command line that is not UTF-8 is escaped from its bytes, as lsns does (`caf\xe9`).
    let command = |pid| {
        snapshot
            .process(pid)
            .map(|p| match &p.command_bytes {
                Some(bytes) => format!(" ({})", crate::text::safe_encode(bytes)),
                None => format!(" ({})", safe(&p.command)),
            })
            .unwrap_or_default()
    };
    let ns_label = |inode: Inode| {
        let kind = snapshot.namespace(inode).map_or("?", |n| n.kind.name());
        format!("{kind}:[{inode}]")
    };
    match holder {
        Holder::BindMount { mnt_ns, path, .. } => {
            let whose = match mnt_ns {
                Some(m) if Some(*m) == snapshot.self_links.get(NsKind::Mnt) => {
                    format!("{}, nsview's own", NsKind::Mnt.label(*m))
                }
                Some(m) => NsKind::Mnt.label(*m).to_string(),
                None => "an unknown mount namespace".into(),
            };
            format!("bind mount {} (in {whose})", safe(path))
        }
        Holder::Fd { pid, fd } => format!("fd {fd} of pid {pid}{}", command(*pid)),
        Holder::Socket { pid, fd } => format!("socket fd {fd} of pid {pid}{}", command(*pid)),
        Holder::Thread { pid, tid } => format!("thread {tid} of pid {pid}{}", command(*pid)),
        Holder::ForChildren { pid } => {
            format!("{kind}_for_children of pid {pid}{}", command(*pid))
        }
        Holder::Child { inode } => format!("child namespace {}", ns_label(*inode)),
        Holder::Owned { inode } => format!("owns {}", ns_label(*inode)),
    }
}

/// "3d 4h", "12m 5s": the largest two units.
pub fn duration(seconds: i64) -> String {
    let s = seconds.max(0);
    let parts = [
        (s / 86400, "d"),
        (s / 3600 % 24, "h"),
        (s / 60 % 60, "m"),
        (s % 60, "s"),
    ];
    let first = parts.iter().position(|(n, _)| *n > 0).unwrap_or(3);
    parts[first..]
        .iter()
        .take(2)
        .map(|(n, unit)| format!("{n}{unit}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// What a namespace still holds, in a few lines.
fn holds_lines(snapshot: &Snapshot, details: &NamespaceDetails) -> Vec<String> {
    match &details.details {
        KindDetails::Net(net) => {
            let host = snapshot.host_ns(NsKind::Net);
            let mut lines: Vec<String> = net
                .interfaces
                .iter()
                .map(|i| {
                    let mut line = safe(&i.name).into_owned();
                    if let Some(kind) = &i.kind {
                        line.push_str(&format!(" ({})", safe(kind)));
                    }
                    for a in &i.addresses {
                        line.push_str(&format!(" {a}"));
                    }
                    if let Some(peer) = &i.peer {
                        let name = peer
                            .name
                            .as_deref()
                            .map_or(format!("if{}", peer.index), |n| safe(n).into_owned());
                        match peer.netns {
                            Some(ns) if Some(ns) == host => {
                                line.push_str(&format!(", host end {name}"))
                            }
                            Some(ns) => line
                                .push_str(&format!(", peer {name} in {}", NsKind::Net.label(ns))),
                            None => line.push_str(&format!(", peer {name}")),
                        }
                    }
                    line
                })
                .collect();
            if lines.is_empty() {
                lines.push("no interfaces".into());
            }
            lines
        }
        KindDetails::Mnt(m) if m.mounts > 0 => vec![format!("{} mounts", m.mounts)],
        other => crate::show::kind_rows(snapshot, other)
            .into_iter()
            .map(|(label, value)| {
                if label.is_empty() {
                    format!("  {}", safe(&value))
                } else {
                    format!("{label}: {}", safe(&value))
                }
            })
            .collect(),
    }
}

/// The readable report.
pub fn render(snapshot: &Snapshot, selected: &[Assessment], facts: &Facts) -> String {
    let mut out = String::new();
    if selected.is_empty() {
        out.push_str("no namespaces without processes\n");
        return out;
    }
    let now = now();
    for a in selected {
        let leak = if a.verdict.is_probable_leak() {
            "  (probable leak)"
        } else {
            ""
        };
        out.push_str(&format!(
            "{}  {}{leak}\n",
            a.kind.label(a.inode),
            a.summary()
        ));
        let mut row = |label: &str, value: String| {
            out.push_str(&format!("  {label:<11}{value}\n"));
        };
        if let Some(id) = a.ns_id {
            row("ns id", id.to_string());
        }
        let mut first = true;
        for h in &a.holders {
            row(
                if first { "held by" } else { "" },
                describe_holder(snapshot, a.kind, &h.holder),
            );
            first = false;
        }
        if first {
            row("held by", "nothing nsview can see".into());
        }
        let claimed = match a.claims.first() {
            Some(c) => format!("{} ({})", safe(&c.by), safe(&c.how)),
            None => "nobody".into(),
        };
        row("claimed by", claimed);
        for p in &a.patterns {
            row(
                "pattern",
                format!("{} looks made by {}", safe(&p.path), p.made_by),
            );
        }
        if let Some(age) = facts.ages.get(&a.inode) {
            if let Some(t) = age.pinned_since {
                row("age", format!("at least {} (pin)", duration(now - t)));
            }
            for s in &age.holders_started {
                row(
                    "holder",
                    format!("pid {} started {} ago", s.pid, duration(now - s.since)),
                );
            }
        }
        if let Some(details) = facts.contents.get(&a.inode) {
            let mut first = true;
            for line in holds_lines(snapshot, details) {
                row(if first { "holds" } else { "" }, line);
                first = false;
            }
            // Said, so that an "(empty)" above is not taken for a fact.
            let mut first = true;
            for why in &details.unavailable {
                row(
                    if first { "unreadable" } else { "" },
                    safe(why).into_owned(),
                );
                first = false;
            }
        }
    }
    let leaks = selected
        .iter()
        .filter(|a| a.verdict.is_probable_leak())
        .count();
    let plural = |n: usize, one: &'static str, many: &'static str| if n == 1 { one } else { many };
    out.push_str(&format!(
        "{} {} without processes, {leaks} probable {}\n",
        selected.len(),
        plural(selected.len(), "namespace", "namespaces"),
        plural(leaks, "leak", "leaks")
    ));
    out
}

pub use facts::{claims as claims_for, show_line};

/// Puts `leak  <verdict>` under the `processes` row of `show`'s text report.
pub fn with_leak_row(report: String, leak: Option<&str>) -> String {
    let Some(leak) = leak else {
        return report;
    };
    let mut out = String::with_capacity(report.len() + 64);
    let mut done = false;
    for line in report.split_inclusive('\n') {
        out.push_str(line);
        if !done && line.starts_with("processes ") {
            out.push_str(&format!("{:<14}{}\n", "leak", safe(leak)));
            done = true;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn show_gets_its_leak_row_under_processes() {
        let report = "net:[5]\nprocesses     0\nns id         7\n".to_string();
        assert_eq!(
            with_leak_row(report.clone(), Some("held by process 4 (a\u{1b}b)")),
            "net:[5]\nprocesses     0\nleak          held by process 4 (a\\x1bb)\nns id         7\n"
        );
        assert_eq!(with_leak_row(report.clone(), None), report);
    }

    #[test]
    fn renders_text_from_a_built_snapshot() {
        let mut snapshot = Snapshot::default();
        snapshot.self_links.current[NsKind::Mnt.index()] = crate::model::Link::Ns(1);
        let mut pinned = crate::model::Namespace::new(11, NsKind::Net);
        pinned.ns_id = Some(99);
        pinned.holders.push(Holder::BindMount {
            mnt_ns: Some(1),
            path: "/run/netns/cni-0b1c2d3e-1111-2222-3333-444455556666".into(),
            via_pid: None,
        });
        let mut kept = crate::model::Namespace::new(12, NsKind::User);
        kept.holders.push(Holder::Child { inode: 13 });
        snapshot.namespaces.insert(11, pinned);
        snapshot.namespaces.insert(12, kept);
        snapshot
            .namespaces
            .insert(13, crate::model::Namespace::new(13, NsKind::User));
        let mut facts = Facts::default();
        facts.ages.insert(
            11,
            Age {
                pinned_since: Some(now() - 125),
                holders_started: vec![],
            },
        );
        let config = Config {
            kinds: [NsKind::Net, NsKind::User].into_iter().collect(),
            ..Config::default()
        };
        let selected = select(&snapshot, &Claims::new(), &config);
        let text = render(&snapshot, &selected, &facts);
        let want = [
            "net:[11]  pinned, unclaimed  (probable leak)",
            "  ns id      99",
            "  held by    bind mount /run/netns/cni-0b1c2d3e-1111-2222-3333-444455556666 (in mnt:[1], nsview's own)",
            "  claimed by nobody",
            "  pattern    /run/netns/cni-0b1c2d3e-1111-2222-3333-444455556666 looks made by cni",
        ];
        for line in want {
            assert!(
                text.lines().any(|l| l == line),
                "missing {line:?} in\n{text}"
            );
        }
        assert!(text.contains("  age        at least 2m "), "{text}");
        assert!(
            text.contains("user:[12]  kept by child namespaces\n"),
            "{text}"
        );
        assert!(
            text.contains("  held by    child namespace user:[13]\n"),
            "{text}"
        );
        assert!(
            text.ends_with("3 namespaces without processes, 1 probable leak\n"),
            "{text}"
        );
        let only = Config {
            verdicts: [Verdict::KeptByChildren].into_iter().collect(),
            ..Config::default()
        };
        assert_eq!(select(&snapshot, &Claims::new(), &only).len(), 1);
    }

    #[test]
    fn durations_read_well() {
        assert_eq!(duration(0), "0s");
        assert_eq!(duration(65), "1m 5s");
        assert_eq!(duration(3 * 86400 + 4 * 3600 + 5), "3d 4h");
        assert_eq!(duration(-5), "0s");
    }
}
