//! `nsview watch`: namespace events as they happen, one line each (text or JSON lines).
//!
//! The machinery is a library piece: [`Watcher`] keeps a snapshot current from the kernel's
//! process events ([`events`]: fork, exec, exit over the proc connector), re-reading only the
//! processes an event named and patching the snapshot ([`patch`]), plus a periodic full scan
//! (the reconcile) for what no process event announces: bind mounts, fds, sockets, relations,
//! and setns(2)/unshare(2) by a process that has not forked, executed or exited since. Each
//! step yields the [`Change`]s between the state before and after, as `nsview diff` reports
//! them. Without process events (refused without CAP_NET_ADMIN on older kernels, or outside
//! the initial network namespace) it polls: a full scan every reconcile interval.

pub mod events;
pub mod patch;

use std::collections::BTreeSet;
use std::io::Write;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use serde::Serialize;

use crate::model::{Inode, NsKind, Pid, Snapshot};
use crate::scan::{self, ScanOptions};
use crate::snapshot::diff::{Change, diff_scans};

/// How long a batch keeps collecting after its first event: a fork is usually followed by its
/// exec (and the unshare or setns between them) within microseconds, so one re-read sees the
/// settled state, and a burst costs one patch, not hundreds.
const SETTLE: Duration = Duration::from_millis(10);

/// Where a step's changes came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Via {
    /// A process event and the re-read of the processes it named.
    Event,
    /// The periodic full scan next to events.
    Reconcile,
    /// A full scan in place of events (they are unavailable).
    Poll,
}

/// A snapshot kept current by process events and periodic full scans.
pub struct Watcher {
    full: ScanOptions,
    reread: ScanOptions,
    events: Option<events::ProcEvents>,
    every: Duration,
    next_full: Instant,
    state: Snapshot,
}

impl Watcher {
    /// Subscribes to process events (unless `poll`), then takes the first full scan, so that
    /// nothing between the two is missed. The error of a failed subscription is returned beside
    /// the watcher, which then polls.
    pub fn start(
        options: ScanOptions,
        every: Duration,
        poll: bool,
    ) -> Result<(Watcher, Option<std::io::Error>)> {
        let (events, why) = if poll {
            (None, None)
        } else {
            match events::ProcEvents::open() {
                Ok(events) => (Some(events), None),
                Err(err) => (None, Some(err)),
            }
        };
        let reread = ScanOptions {
            threads: false,
            fds: false,
            sockets: false,
            mounts: false,
            relations: false,
            all_commands: false,
            workers: 1,
            ..options.clone()
        };
        let state = patch::settle(scan::scan(&options)?);
        Ok((
            Watcher {
                full: options,
                reread,
                events,
                every,
                next_full: Instant::now() + every,
                state,
            },
            why,
        ))
    }

    /// True when driven by process events (not polling).
    pub fn has_events(&self) -> bool {
        self.events.is_some()
    }

    /// The current state.
    pub fn snapshot(&self) -> &Snapshot {
        &self.state
    }

    /// Makes the next step a full scan (a user's "rescan now").
    pub fn rescan_now(&mut self) {
        self.next_full = Instant::now();
    }

    /// Waits for the next change of state (events, or the full scan when it is due) and
    /// returns what changed; an empty list when a step found nothing new.
    pub fn step(&mut self) -> Result<(Via, Vec<Change>)> {
        self.step_within(Duration::MAX)
    }

