//! Hand-made snapshots for the UI's tests and its 5,000-process measurement: a small machine
//! with a rootless container and process-less namespaces, and a synthetic large one. Built in
//! code so screens are deterministic; the scanner is not involved.

use crate::model::{Holder, Inode, Link, Namespace, NsKind, NsLinks, Pid, Process, Snapshot};

/// The host's namespaces in the small sample, in `NsKind::ALL` order.
pub const HOST: [Inode; 8] = [
    4026531841, 4026531840, 4026531836, 4026531838, 4026531839, 4026531837, 4026531835, 4026531834,
];
/// The container's user namespace (child of the host's, created by uid 1000).
pub const CONTAINER_USER: Inode = 4026532200;
/// The container's mount namespace.
pub const CONTAINER_MNT: Inode = 4026532201;
/// The container's uts namespace.
pub const CONTAINER_UTS: Inode = 4026532202;
/// The container's pid namespace.
pub const CONTAINER_PID: Inode = 4026532204;
/// A netns held only by a bind mount (`ip netns add blue`).
pub const BLUE_NET: Inode = 4026532300;
/// A uts namespace held only by an open fd of pid 300.
pub const FD_UTS: Inode = 4026532301;

fn links(current: [Inode; 8]) -> NsLinks {
    NsLinks {
        current: current.map(Link::Ns),
        pid_for_children: Link::Ns(current[NsKind::Pid.index()]),
        time_for_children: Link::Ns(current[NsKind::Time.index()]),
    }
}

fn process(pid: Pid, ppid: Pid, uid: u32, command: &str, ns: [Inode; 8]) -> Process {
    let comm = command
        .split_whitespace()
        .next()
        .unwrap_or(command)
        .rsplit('/')
        .next()
        .unwrap_or(command)
        .chars()
        .take(15)
        .collect();
    Process {
        pid,
        ppid,
        uid,
        comm,
        command: command.to_string(),
        command_bytes: None,
        state: 'S',
        start_time: 0,
        links: links(ns),
        odd_threads: Vec::new(),
    }
}

/// Groups processes into namespaces as the scanner does (members ascending by pid).
fn group(snapshot: &mut Snapshot) {
    for p in snapshot.processes.values() {
        for kind in NsKind::ALL {
            if let Some(inode) = p.ns(kind) {
                snapshot
                    .namespaces
                    .entry(inode)
                    .or_insert_with(|| Namespace::new(inode, kind))
                    .members
                    .push(p.pid);
            }
        }
    }
}

/// Sets owners (the host user ns unless said otherwise) and the user/pid parents.
fn relate(snapshot: &mut Snapshot, owner_of: impl Fn(Inode) -> Inode) {
    let inodes: Vec<Inode> = snapshot.namespaces.keys().copied().collect();
    for inode in inodes {
        let owner = owner_of(inode);
        if let Some(ns) = snapshot.namespaces.get_mut(&inode) {
            ns.ns_id = Some(inode - 4026531000);
            if ns.kind == NsKind::User {
                if inode != HOST[NsKind::User.index()] {
                    ns.parent = Some(owner);
                    ns.owner = Some(owner);
                } else {
                    ns.owner_uid = Some(0);
                }
            } else {
                ns.owner = Some(owner);
            }
        }
    }
}

/// A small machine: init, sshd, a shell, a sleeper holding a uts ns by fd, a rootless
/// container (user, mnt, uts, ipc, pid, net namespaces) with two processes, and a netns held
/// only by a bind mount.
/// Adds process `pid` running `command`, a copy of `like` sitting in all of `like`'s
/// namespaces: a process that appears between two scans.
pub fn add_process_like(snapshot: &mut Snapshot, like: Pid, pid: Pid, command: &str) {
    let Some(mut process) = snapshot.processes.get(&like).cloned() else {
        return;
    };
    process.pid = pid;
    process.command = command.into();
    snapshot.processes.insert(pid, process);
    for ns in snapshot.namespaces.values_mut() {
        if ns.members.contains(&like) {
            ns.members.push(pid);
            ns.members.sort_unstable();
        }
    }
}

