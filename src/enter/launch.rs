//! Running the command once the namespaces are entered: pick the shell, exec with the shell's
//! 126/127 conventions, and (after a pid or time namespace) fork and pass the child's stops,
//! exit code or death signal through as nsenter does, without its gaps.

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::sync::atomic::{AtomicI32, Ordering};

use nix::sys::signal::Signal;
use nix::sys::wait::{WaitPidFlag, WaitStatus};
use nix::unistd::Pid;

use crate::error::Exit;

/// Shells to try when no command is given, before entering: `$SHELL`, then the login shell of
/// the calling uid (getpwuid, which also asks NSS). Which one exists is decided after entering
/// (inside the mount namespace).
pub fn shell_candidates() -> Vec<String> {
    let mut shells = Vec::new();
    if let Some(shell) = std::env::var_os("SHELL").filter(|s| !s.is_empty()) {
        shells.push(shell.to_string_lossy().into_owned());
    }
    if let Some(shell) = crate::scan::users::login_shell(nix::unistd::getuid().as_raw()) {
        shells.push(shell.to_string_lossy().into_owned());
    }
    shells
}

/// The first candidate that is an executable absolute path here (inside the entered mount
/// namespace), else /bin/sh.
pub fn pick_shell(candidates: &[String], executable: impl Fn(&Path) -> bool) -> String {
    candidates
        .iter()
        .find(|s| s.starts_with('/') && executable(Path::new(s.as_str())))
        .cloned()
        .unwrap_or_else(|| "/bin/sh".into())
}

pub fn is_executable(path: &Path) -> bool {
    nix::unistd::access(path, nix::unistd::AccessFlags::X_OK).is_ok() && path.is_file()
}

/// Replaces this process with the command, looked up on PATH as the shell would (now, after
/// entering, so inside the mount namespace). Returns only on failure, with 127 for "not found"
/// and 126 for "found but cannot run", as shells and nsenter exit.
pub fn exec(argv: &[String], where_: &str) -> Exit {
    let Some(program) = argv.first() else {
        return Exit::failure("no command");
    };
    let c_args: Result<Vec<CString>, _> = argv
        .iter()
        .map(|a| CString::new(std::ffi::OsStr::new(a).as_bytes()))
        .collect();
    let Ok(c_args) = c_args else {
        return Exit::failure(format!("{program}: argument contains a NUL byte"));
    };
    // The Rust runtime ignores SIGPIPE; an ignored signal stays ignored across exec.
    // SAFETY: resetting a disposition to the default touches no Rust state.
    // It fails only for an invalid signal (EINVAL), which SIGPIPE is not.
    unsafe {
        let _ = nix::sys::signal::signal(Signal::SIGPIPE, nix::sys::signal::SigHandler::SigDfl);
    }
    let err = match nix::unistd::execvp(&c_args[0], &c_args) {
        Err(err) => err,
        Ok(never) => match never {},
    };
    exec_error(program, err, where_)
}

/// Maps an exec failure to the shell's exit code and a one-line message.
pub fn exec_error(program: &str, err: nix::Error, where_: &str) -> Exit {
    match err {
        nix::Error::ENOENT | nix::Error::ENOTDIR => {
            Exit::new(127, format!("{program}: command not found{where_}"))
        }
        nix::Error::EACCES | nix::Error::EPERM => {
            Exit::new(126, format!("{program}: permission denied{where_}"))
        }
        other => Exit::new(
            126,
            format!("{program}: cannot execute{where_}: {}", other.desc()),
        ),
    }
}

/// What the parent does with one wait status of its child.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Next {
    Exit(i32),
    DieBy(Signal),
    /// The child stopped: stop ourselves so the shell sees the job stop, then continue it.
    Stop,
    Wait,
}

pub fn next_step(status: WaitStatus) -> Next {
    match status {
        WaitStatus::Exited(_, code) => Next::Exit(code),
        WaitStatus::Signaled(_, signal, _) => Next::DieBy(signal),
        WaitStatus::Stopped(..) => Next::Stop,
        _ => Next::Wait,
    }
}

/// The child being supervised, for the forwarding signal handler.
static CHILD: AtomicI32 = AtomicI32::new(0);

extern "C" fn forward(signal: libc::c_int, info: *mut libc::siginfo_t, _: *mut libc::c_void) {
    // Signals from the terminal (si_code SI_KERNEL) reach the child's process group by
    // themselves; forward only what a process sent to us alone (kill, sigqueue: si_code <= 0).
    // SAFETY: the kernel passes a valid siginfo to an SA_SIGINFO handler.
    let from_process = info.is_null() || unsafe { (*info).si_code } <= 0;
    let child = CHILD.load(Ordering::Relaxed);
    if from_process && child > 0 {
        // SAFETY: kill is async-signal-safe. Unchecked: the only failure is ESRCH (the child is
        // already gone, which waitpid reports), and a handler can do nothing else anyway.
        unsafe { libc::kill(child, signal) };
    }
}

/// Signals a parent passes on to its child, so that `kill <nsview>` reaches the command.
const FORWARDED: [libc::c_int; 6] = [
    libc::SIGHUP,
    libc::SIGINT,
    libc::SIGQUIT,
    libc::SIGTERM,
    libc::SIGUSR1,
    libc::SIGUSR2,
];

