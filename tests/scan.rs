//! The scanner on fake /proc trees built in temp dirs: every per-entry oddity is data, the
//! scan never fails because of one entry, and holders come out of fds, tasks and mountinfo.

use std::fs;
use std::os::unix::fs::symlink;
use std::path::PathBuf;

use nsview::model::{Holder, Link, NsKind, ReadError};
use nsview::scan::{ScanOptions, scan};

use crate::util::{FakeProc, HOST, link_ns, with};

#[test]
fn groups_processes_and_reads_fields() {
    let fake = FakeProc::new();
    fake.process(1, "init", b"/sbin/init\0splash\0", &HOST);
    fake.process(2, "kthreadd", b"", &HOST);
    fake.process(
        300,
        "my (weird) name",
        b"sleep\x00100\x00",
        &with(&HOST, &[("net", 4026532500)]),
    );
    fake.process(
        301,
        "bad",
        b"caf\xe9\0",
        &with(
            &HOST,
            &[("net", 4026532500), ("pid_for_children", 4026531836)],
        ),
    );

    let snapshot = scan(&fake.options()).expect("scan");
    assert_eq!(snapshot.processes.len(), 4);
    assert!(snapshot.gaps.is_empty(), "{:?}", snapshot.gaps);
    let net = snapshot.namespace(4026532500).expect("new netns");
    assert_eq!(net.kind, NsKind::Net);
    assert_eq!(net.members, vec![300, 301]);
    assert_eq!(net.lowest_pid(), Some(300));
    assert_eq!(
        snapshot.namespace(4026531840).expect("host net").members,
        vec![1, 2]
    );
    assert_eq!(
        snapshot.process(2).expect("kthread").command,
        "kthreadd",
        "empty cmdline falls back to comm"
    );
    assert_eq!(snapshot.process(300).expect("p").comm, "my (weird) name");
    assert_eq!(snapshot.process(300).expect("p").command, "sleep 100");
    assert_eq!(snapshot.process(301).expect("p").command, "caf\u{fffd}");
    let me = nix::unistd::geteuid().as_raw();
    assert_eq!(
        snapshot.process(300).expect("p").uid,
        me,
        "UID is the owner of /proc/PID"
    );
    assert_eq!(
        snapshot.user_names.get(&me).map(String::as_str),
        Some("fixture-owner"),
        "passwd beside the fake root"
    );
}

#[test]
fn a_scan_without_owners_reads_no_uid_and_names_no_user() {
    let fake = FakeProc::new();
    fake.process(1, "init", b"/sbin/init\0", &HOST);
    fake.process(
        300,
        "sleep",
        b"sleep\x00100\x00",
        &with(&HOST, &[("net", 4026532500)]),
    );
    let options = ScanOptions {
        owners: false,
        ..fake.options()
    };
    let snapshot = scan(&options).expect("scan");
    assert_eq!(snapshot.processes.len(), 2);
    for process in snapshot.processes.values() {
        assert_eq!(
            process.uid,
            nsview::model::Process::UID_NOT_READ,
            "{process:?}"
        );
    }
    assert!(snapshot.user_names.is_empty(), "{:?}", snapshot.user_names);
    // Everything else as with owners: members, commands.
    let with_owners = scan(&fake.options()).expect("scan");
    assert_eq!(snapshot.namespaces, with_owners.namespaces);
    assert_eq!(
        snapshot.process(300).map(|p| &p.command),
        with_owners.process(300).map(|p| &p.command)
    );
}

