//! Shared test helpers: the built binary, fake /proc trees, root and feature detection, and
//! bounded-lifetime helpers that clean up by PID.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A command bound to the freshly built nsview binary.
pub fn nsview() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_nsview"));
    cmd.env("NO_COLOR", "1");
    cmd
}

/// The repository's fixtures directory.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// stdout as text, lossily.
pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// stderr as text, lossily, without the one notice every `--proc-root` run starts with
/// ("nsview: reading a fake proc root: DIR (test/offline mode)"), so tests on fixtures see
/// only what their case printed. `raw_stderr` keeps it; tests/textsafety.rs checks it.
pub fn stderr(output: &Output) -> String {
    let text = raw_stderr(output);
    match text.split_once('\n') {
        Some((first, rest))
            if first.starts_with(FAKE_ROOT_NOTICE) && first.ends_with("(test/offline mode)") =>
        {
            rest.to_string()
        }
        _ => text,
    }
}

/// The start of the notice a fake proc root prints on stderr.
pub const FAKE_ROOT_NOTICE: &str = "nsview: reading a fake proc root: ";

/// stderr as text, lossily, exactly as printed.
pub fn raw_stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// True when running as root; otherwise prints why the calling test is skipped.
pub fn require_root(test: &str) -> bool {
    if nix::unistd::geteuid().is_root() {
        true
    } else {
        eprintln!("SKIP {test}: needs root to create namespaces");
        false
    }
}

/// True when `program` is on PATH; otherwise prints why the calling test is skipped.
pub fn require_program(test: &str, program: &str) -> bool {
    let found = std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
        .unwrap_or(false);
    if !found {
        eprintln!("SKIP {test}: `{program}` is not installed");
    }
    found
}

/// A process the test started, killed by PID (and reaped) when dropped. Its lifetime is also
/// bounded by the command itself (`sleep N`), so a crashed test leaves nothing for long.
pub struct Sleeper {
    pub pid: i32,
    child: std::process::Child,
}

impl Sleeper {
    /// Starts `argv` and waits until the process has exec'd its final `sleep` (so namespaces
    /// set up by wrappers such as `unshare ... sh -c '...; exec sleep 60'` are in place).
    pub fn start(argv: &[&str]) -> Sleeper {
        Sleeper::start_with(argv, |_| {})
    }

    /// As [`Sleeper::start`], with a chance to adjust the command (env, stdio, pre_exec).
    pub fn start_with(argv: &[&str], adjust: impl FnOnce(&mut Command)) -> Sleeper {
        let mut cmd = Command::new(argv[0]);
        cmd.args(&argv[1..])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped());
        adjust(&mut cmd);
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {argv:?}: {e}"));
        let pid = child.id() as i32;
        let mut sleeper = Sleeper { pid, child };
        sleeper.wait_for_comm("sleep");
        sleeper
    }

    fn wait_for_comm(&mut self, want: &str) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let comm =
                std::fs::read_to_string(format!("/proc/{}/comm", self.pid)).unwrap_or_default();
            if comm.trim_end() == want {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                let mut err = String::new();
                if let Some(mut e) = self.child.stderr.take() {
                    use std::io::Read;
                    let _ = e.read_to_string(&mut err);
                }
                panic!("helper process exited early ({status}): {err}");
            }
            assert!(
                std::time::Instant::now() < deadline,
                "helper never reached `{want}`"
            );
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }

    /// The inode of this process's namespace of `kind` (`net`, `uts`, ..., `pid_for_children`).
    pub fn ns(&self, kind: &str) -> u64 {
        ns_inode(self.pid, kind).unwrap_or_else(|| panic!("no {kind} link for {}", self.pid))
    }

    /// Kills and reaps the process now.
    pub fn stop(mut self) {
        self.kill();
    }

    fn kill(&mut self) {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(self.pid),
            nix::sys::signal::Signal::SIGKILL,
        );
        let _ = self.child.wait();
    }
}

impl Drop for Sleeper {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Reads `/proc/PID/ns/KIND` and returns the inode in `kind:[inode]`.
pub fn ns_inode(pid: i32, kind: &str) -> Option<u64> {
    let text = std::fs::read_link(format!("/proc/{pid}/ns/{kind}")).ok()?;
    let text = text.to_string_lossy();
    text.split_once(":[")?.1.strip_suffix(']')?.parse().ok()
}

/// A unique, test-owned name (for netns names, hostnames, tmux sessions).
pub fn unique_name(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    format!(
        "{prefix}-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// `ip netns add NAME`, deleted again on drop.
pub struct NamedNetns {
    pub name: String,
}

impl NamedNetns {
    pub fn add(prefix: &str) -> NamedNetns {
        let name = unique_name(prefix);
        let status = Command::new("ip")
            .args(["netns", "add", &name])
            .status()
            .expect("ip netns add");
        assert!(status.success(), "ip netns add {name} failed");
        NamedNetns { name }
    }

    pub fn path(&self) -> PathBuf {
        PathBuf::from(format!("/run/netns/{}", self.name))
    }

    pub fn inode(&self) -> u64 {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(self.path()).expect("netns file").ino()
    }
}

impl Drop for NamedNetns {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .status();
    }
}

/// A child forked by the test itself (no exec), killed by PID and reaped on drop.
pub struct Forked {
    pub pid: i32,
}

impl Drop for Forked {
    fn drop(&mut self) {
        let pid = nix::unistd::Pid::from_raw(self.pid);
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL);
        let _ = nix::sys::wait::waitpid(pid, None);
    }
}

/// Runs the `lsns` oracle with a time limit. lsns 2.38 can spin forever in user space (seen
/// here on `-p PID` while other processes came and went: a parent chain that loops after pid
/// reuse), so a hung oracle is killed and the comparison skipped with a printed reason.
pub fn lsns(test: &str, args: &[&str]) -> Option<Output> {
    let child = Command::new("lsns")
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn lsns");
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    let waiter = std::thread::spawn(move || {
        let output = child.wait_with_output();
        let _ = done_tx.send(());
        output
    });
    if done_rx
        .recv_timeout(std::time::Duration::from_secs(30))
        .is_err()
    {
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL);
        let _ = waiter.join();
        eprintln!(
            "SKIP {test}: lsns {args:?} hung for 30 s (an lsns bug, not ours); comparison skipped"
        );
        return None;
    }
    waiter.join().ok()?.ok()
}
