//! A snapshot kept current as things happen: the machinery under `nsview watch` and the UI.
//!
//! [`Watcher`] keeps a snapshot current from the kernel's process events ([`events`]: fork,
//! exec, exit over the proc connector), re-reading only the processes an event named and
//! patching the snapshot ([`patch`]), plus a periodic full scan (the reconcile) for what no
//! process event announces: bind mounts, fds, sockets, relations, and setns(2)/unshare(2) by a
//! process that has not forked, executed or exited since. Each step says what it updated
//! ([`Update`]); a face turns that into what it shows (watch: the changes as `nsview diff`
//! reports them; the UI: a new snapshot, at most so often, see [`debounce`]). Without process
//! events (refused without CAP_NET_ADMIN on older kernels, or outside the initial network
//! namespace) it polls: a full scan every reconcile interval.

pub mod debounce;
pub mod events;
pub mod patch;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use serde::Serialize;

use crate::model::{Pid, Snapshot};
use crate::scan::{self, ScanOptions};

/// How long a batch keeps collecting after its first event: a fork is usually followed by its
/// exec (and the unshare or setns between them) within microseconds, so one re-read sees the
/// settled state, and a burst costs one patch, not hundreds.
const SETTLE: Duration = Duration::from_millis(10);
/// While events keep coming (a batch within BUSY of the last), a batch collects this long:
/// on a busy host each batch costs wakeups, re-reads and a patch, and at most 20 a second
/// keep that bounded, for 40 ms more latency at worst (the UI shows a burst 100 ms after it
/// began anyway).
const BUSY_SETTLE: Duration = Duration::from_millis(50);
const BUSY: Duration = Duration::from_millis(200);

/// A change of our mount table is reconciled at once (`ip netns add` mounts, then exits): a
/// bind-mounted namespace shows with its pin instead of at the next periodic reconcile.
/// While mounts keep changing (containers starting), the reconciles they bring cost at most
/// 1/MOUNT_SHARE of a core: after one, the next waits for MOUNT_SHARE times its CPU time.
const MOUNT_SHARE: u32 = 10;

/// Where a step's update came from.
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

/// What one step changed in the watcher's state.
#[derive(Debug)]
pub enum Update {
    /// Nothing (no event before the limit, or events that changed nothing the state holds).
    None,
    /// Events patched the state: the touched part before and after (see [`patch::part`]), and
    /// what was touched.
    Patched {
        before: Box<Snapshot>,
        after: Box<Snapshot>,
        touched: patch::Touched,
    },
    /// A full scan replaced the state; this is the state it replaced.
    Scanned { before: Box<Snapshot> },
}

/// One step: how it was seen, and what it changed.
#[derive(Debug)]
pub struct Step {
    pub via: Via,
    pub update: Update,
}

