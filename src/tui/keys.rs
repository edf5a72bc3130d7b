//! Key and mouse bindings: a pure function from an input event (in the current [`Mode`]) to an
//! [`Action`], and the help table the `?` overlay shows. No state, no terminal.

use ratatui::crossterm::event::{
    Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};

use super::app::{Action, Mode, View};

/// Every key of normal mode and every mark on screen, as the help overlay lists them. An
/// entry with an empty key is a section heading. Short enough for two columns at 80x24.
pub const HELP: &[(&str, &str)] = &[
    ("", "move"),
    ("↑↓ k j", "up / down"),
    ("PgUp PgDn", "a page (^b ^f)"),
    ("Home End", "first / last (g G)"),
    ("← h  → l", "fold/unfold, ← to parent"),
    ("Spc Enter", "open / close"),
    ("* -", "open all / close all"),
    ("Tab 1 2 3", "type / owner / pid tree"),
    ("n", "next change (+ or -)"),
    ("f", "follow peer/parent/owner"),
    ("", "act"),
    ("s", "shell (process: all ns)"),
    ("x", "run a command line"),
    ("e", "process: enter all ns"),
    ("R", "release a probable leak"),
    ("/  Esc", "filter / clear it"),
    ("o O", "sort key / reverse"),
    ("z  J K", "zoom / scroll the pane"),
    ("r  p", "rescan / pause refresh"),
    ("< >", "refresh faster/slower"),
    ("? F1", "help (q, Esc close)"),
    ("q ^c  ^z", "quit / suspend (fg)"),
    ("", "marks"),
    ("▸ ▾", "closed / open"),
    ("▶", "the selected row"),
    ("+ -", "new / gone (30 s)"),
    ("underline", "matches the filter"),
    ("host", "the initial namespaces"),
    ("PROCS", "processes in it"),
    ("= ≠", "is / is not the host's"),
    ("leak!", "probable leak (is:leak)"),
    ("", "filter"),
    ("words", "inode type name cmd…"),
    ("type:net", "name: pid: user: cmd:"),
    ("~re  !x", "regex / inverse"),
    ("mouse", "click, wheel scrolls"),
];

/// The action an input event asks for in `mode`, if any.
pub fn action_for(mode: Mode, event: &Event) -> Option<Action> {
    match event {
        Event::Key(key) if key.kind != KeyEventKind::Release => key_action(mode, key),
        Event::Mouse(mouse) => mouse_action(mode, mouse),
        _ => None,
    }
}

fn key_action(mode: Mode, key: &KeyEvent) -> Option<Action> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && key.code == KeyCode::Char('c') {
        return Some(Action::Quit);
    }
    // Raw mode turns off the terminal's own ^Z (ISIG), so the UI stops itself, in every mode.
    if ctrl && key.code == KeyCode::Char('z') {
        return Some(Action::Suspend);
    }
    match mode {
        Mode::Normal if key.modifiers.contains(KeyModifiers::SHIFT) && key.code == KeyCode::Up => {
            Some(Action::DetailScroll(-1))
        }
        Mode::Normal
            if key.modifiers.contains(KeyModifiers::SHIFT) && key.code == KeyCode::Down =>
        {
            Some(Action::DetailScroll(1))
        }
        Mode::Normal => normal_key(key.code, ctrl),
        Mode::Filter => match key.code {
            KeyCode::Esc => Some(Action::ClearFilter),
            KeyCode::Enter => Some(Action::FilterDone),
            KeyCode::Backspace => Some(Action::FilterBackspace),
            KeyCode::Up => Some(Action::Up),
            KeyCode::Down => Some(Action::Down),
            KeyCode::Char(c) if !ctrl => Some(Action::FilterInput(c)),
            _ => None,
        },
        Mode::Prompt => match key.code {
            KeyCode::Esc => Some(Action::PromptCancel),
            KeyCode::Enter => Some(Action::PromptSubmit),
            KeyCode::Backspace => Some(Action::PromptBackspace),
            KeyCode::Char(c) if !ctrl => Some(Action::PromptInput(c)),
            _ => None,
        },
        // Only `y` releases; anything else (Esc, n, Enter) keeps the mounts.
        Mode::Confirm => match key.code {
            KeyCode::Char('y') | KeyCode::Char('Y') if !ctrl => Some(Action::ConfirmYes),
            _ => Some(Action::ConfirmNo),
        },
        Mode::Help => match key.code {
            KeyCode::Up | KeyCode::Char('k') => Some(Action::HelpScroll(-1)),
            KeyCode::Down | KeyCode::Char('j') => Some(Action::HelpScroll(1)),
            KeyCode::PageUp => Some(Action::HelpScroll(-10)),
            KeyCode::PageDown | KeyCode::Char(' ') => Some(Action::HelpScroll(10)),
            // Any other key (q and Esc among them) closes the overlay, as in less and htop.
            _ => Some(Action::ToggleHelp),
        },
    }
}

