//! `nsview release <namespace>`: removes what pins a namespace no process is in, safely.
//!
//! The plan is a pure function of the snapshot ([`plan`]): refuse while a process is a member,
//! unmount each nsfs bind mount (lazily, `MNT_DETACH`, as `ip netns del` does) in whichever
//! mount namespace it lives, remove the pin file when it was made for it (an empty regular
//! file directly under `/run/netns`, `/var/run/netns`, `/run/docker/netns` or
//! `/run/user/UID/netns`), and leave fd, socket, thread and `*_for_children` holders alone,
//! naming them. Each step runs in a forked, single-threaded child (which `setns`'s into the
//! foreign mount namespace when the mount lives there, as `enter` does) that first re-checks
//! the path is still this namespace (nsfs, inode, type, `NS_GET_ID`): inodes are reused.
//! The parent bounds the wait for each child. Afterwards a fresh scan checks the namespace id
//! is gone.

use std::io::{BufRead, IsTerminal, Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::time::Duration;

use anyhow::Context;

use crate::error::Exit;
use crate::kernel;
use crate::model::{Holder, Inode, Namespace, NsKind, Snapshot};
use crate::scan::{self, ScanOptions};
use crate::text::safe;

/// The validated options of `nsview release` (built by [`crate::config::release`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    pub inode: Inode,
    pub kind: Option<NsKind>,
    pub ns_id: Option<u64>,
    pub yes: bool,
    pub dry_run: bool,
}

/// What a namespace file must still be before a step touches it: the kernel boundary's own
/// expectation (inode, type, and `NS_GET_ID` when known).
pub use crate::kernel::nsfs::Expected;

/// One bind mount to undo.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unmount {
    pub path: String,
    /// The mount namespace it is in; None (unknown) or nsview's own: done here.
    pub mnt_ns: Option<Inode>,
    pub foreign: bool,
    /// The pin file is removed afterwards (it sits where `ip netns` and the runtimes make them).
    pub remove_pin: bool,
}

/// What `release` will do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    pub expected: Expected,
    pub unmounts: Vec<Unmount>,
    /// Holders it cannot release and does not touch, in words.
    pub untouched: Vec<String>,
    /// Child or owned namespaces that also keep it.
    pub children: Vec<String>,
}

/// The directories whose direct entries are pin files made for a namespace.
pub fn is_pin_path(path: &str) -> bool {
    let Some((dir, name)) = path.rsplit_once('/') else {
        return false;
    };
    if name.is_empty() || name == "." || name == ".." {
        return false;
    }
    let user = dir
        .strip_prefix("/run/user/")
        .or_else(|| dir.strip_prefix("/var/run/user/"))
        .and_then(|r| r.strip_suffix("/netns"))
        .is_some_and(|uid| !uid.is_empty() && uid.bytes().all(|b| b.is_ascii_digit()));
    user || matches!(
        dir,
        "/run/netns" | "/var/run/netns" | "/run/docker/netns" | "/var/run/docker/netns"
    )
}

/// The plan for one namespace, or why not (a member process: named).
pub fn plan(snapshot: &Snapshot, ns: &Namespace) -> Result<Plan, String> {
    if !ns.members.is_empty() {
        let named: Vec<String> = ns
            .members
            .iter()
            .take(8)
            .map(|pid| match snapshot.process(*pid) {
                Some(p) => format!("{pid} ({})", safe(&p.command)),
                None => pid.to_string(),
            })
            .collect();
        let more = if ns.members.len() > 8 {
            format!(" and {} more", ns.members.len() - 8)
        } else {
            String::new()
        };
        return Err(format!(
            "{} has member processes: {}{more}; nothing released",
            ns.label(),
            named.join(", ")
        ));
    }
    let own_mnt = snapshot.self_links.get(NsKind::Mnt);
    let mut plan = Plan {
        expected: Expected {
            inode: ns.inode,
            kind: ns.kind,
            ns_id: ns.ns_id,
        },
        unmounts: Vec::new(),
        untouched: Vec::new(),
        children: Vec::new(),
    };
    for holder in &ns.holders {
        match holder {
            Holder::BindMount { mnt_ns, path, .. } => plan.unmounts.push(Unmount {
                path: path.clone(),
                mnt_ns: *mnt_ns,
                foreign: mnt_ns.is_some() && *mnt_ns != own_mnt,
                remove_pin: is_pin_path(path),
            }),
            Holder::Child { .. } | Holder::Owned { .. } => plan
                .children
                .push(super::describe_holder(snapshot, ns.kind, holder)),
            _ => plan
                .untouched
                .push(super::describe_holder(snapshot, ns.kind, holder)),
        }
    }
    Ok(plan)
}

