//! The terminal's modes: entering and leaving the alternate screen, raw mode and mouse capture;
//! handing the terminal to a child and taking it back (the child's own process group becomes
//! the terminal's foreground group, and nsview takes it back whatever the child did); stopping
//! the UI itself on ^Z; a size clamp so a terminal that reports an absurd size cannot make the
//! UI allocate for it; and the safety nets that restore it on a panic (hook installed before
//! raw mode) and on SIGTERM/SIGHUP (flags the loop checks); and noticing a terminal that went
//! away, which crossterm itself does not (a watchdog thread covers the last race).

use std::io::{self, Stdout, Write};
use std::os::fd::AsFd;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Command, ExitStatus};
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

pub type Backend = Clamped<CrosstermBackend<Stdout>>;

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

/// The scan thread's name: its panics become the scan's error (`tui::caught`).
pub const SCAN_THREAD: &str = "nsview-scan";
/// The details worker's name: its panics become the pane's error line.
pub const DETAILS_THREAD: &str = "nsview-details";

/// On a panic: the terminal restored, then the usual message (nsview's one line,
/// [`crate::error::install_panic_hook`]), so it is readable. Not on the scan and details
/// threads, which catch their panics and report them in the UI: restoring there would drop the
/// screen from under the UI that goes on, and the message would smear it.
pub fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let caught = std::thread::current()
            .name()
            .is_some_and(|name| [SCAN_THREAD, DETAILS_THREAD].contains(&name));
        if caught {
            return;
        }
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
        match Terminal::new(Clamped(CrosstermBackend::new(io::stdout()))) {
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

    /// Hands the terminal over for a child: [`Tui::suspend`], then a clean primary screen with
    /// `banner` on its first line (where the child runs). Returns the cooked modes to put back
    /// afterwards, whatever the child leaves behind.
    pub fn hand_over(&mut self, banner: &str) -> Handover {
        self.suspend();
        let mut stdout = io::stdout();
        // Home and clear, so the child does not start under stale output.
        let _ = write!(stdout, "\x1b[H\x1b[2J{banner}\r\n");
        let _ = stdout.flush();
        Handover {
            termios: nix::sys::termios::tcgetattr(io::stdin().as_fd()).ok(),
        }
    }

    /// Takes the terminal back from a child that ended: nsview's process group in the
    /// foreground again (the child's shell may have left it on its own dead group, or could not
    /// give it back from inside another pid namespace), and the modes saved by
    /// [`Tui::hand_over`]. The caller then [`Tui::resume`]s, possibly after a prompt.
    pub fn reclaim(&mut self, handover: Handover) -> io::Result<()> {
        take_terminal()?;
        if let Some(termios) = handover.termios {
            let _ = nix::sys::termios::tcsetattr(
                io::stdin().as_fd(),
                nix::sys::termios::SetArg::TCSADRAIN,
                &termios,
            );
        }
        Ok(())
    }

    /// ^Z: puts the terminal back for the shell, stops (the job control shell takes the
    /// terminal), and on `fg` takes it back in raw mode. A process group the kernel considers
    /// orphaned is not stopped by SIGTSTP (no shell could continue it): then this returns at
    /// once and the UI simply carries on.
    pub fn stop_self(&mut self) -> io::Result<()> {
        self.suspend();
        // As vim and less do: the whole group, in case nsview runs inside a pipeline or wrapper.
        let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(0), nix::sys::signal::SIGTSTP);
        self.resume()
    }

    /// After SIGCONT that nsview did not ask for (`kill -STOP`, then `fg`): the shell has reset
    /// the modes meanwhile, so they are set again from scratch.
    pub fn reenter(&mut self) -> io::Result<()> {
        let _ = disable_raw_mode();
        self.resume()
    }
}

/// The terminal modes in force when a child was given the terminal.
pub struct Handover {
    termios: Option<nix::sys::termios::Termios>,
}

/// Runs `f` with SIGTTOU blocked in this thread: a process outside the foreground group may
/// change it only then (tcsetpgrp(3)); otherwise the kernel stops the whole UI with SIGTTOU.
fn with_sigttou_blocked<T>(f: impl FnOnce() -> T) -> T {
    use nix::sys::signal::{SigSet, SigmaskHow, Signal, pthread_sigmask};
    let mut ttou = SigSet::empty();
    ttou.add(Signal::SIGTTOU);
    let mut old = SigSet::empty();
    let blocked = pthread_sigmask(SigmaskHow::SIG_BLOCK, Some(&ttou), Some(&mut old)).is_ok();
    let out = f();
    if blocked {
        let _ = pthread_sigmask(SigmaskHow::SIG_SETMASK, Some(&old), None);
    }
    out
}

