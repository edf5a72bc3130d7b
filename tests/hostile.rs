//! The hostile host: one test per trap a container or an unprivileged user can set for a root
//! nsview (FIFOs and symlinks where a namespace bind mount was, an fd swapped for a FIFO, a
//! recycled namespace identity, and fake proc trees full of FIFOs, devices, symlinks and huge
//! files). Each trap is made by the test and removed afterwards; nsview must finish within a
//! few seconds, open no host file, and report the trap instead of following it.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::{NamedNetns, Sleeper, fixtures, nsview, require_program, require_root};

/// How long any nsview run may take with a trap on the host.
const LIMIT: Duration = Duration::from_secs(10);
/// What "finishes at once" means here (the machine may be loaded).
const PROMPT: Duration = Duration::from_secs(5);
/// The wall-time bound of one run over a fake tree of 100 MiB files. Each such file is read
/// up to its read cap (16 MiB for mountinfo, whose over-long lines are skipped unparsed), and
/// a debug build reads that in about 2.5 s on
/// a quiet machine, 7.7 s was seen under a full parallel suite; reading the whole 100 MiB
/// would take over ten times that. The strict part of that test is the peak-RSS bound.
const HUGE: Duration = Duration::from_secs(20);

/// One bounded run: its output, exit status, wall time and peak RSS.
struct Run {
    stdout: String,
    stderr: String,
    code: Option<i32>,
    elapsed: Duration,
    max_rss_kib: i64,
}

impl Run {
    fn assert_prompt(&self, what: &str) {
        assert!(
            self.elapsed < PROMPT,
            "{what} took {:?}; stderr: {}",
            self.elapsed,
            self.stderr
        );
        assert!(
            !self.stderr.contains("panicked"),
            "{what} panicked: {}",
            self.stderr
        );
    }
}

/// Runs `cmd` with stdout/stderr in files, killing it (by its process group) if it outlives
/// [`LIMIT`], and measures its own peak RSS.
///
/// The peak comes from GNU time (`/usr/bin/time -f %M`), not from our own wait4: a child
/// forked from this test process starts with the test's page tables, and the kernel carries
/// that high-water mark across exec into `ru_maxrss`, so in a full suite (a 170 MB test
/// binary) every child "peaked" at the test's size. `time` is a small process, so the
/// rusage it reports for its own child is nsview's alone. (A zombie has no VmHWM left in
/// /proc/PID/status, so reading it after waitid(WNOWAIT) does not work either.)
fn run_bounded(cmd: &mut Command, what: &str) -> Run {
    run_bounded_for(cmd, what, LIMIT)
}

/// [`run_bounded`] with its own kill limit.
fn run_bounded_for(cmd: &mut Command, what: &str, limit: Duration) -> Run {
    use std::os::unix::process::CommandExt;
    require_program(what, "time");
    let out = tempfile::NamedTempFile::new().expect("stdout file");
    let err = tempfile::NamedTempFile::new().expect("stderr file");
    let rss = tempfile::NamedTempFile::new().expect("rss file");
    let mut timed = Command::new("/usr/bin/time");
    timed
        .arg("-f")
        .arg("%M")
        .arg("-o")
        .arg(rss.path())
        .arg(cmd.get_program())
        .args(cmd.get_args());
    for (key, value) in cmd.get_envs() {
        match value {
            Some(value) => timed.env(key, value),
            None => timed.env_remove(key),
        };
    }
    if let Some(dir) = cmd.get_current_dir() {
        timed.current_dir(dir);
    }
    let started = Instant::now();
    let mut child = timed
        .stdin(Stdio::null())
        .stdout(out.reopen().expect("stdout"))
        .stderr(err.reopen().expect("stderr"))
        // Its own process group, so a hung nsview under `time` can be killed with it.
        .process_group(0)
        .spawn()
        .expect("spawn");
    let pgid = nix::unistd::Pid::from_raw(child.id() as libc::pid_t);
    let mut killed = false;
    let status = loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            break status;
        }
        if started.elapsed() > limit && !killed {
            let _ = nix::sys::signal::killpg(pgid, nix::sys::signal::Signal::SIGKILL);
            killed = true;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let elapsed = started.elapsed();
    let read = |path: &Path| {
        String::from_utf8_lossy(&std::fs::read(path).unwrap_or_default()).into_owned()
    };
    // GNU time writes "Command exited with non-zero status N" before the format line.
    let max_rss_kib = read(rss.path())
        .lines()
        .filter_map(|line| line.trim().parse::<i64>().ok())
        .next_back();
    let run = Run {
        stdout: read(out.path()),
        stderr: read(err.path()),
        code: status.code(),
        elapsed,
        max_rss_kib: max_rss_kib.unwrap_or(i64::MAX),
    };
    assert!(!killed, "{what} hung for {limit:?} and was killed");
    assert!(
        max_rss_kib.is_some(),
        "{what}: no peak RSS from /usr/bin/time: {:?}",
        read(rss.path())
    );
    run
}

