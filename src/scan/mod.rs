//! The scanner: everything that reads `/proc`. It turns a proc root (the real `/proc` or a fake
//! tree under `fixtures/`) into a [`Snapshot`].
//!
//! Per-entry failures are data: a process that vanished or could not be read is counted in
//! [`Gaps`] and skipped, never fatal. Only an unreadable proc root fails the scan.
//!
//! Work is split over a few threads by pid; each worker reuses its buffers and reads every file
//! relative to an O_PATH fd of the pid directory, so one process costs one `openat` of its
//! directory plus the reads themselves.

pub mod holders;
pub mod links;
pub mod mounts;
pub mod procs;
pub mod relations;
pub mod users;

use std::collections::{BTreeMap, HashMap};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use rustix::fs::{Mode, OFlags};

use crate::kernel::read::{Cap, is_procfs, read_at, read_procfs_at};
use crate::model::{
    GapSubject, Gaps, Holder, Inode, Link, Namespace, NsKind, NsLinks, Pid, Process, ReadError,
    Snapshot, Thread,
};

/// What to look at. The defaults find everything; `--list` turns off what its columns don't need.
#[derive(Clone, Debug)]
pub struct ScanOptions {
    /// `/proc`, or a fake tree for tests.
    pub proc_root: PathBuf,
    /// The passwd file for uid -> name (a fixture may bring its own).
    pub passwd: PathBuf,
    /// Look at threads of multi-threaded processes (`/proc/PID/task/TID/ns`).
    pub threads: bool,
    /// Look at open fds: nsfs files and (with `sockets`) sockets.
    pub fds: bool,
    /// Resolve each socket fd's network namespace (pidfd_getfd + SIOCGSKNS). Costs a few
    /// syscalls per socket, so it can be turned off.
    pub sockets: bool,
    /// nsfs bind mounts, in every mount namespace.
    pub mounts: bool,
    /// Parent, owner, owner uid and namespace id through the nsfs ioctls; also finds namespaces
    /// no process is in (hidden parents and owners). Needs the real /proc.
    pub relations: bool,
    /// Read every process's cmdline. Off, only each namespace's representative (its
    /// lowest-pid member, lsns's PID and COMMAND) gets `command` from cmdline; the others
    /// carry their `comm` there. cmdline is one of the dearer reads (it copies from the
    /// process's memory), so namespace-row listings skip it.
    pub all_commands: bool,
    /// Scanner threads; 0 means one per core (at most 4).
    pub workers: usize,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            proc_root: PathBuf::from("/proc"),
            passwd: PathBuf::from("/etc/passwd"),
            threads: true,
            fds: true,
            sockets: true,
            mounts: true,
            relations: true,
            all_commands: true,
            workers: 0,
        }
    }
}

impl ScanOptions {
    /// Options for a proc root given on the command line (`--proc-root`). A fake root
    /// gets no ioctls or sockets (there is no kernel object behind its files) and uses the
    /// passwd file it brings, if any.
    pub fn for_root(proc_root: Option<PathBuf>) -> ScanOptions {
        let mut options = ScanOptions::default();
        if let Some(root) = proc_root
            && root != Path::new("/proc")
        {
            options.relations = false;
            options.sockets = false;
            let passwd = root.join("../etc/passwd");
            if passwd.exists() {
                options.passwd = passwd;
            }
            options.proc_root = root;
        }
        options
    }

    /// The proc root when it is not the kernel's own `/proc` (`--proc-root DIR`), for the
    /// stderr line and the UI header that say so.
    pub fn fake_root(&self) -> Option<&Path> {
        (!self.is_live()).then_some(self.proc_root.as_path())
    }

    /// True when the proc root is the kernel's own, so ioctls and pidfds make sense.
    pub fn is_live(&self) -> bool {
        self.proc_root == Path::new("/proc")
    }

