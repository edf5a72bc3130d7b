//! `nsview show` and the details library: fixture snapshots (text and JSON) over a fake /proc,
//! argument errors, and live tests in namespaces the tests create (root only).

use std::path::PathBuf;

use crate::util::{fixtures, nsview, stderr, stdout};

fn show_root() -> PathBuf {
    fixtures().join("show-basic/proc")
}

fn show(args: &[&str]) -> std::process::Output {
    nsview()
        .arg("--proc-root")
        .arg(show_root())
        .arg("show")
        .args(args)
        .output()
        .expect("run nsview")
}

/// The fixture's namespaces: the docker container's (pid 4242, 4300) and a rootless user ns.
const FIXTURE: [(&str, &str); 9] = [
    ("uts", "4026532301"),
    ("net", "4026532303"),
    ("pid", "4026532304"),
    ("mnt", "4026532302"),
    ("ipc", "4026532305"),
    ("cgroup", "4026532306"),
    ("time", "4026532307"),
    ("user", "4026532310"),
    ("host_net", "4026531840"),
];

#[test]
fn show_fixture_text() {
    for (name, inode) in FIXTURE {
        let out = show(&[inode]);
        assert!(out.status.success(), "{name}: {}", stderr(&out));
        insta::assert_snapshot!(format!("show_text_{name}"), stdout(&out));
    }
}

#[test]
fn show_fixture_json() {
    for (name, inode) in FIXTURE {
        let out = show(&[inode, "--json"]);
        assert!(out.status.success(), "{name}: {}", stderr(&out));
        let value: serde_json::Value =
            serde_json::from_slice(&out.stdout).expect("show --json prints JSON");
        insta::assert_json_snapshot!(format!("show_json_{name}"), value);
    }
}

#[test]
fn show_fixture_reports_inside_only_details_as_unavailable() {
    for inode in ["4026532301", "4026532305"] {
        let out = show(&[inode, "--json"]);
        assert!(out.status.success(), "{}", stderr(&out));
        let value: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
        let unavailable = value["unavailable"].as_array().expect("unavailable list");
        assert_eq!(unavailable.len(), 1, "{value}");
        assert!(
            unavailable[0]
                .as_str()
                .is_some_and(|s| s.contains("fake proc root")),
            "{value}"
        );
    }
}

