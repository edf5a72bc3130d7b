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

    /// A bad argument of `nsview <command>` (`""`: of `nsview` itself): exit 2, as clap's own
    /// usage errors, and the line names that command's help, as [`usage_line`] does for them.
    pub fn usage(command: &str, message: impl fmt::Display) -> Exit {
        let command = match command {
            "" => "nsview".to_string(),
            name => format!("nsview {name}"),
        };
        Exit::new(2, format!("{message}; try '{command} --help'"))
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
    usage_line_for(rendered, None)
}

/// [`usage_line`], naming `nsview <subcommand> --help` when clap's message has no usage line
/// to take the command from (a missing option value: "a value is required for '--pid'").
pub fn usage_line_for(rendered: &str, subcommand: Option<&str>) -> String {
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
        .or_else(|| subcommand.map(|name| format!("nsview {name}")))
        .unwrap_or_else(|| "nsview".to_string());
    format!("{}; try '{command} --help'", crate::text::safe(problem))
}

/// True when the error is a write to a closed pipe, anywhere in its chain.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Prints the error as one line and returns the exit code for it. The line is made safe for a
/// terminal ([`crate::text::safe`]): an error's context often quotes a host string (a path
/// from a mount namespace, a comm), and a control byte in it must not reach root's terminal,
/// nor a newline forge a second line.
pub fn report(err: &anyhow::Error) -> i32 {
    if is_broken_pipe(err) {
        return 0;
    }
    let code = err.downcast_ref::<Exit>().map_or(1, |e| e.code);
    // `{:#}` joins the context chain with ": " on one line.
    let line = one_line(&format!("{err:#}"));
    eprintln!("nsview: {line}");
    copy_to_parent(&line);
    code
}

/// Any message as one terminal-safe line: control bytes (newlines included) become `\xNN`.
pub fn one_line(message: &str) -> String {
    crate::text::safe(message).into_owned()
}

/// The exit code of a panic (Rust's own for a panicking `main`).
pub const PANIC_EXIT: i32 = 101;

/// Makes every panic one terminal-safe line, `nsview: internal error: MESSAGE (at FILE:LINE)`,
/// on stderr (and in the parent UI's error pipe), instead of Rust's multi-line report that
/// quotes the payload raw: a panic message may carry a host string. The main thread then
/// unwinds (its guards restore the terminal, remove what they made) and exits with
/// [`PANIC_EXIT`]; any other thread ends the process with that code at once, so a bug in a
/// scan or reader thread is never half-hidden. Call first thing in `main`.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| info.payload().downcast_ref::<String>().map(String::as_str))
            .unwrap_or("a panic without a message");
        let line = panic_line(message, info.location().map(|l| (l.file(), l.line())));
        {
            use std::io::Write;
            // Not eprintln!: a failed write must not panic inside the hook.
            let _ = writeln!(std::io::stderr(), "nsview: {line}");
        }
        copy_to_parent(&line);
        if std::thread::current().name() != Some("main") {
            std::process::exit(PANIC_EXIT);
        }
    }));
}

/// `internal error: MESSAGE (at FILE:LINE)` as one line (control bytes escaped).
pub fn panic_line(message: &str, location: Option<(&str, u32)>) -> String {
    let place = location.map_or(String::new(), |(file, line)| format!(" (at {file}:{line})"));
    one_line(&format!("internal error: {message}{place}"))
}

/// A panic on demand, in debug builds only, for the tests of [`install_panic_hook`]:
/// `NSVIEW_TEST_PANIC=MESSAGE` panics in `main`, `NSVIEW_TEST_PANIC_THREAD=MESSAGE` in a
/// thread of its own. Release builds have no such switch.
pub fn test_panic() {
    #[cfg(debug_assertions)]
    {
        if let Some(message) = std::env::var_os("NSVIEW_TEST_PANIC") {
            panic!("{}", message.to_string_lossy());
        }
        if let Some(message) = std::env::var_os("NSVIEW_TEST_PANIC_THREAD") {
            let message = message.to_string_lossy().into_owned();
            let thread = std::thread::Builder::new()
                .name("test-panic".into())
                .spawn(move || panic!("{message}"));
            if let Ok(thread) = thread {
                let _ = thread.join();
            }
        }
    }
}

/// The parent's error pipe, checked once at start-up.
static PARENT_ERROR_FD: std::sync::OnceLock<Option<std::os::fd::OwnedFd>> =
    std::sync::OnceLock::new();

