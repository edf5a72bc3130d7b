//! The terminal's modes: entering and leaving the alternate screen, raw mode and mouse capture;
//! handing the terminal to a child and taking it back; and the safety nets that restore it on a
//! panic (hook installed before raw mode) and on SIGTERM/SIGHUP (flags the loop checks).

use std::io::{self, Stdout, Write};
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

/// Signal flags the loop polls. SIGTERM and SIGHUP ask to quit (the terminal is restored on
/// the way out). SIGINT and SIGQUIT are caught only so that Ctrl-C or Ctrl-\ typed in a child
/// shell (same process group) does not kill the UI behind it.
pub struct Signals {
    quit: Arc<AtomicBool>,
    interrupt: Arc<AtomicBool>,
}

impl Signals {
    pub fn install() -> io::Result<Signals> {
        let quit = Arc::new(AtomicBool::new(false));
        let interrupt = Arc::new(AtomicBool::new(false));
        for signal in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGHUP] {
            signal_hook::flag::register(signal, Arc::clone(&quit))?;
        }
        for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGQUIT] {
            signal_hook::flag::register(signal, Arc::clone(&interrupt))?;
        }
        Ok(Signals { quit, interrupt })
    }

    /// True when SIGTERM/SIGHUP arrived, or SIGINT while no child was running.
    pub fn should_quit(&self) -> bool {
        self.quit.load(Ordering::Relaxed) || self.interrupt.load(Ordering::Relaxed)
    }

    /// Forgets interrupts that were meant for a child.
    pub fn forget_interrupts(&self) {
        self.interrupt.store(false, Ordering::Relaxed);
    }
}