    /// As [`Watcher::step`], waiting at most `limit` (so a caller can look at its own
    /// requests in between).
    pub fn step_within(&mut self, limit: Duration) -> Result<(Via, Vec<Change>)> {
        let wait = self
            .next_full
            .saturating_duration_since(Instant::now())
            .min(limit);
        if let Some(events) = &mut self.events {
            let batch = events
                .wait(wait, SETTLE)
                .context("reading process events")?;
            if batch.overrun {
                // Events were lost: only a full scan knows what happened.
                self.next_full = Instant::now();
            } else if !batch.is_empty() {
                let pids: Vec<Pid> = batch.changed.iter().copied().collect();
                let fresh = scan::read_processes(&self.reread, &pids)?;
                let mut gone = batch.exited.clone();
                let found: BTreeSet<Pid> = fresh.iter().map(|p| p.pid).collect();
                gone.extend(pids.iter().filter(|pid| !found.contains(pid)));
                // In place, touching only what the batch named: a busy machine sends many
                // small batches, and a 5,000-process state must not be copied for each.
                let (before, touched) = patch::apply(&mut self.state, fresh, &gone);
                if self.full.relations && self.full.is_live() {
                    learn_ids(&before, &mut self.state, &touched, &self.full.proc_root);
                }
                let changes = diff_scans(&before, &patch::part(&self.state, &touched), None);
                return Ok((Via::Event, changes));
            }
        } else {
            std::thread::sleep(wait);
        }
        if Instant::now() < self.next_full {
            return Ok((Via::Event, Vec::new()));
        }
        let next = patch::settle(scan::scan(&self.full)?);
        let changes = diff_scans(&self.state, &next, None);
        self.state = next;
        self.next_full = Instant::now() + self.every;
        let via = if self.events.is_some() {
            Via::Reconcile
        } else {
            Via::Poll
        };
        Ok((via, changes))
    }
}

/// Asks NS_GET_ID of the namespaces a patch may have confused: new ones, and those whose
/// members were all replaced in one batch. nsfs reuses an inode at once, so a namespace that
/// died and a new one that took its inode within one batch look like one namespace whose
/// members changed; their ids tell them apart, and a new id makes it a new namespace (gone and
/// created in the diff). One open and one ioctl per such namespace, through a member's link,
/// checked to still be that inode.
fn learn_ids(
    base: &Snapshot,
    next: &mut Snapshot,
    touched: &patch::Touched,
    proc_root: &std::path::Path,
) {
    use crate::kernel::nsfs;
    for inode in &touched.inodes {
        let Some(ns) = next.namespaces.get_mut(inode) else {
            continue;
        };
        let Some(&pid) = ns.members.first() else {
            continue;
        };
        let before = base.namespace(ns.inode);
        let suspect = match before {
            None => true,
            Some(old) => {
                old.kind != ns.kind
                    || (!old.members.is_empty()
                        && !old
                            .members
                            .iter()
                            .any(|p| ns.members.binary_search(p).is_ok()))
            }
        };
        if !suspect {
            continue;
        }
        let Ok(file) = nsfs::open_proc_link(proc_root, pid, ns.kind) else {
            continue;
        };
        if file.identity.inode != ns.inode {
            continue; // the process moved again since it was read; the next event says so
        }
        let id = file.identity.ns_id;
        if let (Some(old), Some(new)) = (before.and_then(|b| b.ns_id), id)
            && old != new
        {
            // A new namespace on a reused inode: nothing of the old one carries over.
            ns.holders
                .retain(|h| matches!(h, crate::model::Holder::ForChildren { .. }));
            ns.parent = None;
            ns.owner = None;
            ns.owner_uid = None;
            ns.nsfs_paths.clear();
        }
        if id.is_some() {
            ns.ns_id = id;
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
    /// Time between full rescans.
    pub reconcile: Duration,
    pub poll: bool,
}

/// Runs `nsview watch` until interrupted (or stdout closes: exit 0).
pub fn run(config: &Config, scan: ScanOptions) -> Result<i32> {
    let filter = Filter {
        types: config.types.clone(),
        namespace: config.namespace,
    };
    let every = config.reconcile;
    let seconds = every.as_secs_f64();
    let (mut watcher, why) = Watcher::start(scan, every, config.poll)?;
    if let Some(err) = why {
        eprintln!(
            "nsview: process events unavailable ({err}; older kernels want CAP_NET_ADMIN, all want \
             the initial network namespace): polling, a full scan every {seconds} s"
        );
    } else if config.poll {
        eprintln!("nsview: polling, a full scan every {seconds} s");
    } else {
        // Said once the subscription and the first scan are done: from here on nothing is
        // missed (scripts and tests wait for this line before acting).
        eprintln!("nsview: watching process events, a full scan every {seconds} s");
    }
    let mut out = std::io::stdout().lock();
    loop {
        let (via, changes) = watcher.step()?;
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
