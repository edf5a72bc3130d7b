//! `nsview --list` over fixture /proc trees (insta snapshots of every format and option), bad
//! input, a closed pipe, and live comparisons with lsns 2.42.2 on namespaces the tests
//! create themselves.

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use crate::util::{Sleeper, fixtures, nsview, require_program, require_root, stderr, stdout};

mod extra;
mod lsns;

/// A private copy of a fixture (so modes and owners can be set without touching the repo).
struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    /// The copy as any user gets it: every `/proc/PID` belongs to the runner, and the copy's
    /// passwd names the runner's uid `root` first (the first entry for a uid wins), so the
    /// output is the same for root and for everyone else.
    fn new(name: &str) -> Fixture {
        let dir = tempfile::tempdir().expect("temp dir");
        let status = Command::new("cp")
            .arg("-a")
            .arg(fixtures().join(name))
            .arg(dir.path().join("f"))
            .status()
            .expect("cp");
        assert!(status.success());
        let fixture = Fixture { dir };
        let passwd = fixture.root().join("etc/passwd");
        if let Ok(text) = std::fs::read_to_string(&passwd) {
            let me = nix::unistd::geteuid().as_raw();
            std::fs::write(
                &passwd,
                format!("root:x:{me}:{me}:runner:/:/bin/sh\n{text}"),
            )
            .expect("write the copy's passwd");
        }
        fixture
    }

    /// The copy with `/proc/PID` owners from its `uids` file (`PID UID` lines) and the
    /// fixture's own passwd: what the UID column shows needs chown, so only root gets it.
    fn with_owners(name: &str) -> Fixture {
        assert!(
            nix::unistd::geteuid().is_root(),
            "chown of the fixture copy needs root"
        );
        let dir = tempfile::tempdir().expect("temp dir");
        let status = Command::new("cp")
            .arg("-a")
            .arg(fixtures().join(name))
            .arg(dir.path().join("f"))
            .status()
            .expect("cp");
        assert!(status.success());
        let fixture = Fixture { dir };
        let uids = std::fs::read_to_string(fixture.root().join("uids")).expect("uids file");
        for line in uids.lines().filter(|l| !l.starts_with('#')) {
            let mut fields = line.split_whitespace();
            if let (Some(pid), Some(uid)) = (fields.next(), fields.next()) {
                let uid: u32 = uid.parse().expect("uid");
                std::os::unix::fs::lchown(fixture.proc().join(pid), Some(uid), None)
                    .expect("chown a fixture pid dir");
            }
        }
        fixture
    }

    fn root(&self) -> PathBuf {
        self.dir.path().join("f")
    }

    fn proc(&self) -> PathBuf {
        self.root().join("proc")
    }

    fn run(&self, args: &[&str]) -> Output {
        nsview()
            .arg("--proc-root")
            .arg(self.proc())
            .args(args)
            .env("LANG", "C.UTF-8")
            .env_remove("LC_ALL")
            .env_remove("LC_CTYPE")
            .output()
            .expect("run nsview")
    }

    /// stdout of a successful run with an empty stderr.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        assert_eq!(stderr(&out), "", "{args:?}");
        stdout(&out)
    }
}

/// Every output format and option on the fixture, as any user (owners are the runner's).
#[test]
fn fixture_formats() {
    let f = Fixture::new("basic");
    insta::assert_snapshot!("list_table", f.ok(&["--list"]));
    insta::assert_snapshot!("default_process_tree", f.ok(&["-n"]));
    insta::assert_snapshot!("list_raw", f.ok(&["--list", "-r"]));
    insta::assert_snapshot!("list_json", f.ok(&["--list", "-J"]));
    insta::assert_snapshot!("tree_json", f.ok(&["-J", "-t", "uts", "-t", "pid"]));
    insta::assert_snapshot!("net_defaults_wrap", f.ok(&["--list", "-t", "net"]));
    insta::assert_snapshot!("net_json", f.ok(&["--list", "-t", "net", "-J"]));
    insta::assert_snapshot!("task", f.ok(&["-p", "100", "-o", "ns,type,pid,command"]));
    insta::assert_snapshot!("namespace_processes", f.ok(&["4026532300"]));
    insta::assert_snapshot!("namespace_processes_raw", f.ok(&["-r", "4026531836"]));
    insta::assert_snapshot!(
        "persistent",
        f.ok(&["-P", "-o", "NS,TYPE,NPROCS,PATH,NSFS"])
    );
    insta::assert_snapshot!("owner_tree", f.ok(&["-T", "-t", "net"]));
    insta::assert_snapshot!("column_list", f.ok(&["-H"]));
}

