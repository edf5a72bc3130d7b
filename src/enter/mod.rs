//! `nsview enter <inode> [cmd...]`: nsenter addressed by the namespace itself.
//!
//! The steps, in one single-threaded process (setns into mount and user namespaces refuses a
//! multi-threaded caller, so the scan runs with one worker and no thread is ever started):
//! 1. [`config`]: the validated arguments (built by [`crate::config::enter`]);
//! 2. scan, find the namespace, and [`resolve`] it to open files through any holder the scan
//!    saw, each checked to still be the same namespace (inode, type, NS_GET_ID);
//! 3. [`join`]: setns in nsenter's order and passes, skipping namespaces we are already in,
//!    then root, working directory and credentials;
//! 4. [`launch`]: exec the command, forking first when a pid or time namespace was entered so
//!    that the command really runs inside, and passing its status through.

pub mod config;
pub mod join;
pub mod launch;
pub mod resolve;

use std::os::fd::OwnedFd;
use std::path::Path;

use anyhow::Result;

use crate::error::Exit;
use crate::model::{Inode, Namespace, NsKind, NsLinks, Snapshot};
use crate::scan::ScanOptions;
pub use config::{Config, DirChoice};
use join::{Dirs, Target};
use resolve::{Expected, Resolver, Task};

/// Runs `nsview enter` and returns the exit code (the command's, when it ran).
pub fn run(config: &Config, scan: ScanOptions) -> Result<i32> {
    if !scan.is_live() {
        return Err(Exit::failure("enter needs the live /proc, not a copied proc root").into());
    }
    // No scanner threads: this process must stay single-threaded until setns.
    let options = ScanOptions { workers: 1, ..scan };
    let snapshot = crate::scan::scan(&options)?;
    test_pause();
    let proc_root = options.proc_root.as_path();

    let plan = plan(&snapshot, config, proc_root)?;
    let dirs = Dirs {
        root: holder_dir(&config.root, plan.task, proc_root, "root")?,
        wd: holder_dir(&config.wd, plan.task, proc_root, "cwd")?,
    };
    // Opened now: after entering a mount namespace /proc may be another one, or absent.
    let proc_self = open_proc_self(proc_root)?;
    let own = join::own_namespaces(proc_root);
    let shells = if config.command.is_empty() {
        launch::shell_candidates()
    } else {
        Vec::new()
    };

    join::ensure_single_threaded(proc_root)?;
    let entered = join::enter(plan.targets, &own)?;
    join::apply_dirs(dirs)?;
    let (uid, gid) = join::wanted_ids(
        entered.user.is_some(),
        config.preserve_credentials,
        config.uid,
        config.gid,
    );
    join::set_credentials(uid, gid, entered.user, &proc_self)?;
    drop(proc_self);

    if entered.needs_fork
        && let Some(code) = launch::fork_and_wait()?
    {
        return Ok(code);
    }
    let argv = if config.command.is_empty() {
        vec![launch::pick_shell(&shells, launch::is_executable)]
    } else {
        config.command.clone()
    };
    let where_ = entered
        .mnt
        .map(|m| format!(" in {}", NsKind::Mnt.label(m)))
        .unwrap_or_default();
    Err(launch::exec(&argv, &where_).into())
}

/// What to enter, opened and verified, and the process that stands for the holder.
struct Plan {
    targets: Vec<Target>,
    task: Option<Task>,
}