/// Adopts the error pipe a parent nsview UI named with the internal `--ui-error-fd` flag, and
/// marks it close-on-exec so the command `enter` runs does not inherit it. The number comes
/// only from the command line (never the environment, which `sudo -E` or a wrapper would hand
/// to root), and it is used only when it is an anonymous pipe open for writing and our parent
/// runs this same binary; anything else is left alone, untouched and unowned. Call first
/// thing in `main`.
pub fn take_parent_error_fd(fd: Option<i32>) {
    let _ = PARENT_ERROR_FD.set(fd.and_then(adopt_parent_pipe));
}

/// `PIPEFS_MAGIC` (linux/magic.h): what fstatfs says about an anonymous pipe; a named FIFO
/// reports the filesystem it lives on.
const PIPEFS_MAGIC: i64 = 0x5049_5045;

fn adopt_parent_pipe(fd: i32) -> Option<std::os::fd::OwnedFd> {
    use std::os::fd::{BorrowedFd, FromRawFd, OwnedFd};
    if fd <= 2 {
        return None;
    }
    // SAFETY: F_GETFD only asks whether the number is an open fd.
    if unsafe { libc::fcntl(fd, libc::F_GETFD) } < 0 {
        return None;
    }
    // SAFETY: the fd is open (checked above) and nothing in this still single-threaded process
    // closes it while it is borrowed for the checks below.
    let borrowed = unsafe { BorrowedFd::borrow_raw(fd) };
    if !is_write_end_of_a_pipe(borrowed) || !crate::kernel::own::parent_runs_this_binary() {
        return None;
    }
    // SAFETY: an open pipe the parent nsview made for us alone; nothing else here owns it.
    let owned = unsafe { OwnedFd::from_raw_fd(fd) };
    rustix::io::fcntl_setfd(&owned, rustix::io::FdFlags::CLOEXEC).ok()?;
    Some(owned)
}

/// True for the write end of an anonymous pipe (not a named FIFO, not a file or terminal).
fn is_write_end_of_a_pipe(fd: std::os::fd::BorrowedFd<'_>) -> bool {
    let Ok(stat) = rustix::fs::fstat(fd) else {
        return false;
    };
    let Ok(fs) = rustix::fs::fstatfs(fd) else {
        return false;
    };
    let Ok(flags) = rustix::fs::fcntl_getfl(fd) else {
        return false;
    };
    #[allow(clippy::unnecessary_cast)] // f_type's width differs between architectures
    let on_pipefs = fs.f_type as i64 == PIPEFS_MAGIC;
    rustix::fs::FileType::from_raw_mode(stat.st_mode) == rustix::fs::FileType::Fifo
        && on_pipefs
        && flags & rustix::fs::OFlags::RWMODE == rustix::fs::OFlags::WRONLY
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
    fn a_panic_is_one_escaped_line() {
        assert_eq!(
            panic_line("index out of bounds", Some(("src/scan/mod.rs", 42))),
            "internal error: index out of bounds (at src/scan/mod.rs:42)"
        );
        assert_eq!(
            panic_line("bad comm \x1b]0;EVIL\x07\nnsview: all clear", None),
            "internal error: bad comm \\x1b]0;EVIL\\x07\\x0ansview: all clear"
        );
    }

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
        assert_eq!(
            usage_line_for(
                "error: a value is required for '--pid <PID>' but none was supplied\n\n\
                 For more information, try '--help'.\n",
                Some("enter")
            ),
            "a value is required for '--pid <PID>' but none was supplied; \
             try 'nsview enter --help'"
        );
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
    fn only_the_write_end_of_an_anonymous_pipe_is_adopted() {
        use std::os::fd::AsFd;
        let (read, write) = rustix::pipe::pipe().expect("pipe");
        assert!(is_write_end_of_a_pipe(write.as_fd()));
        assert!(!is_write_end_of_a_pipe(read.as_fd()));
        let dir = tempfile::tempdir().expect("tempdir");
        let file = std::fs::File::create(dir.path().join("f")).expect("file");
        assert!(!is_write_end_of_a_pipe(file.as_fd()));
        let fifo = dir.path().join("fifo");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::S_IRWXU).expect("mkfifo");
        // O_RDWR never blocks on a FIFO; its write-only open would wait for a reader.
        let named = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&fifo)
            .expect("open fifo");
        let named_write = std::fs::OpenOptions::new()
            .write(true)
            .open(&fifo)
            .expect("open fifo for writing");
        assert!(!is_write_end_of_a_pipe(named_write.as_fd()), "a named FIFO");
        drop(named);
        assert!(adopt_parent_pipe(1).is_none() && adopt_parent_pipe(-1).is_none());
    }

    #[test]
    fn exit_code_travels_with_the_error() {
        let err = anyhow::Error::from(Exit::new(127, "ls: command not found"));
        assert_eq!(report(&err), 127);
        assert_eq!(report(&anyhow::anyhow!("plain")), 1);
    }
}
