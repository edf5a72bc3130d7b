//! What can happen to the UI: every [`Action`] a key, the mouse or a worker can ask for, the
//! [`Command`]s (side effects) the app hands back to the loop, and the children it launches
//! ([`Launch`]) with how they ended ([`ChildOutcome`]). Plain data; `App::update` gives them
//! meaning.

use super::inside::Found;
use super::tree::View;

/// Everything a key or mouse event can ask for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    Quit,
    /// ^Z: stop the UI as any job is stopped.
    Suspend,
    /// Next sort key (inode, processes, name, type).
    NextSort,
    /// Reverse the sort order.
    ReverseSort,
    /// Zoom the detail pane to the whole screen, or back.
    Zoom,
    /// Select the next row that changed in a recent scan.
    NextChange,
    /// Pause or resume the automatic refresh.
    Pause,
    /// Refresh half as often.
    Slower,
    /// Refresh twice as often.
    Faster,
    /// Select the next namespace the detail pane refers to.
    Follow,
    /// Open everything in the view.
    ExpandAll,
    /// Close everything in the view.
    CollapseAll,
    Up,
    Down,
    PageUp,
    PageDown,
    Home,
    End,
    Collapse,
    Expand,
    Toggle,
    /// Enter: toggles a group, spawns a shell on a namespace, enters a process's namespaces.
    Activate,
    NextView,
    PrevView,
    SelectView(View),
    StartFilter,
    FilterInput(char),
    FilterBackspace,
    /// Leaves filter typing, keeping the filter.
    FilterDone,
    /// Esc: drops the filter (and any error message).
    ClearFilter,
    ToggleHelp,
    Refresh,
    Shell,
    EnterProcess,
    StartPrompt,
    PromptInput(char),
    PromptBackspace,
    PromptSubmit,
    PromptCancel,
    /// `R`: release a probable leak (asks first).
    Release,
    /// `y` in the release confirmation.
    ConfirmYes,
    /// Any other key there.
    ConfirmNo,
    /// A left click at a screen position.
    Click {
        column: u16,
        row: u16,
    },
    ScrollUp,
    ScrollDown,
    /// The background worker read details for the detail pane.
    Details(Box<Found>),
    /// Scrolls the detail pane by this many lines (J/K, Shift-↑/↓).
    DetailScroll(i16),
    /// Scrolls the help overlay when it does not fit.
    HelpScroll(i16),
    /// The mouse wheel at a screen position: scrolls the pane under it.
    Wheel {
        column: u16,
        row: u16,
        down: bool,
    },
}

/// A side effect for the loop that owns the terminal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    Quit,
    /// ^Z: stop the UI (terminal restored) until the shell continues it.
    Suspend,
    Rescan,
    Run(Launch),
}

/// A child `nsview` to run with the terminal handed over.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Launch {
    /// Arguments after the program name, e.g. `["enter", "4026532301"]`.
    pub args: Vec<String>,
    /// For messages: `"shell in uts:[4026532301]"`.
    pub what: String,
    /// Wait for Enter after the child exits, so a command's output can be read.
    pub pause: bool,
}

impl Launch {
    /// The one line on the clean screen before the child starts: where it runs.
    pub fn banner(&self) -> String {
        let after = if self.pause {
            "its output stays until Enter"
        } else {
            "exit to return"
        };
        // `what` holds host strings (names, comms): escaped, as it goes straight to the terminal.
        format!("nsview: {}; {after}", crate::text::safe(&self.what))
    }
}

/// How a child run ended, as the loop saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChildOutcome {
    /// Exit status and whatever the child reported on its error channel.
    Exited { code: i32, error: Option<String> },
    /// Killed by a signal.
    Signalled(i32),
    /// Could not be started at all.
    SpawnFailed(String),
}

impl ChildOutcome {
    /// "exit status 1", "killed by signal 9 (SIGKILL)", …
    pub fn describe(&self) -> String {
        match self {
            ChildOutcome::Exited { code, .. } => format!("exit status {code}"),
            ChildOutcome::Signalled(signal) => match nix::sys::signal::Signal::try_from(*signal) {
                Ok(name) => format!("killed by signal {signal} ({name})"),
                Err(_) => format!("killed by signal {signal}"),
            },
            ChildOutcome::SpawnFailed(why) => format!("not started: {why}"),
        }
    }
}