fn plan(snapshot: &Snapshot, config: &Config, proc_root: &Path) -> Result<Plan> {
    let inode = match config.inode {
        Some(inode) => inode,
        None => namespace_of_pid(snapshot, config)?,
    };
    let ns = snapshot
        .namespace(inode)
        .ok_or_else(|| not_found(snapshot, config, inode))?;
    let label = Expected::of(ns).label();
    check_identity(ns, config)?;
    if let Some(kind) = config.kind
        && kind != ns.kind
    {
        return Err(
            Exit::failure(format!("{label} is a {} namespace, not {kind}", ns.kind)).into(),
        );
    }
    // What every opened file must be: the id the caller saw wins over the scan's (equal when
    // check_identity passed, or the scan could not read one).
    let mut ns = ns.clone();
    ns.ns_id = config.ns_id.or(ns.ns_id);
    let ns = &ns;
    let resolver = Resolver {
        snapshot,
        opener: &crate::kernel::Live,
        proc_root,
    };
    let (fd, chosen) = resolver
        .open(ns, config.pid)
        .map_err(|tried| open_failure(snapshot, config, ns, &label, &tried))?;
    let task = config
        .pid
        .map(|pid| Task { pid, tid: None })
        .or(chosen.task);
    let mut targets = vec![target(snapshot, ns.kind, ns.inode, fd.into_fd())];
    // The holder's other namespaces to enter too: all of them (--all), or its mount namespace
    // (--mount, as nsenter -m: a pid namespace's own /proc).
    let (flag, also): (&str, Vec<NsKind>) = if config.all {
        ("--all", NsKind::ALL.to_vec())
    } else if config.mount {
        ("--mount", vec![NsKind::Mnt])
    } else {
        ("", Vec::new())
    };
    let also: Vec<NsKind> = also.into_iter().filter(|&k| k != ns.kind).collect();
    if !also.is_empty() {
        let task = task.ok_or_else(|| {
            Exit::failure(format!(
                "{flag} needs a process in {label}, but it is held by {}; name one with --pid",
                chosen.label
            ))
        })?;
        let links = task_links(snapshot, task).ok_or_else(|| {
            Exit::failure(format!("{flag}: process {} is not in the scan", task.pid))
        })?;
        for kind in also {
            // A link the scan could not read (or a type this kernel lacks) is left alone.
            let Some(inode) = links.get(kind) else {
                continue;
            };
            let expected = snapshot.namespace(inode).map_or(
                Expected {
                    inode,
                    kind,
                    ns_id: None,
                },
                Expected::of,
            );
            let path = task.dir(proc_root).join(format!("ns/{kind}"));
            let fd = resolver.open_path(&path, &expected).map_err(|miss| {
                Exit::failure(format!(
                    "{flag}: cannot open {} of process {}: {}",
                    expected.label(),
                    task.pid,
                    miss.describe()
                ))
            })?;
            targets.push(target(snapshot, kind, inode, fd.into_fd()));
        }
    }
    Ok(Plan { targets, task })
}

/// With `--ns-id`: the namespace on that inode must still be the one the caller saw (its type
/// and its never-reused id). Without NS_GET_ID on this kernel the scan has no id; then type and
/// inode are checked here, and every holder file again when it is opened.
fn check_identity(ns: &Namespace, config: &Config) -> Result<()> {
    let Some(wanted) = config.ns_id else {
        return Ok(());
    };
    let kind_differs = config.kind.is_some_and(|kind| kind != ns.kind);
    let id_differs = ns.ns_id.is_some_and(|id| id != wanted);
    if kind_differs || id_differs {
        let now = match ns.ns_id {
            Some(id) => format!("{} (id {id})", ns.label()),
            None => ns.label().to_string(),
        };
        return Err(Exit::failure(format!(
            "refusing to enter: that namespace (id {wanted}) is gone; its inode now belongs to {now}"
        ))
        .into());
    }
    Ok(())
}

fn target(snapshot: &Snapshot, kind: NsKind, inode: u64, fd: OwnedFd) -> Target {
    let ns = snapshot.namespace(inode);
    Target {
        kind,
        inode,
        owner: ns.and_then(|n| n.owner),
        owner_uid: ns.and_then(|n| n.owner_uid),
        fd,
    }
}

/// The ns links of a holder process or thread, as the scan saw them.
fn task_links(snapshot: &Snapshot, task: Task) -> Option<NsLinks> {
    let process = snapshot.process(task.pid)?;
    match task.tid {
        None => Some(process.links),
        Some(tid) => process
            .odd_threads
            .iter()
            .find(|t| t.tid == tid)
            .map(|t| t.links),
    }
}

/// `--pid` without a namespace (`nsenter -t PID`): the process's namespace of `--type`, else
/// its first readable one (`--all` then adds the others).
fn namespace_of_pid(snapshot: &Snapshot, config: &Config) -> Result<Inode> {
    let Some(pid) = config.pid else {
        return Err(Exit::failure("name a namespace or a process with --pid PID").into());
    };
    let links = task_links(snapshot, Task { pid, tid: None }).ok_or_else(|| {
        Exit::failure(format!(
            "process {pid} not found (gone, or not visible to this scan)"
        ))
    })?;
    let kinds: Vec<NsKind> = match config.kind {
        Some(kind) => vec![kind],
        None => NsKind::ALL.to_vec(),
    };
    kinds
        .into_iter()
        .find_map(|kind| links.get(kind))
        .ok_or_else(|| {
            let what = config.kind.map_or("any namespace".to_string(), |k| {
                format!("its {k} namespace")
            });
            Exit::failure(format!("cannot read {what} of process {pid}")).into()
        })
}

