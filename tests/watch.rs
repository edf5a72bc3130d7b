//! `nsview watch --json` under live actions: a namespace created by `unshare`, a process that
//! `nsenter`s into it and the namespace going away are reported in order and within a second;
//! under churn no event about the test's namespaces is lost and every line is whole JSON; a
//! hostname set later is reported as a content change; `ip netns add` and `del` (bind mounts,
//! which send no process event) are reported at once, not at the reconcile.

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::util::{NamedNetns, Sleeper, nsview};

/// The latency test and the churn test take turns: the churn test makes hundreds of processes a
/// second on purpose, and the one-second bound is about a watch on a host that is not drowning
/// in this suite's own churn (a debug build on two cores).
static CHURN: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn churn_turn() -> std::sync::MutexGuard<'static, ()> {
    CHURN
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A running `nsview watch`, killed by PID on drop; its stdout lines arrive on a channel.
struct Watch {
    child: Child,
    lines: Receiver<String>,
}

impl Watch {
    fn start(args: &[&str]) -> Watch {
        let mut child = nsview()
            .arg("watch")
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start nsview watch");
        // Wait for "watching process events" on stderr: subscribed and scanned.
        let stderr = child.stderr.take().expect("stderr");
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = ready_tx.send(line);
            }
        });
        let first = ready_rx
            .recv_timeout(Duration::from_secs(30))
            .expect("nsview watch says it is ready");
        assert!(
            first.contains("watching process events"),
            "expected process events (root), got: {first}"
        );
        // The reconcile it states: the one given, or the default within its share of a core.
        let stated = match args.iter().position(|&a| a == "--reconcile") {
            Some(at) => format!("a full scan every {} s", args[at + 1]),
            None => "s (at most 1% of a core; --reconcile sets it)".to_string(),
        };
        assert!(first.ends_with(&stated), "{first:?} ends with {stated:?}");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Watch { child, lines }
    }

    /// The next event that satisfies `pred`, parsed; panics after `within`.
    fn expect(&self, within: Duration, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    let event: Value = serde_json::from_str(&line)
                        .unwrap_or_else(|e| panic!("torn or invalid line {line:?}: {e}"));
                    if pred(&event) {
                        return event;
                    }
                }
                Err(RecvTimeoutError::Timeout) => panic!("{what}: not reported within {within:?}"),
                Err(RecvTimeoutError::Disconnected) => panic!("{what}: nsview watch ended"),
            }
        }
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn is(event: &Value, name: &str, inode: u64) -> bool {
    event["event"] == name && event["ns"]["inode"] == inode
}

#[test]
#[ignore = "needs root"]
fn watch_reports_create_enter_and_gone_in_order_within_a_second() {
    let _turn = churn_turn();
    assert!(nix::unistd::geteuid().is_root(), "needs root");
    let watch = Watch::start(&["--json", "-t", "uts"]);
    let second = Duration::from_secs(1);

    let boxed = Sleeper::start(&["unshare", "--uts", "sleep", "60"]);
    let uts = boxed.ns("uts");
    let created = watch.expect(second, "namespace created", |e| {
        is(e, "namespace_created", uts)
    });
    assert!(
        created["members"]
            .as_array()
            .expect("members")
            .iter()
            .any(|p| p["pid"] == boxed.pid),
        "{created}"
    );

    let joined = Sleeper::start(&[
        "nsenter",
        "-t",
        &boxed.pid.to_string(),
        "--uts",
        "sleep",
        "60",
    ]);
    let entered = watch.expect(second, "process entered", |e| {
        is(e, "process_entered", uts) && e["process"]["pid"] == joined.pid
    });
    assert_eq!(entered["via"], "event", "{entered}");

    boxed.stop();
    joined.stop();
    watch.expect(second, "namespace gone", |e| is(e, "namespace_gone", uts));
}

#[test]
#[ignore = "needs root"]
fn watch_under_churn_loses_no_event_of_the_tests_namespaces() {
    let _turn = churn_turn();
    assert!(nix::unistd::geteuid().is_root(), "needs root");
    let watch = Watch::start(&["--json", "-t", "uts"]);
    // Hundreds of short-lived processes per second for 3 s, bounded by time.
    let mut churn = Reaped(
        std::process::Command::new("sh")
            .args([
                "-c",
                "end=$(($(date +%s) + 3)); while [ $(date +%s) -lt $end ]; do /bin/true; done",
            ])
            .stdin(Stdio::null())
            .spawn()
            .expect("start churn"),
    );
    let mut made = Vec::new();
    for _ in 0..5 {
        let boxed = Sleeper::start(&["unshare", "--uts", "sleep", "60"]);
        let uts = boxed.ns("uts");
        watch.expect(Duration::from_secs(2), "created under churn", |e| {
            is(e, "namespace_created", uts)
        });
        boxed.stop();
        watch.expect(Duration::from_secs(2), "gone under churn", |e| {
            is(e, "namespace_gone", uts)
        });
        made.push(uts);
    }
    let status = churn.0.wait().expect("churn ends");
    assert!(status.success());
    assert_eq!(made.len(), 5);
    // Whatever else was printed meanwhile parses too (expect() parses every line it reads).
    while let Ok(line) = watch.lines.recv_timeout(Duration::from_millis(200)) {
        serde_json::from_str::<Value>(&line).unwrap_or_else(|e| panic!("{line:?}: {e}"));
    }
}

