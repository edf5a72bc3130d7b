//! The user-facing end of errors: one line on stderr, a meaningful exit code, and a quiet exit
//! when stdout is a closed pipe (`nsview --list | head`).

use std::fmt;

/// An error that carries the exit code it should end the program with (lsns uses 1 for all
/// its errors; `enter` passes 126/127 through as nsenter and shells do).
#[derive(Debug)]
pub struct Exit {
    pub code: i32,
    pub message: String,
}

impl Exit {
    pub fn new(code: i32, message: impl Into<String>) -> Exit {
        Exit {
            code,
            message: message.into(),
        }
    }

    /// An error with lsns's exit code.
    pub fn failure(message: impl Into<String>) -> Exit {
        Exit::new(1, message)
    }
}

impl fmt::Display for Exit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Exit {}

/// clap's multi-line usage error (problem, tip, usage, "for more information") as one line:
/// the problem, then a pointer to `--help`.
pub fn usage_line(rendered: &str) -> String {
    // The problem is the first paragraph; clap continues it on indented lines
    // ("the following required arguments were not provided:\n  <NAMESPACE>").
    let problem: Vec<&str> = rendered
        .lines()
        .map(str::trim)
        .skip_while(|line| line.is_empty())
        .take_while(|line| !line.is_empty())
        .collect();
    let problem = problem.join(" ");
    let problem = problem.strip_prefix("error: ").unwrap_or(&problem);
    let problem = if problem.is_empty() {
        "invalid arguments"
    } else {
        problem
    };
    // The help of the command the error belongs to: clap's usage line names it
    // ("Usage: nsview enter --pid <PID> <NAMESPACE> [CMD]...").
    let command = rendered
        .lines()
        .find_map(|line| line.trim().strip_prefix("Usage: "))
        .map(|usage| {
            usage
                .split_whitespace()
                .take_while(|word| !word.starts_with(['[', '<', '-']))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|command| command.starts_with("nsview"))
        .unwrap_or_else(|| "nsview".to_string());
    format!("{problem}; try '{command} --help'")
}

/// True when the error is a write to a closed pipe, anywhere in its chain.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Set by the TUI when it runs `nsview enter` as a child: the number of an inherited pipe fd
/// that also receives the error line, because the child's stderr is the terminal the UI repaints.
pub const ERROR_FD_ENV: &str = "NSVIEW_ERROR_FD";

/// Prints the error as one line and returns the exit code for it.
pub fn report(err: &anyhow::Error) -> i32 {
    if is_broken_pipe(err) {
        return 0;
    }
    let code = err.downcast_ref::<Exit>().map_or(1, |e| e.code);
    // `{:#}` joins the context chain with ": " on one line.
    let line = format!("{err:#}").replace('\n', " ");
    eprintln!("nsview: {line}");
    copy_to_parent(&line);
    code
}

/// The parent's error pipe, taken from the environment once at start-up.
static PARENT_ERROR_FD: std::sync::OnceLock<Option<std::os::fd::OwnedFd>> =
    std::sync::OnceLock::new();

/// Takes the error pipe a parent nsview passed (see [`ERROR_FD_ENV`]) out of the environment
/// and marks it close-on-exec, so the command `enter` runs inherits neither the variable nor
/// the fd. Call first thing in `main`, while the process is still single-threaded.
pub fn take_parent_error_fd() {
    let fd = std::env::var(ERROR_FD_ENV)
        .ok()
        .and_then(|v| v.parse::<i32>().ok());
    // SAFETY: called at the start of main, before any thread exists, so nothing reads the
    // environment concurrently.
    unsafe { std::env::remove_var(ERROR_FD_ENV) };
    let owned = fd.filter(|&fd| fd > 2).and_then(|fd| {
        // SAFETY: F_GETFD only asks whether the number is an open fd; nothing else owns it
        // in this process (the parent opened it for us alone).
        (unsafe { libc::fcntl(fd, libc::F_GETFD) } >= 0).then(|| {
            // SAFETY: an open fd handed to us by the parent, owned by nothing else here.
            let owned =
                unsafe { <std::os::fd::OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fd) };
            // Best effort: if it fails, a command nsview execs inherits a pipe to the parent
            // nsview, which only means that parent may see its EOF late.
            let _ = rustix::io::fcntl_setfd(&owned, rustix::io::FdFlags::CLOEXEC);
            owned
        })
    });
    // Err only when already set: this runs once, at the start of main.
    let _ = PARENT_ERROR_FD.set(owned);
}

/// Also sends the line to a parent nsview's status line, when there is one.
fn copy_to_parent(line: &str) {
    use std::io::Write;
    if let Some(Some(fd)) = PARENT_ERROR_FD.get()
        && let Ok(copy) = fd.try_clone()
    {
        let _ = writeln!(std::fs::File::from(copy), "{line}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_broken_pipe_in_a_chain() {
        let err = anyhow::Error::from(std::io::Error::from(std::io::ErrorKind::BrokenPipe))
            .context("writing the table");
        assert!(is_broken_pipe(&err));
        assert_eq!(report(&err), 0);
    }

    #[test]
    fn usage_errors_become_one_line() {
        let rendered = "error: unexpected argument '--bogus' found\n\n  tip: to pass '--bogus' as a \
                        value, use '-- --bogus'\n\nUsage: nsview [OPTIONS] [NAMESPACE]\n\n\
                        For more information, try '--help'.\n";
        assert_eq!(
            usage_line(rendered),
            "unexpected argument '--bogus' found; try 'nsview --help'"
        );
        assert_eq!(usage_line(""), "invalid arguments; try 'nsview --help'");
        let missing = "error: the following required arguments were not provided:\n  <NAMESPACE>\n\nUsage: x\n";
        assert_eq!(
            usage_line(missing),
            "the following required arguments were not provided: <NAMESPACE>; try 'nsview --help'"
        );
        let enter = "error: the following required arguments were not provided:\n  <NAMESPACE>\n\n\
                     Usage: nsview enter --pid <PID> <NAMESPACE> [CMD]...\n";
        assert_eq!(
            usage_line(enter),
            "the following required arguments were not provided: <NAMESPACE>; \
             try 'nsview enter --help'"
        );
    }

    #[test]
    fn exit_code_travels_with_the_error() {
        let err = anyhow::Error::from(Exit::new(127, "ls: command not found"));
        assert_eq!(report(&err), 127);
        assert_eq!(report(&anyhow::anyhow!("plain")), 1);
    }
}