/// A directory the unprivileged trap maker may write to, removed on drop.
fn shared_dir() -> tempfile::TempDir {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::Builder::new()
        .prefix("nsview-hostile-")
        .tempdir_in("/tmp")
        .expect("tempdir");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).expect("chmod");
    dir
}

/// Every trap of this module (and of `tui::hostile`) holds this while it exists: `--list`'s
/// note names three refused holders, lowest inode first, so traps of other tests running at
/// the same time could crowd a test's own out of it.
pub(crate) fn one_trap_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    // A test that failed while holding it poisoned it; the next trap is still fine.
    ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The trap of issue 10, made by `nobody` in its own user and mount namespace: namespaces
/// bind-mounted at `hide/trap*`, the mount points hidden under a tmpfs, and something else
/// put at the same paths (`plant` runs inside, with `$D` the shared directory).
pub(crate) struct Trap {
    /// See [`one_trap_at_a_time`].
    _one_at_a_time: std::sync::MutexGuard<'static, ()>,
    sleeper: Option<Sleeper>,
    /// The namespaces only the hidden bind mounts hold: net, then uts.
    pub(crate) inodes: Vec<u64>,
    dir: tempfile::TempDir,
    /// The hidden directory's name inside `dir`.
    hide: String,
}

impl Trap {
    pub(crate) fn plant(plant: &str) -> Trap {
        Trap::plant_in("hide", plant)
    }

    /// As [`Trap::plant`], with the hidden directory named `hide` (any bytes but `/` and NUL;
    /// `$H` is its path inside the script).
    pub(crate) fn plant_in(hide: &str, plant: &str) -> Trap {
        Trap::plant_full(hide, "true", plant, "sleep 60")
    }

    /// The trap behind a working holder: the net namespace is also bind-mounted at `$D/good`
    /// (outside the hidden directory) and the trap maker itself runs in it, so every face can
    /// open it; the hidden bind mount with the FIFO or symlink on top is a second holder.
    fn plant_behind(plant: &str) -> Trap {
        Trap::plant_full(
            "hide",
            "touch \"$D/good\"; mount --bind \"$H/trap\" \"$D/good\"",
            plant,
            "nsenter --net=\"$D/good\" sleep 60",
        )
    }

    /// The whole script: make the namespaces, `keep` (before the hiding), hide, `plant`, then
    /// exec `last` (which must end in `sleep`).
    fn plant_full(hide: &str, keep: &str, plant: &str, last: &str) -> Trap {
        let one_at_a_time = one_trap_at_a_time();
        let dir = shared_dir();
        let script = format!(
            "set -e; D=$1; H=\"$D/$2\"; mkdir -p \"$H\"; touch \"$H/trap\" \"$H/trap2\"; \
             unshare --net=\"$H/trap\" true; unshare --uts=\"$H/trap2\" true; \
             stat -L -c %i \"$H/trap\" \"$H/trap2\" > $D/inodes.tmp; {keep}; \
             mount -t tmpfs none \"$H\"; {plant}; mv $D/inodes.tmp $D/inodes; exec {last}"
        );
        let dir_arg = dir.path().to_string_lossy().into_owned();
        let sleeper = Sleeper::start(&[
            "setpriv",
            "--reuid=nobody",
            "--regid=nogroup",
            "--clear-groups",
            "unshare",
            "--user",
            "--map-root-user",
            "--mount",
            "sh",
            "-c",
            &script,
            "sh",
            &dir_arg,
            hide,
        ]);
        let inodes: Vec<u64> = std::fs::read_to_string(dir.path().join("inodes"))
            .expect("trap inodes")
            .split_whitespace()
            .map(|n| n.parse().expect("inode"))
            .collect();
        assert_eq!(inodes.len(), 2, "two trapped namespaces");
        Trap {
            _one_at_a_time: one_at_a_time,
            sleeper: Some(sleeper),
            inodes,
            dir,
            hide: hide.to_string(),
        }
    }

    /// Where the hidden net namespace's bind mount was (and the trap is now).
    pub(crate) fn path(&self) -> PathBuf {
        self.dir.path().join(&self.hide).join("trap")
    }
}

impl Drop for Trap {
    fn drop(&mut self) {
        // The mount namespace, its tmpfs and its bind mounts die with their last process.
        if let Some(sleeper) = self.sleeper.take() {
            sleeper.stop();
        }
    }
}

fn trap_preconditions(test: &str) -> bool {
    if !require_root(test) {
        panic!("{test}: needs root");
    }
    require_program(test, "setpriv") && require_program(test, "unshare")
}