/// A snapshot kept current by process events and periodic full scans.
pub struct Watcher {
    full: ScanOptions,
    reread: ScanOptions,
    events: Option<events::ProcEvents>,
    every: Duration,
    /// Some(n): the time between reconciles stretches beyond `every` so that they cost at
    /// most 1/n of a core (see [`Watcher::with_budget`]).
    budget: Option<u32>,
    /// The CPU time of the last full scan (the whole process's, as it runs on several
    /// threads), and when it ended.
    last_cost: Duration,
    last_full: Instant,
    next_full: Instant,
    /// The next full scan is for a change of our mount table; and the earliest another such
    /// scan may start (see MOUNT_SHARE).
    mounts_changed: bool,
    mounts_quiet_until: Instant,
    /// When the last batch of events came (for BUSY_SETTLE).
    last_batch: Option<Instant>,
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
        Ok((Watcher::start_with(options, every, events)?, why))
    }

    /// As [`Watcher::start`] with a subscription made by the caller (the UI subscribes on its
    /// own thread to learn at once whether events are available, then scans on another);
    /// None polls.
    pub fn start_with(
        options: ScanOptions,
        every: Duration,
        events: Option<events::ProcEvents>,
    ) -> Result<Watcher> {
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
        let cpu = process_cpu_time();
        let state = patch::settle(scan::scan(&options)?);
        Ok(Watcher {
            full: options,
            reread,
            events,
            every,
            budget: None,
            last_cost: process_cpu_time().saturating_sub(cpu),
            last_full: Instant::now(),
            next_full: Instant::now() + every,
            mounts_changed: false,
            mounts_quiet_until: Instant::now(),
            last_batch: None,
            state,
        })
    }

    /// Keeps the reconciles within 1/`share` of one core: the time between them is `every`
    /// or `share` times the last full scan's CPU time, whichever is longer. A host ten times
    /// the size then costs the same at rest, and sees fds, sockets and setns(2) without a
    /// fork later (bind mounts in our own mount namespace still show at once).
    pub fn with_budget(mut self, share: u32) -> Watcher {
        self.budget = Some(share.max(1));
        self.next_full = self.last_full + self.period();
        self
    }

    /// The time between reconciles now: `every`, or what the budget stretches it to.
    pub fn period(&self) -> Duration {
        match self.budget {
            Some(share) => self.every.max(self.last_cost.saturating_mul(share)),
            None => self.every,
        }
    }

    /// True when driven by process events (not polling).
    pub fn has_events(&self) -> bool {
        self.events.is_some()
    }

    /// The current state.
    pub fn snapshot(&self) -> &Snapshot {
        &self.state
    }

    /// The options of the full scans.
    pub fn options(&self) -> &ScanOptions {
        &self.full
    }

    /// Makes the next step a full scan (a user's "rescan now").
    pub fn rescan_now(&mut self) {
        self.next_full = Instant::now();
    }

    /// Sets the time between full scans, counted from now, exactly: an interval someone
    /// chose is not stretched by a budget.
    pub fn set_every(&mut self, every: Duration) {
        self.every = every;
        self.budget = None;
        self.next_full = Instant::now() + every;
    }

    /// When the next full scan is due.
    pub fn next_full(&self) -> Instant {
        self.next_full
    }

    /// Waits for the next change of state (events, or the full scan when it is due).
    pub fn step(&mut self) -> Result<Step> {
        self.step_within(Duration::MAX)
    }

    /// As [`Watcher::step`], waiting at most `limit` (so a caller can look at its own
    /// requests in between); [`Update::None`] when nothing changed by then.
    pub fn step_within(&mut self, limit: Duration) -> Result<Step> {
        let wait = self
            .next_full
            .saturating_duration_since(Instant::now())
            .min(limit);
        if let Some(events) = &mut self.events {
            let busy = self.last_batch.is_some_and(|at| at.elapsed() < BUSY);
            let batch = events
                .wait(wait, if busy { BUSY_SETTLE } else { SETTLE })
                .context("reading process events")?;
            if !batch.is_empty() {
                self.last_batch = Some(Instant::now());
            }
            // Events were lost: only a full scan knows what happened.
            let mut scan_now = batch.overrun;
            if batch.mounts {
                // Bind mounts come and go without a process event: reconcile at once, but
                // under constant mount churn no more often than MOUNT_SHARE allows.
                self.mounts_changed = true;
                if self.mounts_quiet_until <= Instant::now() {
                    // The scan also sees what the batch's processes did, and the pin with
                    // it: a patch first would report a pinned namespace gone as its last
                    // process left (`ip netns add` exits right after mounting).
                    scan_now = true;
                } else {
                    self.next_full = self.next_full.min(self.mounts_quiet_until);
                }
            }
            if scan_now {
                self.next_full = Instant::now();
            } else if !batch.changed.is_empty() || !batch.exited.is_empty() {
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
                let after = patch::part(&self.state, &touched);
                let update = if before == after {
                    Update::None
                } else {
                    Update::Patched {
                        before: Box::new(before),
                        after: Box::new(after),
                        touched,
                    }
                };
                return Ok(Step {
                    via: Via::Event,
                    update,
                });
            }
        } else {
            std::thread::sleep(wait);
        }
        if Instant::now() < self.next_full {
            return Ok(Step {
                via: Via::Event,
                update: Update::None,
            });
        }
        // Due before scanning: a failing scan is retried at the next interval, not at once
        // in a loop.
        self.next_full = Instant::now() + self.period();
        let cpu = process_cpu_time();
        let next = patch::settle(scan::scan(&self.full)?);
        self.last_cost = process_cpu_time().saturating_sub(cpu);
        self.last_full = Instant::now();
        self.next_full = self.last_full + self.period();
        if std::mem::take(&mut self.mounts_changed) {
            self.mounts_quiet_until = self.last_full + self.last_cost.saturating_mul(MOUNT_SHARE);
        }
        let before = std::mem::replace(&mut self.state, next);
        let via = if self.events.is_some() {
            Via::Reconcile
        } else {
            Via::Poll
        };
        Ok(Step {
            via,
            update: Update::Scanned {
                before: Box::new(before),
            },
        })
    }
}

/// The CPU time this process has used (all its threads: a full scan runs on several).
fn process_cpu_time() -> Duration {
    use nix::time::{ClockId, clock_gettime};
    clock_gettime(ClockId::CLOCK_PROCESS_CPUTIME_ID).map_or(Duration::ZERO, Duration::from)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn watcher() -> Watcher {
        let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/basic/proc");
        Watcher::start_with(
            ScanOptions::for_root(Some(root)),
            Duration::from_secs(60),
            None,
        )
        .expect("scan of the fixture tree")
    }

    #[test]
    fn a_budget_stretches_the_reconcile_only_beyond_its_floor() {
        let every = Duration::from_secs(60);
        let table = [
            // (last scan's CPU time, budget share, period)
            (Duration::from_millis(100), Some(200), every),
            (Duration::from_millis(300), Some(200), every),
            (
                Duration::from_millis(500),
                Some(200),
                Duration::from_secs(100),
            ),
            (Duration::from_secs(2), Some(200), Duration::from_secs(400)),
            (Duration::from_secs(2), None, every),
        ];
        for (cost, share, period) in table {
            let mut w = watcher();
            if let Some(share) = share {
                w = w.with_budget(share);
            }
            w.last_cost = cost;
            assert_eq!(w.period(), period, "{cost:?} at 1/{share:?}");
        }
    }

    #[test]
    fn an_interval_set_by_hand_is_kept_exactly() {
        let mut w = watcher().with_budget(200);
        w.last_cost = Duration::from_secs(2);
        assert_eq!(w.period(), Duration::from_secs(400));
        w.set_every(Duration::from_secs(30));
        assert_eq!(w.period(), Duration::from_secs(30));
        let due = w.next_full().saturating_duration_since(Instant::now());
        assert!(
            due <= Duration::from_secs(30) && due > Duration::from_secs(29),
            "{due:?}"
        );
    }

    #[test]
    fn the_first_scan_is_timed_and_the_next_one_due_a_period_later() {
        let w = watcher().with_budget(200);
        assert!(w.last_cost > Duration::ZERO, "a scan costs some CPU time");
        let due = w.next_full().saturating_duration_since(w.last_full);
        assert_eq!(due, w.period());
    }
}
