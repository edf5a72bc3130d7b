//! Shared test helpers: the built binary, fake /proc trees, root and feature detection, and
//! bounded-lifetime helpers that clean up by PID.

#![allow(dead_code)]

use nsview::scan::ScanOptions;
use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A command bound to the freshly built nsview binary.
pub fn nsview() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_nsview"));
    cmd.env("NO_COLOR", "1");
    cmd
}

/// The release build of nsview, for the tests that drive it in a real terminal (tmux): issue
/// 12 asks for those on the binary users run. Built once per test run with
/// `cargo build --release --locked --bin nsview --target-dir <target>/tmux-release`. A target
/// dir of its own: cargo 1.95 was seen to release `target/debug/.cargo-lock` before it runs
/// the tests (lslocks during a run), but sharing `target/release` would make this build wait
/// on, or be invalidated by, the benchmark's release build with other features. `.ci/run`
/// builds the same beforehand, so in CI this only checks that it is up to date (about a
/// second). A failed build fails the test that asked, with cargo's own message. Call it
/// before starting anything with a lifetime (a `sleep 300`): the first call may take minutes.
pub fn release_nsview() -> &'static Path {
    static BUILT: std::sync::OnceLock<Result<PathBuf, String>> = std::sync::OnceLock::new();
    match BUILT.get_or_init(build_release) {
        Ok(path) => path,
        Err(why) => panic!("{why}"),
    }
}

/// `<target>/tmux-release`, beside the target dir this test binary was built in.
pub fn release_target_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .or_else(|| {
            Path::new(env!("CARGO_TARGET_TMPDIR"))
                .parent()
                .map(Path::to_path_buf)
        })
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("tmux-release")
}