    fn worker_count(&self, pids: usize) -> usize {
        let wanted = if self.workers == 0 {
            std::thread::available_parallelism().map_or(1, |n| n.get().min(4))
        } else {
            self.workers
        };
        // A thread costs more than it saves on a handful of processes.
        wanted.clamp(1, (pids / 64).max(1))
    }
}

/// One worker's findings about one process, before namespaces are grouped.
struct ProcessScan {
    process: Process,
    /// nsfs fds: (fd, type, inode).
    ns_fds: Vec<(i32, NsKind, Inode)>,
    /// socket fds: (fd, socket inode).
    socket_fds: Vec<(i32, Inode)>,
}

/// Everything one worker collected.
#[derive(Default)]
struct WorkerOutput {
    scans: Vec<ProcessScan>,
    gaps: Gaps,
}

/// Scans the proc root into a snapshot.
pub fn scan(options: &ScanOptions) -> Result<Snapshot> {
    let root = open_proc_root(&options.proc_root)?;
    let pids = rustix::fs::Dir::read_from(root.as_fd())
        .map_err(std::io::Error::from)
        .and_then(|mut dir| list_pids(&mut dir))
        .with_context(|| format!("cannot read {}", options.proc_root.display()))?;

    // Our own links tell which kinds this kernel has; a fake root without `self` gets none,
    // and then no link is treated as a sign of an exit.
    let self_links = read_self_links(root.as_fd());
    let supported = self_links.current.map(|l| matches!(l, Link::Ns(_)));

    let workers = options.worker_count(pids.len());
    let outputs: Vec<WorkerOutput> = if workers <= 1 {
        vec![scan_pids(root.as_fd(), &pids, options, &supported)]
    } else {
        let chunk = pids.len().div_ceil(workers);
        std::thread::scope(|scope| {
            let handles: Vec<_> = pids
                .chunks(chunk)
                .map(|part| {
                    let root = root.as_fd();
                    let supported = &supported;
                    scope.spawn(move || scan_pids(root, part, options, supported))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_default())
                .collect()
        })
    };

    let mut snapshot = Snapshot::default();
    let mut ns_fds = Vec::new();
    let mut socket_fds = Vec::new();
    for output in outputs {
        merge_gaps(&mut snapshot.gaps, &output.gaps);
        for scan in output.scans {
            let pid = scan.process.pid;
            ns_fds.extend(
                scan.ns_fds
                    .into_iter()
                    .map(|(fd, kind, inode)| (pid, fd, kind, inode)),
            );
            socket_fds.extend(
                scan.socket_fds
                    .into_iter()
                    .map(|(fd, inode)| (pid, fd, inode)),
            );
            snapshot.processes.insert(pid, scan.process);
        }
    }
    snapshot.self_links = self_links;
    snapshot.proc_root = options.fake_root().map(Path::to_path_buf);

    group_namespaces(&mut snapshot);
    if !options.all_commands {
        read_representative_commands(&mut snapshot, root.as_fd());
    }
    for (pid, fd, kind, inode) in ns_fds {
        add_holder(&mut snapshot, inode, Some(kind), Holder::Fd { pid, fd });
    }
    if options.sockets && options.is_live() {
        holders::add_socket_holders(&mut snapshot, &socket_fds);
    }
    if options.mounts {
        holders::add_bind_mounts(&mut snapshot, root.as_fd(), options.is_live());
    }
    if options.relations && options.is_live() {
        relations::add_relations(
            &mut snapshot,
            &crate::kernel::Live,
            &options.proc_root,
            true,
        );
    }
    finish(&mut snapshot, options);
    snapshot.unprivileged = options.is_live() && !crate::kernel::can_read_everything();
    if snapshot.unprivileged {
        snapshot.missing_capabilities = crate::kernel::missing_capabilities()
            .into_iter()
            .map(String::from)
            .collect();
    }
    Ok(snapshot)
}

/// Re-reads just these processes (stat, cmdline, ns links; threads and fds as `options` say)
/// for a watcher that learnt from process events which ones changed. Processes that are gone
/// are simply absent from the result. Namespaces are not grouped: the caller patches its own.
pub fn read_processes(options: &ScanOptions, pids: &[Pid]) -> Result<Vec<Process>> {
    let root = open_proc_root(&options.proc_root)?;
    let self_links = read_self_links(root.as_fd());
    let supported = self_links.current.map(|l| matches!(l, Link::Ns(_)));
    let output = scan_pids(root.as_fd(), pids, options, &supported);
    Ok(output.scans.into_iter().map(|scan| scan.process).collect())
}

/// Adds relations to a snapshot scanned without them, for a caller that learns only from the
/// scan whether it needs them (`--list` does, when process-less rows exist).
pub fn add_relations_later(snapshot: &mut Snapshot, options: &ScanOptions) {
    if options.is_live() {
        relations::add_relations(snapshot, &crate::kernel::Live, &options.proc_root, true);
        finish(snapshot, options);
    }
}

/// What every scan ends with: holders and NSFS paths sorted without duplicates (the model's
/// promise), and a name for every uid the snapshot now mentions (owner uids included).
fn finish(snapshot: &mut Snapshot, options: &ScanOptions) {
    for ns in snapshot.namespaces.values_mut() {
        ns.holders.sort();
        ns.holders.dedup();
        ns.nsfs_paths.sort();
        ns.nsfs_paths.dedup();
    }
    snapshot.unreadable_holders.sort();
    snapshot.unreadable_holders.dedup();
    snapshot.user_names = users::names_for(snapshot, &options.passwd);
}

fn open_proc_root(path: &Path) -> Result<OwnedFd> {
    rustix::fs::openat(
        rustix::fs::CWD,
        path,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .map_err(std::io::Error::from)
    .with_context(|| format!("cannot open proc root {}", path.display()))
}

/// The numeric entries of a proc root (or task directory), ascending.
fn list_pids(dir: &mut rustix::fs::Dir) -> std::io::Result<Vec<Pid>> {
    let mut pids = Vec::with_capacity(1024);
    for entry in dir {
        let entry = entry?;
        if let Some(pid) = parse_pid(entry.file_name().to_bytes()) {
            pids.push(pid);
        }
    }
    pids.sort_unstable();
    Ok(pids)
}

fn parse_pid(name: &[u8]) -> Option<Pid> {
    let value = links::parse_decimal(name)?;
    Pid::try_from(value).ok().filter(|&pid| pid > 0)
}

/// Buffers one worker reuses for every process.
#[derive(Default)]
struct Buffers {
    file: Vec<u8>,
    link: Vec<u8>,
    /// The nsfs device on the live kernel, to recognise namespace fds by what they are.
    nsfs_dev: Option<u64>,
    /// The proc root is the kernel's procfs (its files need no type check; a fake tree's do).
    procfs: bool,
}

/// One bounded read under the proc root: without the `fstat` type check on the real procfs.
fn read_proc(
    procfs: bool,
    dir: BorrowedFd<'_>,
    name: &std::ffi::CStr,
    cap: Cap,
    buf: &mut Vec<u8>,
    short_is_final: bool,
) -> Result<(), i32> {
    if procfs {
        read_procfs_at(dir, name, cap, buf, short_is_final)
    } else {
        read_at(dir, name, cap, buf, short_is_final)
    }
}

fn nsfs_dev(options: &ScanOptions) -> Option<u64> {
    if options.is_live() {
        crate::kernel::nsfs::nsfs_device()
    } else {
        None
    }
}

fn scan_pids(
    root: BorrowedFd<'_>,
    pids: &[Pid],
    options: &ScanOptions,
    supported: &[bool; 8],
) -> WorkerOutput {
    let mut output = WorkerOutput::default();
    let mut buffers = Buffers {
        nsfs_dev: nsfs_dev(options),
        procfs: is_procfs(root),
        ..Buffers::default()
    };
    for &pid in pids {
        match scan_process(
            root,
            pid,
            options,
            supported,
            &mut buffers,
            &mut output.gaps,
        ) {
            Ok(scan) => output.scans.push(scan),
            Err(why) => output.gaps.record(GapSubject::Process, why),
        }
    }
    output
}

fn scan_process(
    root: BorrowedFd<'_>,
    pid: Pid,
    options: &ScanOptions,
    supported: &[bool; 8],
    buffers: &mut Buffers,
    gaps: &mut Gaps,
) -> Result<ProcessScan, ReadError> {
    let mut name = [0u8; 24];
    let name = links::decimal_name(pid as u64, &mut name);
    let dir = procs::open_dir(root, name).map_err(ReadError::from_errno)?;
    let dir = dir.as_fd();
    let uid = procs::owner_uid(dir).map_err(ReadError::from_errno)?;
    read_proc(
        buffers.procfs,
        dir,
        c"stat",
        Cap::STAT,
        &mut buffers.file,
        true,
    )
    .map_err(ReadError::from_errno)?;
    let stat = procs::parse_stat(&buffers.file).ok_or(ReadError::Other(libc::EINVAL))?;

    // cmdline is readable by anyone; an error here means the process is going away.
    let (command, command_bytes) = if options.all_commands {
        read_command(buffers.procfs, dir, c"cmdline", &mut buffers.file)
    } else {
        (String::new(), None)
    };
    let command = if command.is_empty() {
        stat.comm.clone()
    } else {
        command
    };

    let links = links::read_ns_links(dir, &mut buffers.link);
    // Counting a process in some namespaces but not others would make per-type counts
    // disagree under churn.
    let links = links::settle_exiting(links, supported)?;
    // Counted once per process (its first unreadable link), so the note can say "N processes".
    let first_unreadable = links
        .current
        .iter()
        .chain([&links.pid_for_children, &links.time_for_children])
        .find_map(|link| match link {
            Link::Unreadable(why) => Some(*why),
            _ => None,
        });
    if let Some(why) = first_unreadable {
        gaps.record(GapSubject::NsLink, why);
    }
    // A zombie has lost its nsproxy namespaces (ENOENT, not a gap) but keeps pid and user.

    let odd_threads = if options.threads && stat.num_threads > 1 && stat.state != 'Z' {
        scan_threads(dir, pid, &links, buffers, gaps)
    } else {
        Vec::new()
    };

    let (ns_fds, socket_fds) = if options.fds && stat.state != 'Z' {
        holders::scan_fds(dir, &mut buffers.link, gaps, buffers.nsfs_dev)
    } else {
        (Vec::new(), Vec::new())
    };

    Ok(ProcessScan {
        process: Process {
            pid,
            ppid: stat.ppid,
            uid,
            comm: stat.comm,
            command,
            command_bytes,
            state: stat.state,
            start_time: stat.start_time,
            links,
            odd_threads,
        },
        ns_fds,
        socket_fds,
    })
}

/// cmdline joined by spaces, plus the raw bytes when they are not UTF-8; empty when
/// unreadable (the process is going away) or empty.
fn read_command(
    procfs: bool,
    dir: BorrowedFd<'_>,
    path: &std::ffi::CStr,
    buf: &mut Vec<u8>,
) -> (String, Option<Vec<u8>>) {
    match read_proc(procfs, dir, path, Cap::CMDLINE, buf, true) {
        Ok(()) => match procs::cmdline_bytes(buf) {
            Ok(text) => (text, None),
            Err(raw) => (String::from_utf8_lossy(&raw).into_owned(), Some(raw)),
        },
        Err(_) => (String::new(), None),
    }
}

/// Reads cmdline for the lowest-pid member of every namespace only (`all_commands` off).
fn read_representative_commands(snapshot: &mut Snapshot, root: BorrowedFd<'_>) {
    let mut pids: Vec<Pid> = snapshot
        .namespaces
        .values()
        .filter_map(|ns| ns.lowest_pid())
        .collect();
    pids.sort_unstable();
    pids.dedup();
    let mut buf = Vec::new();
    let procfs = is_procfs(root);
    for pid in pids {
        // "PID/cmdline" relative to the proc root, built on the stack.
        let mut digits = [0u8; 24];
        let digits = links::decimal_name(pid as u64, &mut digits).to_bytes();
        let mut path = [0u8; 40];
        path[..digits.len()].copy_from_slice(digits);
        path[digits.len()..digits.len() + 9].copy_from_slice(b"/cmdline\0");
        let Ok(path) = std::ffi::CStr::from_bytes_until_nul(&path) else {
            continue;
        };
        let (command, command_bytes) = read_command(procfs, root, path, &mut buf);
        if let Some(process) = snapshot.processes.get_mut(&pid)
            && !command.is_empty()
        {
            process.command = command;
            process.command_bytes = command_bytes;
        }
    }
}

/// Threads whose links differ from the process's. The main thread (tid == pid) is the process.
fn scan_threads(
    dir: BorrowedFd<'_>,
    pid: Pid,
    process_links: &NsLinks,
    buffers: &mut Buffers,
    gaps: &mut Gaps,
) -> Vec<Thread> {
    let task_dir = match rustix::fs::openat(
        dir,
        c"task",
        // A directory, never a symlink (a fake tree could point one anywhere).
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::empty(),
    ) {
        Ok(fd) => fd,
        Err(e) => {
            gaps.record(GapSubject::Task, ReadError::from_errno(e.raw_os_error()));
            return Vec::new();
        }
    };
    // Dir::new keeps our fd; Dir::read_from would reopen it.
    let listed = rustix::fs::Dir::new(task_dir)
        .map_err(std::io::Error::from)
        .and_then(|mut dir| Ok((list_pids(&mut dir)?, dir)));
    let (tids, task_dir) = match listed {
        Ok(listed) => listed,
        Err(e) => {
            gaps.record(GapSubject::Task, ReadError::from_io(&e));
            return Vec::new();
        }
    };
    let Ok(task_dir) = task_dir.fd() else {
        return Vec::new();
    };
    let mut odd = Vec::new();
    let mut name = [0u8; 24];
    for tid in tids.into_iter().filter(|&tid| tid != pid) {
        let name = links::decimal_name(tid as u64, &mut name);
        let tdir = match procs::open_dir(task_dir, name) {
            Ok(fd) => fd,
            Err(errno) => {
                gaps.record(GapSubject::Task, ReadError::from_errno(errno));
                continue;
            }
        };
        let links = links::read_ns_links(tdir.as_fd(), &mut buffers.link);
        if links.current == process_links.current {
            continue;
        }
        let comm = match read_proc(
            buffers.procfs,
            tdir.as_fd(),
            c"comm",
            Cap::COMM,
            &mut buffers.file,
            false,
        ) {
            Ok(()) => String::from_utf8_lossy(buffers.file.trim_ascii_end()).into_owned(),
            Err(_) => String::new(),
        };
        odd.push(Thread { tid, comm, links });
    }
    odd
}

fn read_self_links(root: BorrowedFd<'_>) -> NsLinks {
    let mut buf = Vec::new();
    match procs::open_dir(root, c"self") {
        Ok(dir) => links::read_ns_links(dir.as_fd(), &mut buf),
        Err(_) => NsLinks::default(),
    }
}

fn merge_gaps(into: &mut Gaps, from: &Gaps) {
    for (a, b) in [
        (&mut into.denied, &from.denied),
        (&mut into.vanished, &from.vanished),
        (&mut into.other, &from.other),
    ] {
        a.processes += b.processes;
        a.ns_links += b.ns_links;
        a.tasks += b.tasks;
        a.fds += b.fds;
        a.mount_tables += b.mount_tables;
    }
}

/// Groups processes into namespaces and records thread and `*_for_children` holders.
fn group_namespaces(snapshot: &mut Snapshot) {
    let mut namespaces: BTreeMap<Inode, Namespace> = BTreeMap::new();
    // nsfs inodes are reused as soon as a namespace dies (lowest free id), so under churn one
    // scan can read the same inode as two types from two processes. A process whose link
    // collides with a namespace of another type is dropped as vanished (one of the two reads
    // is stale), so every process kept is counted once in each type.
    let colliding: Vec<Pid> = {
        let mut kinds: HashMap<Inode, NsKind> = HashMap::new();
        snapshot
            .processes
            .values()
            .filter(|process| {
                NsKind::ALL.into_iter().any(|kind| {
                    process
                        .ns(kind)
                        .is_some_and(|inode| *kinds.entry(inode).or_insert(kind) != kind)
                })
            })
            .map(|process| process.pid)
            .collect()
    };
    for pid in colliding {
        snapshot.processes.remove(&pid);
        snapshot
            .gaps
            .record(GapSubject::Process, ReadError::Vanished);
    }
    // Members first, so that a namespace's type always comes from a member link ...
    for process in snapshot.processes.values() {
        for kind in NsKind::ALL {
            if let Some(inode) = process.ns(kind) {
                namespaces
                    .entry(inode)
                    .or_insert_with(|| Namespace::new(inode, kind))
                    .members
                    .push(process.pid);
            }
        }
    }
    // ... then the holders, each only where the type agrees (see `holder_target`).
    for process in snapshot.processes.values() {
        for (link, kind, current) in [
            (
                process.links.pid_for_children,
                NsKind::Pid,
                process.ns(NsKind::Pid),
            ),
            (
                process.links.time_for_children,
                NsKind::Time,
                process.ns(NsKind::Time),
            ),
        ] {
            if let Some(inode) = link.inode()
                && Some(inode) != current
                && let Some(ns) = holder_target(&mut namespaces, inode, kind)
            {
                ns.holders.push(Holder::ForChildren { pid: process.pid });
            }
        }
        for thread in &process.odd_threads {
            for kind in NsKind::ALL {
                if let Some(inode) = thread.links.get(kind)
                    && Some(inode) != process.ns(kind)
                    && let Some(ns) = holder_target(&mut namespaces, inode, kind)
                {
                    ns.holders.push(Holder::Thread {
                        pid: process.pid,
                        tid: thread.tid,
                    });
                }
            }
        }
    }
    // processes is a BTreeMap, so members were pushed in ascending pid order already.
    snapshot.namespaces = namespaces;
}

/// The namespace a holder of type `kind` on `inode` belongs to, created if new. None when a
/// namespace of another type already has that inode: nsfs inodes are reused as soon as a
/// namespace dies, so under churn one of the two reads is stale, and a holder must never move
/// a namespace (or its member count) to another type.
fn holder_target(
    namespaces: &mut BTreeMap<Inode, Namespace>,
    inode: Inode,
    kind: NsKind,
) -> Option<&mut Namespace> {
    let ns = namespaces
        .entry(inode)
        .or_insert_with(|| Namespace::new(inode, kind));
    (ns.kind == kind).then_some(ns)
}

/// Adds a holder to a namespace, creating the namespace if the kind is known.
pub(crate) fn add_holder(
    snapshot: &mut Snapshot,
    inode: Inode,
    kind: Option<NsKind>,
    holder: Holder,
) {
    match (
        snapshot.namespaces.get_mut(&inode),
        kind.or_else(|| holder_kind(&holder)),
    ) {
        // A holder that names another type than the namespace we have is a stale read of a
        // reused inode (see `holder_target`): drop it.
        (Some(ns), Some(kind)) if ns.kind != kind => {}
        (Some(ns), _) => ns.holders.push(holder),
        (None, Some(kind)) => {
            let mut ns = Namespace::new(inode, kind);
            ns.holders.push(holder);
            snapshot.namespaces.insert(inode, ns);
        }
        (None, None) => {}
    }
}

fn holder_kind(holder: &Holder) -> Option<NsKind> {
    match holder {
        Holder::Socket { .. } => Some(NsKind::Net),
        _ => None,
    }
}