/// The plan in words, one line each.
pub fn describe(plan: &Plan) -> String {
    let e = plan.expected;
    let mut out = format!("release {}", e.kind.label(e.inode));
    if let Some(id) = e.ns_id {
        out.push_str(&format!(" (ns id {id})"));
    }
    out.push('\n');
    for u in &plan.unmounts {
        let whose = match (u.foreign, u.mnt_ns) {
            (true, Some(m)) => format!(" in mount namespace {}", NsKind::Mnt.label(m)),
            _ => String::new(),
        };
        out.push_str(&format!("  unmount (lazily) {}{whose}\n", safe(&u.path)));
        if u.remove_pin {
            out.push_str(&format!(
                "  remove the pin file {} if it is an empty regular file\n",
                safe(&u.path)
            ));
        }
    }
    for h in &plan.untouched {
        out.push_str(&format!("  cannot release, left alone: {h}\n"));
    }
    for c in &plan.children {
        out.push_str(&format!("  also kept by: {c}\n"));
    }
    if plan.unmounts.is_empty() {
        out.push_str("  nothing to unmount\n");
    }
    out
}

const NSFS_MAGIC: i64 = 0x6e73_6673;

/// Opens `path` through the kernel boundary (`kernel::nsfs::open`: `O_PATH` resolved inside
/// the current root with no symlink followed, a regular nsfs file of the expected inode, only
/// then reopened for the ioctls) and checks type and `NS_GET_ID` against what the scan saw. A
/// path swapped for a FIFO, a device or another namespace is refused, never opened for
/// reading. In the forked child the current root is that of the mount namespace it joined.
pub fn verify_path(path: &str, expected: &Expected) -> Result<kernel::nsfs::NsFile, Unverified> {
    let at = kernel::nsfs::NsPath::InRoot {
        root: std::path::PathBuf::from("/"),
        path: path.to_string(),
    };
    kernel::nsfs::open(&at, Some(expected)).map_err(|refusal| {
        let why = match &refusal {
            kernel::nsfs::Refusal::Gone => return Unverified::Gone,
            kernel::nsfs::Refusal::Changed(found) => {
                identity_matches(found.inode, found.kind, found.ns_id, expected)
                    .err()
                    .unwrap_or_else(|| refusal.describe())
            }
            other => other.describe(),
        };
        Unverified::Refused(format!("{}: {why}", safe(path)))
    })
}

/// Why a step did not touch its path.
#[derive(Debug)]
pub enum Unverified {
    /// Nothing is there any more: an earlier unmount reached this mount namespace too (the
    /// `ip netns` directories are shared mounts, so an unmount propagates to their copies).
    Gone,
    /// Something else is there now, or it could not be checked: left alone, with why.
    Refused(String),
}

/// The pure comparison (unit-tested): an id the kernel reports must equal the expected one.
pub fn identity_matches(
    inode: Inode,
    kind: Option<NsKind>,
    id: Option<u64>,
    expected: &Expected,
) -> Result<(), String> {
    if inode != expected.inode || kind != Some(expected.kind) {
        let found = kind.map_or("not a namespace".into(), |k| k.label(inode).to_string());
        return Err(format!(
            "it is now {found}, not {}",
            expected.kind.label(expected.inode)
        ));
    }
    if let (Some(want), Some(have)) = (expected.ns_id, id)
        && want != have
    {
        return Err(format!(
            "inode {inode} now belongs to another namespace (ns id {have}, expected {want})"
        ));
    }
    Ok(())
}

