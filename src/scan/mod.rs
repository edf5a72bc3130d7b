//! The scanner: everything that reads `/proc`. It turns a proc root (the real `/proc` or a fake
//! tree under `fixtures/`) into a [`Snapshot`].
//!
//! Per-entry failures are data: a process that vanished or could not be read is counted in
//! [`Gaps`](crate::model::Gaps) and skipped, never fatal. Only an unreadable proc root fails the scan.
//!
//! Work is split over a few threads by pid; each worker reuses its buffers and reads every file
//! relative to an O_PATH fd of the pid directory, so one process costs one `openat` of its
//! directory plus the reads themselves.

mod group;
pub mod holders;
pub mod links;
pub mod mounts;
mod options;
mod process;
pub mod procs;
pub mod relations;
pub mod traps;
pub mod users;
mod workers;

use std::os::fd::{AsFd, OwnedFd};
use std::path::Path;

use anyhow::{Context, Result};
use rustix::fs::{Mode, OFlags};

pub(crate) use group::add_holder;
pub use options::ScanOptions;

use crate::model::{Holder, Link, Snapshot};

/// Scans the proc root into a snapshot.
pub fn scan(options: &ScanOptions) -> Result<Snapshot> {
    let root = open_proc_root(&options.proc_root)?;
    let pids = rustix::fs::Dir::read_from(root.as_fd())
        .map_err(std::io::Error::from)
        .and_then(|mut dir| process::list_pids(&mut dir))
        .with_context(|| format!("cannot read {}", options.proc_root.display()))?;

    // Our own links tell which kinds this kernel has; a fake root without `self` gets none,
    // and then no link is treated as a sign of an exit.
    let self_links = process::read_self_links(root.as_fd());
    let supported = self_links.current.map(|l| matches!(l, Link::Ns(_)));

    let outputs = workers::run(root.as_fd(), &pids, options, &supported);

    let mut snapshot = Snapshot::default();
    let mut ns_fds = Vec::new();
    let mut socket_fds = Vec::new();
    for output in outputs {
        workers::merge_gaps(&mut snapshot.gaps, &output.gaps);
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

    group::group_namespaces(&mut snapshot);
    if !options.all_commands && options.representative_commands {
        process::read_representative_commands(&mut snapshot, root.as_fd());
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
    if (options.mounts || options.fds) && options.is_live() {
        traps::check_holders(&mut snapshot, &crate::kernel::Live, &options.proc_root);
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
pub fn read_processes(
    options: &ScanOptions,
    pids: &[crate::model::Pid],
) -> Result<Vec<crate::model::Process>> {
    let root = open_proc_root(&options.proc_root)?;
    let self_links = process::read_self_links(root.as_fd());
    let supported = self_links.current.map(|l| matches!(l, Link::Ns(_)));
    let outputs = workers::run(root.as_fd(), pids, options, &supported);
    Ok(outputs
        .into_iter()
        .flat_map(|output| output.scans)
        .map(|scan| scan.process)
        .collect())
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
