//! Deadlines for work that must enter a namespace or talk to it (UTS names, netlink, SysV IPC
//! counts): the work runs on its own thread, and a piece that is not done in time is abandoned
//! (the thread is left to finish or hang on its own) and reported, so the scan goes on.

use std::io;
use std::time::Duration;

/// How long one piece of work inside a namespace may take.
pub const INSIDE: Duration = Duration::from_secs(2);

/// Runs `work` on a fresh, named thread and waits at most `limit` for it. A thread that is
/// still running then is detached: it owns everything it uses (`'static`), so nothing it holds
/// can dangle, and it ends on its own (or never, if the kernel holds it; it costs a thread).
pub fn run<T: Send + 'static>(
    name: String,
    limit: Duration,
    work: impl FnOnce() -> T + Send + 'static,
) -> io::Result<T> {
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    let thread = std::thread::Builder::new().name(name).spawn(move || {
        let _ = tx.send(work());
    })?;
    match rx.recv_timeout(limit) {
        // Joined (it is past its work): a thread that joined a namespace is gone before the
        // caller goes on, as with a scoped thread.
        Ok(value) => {
            let _ = thread.join();
            Ok(value)
        }
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => Err(io::Error::new(
            io::ErrorKind::TimedOut,
            format!("timed out after {}", human(limit)),
        )),
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

    #[test]
    fn abandons_a_stuck_piece_and_reports_it() {
        let started = std::time::Instant::now();
        let err = run("stuck".into(), Duration::from_millis(100), || {
            std::thread::sleep(Duration::from_secs(5))
        })
        .expect_err("stuck");
        assert!(started.elapsed() < Duration::from_secs(2));
        assert_eq!(err.to_string(), "timed out after 100ms");
        assert_eq!(run("quick".into(), INSIDE, || 7).expect("quick"), 7);
        let panicked = run("bug".into(), INSIDE, || -> () { panic!("reader bug") });
        assert!(panicked.is_err());
    }
}