/// Removes the pin file at `path` when it is an empty regular file, not an nsfs mount any more
/// (another bind mount may be stacked there), checked without following symlinks.
fn remove_pin(path: &str) -> Result<bool, String> {
    use rustix::fs::{AtFlags, Mode, OFlags};
    let (dir, name) = path.rsplit_once('/').ok_or("no directory")?;
    let dir_fd = rustix::fs::open(
        dir,
        OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC | OFlags::RDONLY,
        Mode::empty(),
    )
    .map_err(|e| format!("{}: {e}", safe(dir)))?;
    let file = rustix::fs::openat(
        &dir_fd,
        name,
        OFlags::PATH | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .map_err(|e| format!("{}: {e}", safe(path)))?;
    if rustix::fs::fstatfs(&file)
        .map_err(|e| e.to_string())?
        .f_type as i64
        == NSFS_MAGIC
    {
        return Ok(false);
    }
    let st = rustix::fs::statat(&dir_fd, name, AtFlags::SYMLINK_NOFOLLOW)
        .map_err(|e| format!("{}: {e}", safe(path)))?;
    let regular =
        rustix::fs::FileType::from_raw_mode(st.st_mode) == rustix::fs::FileType::RegularFile;
    if !regular || st.st_size != 0 {
        return Ok(false);
    }
    rustix::fs::unlinkat(&dir_fd, name, AtFlags::empty())
        .map_err(|e| format!("removing {}: {e}", safe(path)))?;
    Ok(true)
}

/// One step, in the child: (re-)verify, unmount lazily, remove the pin. One line of result.
fn step_here(unmount: &Unmount, expected: &Expected) -> Result<String, String> {
    match verify_path(&unmount.path, expected) {
        Ok(_) => {}
        Err(Unverified::Gone) => {
            return Ok(format!(
                "{} is no longer mounted (an earlier unmount reached it)",
                safe(&unmount.path)
            ));
        }
        Err(Unverified::Refused(why)) => return Err(why),
    }
    nix::mount::umount2(
        unmount.path.as_str(),
        nix::mount::MntFlags::MNT_DETACH | nix::mount::MntFlags::UMOUNT_NOFOLLOW,
    )
    .map_err(|e| format!("unmounting {}: {e}", safe(&unmount.path)))?;
    let mut line = format!("unmounted {}", safe(&unmount.path));
    if unmount.remove_pin {
        match remove_pin(&unmount.path)? {
            true => line.push_str(", removed the pin file"),
            false => line.push_str(", pin file kept (not an empty regular file, or still mounted)"),
        }
    }
    Ok(line)
}

/// How long one step may take (path resolution in a mount namespace could meet a hung mount).
const STEP_TIMEOUT: Duration = Duration::from_secs(10);

/// Runs one step in a forked child, inside `mnt_fd`'s mount namespace when given.
fn step_in_child(
    unmount: &Unmount,
    expected: &Expected,
    mnt_fd: Option<&kernel::nsfs::NsFile>,
) -> Result<String, String> {
    let (read, write) = nix::unistd::pipe().map_err(|e| format!("pipe: {e}"))?;
    // SAFETY: the caller made sure this process is single-threaded (ensure_single_threaded),
    // so the child may allocate and run ordinary code before it exits.
    match unsafe { nix::unistd::fork() }.map_err(|e| format!("fork: {e}"))? {
        nix::unistd::ForkResult::Child => {
            drop(read);
            let result = match mnt_fd {
                Some(fd) => kernel::nsfs::setns(fd.as_fd(), NsKind::Mnt)
                    .map_err(|e| format!("entering the mount namespace: {e}"))
                    .and_then(|()| step_here(unmount, expected)),
                None => step_here(unmount, expected),
            };
            let (code, text) = match result {
                Ok(line) => (0, line),
                Err(line) => (1, line),
            };
            let mut file = std::fs::File::from(write);
            let _ = file.write_all(text.as_bytes());
            drop(file);
            // SAFETY: _exit ends the child without running the parent's atexit handlers.
            unsafe { libc::_exit(code) }
        }
        nix::unistd::ForkResult::Parent { child } => {
            drop(write);
            let text = read_bounded(read, STEP_TIMEOUT);
            let status = match text {
                Some(_) => nix::sys::wait::waitpid(child, None).ok(),
                None => {
                    let _ = nix::sys::signal::kill(child, nix::sys::signal::Signal::SIGKILL);
                    let _ = nix::sys::wait::waitpid(child, None);
                    return Err(format!(
                        "{}: gave up after {}s",
                        safe(&unmount.path),
                        STEP_TIMEOUT.as_secs()
                    ));
                }
            };
            let text = text.unwrap_or_default();
            match status {
                Some(nix::sys::wait::WaitStatus::Exited(_, 0)) => Ok(text),
                _ if !text.is_empty() => Err(text),
                other => Err(format!("{}: step failed ({other:?})", safe(&unmount.path))),
            }
        }
    }
}

/// Reads the child's result until EOF, giving up after `timeout`.
fn read_bounded(fd: OwnedFd, timeout: Duration) -> Option<String> {
    use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
    let deadline = std::time::Instant::now() + timeout;
    let mut file = std::fs::File::from(fd);
    let mut out = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            return None;
        }
        let millis = u16::try_from(left.as_millis()).unwrap_or(u16::MAX);
        let mut fds = [PollFd::new(file.as_fd(), PollFlags::POLLIN)];
        match poll(&mut fds, PollTimeout::from(millis)) {
            Ok(0) => continue,
            Ok(_) => {}
            Err(nix::Error::EINTR) => continue,
            Err(_) => return None,
        }
        let mut buf = [0u8; 1024];
        match file.read(&mut buf) {
            Ok(0) => return Some(String::from_utf8_lossy(&out).into_owned()),
            Ok(n) if out.len() < 64 * 1024 => out.extend_from_slice(&buf[..n]),
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
    }
}

