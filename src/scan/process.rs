//! Reading one process: its pid directory, `stat`, `cmdline`, ns links, odd threads and fds,
//! each a bounded read relative to the pid directory's fd ([`crate::kernel::read`]).

use std::os::fd::{AsFd, BorrowedFd};

use rustix::fs::{Mode, OFlags};

use super::workers::ProcessScan;
use super::{ScanOptions, holders, links, procs};
use crate::kernel::read::{Cap, is_procfs, read_at, read_procfs_at};
use crate::model::{GapSubject, Gaps, Link, NsLinks, Pid, Process, ReadError, Snapshot, Thread};

/// The numeric entries of a proc root (or task directory), ascending.
pub(super) fn list_pids(dir: &mut rustix::fs::Dir) -> std::io::Result<Vec<Pid>> {
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
pub(super) struct Buffers {
    pub file: Vec<u8>,
    pub link: Vec<u8>,
    /// The nsfs device on the live kernel, to recognise namespace fds by what they are.
    pub nsfs_dev: Option<u64>,
    /// The proc root is the kernel's procfs (its files need no type check; a fake tree's do).
    pub procfs: bool,
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

pub(super) fn nsfs_dev(options: &ScanOptions) -> Option<u64> {
    if options.is_live() {
        crate::kernel::nsfs::nsfs_device()
    } else {
        None
    }
}

pub(super) fn scan_process(
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
    let uid = if options.owners {
        procs::owner_uid(dir).map_err(ReadError::from_errno)?
    } else {
        Process::UID_NOT_READ
    };
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
pub(super) fn read_representative_commands(snapshot: &mut Snapshot, root: BorrowedFd<'_>) {
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

pub(super) fn read_self_links(root: BorrowedFd<'_>) -> NsLinks {
    let mut buf = Vec::new();
    match procs::open_dir(root, c"self") {
        Ok(dir) => links::read_ns_links(dir.as_fd(), &mut buf),
        Err(_) => NsLinks::default(),
    }
}