fn build_release() -> Result<PathBuf, String> {
    let target_dir = release_target_dir();
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
    let started = std::time::Instant::now();
    // Niced when it can be: built in the middle of a test run, it should not starve the live
    // tests running beside it (their waits are bounded).
    let mut command = if on_path("nice") {
        let mut nice = Command::new("nice");
        nice.args(["-n", "10"]).arg(&cargo);
        nice
    } else {
        Command::new(&cargo)
    };
    let output = command
        .args(["build", "--release", "--locked", "--bin", "nsview"])
        .arg("--manifest-path")
        .arg(&manifest)
        .arg("--target-dir")
        .arg(&target_dir)
        .output()
        .map_err(|e| format!("cannot run {cargo:?} to build the release nsview: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "building the release nsview for the tmux tests failed ({}): cargo build --release \
             --locked --bin nsview --target-dir {}\n{}",
            output.status,
            target_dir.display(),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let binary = target_dir.join("release/nsview");
    if !binary.is_file() {
        return Err(format!("cargo built no {}", binary.display()));
    }
    eprintln!(
        "release nsview ready in {:.1} s: {}",
        started.elapsed().as_secs_f64(),
        binary.display()
    );
    Ok(binary)
}

/// A command bound to the release nsview ([`release_nsview`]).
pub fn release_command() -> Command {
    let mut cmd = Command::new(release_nsview());
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

/// The precondition of a test marked `#[ignore = "needs root"]`: true as root, otherwise a
/// panic saying why (an ignored test runs only when asked to, so a missing precondition is a
/// failure, never a silent pass). Returns bool so `assert!(require_root(t) && ...)` reads well.
pub fn require_root(test: &str) -> bool {
    assert!(
        nix::unistd::geteuid().is_root(),
        "{test}: needs root to create namespaces (run as root: cargo test -- --include-ignored)"
    );
    true
}

/// Whether `program` is on PATH.
pub fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
        .unwrap_or(false)
}

/// True when `program` is on PATH; otherwise a panic naming it (`.ci/run` installs every
/// program the tests use).
pub fn require_program(test: &str, program: &str) -> bool {
    assert!(
        on_path(program),
        "{test}: `{program}` is not installed (.ci/run installs it)"
    );
    true
}

/// A process the test started, killed by PID (and reaped) when dropped: the one sleeper every
/// test module uses. Its lifetime is also bounded by the command itself (`sleep N`), so a
/// crashed test leaves nothing for long.
///
/// - [`Sleeper::start`]: run `argv` and wait until the process itself has exec'd its final
///   `sleep` (`unshare --uts sh -c 'hostname x && exec sleep 60'`).
/// - [`Sleeper::start_forked`]: for `unshare --fork ...`: `pid` is the forked child once it
///   runs `sleep`; both it and the started process are killed on drop.
/// - [`Sleeper::spawn_with`] + [`Sleeper::wait_for_sleep`]: start now, wait later (a script
///   that first reads its stdin, see [`Sleeper::stdin`]).
pub struct Sleeper {
    /// The process in the namespaces under test (the one that runs `sleep`).
    pub pid: i32,
    child: std::process::Child,
    /// More pids this test made the sleeper's business to kill (the forked child, helpers).
    extra: Vec<i32>,
    stopped: bool,
}

impl Sleeper {
    /// Starts `argv` and waits until the process has exec'd its final `sleep` (so namespaces
    /// set up by wrappers such as `unshare ... sh -c '...; exec sleep 60'` are in place).
    pub fn start(argv: &[&str]) -> Sleeper {
        Sleeper::start_with(argv, |_| {})
    }

    /// As [`Sleeper::start`], with a chance to adjust the command (env, stdio, pre_exec).
    pub fn start_with(argv: &[&str], adjust: impl FnOnce(&mut Command)) -> Sleeper {
        let mut sleeper = Sleeper::spawn_with(argv, adjust);
        sleeper.wait_for_sleep();
        sleeper
    }

    /// Starts `argv` (an `unshare --fork [--kill-child] ...` that ends in `sleep`) and waits
    /// until its first child runs `sleep`; [`Sleeper::pid`] is that child.
    pub fn start_forked(argv: &[&str]) -> Sleeper {
        let mut sleeper = Sleeper::spawn_with(argv, |_| {});
        let parent = sleeper.pid;
        let child = sleeper.wait_until("fork a child", |s| {
            first_child(parent).filter(|_| s.alive())
        });
        sleeper.extra.push(child);
        sleeper.pid = child;
        sleeper.wait_for_sleep();
        sleeper
    }

    /// Starts `argv` without waiting for anything (stdin is piped, stdout null, stderr piped).
    pub fn spawn_with(argv: &[&str], adjust: impl FnOnce(&mut Command)) -> Sleeper {
        let mut cmd = Command::new(argv[0]);
        cmd.args(&argv[1..])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped());
        adjust(&mut cmd);
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {argv:?}: {e}"));
        Sleeper {
            pid: child.id() as i32,
            child,
            extra: Vec::new(),
            stopped: false,
        }
    }

    /// The process in the namespaces under test.
    pub fn pid(&self) -> i32 {
        self.pid
    }

    /// The started process's stdin (piped), for a script that waits for a go.
    pub fn stdin(&mut self) -> &mut std::process::ChildStdin {
        self.child
            .stdin
            .as_mut()
            .expect("the sleeper's stdin is piped")
    }

    /// Also kill (and, if it is a child of the test, reap) `pid` when this sleeper goes.
    pub fn also_kill(&mut self, pid: i32) {
        self.extra.push(pid);
    }

    /// Waits (10 s at most) until [`Sleeper::pid`] runs `sleep`; panics with the started
    /// process's stderr if it exits first.
    pub fn wait_for_sleep(&mut self) {
        let pid = self.pid;
        self.wait_until("reach `sleep`", |_| (comm(pid) == "sleep").then_some(()));
    }

    fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Polls `ready` every 10 ms for 10 s; the started process exiting first is a failure.
    fn wait_until<T>(&mut self, what: &str, mut ready: impl FnMut(&mut Self) -> Option<T>) -> T {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            if let Some(value) = ready(self) {
                return value;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                let mut err = String::new();
                if let Some(mut e) = self.child.stderr.take() {
                    use std::io::Read;
                    let _ = e.read_to_string(&mut err);
                }
                panic!("helper process exited before it could {what} ({status}): {err}");
            }
            assert!(
                std::time::Instant::now() < deadline,
                "helper pid {} did not {what} within 10 s",
                self.pid
            );
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }

    /// The inode of this process's namespace of `kind` (`net`, `uts`, ..., `pid_for_children`).
    pub fn ns(&self, kind: &str) -> u64 {
        ns_inode(self.pid, kind).unwrap_or_else(|| panic!("no {kind} link for {}", self.pid))
    }

    /// As [`Sleeper::ns`], and asserts the namespace is not the test's own (the unshare
    /// really made a new one).
    pub fn new_ns(&self, kind: &str) -> u64 {
        let inode = self.ns(kind);
        assert_ne!(
            inode,
            own_ns(kind),
            "pid {} is still in our {kind} namespace",
            self.pid
        );
        inode
    }

    /// Kills and reaps the process now.
    pub fn stop(mut self) {
        self.kill();
    }

    fn kill(&mut self) {
        if std::mem::replace(&mut self.stopped, true) {
            return;
        }
        for &pid in &self.extra {
            // Not a child of the test (a grandchild): killing is enough, its parent reaps it.
            // Killed before the started process, which reaps it (unshare --fork waits for it),
            // so the pid is not free for reuse unless the sleep already ran out.
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Sleeper {
    fn drop(&mut self) {
        self.kill();
    }
}

/// `/proc/PID/comm` without its newline ("" once the process is gone).
pub fn comm(pid: i32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .unwrap_or_default()
        .trim_end()
        .to_string()
}

/// The first child of `pid` (`/proc/PID/task/PID/children`), if it has one yet.
pub fn first_child(pid: i32) -> Option<i32> {
    std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// The one ns-inode reader: `/proc/PID/ns/KIND`'s inode, from the `kind:[inode]` link text
/// (`None` when the link is missing or unreadable).
pub fn ns_inode(pid: i32, kind: &str) -> Option<u64> {
    let text = std::fs::read_link(format!("/proc/{pid}/ns/{kind}")).ok()?;
    let text = text.to_string_lossy();
    text.split_once(":[")?.1.strip_suffix(']')?.parse().ok()
}

/// The test process's own namespace of `kind`.
pub fn own_ns(kind: &str) -> u64 {
    ns_inode(std::process::id() as i32, kind).unwrap_or_else(|| panic!("no own {kind} link"))
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

/// Runs the `lsns` oracle with a time limit, until it succeeds (5 tries). lsns 2.38 can spin
/// forever in user space (seen here on `-p PID` while other processes came and went: a parent
/// chain that loops after pid reuse), and exits 1 when a process vanishes under it (other
/// tests' churn): a hung run is killed and a failed one retried; five failures are a panic.
pub fn lsns(test: &str, args: &[&str]) -> Output {
    let mut last = String::new();
    for _ in 0..5 {
        match lsns_once(args) {
            Some(output) if output.status.success() => return output,
            Some(output) => last = format!("{}: {}", output.status, stderr(&output)),
            None => last = "hung for 30 s".to_string(),
        }
    }
    panic!("{test}: lsns {args:?} failed five times, last: {last}");
}

/// One bounded run of lsns (`None`: killed after 30 s).
fn lsns_once(args: &[&str]) -> Option<Output> {
    output_within(
        Command::new("lsns").args(args),
        std::time::Duration::from_secs(30),
    )
}

/// The host namespaces of the fake tree (link name, inode).
pub const HOST: [(&str, u64); 8] = [
    ("mnt", 4026531841),
    ("net", 4026531840),
    ("pid", 4026531836),
    ("uts", 4026531838),
    ("ipc", 4026531839),
    ("user", 4026531837),
    ("cgroup", 4026531835),
    ("time", 4026531834),
];

/// The one fake /proc builder: a proc root in a temp dir, with `etc/passwd` beside it naming
/// the runner's uid (`fixture-owner`), so scans of it give the same output for every user.
pub struct FakeProc {
    _dir: tempfile::TempDir,
    pub root: PathBuf,
}

impl FakeProc {
    pub fn new() -> FakeProc {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("proc");
        fs::create_dir_all(&root).expect("mkdir proc");
        fs::create_dir_all(dir.path().join("etc")).expect("mkdir etc");
        // The fake pid dirs belong to whoever runs the test: give that uid a name no system
        // passwd has, so a test can tell this file was read.
        let me = nix::unistd::geteuid().as_raw();
        fs::write(
            dir.path().join("etc/passwd"),
            format!(
                "fixture-owner:x:{me}:{me}::/:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n"
            ),
        )
        .expect("passwd");
        FakeProc { _dir: dir, root }
    }

    fn stat_line(pid: i32, comm: &str, state: char, ppid: i32, threads: u32) -> String {
        format!(
            "{pid} ({comm}) {state} {ppid} 1 1 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 {threads} 0 100 0 0\n"
        )
    }

    /// A process dir with stat, cmdline and the given ns links (name, inode).
    pub fn process(&self, pid: i32, comm: &str, cmdline: &[u8], links: &[(&str, u64)]) -> PathBuf {
        self.process_with(pid, comm, 'S', 1, cmdline, links)
    }

    pub fn process_with(
        &self,
        pid: i32,
        comm: &str,
        state: char,
        threads: u32,
        cmdline: &[u8],
        links: &[(&str, u64)],
    ) -> PathBuf {
        self.process_full(pid, 1, comm, state, threads, cmdline, links)
    }

    /// A process dir with every stat field the scanner reads chosen by the caller.
    #[allow(clippy::too_many_arguments)]
    pub fn process_full(
        &self,
        pid: i32,
        ppid: i32,
        comm: &str,
        state: char,
        threads: u32,
        cmdline: &[u8],
        links: &[(&str, u64)],
    ) -> PathBuf {
        let dir = self.root.join(pid.to_string());
        fs::create_dir_all(dir.join("ns")).expect("mkdir ns");
        fs::write(
            dir.join("stat"),
            Self::stat_line(pid, comm, state, ppid, threads),
        )
        .expect("stat");
        fs::write(dir.join("cmdline"), cmdline).expect("cmdline");
        // A live process always has these; their absence would read as "vanished mid-scan".
        fs::create_dir_all(dir.join("fd")).expect("fd");
        fs::write(
            dir.join("mountinfo"),
            "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n",
        )
        .expect("mountinfo");
        for (name, inode) in links {
            link_ns(&dir.join("ns"), name, inode_kind(name), *inode);
        }
        dir
    }

    pub fn options(&self) -> ScanOptions {
        ScanOptions::for_root(Some(self.root.clone()))
    }
}

pub fn inode_kind(link_name: &str) -> &str {
    link_name.trim_end_matches("_for_children")
}

pub fn link_ns(ns_dir: &Path, name: &str, kind: &str, inode: u64) {
    symlink(format!("{kind}:[{inode}]"), ns_dir.join(name)).expect("symlink");
}

/// `base` links with `changes` applied (replaced by name, or added).
pub fn with(
    base: &[(&'static str, u64)],
    changes: &[(&'static str, u64)],
) -> Vec<(&'static str, u64)> {
    base.iter()
        .map(|(name, inode)| {
            changes
                .iter()
                .find(|(n, _)| n == name)
                .copied()
                .unwrap_or((*name, *inode))
        })
        .chain(
            changes
                .iter()
                .filter(|(n, _)| !base.iter().any(|(b, _)| b == n))
                .copied(),
        )
        .collect()
}

/// util-linux 2.42.2's lsns, the oracle: `shared/` sits beside the repository (CI's fresh
/// clone: `../shared`; a worktree under `wt/`: `../../shared`).
pub fn lsns_242_path() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let candidates = [
        manifest.join("../shared/util-linux-2.42.2/lsns"),
        manifest.join("../../shared/util-linux-2.42.2/lsns"),
    ];
    candidates
        .iter()
        .find(|p| p.is_file())
        .cloned()
        .unwrap_or_else(|| {
            panic!("lsns 2.42.2 not found beside the repository (../shared/util-linux-2.42.2/lsns)")
        })
}

/// Runs lsns 2.42.2 (see [`lsns_242_path`]) as [`lsns`] runs the installed one: bounded, and
/// again (5 tries) when it fails under other tests' churn; five failures are a panic.
pub fn lsns_242(test: &str, args: &[&str]) -> Output {
    let mut last = String::new();
    for _ in 0..5 {
        match run_bounded(test, Command::new(lsns_242_path()).args(args)) {
            Some(output) if output.status.success() => return output,
            Some(output) => last = format!("{}: {}", output.status, stderr(&output)),
            None => last = "hung for 30 s".to_string(),
        }
    }
    panic!("{test}: lsns 2.42.2 {args:?} failed five times, last: {last}");
}

/// Runs `cmd` with stdin closed and a 30 s limit; a hung command is killed by PID.
pub fn run_bounded(test: &str, cmd: &mut Command) -> Option<Output> {
    let output = output_within(cmd, std::time::Duration::from_secs(30));
    if output.is_none() {
        eprintln!("SKIP {test}: {cmd:?} hung for 30 s; comparison skipped");
    }
    output
}

/// Runs `cmd` with stdin closed and its output captured; after `limit` it is killed by PID and
/// the answer is None. The one bounded runner the helpers here and the podman tests share.
pub fn output_within(cmd: &mut Command, limit: std::time::Duration) -> Option<Output> {
    let child = cmd
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn {:?}: {e}", cmd.get_program()));
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    let waiter = std::thread::spawn(move || {
        let output = child.wait_with_output();
        let _ = done_tx.send(());
        output
    });
    if done_rx.recv_timeout(limit).is_err() {
        // The child is not reaped yet (the waiter still waits), so the pid is still its.
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL);
        let _ = waiter.join();
        return None;
    }
    let program = cmd.get_program().to_string_lossy().into_owned();
    Some(
        waiter
            .join()
            .expect("command waiter")
            .unwrap_or_else(|e| panic!("wait for {program}: {e}")),
    )
}

/// `tmux -L socket args`, bounded (10 s), its stdout; None when it hung.
fn tmux_within(socket: &str, args: &[&str]) -> Option<String> {
    let output = output_within(
        Command::new("tmux").arg("-L").arg(socket).args(args),
        std::time::Duration::from_secs(10),
    )?;
    Some(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Runs `tmux -L socket args` and returns its stdout; a tmux that hangs for 10 s fails the test.
pub fn tmux(socket: &str, args: &[&str]) -> String {
    tmux_within(socket, args).unwrap_or_else(|| panic!("tmux -L {socket} {args:?} hung for 10 s"))
}

/// A tmux server of the test's own (its own socket: no other session is touched) with one
/// pane running a script, killed on drop: how every real-terminal test drives nsview. Every
/// wait is bounded and fails with the last screen.
pub struct Pane {
    socket: String,
    dir: tempfile::TempDir,
}

impl Pane {
    /// Starts `script` (sh syntax; given the pane's temp dir) as the only pane of a 100x30
    /// detached session.
    pub fn start(prefix: &str, script: impl FnOnce(&Path) -> String) -> Pane {
        Pane::start_sized(prefix, (100, 30), script)
    }

    /// [`Pane::start`] at `(columns, rows)`.
    pub fn start_sized(
        prefix: &str,
        (columns, rows): (u16, u16),
        script: impl FnOnce(&Path) -> String,
    ) -> Pane {
        assert!(
            require_program("tmux pane", "tmux"),
            "tmux is needed for the real-terminal tests"
        );
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("pane.sh");
        fs::write(&path, script(dir.path())).expect("write the pane script");
        let pane = Pane {
            socket: unique_name(prefix),
            dir,
        };
        let command = format!("sh {}", path.display());
        let (columns, rows) = (columns.to_string(), rows.to_string());
        pane.tmux(&[
            "new-session",
            "-d",
            "-x",
            &columns,
            "-y",
            &rows,
            "-s",
            &pane.socket,
            &command,
        ]);
        pane
    }

    pub fn tmux(&self, args: &[&str]) -> String {
        tmux(&self.socket, args)
    }

    pub fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", self.socket.as_str()];
        args.extend_from_slice(keys);
        self.tmux(&args);
    }

    /// Types `text` literally.
    pub fn type_text(&self, text: &str) {
        self.keys(&["-l", text]);
    }

    pub fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-t", &self.socket])
    }

    pub fn alternate_screen(&self) -> bool {
        self.tmux(&[
            "display-message",
            "-p",
            "-t",
            &self.socket,
            "#{alternate_on}",
        ])
        .trim()
            == "1"
    }

    /// Polls the pane until `done` holds, or fails with the last screen after `secs`.
    pub fn wait_for(&self, what: &str, secs: u64, done: impl Fn(&str) -> bool) -> String {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
        loop {
            let screen = self.screen();
            if done(&screen) {
                return screen;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "timed out waiting for {what}; screen:\n{screen}"
            );
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }

    /// Waits until the UI is up: its header and status line, on the alternate screen.
    pub fn wait_for_ui(&self, what: &str) -> String {
        // The status line shows the counts, or a notice before them that may fill the line.
        // ... and on its alternate screen: a capture taken just before the UI switched back
        // may still show the same words on the primary screen.
        self.wait_for(&format!("{what} (on the alternate screen)"), 20, |s| {
            s.contains("1 by type")
                && (s.contains("namespaces,") || s.contains("back from"))
                && self.alternate_screen()
        })
    }

    /// Waits for a file the pane's script writes, and returns its trimmed text.
    pub fn wait_for_file(&self, name: &str, secs: u64) -> String {
        let path = self.file(name);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
        loop {
            if let Ok(text) = fs::read_to_string(&path)
                && text.ends_with('\n')
            {
                return text.trim().to_string();
            }
            assert!(
                std::time::Instant::now() < deadline,
                "{name} never written; screen:\n{}",
                self.screen()
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }
}

impl Drop for Pane {
    fn drop(&mut self) {
        // Not panicking here (this may run while a failed test unwinds): a hung tmux is left
        // to its 10 s bound.
        let _ = tmux_within(&self.socket, &["kill-session", "-t", &self.socket]);
        let _ = tmux_within(&self.socket, &["kill-server"]);
    }
}
