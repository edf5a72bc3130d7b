//! Which container a process belongs to, from the text of its cgroup path alone: docker,
//! podman/libpod, containerd/CRI, CRI-O, kubepods (with the pod UID), LXC/LXD and
//! systemd-nspawn machines. A pure function over the path, plus the once-per-scan index that
//! joins it to processes and namespaces (the procs habit: load a table once, join by key).
//!
//! Nothing here asks a container engine: names that only an engine knows are not guessed.
//!
//! A cgroup path is chosen by whoever can write to the cgroup tree, and a rootless user owns a
//! delegated subtree: `docker-<64 hex>.scope` proves nothing. So a label says where it came
//! from ([`Provenance`]), an engine's name is attached only when the engine's own state file
//! names the process (its recorded pid is in the very same cgroup), and a namespace is given a
//! container's label only by its init ([`ContainerIndex::label_of`]), never the host's.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::model::{Inode, Namespace, NsKind, Pid, Snapshot};

/// The engine or manager a cgroup path pattern belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Runtime {
    Docker,
    Podman,
    Containerd,
    #[serde(rename = "cri-o")]
    Crio,
    /// A Kubernetes container under the cgroupfs driver (`/kubepods/.../<id>`): the path does
    /// not say which CRI runtime made it.
    Cri,
    Lxc,
    Nspawn,
}

impl Runtime {
    /// The name in text and JSON alike.
    pub fn name(self) -> &'static str {
        match self {
            Runtime::Docker => "docker",
            Runtime::Podman => "podman",
            Runtime::Containerd => "containerd",
            Runtime::Crio => "cri-o",
            Runtime::Cri => "cri",
            Runtime::Lxc => "lxc",
            Runtime::Nspawn => "nspawn",
        }
    }
}

/// A container as its cgroup path names it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Container {
    pub runtime: Runtime,
    /// The full id (64 hex digits) or, for LXC and nspawn, the machine name.
    pub id: String,
    /// What users type: the first 12 hex digits, or the name.
    pub short_id: String,
    /// The pod: the Kubernetes pod UID (with dashes) when the path is under kubepods, or the
    /// podman pod id (64 hex digits, see [`podman_pod_id`]).
    pub pod_uid: Option<String>,
    /// The pod's name, when the engine's state says it (podman: its database, see
    /// [`podman_pod_name`]) for a container whose name the state file vouched for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_name: Option<String>,
    /// True for the runtime's monitor process (`libpod-conmon-`, `crio-conmon-`,
    /// `lxc.monitor.`), which sits beside the container, not inside it.
    pub monitor: bool,
    /// The engine's name for it (docker, podman), read from the engine's state files on the
    /// live system when they are there, readable, and name this very process; None otherwise.
    pub name: Option<String>,
    /// Where the label came from: the cgroup path alone, or confirmed by the engine's state
    /// file (which also gave the name).
    #[serde(default)]
    pub provenance: Provenance,
}

/// Where a container label came from. A cgroup path can be chosen by anyone with a delegated
/// cgroup subtree; an engine's state file is written by the engine (root) and names the
/// container's pid.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Provenance {
    /// Only the text of the cgroup path (runtime and id), nothing that confirms it.
    #[default]
    CgroupPath,
    /// The engine's state file (docker's config.v2.json, podman's userdata) records this
    /// container's pid in the same cgroup: the name is the engine's.
    StateFile,
}

impl Provenance {
    /// How `show` and the UI's detail pane say it.
    pub fn describe(self) -> &'static str {
        match self {
            Provenance::CgroupPath => "from the cgroup path",
            Provenance::StateFile => "from the engine's state file",
        }
    }
}

impl Container {
    fn new(runtime: Runtime, id: &str) -> Container {
        let short_id = if is_hex_id(id) { &id[..12] } else { id };
        Container {
            runtime,
            id: id.to_string(),
            short_id: short_id.to_string(),
            pod_uid: None,
            pod_name: None,
            monitor: false,
            name: None,
            provenance: Provenance::CgroupPath,
        }
    }

    /// The label with its pod and where it came from, as `show` prints it: `podman
    /// 0123456789ab (web) pod <id>, from the engine's state file`.
    pub fn describe(&self) -> String {
        format!("{}, {}", self.with_pod_id(), self.provenance.describe())
    }

    /// The label and the pod's id (the UI's detail pane adds where it came from):
    /// `podman 0123456789ab (web) pod <id>`, or `... pod shop (pod id <id>)` when the pod's
    /// name is known.
    pub fn with_pod_id(&self) -> String {
        let pod = match (&self.pod_uid, &self.pod_name) {
            (Some(id), Some(_)) => format!(" (pod id {id})"),
            (Some(id), None) => format!(" pod {id}"),
            (None, _) => String::new(),
        };
        format!("{}{pod}", self.label())
    }

    /// `docker 0123456789ab (web)`, `lxc web`, with ` (monitor)` for monitors and ` pod
    /// shop` when the pod's name is known.
    pub fn label(&self) -> String {
        let name = match &self.name {
            Some(name) if *name != self.short_id => format!(" ({name})"),
            _ => String::new(),
        };
        let monitor = if self.monitor { " (monitor)" } else { "" };
        let pod = self
            .pod_name
            .as_ref()
            .map(|pod| format!(" pod {pod}"))
            .unwrap_or_default();
        format!(
            "{} {}{name}{monitor}{pod}",
            self.runtime.name(),
            self.short_id
        )
    }
}

/// Docker's name for a container: `"Name":"/web"` in its `config.v2.json`.
pub fn docker_name(config_v2: &str) -> Option<String> {
    docker_record(config_v2).and_then(|r| r.name)
}

/// Docker's record of a container: its name and the pid of its init (`"State":{"Pid":N}`,
/// 0 when it is not running).
fn docker_record(config_v2: &str) -> Option<EngineRecord> {
    let value: serde_json::Value = serde_json::from_str(config_v2).ok()?;
    let name = value
        .get("Name")
        .and_then(|n| n.as_str())
        .map(|n| n.trim_start_matches('/'))
        .filter(|n| !n.is_empty())
        .map(str::to_string);
    let pid = value
        .get("State")
        .and_then(|s| s.get("Pid"))
        .and_then(|p| p.as_u64())
        .and_then(|p| Pid::try_from(p).ok())
        .filter(|&p| p > 0);
    Some(EngineRecord { name, pid })
}

/// What an engine's state files say about one container.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct EngineRecord {
    name: Option<String>,
    /// The host pid the engine started the container's init as.
    pid: Option<Pid>,
}