/// A hostname set after the namespace was made is reported as a content change: the test
/// waits for the creation (the name read then is the first one known), then lets the script
/// set a new name; `hostname` forks and execs inside, and that event has it read again.
#[test]
#[ignore = "needs root"]
fn watch_reports_a_hostname_change() {
    use std::io::Write;
    assert!(nix::unistd::geteuid().is_root(), "needs root");
    let watch = Watch::start(&["--json", "-t", "uts"]);
    let tag = crate::util::unique_name("nsview-watch-host");
    let mut boxed = Sleeper::spawn_with(
        &[
            "unshare",
            "--uts",
            "sh",
            "-c",
            &format!("hostname first-{tag}; read go; hostname {tag}; exec sleep 60"),
        ],
        |_| {},
    );
    let pid = boxed.pid;
    let created = watch.expect(Duration::from_secs(2), "namespace created", |e| {
        e["event"] == "namespace_created"
            && e["members"]
                .as_array()
                .is_some_and(|m| m.iter().any(|p| p["pid"] == pid))
    });
    let uts = created["ns"]["inode"].as_u64().expect("inode");
    boxed.stdin().write_all(b"go\n").expect("go");
    let changed = watch.expect(Duration::from_secs(2), "hostname changed", |e| {
        is(e, "content_changed", uts) && e["after"] == tag.as_str()
    });
    assert_eq!(changed["what"], "hostname", "{changed}");
    assert_ne!(changed["before"], tag.as_str(), "{changed}");
    boxed.wait_for_sleep();
    boxed.stop();
}

#[test]
#[ignore = "needs root"]
fn watch_reports_ip_netns_add_and_del_at_once_not_at_the_reconcile() {
    let _turn = churn_turn();
    assert!(nix::unistd::geteuid().is_root(), "needs root");
    // A reconcile every 10 minutes: only the mount table's change can bring these in time.
    let watch = Watch::start(&["--json", "-t", "net", "--reconcile", "600"]);
    let netns = NamedNetns::add("nsview-watch-mnt");
    let inode = netns.inode();
    let pinned = netns.path().display().to_string();
    let is_pin = |h: &Value| h["kind"] == "bind_mount" && h["path"] == pinned.as_str();
    // `ip` itself is in the namespace for a moment, so its exec may report the namespace
    // created (with ip as member) before the mount; the reconcile the mount brings then adds
    // the pin. Either way the pin is reported within moments, and the namespace is never
    // reported gone while it is pinned.
    let pinned_event = watch.expect(Duration::from_secs(3), "the pin", |e| {
        assert!(
            !is(e, "namespace_gone", inode),
            "reported gone while pinned: {e}"
        );
        (is(e, "namespace_created", inode)
            && e["holders"]
                .as_array()
                .is_some_and(|h| h.iter().any(is_pin)))
            || (is(e, "holder_added", inode) && is_pin(&e["holder"]))
    });
    assert_eq!(pinned_event["via"], "reconcile", "{pinned_event}");
    drop(netns);
    // A second mount-table change within moments waits out the rate limit (ten times the
    // last scan's CPU time: about a second for a debug build on a test VM).
    watch.expect(Duration::from_secs(15), "unpinned namespace gone", |e| {
        is(e, "namespace_gone", inode)
    });
}

#[test]
fn watch_rejects_bad_arguments_with_2() {
    for args in [
        &["-t", "bogus"][..],
        &["--reconcile", "0"],
        &["not-an-inode"],
    ] {
        let output = nsview()
            .arg("watch")
            .args(args)
            .output()
            .expect("run nsview watch");
        assert_eq!(output.status.code(), Some(2), "{args:?}");
    }
}

/// A child killed and reaped on drop unless already waited for (std's `Child::kill` sends
/// nothing to a reaped pid, so a reused pid is never hit).
struct Reaped(Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