/// Makes nsview's own process group the terminal's foreground group again.
pub fn take_terminal() -> io::Result<()> {
    let own = nix::unistd::getpgrp();
    with_sigttou_blocked(|| nix::unistd::tcsetpgrp(io::stdin().as_fd(), own))
        .map_err(io::Error::from)
}

/// Runs in the forked child before exec: a process group of its own, made the terminal's
/// foreground group, so the child's shell does its job control on a terminal it owns and a
/// ^C or ^Z typed into it never reaches the UI.
fn become_foreground_group() -> io::Result<()> {
    // SAFETY: setpgid, sigemptyset, sigaddset, sigprocmask, getpid and tcsetpgrp are
    // async-signal-safe and touch only this (forked, single-threaded) process and local data.
    unsafe {
        if libc::setpgid(0, 0) != 0 {
            return Err(io::Error::last_os_error());
        }
        let mut ttou: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut ttou);
        libc::sigaddset(&mut ttou, libc::SIGTTOU);
        let mut old: libc::sigset_t = std::mem::zeroed();
        libc::sigprocmask(libc::SIG_BLOCK, &ttou, &mut old);
        // Errors ignored: the parent sets it too, and a failure here must not stop the child.
        libc::tcsetpgrp(libc::STDIN_FILENO, libc::getpid());
        // The mask survives exec: the child must not start with SIGTTOU blocked.
        libc::sigprocmask(libc::SIG_SETMASK, &old, std::ptr::null_mut());
    }
    Ok(())
}

/// Arranges for `command`'s process to start in its own foreground process group.
pub fn in_own_foreground_group(command: &mut Command) {
    // SAFETY: the hook runs between fork and exec and only calls async-signal-safe functions
    // (see become_foreground_group); it allocates nothing and takes no lock.
    unsafe {
        command.pre_exec(become_foreground_group);
    }
}

/// Waits for the child `pid` started with [`in_own_foreground_group`] and reaps it. The parent
/// sets the group and the terminal too (whichever of the two runs first wins; the shells' job
/// control idiom). A child that stops (the UI does no job control, so nobody could continue
/// it) is given the terminal again and continued.
pub fn wait_in_foreground(pid: u32) -> io::Result<ExitStatus> {
    use nix::unistd::Pid;
    let raw = i32::try_from(pid).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    let child = Pid::from_raw(raw);
    let _ = nix::unistd::setpgid(child, child);
    let give = || with_sigttou_blocked(|| nix::unistd::tcsetpgrp(io::stdin().as_fd(), child));
    let _ = give();
    loop {
        let mut status = 0;
        // SAFETY: waitpid writes only into `status`, a local.
        let got = unsafe { libc::waitpid(raw, &mut status, libc::WUNTRACED) };
        if got == -1 {
            let err = io::Error::last_os_error();
            if err.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(err);
        }
        if libc::WIFSTOPPED(status) {
            let _ = give();
            let _ = nix::sys::signal::killpg(child, nix::sys::signal::SIGCONT);
            continue;
        }
        return Ok(ExitStatus::from_raw(status));
    }
}

/// The largest screen the UI draws. A terminal may report any size (10000x10000 was seen);
/// ratatui keeps two cell buffers of the reported size, so an unclamped size costs gigabytes
/// and seconds per frame. Beyond this the UI draws into the top-left corner.
pub const MAX_WIDTH: u16 = 1000;
pub const MAX_HEIGHT: u16 = 400;

/// A backend whose reported size is clamped to [`MAX_WIDTH`] x [`MAX_HEIGHT`].
pub struct Clamped<B>(pub B);

impl<B: ratatui::backend::Backend> ratatui::backend::Backend for Clamped<B> {
    type Error = B::Error;