/// The UID column and a second user (pid 200 is alice's): needs the fixture's owners.
#[test]
#[ignore = "needs root (chown of the fixture copy)"]
fn fixture_uid_columns() {
    let f = Fixture::with_owners("basic");
    insta::assert_snapshot!("output_all_nowrap", f.ok(&["--list", "--output-all", "-W"]));
    insta::assert_snapshot!(
        "output_plus",
        f.ok(&["-l", "-o", "+uid,Path", "-t", "user"])
    );
    assert!(f.ok(&["--list", "-p", "200"]).contains(" alice "));
}

#[test]
fn fixture_json_types() {
    let f = Fixture::new("basic");
    let json: serde_json::Value =
        serde_json::from_str(&f.ok(&["--list", "-J", "--output-all"])).expect("valid JSON");
    let rows = json["namespaces"].as_array().expect("array");
    // Sorted by inode, numbers as numbers, empty cells as null, NSFS a string (lsns 2.42; it
    // loses the second path there, nsview keeps it on a second line).
    let inodes: Vec<u64> = rows.iter().filter_map(|r| r["ns"].as_u64()).collect();
    assert!(inodes.windows(2).all(|w| w[0] < w[1]), "{inodes:?}");
    assert_eq!(inodes.len(), rows.len());
    let held = rows
        .iter()
        .find(|r| r["ns"] == 4026532900u64)
        .expect("bind-mounted netns");
    assert_eq!(held["nprocs"], 0);
    assert_eq!(held["pid"], serde_json::Value::Null);
    assert_eq!(held["command"], serde_json::Value::Null);
    assert_eq!(
        held["nsfs"],
        serde_json::json!("/run/netns/blue\n/run/netns/blue too")
    );
    assert_eq!(
        held["path"],
        serde_json::Value::Null,
        "no PATH without a process (2.42)"
    );
    let weird = rows.iter().find(|r| r["ns"] == 4026532300u64).expect("uts");
    assert_eq!(weird["pid"], 100);
    assert_eq!(weird["command"], "caf\u{fffd} --x");
    // The zombie has no namespaces and the kernel threads count in the host's.
    let host_pid = rows.iter().find(|r| r["ns"] == 4026531836u64).expect("pid");
    assert_eq!(host_pid["nprocs"], 5);
}

