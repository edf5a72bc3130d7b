//! Live discovery tests: namespaces that no process is a member of, each built by the test
//! (root only), found by the scanner with the right holder, then torn down.

use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::process::CommandExt;

use nsview::model::{Holder, NsKind, Snapshot};
use nsview::scan::{ScanOptions, scan};

use crate::util::{NamedNetns, Sleeper, ns_inode, require_program, require_root};

fn live_scan() -> Snapshot {
    scan(&ScanOptions::default()).expect("scan /proc")
}

/// Asserts the namespace exists with the given type, has no member process, and has a holder
/// that satisfies `pred`; returns its holders for further checks.
fn assert_held(
    snapshot: &Snapshot,
    inode: u64,
    kind: NsKind,
    what: &str,
    pred: impl Fn(&Holder) -> bool,
) {
    let ns = snapshot
        .namespace(inode)
        .unwrap_or_else(|| panic!("{what}: namespace {inode} not found"));
    assert_eq!(ns.kind, kind, "{what}: type");
    assert!(
        ns.members.is_empty(),
        "{what}: expected no member process, got {:?}",
        ns.members
    );
    assert!(
        ns.holders.iter().any(pred),
        "{what}: holder missing in {:?}",
        ns.holders
    );
}

/// Opens a namespace file of a process and keeps it open in this test process.
fn open_ns(pid: i32, kind: &str) -> OwnedFd {
    let path = nsview::kernel::NsPath::ProcLink(format!("/proc/{pid}/ns/{kind}").into());
    nsview::kernel::nsfs::open(&path, None)
        .expect("open ns file")
        .into_fd()
}

/// Starts `sleep` with `fds` installed as fds 3, 4, ... (and nothing else inherited).
fn sleeper_holding(fds: &[&OwnedFd]) -> Sleeper {
    assert!(fds.len() <= 8, "at most 8 fds");
    let raw: Vec<i32> = fds.iter().map(|fd| fd.as_raw_fd()).collect();
    Sleeper::start_with(&["sleep", "60"], move |cmd| {
        // SAFETY: only async-signal-safe fcntl/dup2 calls between fork and exec.
        unsafe {
            cmd.pre_exec(move || {
                // First copy every fd above the targets, so that no source is clobbered and no
                // source already sits on its target (dup2(3, 3) would keep O_CLOEXEC).
                // A fixed array: no allocation between fork and exec.
                let mut high = [-1i32; 8];
                for (slot, fd) in high.iter_mut().zip(&raw) {
                    *slot = libc::fcntl(*fd, libc::F_DUPFD_CLOEXEC, 64);
                    if *slot < 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                }
                for (i, fd) in high.iter().take(raw.len()).enumerate() {
                    if libc::dup2(*fd, 3 + i as i32) < 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                }
                Ok(())
            });
        }
    })
}