/// Every face over a trapped namespace: each finishes promptly, and the list faces name the
/// trap in their note. Returns the runs by face name. The lists show that namespace's row
/// alone (`-Q 'NS == N'`): their note names the refused holders of what they show first,
/// where other tests' traps, on the host at the same time, could fill the three it names.
fn every_face(inode: u64) -> Vec<(&'static str, Run)> {
    let ino = inode.to_string();
    let only = format!("NS == {inode}");
    let faces: Vec<(&'static str, Vec<&str>)> = vec![
        ("--list", vec!["--list", "-Q", &only]),
        ("--list -J", vec!["--list", "-J", "-Q", &only]),
        ("--list -P", vec!["--list", "-P", "-Q", &only]),
        ("show", vec!["show", &ino]),
        ("show --json", vec!["show", "--json", &ino]),
        ("enter", vec!["enter", &ino, "true"]),
    ];
    faces
        .into_iter()
        .map(|(name, args)| {
            let run = run_bounded(nsview().args(&args), name);
            run.assert_prompt(name);
            (name, run)
        })
        .collect()
}

#[test]
#[ignore = "needs root"]
fn fifo_at_a_hidden_bind_mount_freezes_nothing_and_is_reported() {
    if !trap_preconditions("fifo_at_a_hidden_bind_mount") {
        return;
    }
    let trap = Trap::plant("mkfifo \"$H/trap\"; mkfifo \"$H/trap2\"");
    let net = trap.inodes[0];
    let trap_path = trap.path().to_string_lossy().into_owned();
    for (name, run) in every_face(net) {
        match name {
            "--list" | "--list -J" | "--list -P" => {
                assert_eq!(run.code, Some(0), "{name}: {}", run.stderr);
                assert!(run.stdout.contains(&net.to_string()), "{name} lists it");
                let note = run
                    .stderr
                    .lines()
                    .find(|l| l.contains("refused"))
                    .unwrap_or_else(|| panic!("{name}: no refusal note: {}", run.stderr));
                assert!(note.contains(&trap_path), "{name}: {note}");
                assert!(
                    note.contains("a FIFO, not a namespace file"),
                    "{name}: {note}"
                );
            }
            "show" | "show --json" => {
                assert_eq!(run.code, Some(0), "{name}: {}", run.stderr);
                assert!(
                    run.stdout.contains("a FIFO, not a namespace file"),
                    "{name}: {}",
                    run.stdout
                );
            }
            _ => {
                assert_ne!(run.code, Some(0), "enter must refuse");
                assert_eq!(run.stderr.trim_end().lines().count(), 1, "{}", run.stderr);
                assert!(
                    run.stderr.contains("a FIFO, not a namespace file"),
                    "{}",
                    run.stderr
                );
            }
        }
    }
}

/// A trap behind a working holder: the namespace opens (through its member and its visible
/// bind mount), and the hidden bind mount with a FIFO or a symlink on top is still on record
/// as an unreadable holder with its reason in `--list` (every format's note), `show` and
/// `show --json`, while `enter` goes in through the good holder.
#[test]
#[ignore = "needs root"]
fn a_trap_behind_a_working_holder_is_still_reported() {
    if !trap_preconditions("a_trap_behind_a_working_holder") || !require_program("x", "nsenter") {
        return;
    }
    for (plant, what) in [
        ("mkfifo \"$H/trap\"", "a FIFO, not a namespace file"),
        (
            "ln -s /etc/shadow \"$H/trap\"",
            "a symlink, not a namespace file",
        ),
    ] {
        let trap = Trap::plant_behind(plant);
        let net = trap.inodes[0];
        let member = trap.sleeper.as_ref().expect("the trap maker").pid;
        assert_eq!(
            crate::util::ns_inode(member, "net"),
            Some(net),
            "the trap maker is a member of the trapped namespace"
        );
        let trap_path = trap.path().to_string_lossy().into_owned();
        for (name, run) in every_face(net) {
            let where_ = format!("{what}: {name}");
            assert_eq!(run.code, Some(0), "{where_}: {}", run.stderr);
            match name {
                // Only process-less namespaces, so not this one, and its note is not news.
                "--list -P" => assert!(!run.stdout.contains(&net.to_string()), "{where_}"),
                "--list" | "--list -J" => {
                    let note = run
                        .stderr
                        .lines()
                        .find(|l| l.contains("refused"))
                        .unwrap_or_else(|| panic!("{where_}: no refusal note: {}", run.stderr));
                    assert!(note.contains(&trap_path), "{where_}: {note}");
                    assert!(note.contains(what), "{where_}: {note}");
                }
                "show" | "show --json" => {
                    assert!(run.stdout.contains(what), "{where_}: {}", run.stdout);
                    assert!(run.stdout.contains(&trap_path), "{where_}: {}", run.stdout);
                }
                // `enter` goes in through the member: the trap is never followed.
                _ => assert!(!run.stderr.contains("refused"), "{where_}: {}", run.stderr),
            }
        }
        drop(trap);
    }
}