pub fn small() -> Snapshot {
    let mut container = HOST;
    for (kind, inode) in [
        (NsKind::Mnt, CONTAINER_MNT),
        (NsKind::Uts, CONTAINER_UTS),
        (NsKind::Ipc, 4026532203),
        (NsKind::Pid, CONTAINER_PID),
        (NsKind::Net, 4026532205),
        (NsKind::User, CONTAINER_USER),
    ] {
        container[kind.index()] = inode;
    }
    let mut snapshot = Snapshot::default();
    for p in [
        process(1, 0, 0, "/sbin/init splash", HOST),
        process(300, 1200, 1000, "sleep 600", HOST),
        process(412, 1, 0, "sshd: /usr/sbin/sshd -D [listener]", HOST),
        process(1200, 412, 1000, "-bash", HOST),
        process(2000, 1200, 1000, "podman run --rm -it nginx", HOST),
        process(2001, 2000, 100000, "nginx: master process nginx", container),
        process(2002, 2001, 100101, "nginx: worker process", container),
    ] {
        snapshot.processes.insert(p.pid, p);
    }
    group(&mut snapshot);
    let mut blue = Namespace::new(BLUE_NET, NsKind::Net);
    blue.holders.push(Holder::BindMount {
        mnt_ns: Some(HOST[0]),
        path: "/run/netns/blue".into(),
        via_pid: Some(1),
    });
    blue.nsfs_paths.push("/run/netns/blue".into());
    blue.netnsid = Some(0);
    snapshot.namespaces.insert(BLUE_NET, blue);
    let mut by_fd = Namespace::new(FD_UTS, NsKind::Uts);
    by_fd.holders.push(Holder::Fd { pid: 300, fd: 5 });
    snapshot.namespaces.insert(FD_UTS, by_fd);
    relate(&mut snapshot, |inode| {
        if (4026532201..=4026532205).contains(&inode) {
            CONTAINER_USER
        } else {
            HOST[NsKind::User.index()]
        }
    });
    if let Some(pid) = snapshot.namespaces.get_mut(&CONTAINER_PID) {
        pid.parent = Some(HOST[NsKind::Pid.index()]);
    }
    if let Some(user) = snapshot.namespaces.get_mut(&CONTAINER_USER) {
        user.owner_uid = Some(1000);
    }
    for (parent, child) in [
        (HOST[NsKind::User.index()], CONTAINER_USER),
        (HOST[NsKind::Pid.index()], CONTAINER_PID),
    ] {
        if let Some(ns) = snapshot.namespaces.get_mut(&parent) {
            ns.holders.push(Holder::Child { inode: child });
        }
    }
    snapshot.user_names.insert(0, "root".into());
    snapshot.user_names.insert(1000, "alice".into());
    snapshot.gaps.denied.ns_links = 10;
    snapshot.gaps.vanished.processes = 2;
    snapshot
}

/// A large machine: `processes` processes, one container (six namespaces, nested user and
/// pid namespaces) per 10 of them, the rest in the host's namespaces.
pub fn large(processes: usize) -> Snapshot {
    let mut snapshot = Snapshot::default();
    let containers = processes / 10;
    let mut next_inode: Inode = 4026540000;
    let mut container_ns = Vec::with_capacity(containers);
    for _ in 0..containers {
        let mut ns = HOST;
        for kind in [
            NsKind::Mnt,
            NsKind::Uts,
            NsKind::Ipc,
            NsKind::Pid,
            NsKind::Net,
            NsKind::User,
        ] {
            ns[kind.index()] = next_inode;
            next_inode += 1;
        }
        container_ns.push(ns);
    }
    for i in 0..processes {
        let pid = i as Pid + 1;
        let (ns, uid) = if i % 2 == 1 && i / 10 < containers {
            (container_ns[i / 10], 100000 + (i / 10) as u32)
        } else {
            (HOST, (i % 7) as u32)
        };
        let command = format!("/usr/bin/worker-{i} --serve --port {}", 8000 + i % 1000);
        snapshot
            .processes
            .insert(pid, process(pid, 1, uid, &command, ns));
    }
    group(&mut snapshot);
    let user_of: std::collections::HashMap<Inode, Inode> = container_ns
        .iter()
        .flat_map(|ns| {
            let user = ns[NsKind::User.index()];
            ns.iter()
                .filter(|&&i| i >= 4026540000)
                .map(move |&i| (i, user))
        })
        .collect();
    relate(&mut snapshot, |inode| {
        user_of
            .get(&inode)
            .copied()
            .filter(|&u| u != inode)
            .unwrap_or(HOST[NsKind::User.index()])
    });
    for ns in &container_ns {
        if let Some(pid) = snapshot.namespaces.get_mut(&ns[NsKind::Pid.index()]) {
            pid.parent = Some(HOST[NsKind::Pid.index()]);
        }
    }
    for uid in 0..7 {
        snapshot.user_names.insert(uid, format!("user{uid}"));
    }
    snapshot
}
