//! What a scan looks at ([`ScanOptions`]): which holders, relations and commands it reads, and
//! how many worker threads it uses.

use std::path::{Path, PathBuf};

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
    /// With `all_commands` off, still read cmdline for each namespace's representative. Off
    /// for faces that name no representative (`leaks` names only holders, whose command lines
    /// its enrichment step reads; `metrics` labels with comm), so they skip those reads.
    pub representative_commands: bool,
    /// Read each process's owner (the uid of `/proc/PID`: lsns's USER, the UI's user column).
    /// Off for faces that name no users (`leaks`, `metrics`): one fstat per process less, and
    /// every uid is then [`crate::model::Process::UID_NOT_READ`].
    pub owners: bool,
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
            representative_commands: true,
            owners: true,
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

    pub(super) fn worker_count(&self, pids: usize) -> usize {
        let wanted = if self.workers == 0 {
            std::thread::available_parallelism().map_or(1, |n| n.get().min(4))
        } else {
            self.workers
        };
        // A thread costs more than it saves on a handful of processes.
        wanted.clamp(1, (pids / 64).max(1))
    }
}