/// Starts a process in a new private mount namespace that bind-mounts `pid`'s netns onto
/// `/mnt/netns`, on a tmpfs only that namespace sees. The host's mounts are untouched.
fn private_netns_bind_mount(pid: i32) -> Sleeper {
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

/// `nsview enter` reaches the namespace through whatever holds it: inside,
/// `readlink /proc/self/ns/KIND` names exactly that namespace.
fn assert_enters(inode: u64, kind: &str) {
    let output = crate::util::nsview()
        .args([
            "enter",
            &inode.to_string(),
            "readlink",
            &format!("/proc/self/ns/{kind}"),
        ])
        .output()
        .expect("nsview enter");
    assert!(
        output.status.success(),
        "enter {kind}:[{inode}]: {}",
        crate::util::stderr(&output)
    );
    assert_eq!(
        crate::util::stdout(&output).trim(),
        format!("{kind}:[{inode}]")
    );
}

#[test]
#[ignore = "needs root"]
fn netns_held_only_by_ip_netns_bind_mount() {
    if !require_root("netns_held_only_by_ip_netns_bind_mount")
        || !require_program("netns_held_only_by_ip_netns_bind_mount", "ip")
    {
        return;
    }
    let netns = NamedNetns::add("nsview-holders");
    let inode = netns.inode();
    let snapshot = live_scan();
    let path = netns.path().to_string_lossy().into_owned();
    assert_held(
        &snapshot,
        inode,
        NsKind::Net,
        "ip netns",
        |h| matches!(h, Holder::BindMount { path: p, .. } if *p == path),
    );
    let ns = snapshot.namespace(inode).expect("found");
    assert!(
        ns.nsfs_paths.contains(&path),
        "NSFS path in our own mount namespace: {:?}",
        ns.nsfs_paths
    );
    // A process-less netns still has an owner (the initial user namespace).
    assert!(ns.owner.is_some(), "owner through NS_GET_USERNS");
    // NETNSID (lsns's column): the id `ip netns set NAME auto` gives it, as `ip` reports it.
    let set = std::process::Command::new("ip")
        .args(["netns", "set", &netns.name, "auto"])
        .status()
        .expect("ip netns set");
    assert!(set.success());
    let listed = std::process::Command::new("ip")
        .args(["netns", "list"])
        .output()
        .expect("ip netns list");
    let id: String = crate::util::stdout(&listed)
        .lines()
        .find(|l| l.starts_with(&format!("{} ", netns.name)))
        .and_then(|l| l.split("(id: ").nth(1))
        .map(|rest| rest.trim_end_matches(')').to_string())
        .expect("ip shows the id");
    let output = crate::util::nsview()
        .args(["--list", "-r", "-n", "-t", "net", "-o", "NS,NETNSID"])
        .output()
        .expect("nsview");
    let row = format!("{inode} {id}");
    assert!(
        crate::util::stdout(&output).lines().any(|l| l == row),
        "{row} in {}",
        crate::util::stdout(&output)
    );
}

#[test]
#[ignore = "needs root"]
fn net_and_uts_held_only_by_open_fds() {
    if !require_root("net_and_uts_held_only_by_open_fds") {
        return;
    }
    let creator = Sleeper::start(&["unshare", "--net", "--uts", "sleep", "60"]);
    let (net, uts) = (creator.ns("net"), creator.ns("uts"));
    let net_fd = open_ns(creator.pid, "net");
    let uts_fd = open_ns(creator.pid, "uts");
    let holder = sleeper_holding(&[&net_fd, &uts_fd]);
    drop((net_fd, uts_fd));
    creator.stop();

    let snapshot = live_scan();
    assert_held(&snapshot, net, NsKind::Net, "net fd", |h| {
        *h == Holder::Fd {
            pid: holder.pid,
            fd: 3,
        }
    });
    assert_held(&snapshot, uts, NsKind::Uts, "uts fd", |h| {
        *h == Holder::Fd {
            pid: holder.pid,
            fd: 4,
        }
    });
}

#[test]
#[ignore = "needs root"]
fn netns_held_only_by_a_socket() {
    if !require_root("netns_held_only_by_a_socket") {
        return;
    }
    let creator = Sleeper::start(&["unshare", "--net", "sleep", "60"]);
    let net = creator.ns("net");
    // The sleeper makes the socket itself, between fork and exec: it steps into the netns,
    // creates the socket, steps back and execs with the socket on fd 3. A socket keeps the
    // netns it was created in, whatever namespace its owner sits in. (No thread of the test
    // process ever leaves its namespaces: other tests check that.)
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
    assert_eq!(
        ns_inode(holder.pid, "net"),
        ns_inode(std::process::id() as i32, "net")
    );
    creator.stop();

    let snapshot = live_scan();
    assert_held(&snapshot, net, NsKind::Net, "socket", |h| {
        *h == Holder::Socket {
            pid: holder.pid,
            fd: 3,
        }
    });
    // Opened through the socket, the relations are filled too (lsns's USER column for it).
    let ns = snapshot.namespace(net).expect("netns");
    assert!(ns.owner.is_some(), "socket-only netns has no owner: {ns:?}");
    assert!(ns.ns_id.is_some(), "socket-only netns has no id: {ns:?}");
    assert_enters(net, "net");
}

#[test]
#[ignore = "needs root"]
fn netns_fd_opened_through_a_bind_path_that_is_gone() {
    if !require_root("netns_fd_opened_through_a_bind_path_that_is_gone") {
        return;
    }
    // lsns's `filedesc` test: the fd was opened through /run/netns/NAME, so it reads back as
    // that path (or `/` once unmounted), never as `net:[N]`; it is an nsfs file all the same.
    let netns = NamedNetns::add("nsview-fdpath");
    let inode = netns.inode();
    let fd = OwnedFd::from(std::fs::File::open(netns.path()).expect("open bind path"));
    let holder = sleeper_holding(&[&fd]);
    drop(fd);
    drop(netns);
    let link = std::fs::read_link(format!("/proc/{}/fd/3", holder.pid)).expect("fd link");
    assert!(
        !link.to_string_lossy().starts_with("net:["),
        "the test needs a path-like link, got {link:?}"
    );
    let snapshot = live_scan();
    assert_held(&snapshot, inode, NsKind::Net, "fd via a bind path", |h| {
        *h == Holder::Fd {
            pid: holder.pid,
            fd: 3,
        }
    });
    let ns = snapshot.namespace(inode).expect("netns");
    assert!(ns.owner.is_some(), "{ns:?}");
}

#[test]
#[ignore = "needs root"]
fn uts_held_only_by_a_non_leader_thread() {
    if !require_root("uts_held_only_by_a_non_leader_thread") {
        return;
    }
    let creator = Sleeper::start(&["unshare", "--uts", "sleep", "60"]);
    let uts = creator.ns("uts");
    // A separate process (this test binary, running the helper below) moves one of its threads
    // into the uts namespace; the test process itself never leaves its own namespaces, so
    // tests running beside it see it unchanged.
    let mut helper = std::process::Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "--ignored",
            "--exact",
            "holders::thread_in_namespace_helper",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(
            "NSVIEW_TEST_NS_PATH",
            format!("/proc/{}/ns/uts", creator.pid),
        )
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("helper");
    let helper_pid = helper.id() as i32;
    let _reap = crate::util::Forked { pid: helper_pid };
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(
        helper.stdout.take().expect("stdout"),
    ));
    let tid: i32 = lines
        .find_map(|line| line.ok()?.rsplit_once("tid=")?.1.trim().parse().ok())
        .expect("helper reports its thread id");
    creator.stop();

    let snapshot = live_scan();
    assert_enters(uts, "uts");
    let _ = helper.kill();
    let _ = helper.wait();
    assert_held(&snapshot, uts, NsKind::Uts, "thread", |h| {
        *h == Holder::Thread {
            pid: helper_pid,
            tid,
        }
    });
    let process = snapshot.process(helper_pid).expect("the helper process");
    assert!(
        process
            .odd_threads
            .iter()
            .any(|t| t.tid == tid && t.links.get(NsKind::Uts) == Some(uts))
    );
}

