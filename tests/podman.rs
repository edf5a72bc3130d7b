//! Live tests on real podman containers (rootful, runc, an image imported offline): the
//! container's name on its namespaces in `--list` and `show`, host-shared namespaces, pods,
//! `enter`, user namespaces, and what is left after `podman rm -f` and after a killed runtime.
//!
//! They need root and podman, so they are `#[ignore]`d; CI runs them with `--include-ignored`.
//! The engine side (image, containers, pods, cleanup by id) is in `podman/engine.rs`.

pub mod engine;

use std::os::fd::AsRawFd;
use std::path::Path;
use std::process::Output;
use std::time::Duration;

use serde_json::Value;

use crate::util::{Pane, nsview, stderr, stdout};
use engine::{Container, MARKER, MARKER_TEXT, Pod, podman_ok};

/// The namespaces a container without `--*=host` options always gets of its own (also a
/// cgroup namespace on a cgroup v2 host, not on this cgroup v1 hybrid one; a user namespace
/// only with `--uidmap`/`--userns`).
const OWN: [&str; 5] = ["mnt", "uts", "ipc", "pid", "net"];

/// A container with a user namespace of its own: root inside is uid/gid 100000 outside, for
/// 65536 ids (`--network none`).
const USERNS: [&str; 6] = [
    "--network",
    "none",
    "--uidmap",
    "0:100000:65536",
    "--gidmap",
    "0:100000:65536",
];

/// `nsview ARGS`, killed after a minute: a scan that blocks fails the test, never hangs it.
fn nsview_run(args: &[&str]) -> Output {
    engine::run_bounded(nsview().args(args), Duration::from_secs(60))
}

/// The rows of `nsview --list -J ARGS`.
fn list_rows(args: &[&str]) -> Vec<Value> {
    let mut argv = vec!["--list", "-J"];
    argv.extend_from_slice(args);
    let output = nsview_run(&argv);
    assert!(output.status.success(), "{}", stderr(&output));
    let json: Value = serde_json::from_str(&stdout(&output)).expect("--list -J is JSON");
    json["namespaces"]
        .as_array()
        .expect("namespaces array")
        .clone()
}

fn row(rows: &[Value], inode: u64) -> &Value {
    rows.iter()
        .find(|r| r["ns"].as_u64() == Some(inode))
        .unwrap_or_else(|| panic!("no row for {inode}"))
}

fn show_text(inode: u64) -> String {
    let output = nsview_run(&["show", &inode.to_string()]);
    assert!(output.status.success(), "{}", stderr(&output));
    stdout(&output)
}

fn show_json(inode: u64) -> Value {
    let output = nsview_run(&["show", "--json", &inode.to_string()]);
    assert!(output.status.success(), "{}", stderr(&output));
    serde_json::from_str(&stdout(&output)).expect("show --json is JSON")
}

/// `nsview enter ARGS`, which must succeed; its stdout.
fn enter(args: &[&str]) -> String {
    let mut argv = vec!["enter"];
    argv.extend_from_slice(args);
    let output = nsview_run(&argv);
    assert!(
        output.status.success(),
        "nsview enter {args:?}: {}",
        stderr(&output)
    );
    stdout(&output)
}

/// A label names the container when it carries podman's short id and the container's name
/// (the label's exact wording belongs to `details::container`).
fn names(label: &str, c: &Container) -> bool {
    label.contains("podman") && label.contains(c.short_id()) && label.contains(&c.name)
}

/// The show text's `container` lines (the first has the key, the rest are indented).
fn container_lines(text: &str) -> Vec<&str> {
    let mut lines = Vec::new();
    let mut inside = false;
    for line in text.lines() {
        if line.starts_with("container ") && !line.starts_with("container ns") {
            inside = true;
        } else if !line.starts_with(' ') || line.trim().is_empty() {
            inside = false;
        }
        if inside {
            lines.push(line);
        }
    }
    lines
}

/// The first nsfs mount point of a `--list -J` row: lsns prints NSFS as one string (paths
/// joined by newlines); nsview once printed an array.
fn first_nsfs(row: &Value) -> Option<&str> {
    match &row["nsfs"] {
        Value::String(paths) => paths.lines().next(),
        Value::Array(paths) => paths.first()?.as_str(),
        _ => None,
    }
}

/// NS_GET_ID of the namespace file at `path` (64 bits, never reused: tells a leftover from
/// a new namespace that got the same inode number).
fn ns_id(path: &Path) -> Option<u64> {
    // _IOR(NSIO = 0xb7, 13, __u64)
    const NS_GET_ID: libc::c_ulong = (2 << 30) | (8 << 16) | (0xb7 << 8) | 13;
    let file = std::fs::File::open(path).ok()?;
    let mut id: u64 = 0;
    // SAFETY: NS_GET_ID writes one u64 through the pointer; the fd is open for the call.
    let rc = unsafe { libc::ioctl(file.as_raw_fd(), NS_GET_ID as _, &mut id) };
    (rc == 0 && id != 0).then_some(id)
}