#[test]
fn zombies_missing_links_and_broken_entries_are_data() {
    let fake = FakeProc::new();
    fake.process(1, "init", b"/sbin/init\0", &HOST);
    // A zombie: stat says Z and there are no ns links at all.
    fake.process_with(40, "defunct", 'Z', 1, b"", &[]);
    // pid_for_children absent (fresh pid namespace without its first process).
    fake.process(41, "unshare", b"unshare\0--pid\0", &HOST);
    // A process that vanished between readdir and open: a dangling directory entry.
    symlink("/nonexistent/42", fake.root.join("42")).expect("dangling");
    // A stat that is garbage.
    let garbled = fake.process(43, "x", b"x\0", &HOST);
    fs::write(garbled.join("stat"), "43 (x").expect("garble");
    // A link whose text is not a namespace.
    let odd = fake.process(44, "odd", b"odd\0", &HOST);
    fs::remove_file(odd.join("ns/uts")).expect("rm");
    symlink("not-a-namespace", odd.join("ns/uts")).expect("odd link");
    // Non-numeric entries are not processes.
    fs::create_dir_all(fake.root.join("sys")).expect("sys");
    fs::write(fake.root.join("uptime"), "1 1\n").expect("uptime");

    let snapshot = scan(&fake.options()).expect("a broken entry never fails the scan");
    let zombie = snapshot.process(40).expect("zombie kept");
    assert!(zombie.is_zombie());
    assert!(zombie.links.current.iter().all(|l| *l == Link::Absent));
    assert_eq!(
        snapshot.process(41).expect("p").links.pid_for_children,
        Link::Absent
    );
    assert!(snapshot.process(42).is_none());
    assert!(snapshot.process(43).is_none());
    assert_eq!(
        snapshot.process(44).expect("p").links.current[NsKind::Uts.index()],
        Link::Unreadable(ReadError::Other(libc::EINVAL))
    );
    assert_eq!(snapshot.gaps.vanished.processes, 1, "{:?}", snapshot.gaps);
    assert_eq!(snapshot.gaps.other.processes, 1, "{:?}", snapshot.gaps);
    assert_eq!(snapshot.gaps.other.ns_links, 1, "{:?}", snapshot.gaps);
    assert_eq!(snapshot.gaps.denied.processes, 0);
    assert!(
        !snapshot
            .namespace(4026531838)
            .expect("uts")
            .members
            .contains(&44)
    );
}

#[test]
fn threads_fds_for_children_and_mounts_become_holders() {
    let fake = FakeProc::new();
    let init = fake.process(1, "init", b"/sbin/init\0", &HOST);
    symlink("1", fake.root.join("self")).expect("self");
    fs::write(
        init.join("mountinfo"),
        "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n\
         600 22 0:4 net:[4026532600] /run/netns/blue rw shared:5 - nsfs nsfs rw\n",
    )
    .expect("mountinfo");
    // pid 50: two threads, one of them in another uts namespace; fds on a uts ns and a socket;
    // time_for_children pointing at a time namespace nobody is in yet.
    let p50 = fake.process_with(
        50,
        "svc",
        'S',
        2,
        b"svc\0",
        &with(&HOST, &[("time_for_children", 4026532700)]),
    );
    for (tid, uts) in [(50, 4026531838u64), (51, 4026532800)] {
        let task = p50.join(format!("task/{tid}/ns"));
        fs::create_dir_all(&task).expect("task");
        for (name, inode) in with(&HOST, &[("uts", uts)]) {
            link_ns(&task, name, name, inode);
        }
        fs::write(p50.join(format!("task/{tid}/comm")), "worker\n").expect("comm");
    }
    fs::create_dir_all(p50.join("fd")).expect("fd");
    symlink("uts:[4026532900]", p50.join("fd/7")).expect("fd 7");
    symlink("socket:[12345]", p50.join("fd/8")).expect("fd 8");
    symlink("/dev/null", p50.join("fd/0")).expect("fd 0");

    let snapshot = scan(&fake.options()).expect("scan");
    let holders = |inode| {
        snapshot
            .namespace(inode)
            .map(|ns| ns.holders.clone())
            .unwrap_or_default()
    };
    assert_eq!(
        holders(4026532800),
        vec![Holder::Thread { pid: 50, tid: 51 }]
    );
    assert_eq!(holders(4026532900), vec![Holder::Fd { pid: 50, fd: 7 }]);
    assert_eq!(holders(4026532700), vec![Holder::ForChildren { pid: 50 }]);
    assert_eq!(
        snapshot.namespace(4026532700).map(|ns| ns.kind),
        Some(NsKind::Time)
    );
    assert_eq!(
        holders(4026532600),
        vec![Holder::BindMount {
            mnt_ns: Some(4026531841),
            path: "/run/netns/blue".into(),
            via_pid: Some(1)
        }]
    );
    assert_eq!(
        snapshot.namespace(4026532600).expect("blue").nsfs_paths,
        vec!["/run/netns/blue".to_string()]
    );
    let svc = snapshot.process(50).expect("svc");
    assert_eq!(
        svc.odd_threads.len(),
        1,
        "only the thread that differs is kept"
    );
    assert_eq!(svc.odd_threads[0].comm, "worker");
}

