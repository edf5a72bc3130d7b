//! The terminal's modes: entering and leaving the alternate screen, raw mode and mouse capture;
//! handing the terminal to a child and taking it back; and the safety nets that restore it on a
//! panic (hook installed before raw mode) and on SIGTERM/SIGHUP (flags the loop checks); and
//! noticing a terminal that went away, which crossterm itself does not (a watchdog thread covers
//! the last race).

use std::io::{self, Stdout, Write};
use std::os::fd::AsFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{self, DisableMouseCapture, EnableMouseCapture};
use ratatui::crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::crossterm::{cursor, execute};

pub type Backend = CrosstermBackend<Stdout>;

/// Puts the terminal back as the shell expects it. Safe to call more than once, and from a
/// panic hook; errors are ignored because there is nothing better to do with them there.
pub fn restore() {
    let _ = disable_raw_mode();
    let _ = execute!(
        io::stdout(),
        DisableMouseCapture,
        LeaveAlternateScreen,
        cursor::Show
    );
}

/// Restores the terminal before the default hook prints the panic, so the message is readable.
pub fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
}

fn enter_modes() -> io::Result<()> {
    enable_raw_mode()?;
    execute!(
        io::stdout(),
        EnterAlternateScreen,
        EnableMouseCapture,
        cursor::Hide
    )
}

/// The UI's terminal; restores it when dropped, including on an early `?` return.
pub struct Tui {
    pub terminal: Terminal<Backend>,
}

impl Tui {
    pub fn enter() -> io::Result<Tui> {
        if let Err(err) = enter_modes() {
            restore();
            return Err(err);
        }
        match Terminal::new(CrosstermBackend::new(io::stdout())) {
            Ok(terminal) => Ok(Tui { terminal }),
            Err(err) => {
                restore();
                Err(err)
            }
        }
    }

    /// Hands the terminal over (for a child shell): the normal screen, cooked mode, no mouse.
    pub fn suspend(&mut self) {
        restore();
        let _ = io::stdout().flush();
    }

    /// Takes the terminal back after a child: modes, a cleared screen so the next draw repaints
    /// everything, and no leftover keystrokes (typed while the child was exiting).
    pub fn resume(&mut self) -> io::Result<()> {
        enter_modes()?;
        drain_input();
        self.terminal.clear()
    }
}

impl Drop for Tui {
    fn drop(&mut self) {
        restore();
    }
}

/// Discards input events already queued.
pub fn drain_input() {
    while event::poll(Duration::ZERO).unwrap_or(false) {
        if event::read().is_err() {
            break;
        }
    }
}

/// Exit code after a hang-up (SIGHUP, or the terminal gone: EOF, POLLHUP), as a shell reports
/// a process killed by SIGHUP.
pub const HANGUP_EXIT: i32 = 128 + libc::SIGHUP;

/// Signal flags the loop polls. SIGTERM and SIGHUP ask to quit (the terminal is restored on
/// the way out). SIGINT and SIGQUIT are caught only so that Ctrl-C or Ctrl-\ typed in a child
/// shell (same process group) does not kill the UI behind it.
#[derive(Clone)]
pub struct Signals {
    term: Arc<AtomicBool>,
    hangup: Arc<AtomicBool>,
    interrupt: Arc<AtomicBool>,
}

impl Signals {
    pub fn install() -> io::Result<Signals> {
        let signals = Signals {
            term: Arc::new(AtomicBool::new(false)),
            hangup: Arc::new(AtomicBool::new(false)),
            interrupt: Arc::new(AtomicBool::new(false)),
        };
        signal_hook::flag::register(signal_hook::consts::SIGTERM, Arc::clone(&signals.term))?;
        signal_hook::flag::register(signal_hook::consts::SIGHUP, Arc::clone(&signals.hangup))?;
        for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGQUIT] {
            signal_hook::flag::register(signal, Arc::clone(&signals.interrupt))?;
        }
        Ok(signals)
    }

    /// The exit code to quit with, when SIGHUP (129), SIGTERM (143) or SIGINT while no child
    /// was running (130) arrived.
    pub fn quit_code(&self) -> Option<i32> {
        if self.hangup.load(Ordering::Relaxed) {
            Some(HANGUP_EXIT)
        } else if self.term.load(Ordering::Relaxed) {
            Some(128 + libc::SIGTERM)
        } else if self.interrupt.load(Ordering::Relaxed) {
            Some(128 + libc::SIGINT)
        } else {
            None
        }
    }

    /// Forgets interrupts that were meant for a child.
    pub fn forget_interrupts(&self) {
        self.interrupt.store(false, Ordering::Relaxed);
    }
}

