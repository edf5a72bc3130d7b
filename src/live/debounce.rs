//! When to hand a [`super::Watcher`]'s updates on to a face that redraws (the UI): a burst of
//! events becomes one publish, `window` after its first update, and publishes never follow
//! each other closer than `budget` times what the last one cost (but at most `max_gap`, so a
//! change still shows within about `window + max_gap`), so a fork storm on a big machine
//! costs a bounded share of a core instead of a redraw per event. Minor updates (the caller
//! says which: for the UI, processes coming and going in the host's namespaces only, the
//! churn of any busy machine) wait for `minor_gap` after the previous publish instead: they
//! change nothing a namespace view is about. Pure: the caller passes the time.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use super::patch::Touched;
use crate::model::{Inode, Pid};

/// What has changed since the last publish.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pending {
    /// When the first of these updates came.
    pub since: Instant,
    /// Namespaces and processes events touched (see [`Touched`]).
    pub inodes: BTreeSet<Inode>,
    pub pids: BTreeSet<Pid>,
    /// A full scan replaced the state: everything may have changed.
    pub full: bool,
    /// Every update since the last publish was minor.
    pub minor: bool,
}

/// Collects updates and says when to publish them.
#[derive(Clone, Debug)]
pub struct Debounce {
    window: Duration,
    budget: u32,
    max_gap: Duration,
    minor_gap: Duration,
    last: Option<(Instant, Duration)>,
    pending: Option<Pending>,
}

impl Debounce {
    /// Publishes `window` after the first unpublished update, and at most one publish per
    /// `budget` times the previous publish's cost (10: publishing takes at most a tenth of
    /// the time while changes keep coming) or per `max_gap`, whichever is shorter.
    pub fn new(window: Duration, budget: u32, max_gap: Duration) -> Debounce {
        Debounce {
            window,
            budget,
            max_gap,
            minor_gap: max_gap,
            last: None,
            pending: None,
        }
    }

    /// Minor updates wait at least `gap` after the previous publish.
    pub fn with_minor_gap(mut self, gap: Duration) -> Debounce {
        self.minor_gap = gap;
        self
    }

    fn pending(&mut self, now: Instant) -> &mut Pending {
        self.pending.get_or_insert_with(|| Pending {
            since: now,
            inodes: BTreeSet::new(),
            pids: BTreeSet::new(),
            full: false,
            minor: true,
        })
    }

    /// Events patched the state; `minor` when the caller's view hardly cares (see the module
    /// documentation).
    pub fn note_patch(&mut self, now: Instant, touched: &Touched, minor: bool) {
        let pending = self.pending(now);
        pending.inodes.extend(touched.inodes.iter().copied());
        pending.pids.extend(touched.pids.iter().copied());
        pending.minor &= minor;
    }

    /// A full scan replaced the state. It is settled already: no window to wait out.
    pub fn note_full(&mut self, now: Instant) {
        let pending = self.pending(now);
        pending.full = true;
        pending.minor = false;
    }

    /// When the pending updates are to be published (None: nothing pending).
    pub fn due(&self) -> Option<Instant> {
        let pending = self.pending.as_ref()?;
        let settled = if pending.full {
            pending.since
        } else {
            pending.since + self.window
        };
        let spaced = self
            .last
            .map(|(at, cost)| {
                let gap = (cost * self.budget).min(self.max_gap);
                at + if pending.minor {
                    gap.max(self.minor_gap)
                } else {
                    gap
                }
            })
            .unwrap_or(settled);
        Some(settled.max(spaced))
    }

    /// The pending updates, if they are due at `now`.
    pub fn take(&mut self, now: Instant) -> Option<Pending> {
        if self.due()? > now {
            return None;
        }
        self.pending.take()
    }

    /// A publish happened at `at` and cost `cost` (reading names, copying, the face's own
    /// work on it, as far as the caller knows).
    pub fn published(&mut self, at: Instant, cost: Duration) {
        self.last = Some((at, cost));
    }
}

#[cfg(test)]
mod tests {
    use super::super::events::{Batch, parse_messages, test_message};
    use super::super::patch;
    use super::*;
    use crate::model::{Process, Snapshot};

    const WINDOW: Duration = Duration::from_millis(100);
    const GAP: Duration = Duration::from_millis(500);