fn normal_key(code: KeyCode, ctrl: bool) -> Option<Action> {
    let action = match code {
        KeyCode::Char('b') if ctrl => Action::PageUp,
        KeyCode::Char('f') if ctrl => Action::PageDown,
        _ if ctrl => return None,
        KeyCode::Char('q') => Action::Quit,
        KeyCode::Up | KeyCode::Char('k') => Action::Up,
        KeyCode::Down | KeyCode::Char('j') => Action::Down,
        KeyCode::PageUp => Action::PageUp,
        KeyCode::PageDown => Action::PageDown,
        KeyCode::Home | KeyCode::Char('g') => Action::Home,
        KeyCode::End | KeyCode::Char('G') => Action::End,
        KeyCode::Left | KeyCode::Char('h') => Action::Collapse,
        KeyCode::Right | KeyCode::Char('l') => Action::Expand,
        KeyCode::Char(' ') => Action::Toggle,
        KeyCode::Enter => Action::Activate,
        KeyCode::Tab => Action::NextView,
        KeyCode::BackTab => Action::PrevView,
        KeyCode::Char('1') => Action::SelectView(View::Type),
        KeyCode::Char('2') => Action::SelectView(View::Owner),
        KeyCode::Char('3') => Action::SelectView(View::PidTree),
        KeyCode::Char('/') => Action::StartFilter,
        KeyCode::Esc => Action::ClearFilter,
        KeyCode::Char('?') | KeyCode::F(1) => Action::ToggleHelp,
        KeyCode::Char('r') => Action::Refresh,
        KeyCode::Char('s') => Action::Shell,
        KeyCode::Char('e') => Action::EnterProcess,
        KeyCode::Char('x') => Action::StartPrompt,
        KeyCode::Char('R') => Action::Release,
        KeyCode::Char('z') => Action::Zoom,
        KeyCode::Char('n') => Action::NextChange,
        KeyCode::Char('p') => Action::Pause,
        KeyCode::Char('>') => Action::Slower,
        KeyCode::Char('<') => Action::Faster,
        KeyCode::Char('f') => Action::Follow,
        KeyCode::Char('o') => Action::NextSort,
        KeyCode::Char('O') => Action::ReverseSort,
        KeyCode::Char('*') => Action::ExpandAll,
        KeyCode::Char('-') => Action::CollapseAll,
        KeyCode::Char('K') => Action::DetailScroll(-1),
        KeyCode::Char('J') => Action::DetailScroll(1),
        _ => return None,
    };
    Some(action)
}