/// The container's namespaces of `kinds`: (kind, inode, ns id).
fn identities(c: &Container, kinds: &[&'static str]) -> Vec<(&'static str, u64, u64)> {
    kinds
        .iter()
        .map(|kind| {
            let path = format!("/proc/{}/ns/{kind}", c.pid);
            let id = ns_id(Path::new(&path))
                .unwrap_or_else(|| panic!("NS_GET_ID on {path} (Linux 6.12+ has it)"));
            (*kind, c.ns(kind), id)
        })
        .collect()
}

/// Which of `namespaces` a fresh `--list -J` (ARGS added) still finds, by inode and ns id.
fn still_listed(
    namespaces: &[(&'static str, u64, u64)],
    args: &[&str],
) -> Vec<(&'static str, Value)> {
    let mut argv = vec!["-o", "NS,TYPE,NPROCS,PID,PATH,NSFS"];
    argv.extend_from_slice(args);
    let rows = list_rows(&argv);
    // For a row with nothing to open (no member, no nsfs mount in our mount namespace: held
    // by an fd, or by a bind mount in another mount namespace), the library scan's ns id.
    let mut scanned: Option<nsview::model::Snapshot> = None;
    namespaces
        .iter()
        .filter_map(|(kind, inode, id)| {
            // The inode may already be another namespace's, even one of another type (inode
            // numbers are shared by every type); only the same type and id is a leftover.
            let r = rows
                .iter()
                .find(|r| r["ns"].as_u64() == Some(*inode) && r["type"] == *kind)?;
            // PATH is empty for a namespace no process is in (as lsns): open its nsfs mount.
            let same = match r["path"].as_str().or_else(|| first_nsfs(r)) {
                Some(path) => ns_id(Path::new(path)) == Some(*id),
                None => {
                    let snapshot = scanned.get_or_insert_with(|| {
                        nsview::scan::scan(&nsview::scan::ScanOptions::default())
                            .expect("a library scan")
                    });
                    // unknown (gone since, or no NS_GET_ID): counted as left, to be looked at
                    snapshot
                        .namespace(*inode)
                        .filter(|ns| ns.kind.to_string() == *kind)
                        .is_none_or(|ns| ns.ns_id.is_none_or(|found| found == *id))
                }
            };
            same.then(|| (*kind, r.clone()))
        })
        .collect()
}

/// The mount points in our mount namespace (the host's) that podman made for container `c`:
/// its `/dev/shm` (`.../overlay-containers/<id>/userdata/shm`) and its overlay root.
fn engine_mounts(c: &Container, merged: &str) -> Vec<String> {
    let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").expect("mountinfo");
    mountinfo
        .lines()
        .filter_map(|l| l.split(' ').nth(4))
        .filter(|point| point.contains(&c.id) || *point == merged)
        .map(str::to_string)
        .collect()
}

/// Waits (bounded) until a process in pid namespace `pid_ns` runs `cmdline` (NUL-separated).
fn wait_for_member(pid_ns: u64, cmdline: &[u8]) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let found = std::fs::read_dir("/proc")
            .into_iter()
            .flatten()
            .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
            .any(|pid| {
                crate::util::ns_inode(pid, "pid") == Some(pid_ns)
                    && std::fs::read(format!("/proc/{pid}/cmdline"))
                        .ok()
                        .as_deref()
                        == Some(cmdline)
            });
        if found {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no {:?} in pid:[{pid_ns}]",
            String::from_utf8_lossy(cmdline)
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

#[test]
#[ignore = "needs root and podman"]
fn a_container_is_named_on_every_namespace_it_owns_and_on_none_of_the_hosts() {
    engine::require();
    let c = Container::run("own", &["--network", "none"]);
    let rows = list_rows(&["-o", "NS,TYPE,NPROCS,PID,CONTAINER,HOSTNS"]);
    let mut hosts = Vec::new();
    for kind in ["mnt", "uts", "ipc", "pid", "net", "user", "cgroup", "time"] {
        let r = row(&rows, c.ns(kind));
        let label = r["container"].as_str();
        match kind {
            _ if OWN.contains(&kind) => assert_eq!(r["hostns"], "no", "{kind}: {r}"),
            // no --userns, and podman makes no time namespace
            "user" | "time" => assert_eq!(r["hostns"], "yes", "{kind}: {r}"),
            // the host's on cgroup v1 (here), the container's own on a cgroup v2 host
            _ => {}
        }
        if r["hostns"] == "yes" {
            // never labelled with the container
            assert_eq!(label, None, "{kind}: {r}");
            hosts.push(kind);
        } else {
            assert!(names(label.unwrap_or(""), &c), "{kind}: {r}");
        }
    }
    for r in rows.iter().filter(|r| r["hostns"] == "yes") {
        assert_eq!(r["container"], Value::Null, "a host namespace: {r}");
    }

    // The table face too.
    let output = nsview_run(&["--list", "-o", "NS,TYPE,CONTAINER", "-t", "pid"]);
    let pid_ns = c.ns("pid").to_string();
    let line = stdout(&output)
        .lines()
        .find(|l| l.trim_start().starts_with(&pid_ns))
        .map(str::to_string)
        .unwrap_or_else(|| panic!("no table row for {pid_ns}"));
    assert!(names(&line, &c), "{line}");

    for kind in OWN {
        let inode = c.ns(kind);
        let text = show_text(inode);
        let lines = container_lines(&text);
        assert!(
            lines.len() == 1 && names(lines[0], &c),
            "{kind}: container lines {lines:?} in\n{text}"
        );
        assert!(text.contains("host's        no"), "{kind}:\n{text}");

        let json = show_json(inode);
        assert_eq!(json["shared_with_host"], false, "{kind}");
        let container = &json["container"];
        assert_eq!(container["runtime"], "podman", "{kind}: {json}");
        assert_eq!(container["id"], c.id.as_str());
        assert_eq!(container["short_id"], c.short_id());
        assert_eq!(container["name"], c.name.as_str());
        assert_eq!(container["pod_uid"], Value::Null);
        assert_eq!(json["pod"], Value::Null);
        // The name is podman's own: its userdata/pidfile vouches for the container's init.
        assert_eq!(container["provenance"], "state-file", "{kind}");
        let matrix = &json["container_namespaces"][0];
        assert_eq!(matrix["container"]["id"], c.id.as_str());
        for mark in matrix["namespaces"].as_array().expect("marks") {
            let host = hosts.contains(&mark["kind"].as_str().expect("kind"));
            assert_eq!(mark["shared_with_host"], host, "{kind}: {mark}");
        }
    }
}

#[test]
#[ignore = "needs root and podman"]
fn namespaces_a_container_shares_with_the_host_say_host() {
    engine::require();
    let c = Container::run(
        "host",
        &["--network", "host", "--pid", "host", "--uts", "host"],
    );
    let rows = list_rows(&["-o", "NS,TYPE,NPROCS,PID,CONTAINER,HOSTNS"]);
    for kind in ["net", "pid", "uts"] {
        let inode = c.ns(kind);
        let r = row(&rows, inode);
        assert_eq!(r["hostns"], "yes", "{kind}: {r}");
        assert_eq!(r["container"], Value::Null, "{kind}: {r}");
        let json = show_json(inode);
        assert_eq!(json["shared_with_host"], true, "{kind}");
        assert_eq!(
            json["container"],
            Value::Null,
            "{kind}: the host's, not the container's"
        );
        let text = show_text(inode);
        assert!(text.contains("host's        yes"), "{kind}:\n{text}");
        assert!(
            !text.contains(c.short_id()) && !text.contains(&c.name),
            "{kind}:\n{text}"
        );
    }
    for kind in ["mnt", "ipc"] {
        let r = row(&rows, c.ns(kind));
        assert_eq!(r["hostns"], "no", "{kind}: {r}");
        assert!(
            names(r["container"].as_str().unwrap_or(""), &c),
            "{kind}: {r}"
        );
    }
    // The container's own matrix says which are the host's.
    let json = show_json(c.ns("mnt"));
    let marks = json["container_namespaces"][0]["namespaces"]
        .as_array()
        .expect("marks")
        .clone();
    for mark in &marks {
        let kind = mark["kind"].as_str().expect("kind");
        // cgroup: the host's on cgroup v1 (here), podman's own on a cgroup v2 host
        if kind != "cgroup" {
            let own = matches!(kind, "mnt" | "ipc");
            assert_eq!(mark["shared_with_host"], !own, "{mark}");
        }
    }
}

#[test]
#[ignore = "needs root and podman"]
fn a_pod_is_one_pod_with_both_containers() {
    engine::require();
    let pod = Pod::create("pod");
    let a = pod.run("pod-a");
    let b = pod.run("pod-b");
    for kind in ["net", "ipc", "uts"] {
        assert_eq!(a.ns(kind), pod.infra.ns(kind), "{kind}");
        assert_eq!(b.ns(kind), pod.infra.ns(kind), "{kind}");
    }
    for kind in ["mnt", "pid"] {
        assert_ne!(a.ns(kind), b.ns(kind), "{kind}");
    }

    let rows = list_rows(&["-o", "NS,TYPE,NPROCS,PID,CONTAINER,HOSTNS"]);
    for kind in ["net", "ipc", "uts"] {
        let inode = a.ns(kind);
        let r = row(&rows, inode);
        assert_eq!(r["nprocs"], 3, "{kind}: infra, a and b: {r}");
        assert_eq!(r["hostns"], "no", "{kind}: {r}");
        let label = r["container"]
            .as_str()
            .expect("a pod namespace has a label");
        // The infra container's label, with the pod's name (from podman's database).
        assert!(names(label, &pod.infra), "{kind}: {r}");
        assert!(
            label.ends_with(&format!(" pod {}", pod.name)),
            "{kind}: {r}"
        );

        // Labelled by the namespace's init, the infra container; the pod lists all three.
        let json = show_json(inode);
        assert_eq!(
            json["container"]["id"],
            pod.infra.id.as_str(),
            "{kind}: {json}"
        );
        assert_eq!(
            json["pod"]["id"],
            pod.id.as_str(),
            "{kind}: one pod {}",
            pod.name
        );
        assert_eq!(json["pod"]["name"], pod.name.as_str(), "{kind}: {json}");
        assert_eq!(json["container"]["pod_name"], pod.name.as_str(), "{kind}");
        let members = json["pod"]["containers"]
            .as_array()
            .expect("pod containers");
        assert_eq!(members.len(), 3, "{kind}: {members:?}");
        for c in [&pod.infra, &a, &b] {
            let found = members
                .iter()
                .find(|j| j["id"] == c.id.as_str())
                .unwrap_or_else(|| panic!("{kind}: {} not in {members:?}", c.name));
            assert_eq!(found["name"], c.name.as_str());
            assert_eq!(found["pod_uid"], pod.id.as_str());
            assert_eq!(found["pod_name"], pod.name.as_str());
        }

        let text = show_text(inode);
        let pod_line = text.lines().find(|l| l.starts_with("pod ")).unwrap_or("");
        assert!(
            pod_line.ends_with(&format!(" {} {}", pod.name, pod.id)),
            "{kind}:\n{text}"
        );
        for c in [&pod.infra, &a, &b] {
            assert!(
                text.lines().any(|l| names(l, c)),
                "{kind}: {} in\n{text}",
                c.name
            );
        }
    }
    // Each container's own namespaces carry its own name, and the pod's.
    for c in [&a, &b] {
        for kind in ["mnt", "pid"] {
            let r = row(&rows, c.ns(kind));
            let label = r["container"].as_str().unwrap_or("");
            assert!(names(label, c), "{r}");
            assert!(label.ends_with(&format!(" pod {}", pod.name)), "{r}");
            assert_eq!(r["nprocs"], 1);
        }
    }
    // The UI's NAME column (its naming function over a live scan, as the UI's scan thread
    // calls it): the infra container and the pod on the shared namespaces, each member and
    // the pod on the member's own.
    let snapshot =
        nsview::scan::scan(&nsview::scan::ScanOptions::default()).expect("a library scan");
    let enrichment = nsview::tui::names::Enrichment::gather(&snapshot, Path::new("/proc"));
    let ui_name = |inode: u64| {
        let ns = snapshot
            .namespace(inode)
            .unwrap_or_else(|| panic!("{inode} not in the scan"));
        nsview::tui::names::best_name(&snapshot, &enrichment, ns).map(|n| n.text)
    };
    for kind in ["net", "ipc", "uts"] {
        let want = format!("{} (pod {})", pod.infra.name, pod.name);
        assert_eq!(ui_name(pod.infra.ns(kind)), Some(want), "{kind}");
    }
    for c in [&a, &b] {
        let want = format!("{} (pod {})", c.name, pod.name);
        assert_eq!(ui_name(c.ns("mnt")), Some(want), "{}", c.name);
    }

    // The table face: the pod's name on its shared namespaces.
    let output = nsview_run(&["--list", "-o", "NS,TYPE,CONTAINER", "-t", "net"]);
    let net = pod.infra.ns("net").to_string();
    let line = stdout(&output)
        .lines()
        .find(|l| l.trim_start().starts_with(&net))
        .map(str::to_string)
        .unwrap_or_else(|| panic!("no table row for {net}"));
    assert!(
        names(&line, &pod.infra) && line.contains(&pod.name),
        "{line}"
    );
}

#[test]
#[ignore = "needs root and podman"]
fn enter_reaches_a_containers_network() {
    engine::require();
    let c = Container::run("net", &["--network", "slirp4netns"]);
    let net = c.ns("net").to_string();
    // /proc/net follows the reader's network namespace: the container's interfaces.
    let dev = enter(&[&net, "cat", "/proc/net/dev"]);
    let mut interfaces: Vec<&str> = dev
        .lines()
        .skip(2)
        .filter_map(|l| Some(l.split_once(':')?.0.trim()))
        .collect();
    interfaces.sort();
    assert_eq!(interfaces, ["lo", "tap0"], "{dev}");
    let addr = enter(&[&format!("net:[{net}]"), "ip", "-br", "addr"]);
    assert!(
        addr.contains("10.0.2.100/24"),
        "slirp4netns's address: {addr}"
    );
}

#[test]
#[ignore = "needs root and podman"]
fn enter_all_reaches_a_containers_pid_and_mount_namespaces() {
    engine::require();
    let c = Container::run("pid", &["--network", "none"]);
    // A second process in the container, waited for until it has exec'd (`exec -d` can
    // return while runc's init is still setting it up).
    podman_ok(&["exec", "-d", &c.id, "sleep", "601"]);
    wait_for_member(c.ns("pid"), b"sleep\x00601\x00");
    let pid_ns = c.ns("pid").to_string();
    let pid = c.pid.to_string();
    let ps = enter(&["--all", "--pid", &pid, &pid_ns, "ps", "-o", "pid,args"]);
    let mut procs: Vec<(u32, String)> = ps
        .lines()
        .skip(1)
        .filter_map(|l| {
            let (pid, args) = l.trim().split_once(' ')?;
            Some((pid.parse().ok()?, args.trim().to_string()))
        })
        .collect();
    procs.sort();
    assert_eq!(procs.len(), 3, "{ps}");
    assert_eq!(procs[0], (1, "sleep 600".to_string()), "{ps}");
    assert_eq!(procs[1].1, "sleep 601", "{ps}");
    assert_eq!(procs[2].1, "ps -o pid,args", "{ps}");
}

#[test]
#[ignore = "needs root and podman"]
fn enter_reaches_a_containers_mount_and_uts_namespaces() {
    engine::require();
    let c = Container::run("mnt", &["--network", "none"]);
    // The command is found in the container's root: the image's busybox `cat`.
    let marker = enter(&[&c.ns("mnt").to_string(), "cat", MARKER]);
    assert_eq!(marker, MARKER_TEXT);
    assert!(
        !Path::new(MARKER).exists(),
        "the host must not have {MARKER}"
    );
    // podman names the container's host after its short id.
    let hostname = enter(&[&format!("uts:[{}]", c.ns("uts")), "hostname"]);
    assert_eq!(hostname.trim(), c.short_id());
}

#[test]
#[ignore = "needs root and podman"]
fn a_user_namespace_containers_uid_map_is_shown() {
    engine::require();
    // `--uidmap`, not `--userns=auto`: auto picks a range from the `containers` user's
    // /etc/subuid and /etc/subgid entries, which this host (and CI's) does not have ("no
    // subuid ranges found for user \"containers\""), and a test must not edit the host's
    // /etc/subuid. An explicit map makes the same kind of namespace: root inside, 100000
    // outside, the container's namespaces owned by it.
    let c = Container::run("userns", &USERNS);
    let user = c.ns("user");
    let rows = list_rows(&["-o", "NS,TYPE,NPROCS,CONTAINER,UIDMAP,HOSTNS,ONS"]);
    let r = row(&rows, user);
    assert_eq!(r["type"], "user");
    assert_eq!(r["hostns"], "no");
    assert_eq!(r["uidmap"], "0→100000/65536", "{r}");
    assert!(names(r["container"].as_str().unwrap_or(""), &c), "{r}");
    for kind in OWN {
        assert_eq!(row(&rows, c.ns(kind))["ons"], user, "{kind} is owned by it");
    }

    let json = show_json(user);
    assert_eq!(
        json["details"]["user"]["uid_map"],
        serde_json::json!([{"inside": 0, "outside": 100000, "count": 65536}])
    );
    assert_eq!(
        json["details"]["user"]["gid_map"],
        serde_json::json!([{"inside": 0, "outside": 100000, "count": 65536}])
    );
    let text = show_text(user);
    for label in ["uid map", "gid map"] {
        let line = text
            .lines()
            .find(|l| l.starts_with(label))
            .unwrap_or_else(|| panic!("no {label} line in\n{text}"));
        assert!(line.ends_with("0 → 100000, range 65536"), "{line}");
    }
    assert!(
        container_lines(&text).iter().any(|l| names(l, &c)),
        "{text}"
    );
}

#[test]
#[ignore = "needs root and podman"]
fn after_podman_rm_no_namespace_of_the_container_is_left() {
    engine::require();
    // slirp4netns: podman then also bind-mounts the netns under /run/netns.
    let c = Container::run("rm", &["--network", "slirp4netns"]);
    let namespaces = identities(&c, &OWN);
    let net = show_json(c.ns("net"));
    assert_eq!(net["shared_with_host"], false);
    let rows = list_rows(&["-o", "NS,NSFS"]);
    let nsfs = first_nsfs(row(&rows, c.ns("net")))
        .unwrap_or_else(|| panic!("podman's netns bind mount: {rows:?}"))
        .to_string();
    assert!(nsfs.starts_with("/run/netns/netns-"), "{nsfs}");

    c.remove();
    let left = still_listed(&namespaces, &[]);
    assert!(left.is_empty(), "left after podman rm -f: {left:?}");
    assert!(!Path::new(&nsfs).exists(), "{nsfs} left behind");
}

/// The names in /run/netns, for a failure message.
fn run_netns() -> Vec<std::ffi::OsString> {
    std::fs::read_dir("/run/netns")
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.file_name()).collect())
        .unwrap_or_default()
}

/// `podman rm -f` up to three times (podman 4.3's first try after a killed runtime can fail
/// with "container state improper"): every (exit code, stderr) it gave.
fn remove_with_retries(c: &mut Container) -> Vec<(Option<i32>, String)> {
    let mut tries = Vec::new();
    while tries.len() < 3 {
        let output = c.try_remove();
        tries.push((output.status.code(), stderr(&output)));
        if output.status.success() {
            break;
        }
    }
    tries
}

#[test]
#[ignore = "needs root and podman"]
fn after_kill_9_of_conmon_and_runtime_the_netns_stays_bind_mounted_until_podman_rm() {
    engine::require();
    let c = Container::run("kill", &["--network", "slirp4netns"]);
    let namespaces = identities(&c, &OWN);
    let merged = podman_ok(&[
        "inspect",
        "--format",
        "{{.GraphDriver.Data.MergedDir}}",
        &c.id,
    ]);
    assert_eq!(engine_mounts(&c, &merged).len(), 2, "shm and {merged}");
    c.kill_runtime();

    // Nothing ran podman's cleanup (conmon's exit command): the netns stays, held only by
    // podman's bind mount; the other namespaces died with their last process.
    let left = still_listed(&namespaces, &["-P"]);
    let kinds: Vec<&str> = left.iter().map(|(kind, _)| *kind).collect();
    assert_eq!(
        kinds,
        ["net"],
        "left after kill -9: {left:?}; /run/netns has {:?}; podman says {:?}",
        run_netns(),
        podman_ok(&["inspect", "--format", "{{.State.Status}}", &c.id])
    );
    let net = &left[0].1;
    assert_eq!(net["nprocs"], 0, "{net}");
    let nsfs = first_nsfs(net).expect("held by a bind mount").to_string();
    assert!(nsfs.starts_with("/run/netns/netns-"), "{net}");
    let state = podman_ok(&["inspect", "--format", "{{.State.Status}}", &c.id]);
    eprintln!("after kill -9: podman says {state:?}; left {left:?}");
    // And the container's shm and overlay root stay mounted on the host.
    assert_eq!(engine_mounts(&c, &merged).len(), 2, "{merged}");

    // podman rm -f cleans up, though podman 4.3's first try fails ("container state
    // improper": it finds the container stopped while stopping it) and a second one does it.
    let mut c = c;
    let tries = remove_with_retries(&mut c);
    eprintln!("podman rm -f after kill -9: {tries:?}");
    assert!(
        tries.last().is_some_and(|(code, _)| *code == Some(0)),
        "podman rm -f never succeeded: {tries:?}"
    );
    let left = still_listed(&namespaces, &[]);
    assert!(left.is_empty(), "left after podman rm -f: {left:?}");
    assert!(!Path::new(&nsfs).exists(), "{nsfs} left behind");
    let mounts = engine_mounts(&c, &merged);
    assert!(mounts.is_empty(), "mounts left: {mounts:?}");
}

/// `nsview leaks --json -t net`'s entry for `inode` once its verdict is `want`, asked again
/// (bounded) while it is not: another test's scanner (an `nsview leaks` reading every
/// candidate netns's interfaces, an lsns) holds each namespace file open for a moment, and a
/// report taken then says "held by process". Returns the last entry either way.
fn leaks_entry(inode: u64, want: &str) -> Value {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let output = nsview_run(&["leaks", "--json", "-t", "net"]);
        let doc: Value = serde_json::from_str(&stdout(&output))
            .unwrap_or_else(|e| panic!("leaks --json: {e}: {}", stderr(&output)));
        let entry = doc["namespaces"]
            .as_array()
            .and_then(|all| all.iter().find(|e| e["inode"].as_u64() == Some(inode)))
            .cloned()
            .unwrap_or(Value::Null);
        if entry["verdict"] == want || std::time::Instant::now() >= deadline {
            // a probable leak listed: exit status 1
            assert_eq!(output.status.code(), Some(1), "{doc:#}");
            return entry;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
#[ignore = "needs root and podman"]
fn nsview_release_frees_the_netns_a_killed_runtime_leaves_and_podman_rm_still_cleans_up() {
    engine::require();
    let mut c = Container::run("release", &["--network", "slirp4netns"]);
    let namespaces = identities(&c, &["net"]);
    let (_, net, id) = namespaces[0];
    let merged = podman_ok(&[
        "inspect",
        "--format",
        "{{.GraphDriver.Data.MergedDir}}",
        &c.id,
    ]);
    c.kill_runtime();
    let left = still_listed(&namespaces, &["-P"]);
    assert_eq!(
        left.len(),
        1,
        "the killed container's netns (ns id {id}); /run/netns has {:?}; podman says {:?}",
        run_netns(),
        podman_ok(&["inspect", "--format", "{{.State.Status}}", &c.id])
    );

    // The verdict: pinned by podman's bind mount, claimed by nobody (its conmon is dead).
    let entry = leaks_entry(net, "pinned-unclaimed");
    assert_eq!(entry["verdict"], "pinned-unclaimed", "{entry:#}");
    assert_eq!(entry["ns_id"], id, "{entry:#}");
    assert_eq!(entry["held_by"], "bind_mount", "{entry:#}");
    assert_eq!(entry["probable_leak"], true, "{entry:#}");
    assert_eq!(entry["patterns"][0]["made_by"], "podman", "{entry:#}");
    let pin = entry["patterns"][0]["path"]
        .as_str()
        .expect("the pin's path")
        .to_string();
    assert!(pin.starts_with("/run/netns/netns-"), "{entry:#}");
    assert!(
        entry["holders"]
            .as_array()
            .expect("holders")
            .iter()
            .any(|h| h["kind"] == "bind_mount" && h["path"] == pin.as_str()),
        "{entry:#}"
    );

    // `nsview release`, bound to the namespace id (inodes are reused), unmounts podman's pin
    // and removes its pin file; the netns is gone.
    let output = nsview_run(&[
        "release",
        "--yes",
        "--ns-id",
        &id.to_string(),
        &net.to_string(),
    ]);
    let said = format!("{}{}", stdout(&output), stderr(&output));
    assert!(
        output.status.success(),
        "release ({}): {said}",
        output.status
    );
    assert!(
        said.contains(&format!("unmounted {pin}, removed the pin file")),
        "{said}"
    );
    assert!(said.contains(&format!("net:[{net}] is gone")), "{said}");
    assert!(!Path::new(&pin).exists(), "{pin} left behind");
    let left = still_listed(&namespaces, &[]);
    assert!(left.is_empty(), "left after nsview release: {left:?}");
    let output = nsview_run(&["leaks", "--json", "-t", "net"]);
    let doc: Value = serde_json::from_str(&stdout(&output)).expect("leaks --json is JSON");
    assert!(
        !doc["namespaces"]
            .as_array()
            .expect("namespaces")
            .iter()
            .any(|e| e["ns_id"] == id),
        "ns id {id} still reported: {doc:#}"
    );

    // podman rm -f afterwards removes the container and its mounts, exiting 0 (it logs that
    // the netns file it wanted to unmount is missing).
    let tries = remove_with_retries(&mut c);
    eprintln!("podman rm -f after nsview release: {tries:?}");
    assert!(
        tries.last().is_some_and(|(code, _)| *code == Some(0)),
        "podman rm -f never succeeded: {tries:?}"
    );
    let mounts = engine_mounts(&c, &merged);
    assert!(mounts.is_empty(), "mounts left: {mounts:?}");
    let exists = engine::run_bounded(
        engine::podman().args(["container", "exists", &c.id]),
        Duration::from_secs(60),
    );
    assert!(!exists.status.success(), "podman still knows {}", c.name);
}

#[test]
#[ignore = "needs root and podman"]
fn after_kill_9_of_conmon_alone_the_container_runs_on_and_podman_rm_removes_it() {
    engine::require();
    let c = Container::run("conmon", &["--network", "none"]);
    let namespaces = identities(&c, &OWN);
    let merged = podman_ok(&[
        "inspect",
        "--format",
        "{{.GraphDriver.Data.MergedDir}}",
        &c.id,
    ]);
    let conmon = c.conmon_pid;
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(conmon),
        nix::sys::signal::Signal::SIGKILL,
    )
    .expect("kill conmon");
    engine::wait_until_reaped(conmon);
    // The container's init is reparented and keeps every namespace; its cgroup still names it.
    let left = still_listed(&namespaces, &[]);
    assert_eq!(left.len(), OWN.len(), "{left:?}");
    let rows = list_rows(&["-o", "NS,TYPE,NPROCS,PID,CONTAINER"]);
    for kind in OWN {
        let r = row(&rows, c.ns(kind));
        assert_eq!(r["pid"], c.pid, "{r}");
        assert!(names(r["container"].as_str().unwrap_or(""), &c), "{r}");
    }
    let state = podman_ok(&["inspect", "--format", "{{.State.Status}}", &c.id]);
    eprintln!("after kill -9 of conmon alone: podman says {state:?}");

    // podman rm -f kills the orphan through runc and cleans up.
    let pid = c.pid;
    let mut c = c;
    let output = c.try_remove();
    assert!(output.status.success(), "podman rm -f: {}", stderr(&output));
    engine::wait_until_reaped(pid);
    let left = still_listed(&namespaces, &[]);
    assert!(left.is_empty(), "left after podman rm -f: {left:?}");
    let mounts = engine_mounts(&c, &merged);
    assert!(mounts.is_empty(), "mounts left: {mounts:?}");
}

/// Selects one namespace of container `c` in the UI (filtered to its inode) and waits until
/// its row's NAME column and the detail pane name the container; the screen then.
fn ui_select(pane: &Pane, kind: &str, c: &Container) -> String {
    let inode = c.ns(kind);
    // Esc clears the previous filter (waited for: a `/` hard on an Esc could read as Alt-/);
    // `/` starts a new one.
    pane.keys(&["Escape"]);
    pane.wait_for("no filter", 10, |s| {
        !s.lines().next().unwrap_or("").contains(" /")
    });
    // Digits alone also match other processes' pids and command lines (another test's
    // `sh -c '... 4026532301'`): the type qualifier keeps the search to this namespace type,
    // and the first match, where the cursor lands, is the namespace itself.
    pane.keys(&["/"]);
    pane.keys(&["-l", &format!("type:{kind} {inode}")]);
    pane.keys(&["Enter"]);
    // The row's NAME column and the detail pane (of the selected row: the namespace) name
    // the container.
    let row = |l: &str| l.contains(&inode.to_string()) && l.contains("sleep 600");
    let title = format!("{kind} namespace {inode}");
    pane.wait_for("the namespace's row named after its container", 15, |s| {
        s.lines().any(|l| row(l) && l.contains(&c.name))
            && s.lines().any(|l| l.contains(&title))
            && s.lines()
                .any(|l| l.contains(&c.name) && l.contains("(container"))
    })
}

/// The UI's `s` on one namespace: select it ([`ui_select`]), spawn the shell, run `command`
/// there and wait for `want` in its output, then leave the shell.
fn ui_shell_in(pane: &Pane, kind: &str, c: &Container, command: &str, want: &str) {
    let inode = c.ns(kind);
    ui_select(pane, kind, c);
    pane.keys(&["s"]);
    let prompt = |s: &str| s.lines().rev().find(|l| !l.trim().is_empty()) == Some("$");
    let shell = pane.wait_for("a shell in the namespace", 15, prompt);
    // The banner before the shell names the namespace and the container.
    let banner = format!("shell in {kind}:[{inode}]");
    assert!(
        shell
            .lines()
            .any(|l| l.contains(&banner) && l.contains(&c.name)),
        "{shell}"
    );
    pane.keys(&["-l", command]);
    pane.keys(&["Enter"]);
    pane.wait_for(want, 10, |s| s.lines().any(|l| l.trim() == want));
    pane.keys(&["-l", "exit"]);
    pane.keys(&["Enter"]);
    pane.wait_for("the UI again", 15, |s| s.contains("1 by type"));
}

#[test]
#[ignore = "needs root and podman"]
fn the_uis_shell_reaches_a_containers_uts_and_mount_namespaces() {
    engine::require();
    // The release build first (minutes, the first time), before the container's lifetime
    // starts.
    let nsview = crate::util::release_nsview().display().to_string();
    // A user namespace of its own too, for the detail pane's uid map (--uidmap, as in
    // a_user_namespace_containers_uid_map_is_shown).
    let c = Container::run("ui", &USERNS);
    // SHELL=/bin/sh: the image has busybox's sh there, the host has its own.
    let pane = Pane::start_sized("nsview-podman-ui", (140, 40), |_| {
        format!("SHELL=/bin/sh PS1='$ ' {nsview}\necho NSVIEW-EXIT=$?\nexec sleep 60\n")
    });
    pane.wait_for_ui("the UI");

    // uts: podman names the host after the short id.
    ui_shell_in(&pane, "uts", &c, "hostname", c.short_id());
    // mnt: the shell is the image's, and sees the image's files.
    ui_shell_in(
        &pane,
        "mnt",
        &c,
        &format!("cat {MARKER}"),
        MARKER_TEXT.trim(),
    );

    // user: the row is the container's, the detail pane shows the uid and gid maps.
    // The maps come from the detail read, which may land after the row is named: waited for.
    ui_select(&pane, "user", &c);
    let mapped = |s: &str, label: &str| {
        s.lines()
            .any(|l| l.contains(label) && l.contains("0 → 100000, range 65536"))
    };
    pane.wait_for("the uid and gid maps in the detail pane", 15, |s| {
        mapped(s, "uid map") && mapped(s, "gid map")
    });

    pane.keys(&["q"]);
    pane.wait_for("the shell after quitting", 10, |s| {
        s.contains("NSVIEW-EXIT=0")
    });
}
