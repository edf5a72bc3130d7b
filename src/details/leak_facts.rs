//! The enrichment step for `nsview leaks` (and the verdicts `show`, the LEAK column, the UI
//! and `metrics` give): everything the verdict and the report need that is not in the scan,
//! read after the scan and before any face renders, so the faces only read the snapshot and
//! these [`Facts`]. Claims come from the holding processes' cgroups and the runtimes' state
//! files (docker's `config.v2.json`, podman's OCI `config.json`); contents come from the
//! `details` readers; ages from a no-sync `statx` of one pin per namespace, resolved inside its
//! mount namespace's root without following any symlink, and from the holder processes' `stat`.
//!
//! The cost follows the namespaces without processes (usually few), never all processes: only
//! their holders' command lines and cgroups are read, only their pins are stat'ed (one per
//! namespace: every copy of a bind mount is the same nsfs inode), and the runtimes' state
//! directories are listed only when one of them is pinned by a bind mount.
//!
//! Every read is bounded (a size cap per state file, a cap on state directories listed) and
//! never follows a symlink at the last component.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::details::{self, ContainerIndex, NamespaceDetails};
use crate::leaks::verdict::{Assessment, Claim, Claims, assess_all, holder_pid};
use crate::model::{Holder, Inode, NsKind, Pid, Snapshot};
use crate::scan::procs;

/// State files larger than this are not read (docker's config.v2.json is a few KiB).
const STATE_FILE_LIMIT: u64 = 4 << 20;
/// At most this many containers' state directories are looked at per runtime.
const STATE_DIR_LIMIT: usize = 4096;

/// How old a namespace is known to be, and since when its holders have run.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Age {
    /// The pin's (nsfs inode's) modification time, seconds since the epoch: the namespace is
    /// at least this old.
    pub pinned_since: Option<i64>,
    /// Holder processes and their start times.
    pub holders_started: Vec<Started>,
}

/// When a holder process started, seconds since the epoch (from its `stat` and the boot time).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Started {
    pub pid: Pid,
    pub since: i64,
}

/// What the leaks face shows beyond the verdict.
#[derive(Default)]
pub struct Facts {
    pub claims: Claims,
    pub contents: BTreeMap<Inode, NamespaceDetails>,
    pub ages: BTreeMap<Inode, Age>,
}

/// A netns path as runtimes write it, with `/var/run` folded onto `/run`.
fn normal_path(path: &str) -> &str {
    path.strip_prefix("/var")
        .filter(|p| p.starts_with("/run/"))
        .unwrap_or(path)
}

/// Claims on the namespaces without processes: a holder process inside a container, or a
/// running container whose state names one of the namespace's pin paths.
pub fn claims(snapshot: &Snapshot, proc_root: &Path) -> Claims {
    let candidates: Vec<_> = snapshot
        .namespaces
        .values()
        .filter(|ns| ns.members.is_empty())
        .collect();
    let holder_pids: BTreeSet<Pid> = candidates
        .iter()
        .flat_map(|ns| ns.holders.iter().filter_map(holder_pid))
        .collect();
    let index = ContainerIndex::for_pids(holder_pids, proc_root);
    let live = proc_root == Path::new("/proc");
    let state_root = if live {
        PathBuf::from("/")
    } else {
        proc_root.join("..")
    };
    let pins = if candidates.iter().any(|ns| {
        ns.holders
            .iter()
            .any(|h| matches!(h, Holder::BindMount { .. }))
    }) {
        running_container_pins(snapshot, &state_root)
    } else {
        BTreeMap::new()
    };
    let mut claims = Claims::new();
    for ns in candidates {
        let mut found = Vec::new();
        for holder in &ns.holders {
            if let Some(pid) = holder_pid(holder)
                && let Some(container) = index.of_pid(pid)
            {
                found.push(Claim {
                    by: container.label(),
                    how: format!("its pid {pid} holds it"),
                });
            }
            if let Holder::BindMount { path, .. } = holder
                && let Some(by) = pins.get(normal_path(path))
            {
                found.push(Claim {
                    by: by.clone(),
                    how: format!("its state names {path}"),
                });
            }
        }
        found.sort();
        found.dedup();
        if !found.is_empty() {
            claims.insert(ns.inode, found);
        }
    }
    claims
}

