//! The fan-out: the pid list split over a few scoped threads, each reading its pids with its own
//! buffers ([`super::process`]), and what each hands back.

use std::os::fd::BorrowedFd;

use super::ScanOptions;
use super::process;
use crate::kernel::read::is_procfs;
use crate::model::{GapSubject, Gaps, Inode, NsKind, Pid, Process};

/// One worker's findings about one process, before namespaces are grouped.
pub(super) struct ProcessScan {
    pub process: Process,
    /// nsfs fds: (fd, type, inode).
    pub ns_fds: Vec<(i32, NsKind, Inode)>,
    /// socket fds: (fd, socket inode).
    pub socket_fds: Vec<(i32, Inode)>,
}

/// Everything one worker collected.
#[derive(Default)]
pub(super) struct WorkerOutput {
    pub scans: Vec<ProcessScan>,
    pub gaps: Gaps,
}

/// Reads `pids` on up to `options.worker_count` threads, each over a contiguous slice (so
/// the outputs, taken in order, keep pids ascending).
pub(super) fn run(
    root: BorrowedFd<'_>,
    pids: &[Pid],
    options: &ScanOptions,
    supported: &[bool; 8],
) -> Vec<WorkerOutput> {
    let workers = options.worker_count(pids.len());
    if workers <= 1 {
        return vec![scan_pids(root, pids, options, supported)];
    }
    let chunk = pids.len().div_ceil(workers);
    std::thread::scope(|scope| {
        let handles: Vec<_> = pids
            .chunks(chunk)
            .map(|part| scope.spawn(move || scan_pids(root, part, options, supported)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect()
    })
}

fn scan_pids(
    root: BorrowedFd<'_>,
    pids: &[Pid],
    options: &ScanOptions,
    supported: &[bool; 8],
) -> WorkerOutput {
    let mut output = WorkerOutput::default();
    let mut buffers = process::Buffers {
        nsfs_dev: process::nsfs_dev(options),
        procfs: is_procfs(root),
        ..process::Buffers::default()
    };
    for &pid in pids {
        match process::scan_process(
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

pub(super) fn merge_gaps(into: &mut Gaps, from: &Gaps) {
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