fn not_found(snapshot: &Snapshot, config: &Config, inode: Inode) -> anyhow::Error {
    let what = match config.kind {
        Some(kind) => kind.label(inode).to_string(),
        None => inode.to_string(),
    };
    let partial = if snapshot.unprivileged {
        format!(
            "; the view is partial without {}",
            crate::kernel::missing_capabilities().join(" and ")
        )
    } else {
        String::new()
    };
    if let Some(id) = config.ns_id {
        return Exit::failure(format!(
            "refusing to enter: that namespace {what} (id {id}) is gone; nothing holds its inode \
             now{partial}"
        ))
        .into();
    }
    Exit::failure(format!(
        "namespace {what} not found: no process, thread, fd, socket or mount holds it (gone, \
         or never existed){partial}"
    ))
    .into()
}

fn open_failure(
    snapshot: &Snapshot,
    config: &Config,
    ns: &Namespace,
    label: &str,
    tried: &[resolve::Tried],
) -> anyhow::Error {
    if let Some(pid) = config.pid
        && tried.is_empty()
    {
        let now = snapshot
            .process(pid)
            .and_then(|p| p.ns(ns.kind))
            .map(|inode| format!(" (it is in {})", ns.kind.label(inode)))
            .unwrap_or_default();
        return Exit::failure(format!("process {pid} does not hold {label}{now}")).into();
    }
    // Nothing could even be tried, but the scan knows why (a bind mount in a mount
    // namespace no process is in, or a trap): say that rather than a generic line. The path
    // is the host's text; `report` escapes the whole line.
    if tried.is_empty()
        && let Some(holder) = snapshot
            .unreadable_holders
            .iter()
            .find(|h| h.inode == ns.inode)
    {
        return Exit::failure(format!(
            "{label} has no holder nsview can open: {}: {}",
            holder.path, holder.reason
        ))
        .into();
    }
    let missing: Vec<&str> = crate::kernel::missing_capabilities()
        .into_iter()
        .filter(|c| *c == "CAP_SYS_PTRACE")
        .collect();
    Exit::failure(resolve::explain(label, tried, &missing)).into()
}

/// Opens the directory `-r`/`-w` asked for: a given path, or the holder process's root/cwd.
fn holder_dir(
    choice: &DirChoice,
    task: Option<Task>,
    proc_root: &Path,
    which: &str,
) -> Result<Option<OwnedFd>> {
    let flag = if which == "root" {
        "-r/--root"
    } else {
        "-w/--wd"
    };
    match choice {
        DirChoice::Keep => Ok(None),
        DirChoice::Path(path) => join::open_dir(path, "directory").map(Some),
        DirChoice::Holder => {
            let task = task.ok_or_else(|| {
                Exit::failure(format!(
                    "{flag} without a directory needs a holder process; name one with --pid"
                ))
            })?;
            let dir = task.dir(proc_root);
            crate::kernel::own::open_task_dir(&dir, which)
                .map(Some)
                .map_err(|e| {
                    Exit::failure(format!(
                        "cannot open the {which} of process {}: {}: {e}",
                        task.pid,
                        dir.join(which).display()
                    ))
                    .into()
                })
        }
    }
}

fn open_proc_self(proc_root: &Path) -> Result<OwnedFd> {
    crate::kernel::own::open_proc_self(proc_root).map_err(|e| {
        Exit::failure(format!(
            "cannot open our own {}/self: {e}",
            proc_root.display()
        ))
        .into()
    })
}

/// Test hook for the recycled-inode tests: with `NSVIEW_ENTER_TEST_FIFO` set to a fifo, wait
/// after the scan until a writer has opened and closed it, so the test can swap a holder
/// between the scan and the open. It only waits; the checks are the normal ones. Compiled into
/// debug builds only (the ones `cargo test` runs), never into a release binary.
fn test_pause() {
    #[cfg(debug_assertions)]
    if let Some(fifo) = std::env::var_os("NSVIEW_ENTER_TEST_FIFO") {
        let _ = std::fs::read(fifo);
    }
}