#[test]
#[ignore = "needs root"]
fn fixture_unreadable_entry_is_a_gap_not_an_error() {
    if !require_root("fixture_unreadable_entry_is_a_gap_not_an_error") {
        return;
    }
    let f = Fixture::new("basic");
    let entry = f.proc().join("101");
    std::fs::set_permissions(&entry, std::os::unix::fs::PermissionsExt::from_mode(0o000))
        .expect("chmod");
    let mut cmd = nsview();
    cmd.arg("--proc-root")
        .arg(f.proc())
        .args(["--list", "-J", "-t", "uts"]);
    // SAFETY: prctl is async-signal-safe; the child only drops capabilities before exec.
    unsafe {
        cmd.pre_exec(|| {
            // CAP_DAC_OVERRIDE (1) and CAP_DAC_READ_SEARCH (2), from linux/capability.h.
            for cap in [1 as libc::c_ulong, 2] {
                if libc::prctl(libc::PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            Ok(())
        });
    }
    let out = cmd.output().expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // Root under a script: the scan is whole in kind (CAP_SYS_PTRACE and CAP_SYS_ADMIN held),
    // so the one unreadable entry is no news on stderr (the note shows on a terminal).
    assert_eq!(stderr(&out), "");
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    let uts = json["namespaces"]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["ns"] == 4026532300u64))
        .expect("uts row");
    assert_eq!(uts["nprocs"], 1, "pid 101 could not be read");

    // The same run with stderr on a terminal (a pty from `script`): the note is there, once.
    let typescript = f.proc().with_file_name("typescript");
    let inner = format!(
        "{} --proc-root {} --list -J -t uts >/dev/null",
        env!("CARGO_BIN_EXE_nsview"),
        f.proc().display()
    );
    let mut cmd = Command::new("script");
    cmd.args(["-q", "-e", "-c", &inner])
        .arg(&typescript)
        .stdin(Stdio::null())
        .stdout(Stdio::null());
    // SAFETY: as above.
    unsafe {
        cmd.pre_exec(|| {
            for cap in [1 as libc::c_ulong, 2] {
                if libc::prctl(libc::PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            Ok(())
        });
    }
    let status = cmd.status().expect("run script");
    assert!(status.success());
    let tty = std::fs::read_to_string(&typescript).expect("typescript");
    assert_eq!(
        tty.matches("nsview: note: could not read 1 process (permission denied")
            .count(),
        1,
        "{tty}"
    );
}

#[test]
fn bad_input_is_one_line_and_non_zero() {
    let f = Fixture::new("basic");
    let cases: &[(&[&str], &str)] = &[
        (&["--list", "-o", "NS,foo"], "nsview: unknown column: foo\n"),
        (
            &["--list", "-t", "bogus"],
            "nsview: unknown namespace type: bogus\n",
        ),
        (&["--list", "99"], "nsview: not found namespace: 99\n"),
        (
            &["--list", "abc"],
            "nsview: invalid namespace argument: 'abc'\n",
        ),
        (
            &["--list", "-p", "x1"],
            "nsview: invalid PID argument: 'x1'\n",
        ),
        (
            &["-J", "-r"],
            "nsview: options --json and --raw cannot be combined\n",
        ),
        (
            &["-p", "1", "4026531836"],
            "nsview: --task is mutually exclusive with <namespace>\n",
        ),
        (
            &["--tree=sideways"],
            "nsview: unknown tree type: sideways\n",
        ),
    ];
    for (args, expected) in cases {
        let out = f.run(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert_eq!(stderr(&out), *expected, "{args:?}");
        assert_eq!(stdout(&out), "", "{args:?}");
    }
    let out = nsview()
        .args(["--list", "--proc-root", "/nonexistent/proc"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("nsview: cannot open proc root /nonexistent/proc"),
        "{err}"
    );
    // A namespace of a type not selected is "not found", as in lsns.
    let out = f.run(&["--list", "-t", "net", "4026532300"]);
    assert_eq!(stderr(&out), "nsview: not found namespace: 4026532300\n");
}

#[test]
fn closed_pipe_exits_quietly() {
    let mut child = nsview()
        .args(["--list", "--output-all"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    // Close our end before nsview has scanned, so its single write meets EPIPE.
    drop(child.stdout.take());
    let mut err = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut err)
        .expect("read");
    let status = child.wait().expect("wait");
    assert_eq!(status.code(), Some(0), "{err}");
    assert!(!err.contains("pipe"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

/// `unshare ARGS sleep 60` (ARGS include `--fork --kill-child`): the sleeper is the forked
/// child inside all the new namespaces.
fn unshared(args: &[&str]) -> Sleeper {
    let argv: Vec<&str> = std::iter::once("unshare")
        .chain(args.iter().copied())
        .chain(["sleep", "60"])
        .collect();
    Sleeper::start_forked(&argv)
}

/// The rows of `-J` output. lsns copies a non-UTF-8 command line's bytes into its JSON as they
/// are, so any such process on the machine makes its output invalid UTF-8: decode lossily, as
/// nsview itself does.
fn json_rows(output: &Output) -> Vec<serde_json::Value> {
    let value: serde_json::Value =
        serde_json::from_str(&String::from_utf8_lossy(&output.stdout)).expect("valid JSON");
    value["namespaces"].as_array().cloned().unwrap_or_default()
}

fn live_ready(test: &str) -> bool {
    require_root(test) && require_program(test, "unshare")
}

const ALL_TYPES: [&str; 8] = ["mnt", "net", "pid", "uts", "ipc", "user", "cgroup", "time"];

#[test]
#[ignore = "needs root"]
fn live_every_type_matches_lsns() {
    if !live_ready("live_every_type_matches_lsns") {
        return;
    }
    let sleeper = unshared(&[
        "--mount",
        "--uts",
        "--ipc",
        "--net",
        "--pid",
        "--cgroup",
        "--time",
        "--user",
        "--map-root-user",
        "--fork",
        "--kill-child",
    ]);
    let inodes: Vec<u64> = ALL_TYPES.iter().map(|k| sleeper.ns(k)).collect();
    let columns = "NS,TYPE,NPROCS,PID,PPID,UID,USER,COMMAND";
    let ours = nsview()
        .args(["--list", "-J", "-o", columns])
        .output()
        .expect("nsview");
    let theirs = crate::util::lsns_242(
        "live_every_type_matches_lsns",
        &["--list", "-J", "-o", columns],
    );
    assert_eq!(ours.status.code(), Some(0), "{}", stderr(&ours));
    let pick = |rows: Vec<serde_json::Value>| {
        let mut mine: Vec<serde_json::Value> = rows
            .into_iter()
            .filter(|r| r["ns"].as_u64().is_some_and(|i| inodes.contains(&i)))
            .collect();
        mine.sort_by_key(|r| r["ns"].as_u64());
        mine
    };
    let ours = pick(json_rows(&ours));
    let theirs = pick(json_rows(&theirs));
    assert_eq!(ours.len(), 8, "{ours:#?}");
    assert_eq!(ours, theirs);
    for row in &ours {
        assert!(
            row["command"]
                .as_str()
                .is_some_and(|c| c.contains("sleep") || c.contains("unshare"))
        );
    }
}

#[test]
#[ignore = "needs root"]
fn live_task_and_raw_columns_match_lsns() {
    if !live_ready("live_task_and_raw_columns_match_lsns") {
        return;
    }
    let sleeper = unshared(&["--uts", "--ipc", "--net", "--fork", "--kill-child"]);
    let pid = sleeper.pid.to_string();
    // Each set of options with how many rows of our three namespaces it must show.
    for (args, own_rows) in [
        (
            vec![
                "-r",
                "-o",
                "NS,TYPE,PID,PPID,USER,COMMAND,PATH",
                "-p",
                pid.as_str(),
            ],
            3,
        ),
        (
            vec![
                "-r",
                "-n",
                "-t",
                "uts",
                "-t",
                "ipc",
                "-o",
                "NS,TYPE,NPROCS,PID,COMMAND",
            ],
            2,
        ),
        (vec!["-r", "-t", "net", "-o", "NS,TYPE,PID,NETNSID,NSFS"], 1),
    ] {
        let ours = nsview().arg("--list").args(&args).output().expect("nsview");
        let lsns_args: Vec<&str> = std::iter::once("--list")
            .chain(args.iter().copied())
            .collect();
        let theirs = crate::util::lsns_242("live_task_and_raw_columns_match_lsns", &lsns_args);
        // Compare the rows of our namespaces (and the header); the rest of the machine moves.
        let keep = |text: String| -> Vec<String> {
            let uts = sleeper.ns("uts").to_string();
            let ipc = sleeper.ns("ipc").to_string();
            let net = sleeper.ns("net").to_string();
            text.lines()
                .filter(|l| {
                    l.starts_with("NS ")
                        || [&uts, &ipc, &net].iter().any(|i| l.starts_with(i.as_str()))
                })
                .map(str::to_string)
                .collect()
        };
        let (ours, theirs) = (keep(stdout(&ours)), keep(stdout(&theirs)));
        let rows = ours.iter().filter(|l| !l.starts_with("NS ")).count();
        assert_eq!(rows, own_rows, "{args:?}: {ours:?}");
        assert_eq!(ours, theirs, "{args:?}");
    }
}

#[test]
#[ignore = "needs root"]
fn live_hidden_user_namespace_trees_and_persistent() {
    if !live_ready("live_hidden_user_namespace_trees_and_persistent") {
        return;
    }
    // The outer unshare execs the inner one, so no process stays in the middle namespace.
    let sleeper = unshared(&[
        "--user",
        "--map-root-user",
        "unshare",
        "--user",
        "--map-root-user",
        "--fork",
        "--kill-child",
    ]);
    let inner = sleeper.ns("user");
    let pns = nsview()
        .args(["--list", "-J", "-t", "user", "-o", "NS,PNS,NPROCS"])
        .output()
        .expect("nsview");
    let rows = json_rows(&pns);
    let parent = rows
        .iter()
        .find(|r| r["ns"] == inner)
        .and_then(|r| r["pns"].as_u64())
        .expect("inner user namespace with a parent");
    let middle = rows
        .iter()
        .find(|r| r["ns"] == parent)
        .expect("hidden parent listed");
    assert_eq!(middle["nprocs"], 0);

    // -T parent nests the inner namespace under the hidden one.
    let tree = nsview()
        .args(["-J", "-t", "user", "-o", "NS,NPROCS"])
        .arg("--tree=parent")
        .output()
        .expect("nsview");
    let text = stdout(&tree);
    let value: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let found = find_child(&value["namespaces"], parent, inner);
    assert!(found, "{text}");

    // lsns 2.42.2 -T parent agrees that the inner namespace hangs under that parent.
    let theirs = crate::util::lsns_242(
        "live_hidden_user_namespace_trees_and_persistent",
        &["-J", "-t", "user", "-o", "NS,NPROCS", "--tree=parent"],
    );
    let value: serde_json::Value =
        serde_json::from_str(&String::from_utf8_lossy(&theirs.stdout)).expect("lsns JSON");
    assert!(
        find_child(&value["namespaces"], parent, inner),
        "lsns disagrees"
    );

    // -P lists the hidden one and not the inner one (it has processes).
    let persistent = nsview()
        .args(["-P", "-J", "-t", "user"])
        .output()
        .expect("nsview");
    let rows = json_rows(&persistent);
    assert!(rows.iter().any(|r| r["ns"] == parent));
    assert!(!rows.iter().any(|r| r["ns"] == inner));
    assert!(rows.iter().all(|r| r["nprocs"] == 0));
}

/// True when `child` appears under `parent` anywhere in a JSON tree.
fn find_child(list: &serde_json::Value, parent: u64, child: u64) -> bool {
    list.as_array().is_some_and(|rows| {
        rows.iter().any(|row| {
            let kids = &row["children"];
            (row["ns"] == parent
                && kids
                    .as_array()
                    .is_some_and(|k| k.iter().any(|c| c["ns"] == child)))
                || find_child(kids, parent, child)
        })
    })
}

/// lsns 2.38 was seen spinning forever here when a parent chain looped (pid reuse under churn
/// makes a non-atomic scan see A's parent B and B's parent A). nsview must draw such a chain
/// and finish.
#[test]
fn process_tree_survives_a_parent_cycle() {
    use crate::util::{FakeProc, HOST, with};
    let fake = FakeProc::new();
    fake.process_full(1, 0, "init", 'S', 1, b"/sbin/init\0", &HOST);
    let own = with(&HOST, &[("net", 4026532999), ("uts", 4026532998)]);
    fake.process_full(10, 11, "a", 'S', 1, b"a\0", &own);
    fake.process_full(11, 10, "b", 'S', 1, b"b\0", &own);
    fake.process_full(
        12,
        12,
        "self-parent",
        'S',
        1,
        b"c\0",
        &with(&HOST, &[("ipc", 4026532997)]),
    );

    let mut child = nsview()
        .arg("--proc-root")
        .arg(&fake.root)
        .args(["-o", "NS,PID,PPID,COMMAND"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("nsview");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while child.try_wait().expect("wait").is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("nsview did not finish on a parent cycle");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let output = child.wait_with_output().expect("output");
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    for inode in ["4026532999", "4026532998", "4026532997"] {
        assert_eq!(
            text.matches(inode).count(),
            1,
            "each namespace once: {text}"
        );
    }
}

/// Issue 2: a command line that is not UTF-8 keeps its original bytes in the table and raw
/// formats (`\xNN`, as lsns's mbs_safe_encode and fputs_nonblank print them), while JSON
/// stays valid UTF-8 with U+FFFD (lsns copies the raw byte into its JSON).
#[test]
fn issue2_non_utf8_argv_is_escaped_from_its_bytes() {
    let f = Fixture::new("basic");
    let table = f.ok(&["--list", "-t", "uts", "-o", "NS,PID,COMMAND"]);
    assert!(table.contains("4026532300 100 caf\\xe9 --x\n"), "{table}");
    let raw = f.ok(&["--list", "-r", "-t", "uts", "-o", "NS,PID,COMMAND"]);
    assert!(raw.contains("4026532300 100 caf\\xe9\\x20--x\n"), "{raw}");
    let rows = json_rows(&f.run(&["--list", "-J", "-t", "uts", "-o", "NS,COMMAND"]));
    let row = rows.iter().find(|r| r["ns"] == 4026532300u64).expect("row");
    assert_eq!(row["command"], "caf\u{fffd} --x");
    // The filter sees the decoded text, like JSON.
    let picked = f.ok(&[
        "--list",
        "-r",
        "-n",
        "-o",
        "NS",
        "-Q",
        "COMMAND =~ \"^caf. --x$\"",
    ]);
    assert_eq!(picked, "4026532300\n4026532301\n");
}

#[test]
#[ignore = "needs root"]
fn issue2_live_non_utf8_argv_matches_lsns() {
    let test = "issue2_live_non_utf8_argv_matches_lsns";
    if !live_ready(test) || !require_program(test, "bash") {
        return;
    }
    // argv[0] holds an invalid byte, a control character, a backslash, a literal `\x` and a C1
    // control (U+0085), each escaped differently by lsns's table encoder.
    let script = r"exec -a $'caf\xe9 x\x01y\\z \\xq \xc2\x85 \xe2\x82\xac' sleep 60";
    let sleeper = Sleeper::start(&["unshare", "--uts", "bash", "-c", script]);
    let uts = sleeper.ns("uts").to_string();
    let expected_raw = format!(
        "PID COMMAND\n{} caf\\xe9\\x20x\\x01y\\x5cz\\x20\\x5cxq\\x20\\xc2\\x85\\x20\\xe2\\x82\\xac\\x2060\n",
        sleeper.pid
    );
    for format in [None, Some("-r")] {
        let args: Vec<&str> = format
            .into_iter()
            .chain(["-o", "PID,COMMAND", uts.as_str()])
            .collect();
        let ours = nsview().args(&args).output().expect("nsview");
        assert_eq!(ours.status.code(), Some(0), "{}", stderr(&ours));
        if format.is_some() {
            assert_eq!(stdout(&ours), expected_raw);
        } else {
            assert!(
                stdout(&ours).contains(" caf\\xe9 x\\x01y\\z \\x5cxq \\xc2\\x85 € 60\n"),
                "{}",
                stdout(&ours)
            );
        }
        let theirs = crate::util::lsns_242(test, &args);
        assert_eq!(ours.stdout, theirs.stdout, "{args:?}");
    }
    let ours = nsview()
        .args(["-J", "-o", "PID,COMMAND", &uts])
        .output()
        .expect("nsview");
    let rows = json_rows(&ours);
    assert_eq!(
        rows[0]["command"],
        "caf\u{fffd} x\u{1}y\\z \\xq \u{85} € 60"
    );
    let theirs = crate::util::lsns_242(test, &["-J", "-o", "PID,COMMAND", &uts]);
    // The known difference: lsns writes the byte itself (not valid UTF-8).
    assert!(
        theirs.stdout.windows(4).any(|w| w == b"caf\xe9"),
        "lsns changed how it writes non-UTF-8 JSON"
    );
    assert!(std::str::from_utf8(&ours.stdout).is_ok());
    sleeper.stop();
}