#[test]
#[ignore = "needs root"]
fn control_bytes_in_a_trapped_bind_mount_path_stay_escaped() {
    if !trap_preconditions("control_bytes_in_a_trapped_bind_mount_path") {
        return;
    }
    // OSC 52 (clipboard), OSC 0 (title), a bell and a newline that would forge a line.
    let hide = "h\x1b]52;c;Y3VybCBldmlsLnNofHNo\x07\x1b]0;EVIL\x07\nFAKE LINE";
    let trap = Trap::plant_in(hide, "mkfifo \"$H/trap\"; mkfifo \"$H/trap2\"");
    let net = trap.inodes[0].to_string();
    for args in [
        vec!["--list"],
        vec!["--list", "-P"],
        vec!["--list", "-J"],
        vec!["show", &net],
        vec!["show", "--json", &net],
        vec!["enter", &net, "true"],
    ] {
        let what = format!("{args:?}");
        let run = run_bounded(nsview().args(&args), &what);
        run.assert_prompt(&what);
        for (stream, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
            assert!(
                !text.contains('\x1b') && !text.contains('\x07'),
                "{what}: raw control byte on {stream}: {text:?}"
            );
            assert!(
                !text.lines().any(|l| l.starts_with("FAKE LINE")),
                "{what}: a forged line on {stream}: {text:?}"
            );
        }
        if args[0] == "--list" && args.len() == 1 {
            assert!(run.stderr.contains("\\x1b]52;c;"), "{what}: {}", run.stderr);
        }
    }
}

/// The `strace` of one nsview run: every open/openat/openat2 path it asked for.
fn opened_paths(args: &[&str]) -> String {
    let log = tempfile::NamedTempFile::new().expect("log");
    let log_path = log.path().to_string_lossy().into_owned();
    let mut cmd = Command::new("strace");
    // --seccomp-bpf: only the traced calls stop, so a host with thousands of processes does
    // not make every other syscall of the scan a round trip through strace.
    cmd.args([
        "-f",
        "-qq",
        "--seccomp-bpf",
        "-e",
        "trace=open,openat,openat2",
        "-o",
        &log_path,
    ])
    .arg(env!("CARGO_BIN_EXE_nsview"))
    .args(args)
    .env("NO_COLOR", "1");
    let run = run_bounded(&mut cmd, &format!("strace nsview {args:?}"));
    assert!(!run.stderr.contains("panicked"), "{args:?}: {}", run.stderr);
    std::fs::read_to_string(log.path()).expect("strace log")
}

#[test]
#[ignore = "needs root"]
fn symlinks_at_a_hidden_bind_mount_open_no_host_file() {
    if !trap_preconditions("symlinks_at_a_hidden_bind_mount")
        || !require_program("symlinks", "strace")
    {
        return;
    }
    let trap = Trap::plant("ln -s /etc/shadow \"$H/trap\"; ln -s /dev/zero \"$H/trap2\"");
    let (net, uts) = (trap.inodes[0].to_string(), trap.inodes[1].to_string());
    for args in [
        vec!["--list"],
        vec!["--list", "-P"],
        vec!["show", &net],
        vec!["show", &uts],
        vec!["enter", &net, "true"],
        vec!["enter", &uts, "true"],
    ] {
        let log = opened_paths(&args);
        for host_file in ["/etc/shadow", "/dev/zero"] {
            assert!(
                !log.lines().any(|l| l.contains(&format!("\"{host_file}\""))),
                "{args:?} opened {host_file}:\n{log}"
            );
        }
        // The trapped paths were looked at, but only O_PATH, inside the trap's root.
        for line in log.lines().filter(|l| l.contains("hide/trap")) {
            assert!(line.contains("O_PATH"), "{args:?}: {line}");
        }
    }
    let list = run_bounded(nsview().args(["--list", "-P"]), "--list -P");
    list.assert_prompt("--list -P");
    assert!(
        list.stderr.contains("a symlink, not a namespace file"),
        "{}",
        list.stderr
    );
}

/// The fd-swap trap: a netns held by its bind mount and by fd 3 of a shell that keeps
/// swapping that fd between the namespace and a FIFO (`exec 3<>` is open + dup2), so a scan
/// sees an nsfs fd that is a FIFO by the time it is opened, now and then. Stopped (and the
/// netns deleted) on drop.
pub(crate) struct FdSwapper {
    _one_at_a_time: std::sync::MutexGuard<'static, ()>,
    child: std::process::Child,
    dir: tempfile::TempDir,
    pub(crate) netns: NamedNetns,
}

