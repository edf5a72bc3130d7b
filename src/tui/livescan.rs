//! The UI's event-driven scan source: a background thread runs the same [`Watcher`] as
//! `nsview watch` (process events, re-reads of just the processes they name, a full scan only
//! as the periodic reconcile) and hands the UI a new snapshot when something changed,
//! debounced ([`Debounce`]: a burst is one update, and updates are spaced by what they cost).
//! The newest snapshot waits in a slot of one: while the view is paused nothing piles up, and
//! unpausing shows the newest. Chosen by the loop in `tui/mod.rs` when process events are
//! available; without them the UI polls as before.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, TryRecvError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::live::debounce::Debounce;
use crate::live::events::ProcEvents;
use crate::live::patch::{self, Touched};
use crate::live::{Update, Watcher};
use crate::scan::ScanOptions;

use super::names::Enrichment;
use super::{MAX_ABANDONED, STUCK, ScanResult, Scanned};

/// A burst of events is shown once, this long after its first event.
const WINDOW: Duration = Duration::from_millis(100);
/// Publishing (names, copies, the UI's rebuild) takes at most 1/BUDGET of the time while
/// changes keep coming, with updates at most GAP apart (so a change shows within about
/// WINDOW + GAP even when rebuilding is slow).
const BUDGET: u32 = 10;
const GAP: Duration = Duration::from_millis(500);
/// Processes coming and going in the host's namespaces only (any busy machine's churn) are
/// shown at most this often: no more often than the polling UI rescanned, and without a scan.
const MINOR_GAP: Duration = Duration::from_secs(3);
/// How often the thread looks at the UI's requests while no event comes.
const CONTROL_TICK: Duration = Duration::from_millis(200);

/// What the UI asks of the thread.
enum Control {
    Rescan,
    Every(Duration),
}

/// Between the thread and the UI.
#[derive(Default)]
struct Shared {
    /// The newest update not yet taken (newer ones replace it).
    latest: Mutex<Option<ScanResult>>,
    /// When the full scan in progress started.
    full_since: Mutex<Option<Instant>>,
    /// What the UI's last rebuild from an update took, in µs (part of a publish's cost).
    apply_us: AtomicU64,
    /// The thread has ended (its first scan failed); a rescan request starts another.
    ended: AtomicBool,
    /// The time between reconciles the watcher keeps now, in ms (its budget may stretch the
    /// interval; 0 before its first scan).
    period_ms: AtomicU64,
}

/// The handle the UI loop keeps.
pub(super) struct LiveScanner {
    options: ScanOptions,
    every: Duration,
    /// The reconciles' share of a core ([`Watcher::with_budget`]); None keeps `every` exactly.
    budget: Option<u32>,
    control: Sender<Control>,
    shared: Arc<Shared>,
    /// Take the next update even while paused (`r` asked for it).
    take_next: bool,
    abandoned: usize,
    /// When the loop first saw the thread ended.
    ended_at: Option<Instant>,
}

impl LiveScanner {
    /// Subscribes to process events here (so the caller learns at once whether they are
    /// available: Err when not) and starts the thread, whose first step is a full scan.
    pub(super) fn spawn(
        options: ScanOptions,
        every: Duration,
        budget: Option<u32>,
    ) -> std::io::Result<LiveScanner> {
        let (control, shared) = start(options.clone(), every, budget)?;
        Ok(LiveScanner {
            options,
            every,
            budget,
            control,
            shared,
            take_next: true,
            abandoned: 0,
            ended_at: None,
        })
    }

    /// The newest update, unless paused (and none was asked for with `r`).
    pub(super) fn poll(&mut self, paused: bool) -> Option<ScanResult> {
        if paused && !self.take_next {
            return None;
        }
        let taken = self.shared.latest.lock().ok()?.take();
        if taken.is_some() {
            self.take_next = false;
        }
        taken
    }

    /// A full scan now (`r`), shown even while paused.
    pub(super) fn rescan(&mut self) -> Result<(), String> {
        self.take_next = true;
        if self.shared.ended.load(Ordering::SeqCst) {
            return self.restart();
        }
        if self.control.send(Control::Rescan).is_err() {
            return self.restart();
        }
        Ok(())
    }