/// Asks on the terminal; false unless the answer starts with y.
fn confirm() -> anyhow::Result<bool> {
    let mut err = std::io::stderr().lock();
    write!(err, "Release it? [y/N] ")?;
    err.flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(matches!(line.trim(), "y" | "Y" | "yes" | "YES" | "Yes"))
}

/// How long `release` rescans while only newcomer holders (another scanner's fds) keep the
/// released namespace findable.
const SETTLE: Duration = Duration::from_secs(3);

/// Runs `nsview release`: 0 when the namespace is gone, 1 when refused or still held.
pub fn run(config: &Config, options: ScanOptions) -> anyhow::Result<i32> {
    if !options.is_live() {
        return Err(Exit::failure("release works on the live system only (no --proc-root)").into());
    }
    let snapshot = scan::scan(&options)?;
    let Some(ns) = snapshot.namespace(config.inode) else {
        return Err(Exit::failure(format!("no namespace with inode {}", config.inode)).into());
    };
    if let Some(kind) = config.kind
        && kind != ns.kind
    {
        return Err(Exit::failure(format!(
            "namespace {} is a {} namespace, not {kind}",
            ns.inode, ns.kind
        ))
        .into());
    }
    if let Some(want) = config.ns_id
        && ns.ns_id != Some(want)
    {
        let have = ns.ns_id.map_or("unknown".into(), |id| id.to_string());
        return Err(Exit::failure(format!(
            "inode {} now belongs to another namespace (ns id {have}, expected {want}); nothing released",
            ns.inode
        ))
        .into());
    }
    let plan = plan(&snapshot, ns).map_err(Exit::failure)?;
    let mut out = std::io::stdout().lock();
    out.write_all(describe(&plan).as_bytes())
        .context("writing the plan")?;
    out.flush().context("writing the plan")?;
    if config.dry_run {
        return Ok(0);
    }
    if plan.unmounts.is_empty() {
        let why = if plan.untouched.is_empty() {
            "no bind mount pins it"
        } else {
            "only process holders keep it; look at them"
        };
        return Err(Exit::failure(format!("nothing to release: {why}")).into());
    }
    if !config.yes {
        if !std::io::stdin().is_terminal() {
            return Err(Exit::failure(
                "not asking on a non-terminal: pass --yes to release, or --dry-run to only show",
            )
            .into());
        }
        if !confirm()? {
            writeln!(out, "nothing released")?;
            return Ok(1);
        }
    }
    crate::enter::join::ensure_single_threaded(&options.proc_root)?;
    for unmount in &plan.unmounts {
        let mnt_fd = if unmount.foreign {
            let opened = unmount
                .mnt_ns
                .and_then(|m| snapshot.namespace(m))
                .ok_or_else(|| "its mount namespace is not in the scan".to_string())
                .and_then(|m| {
                    kernel::open_namespace(&snapshot, m, &options.proc_root)
                        .map_err(|e| format!("opening its mount namespace: {}", e.describe()))
                });
            match opened {
                Ok(fd) => Some(fd),
                Err(why) => {
                    writeln!(out, "skipped {}: {why}", safe(&unmount.path))?;
                    continue;
                }
            }
        } else {
            None
        };
        match step_in_child(unmount, &plan.expected, mnt_fd.as_ref()) {
            Ok(line) => writeln!(out, "{line}")?,
            Err(why) => {
                writeln!(out, "not released: {why}")?;
            }
        }
    }
    // A fresh scan: the namespace is gone when its id (or, without NS_GET_ID, its inode and
    // type) is no longer found. Another scanner (a second nsview, lsns, lsfd) holds every
    // namespace file open for a moment while it walks relations, and such a moment keeps a
    // freed namespace findable as "held by an fd". So while a holder the first scan did not
    // see (a newcomer, possibly transient) is among those left, scan again, for a bounded
    // time; holders that were all there before (a process fd we left alone) are reported
    // at once.
    let known = ns.holders.clone();
    let deadline = std::time::Instant::now() + SETTLE;
    let mut after;
    let still = loop {
        after = scan::scan(&options)?;
        let found = after
            .namespaces
            .values()
            .find(|n| match plan.expected.ns_id {
                Some(id) => n.ns_id == Some(id),
                None => n.inode == plan.expected.inode && n.kind == plan.expected.kind,
            })
            .map(|n| n.inode);
        let settled = found
            .and_then(|inode| after.namespace(inode))
            .is_none_or(|n| n.holders.iter().all(|h| known.contains(h)));
        if settled || std::time::Instant::now() >= deadline {
            break found.and_then(|inode| after.namespace(inode));
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    match still {
        None => {
            writeln!(
                out,
                "{} is gone",
                plan.expected.kind.label(plan.expected.inode)
            )?;
            // Gone is what was asked for, whatever a step said on the way.
            Ok(0)
        }
        Some(ns) => {
            let holders: Vec<String> = ns
                .holders
                .iter()
                .map(|h| super::describe_holder(&after, ns.kind, h))
                .collect();
            writeln!(
                out,
                "{} is still there, held by: {}",
                ns.label(),
                if holders.is_empty() {
                    "nothing nsview can see".into()
                } else {
                    holders.join("; ")
                }
            )?;
            Ok(1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pin_paths_are_only_the_runtime_directories() {
        for ok in [
            "/run/netns/x",
            "/var/run/netns/cni-1",
            "/run/docker/netns/abc",
            "/run/user/1000/netns/netns-1",
        ] {
            assert!(is_pin_path(ok), "{ok}");
        }
        for bad in [
            "/run/netns/",
            "/run/netns/..",
            "/run/netns/a/b",
            "/etc/passwd",
            "/run/user/x/netns/a",
            "/mnt/netns",
            "netns",
        ] {
            assert!(!is_pin_path(bad), "{bad}");
        }
    }

    #[test]
    fn identity_checks() {
        let e = Expected {
            inode: 5,
            kind: NsKind::Net,
            ns_id: Some(100),
        };
        assert!(identity_matches(5, Some(NsKind::Net), Some(100), &e).is_ok());
        assert!(identity_matches(5, Some(NsKind::Net), None, &e).is_ok());
        let err = identity_matches(5, Some(NsKind::Net), Some(101), &e).expect_err("reused");
        assert!(err.contains("another namespace"), "{err}");
        assert!(identity_matches(6, Some(NsKind::Net), Some(100), &e).is_err());
        assert!(identity_matches(5, Some(NsKind::Uts), Some(100), &e).is_err());
        assert!(identity_matches(5, None, None, &e).is_err());
    }

    #[test]
    fn plans_refuse_members_and_leave_process_holders_alone() {
        let mut snapshot = Snapshot::default();
        snapshot.self_links.current[NsKind::Mnt.index()] = crate::model::Link::Ns(1);
        let mut ns = Namespace::new(5, NsKind::Net);
        ns.members = vec![42];
        assert!(plan(&snapshot, &ns).expect_err("member").contains("42"));
        ns.members.clear();
        ns.holders = vec![
            Holder::Fd { pid: 7, fd: 3 },
            Holder::BindMount {
                mnt_ns: Some(1),
                path: "/run/netns/a".into(),
                via_pid: Some(1),
            },
            Holder::BindMount {
                mnt_ns: Some(2),
                path: "/mnt/netns".into(),
                via_pid: Some(9),
            },
        ];
        let p = plan(&snapshot, &ns).expect("plan");
        assert_eq!(p.unmounts.len(), 2);
        assert!(!p.unmounts[0].foreign && p.unmounts[0].remove_pin);
        assert!(p.unmounts[1].foreign && !p.unmounts[1].remove_pin);
        assert_eq!(p.untouched, vec!["fd 3 of pid 7".to_string()]);
        let text = describe(&p);
        assert!(
            text.contains("unmount (lazily) /mnt/netns in mount namespace mnt:[2]"),
            "{text}"
        );
        assert!(text.contains("left alone: fd 3 of pid 7"), "{text}");
    }
}
