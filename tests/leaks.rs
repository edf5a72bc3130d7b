//! `nsview leaks` and `nsview release` on live cases (root): each test builds its own
//! namespaces (unique names with the test's pid), asserts only on those, and removes them again
//! through Drop guards, also when it fails.

use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::{Command, Output};

use nsview::scan::{ScanOptions, scan};
use serde_json::Value;

use crate::util::{NamedNetns, Pane, Sleeper, ns_inode, nsview, stderr, stdout, unique_name};

fn require_root() {
    assert!(
        nix::unistd::geteuid().is_root(),
        "this test needs root (it creates namespaces and mounts)"
    );
}

/// `nsview leaks --json` and its exit code.
fn leaks_json(extra: &[&str]) -> (Value, i32) {
    let out = nsview()
        .args(["leaks", "--json"])
        .args(extra)
        .output()
        .expect("run nsview leaks");
    let value: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("leaks JSON: {e}: {}", stderr(&out)));
    (value, out.status.code().expect("exit code"))
}

/// The entry for one inode, if listed.
fn entry(doc: &Value, inode: u64) -> Option<Value> {
    doc["namespaces"]
        .as_array()
        .expect("namespaces array")
        .iter()
        .find(|e| e["inode"].as_u64() == Some(inode))
        .cloned()
}

fn expect_entry(doc: &Value, inode: u64) -> Value {
    entry(doc, inode).unwrap_or_else(|| panic!("{inode} not listed in {doc:#}"))
}

/// How long a check here waits for other tests' scanners to let go of a namespace.
const SETTLE: std::time::Duration = std::time::Duration::from_secs(10);

/// A holder that is another scan passing by, not the grip a test made: every nsview, lsns or
/// lsfd run (and this test binary's own library scans, in parallel threads) holds each
/// namespace file open for a moment while it walks relations, and a leaks report taken in
/// that moment lists it as an fd holder.
fn is_scanner(h: &Value) -> bool {
    if h["kind"] != "fd" {
        return false;
    }
    if h["pid"].as_u64() == Some(u64::from(std::process::id())) {
        return true;
    }
    let command = h["command"].as_str().unwrap_or_default();
    let program = command.split_whitespace().next().unwrap_or_default();
    let base = program.rsplit('/').next().unwrap_or_default();
    base == "nsview" || base == "lsns" || base == "lsfd" || base.starts_with("tests-")
}

