//! `nsview enter`: live tests in namespaces each test creates around bounded sleepers (killed
//! by pid when the test ends), plus the refusals that need no root.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::util::{
    Sleeper, comm, first_child, nsview, require_program, require_root, stderr, stdout,
};

fn sh(script: &str) -> Command {
    let mut cmd = Command::new("sh");
    cmd.args(["-c", script]);
    cmd
}

/// A sleeper in a new uts namespace with the given hostname; returns it and the inode.
fn uts_sleeper(hostname: &str) -> (Sleeper, u64) {
    let script = format!("hostname {hostname} && exec sleep 60");
    let sleeper = Sleeper::start(&["unshare", "--uts", "sh", "-c", &script]);
    let inode = sleeper.new_ns("uts");
    (sleeper, inode)
}

fn enter(args: &[&str]) -> Output {
    nsview()
        .arg("enter")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run nsview enter")
}

fn one_line_error(output: &Output) -> String {
    let err = stderr(output);
    assert!(!output.status.success(), "must fail: {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err:?}");
    assert!(err.starts_with("nsview: "), "{err}");
    err
}

#[test]
fn enter_help_works() {
    let out = enter(&["--help"]);
    assert!(out.status.success());
    let text = stdout(&out);
    for needle in [
        "[NAMESPACE]",
        "--all",
        "--pid",
        "--preserve-credentials",
        "--root",
    ] {
        assert!(text.contains(needle), "{needle} in {text}");
    }
}

#[test]
fn enter_refuses_garbage_arguments() {
    for arg in ["abc", "net:[x]", "bogus:[4026531840]", "net:4026531840"] {
        let out = enter(&[arg, "true"]);
        let err = one_line_error(&out);
        assert!(err.contains(&format!("invalid namespace '{arg}'")), "{err}");
        assert!(
            err.trim_end().ends_with("try 'nsview enter --help'"),
            "{err}"
        );
        assert_eq!(out.status.code(), Some(2), "a usage error");
    }
    // Neither a namespace nor --pid: say what is needed.
    let err = one_line_error(&enter(&[]));
    assert!(err.contains("--pid PID"), "{err}");
    let err = one_line_error(&enter(&["-t", "uts", "net:[4026531840]", "true"]));
    assert!(
        err.contains("is a net namespace but --type says uts"),
        "{err}"
    );
}

