//! `nsview watch`: namespace events as they happen, one line each (text or JSON lines).
//!
//! The machinery is [`crate::live`]: a snapshot kept current by process events, targeted
//! re-reads and a periodic full reconcile (or polling without events). This face turns each
//! step's update into the [`Change`]s between before and after, as `nsview diff` reports them,
//! filters and prints them.
//!
//! Of the contents `nsview diff` compares, the hostname is reported ([`Hostnames`]): reading
//! one is a uname(2) inside the namespace, cheap enough to redo for each namespace a step
//! touched. sethostname(2) sends no event, so a new name is seen at the namespace's next
//! fork, exec or exit, or at the reconcile. Interfaces and addresses are not: reading them
//! means a netlink dump inside every network namespace at each reconcile (and rtnetlink's
//! own events per namespace to be timely), which is `nsview diff` on two `--details`
//! snapshots' job; uid and gid maps are written once, before the namespace is used.

use std::collections::BTreeMap;
use std::io::Write;
use std::time::Duration;

use anyhow::{Context, Result};
use serde::Serialize;

pub use crate::live::{Step, Update};
pub use crate::live::{Via, Watcher};
use crate::model::{Inode, NsKind};
use crate::scan::ScanOptions;
use crate::snapshot::diff::{Change, NsRef, diff_scans};

/// What a step changed, as `nsview diff` reports it (empty when nothing did).
pub fn changes(watcher: &Watcher, step: &Step) -> Vec<Change> {
    match &step.update {
        Update::None => Vec::new(),
        Update::Patched { before, after, .. } => diff_scans(before, after, None),
        Update::Scanned { before } => diff_scans(before, watcher.snapshot(), None),
    }
}

/// The hostnames of the UTS namespaces other than the host's, as last read, to report a
/// change: read again for each UTS namespace a step touched, and for every one at the periodic
/// reconcile. A full scan that a mount brought (they can come every second on a busy host)
/// reads only the namespaces it found new: reading them all each time, one setns(2) apiece,
/// held up the events behind it.
#[derive(Debug)]
pub struct Hostnames {
    names: BTreeMap<Inode, String>,
    /// When every hostname was last read.
    all_read: std::time::Instant,
}

impl Default for Hostnames {
    fn default() -> Self {
        Hostnames {
            names: BTreeMap::new(),
            all_read: std::time::Instant::now(),
        }
    }
}

impl Hostnames {
    /// Appends a `hostname` content change for each touched namespace whose name is not the
    /// one read before. A namespace read for the first time (new, or gone and created again
    /// on a reused inode, see `changes`) is only recorded.
    pub fn update(&mut self, watcher: &Watcher, step: &Step, changes: &mut Vec<Change>) {
        if matches!(step.update, Update::None) {
            return;
        }
        let snapshot = watcher.snapshot();
        self.names
            .retain(|inode, _| snapshot.namespaces.contains_key(inode));
        for change in changes.iter() {
            if let Change::NamespaceCreated { ns, .. } | Change::NamespaceGone { ns, .. } = change {
                self.names.remove(&ns.inode);
            }
        }
        let inodes: Vec<Inode> = match &step.update {
            Update::None => Vec::new(),
            Update::Patched { touched, .. } => touched.inodes.iter().copied().collect(),
            Update::Scanned { .. } if self.all_read.elapsed() >= watcher.period() => {
                self.all_read = std::time::Instant::now();
                snapshot.namespaces.keys().copied().collect()
            }
            Update::Scanned { .. } => snapshot
                .namespaces
                .keys()
                .filter(|inode| !self.names.contains_key(inode))
                .copied()
                .collect(),
        };
        self.read(watcher, inodes, changes);
    }

    /// Reads every UTS namespace's hostname once, reporting nothing: the names later steps
    /// compare with (done before `watch` says it is ready).
    pub fn prime(&mut self, watcher: &Watcher) {
        let inodes = watcher.snapshot().namespaces.keys().copied().collect();
        self.read(watcher, inodes, &mut Vec::new());
        self.all_read = std::time::Instant::now();
    }

    /// Reads the hostnames of these namespaces (the UTS ones, not the host's), appending a
    /// change for each that differs from the name read before.
    fn read(&mut self, watcher: &Watcher, inodes: Vec<Inode>, changes: &mut Vec<Change>) {
        let snapshot = watcher.snapshot();
        let host = snapshot.host_ns(NsKind::Uts);
        for inode in inodes {
            let Some(ns) = snapshot.namespace(inode) else {
                continue;
            };
            if ns.kind != NsKind::Uts || Some(inode) == host {
                continue;
            }
            // Unreadable now (no member left to enter it through): no news, not a change.
            let Some(name) =
                crate::details::hostname_of(snapshot, ns, &watcher.options().proc_root)
            else {
                continue;
            };
            if let Some(old) = self.names.insert(inode, name.clone())
                && old != name
            {
                changes.push(Change::ContentChanged {
                    ns: NsRef::of(ns),
                    what: "hostname".into(),
                    before: serde_json::Value::String(old),
                    after: serde_json::Value::String(name),
                });
            }
        }
    }
}

/// Which changes to print: validated from `-t` and the NAMESPACE argument.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// Empty: every type.
    pub types: Vec<NsKind>,
    pub namespace: Option<(Option<NsKind>, Inode)>,
}

impl Filter {
    pub fn keeps(&self, change: &Change) -> bool {
        let ns = change.ns();
        (self.types.is_empty() || self.types.contains(&ns.kind))
            && self
                .namespace
                .is_none_or(|(kind, inode)| inode == ns.inode && kind.is_none_or(|k| k == ns.kind))
    }
}