/// Podman's name for container `id`, from its storage `containers.json`
/// (`[{"id": ..., "names": [...]}, ...]`).
pub fn podman_name(containers_json: &str, id: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(containers_json).ok()?;
    value
        .as_array()?
        .iter()
        .find(|c| c.get("id").and_then(|v| v.as_str()) == Some(id))?
        .get("names")?
        .as_array()?
        .first()?
        .as_str()
        .map(str::to_string)
}

/// Podman's name for pod `pod_id`, from its database (`libpod/bolt_state.db`, a BoltDB file)
/// read as bytes: podman stores each pod's configuration as one JSON value, written by Go's
/// encoding/json in field order, `{"id":"<pod id>","name":"<name>",...}`, and BoltDB keeps a
/// value in contiguous bytes (a page or a run of overflow pages). A pod's configuration never
/// changes, so a stale copy in a freed page says the same; ids are random 64-hex strings, so
/// no other pod's or container's record starts like it. The name must look like one podman
/// accepts (`[a-zA-Z0-9][a-zA-Z0-9_.-]*`), anything else is not taken. The first copy that
/// reads whole wins: a freed page podman is rewriting while we read may hold a torn one.
pub fn podman_pod_name(db: &[u8], pod_id: &str) -> Option<String> {
    if !is_hex_id(pod_id) {
        return None;
    }
    let key = format!(r#"{{"id":"{pod_id}","name":"#);
    let valid = |name: &String| {
        name.bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphanumeric())
            && name.len() <= 253
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
    };
    db.windows(key.len())
        .enumerate()
        .filter(|(_, w)| *w == key.as_bytes())
        .find_map(|(at, _)| {
            serde_json::Deserializer::from_slice(&db[at + key.len()..])
                .into_iter::<String>()
                .next()?
                .ok()
                .filter(valid)
        })
}

/// The size cap for an engine state file and a cgroup file: far above real ones, so a huge or
/// endless file costs a bounded read.
const STATE_FILE_CAP: u64 = 16 << 20;
const CGROUP_FILE_CAP: u64 = 64 << 10;

/// Reads a small regular file without blocking or following a final symlink (a FIFO or device
/// under a fake proc root must not hang or flood the scan), at most `cap` bytes. (A local
/// boundary until the shared bounded reads of `src/kernel/` are there to call instead.)
fn read_small(path: &Path, cap: u64) -> Option<String> {
    String::from_utf8(read_small_bytes(path, cap)?).ok()
}

/// [`read_small`] for a binary file (podman's database).
fn read_small_bytes(path: &Path, cap: u64) -> Option<Vec<u8>> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW | libc::O_NOCTTY | libc::O_CLOEXEC)
        .open(path)
        .ok()?;
    if !file.metadata().ok()?.is_file() {
        return None;
    }
    let mut bytes = Vec::new();
    file.take(cap).read_to_end(&mut bytes).ok()?;
    Some(bytes)
}

/// What the engine's state files under `state_root` (`/` on the live system) say about a
/// container. Only docker and root podman keep them there; nothing is asked of a running
/// engine. The id is validated hex (64 digits) before it becomes part of a path.
fn engine_record(container: &Container, state_root: &Path) -> Option<EngineRecord> {
    if !is_hex_id(&container.id) {
        return None;
    }
    match container.runtime {
        Runtime::Docker => {
            let path = state_root.join(format!(
                "var/lib/docker/containers/{}/config.v2.json",
                container.id
            ));
            docker_record(&read_small(&path, STATE_FILE_CAP)?)
        }
        Runtime::Podman => {
            let path =
                state_root.join("var/lib/containers/storage/overlay-containers/containers.json");
            let name = podman_name(&read_small(&path, STATE_FILE_CAP)?, &container.id);
            // conmon writes the container's pid to userdata/pidfile (and its own to conmon.pid).
            let userdata = state_root.join(format!(
                "run/containers/storage/overlay-containers/{}/userdata",
                container.id
            ));
            let pid = read_small(&userdata.join("pidfile"), 64)
                .and_then(|t| t.trim().parse::<Pid>().ok())
                .filter(|&p| p > 0);
            Some(EngineRecord { name, pid })
        }
        _ => None,
    }
}