#[test]
#[ignore = "needs root"]
fn enter_uts_runs_hostname_inside() {
    if !require_root("enter_uts_runs_hostname_inside") {
        return;
    }
    let (_sleeper, inode) = uts_sleeper("test-xyz");
    let out = enter(&[&inode.to_string(), "hostname"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "test-xyz\n");
    let out = enter(&[&format!("uts:[{inode}]"), "hostname"]);
    assert_eq!(stdout(&out), "test-xyz\n");

    // No command: the shell ($SHELL, else the passwd shell, else /bin/sh) reads stdin.
    for shell in ["/bin/sh", "/nonexistent/shell"] {
        let mut child = nsview()
            .env("SHELL", shell)
            .args(["enter", &inode.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("nsview");
        if let Some(mut stdin) = child.stdin.take() {
            std::io::Write::write_all(&mut stdin, b"hostname\n").expect("write");
        }
        let out = child.wait_with_output().expect("wait");
        assert_eq!(stdout(&out), "test-xyz\n", "SHELL={shell}");
    }
}

/// `--pid PID [cmd]` without a namespace works as `nsenter -t PID -a`: every namespace of
/// that process; a first word that is no namespace starts the command.
#[test]
#[ignore = "needs root"]
fn enter_pid_without_a_namespace_works_as_nsenter_t() {
    if !require_root("enter_pid_without_a_namespace_works_as_nsenter_t") {
        return;
    }
    let hostname = format!("pid-only-{}", std::process::id());
    let (sleeper, _inode) = uts_sleeper(&hostname);
    let pid = sleeper.pid().to_string();
    let out = enter(&["--pid", &pid, "hostname"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), format!("{hostname}\n"));
    // `--all` too, and a command with arguments of its own.
    let out = enter(&["--all", "--pid", &pid, "ps", "-o", "pid=", "-p", &pid]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim(), pid, "ps sees the sleeper");
    let out = enter(&["--pid", &pid, "-t", "uts", "hostname"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), format!("{hostname}\n"));
}

#[test]
#[ignore = "needs root"]
fn enter_refuses_a_wrong_type_and_a_vanished_namespace() {
    if !require_root("enter_refuses_a_wrong_type_and_a_vanished_namespace") {
        return;
    }
    let (sleeper, inode) = uts_sleeper("test-gone");
    let err = one_line_error(&enter(&["-t", "net", &inode.to_string(), "true"]));
    assert!(
        err.contains(&format!("uts:[{inode}] is a uts namespace, not net")),
        "{err}"
    );
    let err = one_line_error(&enter(&[&format!("net:[{inode}]"), "true"]));
    assert!(err.contains("is a uts namespace, not net"), "{err}");

    // Nothing holds it any more once the sleeper is gone.
    sleeper.stop();
    let out = enter(&[&inode.to_string(), "hostname"]);
    let err = one_line_error(&out);
    assert!(
        err.contains(&format!("namespace {inode} not found")),
        "{err}"
    );
    assert!(stdout(&out).is_empty());
}

#[test]
#[ignore = "needs root"]
fn enter_pid_namespace_runs_the_command_inside() {
    if !require_root("enter_pid_namespace_runs_the_command_inside") {
        return;
    }
    let (_unshare, inode) = pid_sleeper();
    let out = enter(&[
        &inode.to_string(),
        "sh",
        "-c",
        "readlink /proc/self/ns/pid; echo $$",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some(format!("pid:[{inode}]").as_str()));
    let pid: u32 = lines.next().and_then(|l| l.parse().ok()).expect("a pid");
    assert!(pid < 100, "inside numbering, got {pid}");

    // The fork path passes exit codes and signals through as well.
    let out = enter(&[&inode.to_string(), "sh", "-c", "exit 42"]);
    assert_eq!(out.status.code(), Some(42));
    let out = nsview_in_sh(&format!("enter {inode} sh -c 'kill -TERM $$'; echo $?"));
    assert_eq!(stdout(&out), "143\n", "{}", stderr(&out));
    let out = enter(&[&inode.to_string(), "nsview-no-such-command"]);
    assert_eq!(out.status.code(), Some(127));
}

/// A sleeper as pid 1 of a new pid namespace (with its own /proc); returns unshare, which
/// takes the sleeper with it when killed (--kill-child), and the namespace inode.
fn pid_sleeper() -> (Sleeper, u64) {
    let sleeper = Sleeper::start_forked(&[
        "unshare",
        "--pid",
        "--fork",
        "--kill-child",
        "--mount-proc",
        "sleep",
        "60",
    ]);
    let inode = sleeper.new_ns("pid");
    (sleeper, inode)
}

/// The first child of `pid` (nsview's command), waited for.
fn wait_for_child(pid: u32) -> i32 {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(child) = first_child(pid as i32) {
            return child;
        }
        assert!(Instant::now() < deadline, "{pid} never forked");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Runs `sh -c "<nsview> <args>"` so the shell reports how nsview ended.
fn nsview_in_sh(args: &str) -> Output {
    let bin = env!("CARGO_BIN_EXE_nsview");
    sh(&format!("{bin} {args}")).output().expect("sh")
}

#[test]
#[ignore = "needs root"]
fn enter_passes_exit_codes_and_signals() {
    if !require_root("enter_passes_exit_codes_and_signals") {
        return;
    }
    let (_sleeper, inode) = uts_sleeper("test-codes");
    let ns = inode.to_string();
    assert_eq!(enter(&[&ns, "sh", "-c", "exit 42"]).status.code(), Some(42));
    let out = nsview_in_sh(&format!("enter {ns} sh -c 'kill -TERM $$'; echo $?"));
    assert_eq!(stdout(&out), "143\n");

    let out = enter(&[&ns, "nsview-no-such-command"]);
    assert_eq!(out.status.code(), Some(127));
    assert!(one_line_error(&out).contains("nsview-no-such-command: command not found"));
    let dir = tempfile::tempdir().expect("tempdir");
    let script = dir.path().join("not-executable");
    std::fs::write(&script, "#!/bin/sh\necho hi\n").expect("write");
    let out = enter(&[&ns, &script.display().to_string()]);
    assert_eq!(out.status.code(), Some(126));
    assert!(one_line_error(&out).contains("permission denied"));
}

#[test]
#[ignore = "needs root"]
fn enter_net_sees_the_namespace_interfaces() {
    if !require_root("enter_net_sees_the_namespace_interfaces")
        || !require_program("enter_net_sees_the_namespace_interfaces", "ip")
    {
        return;
    }
    let name = format!("nsv{}", std::process::id() % 1_000_000);
    // A veth pair made inside (the dummy module may be missing; veth is more common).
    let script = format!("ip link add {name}a type veth peer name {name}b && exec sleep 60");
    let sleeper = Sleeper::start(&["unshare", "--net", "sh", "-c", &script]);
    let inode = sleeper.new_ns("net");
    let out = enter(&[&format!("net:[{inode}]"), "ip", "-o", "link"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut names: Vec<String> = stdout(&out)
        .lines()
        .filter_map(|l| l.split(':').nth(1))
        .map(|n| n.trim().split('@').next().unwrap_or_default().to_string())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["lo".to_string(), format!("{name}a"), format!("{name}b")]
    );
    let host = Command::new("ip")
        .args(["-o", "link"])
        .output()
        .expect("ip");
    assert!(!stdout(&host).contains(&format!(" {name}a@")));
}

#[test]
#[ignore = "needs root"]
fn enter_mount_namespace_looks_the_command_up_inside() {
    if !require_root("enter_mount_namespace_looks_the_command_up_inside") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let bin = dir.path().display().to_string();
    // The program exists only on a tmpfs mounted inside the new mount namespace.
    let script = format!(
        "mount -t tmpfs nsview-test {bin} && printf '#!/bin/sh\\necho inside\\n' > \
         {bin}/nsview-only-inside && chmod 755 {bin}/nsview-only-inside && exec sleep 60"
    );
    let sleeper = Sleeper::start(&["unshare", "--mount", "sh", "-c", &script]);
    let inode = sleeper.new_ns("mnt");
    wait_for(|| {
        Path::new(&format!(
            "/proc/{}/root{bin}/nsview-only-inside",
            sleeper.pid()
        ))
        .exists()
    });
    let path = format!("{bin}:{}", std::env::var("PATH").unwrap_or_default());
    let out = nsview()
        .env("PATH", &path)
        .args(["enter", &inode.to_string(), "nsview-only-inside"])
        .output()
        .expect("nsview");
    assert_eq!(stdout(&out), "inside\n", "{}", stderr(&out));
    assert!(!Path::new(&format!("{bin}/nsview-only-inside")).exists());

    // -w sets the working directory (opened before entering, as nsenter).
    let out = enter(&["-w=/", &inode.to_string(), "pwd"]);
    assert_eq!(stdout(&out), "/\n", "{}", stderr(&out));
}

fn wait_for(ready: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !ready() {
        assert!(Instant::now() < deadline, "timed out");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A copy of the binary that an unprivileged uid can run (the test's target dir may not be
/// reachable for it).
fn binary_for_others(dir: &Path) -> PathBuf {
    let copy = dir.join("nsview");
    std::fs::copy(env!("CARGO_BIN_EXE_nsview"), &copy).expect("copy binary");
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).expect("chmod dir");
    std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o755)).expect("chmod bin");
    copy
}

const NOBODY: [&str; 3] = ["--reuid=65534", "--regid=65534", "--clear-groups"];

#[test]
#[ignore = "needs root"]
fn enter_own_user_namespace_unprivileged() {
    let test = "enter_own_user_namespace_unprivileged";
    if !require_root(test) || !require_program(test, "setpriv") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let bin = binary_for_others(dir.path());
    let argv: Vec<&str> = std::iter::once("setpriv")
        .chain(NOBODY.iter().copied())
        .chain([
            "unshare",
            "--user",
            "--map-root-user",
            "--net",
            "sleep",
            "60",
        ])
        .collect();
    let sleeper = Sleeper::start(&argv);
    let inode = sleeper.new_ns("user");
    let net = sleeper.new_ns("net");
    let as_nobody = |args: &[&str]| {
        Command::new("setpriv")
            .args(NOBODY)
            .arg(&bin)
            .args(args)
            .output()
            .expect("setpriv nsview")
    };
    let out = as_nobody(&["enter", &inode.to_string(), "id", "-u"]);
    assert_eq!(stdout(&out), "0\n", "{}", stderr(&out));
    let out = as_nobody(&["enter", "--all", &format!("user:[{inode}]"), "id", "-u"]);
    assert_eq!(stdout(&out), "0\n", "--all: {}", stderr(&out));

    // The netns alone needs CAP_SYS_ADMIN in its owner; --all enters the owner first.
    let out = as_nobody(&["enter", &net.to_string(), "true"]);
    let err = one_line_error(&out);
    assert!(
        err.contains(&format!(
            "permission denied entering net:[{net}]: needs CAP_SYS_ADMIN"
        )),
        "{err}"
    );
    let script = "id -u; readlink /proc/self/ns/net";
    let expected = format!("0\nnet:[{net}]\n");
    let out = as_nobody(&["enter", "--all", &net.to_string(), "sh", "-c", script]);
    assert_eq!(stdout(&out), expected, "{}", stderr(&out));
    // Root dropping into it: the two passes enter net while still privileged, then user.
    let out = enter(&["--all", &net.to_string(), "sh", "-c", script]);
    assert_eq!(stdout(&out), expected, "{}", stderr(&out));

    // nsenter fails in the same situation (setgroups denied, namespaces it is already in).
    let nsenter = Command::new("setpriv")
        .args(NOBODY)
        .args([
            "nsenter",
            "-a",
            "-t",
            &sleeper.pid().to_string(),
            "id",
            "-u",
        ])
        .output()
        .expect("nsenter");
    if nsenter.status.success() {
        eprintln!(
            "NOTE {test}: nsenter -a unexpectedly succeeded: {}",
            stdout(&nsenter)
        );
    } else {
        eprintln!("nsenter -a failed as expected: {}", stderr(&nsenter).trim());
    }
    assert!(!nsenter.status.success() || stdout(&nsenter) == "0\n");
}

#[test]
#[ignore = "needs root"]
fn enter_netns_held_only_by_a_bind_mount() {
    let test = "enter_netns_held_only_by_a_bind_mount";
    if !require_root(test) || !require_program(test, "ip") {
        return;
    }
    let name = format!("nsview-test-{}", std::process::id());
    let added = Command::new("ip").args(["netns", "add", &name]).status();
    if !added.is_ok_and(|s| s.success()) {
        panic!("{test}: ip netns add failed");
    }
    struct NetnsGuard(String);
    impl Drop for NetnsGuard {
        fn drop(&mut self) {
            let _ = Command::new("ip").args(["netns", "del", &self.0]).status();
        }
    }
    let _guard = NetnsGuard(name.clone());
    let inode = std::fs::metadata(format!("/run/netns/{name}"))
        .map(|m| m.ino())
        .expect("netns file");
    let out = enter(&[
        &format!("net:[{inode}]"),
        "sh",
        "-c",
        "readlink /proc/self/ns/net; ip -o link",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some(format!("net:[{inode}]").as_str()));
    let links: Vec<&str> = lines.collect();
    assert_eq!(links.len(), 1, "{links:?}");
    assert!(links[0].contains(": lo:"), "{links:?}");

    // --all needs a process; a bind mount has none.
    let err = one_line_error(&enter(&["--all", &inode.to_string(), "true"]));
    assert!(err.contains("--all needs a process"), "{err}");
}

#[test]
#[ignore = "needs root"]
fn enter_uts_held_only_by_an_open_fd() {
    if !require_root("enter_uts_held_only_by_an_open_fd") {
        return;
    }
    let (original, inode) = uts_sleeper("test-fdheld");
    let script = format!("exec 3</proc/{}/ns/uts && exec sleep 60", original.pid());
    let holder = Sleeper::start(&["sh", "-c", &script]);
    wait_for(|| {
        comm(holder.pid()) == "sleep"
            && std::fs::read_link(format!("/proc/{}/fd/3", holder.pid()))
                .is_ok_and(|l| l == Path::new(&format!("uts:[{inode}]")))
    });
    original.stop();
    let out = enter(&[&inode.to_string(), "hostname"]);
    assert_eq!(stdout(&out), "test-fdheld\n", "{}", stderr(&out));
}

#[test]
#[ignore = "needs root"]
fn enter_refuses_a_recycled_holder() {
    let test = "enter_refuses_a_recycled_holder";
    if !require_root(test) || !require_program(test, "mkfifo") {
        return;
    }
    let (a, inode_a) = uts_sleeper("test-old");
    let (b, inode_b) = uts_sleeper("test-new");
    let dir = tempfile::tempdir().expect("tempdir");
    // In a private mount namespace: a bind mount is the only holder of A; after nsview's scan
    // (it waits on the fifo) the mount point is switched to B, as if A's inode had been
    // recycled. nsview must refuse rather than enter B.
    let script = r#"
        set -e
        bin=$1 dir=$2 a=$3 b=$4 inode=$5
        mount -t tmpfs nsview-test "$dir"
        touch "$dir/ns"
        mount --bind /proc/$a/ns/uts "$dir/ns"
        kill $a
        n=0; while [ -e /proc/$a/ns/uts ] && [ $n -lt 200 ]; do sleep 0.05; n=$((n+1)); done
        mkfifo "$dir/fifo"
        NSVIEW_ENTER_TEST_FIFO="$dir/fifo" "$bin" enter "$inode" hostname &
        nsview=$!
        exec 4>"$dir/fifo"
        umount "$dir/ns"
        mount --bind /proc/$b/ns/uts "$dir/ns"
        exec 4>&-
        set +e
        wait $nsview
        echo "rc=$?"
    "#;
    let out = Command::new("unshare")
        .args(["--mount", "sh", "-c", script, "sh"])
        .arg(env!("CARGO_BIN_EXE_nsview"))
        .arg(dir.path())
        .args([
            a.pid().to_string(),
            b.pid().to_string(),
            inode_a.to_string(),
        ])
        .output()
        .expect("unshare");
    let text = stdout(&out);
    let err = stderr(&out);
    assert!(
        !text.contains("test-new"),
        "entered the wrong namespace: {text}"
    );
    assert!(text.contains("rc=1"), "{text} {err}");
    assert!(
        err.contains(&format!(
            "refusing to enter uts:[{inode_a}]: its inode was reused"
        )),
        "{err}"
    );
    assert!(err.contains(&format!("now is uts:[{inode_b}]")), "{err}");
    drop(a);
}

#[test]
#[ignore = "needs root"]
fn enter_passes_stops_through_and_leaves_no_strays() {
    if !require_root("enter_passes_stops_through_and_leaves_no_strays") {
        return;
    }
    let (_unshare, inode) = pid_sleeper();
    let inode = inode.to_string();

    // The command stops itself: nsview stops too (its parent sees a stopped job), and a
    // SIGCONT to nsview continues the command.
    let child = nsview()
        .args(["enter", &inode, "sh", "-c", "kill -STOP $$; echo resumed"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("nsview");
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    let status = nix::sys::wait::waitpid(pid, Some(nix::sys::wait::WaitPidFlag::WUNTRACED))
        .expect("waitpid");
    assert!(
        matches!(status, nix::sys::wait::WaitStatus::Stopped(..)),
        "{status:?}"
    );
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGCONT).expect("SIGCONT");
    let out = child.wait_with_output().expect("wait");
    assert_eq!(stdout(&out), "resumed\n");
    assert!(out.status.success());

    // Killing nsview (even with SIGKILL) takes the command with it.
    for signal in [
        nix::sys::signal::Signal::SIGTERM,
        nix::sys::signal::Signal::SIGKILL,
    ] {
        let mut child = nsview()
            .args(["enter", &inode, "sleep", "30"])
            .spawn()
            .expect("nsview");
        let command = wait_for_child(child.id());
        wait_for(|| comm(command) == "sleep");
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(child.id() as i32), signal)
            .expect("kill nsview");
        let status = child.wait().expect("wait");
        assert_eq!(
            std::os::unix::process::ExitStatusExt::signal(&status),
            Some(signal as i32)
        );
        wait_for(|| !Path::new(&format!("/proc/{command}")).exists() || comm(command) != "sleep");
    }
}