/// The JSON line: the change with when and how it was seen.
#[derive(Serialize)]
struct Line<'a> {
    /// Seconds since the Unix epoch, with microseconds.
    time: f64,
    via: Via,
    #[serde(flatten)]
    change: &'a Change,
}

fn now_epoch() -> Duration {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
}

/// `nsview watch`'s validated options (built by [`crate::config::watch`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    pub json: bool,
    /// Only events about namespaces of these types; empty: all.
    pub types: Vec<NsKind>,
    /// Only events about this namespace (and the type its link text named).
    pub namespace: Option<(Option<NsKind>, Inode)>,
    /// Time between full rescans; None: [`RECONCILE`], stretched to [`RECONCILE_SHARE`].
    pub reconcile: Option<Duration>,
    pub poll: bool,
}

/// The time between full rescans without `--reconcile`.
pub const RECONCILE: Duration = Duration::from_secs(10);

/// Without `--reconcile`, rescans take at most 1/this of a core: on a host whose scan takes
/// 0.1 s of CPU (thousands of processes) they come every 10 s, at 0.5 s every 50 s. A watch
/// runs for days beside the workload; a fixed 10 s cost 6% of a core at 5,000 processes.
pub const RECONCILE_SHARE: u32 = 100;

/// Runs `nsview watch` until interrupted (or stdout closes: exit 0).
pub fn run(config: &Config, scan: ScanOptions) -> Result<i32> {
    let filter = Filter {
        types: config.types.clone(),
        namespace: config.namespace,
    };
    let (mut watcher, why) =
        Watcher::start(scan, config.reconcile.unwrap_or(RECONCILE), config.poll)?;
    if config.reconcile.is_none() {
        watcher = watcher.with_budget(RECONCILE_SHARE);
    }
    // The period as the first scan's cost set it (it follows each full scan's cost after).
    let period = format!("{:.1}", watcher.period().as_secs_f64());
    let period = period.trim_end_matches(".0");
    let every = match config.reconcile {
        Some(_) => format!("{period} s"),
        None => format!(
            "{period} s (at most {}% of a core; --reconcile sets it)",
            100.0 / f64::from(RECONCILE_SHARE)
        ),
    };
    // Hostnames are read (inside each UTS namespace) only when UTS events are wanted, and the
    // first pass is done before the ready line: a step must not wait for dozens of reads.
    let track_hostnames = filter.types.is_empty() || filter.types.contains(&NsKind::Uts);
    let mut hostnames = Hostnames::default();
    if track_hostnames {
        hostnames.prime(&watcher);
    }
    if let Some(err) = why {
        eprintln!(
            "nsview: process events unavailable ({err}; older kernels want CAP_NET_ADMIN, all want \
             the initial network namespace): polling, a full scan every {every}"
        );
    } else if config.poll {
        eprintln!("nsview: polling, a full scan every {every}");
    } else {
        // Said once the subscription and the first scan are done: from here on nothing is
        // missed (scripts and tests wait for this line before acting).
        eprintln!("nsview: watching process events, a full scan every {every}");
    }
    let mut out = std::io::stdout().lock();
    loop {
        let step = watcher.step()?;
        let via = step.via;
        let mut changes = changes(&watcher, &step);
        if track_hostnames {
            hostnames.update(&watcher, &step, &mut changes);
        }
        for change in changes.iter().filter(|c| filter.keeps(c)) {
            let mut line = if config.json {
                serde_json::to_string(&Line {
                    time: now_epoch().as_micros() as f64 / 1e6,
                    via,
                    change,
                })
                .context("encoding JSON")?
            } else {
                format!("{} {}", clock(now_epoch()), change.to_text())
            };
            line.push('\n');
            // One write per whole line, flushed at once: a reader never sees half a line,
            // and a closed pipe (`| head`) ends the watch quietly (exit 0, see error::report).
            out.write_all(line.as_bytes())
                .and_then(|()| out.flush())
                .context("writing an event")?;
        }
    }
}

/// `HH:MM:SS.mmm` (UTC) for text lines.
fn clock(t: Duration) -> String {
    let secs = t.as_secs() % 86_400;
    format!(
        "{:02}:{:02}:{:02}.{:03}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60,
        t.subsec_millis()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::diff::{NsRef, ProcRef};

    #[test]
    fn filters_by_type_and_namespace_and_clock_reads_utc() {
        let change = |kind, inode| Change::ProcessEntered {
            ns: NsRef {
                kind,
                inode,
                ns_id: None,
            },
            process: ProcRef {
                pid: 1,
                start_time: 0,
                comm: String::new(),
            },
        };
        let all = Filter::default();
        assert!(all.keeps(&change(NsKind::Net, 5)));
        let net = Filter {
            types: vec![NsKind::Net],
            namespace: None,
        };
        assert!(net.keeps(&change(NsKind::Net, 5)));
        assert!(!net.keeps(&change(NsKind::Uts, 5)));
        let one = Filter {
            types: vec![],
            namespace: Some((Some(NsKind::Net), 5)),
        };
        assert!(one.keeps(&change(NsKind::Net, 5)));
        assert!(!one.keeps(&change(NsKind::Net, 6)));
        assert!(!one.keeps(&change(NsKind::Uts, 5)));
        assert_eq!(
            clock(Duration::from_millis(86_400_000 + 3_723_004)),
            "01:02:03.004"
        );
    }
}