/// Not a test: the helper process for `uts_held_only_by_a_non_leader_thread`. One thread enters
/// the namespace at `NSVIEW_TEST_NS_PATH`, prints its tid and waits (60 s at most).
#[test]
#[ignore = "helper process, run by uts_held_only_by_a_non_leader_thread"]
fn thread_in_namespace_helper() {
    let Some(path) = std::env::var_os("NSVIEW_TEST_NS_PATH") else {
        return;
    };
    let fd = nsview::kernel::nsfs::open(&nsview::kernel::NsPath::ProcLink(path.into()), None)
        .expect("open ns")
        .into_fd();
    let thread = std::thread::spawn(move || {
        nix::sched::setns(&fd, nix::sched::CloneFlags::empty()).expect("setns");
        println!("tid={}", nix::unistd::gettid().as_raw());
        std::thread::sleep(std::time::Duration::from_secs(60));
    });
    let _ = thread.join();
}

#[test]
#[ignore = "needs root"]
fn time_namespace_held_only_by_time_for_children() {
    if !require_root("time_namespace_held_only_by_time_for_children") {
        return;
    }
    if ns_inode(std::process::id() as i32, "time").is_none() {
        panic!("time_namespace_held_only_by_time_for_children: kernel has no time namespaces");
    }
    // execve moves a process into its time_for_children namespace, so the holder must not
    // exec: a forked child unshares and waits (alarm(60) bounds its life).
    // SAFETY: the child only makes async-signal-safe calls (alarm, unshare, pause, _exit).
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork");
    if pid == 0 {
        // SAFETY: in the forked child, only async-signal-safe calls, and it never returns.
        unsafe {
            libc::alarm(60);
            if libc::unshare(libc::CLONE_NEWTIME) != 0 {
                libc::_exit(1);
            }
            loop {
                libc::pause();
            }
        }
    }
    let holder = crate::util::Forked { pid };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let own = ns_inode(pid, "time").expect("time link");
    let time = loop {
        match ns_inode(pid, "time_for_children") {
            Some(t) if t != own => break t,
            _ => {
                assert!(
                    std::time::Instant::now() < deadline,
                    "child never unshared its time namespace"
                );
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
        }
    };

    let snapshot = live_scan();
    assert_held(&snapshot, time, NsKind::Time, "time_for_children", |h| {
        *h == Holder::ForChildren { pid: holder.pid }
    });
    assert_enters(time, "time");
}

#[test]
#[ignore = "needs root"]
fn netns_bind_mounted_inside_a_private_mount_namespace() {
    if !require_root("netns_bind_mounted_inside_a_private_mount_namespace") {
        return;
    }
    let creator = Sleeper::start(&["unshare", "--net", "sleep", "60"]);
    let net = creator.ns("net");
    // Everything below happens inside the new mount namespace: a private tmpfs over /mnt, a
    // file on it, and the netns bind-mounted onto that file. The host sees none of it.
    let holder = private_netns_bind_mount(creator.pid);
    let holder_mnt = holder.ns("mnt");
    creator.stop();

    let snapshot = live_scan();
    assert_held(
        &snapshot,
        net,
        NsKind::Net,
        "private bind mount",
        |h| matches!(h, Holder::BindMount { mnt_ns: Some(m), path, .. } if *m == holder_mnt && path == "/mnt/netns"),
    );
    let ns = snapshot.namespace(net).expect("found");
    assert!(
        ns.nsfs_paths.is_empty(),
        "not visible in our own mount namespace: {:?}",
        ns.nsfs_paths
    );
    assert_enters(net, "net");
}

#[test]
#[ignore = "needs root"]
fn hidden_intermediate_user_namespace() {
    if !require_root("hidden_intermediate_user_namespace") {
        return;
    }
    // Outer user namespace U1 holds no process: its only trace is being U2's parent.
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
    let snapshot = live_scan();
    let inner_ns = snapshot.namespace(inner).expect("inner user namespace");
    let hidden = inner_ns.parent.expect("inner user namespace has a parent");
    let own_user = ns_inode(std::process::id() as i32, "user").expect("own user ns");
    assert_ne!(
        hidden, own_user,
        "the parent is the intermediate namespace, not the initial one"
    );
    assert_held(&snapshot, hidden, NsKind::User, "hidden user ns", |h| {
        *h == Holder::Child { inode: inner }
    });
    let hidden_ns = snapshot.namespace(hidden).expect("hidden");
    assert_eq!(hidden_ns.parent, Some(own_user));
    assert_eq!(hidden_ns.owner_uid, Some(0), "created by root");
    // Nothing but a parent link leads there: enter resolves it through NS_GET_PARENT.
    assert_enters(hidden, "user");
}

#[test]
#[ignore = "needs root"]
fn bind_mount_inside_a_process_less_mount_namespace() {
    if !require_root("bind_mount_inside_a_process_less_mount_namespace") {
        return;
    }
    let own_mnt = open_ns(std::process::id() as i32, "mnt");
    if nsview::scan::mounts::nsfs_mounts_everywhere(&own_mnt).is_none() {
        panic!("bind_mount_inside_a_process_less_mount_namespace: no NS_MNT_GET_NEXT/listmount");
    }
    let creator = Sleeper::start(&["unshare", "--net", "sleep", "60"]);
    let net = creator.ns("net");
    let mounter = private_netns_bind_mount(creator.pid);
    let mnt = mounter.ns("mnt");
    // Only an fd keeps the mount namespace alive; only its bind mount keeps the netns alive.
    let mnt_fd = open_ns(mounter.pid, "mnt");
    let fd_holder = sleeper_holding(&[&mnt_fd]);
    drop(mnt_fd);
    mounter.stop();
    creator.stop();

    let snapshot = live_scan();
    assert_held(&snapshot, mnt, NsKind::Mnt, "mount ns fd", |h| {
        *h == Holder::Fd {
            pid: fd_holder.pid,
            fd: 3,
        }
    });
    assert_held(
        &snapshot,
        net,
        NsKind::Net,
        "bind mount in a process-less mount ns",
        |h| matches!(h, Holder::BindMount { mnt_ns: Some(m), path, via_pid: None } if *m == mnt && path == "/mnt/netns"),
    );
}

#[test]
#[ignore = "needs root"]
fn unprivileged_list_says_the_view_is_partial() {
    let test = "unprivileged_list_says_the_view_is_partial";
    if !require_root(test) || !require_program(test, "setpriv") {
        return;
    }
    // A process of root's that nobody may not look into, so there is always something hidden.
    let hidden = Sleeper::start(&["unshare", "--uts", "sleep", "60"]);
    let output = std::process::Command::new("setpriv")
        .args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "--inh-caps=-all",
            "--bounding-set=-all",
        ])
        .arg(env!("CARGO_BIN_EXE_nsview"))
        .arg("--list")
        .env("NO_COLOR", "1")
        .output()
        .expect("setpriv");
    let stderr = crate::util::stderr(&output);
    if stderr.contains("Permission denied") && !output.status.success() && output.stdout.is_empty()
    {
        panic!("{test}: nobody cannot execute the test binary here: {stderr}");
    }
    assert!(
        output.status.success(),
        "exit 0 for a partial view: {stderr}"
    );
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line on stderr: {stderr}");
    assert!(
        lines[0].starts_with("nsview: partial view: could not read "),
        "{stderr}"
    );
    assert!(lines[0].contains("(permission denied)"), "{stderr}");
    assert!(
        lines[0].ends_with("CAP_SYS_PTRACE and CAP_SYS_ADMIN would complete it"),
        "{stderr}"
    );
    // stdout is still a well-formed lsns table of what nobody can see, without root's sleeper.
    let stdout = crate::util::stdout(&output);
    assert!(stdout.starts_with("        NS TYPE"), "{stdout}");
    assert!(
        !stdout.contains(&hidden.ns("uts").to_string()),
        "root's private uts namespace is not visible"
    );
}