fn mouse_action(mode: Mode, mouse: &MouseEvent) -> Option<Action> {
    if mode == Mode::Help {
        return match mouse.kind {
            MouseEventKind::ScrollUp => Some(Action::HelpScroll(-3)),
            MouseEventKind::ScrollDown => Some(Action::HelpScroll(3)),
            _ => None,
        };
    }
    if mode == Mode::Prompt || mode == Mode::Confirm {
        return None;
    }
    let wheel = |down| {
        Some(Action::Wheel {
            column: mouse.column,
            row: mouse.row,
            down,
        })
    };
    match mouse.kind {
        MouseEventKind::Down(MouseButton::Left) => Some(Action::Click {
            column: mouse.column,
            row: mouse.row,
        }),
        MouseEventKind::ScrollUp => wheel(false),
        MouseEventKind::ScrollDown => wheel(true),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> Event {
        Event::Key(KeyEvent::new(code, KeyModifiers::NONE))
    }

    fn ctrl(c: char) -> Event {
        Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
    }

    #[test]
    fn normal_mode_table() {
        use KeyCode::*;
        let table: &[(Event, Option<Action>)] = &[
            (key(Char('q')), Some(Action::Quit)),
            (ctrl('c'), Some(Action::Quit)),
            (key(Up), Some(Action::Up)),
            (key(Char('k')), Some(Action::Up)),
            (key(Down), Some(Action::Down)),
            (key(Char('j')), Some(Action::Down)),
            (key(PageUp), Some(Action::PageUp)),
            (ctrl('b'), Some(Action::PageUp)),
            (key(PageDown), Some(Action::PageDown)),
            (ctrl('f'), Some(Action::PageDown)),
            (key(Home), Some(Action::Home)),
            (key(Char('g')), Some(Action::Home)),
            (key(End), Some(Action::End)),
            (key(Char('G')), Some(Action::End)),
            (key(Left), Some(Action::Collapse)),
            (key(Char('h')), Some(Action::Collapse)),
            (key(Right), Some(Action::Expand)),
            (key(Char('l')), Some(Action::Expand)),
            (key(Char(' ')), Some(Action::Toggle)),
            (key(Enter), Some(Action::Activate)),
            (key(Tab), Some(Action::NextView)),
            (key(BackTab), Some(Action::PrevView)),
            (key(Char('1')), Some(Action::SelectView(View::Type))),
            (key(Char('2')), Some(Action::SelectView(View::Owner))),
            (key(Char('3')), Some(Action::SelectView(View::PidTree))),
            (key(Char('/')), Some(Action::StartFilter)),
            (key(Esc), Some(Action::ClearFilter)),
            (key(Char('?')), Some(Action::ToggleHelp)),
            (key(F(1)), Some(Action::ToggleHelp)),
            (key(Char('r')), Some(Action::Refresh)),
            (key(Char('s')), Some(Action::Shell)),
            (key(Char('e')), Some(Action::EnterProcess)),
            (key(Char('x')), Some(Action::StartPrompt)),
            (key(Char('o')), Some(Action::NextSort)),
            (key(Char('O')), Some(Action::ReverseSort)),
            (key(Char('*')), Some(Action::ExpandAll)),
            (key(Char('-')), Some(Action::CollapseAll)),
            (key(Char('z')), Some(Action::Zoom)),
            (key(Char('f')), Some(Action::Follow)),
            (key(Char('n')), Some(Action::NextChange)),
            (key(Char('p')), Some(Action::Pause)),
            (key(Char('>')), Some(Action::Slower)),
            (key(Char('<')), Some(Action::Faster)),
            (key(Char('Z')), None),
            (ctrl('k'), None),
            (ctrl('z'), Some(Action::Suspend)),
            (Event::Resize(80, 24), None),
        ];
        for (event, want) in table {
            assert_eq!(&action_for(Mode::Normal, event), want, "{event:?}");
        }
    }

    #[test]
    fn filter_mode_types_letters_that_are_commands_elsewhere() {
        use KeyCode::*;
        let table: &[(Event, Option<Action>)] = &[
            (key(Char('q')), Some(Action::FilterInput('q'))),
            (key(Char('j')), Some(Action::FilterInput('j'))),
            (key(Char('/')), Some(Action::FilterInput('/'))),
            (key(Backspace), Some(Action::FilterBackspace)),
            (key(Enter), Some(Action::FilterDone)),
            (key(Esc), Some(Action::ClearFilter)),
            (key(Down), Some(Action::Down)),
            (ctrl('c'), Some(Action::Quit)),
        ];
        for (event, want) in table {
            assert_eq!(&action_for(Mode::Filter, event), want, "{event:?}");
        }
    }

    #[test]
    fn prompt_and_help_modes() {
        use KeyCode::*;
        assert_eq!(
            action_for(Mode::Prompt, &key(Char('q'))),
            Some(Action::PromptInput('q'))
        );
        assert_eq!(
            action_for(Mode::Prompt, &key(Enter)),
            Some(Action::PromptSubmit)
        );
        assert_eq!(
            action_for(Mode::Prompt, &key(Esc)),
            Some(Action::PromptCancel)
        );
        assert_eq!(
            action_for(Mode::Prompt, &key(Backspace)),
            Some(Action::PromptBackspace)
        );
        assert_eq!(action_for(Mode::Help, &key(Esc)), Some(Action::ToggleHelp));
        assert_eq!(
            action_for(Mode::Help, &key(Char('?'))),
            Some(Action::ToggleHelp)
        );
        // q and Esc close the overlay (q does not quit from under it).
        assert_eq!(
            action_for(Mode::Help, &key(Char('q'))),
            Some(Action::ToggleHelp)
        );
        assert_eq!(
            action_for(Mode::Help, &key(Down)),
            Some(Action::HelpScroll(1))
        );
        assert_eq!(
            action_for(Mode::Help, &key(PageUp)),
            Some(Action::HelpScroll(-10))
        );
        let shift = |code| Event::Key(KeyEvent::new(code, KeyModifiers::SHIFT));
        assert_eq!(
            action_for(Mode::Normal, &shift(Up)),
            Some(Action::DetailScroll(-1))
        );
        assert_eq!(
            action_for(Mode::Normal, &shift(Down)),
            Some(Action::DetailScroll(1))
        );
        assert_eq!(
            action_for(Mode::Normal, &key(Char('J'))),
            Some(Action::DetailScroll(1))
        );
        assert_eq!(
            action_for(Mode::Normal, &key(Char('K'))),
            Some(Action::DetailScroll(-1))
        );
    }

    #[test]
    fn release_events_are_ignored() {
        let mut release = KeyEvent::new(KeyCode::Char('q'), KeyModifiers::NONE);
        release.kind = KeyEventKind::Release;
        assert_eq!(action_for(Mode::Normal, &Event::Key(release)), None);
    }

    #[test]
    fn mouse_table() {
        let mouse = |kind| {
            Event::Mouse(MouseEvent {
                kind,
                column: 5,
                row: 7,
                modifiers: KeyModifiers::NONE,
            })
        };
        assert_eq!(
            action_for(
                Mode::Normal,
                &mouse(MouseEventKind::Down(MouseButton::Left))
            ),
            Some(Action::Click { column: 5, row: 7 })
        );
        assert_eq!(
            action_for(Mode::Filter, &mouse(MouseEventKind::ScrollDown)),
            Some(Action::Wheel {
                column: 5,
                row: 7,
                down: true
            })
        );
        assert_eq!(
            action_for(Mode::Normal, &mouse(MouseEventKind::ScrollUp)),
            Some(Action::Wheel {
                column: 5,
                row: 7,
                down: false
            })
        );
        assert_eq!(
            action_for(Mode::Normal, &mouse(MouseEventKind::Moved)),
            None
        );
        assert_eq!(
            action_for(Mode::Help, &mouse(MouseEventKind::ScrollUp)),
            Some(Action::HelpScroll(-3))
        );
        assert_eq!(
            action_for(Mode::Help, &mouse(MouseEventKind::Down(MouseButton::Left))),
            None
        );
    }

    #[test]
    fn help_lists_every_normal_key_and_mark() {
        let help: String = HELP.iter().map(|(k, w)| format!("{k} {w} ")).collect();
        for needle in [
            "↑",
            "↓",
            "k",
            "j",
            "PgUp",
            "PgDn",
            "Home",
            "End",
            "g",
            "G",
            "←",
            "h",
            "→",
            "l",
            "Spc",
            "Enter",
            "Tab",
            "1 2 3",
            "/",
            "Esc",
            "s",
            "x",
            "e",
            "r",
            "?",
            "F1",
            "q",
            "^c",
            "^b",
            "^f",
            "^z",
            "mouse",
            "n",
            "f",
            "o O",
            "z",
            "J K",
            "p",
            "< >",
            "* -",
            "▸ ▾",
            "▶",
            "+ -",
            "underline",
            "host",
            "PROCS",
            "= ≠",
            "~re",
            "!",
        ] {
            assert!(help.contains(needle), "help misses {needle}");
        }
        // The release confirmation: only y goes ahead.
        assert_eq!(
            action_for(Mode::Normal, &key(KeyCode::Char('R'))),
            Some(Action::Release)
        );
        assert_eq!(
            action_for(Mode::Confirm, &key(KeyCode::Char('y'))),
            Some(Action::ConfirmYes)
        );
        for other in [KeyCode::Esc, KeyCode::Enter, KeyCode::Char('n')] {
            assert_eq!(
                action_for(Mode::Confirm, &key(other)),
                Some(Action::ConfirmNo)
            );
        }
        assert!(help.contains("is:leak") && help.contains("leak!"));
        // Every key the table maps in normal mode appears in the help.
        for c in "qkjgGhl 123/?rsexonpfz*-<>JKOR".chars() {
            let bound = action_for(Mode::Normal, &key(KeyCode::Char(c))).is_some();
            assert!(bound, "{c} is not bound");
            assert!(help.contains(c), "help misses {c}");
        }
    }
}