    fn process(pid: Pid, uts: Inode) -> Process {
        patch::test_process(pid, uts, 'S')
    }

    /// The watcher's event path on fake events: netlink messages parsed into batches, the
    /// named processes "re-read" (here: looked up in a table of what /proc would say),
    /// patched into the state, and the updates debounced.
    struct Fake {
        state: Snapshot,
        debounce: Debounce,
        /// pid → its uts namespace, as a re-read would find it (absent: exited).
        proc: std::collections::BTreeMap<Pid, Inode>,
    }

    impl Fake {
        fn new() -> Fake {
            let state = patch::patch(&Snapshot::default(), vec![process(1, 10)], &BTreeSet::new());
            Fake {
                state,
                debounce: Debounce::new(WINDOW, 10, GAP),
                proc: [(1, 10)].into(),
            }
        }

        /// One datagram of events arriving at `now`.
        fn events(&mut self, now: Instant, messages: &[(u32, [u32; 4])]) {
            let mut bytes = Vec::new();
            for (what, data) in messages {
                bytes.extend(test_message(*what, *data));
            }
            let mut batch = Batch::default();
            parse_messages(&bytes, &mut batch).expect("parse");
            let fresh: Vec<Process> = batch
                .changed
                .iter()
                .filter_map(|pid| Some(process(*pid, *self.proc.get(pid)?)))
                .collect();
            let mut gone = batch.exited.clone();
            gone.extend(batch.changed.iter().filter(|p| !self.proc.contains_key(p)));
            let (before, touched) = patch::apply(&mut self.state, fresh, &gone);
            if before != patch::part(&self.state, &touched) {
                self.debounce.note_patch(now, &touched, false);
            }
        }
    }

    const FORK: u32 = 0x1;
    const EXEC: u32 = 0x2;
    const EXIT: u32 = 0x8000_0000;

    #[test]
    fn a_burst_of_events_is_one_publish_after_the_window() {
        let t0 = Instant::now();
        let mut fake = Fake::new();
        assert_eq!(fake.debounce.due(), None, "nothing pending at rest");
        // pid 50 forks, unshares its uts namespace (no event) and execs; then pid 60 forks
        // into the new namespace; all within 30 ms.
        fake.proc.insert(50, 11);
        fake.events(t0, &[(FORK, [1, 1, 50, 50])]);
        fake.events(t0 + Duration::from_millis(10), &[(EXEC, [50, 50, 0, 0])]);
        fake.proc.insert(60, 11);
        fake.events(t0 + Duration::from_millis(30), &[(FORK, [50, 50, 60, 60])]);
        assert_eq!(fake.debounce.due(), Some(t0 + WINDOW));
        assert_eq!(fake.debounce.take(t0 + Duration::from_millis(99)), None);
        let pending = fake
            .debounce
            .take(t0 + WINDOW)
            .expect("due after the window");
        assert!(!pending.full);
        assert_eq!(pending.pids, BTreeSet::from([50, 60]));
        assert_eq!(pending.inodes, BTreeSet::from([11]));
        assert_eq!(
            fake.state.namespace(11).map(|n| n.members.clone()),
            Some(vec![50, 60])
        );
        fake.debounce
            .published(t0 + WINDOW, Duration::from_millis(2));
        assert_eq!(fake.debounce.due(), None);

        // Both exit: the namespace is gone in the state, and that is one more publish.
        fake.proc.remove(&50);
        fake.proc.remove(&60);
        let t1 = t0 + Duration::from_millis(500);
        fake.events(t1, &[(EXIT, [50, 50, 0, 0]), (EXIT, [60, 60, 0, 0])]);
        assert!(fake.state.namespace(11).is_none());
        assert_eq!(
            fake.debounce.take(t1 + WINDOW).map(|p| p.pids),
            Some(BTreeSet::from([50, 60]))
        );

        // A thread's fork changes nothing: no publish.
        fake.events(t1 + Duration::from_secs(1), &[(FORK, [1, 1, 2, 1])]);
        assert_eq!(fake.debounce.due(), None);
    }