/// `leaks --json` (with `extra`) taken again, bounded, until the entry for `inode` is listed
/// and no passing scanner is among its holders: its document, exit code and entry.
fn settled_entry(extra: &[&str], inode: u64) -> (Value, i32, Value) {
    let deadline = std::time::Instant::now() + SETTLE;
    loop {
        let (doc, code) = leaks_json(extra);
        let e = entry(&doc, inode);
        let clean = e.as_ref().is_some_and(|e| {
            !e["holders"]
                .as_array()
                .is_some_and(|hs| hs.iter().any(is_scanner))
        });
        if clean || std::time::Instant::now() >= deadline {
            let e = expect_entry(&doc, inode);
            return (doc, code, e);
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// Runs `check` again, bounded, until it passes (another test's scan may hold the namespace
/// for a moment and change what a face says); panics with its last complaint.
fn eventually(mut check: impl FnMut() -> Result<(), String>) {
    let deadline = std::time::Instant::now() + SETTLE;
    loop {
        match check() {
            Ok(()) => return,
            Err(why) if std::time::Instant::now() >= deadline => panic!("{why}"),
            Err(_) => std::thread::sleep(std::time::Duration::from_millis(50)),
        }
    }
}

fn release(args: &[&str]) -> Output {
    nsview()
        .arg("release")
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run nsview release")
}

/// The namespace id of a live namespace, from a fresh library scan.
fn ns_id(inode: u64) -> u64 {
    let snapshot = scan(&ScanOptions::default()).expect("scan");
    snapshot
        .namespace(inode)
        .and_then(|ns| ns.ns_id)
        .unwrap_or_else(|| panic!("no ns id for {inode}"))
}

/// True when a fresh scan still finds a namespace with this id, after waiting (bounded) for
/// it to go: another test's scanner may hold the freed namespace's file open for a moment.
fn id_present(id: u64) -> bool {
    let deadline = std::time::Instant::now() + SETTLE;
    loop {
        let snapshot = scan(&ScanOptions::default()).expect("scan");
        if !snapshot.namespaces.values().any(|ns| ns.ns_id == Some(id)) {
            return false;
        }
        if std::time::Instant::now() >= deadline {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// A veth pair with one end moved into `netns`; deleting the netns removes both ends.
struct Veth {
    host: String,
}

impl Veth {
    fn into_netns(netns: &str) -> Veth {
        let tag = unique_name("lk").replace('-', "");
        let tag = &tag[tag.len().saturating_sub(10)..];
        let host = format!("h{tag}");
        let peer = format!("p{tag}");
        let run = |args: &[&str]| {
            let status = Command::new("ip").args(args).status().expect("ip");
            assert!(status.success(), "ip {args:?}");
        };
        let veth = Veth { host: host.clone() };
        run(&["link", "add", &host, "type", "veth", "peer", "name", &peer]);
        run(&["link", "set", &peer, "netns", netns]);
        run(&["-n", netns, "addr", "add", "10.231.0.2/24", "dev", &peer]);
        veth
    }
}

impl Drop for Veth {
    fn drop(&mut self) {
        // Gone already when its netns went away; otherwise removed here.
        let _ = Command::new("ip")
            .args(["link", "del", &self.host])
            .stderr(std::process::Stdio::null())
            .status();
    }
}

fn open_ns(pid: i32, kind: &str) -> OwnedFd {
    use nsview::kernel::nsfs;
    let link = nsfs::NsPath::ProcLink(format!("/proc/{pid}/ns/{kind}").into());
    nsfs::open(&link, None).expect("open ns file").into_fd()
}

/// `sleep 60` with `fd` on its fd 3.
fn sleeper_holding(fd: &OwnedFd) -> Sleeper {
    let raw = fd.as_raw_fd();
    Sleeper::start_with(&["sleep", "60"], move |cmd| {
        // SAFETY: only async-signal-safe fcntl/dup2 between fork and exec.
        unsafe {
            cmd.pre_exec(move || {
                let high = libc::fcntl(raw, libc::F_DUPFD_CLOEXEC, 64);
                if high < 0 || libc::dup2(high, 3) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    })
}

/// A net namespace held only by a socket (fd 3) of a sleeper that sits in ours.
fn socket_held_netns() -> (Sleeper, u64) {
    let creator = Sleeper::start(&["unshare", "--net", "sleep", "60"]);
    let net = creator.ns("net");
    let target = open_ns(creator.pid, "net");
    let own = open_ns(std::process::id() as i32, "net");
    let (target_raw, own_raw) = (target.as_raw_fd(), own.as_raw_fd());
    let holder = Sleeper::start_with(&["sleep", "60"], move |cmd| {
        // SAFETY: only async-signal-safe syscalls between fork and exec.
        unsafe {
            cmd.pre_exec(move || {
                let fail = || Err(std::io::Error::last_os_error());
                if libc::setns(target_raw, libc::CLONE_NEWNET) != 0 {
                    return fail();
                }
                let socket = libc::socket(libc::AF_INET, libc::SOCK_DGRAM, 0);
                if socket < 0 || libc::setns(own_raw, libc::CLONE_NEWNET) != 0 {
                    return fail();
                }
                if socket != 3 && (libc::dup2(socket, 3) < 0 || libc::close(socket) != 0) {
                    return fail();
                }
                Ok(())
            });
        }
    });
    drop((target, own));
    creator.stop();
    (holder, net)
}

/// A sleeper in a new private mount namespace that bind-mounts `pid`'s netns onto
/// `/mnt/netns` on a tmpfs only it sees. Killing it drops the mount namespace and the mount.
fn private_bind_mount(pid: i32) -> Sleeper {
    let script = format!(
        "mount -t tmpfs nsview-test /mnt && touch /mnt/netns && \
         mount --bind /proc/{pid}/ns/net /mnt/netns && exec sleep 60"
    );
    Sleeper::start(&[
        "unshare",
        "--mount",
        "--propagation",
        "private",
        "sh",
        "-c",
        &script,
    ])
}

fn holder_kinds(entry: &Value) -> Vec<String> {
    entry["holders"]
        .as_array()
        .expect("holders")
        .iter()
        .filter_map(|h| h["kind"].as_str().map(str::to_string))
        .collect()
}

#[test]
#[ignore = "needs root"]
fn ip_netns_with_a_veth_is_a_probable_leak_and_release_removes_it() {
    require_root();
    let netns = NamedNetns::add("nsview-leak");
    let veth = Veth::into_netns(&netns.name);
    let inode = netns.inode();

    let (_, code, e) = settled_entry(&[], inode);
    assert_eq!(code, 1, "a probable leak exists: exit 1");
    assert_eq!(e["verdict"], "pinned-unclaimed", "{e:#}");
    assert_eq!(e["probable_leak"], true);
    assert_eq!(e["held_by"], "bind_mount");
    let path = netns.path().display().to_string();
    assert!(
        e["holders"]
            .as_array()
            .expect("holders")
            .iter()
            .any(|h| h["kind"] == "bind_mount" && h["path"] == path.as_str()),
        "{e:#}"
    );
    assert_eq!(e["claims"], serde_json::json!([]));
    let ends: Vec<&str> = e["host_veth_ends"]
        .as_array()
        .expect("host ends")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(ends, [veth.host.as_str()], "{e:#}");
    assert!(e["age"]["pinned_since"].as_i64().is_some(), "{e:#}");

    // Selecting another verdict hides it, and then the exit status is 0.
    // (Each face is asked again while a passing scanner makes it "held by process".)
    eventually(|| {
        let (doc, code) = leaks_json(&["--verdict", "held-by-process", "-t", "net"]);
        match entry(&doc, inode) {
            None if code == 0 => Ok(()),
            e => Err(format!("exit {code}, listed as held by a process: {e:?}")),
        }
    });

    // The text report names it too.
    eventually(|| {
        let text = nsview()
            .args(["leaks", "-t", "net"])
            .output()
            .expect("leaks");
        let text = stdout(&text);
        let named = text.contains(&format!(
            "net:[{inode}]  pinned, unclaimed  (probable leak)"
        )) && text.contains(&format!("host end {}", veth.host));
        if named { Ok(()) } else { Err(text) }
    });

    // The same verdict in `show` and in the LEAK column.
    eventually(|| {
        let show = nsview()
            .args(["show", &inode.to_string()])
            .output()
            .expect("show");
        let show = stdout(&show);
        if show.contains("\nleak          pinned, unclaimed\n") {
            Ok(())
        } else {
            Err(show)
        }
    });
    eventually(|| {
        let list = nsview()
            .args(["--list", "-n", "-o", "NS,LEAK", "-t", "net"])
            .output()
            .expect("list");
        let list = stdout(&list);
        let listed = list.lines().any(|l| {
            l.split_whitespace().collect::<Vec<_>>()
                == [inode.to_string().as_str(), "pinned-unclaimed"]
        });
        if listed { Ok(()) } else { Err(list) }
    });

    let id = ns_id(inode);
    let out = release(&["--yes", &format!("net:[{inode}]")]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).contains("is gone"), "{}", stdout(&out));
    assert!(!id_present(id), "a fresh scan no longer finds ns id {id}");
    assert!(!netns.path().exists(), "the pin file was removed");
    // Released: nothing left for the guard to delete (it would only complain).
    std::mem::forget(netns);
}

#[test]
#[ignore = "needs root"]
fn cni_style_pin_matches_the_pattern_and_releases() {
    require_root();
    let pid = std::process::id();
    let name = format!(
        "cni-{pid:08x}-1e57-4000-8000-{:012x}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos())
    );
    let status = Command::new("ip")
        .args(["netns", "add", &name])
        .status()
        .expect("ip");
    assert!(status.success(), "ip netns add {name}");
    let netns = NamedNetns { name };
    let inode = netns.inode();
    let (_, code, e) = settled_entry(&["-t", "net"], inode);
    assert_eq!(code, 1);
    assert_eq!(e["verdict"], "pinned-unclaimed");
    assert_eq!(e["patterns"][0]["made_by"], "cni", "{e:#}");

    // Dry run changes nothing; a wrong --ns-id is refused.
    let out = release(&["--dry-run", &inode.to_string()]);
    assert!(out.status.success());
    assert!(
        stdout(&out).contains("unmount (lazily)"),
        "{}",
        stdout(&out)
    );
    assert!(netns.path().exists());
    let id = ns_id(inode);
    let out = release(&[
        "--yes",
        "--ns-id",
        &(id + 1).to_string(),
        &inode.to_string(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("now belongs to another namespace"),
        "{}",
        stderr(&out)
    );
    assert!(netns.path().exists(), "nothing touched");
    // Without --yes and no terminal it refuses.
    let out = release(&[&inode.to_string()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(netns.path().exists());

    let out = release(&["--yes", "--ns-id", &id.to_string(), &inode.to_string()]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert!(!id_present(id));
    assert!(!netns.path().exists());
    std::mem::forget(netns);
}

#[test]
#[ignore = "needs root"]
fn fd_holder_is_named_and_left_alone() {
    require_root();
    let creator = Sleeper::start(&["unshare", "--net", "sleep", "60"]);
    let net = creator.ns("net");
    let fd = open_ns(creator.pid, "net");
    let holder = sleeper_holding(&fd);
    drop(fd);
    creator.stop();

    let (_, _, e) = settled_entry(&[], net);
    assert_eq!(e["verdict"], "held-by-process", "{e:#}");
    assert_eq!(e["probable_leak"], false);
    let h = &e["holders"][0];
    assert_eq!(h["kind"], "fd");
    assert_eq!(h["pid"], holder.pid);
    assert_eq!(h["fd"], 3);
    assert_eq!(h["command"], "sleep 60");
    assert!(
        e["summary"]
            .as_str()
            .expect("summary")
            .contains(&holder.pid.to_string())
    );
    assert!(
        !e["age"]["holders_started"]
            .as_array()
            .expect("started")
            .is_empty()
    );

    let out = release(&["--yes", &net.to_string()]);
    assert_eq!(out.status.code(), Some(1));
    let said = stdout(&out);
    assert!(
        said.contains(&format!(
            "left alone: fd 3 of pid {} (sleep 60)",
            holder.pid
        )),
        "{said}"
    );
    assert_eq!(
        ns_inode(holder.pid, "net"),
        ns_inode(std::process::id() as i32, "net")
    );
    assert!(
        std::fs::read_link(format!("/proc/{}/fd/3", holder.pid))
            .is_ok_and(|l| l.to_string_lossy() == format!("net:[{net}]")),
        "the fd is untouched"
    );
}

#[test]
#[ignore = "needs root"]
fn socket_holder_is_named_and_left_alone() {
    require_root();
    let (holder, net) = socket_held_netns();
    let (doc, _) = leaks_json(&["-t", "net"]);
    let e = expect_entry(&doc, net);
    assert_eq!(e["verdict"], "held-by-process", "{e:#}");
    assert_eq!(e["held_by"], "socket");
    assert!(
        e["holders"]
            .as_array()
            .expect("holders")
            .iter()
            .any(|h| h["kind"] == "socket" && h["pid"] == holder.pid && h["fd"] == 3),
        "{e:#}"
    );
    let out = release(&["--yes", &net.to_string()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains(&format!("left alone: socket fd 3 of pid {}", holder.pid)),
        "{}",
        stdout(&out)
    );
    assert!(std::fs::read_link(format!("/proc/{}/fd/3", holder.pid)).is_ok());
}

#[test]
#[ignore = "needs root"]
fn bind_mount_in_a_private_mount_namespace_releases_there() {
    require_root();
    let creator = Sleeper::start(&["unshare", "--net", "sleep", "60"]);
    let net = creator.ns("net");
    let holder = private_bind_mount(creator.pid);
    let holder_mnt = holder.ns("mnt");
    creator.stop();

    let (_, code, e) = settled_entry(&[], net);
    assert_eq!(code, 1);
    assert_eq!(e["verdict"], "pinned-unclaimed", "{e:#}");
    let h = &e["holders"][0];
    assert_eq!(h["kind"], "bind_mount");
    assert_eq!(h["path"], "/mnt/netns");
    assert_eq!(h["mnt_ns"], holder_mnt);
    assert!(
        e["age"]["pinned_since"].as_i64().is_some(),
        "pin age read in its mount namespace: {e:#}"
    );

    let id = ns_id(net);
    let out = release(&["--yes", &net.to_string()]);
    let said = stdout(&out);
    assert!(out.status.success(), "{said}{}", stderr(&out));
    assert!(
        said.contains(&format!("in mount namespace mnt:[{holder_mnt}]")),
        "{said}"
    );
    assert!(!id_present(id), "{said}");
    // Not a pin directory: the file on the private tmpfs stays.
    assert!(
        said.contains("unmounted /mnt/netns") && !said.contains("pin file"),
        "{said}"
    );
}

#[test]
#[ignore = "needs root"]
fn a_namespace_with_a_member_is_not_listed_and_not_released() {
    require_root();
    let member = Sleeper::start(&["unshare", "--net", "sleep", "60"]);
    let net = member.ns("net");
    let (doc, _) = leaks_json(&[]);
    assert!(
        entry(&doc, net).is_none(),
        "a member's namespace is no leak candidate"
    );
    let out = release(&["--yes", &net.to_string()]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("member processes") && err.contains(&member.pid.to_string()),
        "{err}"
    );
    assert_eq!(member.ns("net"), net);
}

#[test]
#[ignore = "needs root"]
fn user_namespace_kept_only_by_a_child_namespace() {
    require_root();
    let holder = Sleeper::start(&[
        "unshare",
        "--user",
        "--map-root-user",
        "unshare",
        "--user",
        "--map-root-user",
        "sleep",
        "60",
    ]);
    let inner = holder.ns("user");
    let snapshot = scan(&ScanOptions::default()).expect("scan");
    let outer = snapshot
        .namespace(inner)
        .and_then(|ns| ns.parent)
        .expect("inner user namespace has a parent");
    let (_, _, e) = settled_entry(&["-t", "user"], outer);
    assert_eq!(e["verdict"], "kept-by-children", "{e:#}");
    assert!(
        holder_kinds(&e)
            .iter()
            .all(|k| k == "child" || k == "owned"),
        "{e:#}"
    );
    assert!(
        e["holders"]
            .as_array()
            .expect("holders")
            .iter()
            .any(|h| h["kind"] == "child" && h["inode"] == inner),
        "{e:#}"
    );
    eventually(|| {
        let (doc, code) = leaks_json(&["--verdict", "kept-by-children"]);
        match entry(&doc, outer) {
            // No probable leak among kept-by-children: exit 0.
            Some(_) if code == 0 => Ok(()),
            e => Err(format!("exit {code}, entry {e:?}")),
        }
    });
}

#[test]
fn leaks_usage_errors_exit_2() {
    for args in [
        &["leaks", "-t", "nett"][..],
        &["leaks", "--verdict", "leak"],
        &["release", "x"],
    ] {
        let out = nsview().args(args).output().expect("run");
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
    }
}

#[test]
#[ignore = "needs root"]
fn release_unpins_but_names_the_fd_that_still_holds_it() {
    require_root();
    let netns = NamedNetns::add("nsview-leak-fd");
    let inode = netns.inode();
    // A shim's typical grip: an fd opened through the pin path itself (its /proc/PID/fd link
    // reads as that path, not as `net:[inode]`).
    let fd = OwnedFd::from(std::fs::File::open(netns.path()).expect("open the pin"));
    let holder = sleeper_holding(&fd);
    drop(fd);

    let (_, _, e) = settled_entry(&["-t", "net"], inode);
    // The fd outranks the bind mount: unmounting alone would not free it.
    assert_eq!(e["verdict"], "held-by-process", "{e:#}");
    // Kinds, not a count: a mount namespace another test makes meanwhile (`unshare --mount`)
    // copies the pin, and that copy is a second bind mount, as real as ours.
    let mut kinds = holder_kinds(&e);
    kinds.sort();
    kinds.dedup();
    assert_eq!(kinds, ["bind_mount", "fd"], "{e:#}");

    let out = release(&["--yes", &inode.to_string()]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let said = stdout(&out);
    assert!(
        said.contains(&format!("left alone: fd 3 of pid {}", holder.pid)),
        "{said}{}",
        stderr(&out)
    );
    assert!(said.contains("removed the pin file"), "{said}");
    // (Another scan passing by may be named next to it.)
    assert!(
        said.lines().any(
            |l| l.starts_with(&format!("net:[{inode}] is still there, held by: "))
                && l.contains(&format!("fd 3 of pid {}", holder.pid))
        ),
        "{said}"
    );
    assert!(!netns.path().exists());
    std::mem::forget(netns);
    // Still open on the same namespace (its link text now names the unmounted path).
    use std::os::unix::fs::MetadataExt;
    assert_eq!(
        std::fs::metadata(format!("/proc/{}/fd/3", holder.pid))
            .map(|m| m.ino())
            .ok(),
        Some(inode),
        "the fd is untouched"
    );
}

#[test]
#[ignore = "needs root and tmux"]
fn release_asks_on_a_terminal() {
    require_root();
    // The release build, as users run it (minutes, the first time).
    let nsview = crate::util::release_nsview().display().to_string();
    let netns = NamedNetns::add("nsview-leak-ask");
    let inode = netns.inode();
    let keep = NamedNetns::add("nsview-leak-keep");
    let keep_inode = keep.inode();
    // First a "no": nothing changes. Then a "yes" for the other one.
    let pane = Pane::start_sized("nsview-release", (150, 40), |_| {
        format!(
            "{nsview} release {keep_inode}; echo \"first=$?\"; {nsview} release {inode}; echo \"second=$?\"; exec sleep 30\n"
        )
    });
    let seen = |want: &'static str, times: usize| move |s: &str| s.matches(want).count() >= times;
    pane.wait_for("the first question", 20, seen("Release it? [y/N]", 1));
    pane.keys(&["n", "Enter"]);
    let screen = pane.wait_for("the first answer", 20, seen("first=1", 1));
    assert!(screen.contains("nothing released"), "{screen}");
    assert!(keep.path().exists());
    pane.wait_for("the second question", 20, seen("Release it? [y/N]", 2));
    pane.keys(&["y", "Enter"]);
    let screen = pane.wait_for("the second answer", 20, seen("second=0", 1));
    assert!(
        screen.contains(&format!("net:[{inode}] is gone")),
        "{screen}"
    );
    assert!(!netns.path().exists());
    std::mem::forget(netns);
}

#[test]
#[ignore = "needs root and podman"]
fn podman_netns_left_by_a_killed_runtime_is_a_probable_leak() {
    use crate::podman::engine::{self, Container};
    engine::require();
    let mut c = Container::run("leak", &["--network", "slirp4netns"]);
    let net = ns_inode(c.pid, "net").expect("the container's netns");
    // Running: its processes are members, so it is no candidate at all.
    let (doc, _) = leaks_json(&["-t", "net"]);
    assert!(entry(&doc, net).is_none());
    // What a crashed runtime leaves: conmon and the container's init killed (conmon first,
    // see engine::kill_runtime), nothing ran podman's cleanup, podman's bind mount under
    // /run/netns is all that holds the netns.
    c.kill_runtime();
    let (doc, code) = leaks_json(&["-t", "net"]);
    assert_eq!(code, 1);
    let e = expect_entry(&doc, net);
    assert_eq!(
        e["verdict"], "pinned-unclaimed",
        "its conmon is gone: {e:#}"
    );
    assert_eq!(e["patterns"][0]["made_by"], "podman", "{e:#}");
    let path = e["holders"][0]["path"].as_str().expect("pin path");
    assert!(path.starts_with("/run/netns/netns-"), "{e:#}");
    // podman's own cleanup removes it (its first try may fail while it finds the container
    // stopping, as tests/podman.rs measured).
    let id = e["ns_id"].as_u64().expect("an ns id");
    let removed = (0..3).any(|_| c.try_remove().status.success());
    assert!(removed, "podman rm -f never succeeded");
    // By its ns id: nsfs hands the inode to the next namespace made, another test's maybe.
    let (doc, _) = leaks_json(&["-t", "net"]);
    let left = doc["namespaces"]
        .as_array()
        .expect("namespaces array")
        .iter()
        .find(|e| e["ns_id"].as_u64() == Some(id))
        .cloned();
    assert!(left.is_none(), "gone after podman rm: {left:?}");
}

/// Over the fake proc tree in fixtures/basic (any user): every holder kind the fixture has
/// gets its verdict, a bind-mount-only namespace is the probable leak, and the exit status
/// says so; a non-UTF-8 command is escaped from its bytes in the text report.
#[test]
fn verdicts_over_the_basic_fixture() {
    let root = crate::util::fixtures().join("basic/proc");
    let run = |args: &[&str]| {
        nsview()
            .arg("--proc-root")
            .arg(&root)
            .arg("leaks")
            .args(args)
            .output()
            .expect("nsview leaks")
    };
    let out = run(&["--json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let got: Vec<(u64, String, String)> = doc["namespaces"]
        .as_array()
        .expect("namespaces")
        .iter()
        .map(|e| {
            (
                e["inode"].as_u64().expect("inode"),
                e["verdict"].as_str().expect("verdict").to_string(),
                e["held_by"].as_str().expect("held_by").to_string(),
            )
        })
        .collect();
    let want = [
        (4026532500, "held-by-process", "fd"),
        (4026532600, "held-by-process", "thread"),
        (4026532800, "held-by-process", "for_children"),
        (4026532900, "pinned-unclaimed", "bind_mount"),
    ];
    let want: Vec<(u64, String, String)> = want
        .iter()
        .map(|(i, v, h)| (*i, v.to_string(), h.to_string()))
        .collect();
    assert_eq!(got, want);
    assert_eq!(doc["probable_leaks"], 1);

    let out = run(&["--verdict", "held-by-process", "-t", "net"]);
    assert_eq!(out.status.code(), Some(0), "no probable leak selected");
    let text = stdout(&out);
    assert!(
        text.contains("net:[4026532500]  held by process 100"),
        "{text}"
    );
    assert!(
        text.contains("  held by    fd 3 of pid 100 (caf\\xe9 --x)"),
        "{text}"
    );
    assert!(!text.contains("4026532900"), "{text}");
}

#[test]
#[ignore = "needs root"]
fn release_follows_an_unmount_that_propagated_to_a_copy() {
    require_root();
    let netns = NamedNetns::add("nsview-leak-prop");
    let inode = netns.inode();
    // A mount namespace made after `ip netns add`, keeping propagation: its copy of the pin
    // is a peer of ours (`ip netns` makes its directory a shared mount), so unmounting ours
    // unmounts that one too.
    let copy = Sleeper::start(&[
        "unshare",
        "--mount",
        "--propagation",
        "unchanged",
        "sleep",
        "60",
    ]);
    let copy_mnt = copy.ns("mnt");
    let out = release(&["--dry-run", &inode.to_string()]);
    assert!(
        stdout(&out).contains(&format!("in mount namespace mnt:[{copy_mnt}]")),
        "both pins planned: {}",
        stdout(&out)
    );
    let id = ns_id(inode);
    let out = release(&["--yes", &inode.to_string()]);
    let said = stdout(&out);
    assert!(out.status.success(), "{said}{}", stderr(&out));
    assert!(
        said.contains("is no longer mounted (an earlier unmount reached it)"),
        "{said}"
    );
    assert!(said.contains("is gone"), "{said}");
    assert!(!id_present(id));
    std::mem::forget(netns);
}

/// The UI's release under a real terminal (tmux, through the UI tests' `Pane`): an `ip netns`
/// namespace the test made, then made process-less (its one member killed), is found with
/// `is:leak` and its name; `R` asks first, naming the path it will unmount; `y` runs
/// `nsview release` on the terminal, the namespace is gone (a fresh `--list -J` no longer lists
/// it, no namespace has its id), and the UI goes on: a rescan shows no match, `q` exits 0.
#[test]
#[ignore = "needs root and tmux"]
fn ui_release_of_a_probable_leak() {
    require_root();
    // The release build, as users run it (minutes, the first time).
    let release = crate::util::release_nsview().display().to_string();
    let netns = NamedNetns::add("nsview-ui-release");
    let inode = netns.inode();
    let member = Sleeper::start(&["ip", "netns", "exec", &netns.name, "sleep", "300"]);
    assert_eq!(member.ns("net"), inode, "the member is in the new netns");
    member.stop();
    let id = ns_id(inode);
    let pane = Pane::start("nsview-ui-release", |dir| {
        format!(
            "{release} --no-refresh\necho rc=$? > {}\nexec sleep 60\n",
            dir.join("rc").display()
        )
    });
    pane.wait_for_ui("the UI");
    let filter = format!("is:leak {}", netns.name);
    pane.keys(&["/"]);
    pane.type_text(&filter);
    pane.keys(&["Enter"]);
    let screen = pane.wait_for("the leak by its name", 10, |s| {
        s.contains(&format!("/{filter}  1 namespace"))
    });
    let row = screen.lines().find(|l| l.contains('▶')).unwrap_or("");
    assert!(
        row.contains(&inode.to_string()) && row.contains("leak!"),
        "the selected row is our probable leak:\n{screen}"
    );

    pane.keys(&["R"]);
    let path = netns.path().display().to_string();
    let screen = pane.wait_for("the confirmation", 10, |s| {
        s.contains(&format!("unmount (lazily) {path}"))
    });
    assert!(
        screen.contains(&format!("release net:[{inode}] (ns id {id})"))
            && screen.contains("y release · any other key cancels"),
        "{screen}"
    );
    assert!(netns.path().exists(), "nothing happens before the answer");

    pane.keys(&["y"]);
    let screen = pane.wait_for("release's report", 30, |s| {
        s.contains("press Enter to return]")
    });
    assert!(
        screen.contains(&format!("net:[{inode}] is gone")),
        "release says the namespace is gone:\n{screen}"
    );
    assert!(!netns.path().exists(), "the pin file is removed");
    pane.keys(&["Enter"]);
    pane.wait_for("back in the UI", 10, |s| s.contains("back from release"));
    // Still responsive: a rescan (the UI runs with --no-refresh) no longer finds it.
    pane.keys(&["r"]);
    pane.wait_for("the rescan without it", 20, |s| {
        s.contains(&format!("/{filter}  no match"))
    });
    pane.keys(&["q"]);
    assert_eq!(pane.wait_for_file("rc", 10), "rc=0");
    drop(pane);

    // Gone from a fresh `--list -J`: no row with its pin, and none with its inode, unless
    // that number already went to a namespace another test made (the kernel hands freed
    // inode numbers out again at once), which its 64-bit ns id, never reused, tells apart.
    eventually(|| {
        let out = nsview()
            .args(["--list", "-J", "-o", "NS,TYPE,NSFS"])
            .output()
            .expect("run nsview --list -J");
        let doc: Value = serde_json::from_slice(&out.stdout).expect("--list -J output");
        let rows = doc["namespaces"].as_array().expect("namespaces array");
        if rows
            .iter()
            .any(|n| n["nsfs"].as_str() == Some(path.as_str()))
        {
            return Err(format!("--list -J still lists the pin {path}: {doc:#}"));
        }
        let reused = || {
            scan(&ScanOptions::default())
                .expect("scan")
                .namespace(inode)
                .is_some_and(|ns| ns.ns_id != Some(id))
        };
        if rows.iter().any(|n| n["ns"].as_u64() == Some(inode)) && !reused() {
            return Err(format!("--list -J still lists net:[{inode}]"));
        }
        Ok(())
    });
    assert!(!id_present(id), "no namespace has ns id {id} any more");
    // Released: `ip netns del` in the guard would only complain that it is gone.
    std::mem::forget(netns);
}

/// "in use" through a real container's state: a running podman container (runc, slirp4netns)
/// whose OCI config names its netns pin (podman's own `/run/netns/netns-<uuid>`), while no
/// process is a member of that netns any more: the container's init left it for a new one
/// (`unshare -n`, from the host's static busybox mounted read-only, with SYS_ADMIN for the
/// unshare) and sleeps there. Its conmon still runs it, so the state is a running container's:
/// the verdict is `in use`, claimed by that container by id and name, not a probable leak.
#[test]
#[ignore = "needs root and podman"]
fn a_running_container_claims_its_netns_that_no_process_is_in() {
    use crate::podman::engine::{self, Container};
    engine::require();
    let c = Container::run_cmd(
        "claim",
        &[
            "--network",
            "slirp4netns",
            "--cap-add",
            "SYS_ADMIN",
            "-v",
            "/bin/busybox:/nsview/busybox:ro",
        ],
        &["/nsview/busybox", "unshare", "-n", "sleep", "600"],
    );
    let key = engine::podman_ok(&[
        "inspect",
        "--format",
        "{{.NetworkSettings.SandboxKey}}",
        &c.id,
    ]);
    assert!(key.starts_with("/run/netns/netns-"), "podman's pin: {key}");
    let pinned = {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(&key).expect("the pin").ino()
    };
    assert_ne!(
        c.ns("net"),
        pinned,
        "the container's init left the netns its state names"
    );
    let (doc, _) = leaks_json(&["-t", "net"]);
    let e = expect_entry(&doc, pinned);
    assert_eq!(e["verdict"], "in-use", "{e:#}");
    assert_eq!(e["probable_leak"], false, "{e:#}");
    let claim = &e["claims"][0];
    assert_eq!(
        claim["by"],
        format!("podman {} ({})", c.short_id(), c.name),
        "{e:#}"
    );
    assert_eq!(claim["how"], format!("its state names {key}"), "{e:#}");
    assert!(
        e["summary"]
            .as_str()
            .is_some_and(|s| s.contains(c.short_id())),
        "{e:#}"
    );
    drop(c);
}