impl FdSwapper {
    pub(crate) fn start() -> FdSwapper {
        let one_at_a_time = one_trap_at_a_time();
        let netns = NamedNetns::add("nsview-swap");
        let dir = tempfile::tempdir().expect("tempdir");
        let fifo = dir.path().join("fifo");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).expect("fifo");
        // It stops by itself when the stop file appears (or after a bounded number of swaps,
        // a minute or so), leaving nothing behind; no fork inside the loop.
        let script = format!(
            "i=0; while [ ! -e {stop} ] && [ $i -lt 3000000 ]; do \
             exec 3<{ns}; exec 3<>{fifo}; i=$((i+1)); done",
            stop = dir.path().join("stop").display(),
            ns = netns.path().display(),
            fifo = fifo.display()
        );
        let child = Command::new("sh")
            .args(["-c", &script])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("swapper");
        FdSwapper {
            _one_at_a_time: one_at_a_time,
            child,
            dir,
            netns,
        }
    }
}

impl Drop for FdSwapper {
    fn drop(&mut self) {
        let _ = std::fs::write(self.dir.path().join("stop"), "");
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
#[ignore = "needs root"]
fn an_fd_swapped_for_a_fifo_while_scanning_never_hangs() {
    if !require_root("an_fd_swapped_for_a_fifo") {
        panic!("needs root");
    }
    let swapper = FdSwapper::start();
    let inode = swapper.netns.inode().to_string();
    for round in 0..10 {
        for args in [vec!["--list", "-P"], vec!["--list"], vec!["show", &inode]] {
            let what = format!("round {round}: {args:?}");
            let run = run_bounded(nsview().args(&args), &what);
            run.assert_prompt(&what);
            assert_eq!(run.code, Some(0), "{what}: {}", run.stderr);
        }
    }
    drop(swapper);
}

/// NS_GET_ID of a namespace file, through the library's own checked opener.
pub(crate) fn ns_id_of(path: &str) -> u64 {
    nsview::kernel::nsfs::open(&nsview::kernel::NsPath::ProcLink(path.into()), None)
        .expect("open")
        .identity
        .ns_id
        .expect("NS_GET_ID (Linux 6.12+)")
}

#[test]
#[ignore = "needs root"]
fn enter_refuses_a_namespace_whose_identity_changed() {
    if !require_root("enter_refuses_a_namespace_whose_identity_changed") {
        panic!("needs root");
    }
    let sleeper = Sleeper::start(&["unshare", "--uts", "sleep", "60"]);
    let inode = sleeper.ns("uts");
    let id = ns_id_of(&format!("/proc/{}/ns/uts", sleeper.pid));
    let target = format!("uts:[{inode}]");
    let wrong = (id + 1000).to_string();

    // What the UI passes: the type, the inode and the id it displayed. The right id enters.
    let ok = run_bounded(
        nsview().args(["enter", &target, "--ns-id", &id.to_string(), "true"]),
        "enter right id",
    );
    assert_eq!(ok.code, Some(0), "{}", ok.stderr);

    // The inode now belongs to a namespace with another id: refused, one line, naming both.
    let refused = run_bounded(
        nsview().args(["enter", &target, "--ns-id", &wrong, "true"]),
        "enter wrong id",
    );
    assert_eq!(refused.code, Some(1), "{}", refused.stderr);
    assert_eq!(
        refused.stderr.trim_end().lines().count(),
        1,
        "{}",
        refused.stderr
    );
    assert!(
        refused.stderr.contains(&format!(
            "that namespace (id {wrong}) is gone; its inode now belongs to uts:[{inode}] (id {id})"
        )),
        "{}",
        refused.stderr
    );

    // Another type on that inode (as when a net namespace takes a dead uts's inode).
    let other_type = run_bounded(
        nsview().args([
            "enter",
            &format!("net:[{inode}]"),
            "--ns-id",
            &wrong,
            "true",
        ]),
        "enter wrong type",
    );
    assert_eq!(other_type.code, Some(1));
    assert!(
        other_type.stderr.contains("its inode now belongs to uts:"),
        "{}",
        other_type.stderr
    );

    // The namespace is gone altogether.
    sleeper.stop();
    let gone = run_bounded(
        nsview().args(["enter", &target, "--ns-id", &id.to_string(), "true"]),
        "enter gone",
    );
    assert_eq!(gone.code, Some(1));
    assert!(gone.stderr.contains("is gone"), "{}", gone.stderr);
}

/// The kinds each filler of [`refill`] makes: three fresh inodes per process.
const FILL_KINDS: [&str; 3] = ["uts", "ipc", "cgroup"];
/// At most this many fillers in one [`refill`].
const FILL_TRIES: usize = 300;

/// A dead namespace's inode, now another namespace's: which type and id hold it, and the
/// fillers that made it so (killed by PID on drop, with the namespaces they hold).
pub(crate) struct Reused {
    pub kind: &'static str,
    pub ns_id: u64,
    _fillers: Vec<Sleeper>,
}

/// After the namespace on `inode` died: makes namespaces (uts + ipc + cgroup sleepers) until
/// one gets `inode`. The kernel hands out the lowest free inode number, so the first fillers
/// take the holes below it, and then one takes it. None when another process's namespace took
/// it first (one of ours got a higher number without getting it) or after [`FILL_TRIES`]
/// fillers: the caller kills another victim and tries again.
pub(crate) fn refill(inode: u64) -> Option<Reused> {
    let mut fillers = Vec::new();
    for _ in 0..FILL_TRIES {
        let filler = Sleeper::start(&["unshare", "--uts", "--ipc", "--cgroup", "sleep", "120"]);
        let got: Vec<(&'static str, u64)> = FILL_KINDS
            .iter()
            .map(|&kind| (kind, filler.ns(kind)))
            .collect();
        if let Some(&(kind, _)) = got.iter().find(|(_, i)| *i == inode) {
            let ns_id = ns_id_of(&format!("/proc/{}/ns/{kind}", filler.pid));
            eprintln!(
                "inode {inode} reused by {kind} after {} fillers",
                fillers.len() + 1
            );
            fillers.push(filler);
            return Some(Reused {
                kind,
                ns_id,
                _fillers: fillers,
            });
        }
        let past = got.iter().any(|(_, i)| *i > inode);
        fillers.push(filler);
        if past {
            return None;
        }
    }
    None
}

/// How many victims [`reuse_an_inode`] kills before it gives up.
pub(crate) const REUSE_ROUNDS: usize = 5;

/// A UTS namespace made and killed by the test, whose inode another namespace then gets:
/// (inode, the dead namespace's id, what holds the inode now).
pub(crate) fn reuse_an_inode() -> (u64, u64, Reused) {
    for _ in 0..REUSE_ROUNDS {
        let victim = Sleeper::start(&["unshare", "--uts", "sleep", "120"]);
        let inode = victim.new_ns("uts");
        let id = ns_id_of(&format!("/proc/{}/ns/uts", victim.pid));
        victim.stop();
        if let Some(reused) = refill(inode) {
            return (inode, id, reused);
        }
    }
    panic!(
        "no dead namespace's inode came back in {REUSE_ROUNDS} rounds of up to {FILL_TRIES} \
         fillers: other processes kept taking the freed inode first"
    );
}

/// The reused-inode case for real: a namespace the test saw (type, inode, id) died and its
/// inode went to a new namespace (of the same type or another). `enter` with that identity,
/// in the order the UI passes it and in the documented one, refuses and names the new owner.
#[test]
#[ignore = "needs root"]
fn enter_refuses_a_really_reused_inode() {
    if !require_root("enter_refuses_a_really_reused_inode") {
        panic!("needs root");
    }
    let (inode, id, reused) = reuse_an_inode();
    let expected = format!(
        "refusing to enter: that namespace (id {id}) is gone; its inode now belongs to {}:[{inode}] (id {})",
        reused.kind, reused.ns_id
    );
    let target = format!("uts:[{inode}]");
    let id = id.to_string();
    let marker = tempfile::tempdir().expect("tempdir");
    let entered = marker.path().join("entered");
    let touch = format!("touch {}", entered.display());
    for args in [
        // What the UI's `s` runs (src/tui/launch.rs): options first.
        vec![
            "enter", "--ns-id", &id, &target, "--", "/bin/sh", "-c", &touch,
        ],
        vec!["enter", &target, "--ns-id", &id, "/bin/sh", "-c", &touch],
    ] {
        let what = format!("{args:?}");
        let run = run_bounded(nsview().args(&args), &what);
        run.assert_prompt(&what);
        assert_eq!(run.code, Some(1), "{what}: {}", run.stderr);
        assert_eq!(run.stderr.trim_end().lines().count(), 1, "{}", run.stderr);
        assert!(run.stderr.contains(&expected), "{what}: {}", run.stderr);
        assert!(!entered.exists(), "{what}: the command ran");
    }
    drop(reused);
}

/// A copy of the show fixture's proc tree where every process's `file` is replaced by
/// `plant(path)`.
fn fake_root_with(file: &str, plant: impl Fn(&Path)) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let status = Command::new("cp")
        .arg("-a")
        .arg(fixtures().join("show-basic/proc"))
        .arg(fixtures().join("show-basic/etc"))
        .arg(dir.path())
        .status()
        .expect("cp");
    assert!(status.success());
    for entry in std::fs::read_dir(dir.path().join("proc")).expect("proc") {
        let entry = entry.expect("entry");
        let name = entry.file_name();
        if !name.to_string_lossy().bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let path = entry.path().join(file);
        let _ = std::fs::remove_file(&path);
        plant(&path);
    }
    dir
}

/// The fake-tree faces: list (table and JSON) and show (text and JSON) of the namespaces
/// whose details read the planted file. All bounded in time and memory, none panics, every
/// stderr line is one clean line. `prompt` is the wall-time bound of each run.
fn fake_faces(root: &Path, secret: Option<&str>, prompt: Duration) {
    let proc_root = root.join("proc");
    let proc_root = proc_root.to_string_lossy().into_owned();
    let mut runs = Vec::new();
    for args in [vec!["--list"], vec!["--list", "-J"]] {
        runs.push((
            args.clone(),
            run_bounded_for(
                nsview().args(&args).args(["--proc-root", &proc_root]),
                "list",
                prompt + LIMIT,
            ),
        ));
    }
    // mnt (mountinfo), cgroup (cgroup), pid (status), user (uid_map/setgroups), time, net.
    for inode in [
        "4026532302",
        "4026532306",
        "4026532304",
        "4026532310",
        "4026532307",
        "4026532303",
    ] {
        for json in [false, true] {
            let mut args = vec!["show", inode];
            if json {
                args.push("--json");
            }
            runs.push((
                args.clone(),
                run_bounded_for(
                    nsview().args(&args).args(["--proc-root", &proc_root]),
                    "show",
                    prompt + LIMIT,
                ),
            ));
        }
    }
    for (args, run) in runs {
        let what = format!("{args:?}");
        assert!(
            run.elapsed < prompt,
            "{what} took {:?}; stderr: {}",
            run.elapsed,
            run.stderr
        );
        assert!(
            !run.stderr.contains("panicked"),
            "{what} panicked: {}",
            run.stderr
        );
        // Well under the 100 MiB of a huge planted file: reading one whole would show here
        // (the measured peak with the read caps is about 41 MiB in a debug build).
        assert!(
            run.max_rss_kib < 64 * 1024,
            "{what}: peak RSS {} KiB",
            run.max_rss_kib
        );
        assert!(matches!(run.code, Some(0 | 1)), "{what}: {:?}", run.code);
        if let Some(secret) = secret {
            assert!(
                !run.stdout.contains(secret) && !run.stderr.contains(secret),
                "{what} printed the host file"
            );
        }
        for line in run.stderr.lines() {
            assert!(
                !line.chars().any(|c| c.is_control() && c != '\t'),
                "{what}: raw control byte in {line:?}"
            );
        }
    }
}

const PLANTED: [&str; 7] = [
    "cmdline",
    "stat",
    "status",
    "mountinfo",
    "cgroup",
    "uid_map",
    "setgroups",
];

#[test]
fn fake_proc_files_that_are_fifos_do_not_hang() {
    for file in PLANTED {
        let root = fake_root_with(file, |path| {
            nix::unistd::mkfifo(path, nix::sys::stat::Mode::from_bits_truncate(0o600))
                .expect("mkfifo");
        });
        fake_faces(root.path(), None, PROMPT);
    }
}

#[test]
fn fake_proc_files_that_link_to_dev_zero_are_not_read() {
    for file in PLANTED {
        let root = fake_root_with(file, |path| {
            std::os::unix::fs::symlink("/dev/zero", path).expect("symlink");
        });
        fake_faces(root.path(), None, PROMPT);
    }
}

#[test]
fn fake_proc_files_that_link_to_a_host_file_are_not_followed() {
    let host = tempfile::NamedTempFile::new().expect("host file");
    let secret = format!("nsview-secret-{}", std::process::id());
    std::fs::write(host.path(), format!("0 0 1\n{secret}\n")).expect("write");
    for file in PLANTED {
        let root = fake_root_with(file, |path| {
            std::os::unix::fs::symlink(host.path(), path).expect("symlink");
        });
        fake_faces(root.path(), Some(&secret), PROMPT);
    }
}

#[test]
fn huge_fake_proc_files_cost_bounded_time_and_memory() {
    for file in ["cmdline", "stat", "mountinfo", "status"] {
        let root = fake_root_with(file, |path| {
            let f = std::fs::File::create(path).expect("create");
            // Sparse: 100 MB of NULs without writing them.
            f.set_len(100 << 20).expect("set_len");
        });
        fake_faces(root.path(), None, HUGE);
    }
}

/// A panic (here on demand, through a hook only debug builds have) is one escaped line and
/// exit status 101, from the main thread and from any other: never Rust's multi-line report
/// with the payload raw.
#[test]
fn a_panic_is_one_escaped_line_and_status_101() {
    let hostile = "boom \x1b]0;EVIL\x07\nnsview: all clear";
    for var in ["NSVIEW_TEST_PANIC", "NSVIEW_TEST_PANIC_THREAD"] {
        let run = run_bounded(nsview().arg("--list").env(var, hostile), var);
        run.assert_prompt(var);
        assert_eq!(run.code, Some(101), "{var}: {}", run.stderr);
        assert_eq!(run.stdout, "", "{var}");
        let lines: Vec<&str> = run.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "{var}: {:?}", run.stderr);
        assert!(
            lines[0].starts_with(
                r"nsview: internal error: boom \x1b]0;EVIL\x07\x0ansview: all clear (at src/"
            ),
            "{var}: {}",
            lines[0]
        );
    }
}

/// A mount namespace no process is in (pinned by a bind mount of its own in a private
/// directory of the test's), holding the only bind mount of a network namespace. Removed on
/// drop: unmounting the pin ends the mount namespace, and with it the network namespace.
struct ProcesslessMountNs {
    _one_at_a_time: std::sync::MutexGuard<'static, ()>,
    dir: tempfile::TempDir,
    mnt: u64,
    net: u64,
}

impl ProcesslessMountNs {
    fn make() -> ProcesslessMountNs {
        let dir = tempfile::Builder::new()
            .prefix("nsview-pin-")
            .tempdir_in("/tmp")
            .expect("tempdir");
        let d = dir.path().to_string_lossy().into_owned();
        // A mount namespace file may be bind-mounted only onto a private mount.
        let script = format!(
            "set -e; mount --bind {d} {d}; mount --make-private {d}; touch {d}/mnt {d}/net; \
             unshare --mount={d}/mnt --propagation private unshare --net={d}/net true"
        );
        // The guard first, so a failure below still unmounts what the script mounted.
        let mut made = ProcesslessMountNs {
            _one_at_a_time: one_trap_at_a_time(),
            dir,
            mnt: 0,
            net: 0,
        };
        let status = Command::new("sh")
            .args(["-c", &script])
            .status()
            .expect("sh");
        assert!(
            status.success(),
            "could not make the pinned mount namespace"
        );
        made.mnt = std::fs::metadata(made.dir.path().join("mnt"))
            .map(|m| std::os::unix::fs::MetadataExt::ino(&m))
            .expect("pinned mount namespace");
        // The net bind mount is only in the pinned mount namespace: look from inside it.
        let out = run_bounded(
            Command::new("nsenter")
                .arg(format!("--mount={}/mnt", made.dir.path().display()))
                .args(["stat", "-L", "-c", "%i"])
                .arg(made.dir.path().join("net")),
            "nsenter stat",
        );
        made.net = out.stdout.trim().parse().expect("net inode");
        made
    }
}

impl Drop for ProcesslessMountNs {
    fn drop(&mut self) {
        for path in [self.dir.path().join("mnt"), self.dir.path().to_path_buf()] {
            let _ = nix::mount::umount2(&path, nix::mount::MntFlags::MNT_DETACH);
        }
    }
}

/// Issue 10 item 1's "bind mount in another mount namespace" where that namespace has no
/// process to open it through: nsview finds the network namespace (listmount in that mount
/// namespace), lists it, and every face reports its one holder as unreadable with that reason
/// instead of failing vaguely.
#[test]
#[ignore = "needs root"]
fn a_bind_mount_in_a_processless_mount_namespace_is_reported() {
    if !require_root("a_bind_mount_in_a_processless_mount_namespace") {
        panic!("needs root");
    }
    let pinned = ProcesslessMountNs::make();
    let reason = format!(
        "in mnt:[{}], which has no process nsview can open it through",
        pinned.mnt
    );
    let net = pinned.net;
    for (name, run) in every_face(net) {
        match name {
            "--list" | "--list -J" | "--list -P" => {
                assert_eq!(run.code, Some(0), "{name}: {}", run.stderr);
                assert!(run.stdout.contains(&net.to_string()), "{name} lists it");
                assert!(run.stderr.contains(&reason), "{name}: {}", run.stderr);
            }
            "show" | "show --json" => {
                assert_eq!(run.code, Some(0), "{name}: {}", run.stderr);
                assert!(run.stdout.contains(&reason), "{name}: {}", run.stdout);
            }
            _ => {
                assert_eq!(run.code, Some(1), "enter must refuse: {}", run.stderr);
                assert_eq!(run.stderr.trim_end().lines().count(), 1, "{}", run.stderr);
                assert!(
                    run.stderr
                        .contains(&format!("net:[{net}] has no holder nsview can open: "))
                        && run.stderr.contains(&reason),
                    "{}",
                    run.stderr
                );
            }
        }
    }
}