    #[test]
    fn a_fork_storm_publishes_at_most_once_a_window_and_within_budget() {
        let t0 = Instant::now();
        let mut fake = Fake::new();
        let mut publishes = Vec::new();
        // 2,000 short-lived processes over 1 s, one batch each half millisecond; a publish
        // costs 30 ms (a big machine), so at most one per 300 ms.
        let cost = Duration::from_millis(30);
        for i in 0..2000u32 {
            let now = t0 + Duration::from_micros(500 * u64::from(i));
            let pid = 1000 + i;
            fake.proc.insert(pid as Pid, 10);
            fake.events(now, &[(FORK, [1, 1, pid, pid])]);
            if let Some(pending) = fake.debounce.take(now) {
                publishes.push((now, pending));
                fake.debounce.published(now, cost);
            }
        }
        assert!(!publishes.is_empty());
        assert!(publishes.len() <= 4, "{} publishes in 1 s", publishes.len());
        assert_eq!(publishes[0].0, t0 + WINDOW);
        for pair in publishes.windows(2) {
            assert!(pair[1].0 - pair[0].0 >= cost * 10);
        }
        // Nothing is lost between publishes: every pid is in one of them or still pending.
        let left = fake
            .debounce
            .take(t0 + Duration::from_secs(10))
            .expect("the rest");
        let seen: usize =
            publishes.iter().map(|(_, p)| p.pids.len()).sum::<usize>() + left.pids.len();
        assert_eq!(seen, 2000);
        assert_eq!(fake.state.processes.len(), 2001);

        // A publish that costs 200 ms (a debug build) spaces the next by the cap, not 2 s.
        fake.debounce.published(t0, Duration::from_millis(200));
        fake.debounce.note_patch(
            t0,
            &Touched {
                pids: BTreeSet::from([1]),
                inodes: BTreeSet::new(),
            },
            false,
        );
        assert_eq!(fake.debounce.due(), Some(t0 + GAP));
    }

    #[test]
    fn a_full_scan_is_published_at_once_unless_too_soon() {
        let t0 = Instant::now();
        let mut debounce = Debounce::new(WINDOW, 10, GAP);
        debounce.note_full(t0);
        assert_eq!(debounce.take(t0).map(|p| p.full), Some(true));
        debounce.published(t0, Duration::from_millis(50));
        debounce.note_full(t0 + Duration::from_millis(100));
        assert_eq!(debounce.due(), Some(t0 + Duration::from_millis(500)));
        // Events after a full scan, before its publish: published with it, still full.
        debounce.note_patch(
            t0 + Duration::from_millis(200),
            &Touched {
                pids: BTreeSet::from([7]),
                inodes: BTreeSet::new(),
            },
            true,
        );
        let pending = debounce.take(t0 + Duration::from_millis(500)).expect("due");
        assert!(pending.full && pending.pids.contains(&7));
    }

    #[test]
    fn minor_updates_wait_for_the_minor_gap_unless_something_else_comes() {
        let t0 = Instant::now();
        let minor_gap = Duration::from_secs(3);
        let mut debounce = Debounce::new(WINDOW, 10, GAP).with_minor_gap(minor_gap);
        let touched = |pid| Touched {
            pids: BTreeSet::from([pid]),
            inodes: BTreeSet::new(),
        };
        // The first one after a long quiet (or the start) needs no gap.
        debounce.note_patch(t0, &touched(1), true);
        assert_eq!(debounce.due(), Some(t0 + WINDOW));
        let pending = debounce.take(t0 + WINDOW).expect("due");
        assert!(pending.minor && !pending.full);
        debounce.published(t0 + WINDOW, Duration::from_millis(5));
        // Host churn: held until the minor gap has passed since that publish.
        debounce.note_patch(t0 + Duration::from_millis(200), &touched(2), true);
        assert_eq!(debounce.due(), Some(t0 + WINDOW + minor_gap));
        // A namespace change comes: it and the churn go out after the short gap.
        debounce.note_patch(t0 + Duration::from_millis(300), &touched(3), false);
        // (The window counts from the first pending update, at 200 ms.)
        assert_eq!(debounce.due(), Some(t0 + Duration::from_millis(300)));
        let pending = debounce.take(t0 + Duration::from_secs(1)).expect("due");
        assert!(!pending.minor);
        assert_eq!(pending.pids, BTreeSet::from([2, 3]));
    }
}