/// runtime, short id, pod uid
type Expected = Option<(&'static str, &'static str, Option<&'static str>)>;

/// One process per runtime's cgroup layout, each in its own UTS namespace (4026533000 + pid).
#[test]
fn show_attributes_containers_by_cgroup_path() {
    let uid = "5d7a9b1c-2e3f-4a5b-8c9d-0e1f2a3b4c5d";
    let table: &[(u32, Expected)] = &[
        (100, Some(("docker", "a1b2c3d4e5f6", None))),
        (101, Some(("docker", "b2b2c3d4e5f6", None))),
        (102, Some(("podman", "c3b2c3d4e5f6", None))),
        (103, Some(("containerd", "d4b2c3d4e5f6", Some(uid)))),
        (104, Some(("cri-o", "e5b2c3d4e5f6", Some(uid)))),
        (105, Some(("cri", "f6b2c3d4e5f6", Some(uid)))),
        (106, Some(("lxc", "web01", None))),
        (107, Some(("nspawn", "debian-bookworm", None))),
        // a truncated docker id, a pod directory with a malformed uid: no container
        (108, None),
        (109, None),
    ];
    let root = fixtures().join("show-containers/proc");
    for (pid, expected) in table {
        let inode = (4026533000 + pid).to_string();
        let out = nsview()
            .args(["show", &inode, "--json", "--proc-root"])
            .arg(&root)
            .output()
            .expect("run nsview");
        assert!(out.status.success(), "{pid}: {}", stderr(&out));
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
        let container = &json["container"];
        match expected {
            None => assert!(container.is_null(), "{pid}: {json}"),
            Some((runtime, short, pod)) => {
                let c = container;
                assert_eq!(c["runtime"], *runtime, "{pid}");
                assert_eq!(c["short_id"], *short, "{pid}");
                assert_eq!(c["pod_uid"].as_str(), *pod, "{pid}");
                // a fake proc root has no engine state files: the label is the cgroup path's
                assert_eq!(c["provenance"], "cgroup-path", "{pid}");
                // the matrix row: only UTS is the container's own
                let row = &json["container_namespaces"][0];
                for mark in row["namespaces"].as_array().expect("marks") {
                    let own = mark["kind"] == "uts";
                    assert_eq!(mark["shared_with_host"], !own, "{pid}: {mark}");
                }
            }
        }
    }
    let text = nsview()
        .args(["show", "4026533103", "--proc-root"])
        .arg(&root)
        .output()
        .expect("run nsview");
    let text = stdout(&text);
    assert!(
        text.contains(&format!(
            "container     containerd d4b2c3d4e5f6 pod {uid}, from the cgroup path\n"
        )),
        "{text}"
    );
    assert!(
        text.contains("container ns  d4b2c3d4e5f6: mnt=host net=host pid=host uts=own"),
        "{text}"
    );
}

#[test]
fn show_into_a_closed_pipe_exits_quietly() {
    use std::process::Stdio;
    for json in [false, true] {
        let mut cmd = nsview();
        cmd.args(["show", "4026532304", "--proc-root"])
            .arg(show_root())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if json {
            cmd.arg("--json");
        }
        let mut child = cmd.spawn().expect("spawn");
        drop(child.stdout.take()); // the reader goes away before anything is written
        let out = child.wait_with_output().expect("wait");
        assert_eq!(out.status.code(), Some(0), "json={json}: {}", stderr(&out));
        assert!(stderr(&out).is_empty(), "json={json}: {}", stderr(&out));
    }
}

#[test]
fn show_accepts_link_text_and_rejects_bad_input() {
    let out = show(&["uts:[4026532301]"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("uts:[4026532301]\n"));

    // A bad argument is a usage error (2); a namespace that is not there is a failure (1).
    for (args, message, code) in [
        (&["net:[4026532301]"][..], "is a uts namespace, not net", 1),
        (&["12345"][..], "no namespace with inode 12345", 1),
        (&["banana"][..], "invalid namespace 'banana'", 2),
        (&["net:[12"][..], "invalid namespace", 2),
    ] {
        let out = show(args);
        assert_eq!(out.status.code(), Some(code), "{args:?}");
        let err = stderr(&out);
        assert!(err.starts_with("nsview: "), "{err}");
        assert!(err.contains(message), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(out.stdout.is_empty());
    }
}

// ---------------------------------------------------------------------------------------------
// Live tests: root only; each creates its own namespaces around bounded sleepers and removes
// them (by pid) when done.

mod live {
    use std::io::Write;
    use std::path::{Path, PathBuf};
    use std::process::Command;
    use std::time::Duration;

    use nsview::details::{self, KindDetails, NamespaceDetails};
    use nsview::model::NsKind;
    use nsview::scan::{ScanOptions, scan};

    use crate::util::{Sleeper, nsview, own_ns, require_program, require_root, stderr, stdout};

    /// Held by every test that reads details in this process (threads that setns), so the
    /// test that inspects all our threads' namespaces never sees another test's reader.
    static IN_PROCESS_DETAILS: std::sync::Mutex<()> = std::sync::Mutex::new(());

    fn in_process_details() -> std::sync::MutexGuard<'static, ()> {
        IN_PROCESS_DETAILS
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn show_json(inode: u64) -> serde_json::Value {
        let out = nsview()
            .args(["show", &inode.to_string(), "--json"])
            .output()
            .expect("run nsview");
        assert!(out.status.success(), "{}", stderr(&out));
        serde_json::from_slice(&out.stdout).expect("JSON")
    }

    fn show_text(inode: u64) -> String {
        let out = nsview()
            .args(["show", &inode.to_string()])
            .output()
            .expect("run nsview");
        assert!(out.status.success(), "{}", stderr(&out));
        stdout(&out)
    }

    fn ready(test: &str) -> bool {
        require_root(test) && require_program(test, "unshare")
    }

    #[test]
    #[ignore = "needs root"]
    fn live_uts_hostname_set_inside() {
        if !ready("live_uts_hostname_set_inside") {
            return;
        }
        let name = format!("nsview-show-{}", std::process::id());
        let script = format!("hostname {name} && exec sleep 60");
        let sleeper = Sleeper::start(&["unshare", "--uts", "sh", "-c", &script]);
        let inode = sleeper.ns("uts");
        assert_ne!(inode, own_ns("uts"));
        let json = show_json(inode);
        assert_eq!(json["details"]["uts"]["hostname"], name.as_str(), "{json}");
        assert_eq!(json["unavailable"], serde_json::json!([]));
        assert!(show_text(inode).contains(&format!("hostname      {name}\n")));
        // the HOSTNAME list column
        let _guard = in_process_details();
        let snapshot = scan(&ScanOptions::default()).expect("scan");
        let names = details::column_values(
            &snapshot,
            Path::new("/proc"),
            details::ExtraColumn::Hostname,
        );
        assert_eq!(names.get(&inode), Some(&name));
        // our own hostname is untouched
        assert_ne!(
            rustix::system::uname().nodename().to_string_lossy(),
            name.as_str()
        );
    }

    #[test]
    #[ignore = "needs root"]
    fn live_netns_veth_with_assigned_address() {
        if !ready("live_netns_veth_with_assigned_address")
            || !require_program("live_netns_veth_with_assigned_address", "ip")
            || !require_program("live_netns_veth_with_assigned_address", "nsenter")
        {
            return;
        }
        let a = Sleeper::start(&["unshare", "--net", "sleep", "60"]);
        let b = Sleeper::start(&["unshare", "--net", "sleep", "60"]);
        let (net_a, net_b) = (a.ns("net"), b.ns("net"));
        assert_ne!(net_a, own_ns("net"));
        // Both ends are created inside namespaces this test owns: nothing on the host.
        let ip = |pid: i32, args: &str| {
            let status = Command::new("nsenter")
                .arg("-t")
                .arg(pid.to_string())
                .arg("-n")
                .arg("ip")
                .args(args.split_whitespace())
                .status()
                .expect("run ip");
            assert!(status.success(), "ip {args}");
        };
        ip(
            a.pid(),
            &format!("link add nsv-a type veth peer name nsv-b netns {}", b.pid()),
        );
        ip(a.pid(), "addr add 10.213.7.1/24 dev nsv-a");
        ip(a.pid(), "link set nsv-a address 02:00:5e:10:20:30");
        ip(a.pid(), "link set nsv-a up");
        ip(b.pid(), "link set nsv-b up");
        ip(a.pid(), "route add default via 10.213.7.2 dev nsv-a");

        let json = show_json(net_a);
        let net = &json["details"]["net"];
        assert_eq!(net["source"], "netlink", "{json}");
        let ifaces = net["interfaces"].as_array().expect("interfaces");
        let veth = ifaces
            .iter()
            .find(|i| i["name"] == "nsv-a")
            .unwrap_or_else(|| panic!("nsv-a missing: {json}"));
        assert_eq!(veth["kind"], "veth");
        assert_eq!(veth["mac"], "02:00:5e:10:20:30");
        assert!(
            veth["addresses"]
                .as_array()
                .expect("addresses")
                .contains(&serde_json::json!("10.213.7.1/24")),
            "{veth}"
        );
        assert_eq!(veth["peer"]["name"], "nsv-b", "{veth}");
        assert_eq!(veth["peer"]["netns"], net_b, "{veth}");
        assert!(ifaces.iter().any(|i| i["name"] == "lo"));
        let routes = net["default_routes"].as_array().expect("routes");
        assert!(
            routes
                .iter()
                .any(|r| r["gateway"] == "10.213.7.2" && r["device"] == "nsv-a"),
            "{routes:?}"
        );
        let text = show_text(net_a);
        assert!(text.contains("10.213.7.1/24"), "{text}");
        assert!(
            text.contains(&format!("peer nsv-b in net:[{net_b}]")),
            "{text}"
        );
    }

    #[test]
    #[ignore = "needs root"]
    fn live_user_namespace_uid_map() {
        if !ready("live_user_namespace_uid_map") {
            return;
        }
        let sleeper = Sleeper::start(&["unshare", "--user", "sleep", "60"]);
        // Root in the parent namespace may write any map (user_namespaces(7)).
        for (file, map) in [("uid_map", "0 1000 1\n"), ("gid_map", "0 1000 1\n")] {
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .open(format!("/proc/{}/{file}", sleeper.pid()))
                .expect("open map");
            f.write_all(map.as_bytes()).expect("write map");
        }
        let inode = sleeper.ns("user");
        let json = show_json(inode);
        let user = &json["details"]["user"];
        assert_eq!(
            user["uid_map"],
            serde_json::json!([{"inside": 0, "outside": 1000, "count": 1}]),
            "{json}"
        );
        assert_eq!(user["gid_map"][0]["outside"], 1000);
        assert_eq!(user["owner_uid"], 0);
        assert_eq!(user["depth"], 1, "{json}");
        assert_eq!(user["parent"], own_ns("user"));
        let text = show_text(inode);
        assert!(text.contains("uid map       0 → 1000, range 1\n"), "{text}");

        // the list-column helper
        let snapshot = scan(&ScanOptions::default()).expect("scan");
        let ns = snapshot.namespace(inode).expect("user ns in snapshot");
        assert_eq!(
            details::uid_map_summary(&snapshot, ns, Path::new("/proc")).as_deref(),
            Some("0→1000/1")
        );
    }

    #[test]
    #[ignore = "needs root"]
    fn live_pid_one_inside_a_new_pid_namespace() {
        if !ready("live_pid_one_inside_a_new_pid_namespace") {
            return;
        }
        // --kill-child: the sleeper (pid 1 inside) dies with unshare, which the guard kills.
        let unshare =
            Sleeper::start_forked(&["unshare", "--pid", "--fork", "--kill-child", "sleep", "60"]);
        let child = unshare.pid();
        let inode = unshare.ns("pid");
        assert_ne!(inode, own_ns("pid"));
        let json = show_json(inode);
        let pid = &json["details"]["pid"];
        assert_eq!(pid["init"]["pid"], child, "{json}");
        assert_eq!(pid["init"]["comm"], "sleep");
        let nspid = pid["init"]["nspid"].as_array().expect("nspid");
        assert_eq!(nspid.last(), Some(&serde_json::json!(1)));
        assert_eq!(nspid.first(), Some(&serde_json::json!(child)));
        assert!(child > 1);
        assert_eq!(pid["depth"], nspid.len() - 1);
        let text = show_text(inode);
        assert!(
            text.contains(&format!("init          pid {child} (sleep), pid 1 inside")),
            "{text}"
        );
    }

    #[test]
    #[ignore = "needs root"]
    fn live_time_namespace_offsets() {
        let test = "live_time_namespace_offsets";
        if !ready(test) {
            return;
        }
        if !Path::new("/proc/self/ns/time").exists() {
            panic!("{test}: kernel without time namespaces");
        }
        let help = Command::new("unshare")
            .arg("--help")
            .output()
            .expect("unshare");
        if !stdout(&help).contains("--monotonic") {
            panic!("{test}: unshare has no --monotonic");
        }
        let sleeper = Sleeper::start(&[
            "unshare",
            "--time",
            "--monotonic",
            "86400",
            "--boottime",
            "3600",
            "sleep",
            "60",
        ]);
        let inode = sleeper.ns("time");
        assert_ne!(inode, own_ns("time"));
        let json = show_json(inode);
        let offsets = &json["details"]["time"]["offsets"];
        assert_eq!(offsets["monotonic"]["seconds"], 86400, "{json}");
        assert_eq!(offsets["boottime"]["seconds"], 3600, "{json}");
        assert!(show_text(inode).contains("monotonic     +86400s 0ns"));
    }

    /// The cgroup2 mount point, from our mountinfo.
    fn cgroup2_mount() -> Option<PathBuf> {
        let text = std::fs::read_to_string("/proc/self/mountinfo").ok()?;
        text.lines().find_map(|line| {
            let (head, tail) = line.split_once(" - ")?;
            let point = head.split(' ').nth(4)?;
            tail.starts_with("cgroup2 ").then(|| PathBuf::from(point))
        })
    }

    /// A cgroup directory removed on drop (after its processes are gone).
    struct CgroupDir(PathBuf);

    impl Drop for CgroupDir {
        fn drop(&mut self) {
            for _ in 0..100 {
                if std::fs::remove_dir(&self.0).is_ok() || !self.0.exists() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }

    #[test]
    #[ignore = "needs root"]
    fn live_cgroup_namespace_root() {
        let test = "live_cgroup_namespace_root";
        if !ready(test) {
            return;
        }
        let Some(mount) = cgroup2_mount() else {
            panic!("{test}: no cgroup2 mount");
        };
        let name = format!("nsview-test-{}", std::process::id());
        let dir = mount.join(&name);
        if let Err(e) = std::fs::create_dir(&dir) {
            panic!("{test}: cannot create {}: {e}", dir.display());
        }
        let _cgroup = CgroupDir(dir.clone());
        // Where our own cgroup is, as a path in that hierarchy: the new one is its sibling
        // only if we are at the root; compute the expected path from what the kernel shows.
        let mut sleeper = Sleeper::spawn_with(
            &["sh", "-c", "read go; exec unshare --cgroup sleep 60"],
            |_| {},
        );
        std::fs::write(dir.join("cgroup.procs"), sleeper.pid().to_string())
            .expect("move the sleeper into the test cgroup");
        sleeper
            .stdin()
            .write_all(b"go\n")
            .expect("release the sleeper");
        sleeper.wait_for_sleep();
        let inode = sleeper.ns("cgroup");
        assert_ne!(inode, own_ns("cgroup"));
        let outside = std::fs::read_to_string(format!("/proc/{}/cgroup", sleeper.pid()))
            .expect("cgroup file");
        let expected = outside
            .lines()
            .find_map(|l| l.strip_prefix("0::"))
            .expect("unified line")
            .to_string();
        assert!(expected.ends_with(&format!("/{name}")), "{expected}");
        let json = show_json(inode);
        let cgroup = &json["details"]["cgroup"];
        assert_eq!(cgroup["root"], expected.as_str(), "{json}");
        assert_eq!(cgroup["method"], "setns", "{json}");
        drop(sleeper);
    }

    #[test]
    #[ignore = "needs root"]
    fn live_ipc_counts_from_inside() {
        let test = "live_ipc_counts_from_inside";
        if !ready(test) || !require_program(test, "ipcmk") {
            return;
        }
        let sleeper = Sleeper::start(&[
            "unshare",
            "--ipc",
            "sh",
            "-c",
            "ipcmk -M 4096 && ipcmk -Q && ipcmk -Q && exec sleep 60",
        ]);
        let json = show_json(sleeper.ns("ipc"));
        let ipc = &json["details"]["ipc"];
        assert_eq!(ipc["shared_memory"], 1, "{json}");
        assert_eq!(ipc["message_queues"], 2, "{json}");
        assert_eq!(ipc["semaphores"], 0, "{json}");
    }

    /// Every thread's ns links, by tid.
    fn own_thread_links() -> Vec<(String, Vec<(String, String)>)> {
        let mut out = Vec::new();
        for task in std::fs::read_dir("/proc/self/task")
            .expect("task dir")
            .flatten()
        {
            // A thread of another test may exit while we look: skip it, it is gone.
            let Ok(ns_dir) = std::fs::read_dir(task.path().join("ns")) else {
                continue;
            };
            let mut links = Vec::new();
            for link in ns_dir.flatten() {
                if let Ok(target) = std::fs::read_link(link.path()) {
                    links.push((
                        link.file_name().to_string_lossy().into_owned(),
                        target.to_string_lossy().into_owned(),
                    ));
                }
            }
            links.sort();
            out.push((task.file_name().to_string_lossy().into_owned(), links));
        }
        out.sort();
        out
    }

    #[test]
    #[ignore = "needs root"]
    fn live_detail_pass_leaves_our_namespaces_alone() {
        let test = "live_detail_pass_leaves_our_namespaces_alone";
        if !ready(test) {
            return;
        }
        let sleeper = Sleeper::start(&[
            "unshare", "--uts", "--ipc", "--net", "--cgroup", "--mount", "sleep", "60",
        ]);
        let _guard = in_process_details();
        let before = own_thread_links();
        let main_links = before
            .iter()
            .find(|(tid, _)| *tid == std::process::id().to_string())
            .map(|(_, l)| l.clone())
            .expect("main thread");

        let snapshot = scan(&ScanOptions::default()).expect("scan");
        let process = snapshot.process(sleeper.pid()).expect("sleeper scanned");
        let mut seen = Vec::new();
        for kind in NsKind::ALL {
            let Some(inode) = process.ns(kind) else {
                continue;
            };
            let found: NamespaceDetails =
                details::read(&snapshot, inode, Path::new("/proc")).expect("details");
            seen.push((kind, found));
        }
        // The inside readers really ran in the sleeper's namespaces ...
        let uts = seen
            .iter()
            .find_map(|(_, d)| match &d.details {
                KindDetails::Uts(u) => Some(u.clone()),
                _ => None,
            })
            .expect("uts details");
        assert!(uts.hostname.is_some());
        let net = seen
            .iter()
            .find_map(|(_, d)| match &d.details {
                KindDetails::Net(n) => Some(n.clone()),
                _ => None,
            })
            .expect("net details");
        // A fresh netns has only lo, which proves the netlink socket was made inside it.
        let names: Vec<&str> = net.interfaces.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, ["lo"]);
        let ns = snapshot
            .namespace(process.ns(NsKind::Uts).expect("uts"))
            .expect("ns");
        assert_eq!(
            details::hostname_of(&snapshot, ns, Path::new("/proc")),
            uts.hostname
        );

        // ... and no thread of ours stayed anywhere else. Other tests in this process may have
        // a detail reader of their own inside some namespace at this moment (it leaves within
        // its deadline); a thread our pass left behind would stay, so wait a bounded time for
        // every thread to be home and fail on what is still away.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let after = own_thread_links();
            let away: Vec<&(String, Vec<(String, String)>)> = after
                .iter()
                .filter(|(tid, links)| {
                    let changed = before
                        .iter()
                        .find(|(t, _)| t == tid)
                        .is_some_and(|(_, old)| links != old);
                    changed || links != &main_links
                })
                .collect();
            let detail_alive = after.iter().any(|(tid, _)| {
                before.iter().all(|(t, _)| t != tid)
                    && std::fs::read_to_string(format!("/proc/self/task/{tid}/comm"))
                        .is_ok_and(|c| c.starts_with("nsview-"))
            });
            if away.is_empty() && !detail_alive {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "threads not in our namespaces: {away:?}; a detail thread still alive: {detail_alive}"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }
}