    /// Called by the loop each time round: a thread stuck in a scan for [`STUCK`] is given up
    /// (its late answer goes into a slot nobody reads) and a fresh one started, as the
    /// polling scanner does, at most [`MAX_ABANDONED`] times; a thread whose first scan
    /// failed is tried again after an interval.
    pub(super) fn maintain(&mut self) -> Result<(), String> {
        let stuck = self.running_for().is_some_and(|d| d >= STUCK);
        if stuck && self.abandoned < MAX_ABANDONED {
            self.abandoned += 1;
            return self.restart();
        }
        if self.shared.ended.load(Ordering::SeqCst) {
            let since = *self.ended_at.get_or_insert_with(Instant::now);
            if since.elapsed() >= self.every {
                self.ended_at = Some(Instant::now());
                return self.restart();
            }
        }
        Ok(())
    }

    fn restart(&mut self) -> Result<(), String> {
        let (control, shared) = start(self.options.clone(), self.every, self.budget)
            .map_err(|err| format!("cannot subscribe to process events again: {err}"))?;
        // Dropping the old sender ends the old thread at its next look (or, stuck, never
        // answers into the old slot that nobody reads).
        self.control = control;
        self.shared = shared;
        self.ended_at = None;
        Ok(())
    }

    /// The interval keys: the time between full reconciles, kept exactly from now on.
    pub(super) fn set_every(&mut self, every: Duration) {
        self.every = every;
        self.budget = None;
        let _ = self.control.send(Control::Every(every));
    }

    /// The time between reconciles now (what the header shows), once the first scan is in.
    pub(super) fn period(&self) -> Option<Duration> {
        match self.shared.period_ms.load(Ordering::Relaxed) {
            0 => None,
            ms => Some(Duration::from_millis(ms)),
        }
    }

    /// How long the full scan in progress has run.
    pub(super) fn running_for(&self) -> Option<Duration> {
        let since = *self.shared.full_since.lock().ok()?;
        since.map(|at| at.elapsed())
    }

    /// What the UI's rebuild from the last update took (the thread spaces updates by it).
    pub(super) fn applied(&self, took: Duration) {
        let us = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        self.shared.apply_us.store(us, Ordering::Relaxed);
    }
}

fn start(
    options: ScanOptions,
    every: Duration,
    budget: Option<u32>,
) -> std::io::Result<(Sender<Control>, Arc<Shared>)> {
    let events = ProcEvents::open()?;
    let (control, requests) = mpsc::channel();
    let shared = Arc::new(Shared::default());
    let theirs = Arc::clone(&shared);
    std::thread::Builder::new()
        .name("nsview-live".into())
        .spawn(move || run(events, options, every, budget, &requests, &theirs))?;
    Ok((control, shared))
}

fn publish(shared: &Shared, result: ScanResult) {
    if let Ok(mut slot) = shared.latest.lock() {
        *slot = Some(result);
    }
}

/// Whole seconds from 10 s up (the header says "reconcile 97s", not "97.314s").
fn set_period(shared: &Shared, period: Duration) {
    let period = if period >= Duration::from_secs(10) {
        Duration::from_secs(period.as_secs_f64().round() as u64)
    } else {
        period
    };
    let ms = u64::try_from(period.as_millis()).unwrap_or(u64::MAX).max(1);
    shared.period_ms.store(ms, Ordering::Relaxed);
}

fn set_full_since(shared: &Shared, at: Option<Instant>) {
    if let Ok(mut since) = shared.full_since.lock() {
        *since = at;
    }
}