/// A container id: exactly 64 lowercase hex digits, as docker, podman, containerd and CRI-O
/// all generate them.
fn is_hex_id(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// A UUID, 8-4-4-4-12 hex digits in any case: a Kubernetes pod UID (some clusters use
/// uppercase), the tail of a CNI or netns pin name.
pub fn is_uuid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// systemd unit-name unescaping: `\x2d` -> `-` (and any other `\xNN`).
fn unescape_unit(text: &str) -> String {
    crate::text::unescape(text, crate::text::Escaped::Hex)
}

/// Recognises one path component. `previous` is the component before it (for `/docker/<id>`,
/// `/lxc/<name>` and the kubepods cgroupfs layout).
fn component(previous: Option<&str>, part: &str, under_kubepods: bool) -> Option<Container> {
    // systemd driver scopes: <prefix>-<id>.scope
    const SCOPES: [(&str, Runtime, bool); 8] = [
        ("docker-", Runtime::Docker, false),
        ("libpod-conmon-", Runtime::Podman, true),
        ("libpod-", Runtime::Podman, false),
        ("cri-containerd-", Runtime::Containerd, false),
        ("nerdctl-", Runtime::Containerd, false),
        ("crio-conmon-", Runtime::Crio, true),
        ("crio-", Runtime::Crio, false),
        ("machine-", Runtime::Nspawn, false),
    ];
    if let Some(unit) = part.strip_suffix(".scope") {
        for (prefix, runtime, monitor) in SCOPES {
            let Some(rest) = unit.strip_prefix(prefix) else {
                continue;
            };
            if runtime == Runtime::Nspawn {
                let name = unescape_unit(rest);
                return (!name.is_empty()).then(|| Container::new(runtime, &name));
            }
            // `libpod-conmon-<id>` also starts with `libpod-`: the longer prefix comes first.
            return is_hex_id(rest).then(|| Container {
                monitor,
                ..Container::new(runtime, rest)
            });
        }
        return None;
    }
    // nspawn started as a service: machine.slice/systemd-nspawn@<name>.service
    if let Some(name) = part
        .strip_prefix("systemd-nspawn@")
        .and_then(|p| p.strip_suffix(".service"))
    {
        let name = unescape_unit(name);
        return (!name.is_empty()).then(|| Container::new(Runtime::Nspawn, &name));
    }
    // cgroupfs driver: /docker/<id>, /libpod_parent/libpod-<id>, /kubepods/.../crio-<id>
    if let Some(rest) = part.strip_prefix("libpod-")
        && is_hex_id(rest)
    {
        return Some(Container::new(Runtime::Podman, rest));
    }
    if let Some(rest) = part.strip_prefix("crio-")
        && is_hex_id(rest)
    {
        return Some(Container::new(Runtime::Crio, rest));
    }
    // LXC 4+ and LXD: lxc.payload.<name> / lxc.monitor.<name>; LXC 3: lxc.payload/<name>
    if let Some(name) = part.strip_prefix("lxc.payload.")
        && !name.is_empty()
    {
        return Some(Container::new(Runtime::Lxc, name));
    }
    if let Some(name) = part.strip_prefix("lxc.monitor.")
        && !name.is_empty()
    {
        return Some(Container {
            monitor: true,
            ..Container::new(Runtime::Lxc, name)
        });
    }
    match previous {
        Some("docker") if is_hex_id(part) => Some(Container::new(Runtime::Docker, part)),
        Some("lxc" | "lxc.payload") if !part.is_empty() => Some(Container::new(Runtime::Lxc, part)),
        _ if under_kubepods && is_hex_id(part) => Some(Container::new(Runtime::Cri, part)),
        _ => None,
    }
}

/// The pod UID in a kubepods component: `pod<uid>` (cgroupfs) or
/// `kubepods-<qos>-pod<uid_with_underscores>.slice` (systemd).
fn pod_uid(part: &str) -> Option<String> {
    let raw = if let Some(slice) = part.strip_suffix(".slice") {
        let at = slice.rfind("-pod")?;
        slice.starts_with("kubepods").then(|| &slice[at + 4..])?
    } else {
        part.strip_prefix("pod")?
    };
    let uid = raw.replace('_', "-");
    is_uuid(&uid).then_some(uid)
}

/// The container a cgroup path (one line of `/proc/PID/cgroup`, without `N:controllers:`)
/// belongs to. When containers nest (docker in docker), the innermost one wins.
pub fn container_from_cgroup(path: &str) -> Option<Container> {
    let mut found: Option<Container> = None;
    let mut pod: Option<String> = None;
    let mut under_kubepods = false;
    let mut previous: Option<&str> = None;
    for part in path.split('/').filter(|p| !p.is_empty()) {
        if part == "kubepods" || part.starts_with("kubepods.") || part.starts_with("kubepods-") {
            under_kubepods = true;
        }
        if under_kubepods && let Some(uid) = pod_uid(part) {
            pod = Some(uid);
        } else if let Some(container) = component(previous, part, under_kubepods) {
            found = Some(container);
        }
        previous = Some(part);
    }
    found.map(|c| Container {
        pod_uid: pod.clone().or_else(|| match c.runtime {
            Runtime::Podman => podman_pod_id(path),
            _ => None,
        }),
        ..c
    })
}

/// The podman pod a podman container's cgroup path puts it in: `<parent>/libpod_parent/<pod
/// id>/libpod-<id>` (cgroupfs manager) or `.../machine-libpod_pod_<pod id>.slice/libpod-<id>
/// .scope` (systemd manager; `user-libpod_pod_` when rootless). Podman keeps the pod's name only
/// in its database (`bolt_state.db`), so only the id is known.
pub fn podman_pod_id(path: &str) -> Option<String> {
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    parts.iter().enumerate().rev().find_map(|(at, part)| {
        let id = match part.strip_suffix(".slice") {
            Some(slice) => &slice[slice.rfind("libpod_pod_")? + "libpod_pod_".len()..],
            None if at > 0 && parts[at - 1] == "libpod_parent" => part,
            None => return None,
        };
        is_hex_id(id).then(|| id.to_string())
    })
}

/// The cgroup path to attribute a process by, from the text of `/proc/PID/cgroup`: the
/// unified (`0::`) line, else the `name=systemd` line, else the first line that names a
/// container (cgroup v1 hierarchies disagree when a runtime only uses some controllers).
pub fn container_from_cgroup_file(text: &str) -> Option<Container> {
    container_and_path(text).map(|(container, _)| container)
}

/// The lines of a cgroup file ([`super::procfs::parse_cgroup`]), the preferred hierarchies
/// first.
fn preferred_lines(text: &str) -> Vec<super::procfs::CgroupLine> {
    let mut lines = super::procfs::parse_cgroup(text);
    // Preferred hierarchies first; the sort is stable so the rest keep their order.
    lines.sort_by_key(|line| match line.controllers.as_str() {
        "" => 0,
        "name=systemd" => 1,
        _ => 2,
    });
    lines
}

/// Containers by pid, read once from every process's `/proc/PID/cgroup`.
#[derive(Clone, Debug, Default)]
pub struct ContainerIndex {
    by_pid: BTreeMap<Pid, Container>,
    /// The cgroup path each container was recognised from, to check an engine's recorded pid
    /// sits in the same cgroup as the process it would name.
    cgroups: BTreeMap<Pid, String>,
}

/// The cgroup path to attribute a process by and the container it names (see
/// [`container_from_cgroup_file`]).
fn container_and_path(text: &str) -> Option<(Container, String)> {
    preferred_lines(text)
        .into_iter()
        .find_map(|line| Some((container_from_cgroup(&line.path)?, line.path)))
}

impl ContainerIndex {
    /// Reads `/proc/PID/cgroup` of every process in the snapshot. Unreadable ones are skipped.
    pub fn build(snapshot: &Snapshot, proc_root: &Path) -> ContainerIndex {
        ContainerIndex::for_pids(snapshot.processes.keys().copied(), proc_root)
    }

    /// Reads the cgroup files that [`Self::label_of`] needs: each namespace's init's, for the
    /// namespaces that are not the host's (a few hundred files on a host of thousands of
    /// processes, where [`Self::build`] reads them all).
    pub fn for_labels(snapshot: &Snapshot, proc_root: &Path) -> ContainerIndex {
        let inits = snapshot
            .namespaces
            .values()
            .filter(|ns| !is_host_namespace(snapshot, ns))
            .filter_map(|ns| namespace_init(snapshot, ns));
        ContainerIndex::for_pids(inits, proc_root)
    }

    /// Reads `/proc/PID/cgroup` of just these processes.
    pub fn for_pids(pids: impl IntoIterator<Item = Pid>, proc_root: &Path) -> ContainerIndex {
        let mut index = ContainerIndex::default();
        for pid in pids {
            index.add(pid, proc_root);
        }
        if proc_root == Path::new("/proc") {
            index.with_engine_names(Path::new("/"), proc_root)
        } else {
            index
        }
    }

    /// Reads one process's cgroup file into the index, if it names a container.
    fn add(&mut self, pid: Pid, proc_root: &Path) {
        if self.by_pid.contains_key(&pid) {
            return;
        }
        let path = proc_root.join(format!("{pid}/cgroup"));
        if let Some((container, cgroup)) =
            read_small(&path, CGROUP_FILE_CAP).and_then(|t| container_and_path(&t))
        {
            self.insert(pid, container, cgroup);
        }
    }

    fn insert(&mut self, pid: Pid, container: Container, cgroup: String) {
        self.by_pid.insert(pid, container);
        self.cgroups.insert(pid, cgroup);
    }

    /// Fills [`Container::name`] from the engines' state files under `state_root`, once per
    /// container, for the processes the state file vouches for: the engine's recorded pid is
    /// recognised as the same container from the very same cgroup path. A process whose cgroup
    /// merely carries another container's id (a rootless user can name a delegated cgroup
    /// anything) keeps the bare cgroup-path label. `proc_root` is where a recorded pid's cgroup
    /// file is read when the index does not have it yet.
    pub fn with_engine_names(mut self, state_root: &Path, proc_root: &Path) -> ContainerIndex {
        let mut records: BTreeMap<(Runtime, String), Option<EngineRecord>> = BTreeMap::new();
        for container in self.by_pid.values() {
            records
                .entry((container.runtime, container.id.clone()))
                .or_insert_with(|| engine_record(container, state_root));
        }
        for record in records.values().flatten() {
            if let Some(pid) = record.pid {
                self.add(pid, proc_root);
            }
        }
        // Per container: the engine's name and the cgroup path of the pid it recorded.
        let vouched: BTreeMap<&(Runtime, String), (&String, &String)> = records
            .iter()
            .filter_map(|(key, record)| {
                let record = record.as_ref()?;
                let pid = record.pid?;
                let theirs = self.by_pid.get(&pid)?;
                let same = theirs.runtime == key.0 && theirs.id == key.1 && !theirs.monitor;
                same.then_some((key, (record.name.as_ref()?, self.cgroups.get(&pid)?)))
            })
            .collect();
        let named: Vec<(Pid, String)> = self
            .by_pid
            .iter()
            .filter_map(|(pid, c)| {
                let (name, cgroup) = vouched.get(&(c.runtime, c.id.clone()))?;
                (self.cgroups.get(pid) == Some(*cgroup)).then(|| (*pid, (*name).clone()))
            })
            .collect();
        for (pid, name) in named {
            if let Some(container) = self.by_pid.get_mut(&pid) {
                container.name = Some(name);
                container.provenance = Provenance::StateFile;
            }
        }
        self.with_pod_names(state_root);
        self
    }

    /// Fills [`Container::pod_name`] of the podman containers the state file vouched for
    /// that are in a pod, from podman's database, read once (only when there is such a pod).
    fn with_pod_names(&mut self, state_root: &Path) {
        let in_pods =
            |c: &Container| c.runtime == Runtime::Podman && c.provenance == Provenance::StateFile;
        if !self
            .by_pid
            .values()
            .any(|c| in_pods(c) && c.pod_uid.is_some())
        {
            return;
        }
        let path = state_root.join("var/lib/containers/storage/libpod/bolt_state.db");
        let Some(db) = read_small_bytes(&path, STATE_FILE_CAP) else {
            return;
        };
        let mut names: BTreeMap<String, Option<String>> = BTreeMap::new();
        for container in self.by_pid.values_mut().filter(|c| in_pods(c)) {
            let Some(pod) = &container.pod_uid else {
                continue;
            };
            container.pod_name = names
                .entry(pod.clone())
                .or_insert_with(|| podman_pod_name(&db, pod))
                .clone();
        }
    }

    pub fn of_pid(&self, pid: Pid) -> Option<&Container> {
        self.by_pid.get(&pid)
    }

    /// The container label of a namespace, the one rule `show`, the UI and `--list -o
    /// CONTAINER` all read: the container of the namespace's init ([`namespace_init`]), and
    /// nothing for the host's (initial) namespace of its type, whatever its members' cgroups
    /// say (a `--network host` container's processes, or one process moved into a cgroup named
    /// like a container, do not make the host's namespace a container's). A namespace whose
    /// init is in no container has no label even when other members are in one.
    pub fn label_of(&self, snapshot: &Snapshot, ns: &Namespace) -> Option<&Container> {
        if is_host_namespace(snapshot, ns) {
            return None;
        }
        self.of_pid(namespace_init(snapshot, ns)?)
    }

    /// The pod a namespace is shared in: when its label container ([`Self::label_of`]) is in
    /// a pod (a podman pod id or a Kubernetes pod UID), that pod with every distinct container
    /// among the namespace's members that is in the same pod (a podman pod's infra container
    /// included). Monitors (conmon) are not members of a pod.
    pub fn pod_of(&self, snapshot: &Snapshot, ns: &Namespace) -> Option<PodMembers> {
        let id = self.label_of(snapshot, ns)?.pod_uid.clone()?;
        let mut containers: Vec<Container> = ns
            .members
            .iter()
            .filter_map(|pid| self.of_pid(*pid))
            .filter(|c| !c.monitor && c.pod_uid.as_ref() == Some(&id))
            .cloned()
            .collect();
        containers.sort();
        containers.dedup();
        let name = self.label_of(snapshot, ns)?.pod_name.clone();
        Some(PodMembers {
            id,
            name,
            containers,
        })
    }

    /// The per-container matrix: each container (by its lowest pid) with, per namespace type,
    /// its namespace and whether that is the host's.
    pub fn matrix(&self, snapshot: &Snapshot) -> Vec<ContainerRow> {
        let mut first: BTreeMap<&Container, (Pid, usize)> = BTreeMap::new();
        for (&pid, container) in &self.by_pid {
            first.entry(container).or_insert((pid, 0)).1 += 1;
        }
        first
            .into_iter()
            .map(|(container, (pid, processes))| ContainerRow {
                container: container.clone(),
                pid,
                processes,
                namespaces: NsKind::ALL
                    .into_iter()
                    .filter_map(|kind| {
                        let inode = snapshot.process(pid)?.ns(kind)?;
                        Some(SharedMark {
                            kind,
                            inode,
                            shared_with_host: snapshot.host_ns(kind).map(|host| host == inode),
                        })
                    })
                    .collect(),
            })
            .collect()
    }
}

/// True for the host's namespace of its kind: pid 1's (or kthreadd's), or any namespace pid 1
/// or a kernel thread (ppid 0 or 2, pid 2) is in.
fn is_host_namespace(snapshot: &Snapshot, ns: &Namespace) -> bool {
    snapshot.host_ns(ns.kind) == Some(ns.inode) || ns.members.first().is_some_and(|&p| p <= 2)
}

/// A namespace's init: its oldest entry point ([`entry_points`]), by start time (stat field
/// 22), ties broken by pid. Pids alone are no measure of age: they wrap at `pid_max` (32768 by
/// default; a 2-core test VM running test suites wraps every few minutes), so a pod member
/// started after the pod's infra container can have the lower pid and would take the pod's
/// namespaces' label. When an
/// entry point's start time is unknown (0: a snapshot saved before nsview kept them), the
/// lowest pid is the proxy. None for a namespace without members.
pub fn namespace_init(snapshot: &Snapshot, ns: &Namespace) -> Option<Pid> {
    let points: Vec<(u64, Pid)> = entry_points(snapshot, ns)
        .map(|pid| (snapshot.process(pid).map_or(0, |p| p.start_time), pid))
        .collect();
    if points.iter().all(|&(start, _)| start != 0) {
        points.into_iter().min().map(|(_, pid)| pid)
    } else {
        points.into_iter().map(|(_, pid)| pid).min()
    }
}

/// A namespace's entry points, in pid order: the members whose parent is outside it (or
/// unknown), that is, the processes that made or entered it; every other member is a
/// descendant of one and inherited it.
pub fn entry_points<'a>(
    snapshot: &'a Snapshot,
    ns: &'a Namespace,
) -> impl Iterator<Item = Pid> + 'a {
    ns.members.iter().copied().filter(move |&pid| {
        let parent = snapshot.process(pid).map(|p| p.ppid);
        let parent_ns = parent
            .and_then(|ppid| snapshot.process(ppid))
            .and_then(|p| p.ns(ns.kind));
        parent_ns != Some(ns.inode)
    })
}