/// What the terminal's input side has for us.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// Bytes to read (crossterm may read them).
    Ready,
    /// Nothing within the timeout, or a signal interrupted the wait.
    Idle,
    /// The terminal is gone: hang-up, error, or not a valid fd. Reading would return 0 or EIO
    /// forever.
    Gone,
}

/// Waits up to `timeout` for input on stdin (the fd crossterm reads when stdin is a tty).
///
/// The loop calls this before every crossterm read or poll, because crossterm 0.29 retries a
/// read that returns 0 (EOF after a hang-up) or EIO in a loop that never returns: an orphaned UI
/// then spins on `read(0) = 0` and never sees its signal flags.
pub fn wait_for_input(timeout: Duration) -> io::Result<Input> {
    poll_input(io::stdin().as_fd(), timeout)
}

fn poll_input(fd: std::os::fd::BorrowedFd<'_>, timeout: Duration) -> io::Result<Input> {
    use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
    let mut fds = [PollFd::new(fd, PollFlags::POLLIN)];
    let timeout = PollTimeout::try_from(timeout).unwrap_or(PollTimeout::MAX);
    match poll(&mut fds, timeout) {
        Ok(0) => return Ok(Input::Idle),
        Ok(_) => {}
        // poll(2) is never restarted after a signal handler: the caller looks at the flags.
        Err(nix::errno::Errno::EINTR) => return Ok(Input::Idle),
        Err(err) => return Err(err.into()),
    }
    let revents = fds[0].revents().unwrap_or(PollFlags::empty());
    // A hung-up tty reports POLLIN too (read returns 0), so the hang-up bits decide.
    if revents.intersects(PollFlags::POLLHUP | PollFlags::POLLERR | PollFlags::POLLNVAL) {
        Ok(Input::Gone)
    } else if revents.contains(PollFlags::POLLIN) {
        Ok(Input::Ready)
    } else {
        Ok(Input::Idle)
    }
}

/// Set while a child owns the terminal: the loop is then legitimately blocked in `wait`.
pub static CHILD_RUNNING: AtomicBool = AtomicBool::new(false);

/// How long a quit request or a dead terminal may go unanswered by the loop before the
/// watchdog ends the process. The loop looks at both at least every tick (200 ms).
const WATCHDOG_GRACE: Duration = Duration::from_millis(1500);

/// A last resort for the window the loop cannot close: the terminal hanging up between
/// [`wait_for_input`] and crossterm's own read, which then spins forever. A thread watches the
/// signal flags and stdin; if either asks to quit for longer than `WATCHDOG_GRACE` while no
/// child runs, it resets the terminal modes as far as it can and exits the process.
pub fn spawn_watchdog(signals: Signals) -> io::Result<()> {
    std::thread::Builder::new()
        .name("nsview-watchdog".into())
        .spawn(move || {
            let mut since: Option<std::time::Instant> = None;
            loop {
                std::thread::sleep(Duration::from_millis(250));
                let code = signals.quit_code().or_else(|| {
                    matches!(wait_for_input(Duration::ZERO), Ok(Input::Gone) | Err(_))
                        .then_some(HANGUP_EXIT)
                });
                let Some(code) = code.filter(|_| !CHILD_RUNNING.load(Ordering::Relaxed)) else {
                    since = None;
                    continue;
                };
                let first = *since.get_or_insert_with(std::time::Instant::now);
                if first.elapsed() >= WATCHDOG_GRACE {
                    restore_without_locks();
                    // SAFETY: _exit ends the process at once without running exit handlers or
                    // taking locks another (stuck) thread may hold; nothing is left to flush.
                    unsafe { libc::_exit(code) };
                }
            }
        })
        .map(drop)
}

/// [`restore`] for the watchdog: never takes the stdout lock (the stuck thread may hold it),
/// writes the reset sequences straight to fd 1 and ignores every error.
fn restore_without_locks() {
    let _ = disable_raw_mode();
    // Mouse tracking off (1000, 1002, 1003, 1006, 1015), normal screen, cursor shown.
    let reset = b"\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1015l\x1b[?1006l\x1b[?1049l\x1b[?25h";
    let _ = rustix::io::write(io::stdout().as_fd(), reset);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_states_of_a_pipe() {
        let (read, write) = rustix::pipe::pipe().expect("pipe");
        assert_eq!(
            poll_input(read.as_fd(), Duration::from_millis(10)).ok(),
            Some(Input::Idle)
        );
        rustix::io::write(&write, b"x").expect("write");
        assert_eq!(
            poll_input(read.as_fd(), Duration::ZERO).ok(),
            Some(Input::Ready)
        );
        // The writer gone is the pipe's hang-up: reads would return 0 forever.
        drop(write);
        assert_eq!(
            poll_input(read.as_fd(), Duration::ZERO).ok(),
            Some(Input::Gone)
        );
    }
}