fn install_forwarding() {
    for signal in FORWARDED {
        // SAFETY: a zeroed sigaction is valid; the handler only does async-signal-safe work.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = forward as *const () as usize;
            action.sa_flags = libc::SA_SIGINFO | libc::SA_RESTART;
            libc::sigemptyset(&mut action.sa_mask);
            // sigaction fails only for an invalid signal or SIGKILL/SIGSTOP (EINVAL); the
            // list above has none of them, so a failure is a bug in that list.
            let installed = libc::sigaction(signal, &action, std::ptr::null_mut());
            debug_assert_eq!(installed, 0, "sigaction({signal})");
        }
    }
}

/// Forks. The child returns `None` and goes on to exec; it is killed if nsview dies first, so
/// nothing is left behind. The parent waits and returns the child's exit code, or dies by the
/// child's signal (never returns then).
pub fn fork_and_wait() -> anyhow::Result<Option<i32>> {
    let parent = nix::unistd::getpid();
    // SAFETY: this process is single-threaded (checked before setns), so the child may run
    // arbitrary code.
    match unsafe { nix::unistd::fork() }.map_err(|e| Exit::failure(format!("fork failed: {e}")))? {
        nix::unistd::ForkResult::Child => {
            // SAFETY: prctl(PR_SET_PDEATHSIG) only sets a flag on this process.
            if unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) } != 0 {
                // Without it the command could outlive a killed nsview: do not run it.
                eprintln!(
                    "nsview: prctl(PR_SET_PDEATHSIG) failed: {}",
                    std::io::Error::last_os_error()
                );
                std::process::exit(1);
            }
            // The parent may have died before the prctl. In a new pid namespace the parent is
            // invisible and getppid() is 0.
            let ppid = nix::unistd::getppid();
            if ppid != parent && ppid.as_raw() != 0 {
                std::process::exit(1);
            }
            Ok(None)
        }
        nix::unistd::ForkResult::Parent { child } => Ok(Some(supervise(child))),
    }
}

fn supervise(child: Pid) -> i32 {
    CHILD.store(child.as_raw(), Ordering::Relaxed);
    install_forwarding();
    loop {
        match nix::sys::wait::waitpid(child, Some(WaitPidFlag::WUNTRACED)) {
            Ok(status) => match next_step(status) {
                Next::Exit(code) => return code,
                Next::DieBy(signal) => die_by(signal),
                Next::Stop => {
                    let _ = nix::sys::signal::raise(Signal::SIGSTOP);
                    let _ = nix::sys::signal::kill(child, Signal::SIGCONT);
                }
                Next::Wait => {}
            },
            Err(nix::Error::EINTR) => {}
            Err(err) => {
                eprintln!("nsview: waiting for the command failed: {err}");
                return 1;
            }
        }
    }
}

/// Dies by `signal` with its default action, so a shell sees 128+N exactly as if the command
/// had been run directly. nsenter re-raises without resetting the disposition, which a
/// handled or ignored signal survives.
fn die_by(signal: Signal) -> ! {
    let raw = signal as i32;
    // SAFETY: resetting a disposition and the mask touches no Rust state; the process ends.
    // The results are not checked: each call can fail only for an invalid argument, and if the
    // signal still does not end the process, the exit below gives the shell's 128+N anyway.
    unsafe {
        libc::signal(raw, libc::SIG_DFL);
        // The command already dumped its own core if it was going to; nsview should not add one.
        let no_core = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        libc::setrlimit(libc::RLIMIT_CORE, &no_core);
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, raw);
        libc::sigprocmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
        libc::raise(raw);
    }
    // A signal whose default is to continue or be ignored cannot kill: mimic the shell's code.
    std::process::exit(128 + raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_wait_statuses() {
        let pid = Pid::from_raw(5);
        assert_eq!(next_step(WaitStatus::Exited(pid, 42)), Next::Exit(42));
        assert_eq!(
            next_step(WaitStatus::Signaled(pid, Signal::SIGTERM, false)),
            Next::DieBy(Signal::SIGTERM)
        );
        assert_eq!(
            next_step(WaitStatus::Stopped(pid, Signal::SIGTSTP)),
            Next::Stop
        );
        assert_eq!(next_step(WaitStatus::Continued(pid)), Next::Wait);
    }

    #[test]
    fn maps_exec_errors_to_shell_codes() {
        let e = exec_error("nope", nix::Error::ENOENT, " in mnt:[1]");
        assert_eq!(
            (e.code, e.message.as_str()),
            (127, "nope: command not found in mnt:[1]")
        );
        assert_eq!(exec_error("x", nix::Error::EACCES, "").code, 126);
        assert_eq!(exec_error("x", nix::Error::ENOEXEC, "").code, 126);
    }

    #[test]
    fn picks_a_shell() {
        let candidates = vec!["fish".to_string(), "/bin/zsh".into(), "/bin/bash".into()];
        assert_eq!(
            pick_shell(&candidates, |p| p == Path::new("/bin/bash")),
            "/bin/bash"
        );
        assert_eq!(pick_shell(&candidates, |_| false), "/bin/sh");
    }
}