/// A pod as one namespace's members show it ([`ContainerIndex::pod_of`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PodMembers {
    /// The podman pod id or Kubernetes pod UID ([`Container::pod_uid`]).
    pub id: String,
    /// The pod's name when known ([`Container::pod_name`] of the namespace's label).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Its containers among the namespace's members, sorted.
    pub containers: Vec<Container>,
}

/// One row of the per-container matrix.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContainerRow {
    pub container: Container,
    /// The container's lowest pid, whose namespaces the row shows.
    pub pid: Pid,
    /// How many processes the index attributed to it.
    pub processes: usize,
    pub namespaces: Vec<SharedMark>,
}

/// A namespace of a container and whether it is the host's (see [`Snapshot::host_ns`](crate::model::Snapshot::host_ns)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedMark {
    pub kind: NsKind,
    pub inode: Inode,
    /// None when the host's namespace of this type is unknown.
    pub shared_with_host: Option<bool>,
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "3f4e5d6c7b8a99887766554433221100ffeeddccbbaa00112233445566778899";
    const ID2: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    fn expect(path: &str) -> Container {
        container_from_cgroup(path).unwrap_or_else(|| panic!("no container in {path}"))
    }

    #[test]
    fn recognises_runtimes_and_short_ids() {
        let table: &[(String, Runtime, &str, bool)] = &[
            (
                format!("/docker/{ID}"),
                Runtime::Docker,
                "3f4e5d6c7b8a",
                false,
            ),
            (
                format!("/system.slice/docker-{ID}.scope"),
                Runtime::Docker,
                "3f4e5d6c7b8a",
                false,
            ),
            (
                format!("/machine.slice/libpod-{ID}.scope"),
                Runtime::Podman,
                "3f4e5d6c7b8a",
                false,
            ),
            (
                format!("/machine.slice/libpod-{ID}.scope/container"),
                Runtime::Podman,
                "3f4e5d6c7b8a",
                false,
            ),
            (
                format!(
                    "/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-conmon-{ID}.scope"
                ),
                Runtime::Podman,
                "3f4e5d6c7b8a",
                true,
            ),
            (
                format!("/libpod_parent/libpod-{ID}"),
                Runtime::Podman,
                "3f4e5d6c7b8a",
                false,
            ),
            (
                format!("/system.slice/cri-containerd-{ID}.scope"),
                Runtime::Containerd,
                "3f4e5d6c7b8a",
                false,
            ),
            (
                format!("/system.slice/crio-{ID}.scope"),
                Runtime::Crio,
                "3f4e5d6c7b8a",
                false,
            ),
            (
                format!("/system.slice/crio-conmon-{ID}.scope"),
                Runtime::Crio,
                "3f4e5d6c7b8a",
                true,
            ),
            ("/lxc/web01".into(), Runtime::Lxc, "web01", false),
            ("/lxc.payload.web01".into(), Runtime::Lxc, "web01", false),
            (
                "/lxc.payload.web01/system.slice/cron.service".into(),
                Runtime::Lxc,
                "web01",
                false,
            ),
            ("/lxc.monitor.web01".into(), Runtime::Lxc, "web01", true),
            (
                "/machine.slice/machine-debian\\x2dbookworm.scope".into(),
                Runtime::Nspawn,
                "debian-bookworm",
                false,
            ),
            (
                "/machine.slice/machine-arch.scope/payload/system.slice/dbus.service".into(),
                Runtime::Nspawn,
                "arch",
                false,
            ),
            (
                "/machine.slice/systemd-nspawn@fedora\\x2d40.service/payload".into(),
                Runtime::Nspawn,
                "fedora-40",
                false,
            ),
            // docker in docker: the innermost container wins
            (
                format!("/docker/{ID}/docker/{ID2}"),
                Runtime::Docker,
                "0123456789ab",
                false,
            ),
        ];
        for (path, runtime, short, monitor) in table {
            let c = expect(path);
            assert_eq!(c.runtime, *runtime, "{path}");
            assert_eq!(c.short_id, *short, "{path}");
            assert_eq!(c.monitor, *monitor, "{path}");
            assert_eq!(c.pod_uid, None, "{path}");
        }
    }

    #[test]
    fn kubepods_carry_the_pod_uid() {
        let uid = "5d7a9b1c-2e3f-4a5b-8c9d-0e1f2a3b4c5d";
        let underscored = uid.replace('-', "_");
        let table: &[(String, Runtime)] = &[
            (
                format!(
                    "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod{underscored}.slice/cri-containerd-{ID}.scope"
                ),
                Runtime::Containerd,
            ),
            (
                format!(
                    "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod{underscored}.slice/crio-{ID}.scope"
                ),
                Runtime::Crio,
            ),
            (
                format!("/kubepods.slice/kubepods-pod{underscored}.slice/docker-{ID}.scope"),
                Runtime::Docker,
            ),
            (format!("/kubepods/besteffort/pod{uid}/{ID}"), Runtime::Cri),
            (format!("/kubepods/pod{uid}/{ID}"), Runtime::Cri),
            (
                format!("/kubepods/burstable/pod{uid}/crio-{ID}"),
                Runtime::Crio,
            ),
        ];
        for (path, runtime) in table {
            let c = expect(path);
            assert_eq!(c.runtime, *runtime, "{path}");
            assert_eq!(c.id, ID, "{path}");
            assert_eq!(c.pod_uid.as_deref(), Some(uid), "{path}");
        }
    }

    #[test]
    fn rejects_malformed_and_plain_paths() {
        let short = &ID[..63];
        let upper = ID.to_uppercase();
        let table: Vec<String> = vec![
            "".into(),
            "/".into(),
            "/user.slice/user-1000.slice/session-3.scope".into(),
            "/system.slice/sshd.service".into(),
            "/init.scope".into(),
            "/docker".into(),
            "/docker/".into(),
            "/docker/not-an-id".into(),
            format!("/docker/{short}"),
            format!("/docker/{ID}0"),
            format!("/docker/{upper}"),
            "/system.slice/docker-.scope".into(),
            format!("/system.slice/docker-{short}.scope"),
            format!("/system.slice/docker-{ID}.service"),
            "/system.slice/docker.service".into(),
            "/system.slice/containerd.service".into(),
            "/machine.slice/machine-.scope".into(),
            "/lxc.payload.".into(),
            "/lxc".into(),
            // a bare id outside kubepods is not a container
            format!("/system.slice/{ID}"),
            // a pod slice alone is not a container
            "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1_2.slice".into(),
            "/kubepods/besteffort/podnot-a-uid".into(),
            "\u{fffd}\u{0}/docker/\n".into(),
        ];
        for path in &table {
            assert_eq!(container_from_cgroup(path), None, "{path:?}");
        }
    }

    #[test]
    fn podman_pods_from_either_cgroup_manager() {
        let table: &[(String, Option<&str>)] = &[
            (format!("/libpod_parent/{ID2}/libpod-{ID}"), Some(ID2)),
            (
                format!("/machine.slice/machine-libpod_pod_{ID2}.slice/libpod-{ID}.scope"),
                Some(ID2),
            ),
            (
                format!(
                    "/user.slice/user-1000.slice/user@1000.service/user.slice/user-libpod_pod_{ID2}.slice/libpod-{ID}.scope/container"
                ),
                Some(ID2),
            ),
            // not in a pod
            (format!("/libpod_parent/libpod-{ID}"), None),
            (format!("/machine.slice/libpod-{ID}.scope"), None),
            // a short or foreign id is no pod
            (format!("/libpod_parent/{}/libpod-{ID}", &ID2[..12]), None),
            (format!("/other/{ID2}/libpod-{ID}"), None),
        ];
        for (path, pod) in table {
            let c = expect(path);
            assert_eq!(c.runtime, Runtime::Podman, "{path}");
            assert_eq!(c.id, ID, "{path}");
            assert_eq!(c.pod_uid.as_deref(), *pod, "{path}");
        }
        // a pod-looking slice never gives a non-podman container a pod
        let docker = expect(&format!(
            "/machine.slice/machine-libpod_pod_{ID2}.slice/docker-{ID}.scope"
        ));
        assert_eq!(docker.pod_uid, None);
    }

    #[test]
    fn a_bad_pod_uid_is_dropped_but_the_container_kept() {
        let c = expect(&format!(
            "/kubepods.slice/kubepods-podzz.slice/cri-containerd-{ID}.scope"
        ));
        assert_eq!(c.runtime, Runtime::Containerd);
        assert_eq!(c.pod_uid, None);
    }

    #[test]
    fn reads_the_right_line_of_a_cgroup_file() {
        // cgroup v1 + unified hybrid: the unified line is at the root, name=systemd has the id.
        let hybrid = format!(
            "12:pids:/docker/{ID}\n1:name=systemd:/system.slice/docker-{ID2}.scope\n0::/\n"
        );
        assert_eq!(
            container_from_cgroup_file(&hybrid).map(|c| c.id),
            Some(ID2.to_string())
        );
        let unified = format!("0::/system.slice/docker-{ID}.scope\n");
        assert_eq!(
            container_from_cgroup_file(&unified).map(|c| c.runtime),
            Some(Runtime::Docker)
        );
        assert_eq!(container_from_cgroup_file("0::/init.scope\n"), None);
        assert_eq!(container_from_cgroup_file("garbage"), None);
        assert_eq!(container_from_cgroup_file(""), None);
    }

    #[test]
    fn engine_names_from_state_files() {
        assert_eq!(
            docker_name(r#"{"ID":"x","Name":"/web-1","State":{}}"#).as_deref(),
            Some("web-1")
        );
        assert_eq!(docker_name(r#"{"Name":"/"}"#), None);
        assert_eq!(docker_name("not json"), None);
        assert_eq!(docker_name(r#"{"Name":7}"#), None);
        let podman = format!(
            r#"[{{"id":"{ID2}","names":["other"]}},{{"id":"{ID}","names":["db","alias"]}}]"#
        );
        assert_eq!(podman_name(&podman, ID).as_deref(), Some("db"));
        assert_eq!(podman_name(&podman, &ID[..12]), None);
        assert_eq!(podman_name("{}", ID), None);
    }

    /// A fake engine state root with docker's config.v2.json for `id`.
    fn docker_state(id: &str, config: &str) -> tempfile::TempDir {
        let state = tempfile::tempdir().expect("tempdir");
        let dir = state.path().join(format!("var/lib/docker/containers/{id}"));
        std::fs::create_dir_all(&dir).expect("mkdir");
        std::fs::write(dir.join("config.v2.json"), config).expect("write");
        state
    }

    fn index_of(entries: &[(Pid, &str)]) -> ContainerIndex {
        let mut index = ContainerIndex::default();
        for (pid, path) in entries {
            index.insert(*pid, expect(path), path.to_string());
        }
        index
    }

    #[test]
    fn engine_names_only_for_the_pid_the_state_file_records() {
        let state = docker_state(ID, r#"{"Name":"/web","State":{"Pid":10}}"#);
        let scope = format!("/system.slice/docker-{ID}.scope");
        let index = index_of(&[(10, &scope), (11, &scope), (12, &format!("/docker/{ID2}"))])
            .with_engine_names(state.path(), Path::new("/nonexistent"));
        let web = index.of_pid(10).expect("pid 10");
        assert_eq!(web.name.as_deref(), Some("web"));
        assert_eq!(web.provenance, Provenance::StateFile);
        assert_eq!(
            index.of_pid(11).map(|c| c.label()).as_deref(),
            Some("docker 3f4e5d6c7b8a (web)"),
            "the same cgroup as the recorded pid"
        );
        let other = index.of_pid(12).expect("pid 12");
        assert_eq!(
            (other.name.as_deref(), other.provenance),
            (None, Provenance::CgroupPath)
        );

        // A state file without a running pid, or naming a pid elsewhere, vouches for nobody.
        for config in [
            r#"{"Name":"/web"}"#,
            r#"{"Name":"/web","State":{"Pid":0}}"#,
            r#"{"Name":"/web","State":{"Pid":99}}"#,
        ] {
            let state = docker_state(ID, config);
            let index = index_of(&[(10, &scope)])
                .with_engine_names(state.path(), Path::new("/nonexistent"));
            let c = index.of_pid(10).expect("pid 10");
            assert_eq!(
                (c.name.as_deref(), c.provenance),
                (None, Provenance::CgroupPath),
                "{config}"
            );
        }
    }

    #[test]
    fn a_container_naming_its_cgroup_after_another_gets_no_engine_name() {
        // The real container (pid 10) is what docker recorded; pid 20 sits in a rootless
        // user's delegated cgroup named after it, pid 30 in a cgroup nested inside another
        // container and named after the first.
        let state = docker_state(ID, r#"{"Name":"/web","State":{"Pid":10}}"#);
        let real = format!("/system.slice/docker-{ID}.scope");
        let rootless = format!("/user.slice/user-1000.slice/user@1000.service/docker-{ID}.scope");
        let nested = format!("/system.slice/docker-{ID2}.scope/docker-{ID}.scope");
        let index = index_of(&[(10, &real), (20, &rootless), (30, &nested)])
            .with_engine_names(state.path(), Path::new("/nonexistent"));
        assert_eq!(
            index.of_pid(10).map(|c| c.provenance),
            Some(Provenance::StateFile)
        );
        for pid in [20, 30] {
            let c = index.of_pid(pid).expect("a cgroup-path label");
            assert_eq!(c.label(), "docker 3f4e5d6c7b8a", "{pid}: no borrowed name");
            assert_eq!(c.provenance, Provenance::CgroupPath, "{pid}");
        }
    }

    #[test]
    fn provenance_is_said_in_words_and_json() {
        assert_eq!(Provenance::CgroupPath.describe(), "from the cgroup path");
        assert_eq!(
            Provenance::StateFile.describe(),
            "from the engine's state file"
        );
        assert_eq!(
            serde_json::to_value(Provenance::StateFile).expect("json"),
            serde_json::json!("state-file")
        );
        assert_eq!(
            serde_json::to_value(Provenance::CgroupPath).expect("json"),
            serde_json::json!("cgroup-path")
        );
    }

    /// A process in the given (mnt) namespace.
    fn process(pid: Pid, ppid: Pid, mnt: Inode) -> crate::model::Process {
        let mut links = crate::model::NsLinks::default();
        links.current[NsKind::Mnt.index()] = crate::model::Link::Ns(mnt);
        crate::model::Process {
            pid,
            ppid,
            uid: 0,
            comm: format!("p{pid}"),
            command: format!("p{pid}"),
            command_bytes: None,
            state: 'S',
            start_time: 0,
            links,
            odd_threads: Vec::new(),
        }
    }

    /// A snapshot of processes (pid, ppid, mnt inode), grouped into mnt namespaces.
    fn snapshot_of(procs: &[(Pid, Pid, Inode)]) -> Snapshot {
        let mut snapshot = Snapshot::default();
        for &(pid, ppid, mnt) in procs {
            snapshot.processes.insert(pid, process(pid, ppid, mnt));
            snapshot
                .namespaces
                .entry(mnt)
                .or_insert_with(|| Namespace::new(mnt, NsKind::Mnt))
                .members
                .push(pid);
        }
        snapshot
    }

    const HOST: Inode = 4026531841;
    const OTHER: Inode = 4026532500;

    #[test]
    fn a_host_namespace_is_never_a_containers() {
        // pid 500, a child of pid 1 in the host's mount namespace, moved into a docker cgroup.
        let snapshot = snapshot_of(&[(1, 0, HOST), (500, 1, HOST)]);
        let index = index_of(&[(500, &format!("/system.slice/docker-{ID}.scope"))]);
        assert_eq!(index.label_of(&snapshot, &snapshot.namespaces[&HOST]), None);
        // even when it is the host namespace's only readable member (pid 1 unreadable)
        let mut snapshot = snapshot_of(&[(500, 1, HOST)]);
        snapshot.processes.insert(2, {
            let mut kthreadd = process(2, 0, HOST);
            kthreadd.comm = "kthreadd".into();
            kthreadd
        });
        assert_eq!(index.label_of(&snapshot, &snapshot.namespaces[&HOST]), None);
    }

    #[test]
    fn a_namespace_is_labelled_by_its_init_only() {
        let scope = format!("/system.slice/docker-{ID}.scope");
        // 600 made the namespace (its parent, 1, is outside); 601 is its child.
        let snapshot = snapshot_of(&[(1, 0, HOST), (600, 1, OTHER), (601, 600, OTHER)]);
        let ns = &snapshot.namespaces[&OTHER];
        assert_eq!(namespace_init(&snapshot, ns), Some(600));

        // the init in the container's cgroup: labelled, from the cgroup path
        let index = index_of(&[(600, &scope), (601, &scope)]);
        let label = index.label_of(&snapshot, ns).expect("labelled");
        assert_eq!(label.label(), "docker 3f4e5d6c7b8a");
        assert_eq!(label.provenance, Provenance::CgroupPath);

        // only a child in a container's cgroup: no label
        let index = index_of(&[(601, &scope)]);
        assert_eq!(index.label_of(&snapshot, ns), None);

        // the init in one container, a child moved into another: the init's
        let index = index_of(&[(600, &scope), (601, &format!("/docker/{ID2}"))]);
        assert_eq!(
            index.label_of(&snapshot, ns).map(|c| c.id.as_str()),
            Some(ID)
        );
    }

    #[test]
    fn the_init_is_the_lowest_member_whose_parent_is_outside() {
        // 700 is a child of 650 (inside); 650's parent 1 is outside; 800 joined from outside.
        let snapshot = snapshot_of(&[
            (1, 0, HOST),
            (650, 1, OTHER),
            (700, 650, OTHER),
            (800, 1, OTHER),
        ]);
        assert_eq!(
            namespace_init(&snapshot, &snapshot.namespaces[&OTHER]),
            Some(650)
        );
        // a member whose parent is unknown counts as entered from outside
        let snapshot = snapshot_of(&[(300, 299, OTHER), (301, 300, OTHER)]);
        assert_eq!(
            namespace_init(&snapshot, &snapshot.namespaces[&OTHER]),
            Some(300)
        );
        assert_eq!(
            namespace_init(&Snapshot::default(), &Namespace::new(OTHER, NsKind::Mnt)),
            None
        );
    }

    /// The flake of the podman pod test: pids wrapped between the pod's infra container
    /// (started first, pid 32000) and a member container (pid 400), both entered the pod's
    /// namespace from outside (their conmons). The oldest is the init, not the lowest pid.
    #[test]
    fn the_init_is_the_oldest_entry_point_when_pids_wrapped() {
        let mut snapshot = snapshot_of(&[
            (1, 0, HOST),
            (31990, 1, HOST),
            (32000, 31990, OTHER),
            (390, 1, HOST),
            (400, 390, OTHER),
        ]);
        let started = [(32000, 5000), (400, 5300), (31990, 4990), (390, 5290)];
        for (pid, ticks) in started {
            if let Some(p) = snapshot.processes.get_mut(&pid) {
                p.start_time = ticks;
            }
        }
        let ns = &snapshot.namespaces[&OTHER];
        assert_eq!(namespace_init(&snapshot, ns), Some(32000));
        let infra = format!("/machine.slice/libpod-{ID}.scope");
        let member = format!("/machine.slice/libpod-{ID2}.scope");
        let index = index_of(&[(32000, &infra), (400, &member)]);
        assert_eq!(
            index.label_of(&snapshot, ns).map(|c| c.id.as_str()),
            Some(ID)
        );
        // the same start tick: the lower pid
        if let Some(p) = snapshot.processes.get_mut(&400) {
            p.start_time = 5000;
        }
        assert_eq!(namespace_init(&snapshot, ns), Some(400));
        // one start time unknown (an old snapshot): the lowest pid, as before
        if let Some(p) = snapshot.processes.get_mut(&400) {
            p.start_time = 0;
        }
        assert_eq!(namespace_init(&snapshot, ns), Some(400));
    }

    #[test]
    fn pod_names_from_podmans_database_bytes() {
        // A BoltDB page: binary around the pod's JSON configuration, and a container's record
        // (which starts with its spec, not its id) naming the pod.
        let mut db = vec![0u8, 7, 0xff, 0xfe];
        db.extend_from_slice(
            format!(r#"{{"spec":{{}},"id":"{ID2}","name":"web","pod":"{ID}"}}"#).as_bytes(),
        );
        db.extend_from_slice(&[0, 0, 0x13]);
        db.extend_from_slice(
            format!(r#"{{"id":"{ID}","name":"shop-1.a_b","labels":{{}}}}"#).as_bytes(),
        );
        db.extend_from_slice(&[0xc3, 0x28]);
        assert_eq!(podman_pod_name(&db, ID).as_deref(), Some("shop-1.a_b"));
        // no pod of that id; a container's id is no pod
        assert_eq!(podman_pod_name(&db, &"e".repeat(64)), None);
        assert_eq!(podman_pod_name(&db, ID2), None);
        assert_eq!(podman_pod_name(&db, "shop"), None);
        // a name podman would not accept (escapes decode to a control byte) is not taken
        let odd = format!(r#"{{"id":"{ID}","name":"a\u001b[2Jb"}}"#);
        assert_eq!(podman_pod_name(odd.as_bytes(), ID), None);
        // cut short: no name
        let cut = format!(r#"{{"id":"{ID}","name":"sho"#);
        assert_eq!(podman_pod_name(cut.as_bytes(), ID), None);
        // a torn copy first, a whole one later: the whole one
        let mut torn = format!(r#"{{"id":"{ID}","name":"sh"#).into_bytes();
        torn.extend_from_slice(&[0xff, 0, 0]);
        torn.extend_from_slice(&db);
        assert_eq!(podman_pod_name(&torn, ID).as_deref(), Some("shop-1.a_b"));
    }

    #[test]
    fn labels_name_the_pod_when_known() {
        let mut c = expect(&format!("/libpod_parent/{ID2}/libpod-{ID}"));
        c.name = Some("shop-infra".into());
        assert_eq!(c.label(), "podman 3f4e5d6c7b8a (shop-infra)");
        assert_eq!(
            c.with_pod_id(),
            format!("podman 3f4e5d6c7b8a (shop-infra) pod {ID2}")
        );
        c.pod_name = Some("shop".into());
        assert_eq!(c.label(), "podman 3f4e5d6c7b8a (shop-infra) pod shop");
        assert_eq!(
            c.describe(),
            format!(
                "podman 3f4e5d6c7b8a (shop-infra) pod shop (pod id {ID2}), from the cgroup path"
            )
        );
    }

    #[test]
    fn runtime_names_match_their_json() {
        for runtime in [
            Runtime::Docker,
            Runtime::Podman,
            Runtime::Containerd,
            Runtime::Crio,
            Runtime::Cri,
            Runtime::Lxc,
            Runtime::Nspawn,
        ] {
            assert_eq!(
                serde_json::to_value(runtime).expect("json"),
                serde_json::json!(runtime.name())
            );
        }
    }

    #[test]
    fn unescapes_unit_names() {
        assert_eq!(unescape_unit("a\\x2db"), "a-b");
        assert_eq!(unescape_unit("trailing\\x2"), "trailing\\x2");
        assert_eq!(unescape_unit("bad\\xzz"), "bad\\xzz");
        assert_eq!(unescape_unit("\\x41\\x42"), "AB");
    }

    #[test]
    fn a_pods_shared_namespace_lists_its_containers() {
        const POD: &str = "aaaaaaaaaaaabbbbbbbbbbbbccccccccccccddddddddddddeeeeeeeeeeee0000";
        const THIRD: &str = "9999999999999999999999999999999999999999999999999999999999999999";
        // 600 is the infra (the init), 700 and 800 joined from their own conmons (parent 1);
        // 900 is a conmon-like monitor of 700 and 950 a container of no pod.
        let snapshot = snapshot_of(&[
            (1, 0, HOST),
            (600, 1, OTHER),
            (700, 1, OTHER),
            (800, 1, OTHER),
            (900, 1, OTHER),
            (950, 1, OTHER),
        ]);
        let ns = &snapshot.namespaces[&OTHER];
        let in_pod = |id: &str| format!("/libpod_parent/{POD}/libpod-{id}");
        let index = index_of(&[
            (600, &in_pod(ID)),
            (700, &in_pod(ID2)),
            (800, &in_pod(ID2)),
            (900, &format!("/machine.slice/libpod-conmon-{ID2}.scope")),
            (950, &format!("/libpod_parent/libpod-{THIRD}")),
        ]);
        let pod = index.pod_of(&snapshot, ns).expect("a pod");
        assert_eq!(pod.id, POD);
        let ids: Vec<&str> = pod.containers.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, [ID2, ID]);

        // labelled by a container in no pod: no pod
        let index = index_of(&[(600, &format!("/libpod_parent/libpod-{THIRD}"))]);
        assert_eq!(index.pod_of(&snapshot, ns), None);
        // the host's namespace never is a pod's
        let snapshot = snapshot_of(&[(1, 0, HOST), (600, 1, HOST)]);
        let index = index_of(&[(600, &in_pod(ID))]);
        assert_eq!(index.pod_of(&snapshot, &snapshot.namespaces[&HOST]), None);
    }
}