/// Short-lived mount namespaces (`unshare --mount true`) made and destroyed on background
/// threads until stopped (or a hard time cap), as parallel tests and container starts do.
/// Drop stops and joins the threads; every child is waited for by the thread that made it.
struct MountNsChurn {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    threads: Vec<std::thread::JoinHandle<usize>>,
}

impl MountNsChurn {
    fn start(threads: usize, cap: std::time::Duration) -> MountNsChurn {
        use std::sync::atomic::Ordering;
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let deadline = std::time::Instant::now() + cap;
        let threads = (0..threads)
            .map(|_| {
                let stop = stop.clone();
                std::thread::spawn(move || {
                    let mut spawned = 0;
                    while !stop.load(Ordering::Relaxed) && std::time::Instant::now() < deadline {
                        let status = std::process::Command::new("unshare")
                            .args(["--mount", "true"])
                            .stdin(std::process::Stdio::null())
                            .status();
                        if status.is_ok() {
                            spawned += 1;
                        }
                    }
                    spawned
                })
            })
            .collect();
        MountNsChurn { stop, threads }
    }

    /// Stops the churn; how many mount namespaces it made.
    fn stop(mut self) -> usize {
        self.join()
    }

    fn join(&mut self) -> usize {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        self.threads.drain(..).map(|t| t.join().unwrap_or(0)).sum()
    }
}