    fn draw<'a, I>(&mut self, content: I) -> Result<(), Self::Error>
    where
        I: Iterator<Item = (u16, u16, &'a ratatui::buffer::Cell)>,
    {
        self.0.draw(content)
    }

    fn append_lines(&mut self, n: u16) -> Result<(), Self::Error> {
        self.0.append_lines(n)
    }

    fn hide_cursor(&mut self) -> Result<(), Self::Error> {
        self.0.hide_cursor()
    }

    fn show_cursor(&mut self) -> Result<(), Self::Error> {
        self.0.show_cursor()
    }

    fn get_cursor_position(&mut self) -> Result<ratatui::layout::Position, Self::Error> {
        self.0.get_cursor_position()
    }

    fn set_cursor_position<P: Into<ratatui::layout::Position>>(
        &mut self,
        position: P,
    ) -> Result<(), Self::Error> {
        self.0.set_cursor_position(position)
    }

    fn clear(&mut self) -> Result<(), Self::Error> {
        self.0.clear()
    }

    fn clear_region(&mut self, clear_type: ratatui::backend::ClearType) -> Result<(), Self::Error> {
        self.0.clear_region(clear_type)
    }

    fn size(&self) -> Result<ratatui::layout::Size, Self::Error> {
        let size = self.0.size()?;
        Ok(clamp_size(size))
    }

    fn window_size(&mut self) -> Result<ratatui::backend::WindowSize, Self::Error> {
        let mut size = self.0.window_size()?;
        size.columns_rows = clamp_size(size.columns_rows);
        Ok(size)
    }

    fn flush(&mut self) -> Result<(), Self::Error> {
        self.0.flush()
    }
}

/// A reported terminal size cut to what the UI is willing to draw.
pub fn clamp_size(size: ratatui::layout::Size) -> ratatui::layout::Size {
    ratatui::layout::Size {
        width: size.width.min(MAX_WIDTH),
        height: size.height.min(MAX_HEIGHT),
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
    /// SIGCONT: the UI was stopped and continued; the terminal modes must be set again.
    continued: Arc<AtomicBool>,
}

impl Signals {
    pub fn install() -> io::Result<Signals> {
        let signals = Signals {
            term: Arc::new(AtomicBool::new(false)),
            hangup: Arc::new(AtomicBool::new(false)),
            interrupt: Arc::new(AtomicBool::new(false)),
            continued: Arc::new(AtomicBool::new(false)),
        };
        signal_hook::flag::register(signal_hook::consts::SIGTERM, Arc::clone(&signals.term))?;
        signal_hook::flag::register(signal_hook::consts::SIGHUP, Arc::clone(&signals.hangup))?;
        signal_hook::flag::register(signal_hook::consts::SIGCONT, Arc::clone(&signals.continued))?;
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

    /// True once after each SIGCONT.
    pub fn take_continued(&self) -> bool {
        self.continued.swap(false, Ordering::Relaxed)
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

    /// A terminal that claims to be 10000x10000 and keeps nothing it is sent.
    struct Huge;

    impl ratatui::backend::Backend for Huge {
        type Error = io::Error;
        fn draw<'a, I>(&mut self, content: I) -> io::Result<()>
        where
            I: Iterator<Item = (u16, u16, &'a ratatui::buffer::Cell)>,
        {
            content.for_each(drop);
            Ok(())
        }
        fn hide_cursor(&mut self) -> io::Result<()> {
            Ok(())
        }
        fn show_cursor(&mut self) -> io::Result<()> {
            Ok(())
        }
        fn get_cursor_position(&mut self) -> io::Result<ratatui::layout::Position> {
            Ok(ratatui::layout::Position::ORIGIN)
        }
        fn set_cursor_position<P: Into<ratatui::layout::Position>>(
            &mut self,
            _: P,
        ) -> io::Result<()> {
            Ok(())
        }
        fn clear(&mut self) -> io::Result<()> {
            Ok(())
        }
        fn clear_region(&mut self, _: ratatui::backend::ClearType) -> io::Result<()> {
            Ok(())
        }
        fn size(&self) -> io::Result<ratatui::layout::Size> {
            Ok(ratatui::layout::Size::new(10_000, 10_000))
        }
        fn window_size(&mut self) -> io::Result<ratatui::backend::WindowSize> {
            Ok(ratatui::backend::WindowSize {
                columns_rows: self.size()?,
                pixels: ratatui::layout::Size::new(0, 0),
            })
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// A 10000x10000 report costs a clamped screen (the UI grew to 9 GB without it).
    #[test]
    fn an_absurd_terminal_size_is_clamped() {
        let mut terminal = Terminal::new(Clamped(Huge)).expect("terminal");
        let mut app = crate::tui::app::App::new(false);
        app.apply_scan(crate::tui::sample::small(), None);
        let started = std::time::Instant::now();
        let frame = terminal
            .draw(|frame| crate::tui::view::draw(&mut app, frame))
            .expect("draw");
        assert_eq!(
            (frame.area.width, frame.area.height),
            (MAX_WIDTH, MAX_HEIGHT)
        );
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
    }

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
