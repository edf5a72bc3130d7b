//! Deadlines for work that must enter a namespace or talk to it (UTS names, netlink, SysV IPC
//! counts): the work runs on its own thread, and a piece that is not done in time is abandoned
//! (the thread is left to finish or hang on its own) and reported, so the scan goes on.
//!
//! Abandoned threads are bounded: while one is stuck on a namespace, no second thread is
//! started for the same namespace (the read fails at once, saying so), and no more than
//! [`MAX_STUCK`] are left stuck in all. Every timeout and refusal says how many are stuck, so a
//! host that keeps nsview's readers hanging shows up instead of piling up threads.

use std::collections::BTreeMap;
use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long one piece of work inside a namespace may take.
pub const INSIDE: Duration = Duration::from_secs(2);

/// At most this many abandoned threads may be stuck at once; past that, new work is refused.
pub const MAX_STUCK: usize = 16;

/// The abandoned threads that are still running, by the key of what they work on.
#[derive(Debug)]
pub struct Stuck {
    by_key: Mutex<BTreeMap<String, usize>>,
    cap: usize,
}

impl Stuck {
    pub const fn new(cap: usize) -> Stuck {
        Stuck {
            by_key: Mutex::new(BTreeMap::new()),
            cap,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, usize>> {
        // A panic while holding it leaves a consistent map (every change is one statement).
        self.by_key
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// How many abandoned threads are still running.
    pub fn count(&self) -> usize {
        self.lock().values().sum()
    }

    fn abandon(&self, key: &str) {
        *self.lock().entry(key.to_string()).or_default() += 1;
    }

    fn finished(&self, key: &str) {
        let mut map = self.lock();
        if let Some(n) = map.get_mut(key) {
            *n -= 1;
            if *n == 0 {
                map.remove(key);
            }
        }
    }

    /// Why new work on `key` may not start, if it may not.
    fn refusal(&self, key: &str) -> Option<io::Error> {
        let map = self.lock();
        let total: usize = map.values().sum();
        let why = if map.contains_key(key) {
            format!(
                "an earlier read of it is still stuck ({})",
                stuck_text(total)
            )
        } else if total >= self.cap {
            format!("too many stuck readers ({})", stuck_text(total))
        } else {
            return None;
        };
        Some(io::Error::new(io::ErrorKind::TimedOut, why))
    }
}

fn stuck_text(n: usize) -> String {
    if n == 1 {
        "1 reader thread stuck".into()
    } else {
        format!("{n} reader threads stuck")
    }
}

/// The process's own record of stuck readers.
static STUCK: Stuck = Stuck::new(MAX_STUCK);

/// How many abandoned reader threads of this process are still running.
pub fn stuck_count() -> usize {
    STUCK.count()
}

/// Runs `work` on a fresh, named thread and waits at most `limit` for it. A thread that is
/// still running then is detached: it owns everything it uses (`'static`), so nothing it holds
/// can dangle, and it ends on its own (or never, if the kernel holds it; it costs a thread).
/// `key` names what it works on (a namespace): while an abandoned thread on the same key is
/// still running, or [`MAX_STUCK`] are, no thread is started and the call fails at once.
pub fn run<T: Send + 'static>(
    name: String,
    key: String,
    limit: Duration,
    work: impl FnOnce() -> T + Send + 'static,
) -> io::Result<T> {
    run_with(&STUCK, name, key, limit, work)
}

/// Where the running thread is: the caller and the thread agree under this lock whether it
/// finished in time or was abandoned, so an abandoned one always takes itself off the record.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    Running,
    Done,
    Abandoned,
}

fn run_with<T: Send + 'static>(
    stuck: &'static Stuck,
    name: String,
    key: String,
    limit: Duration,
    work: impl FnOnce() -> T + Send + 'static,
) -> io::Result<T> {
    if let Some(refused) = stuck.refusal(&key) {
        return Err(refused);
    }
    let phase = Arc::new(Mutex::new(Phase::Running));
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    let thread = {
        let phase = Arc::clone(&phase);
        let key = key.clone();
        std::thread::Builder::new().name(name).spawn(move || {
            // Ends the thread's phase however `work` ends (a panic included).
            struct End {
                phase: Arc<Mutex<Phase>>,
                stuck: &'static Stuck,
                key: String,
            }
            impl Drop for End {
                fn drop(&mut self) {
                    let mut phase = self
                        .phase
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner);
                    if *phase == Phase::Abandoned {
                        self.stuck.finished(&self.key);
                    }
                    *phase = Phase::Done;
                }
            }
            let _end = End { phase, stuck, key };
            let _ = tx.send(work());
        })?
    };
    match rx.recv_timeout(limit) {
        // Joined (it is past its work): a thread that joined a namespace is gone before the
        // caller goes on, as with a scoped thread.
        Ok(value) => {
            let _ = thread.join();
            Ok(value)
        }
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
            let mut now = phase
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if *now == Phase::Done {
                // It finished between the timeout and this lock.
                drop(now);
                let _ = thread.join();
                return rx
                    .try_recv()
                    .map_err(|_| io::Error::other("reader panicked"));
            }
            *now = Phase::Abandoned;
            stuck.abandon(&key);
            drop(now);
            Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!(
                    "timed out after {} ({})",
                    human(limit),
                    stuck_text(stuck.count())
                ),
            ))
        }
        // The thread ended without sending: it panicked.
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
            Err(io::Error::other("reader panicked"))
        }
    }
}