/// `show`'s leak line for one namespace: the verdict summary, or None when it has members.
pub fn show_line(snapshot: &Snapshot, inode: Inode, proc_root: &Path) -> Option<String> {
    let ns = snapshot.namespace(inode)?;
    if !ns.members.is_empty() {
        return None;
    }
    crate::leaks::verdict_line(snapshot, inode, &claims(snapshot, proc_root))
}

/// Reads the command line of every process that holds a namespace without members, for scans
/// run without `all_commands` (the cheaper scan `leaks` and `metrics` use): only those
/// processes are named in the report.
pub fn fill_holder_commands(snapshot: &mut Snapshot, proc_root: &Path) {
    let pids: BTreeSet<Pid> = snapshot
        .namespaces
        .values()
        .filter(|ns| ns.members.is_empty())
        .flat_map(|ns| ns.holders.iter().filter_map(holder_pid))
        .collect();
    let mut buf = Vec::new();
    for pid in pids {
        let Ok(dir) = rustix::fs::open(
            proc_root.join(pid.to_string()),
            rustix::fs::OFlags::PATH | rustix::fs::OFlags::DIRECTORY | rustix::fs::OFlags::CLOEXEC,
            rustix::fs::Mode::empty(),
        ) else {
            continue;
        };
        if crate::kernel::read::read_at(
            std::os::fd::AsFd::as_fd(&dir),
            c"cmdline",
            crate::kernel::read::Cap::CMDLINE,
            &mut buf,
            true,
        )
        .is_err()
        {
            continue;
        }
        let (command, bytes) = match procs::cmdline_bytes(&buf) {
            Ok(text) => (text, None),
            Err(raw) => (String::from_utf8_lossy(&raw).into_owned(), Some(raw)),
        };
        if let Some(process) = snapshot.processes.get_mut(&pid)
            && !command.is_empty()
        {
            process.command = command;
            process.command_bytes = bytes;
        }
    }
}

/// Reads a state file if it is a regular file (not followed if a symlink) and small enough.
fn read_state(path: &Path) -> Option<String> {
    let meta = std::fs::symlink_metadata(path).ok()?;
    if !meta.file_type().is_file() || meta.len() > STATE_FILE_LIMIT {
        return None;
    }
    std::fs::read_to_string(path).ok()
}

fn state_dirs(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .take(STATE_DIR_LIMIT)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
        .collect()
}

/// Docker's running containers and their sandbox key (`NetworkSettings.SandboxKey`), from
/// `config.v2.json`: (label, path) when `State.Running` is true.
pub fn docker_pin(config_v2: &str) -> Option<(String, String)> {
    let value: serde_json::Value = serde_json::from_str(config_v2).ok()?;
    if value.pointer("/State/Running")?.as_bool() != Some(true) {
        return None;
    }
    let key = value.pointer("/NetworkSettings/SandboxKey")?.as_str()?;
    let id = value.get("ID")?.as_str()?;
    let name = value
        .get("Name")
        .and_then(|n| n.as_str())
        .map(|n| n.trim_start_matches('/'))
        .filter(|n| !n.is_empty());
    let short = id.get(..12).unwrap_or(id);
    let label = match name {
        Some(name) => format!("docker {short} ({name})"),
        None => format!("docker {short}"),
    };
    (!key.is_empty()).then(|| (label, key.to_string()))
}