#[test]
fn unreadable_proc_root_is_an_error_not_a_panic() {
    let options = ScanOptions::for_root(Some(PathBuf::from("/nonexistent/proc")));
    let err = scan(&options).expect_err("no such root");
    assert!(format!("{err:#}").contains("/nonexistent/proc"), "{err:#}");
}

#[test]
fn issue7_an_inode_read_as_two_types_drops_one_process() {
    // Under churn a dead namespace's inode is reused at once: one scan can read it as uts in
    // one process and as net in another. Keeping both would count a process in one type and
    // not another.
    let fake = FakeProc::new();
    fake.process(1, "init", b"/sbin/init\0", &HOST);
    let mut stale = HOST;
    stale[3] = ("uts", 4026532900);
    fake.process(60, "old", b"old\0", &stale);
    let mut fresh = HOST;
    fresh[1] = ("net", 4026532900);
    fake.process(61, "new", b"new\0", &fresh);

    let snapshot = scan(&fake.options()).expect("scan");
    assert!(snapshot.process(60).is_some());
    assert!(
        snapshot.process(61).is_none(),
        "the colliding process is dropped"
    );
    assert_eq!(snapshot.gaps.vanished.processes, 1);
    let ns = snapshot.namespace(4026532900).expect("kept as uts");
    assert_eq!((ns.kind, ns.members.clone()), (NsKind::Uts, vec![60]));
    let per_kind: Vec<usize> = NsKind::ALL
        .iter()
        .map(|&k| snapshot.of_kind(k).map(|n| n.members.len()).sum())
        .collect();
    assert!(per_kind.iter().all(|&n| n == 2), "{per_kind:?}");
}

/// Under churn an inode can be read as two types in one scan (nsfs reuses a dead namespace's
/// inode at once). A holder read first must not give a later member's namespace its type:
/// here pid 10's stale `time_for_children` and pid 11's stale fd name inode 4026532777, which
/// pid 20 now has as its network namespace.
#[test]
fn a_stale_holder_never_changes_a_members_namespace_type() {
    let fake = FakeProc::new();
    fake.process(1, "init", b"/sbin/init\0", &HOST);
    fake.process(
        10,
        "a",
        b"a\0",
        &with(&HOST, &[("time_for_children", 4026532777)]),
    );
    let b = fake.process(11, "b", b"b\0", &HOST);
    symlink("uts:[4026532777]", b.join("fd/5")).expect("fd");
    fake.process(20, "c", b"c\0", &with(&HOST, &[("net", 4026532777)]));

    let snapshot = scan(&fake.options()).expect("scan");
    let ns = snapshot.namespace(4026532777).expect("the netns");
    assert_eq!(ns.kind, NsKind::Net);
    assert_eq!(ns.members, vec![20]);
    assert!(
        ns.holders.is_empty(),
        "stale holders dropped: {:?}",
        ns.holders
    );
    // Every type counts the same processes.
    let count = |kind| {
        snapshot
            .of_kind(kind)
            .map(|n| n.members.len())
            .sum::<usize>()
    };
    assert_eq!(count(NsKind::Net), count(NsKind::Time));
    assert_eq!(count(NsKind::Net), count(NsKind::Mnt));
}