fn human(limit: Duration) -> String {
    if limit.subsec_millis() == 0 {
        format!("{}s", limit.as_secs())
    } else {
        format!("{}ms", limit.as_millis())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A trap that blocks: the work waits on a channel until the test lets it go.
    fn blocker() -> (std::sync::mpsc::Sender<()>, impl FnOnce() + Send + 'static) {
        let (release, wait) = std::sync::mpsc::channel::<()>();
        (release, move || {
            let _ = wait.recv_timeout(Duration::from_secs(30));
        })
    }

    /// Polls (5 s at most) until `stuck` has `n` threads on record.
    fn wait_for_count(stuck: &Stuck, n: usize) {
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while stuck.count() != n {
            assert!(
                std::time::Instant::now() < deadline,
                "still {}",
                stuck.count()
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    #[test]
    fn abandons_a_stuck_piece_and_reports_it() {
        static STUCK: Stuck = Stuck::new(4);
        let started = std::time::Instant::now();
        let (release, work) = blocker();
        let err = run_with(
            &STUCK,
            "stuck".into(),
            "a".into(),
            Duration::from_millis(100),
            work,
        )
        .expect_err("stuck");
        assert!(started.elapsed() < Duration::from_secs(2));
        assert_eq!(
            err.to_string(),
            "timed out after 100ms (1 reader thread stuck)"
        );
        assert_eq!(
            run_with(&STUCK, "quick".into(), "b".into(), INSIDE, || 7).expect("quick"),
            7
        );
        let panicked = run_with(&STUCK, "bug".into(), "c".into(), INSIDE, || -> () {
            panic!("reader bug")
        });
        assert!(panicked.is_err());
        // Once the stuck one ends, it is off the record.
        drop(release);
        wait_for_count(&STUCK, 0);
    }

    #[test]
    fn a_stuck_namespace_gets_no_second_thread_and_stuck_threads_are_bounded() {
        static STUCK: Stuck = Stuck::new(3);
        let spawned = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counted = |work: Box<dyn FnOnce() + Send>| {
            let spawned = Arc::clone(&spawned);
            move || {
                spawned.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                work()
            }
        };
        let short = Duration::from_millis(50);
        let (release_a, work) = blocker();
        assert!(
            run_with(
                &STUCK,
                "t".into(),
                "uts:[1]".into(),
                short,
                counted(Box::new(work))
            )
            .is_err()
        );
        // The same namespace again, while its first reader hangs: refused at once, no thread.
        let started = std::time::Instant::now();
        let (_unused, work) = blocker();
        let err = run_with(
            &STUCK,
            "t".into(),
            "uts:[1]".into(),
            short,
            counted(Box::new(work)),
        )
        .expect_err("refused");
        assert!(started.elapsed() < short, "it waited");
        assert_eq!(
            err.to_string(),
            "an earlier read of it is still stuck (1 reader thread stuck)"
        );
        assert_eq!(spawned.load(std::sync::atomic::Ordering::SeqCst), 1);
        // Other namespaces until the cap: then everything is refused.
        let mut releases = vec![release_a];
        for key in ["uts:[2]", "uts:[3]"] {
            let (release, work) = blocker();
            releases.push(release);
            assert!(
                run_with(
                    &STUCK,
                    "t".into(),
                    key.into(),
                    short,
                    counted(Box::new(work))
                )
                .is_err()
            );
        }
        assert_eq!(STUCK.count(), 3);
        let err = run_with(&STUCK, "t".into(), "uts:[4]".into(), short, || 1).expect_err("cap");
        assert_eq!(
            err.to_string(),
            "too many stuck readers (3 reader threads stuck)"
        );
        assert_eq!(spawned.load(std::sync::atomic::Ordering::SeqCst), 3);
        // The hangs end: the record empties and the namespace is read again.
        drop(releases);
        wait_for_count(&STUCK, 0);
        assert_eq!(
            run_with(&STUCK, "t".into(), "uts:[1]".into(), INSIDE, || 9).expect("read again"),
            9
        );
    }
}