/// The namespace paths an OCI runtime config (`config.json`) names: `linux.namespaces[].path`.
pub fn oci_namespace_paths(config: &str) -> Vec<String> {
    let Ok(value) = serde_json::from_str::<serde_json::Value>(config) else {
        return Vec::new();
    };
    value
        .pointer("/linux/namespaces")
        .and_then(|n| n.as_array())
        .map(|list| {
            list.iter()
                .filter_map(|ns| ns.get("path")?.as_str())
                .filter(|p| !p.is_empty() && !p.starts_with("/proc/"))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// Pin paths named by running containers, path -> container label. Docker: running per its own
/// state. Podman (root): the OCI config in the container's userdata, running when its conmon's
/// pid (`conmon.pid` under the run root) is a process in the snapshot.
fn running_container_pins(snapshot: &Snapshot, state_root: &Path) -> BTreeMap<String, String> {
    let mut pins = BTreeMap::new();
    for dir in state_dirs(&state_root.join("var/lib/docker/containers")) {
        if let Some((label, key)) =
            read_state(&dir.join("config.v2.json")).and_then(|t| docker_pin(&t))
        {
            pins.insert(normal_path(&key).to_string(), label);
        }
    }
    let storage = state_root.join("var/lib/containers/storage");
    let names = read_state(&storage.join("overlay-containers/containers.json"));
    for dir in state_dirs(&storage.join("overlay-containers")) {
        let Some(id) = dir.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let conmon = state_root.join(format!(
            "run/containers/storage/overlay-containers/{id}/userdata/conmon.pid"
        ));
        // conmon supervises the container while it runs; a zombie conmon (killed, not yet
        // reaped) or a recycled pid running something else does not count.
        let running = read_state(&conmon)
            .and_then(|t| t.trim().parse::<Pid>().ok())
            .and_then(|pid| snapshot.process(pid))
            .is_some_and(|p| !p.is_zombie() && p.comm == "conmon");
        if !running {
            continue;
        }
        let Some(config) = read_state(&dir.join("userdata/config.json")) else {
            continue;
        };
        let short = id.get(..12).unwrap_or(id);
        let label = match names
            .as_deref()
            .and_then(|n| details::container::podman_name(n, id))
        {
            Some(name) => format!("podman {short} ({name})"),
            None => format!("podman {short}"),
        };
        for path in oci_namespace_paths(&config) {
            pins.insert(normal_path(&path).to_string(), label.clone());
        }
    }
    pins
}

/// `btime` from `/proc/stat`: the boot time in seconds since the epoch.
pub fn parse_btime(stat: &str) -> Option<i64> {
    stat.lines()
        .find_map(|l| l.strip_prefix("btime "))
        .and_then(|v| v.trim().parse().ok())
}

/// The modification time of a pin `path` as seen from `root` (an O_PATH fd of a root
/// directory: ours, or `/proc/PID/root` of a process in the pin's mount namespace). The path is
/// resolved inside that root with no symlinks and no magic links at any component
/// (`openat2` `RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS`), then stat'ed
/// without asking a remote filesystem to sync (`AT_STATX_DONT_SYNC`).
fn pin_time(root: std::os::fd::BorrowedFd<'_>, path: &str) -> Option<i64> {
    use rustix::fs::{AtFlags, Mode, OFlags, ResolveFlags, StatxFlags};
    let relative = path.trim_start_matches('/');
    let fd = rustix::fs::openat2(
        root,
        if relative.is_empty() { "." } else { relative },
        OFlags::PATH | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::empty(),
        ResolveFlags::IN_ROOT | ResolveFlags::NO_SYMLINKS | ResolveFlags::NO_MAGICLINKS,
    )
    .ok()?;
    let st = rustix::fs::statx(
        &fd,
        "",
        AtFlags::EMPTY_PATH | AtFlags::STATX_DONT_SYNC,
        StatxFlags::MTIME,
    )
    .ok()?;
    Some(st.stx_mtime.tv_sec)
}

/// An O_PATH fd of the root a bind mount's path is relative to: ours for our own mount
/// namespace, else `/proc/PID/root` of the process the scan saw in that mount namespace, if it
/// is still there.
fn pin_root(
    snapshot: &Snapshot,
    proc_root: &Path,
    mnt_ns: Option<Inode>,
    via_pid: Option<Pid>,
) -> Option<std::os::fd::OwnedFd> {
    use rustix::fs::{Mode, OFlags};
    let open = |path: PathBuf| {
        rustix::fs::open(
            path,
            OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .ok()
    };
    if mnt_ns == snapshot.self_links.get(NsKind::Mnt) {
        return open(PathBuf::from("/"));
    }
    let pid = via_pid?;
    let still_there = rustix::fs::stat(proc_root.join(format!("{pid}/ns/mnt")))
        .ok()
        .map(|st| st.st_ino)
        == mnt_ns;
    still_there.then(|| open(proc_root.join(format!("{pid}/root"))))?
}

/// The whole enrichment of `nsview leaks`: the holders' command lines (into the snapshot),
/// the claims, and contents and ages of the namespaces `wanted` selects among the assessed.
pub fn enrich(
    snapshot: &mut Snapshot,
    proc_root: &Path,
    wanted: impl Fn(&Assessment) -> bool,
) -> Facts {
    fill_holder_commands(snapshot, proc_root);
    let claims = claims(snapshot, proc_root);
    let inodes: Vec<Inode> = assess_all(snapshot, &claims)
        .iter()
        .filter(|a| wanted(a))
        .map(|a| a.inode)
        .collect();
    let mut facts = gather_for(snapshot, proc_root, &inodes);
    facts.claims = claims;
    facts
}

/// Claims, contents and ages for the given namespaces.
pub fn gather(snapshot: &Snapshot, proc_root: &Path, inodes: &[Inode]) -> Facts {
    let mut facts = gather_for(snapshot, proc_root, inodes);
    facts.claims = claims(snapshot, proc_root);
    facts
}

/// Contents and ages (no claims) for the given namespaces.
fn gather_for(snapshot: &Snapshot, proc_root: &Path, inodes: &[Inode]) -> Facts {
    let mut facts = Facts::default();
    let live = proc_root == Path::new("/proc");
    let boot = std::fs::read_to_string(proc_root.join("stat"))
        .ok()
        .and_then(|t| parse_btime(&t));
    // SAFETY: sysconf only reads a configuration value.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as i64;
    for &inode in inodes {
        let Some(ns) = snapshot.namespace(inode) else {
            continue;
        };
        if let Ok(mut found) = details::read(snapshot, inode, proc_root) {
            // A mount namespace without processes has no mountinfo to read: count its mounts
            // through the namespace itself.
            if let details::KindDetails::Mnt(mnt) = &mut found.details
                && mnt.mounts == 0
                && live
                && let Ok(fd) = details::inside::open_namespace(snapshot, ns, proc_root)
                && let Some(count) = crate::scan::mounts::mount_count(&fd)
            {
                mnt.mounts = count as usize;
                found.unavailable.retain(|u| !u.starts_with("mountinfo:"));
            }
            facts.contents.insert(inode, found);
        }
        let age = Age {
            pinned_since: if live {
                pin_age(snapshot, proc_root, ns)
            } else {
                None
            },
            holders_started: holders_started(snapshot, ns, boot, ticks),
        };
        facts.ages.insert(inode, age);
    }
    facts
}

/// The modification time of the namespace's pin. Every copy of a bind mount (one per mount
/// namespace it propagated to: on a container host, hundreds) is the same nsfs inode with the
/// same times, so one pin that answers is enough: ours first (no `/proc/PID/root` to open),
/// then the others in order.
fn pin_age(snapshot: &Snapshot, proc_root: &Path, ns: &crate::model::Namespace) -> Option<i64> {
    let own = snapshot.self_links.get(NsKind::Mnt);
    let mut pins: Vec<(Option<Inode>, &str, Option<Pid>)> = ns
        .holders
        .iter()
        .filter_map(|h| match h {
            Holder::BindMount {
                mnt_ns,
                path,
                via_pid,
            } => Some((*mnt_ns, path.as_str(), *via_pid)),
            _ => None,
        })
        .collect();
    pins.sort_by_key(|(mnt_ns, _, _)| *mnt_ns != own);
    pins.into_iter().find_map(|(mnt_ns, path, via_pid)| {
        let root = pin_root(snapshot, proc_root, mnt_ns, via_pid)?;
        pin_time(std::os::fd::AsFd::as_fd(&root), path)
    })
}

/// When each holder process started, from the start time the scan read from its `stat`.
fn holders_started(
    snapshot: &Snapshot,
    ns: &crate::model::Namespace,
    boot: Option<i64>,
    ticks: i64,
) -> Vec<Started> {
    let Some(boot) = boot else {
        return Vec::new();
    };
    let mut started: Vec<Started> = Vec::new();
    for pid in ns.holders.iter().filter_map(holder_pid) {
        if started.iter().any(|s| s.pid == pid) {
            continue;
        }
        let Some(start) = snapshot
            .process(pid)
            .map(|p| p.start_time)
            .filter(|&t| t > 0)
            .and_then(|t| i64::try_from(t).ok())
        else {
            continue;
        };
        started.push(Started {
            pid,
            since: boot + start / ticks.max(1),
        });
    }
    started
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boot_time_from_stat() {
        assert_eq!(
            parse_btime("cpu 1 2\nbtime 1700000000\n"),
            Some(1_700_000_000)
        );
        assert_eq!(parse_btime("cpu 1"), None);
    }

    #[test]
    fn docker_and_oci_state() {
        let id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        let running = format!(
            r#"{{"ID":"{id}","Name":"/web","State":{{"Running":true}},"NetworkSettings":{{"SandboxKey":"/var/run/docker/netns/1a2b"}}}}"#
        );
        assert_eq!(
            docker_pin(&running),
            Some((
                "docker 0123456789ab (web)".into(),
                "/var/run/docker/netns/1a2b".into()
            ))
        );
        let stopped = running.replace("true", "false");
        assert_eq!(docker_pin(&stopped), None);
        assert_eq!(docker_pin("garbage"), None);
        let oci = r#"{"linux":{"namespaces":[{"type":"pid"},{"type":"network","path":"/run/netns/netns-1"},{"type":"ipc","path":"/proc/1/ns/ipc"}]}}"#;
        assert_eq!(
            oci_namespace_paths(oci),
            vec!["/run/netns/netns-1".to_string()]
        );
        assert!(oci_namespace_paths("{}").is_empty());
    }

    #[test]
    fn state_files_claim_pins_of_running_containers_only() {
        use crate::model::{Namespace, Process};
        let id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        let pid_id = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";
        let root = tempfile::tempdir().expect("tempdir");
        let write = |rel: &str, text: &str| {
            let path = root.path().join(rel);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, text).expect("write");
        };
        write(
            &format!("var/lib/docker/containers/{id}/config.v2.json"),
            &format!(
                r#"{{"ID":"{id}","Name":"/web","State":{{"Running":true}},"NetworkSettings":{{"SandboxKey":"/var/run/docker/netns/1a2b"}}}}"#
            ),
        );
        write(
            &format!("var/lib/containers/storage/overlay-containers/{pid_id}/userdata/config.json"),
            r#"{"linux":{"namespaces":[{"type":"network","path":"/run/netns/netns-x"}]}}"#,
        );
        write(
            &format!("run/containers/storage/overlay-containers/{pid_id}/userdata/conmon.pid"),
            "77\n",
        );
        let mut snapshot = Snapshot::default();
        let pins = running_container_pins(&snapshot, root.path());
        assert_eq!(
            pins.get("/run/docker/netns/1a2b").map(String::as_str),
            Some("docker 0123456789ab (web)")
        );
        assert_eq!(
            pins.get("/run/netns/netns-x"),
            None,
            "conmon 77 is not running"
        );
        snapshot.processes.insert(
            77,
            Process {
                pid: 77,
                ppid: 1,
                uid: 0,
                comm: "conmon".into(),
                command: "conmon".into(),
                command_bytes: None,
                state: 'S',
                start_time: 0,
                links: Default::default(),
                odd_threads: vec![],
            },
        );
        let pins = running_container_pins(&snapshot, root.path());
        assert_eq!(
            pins.get("/run/netns/netns-x").map(String::as_str),
            Some("podman fedcba987654")
        );
        // Through `claims`: a pinned namespace whose path docker names is claimed.
        let mut ns = Namespace::new(5, NsKind::Net);
        ns.holders.push(Holder::BindMount {
            mnt_ns: None,
            path: "/run/docker/netns/1a2b".into(),
            via_pid: None,
        });
        snapshot.namespaces.insert(5, ns);
        let proc_root = root.path().join("proc");
        std::fs::create_dir_all(&proc_root).expect("mkdir");
        let found = claims(&snapshot, &proc_root);
        assert_eq!(
            found.get(&5).map(|c| c[0].by.as_str()),
            Some("docker 0123456789ab (web)")
        );
    }
}