/// The thread: the first full scan, then events and reconciles until the UI lets go.
fn run(
    events: ProcEvents,
    options: ScanOptions,
    every: Duration,
    budget: Option<u32>,
    requests: &Receiver<Control>,
    shared: &Shared,
) {
    let proc_root = options.proc_root.clone();
    let started = Instant::now();
    set_full_since(shared, Some(started));
    let mut watcher = match Watcher::start_with(options, every, Some(events)) {
        Ok(watcher) => match budget {
            Some(share) => watcher.with_budget(share),
            None => watcher,
        },
        Err(err) => {
            set_full_since(shared, None);
            publish(shared, Err(format!("{err:#}")));
            shared.ended.store(true, Ordering::SeqCst);
            return;
        }
    };
    let mut took = started.elapsed();
    set_full_since(shared, None);
    let mut enrichment = Enrichment::default();
    let mut debounce = Debounce::new(WINDOW, BUDGET, GAP).with_minor_gap(MINOR_GAP);
    // What the UI was last given (shared with it and the details worker).
    let mut last: Option<Arc<crate::model::Snapshot>> = None;
    debounce.note_full(Instant::now());
    loop {
        loop {
            match requests.try_recv() {
                Ok(Control::Rescan) => watcher.rescan_now(),
                Ok(Control::Every(every)) => watcher.set_every(every),
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => return,
            }
        }
        let now = Instant::now();
        if let Some(pending) = debounce.take(now) {
            let names_before = enrichment.clone();
            if pending.full {
                enrichment = Enrichment::gather(watcher.snapshot(), &proc_root);
            } else {
                enrichment.refresh(watcher.snapshot(), &pending.inodes, &proc_root);
            }
            // Processes that came and went within the window (a shell's short commands) leave
            // the state as the UI has it: nothing to redraw.
            let touched = Touched {
                pids: pending.pids,
                inodes: pending.inodes,
            };
            let unchanged = !pending.full
                && enrichment == names_before
                && last.as_ref().is_some_and(|last| {
                    patch::part(last, &touched) == patch::part(watcher.snapshot(), &touched)
                });
            if !unchanged {
                let copy = Arc::new(watcher.snapshot().clone());
                last = Some(Arc::clone(&copy));
                publish(
                    shared,
                    Ok(Scanned {
                        shared: copy,
                        took,
                        enrichment: enrichment.clone(),
                        full: pending.full,
                        saved_details: None,
                    }),
                );
                let applied = Duration::from_micros(shared.apply_us.load(Ordering::Relaxed));
                debounce.published(now, now.elapsed() + applied);
            }
        }
        let now = Instant::now();
        let limit = debounce
            .due()
            .map_or(CONTROL_TICK, |due| due.saturating_duration_since(now))
            .min(CONTROL_TICK);
        // The step may run the full scan (when it falls due within the limit): the UI shows
        // a scan running for long, and gives a stuck one up.
        let full_due = watcher.next_full();
        let scans = full_due <= now + limit;
        if scans {
            set_full_since(shared, Some(full_due.max(now)));
        }
        let step = watcher.step_within(limit);
        if scans {
            set_full_since(shared, None);
        }
        set_period(shared, watcher.period());
        match step {
            Ok(step) => match step.update {
                Update::None => {}
                Update::Patched { touched, .. } => {
                    // Minor: only the host's namespaces were touched (a namespace that is
                    // gone now was not one of them).
                    let snapshot = watcher.snapshot();
                    let host: Vec<_> = crate::model::NsKind::ALL
                        .into_iter()
                        .filter_map(|kind| snapshot.host_ns(kind))
                        .collect();
                    let minor = touched.inodes.iter().all(|inode| host.contains(inode));
                    debounce.note_patch(Instant::now(), &touched, minor);
                }
                Update::Scanned { .. } => {
                    took = full_due.max(now).elapsed();
                    debounce.note_full(Instant::now());
                }
            },
            Err(err) => {
                publish(shared, Err(format!("{err:#}")));
                // Events may have been read and not applied: a full scan makes up for them.
                watcher.rescan_now();
                // Not in a loop: the next try after a while, or when the UI asks.
                match requests.recv_timeout(Duration::from_secs(1)) {
                    Ok(Control::Rescan) => watcher.rescan_now(),
                    Ok(Control::Every(every)) => watcher.set_every(every),
                    Err(RecvTimeoutError::Timeout) => {}
                    Err(RecvTimeoutError::Disconnected) => return,
                }
            }
        }
    }
}