impl Drop for MountNsChurn {
    fn drop(&mut self) {
        self.join();
    }
}

/// The race podman's kill -9 test hit: a mount namespace that vanishes between the scanner's
/// NS_MNT_GET_NEXT walk and its listmount must not hide the bind mounts of every other mount
/// namespace. Before the fix one listmount ENOENT dropped the whole iterator result, and the
/// mountinfo fallback cannot see a mount namespace no process is in.
#[test]
#[ignore = "needs root"]
fn vanishing_mount_namespaces_hide_no_bind_mount() {
    let test = "vanishing_mount_namespaces_hide_no_bind_mount";
    if !require_root(test) || !require_program(test, "unshare") || !require_program(test, "ip") {
        return;
    }
    let own_mnt = open_ns(std::process::id() as i32, "mnt");
    if nsview::scan::mounts::nsfs_mounts_everywhere(&own_mnt).is_none() {
        panic!("{test}: no NS_MNT_GET_NEXT/listmount");
    }
    drop(own_mnt);
    let churn = MountNsChurn::start(3, std::time::Duration::from_secs(60));
    // A pin in our own mount namespace, as podman's /run/netns/netns-<uuid>.
    let named = NamedNetns::add("nsview-race");
    let (named_inode, named_path) = (named.inode(), named.path().display().to_string());
    // And one in a mount namespace no process is in, made while the churn runs, so that
    // short-lived mount namespaces lie on both sides of it in the kernel's id order.
    let creator = Sleeper::start(&["unshare", "--net", "sleep", "60"]);
    let net = creator.ns("net");
    let mounter = private_netns_bind_mount(creator.pid);
    let mnt = mounter.ns("mnt");
    let mnt_fd = open_ns(mounter.pid, "mnt");
    let _fd_holder = sleeper_holding(&[&mnt_fd]);
    drop(mnt_fd);
    mounter.stop();
    creator.stop();

    let started = std::time::Instant::now();
    let mut scans = 0;
    while scans < 60 && started.elapsed() < std::time::Duration::from_secs(30) {
        let snapshot = live_scan();
        scans += 1;
        let own = snapshot
            .namespace(named_inode)
            .unwrap_or_else(|| panic!("scan {scans}: {named_path} not found"));
        assert!(
            own.holders
                .iter()
                .any(|h| matches!(h, Holder::BindMount { path, .. } if *path == named_path)),
            "scan {scans}: {named_path} not a holder: {:?}",
            own.holders
        );
        assert_held(
            &snapshot,
            net,
            NsKind::Net,
            &format!("scan {scans}: bind mount in a process-less mount ns"),
            |h| matches!(h, Holder::BindMount { mnt_ns: Some(m), path, via_pid: None } if *m == mnt && path == "/mnt/netns"),
        );
    }
    let spawned = churn.stop();
    assert!(scans >= 10, "only {scans} scans");
    assert!(spawned > 0, "the churn made no mount namespace");
    eprintln!("{test}: {scans} scans, {spawned} mount namespaces churned");
}
