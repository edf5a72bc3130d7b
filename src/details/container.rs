//! Which container a process belongs to, from the text of its cgroup path alone: docker,
//! podman/libpod, containerd/CRI, CRI-O, kubepods (with the pod UID), LXC/LXD and
//! systemd-nspawn machines. A pure function over the path, plus the once-per-scan index that
//! joins it to processes and namespaces (the procs habit: load a table once, join by key).
//!
//! Nothing here asks a container engine: names that only an engine knows are not guessed.

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
    /// The Kubernetes pod UID (with dashes), when the path is under kubepods.
    pub pod_uid: Option<String>,
    /// True for the runtime's monitor process (`libpod-conmon-`, `crio-conmon-`,
    /// `lxc.monitor.`), which sits beside the container, not inside it.
    pub monitor: bool,
    /// The engine's name for it (docker, podman), read from the engine's state files on the
    /// live system when they are there and readable; None otherwise.
    pub name: Option<String>,
}

impl Container {
    fn new(runtime: Runtime, id: &str) -> Container {
        let short_id = if is_hex_id(id) { &id[..12] } else { id };
        Container {
            runtime,
            id: id.to_string(),
            short_id: short_id.to_string(),
            pod_uid: None,
            monitor: false,
            name: None,
        }
    }

    /// `docker 0123456789ab (web)`, `lxc web`, with ` (monitor)` for monitors.
    pub fn label(&self) -> String {
        let name = match &self.name {
            Some(name) if *name != self.short_id => format!(" ({name})"),
            _ => String::new(),
        };
        let monitor = if self.monitor { " (monitor)" } else { "" };
        format!("{} {}{name}{monitor}", self.runtime.name(), self.short_id)
    }
}

/// Docker's name for a container: `"Name":"/web"` in its `config.v2.json`.
pub fn docker_name(config_v2: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(config_v2).ok()?;
    let name = value.get("Name")?.as_str()?.trim_start_matches('/');
    (!name.is_empty()).then(|| name.to_string())
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

/// Looks up the engine's name in its state files under `state_root` (`/` on the live system).
/// Only docker and root podman keep one there; nothing is asked of a running engine.
fn engine_name(container: &Container, state_root: &Path) -> Option<String> {
    match container.runtime {
        Runtime::Docker => {
            let path = state_root.join(format!(
                "var/lib/docker/containers/{}/config.v2.json",
                container.id
            ));
            docker_name(&std::fs::read_to_string(path).ok()?)
        }
        Runtime::Podman => {
            let path =
                state_root.join("var/lib/containers/storage/overlay-containers/containers.json");
            podman_name(&std::fs::read_to_string(path).ok()?, &container.id)
        }
        _ => None,
    }
}

/// A container id: exactly 64 lowercase hex digits, as docker, podman, containerd and CRI-O
/// all generate them.
fn is_hex_id(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// A Kubernetes pod UID: 8-4-4-4-12 hex digits (any case: some clusters use uppercase).
fn is_pod_uid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// systemd unit-name unescaping: `\x2d` -> `-` (and any other `\xNN`).
fn unescape_unit(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\'
            && bytes.get(i + 1) == Some(&b'x')
            && let Some(hex) = bytes.get(i + 2..i + 4)
            && let Ok(hex) = std::str::from_utf8(hex)
            && let Ok(byte) = u8::from_str_radix(hex, 16)
        {
            out.push(byte);
            i += 4;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
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
    is_pod_uid(&uid).then_some(uid)
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
        pod_uid: pod.clone(),
        ..c
    })
}

/// The cgroup path to attribute a process by, from the text of `/proc/PID/cgroup`: the
/// unified (`0::`) line, else the `name=systemd` line, else the first line that names a
/// container (cgroup v1 hierarchies disagree when a runtime only uses some controllers).
pub fn container_from_cgroup_file(text: &str) -> Option<Container> {
    let mut lines: Vec<(&str, &str)> = text
        .lines()
        .filter_map(|line| {
            let mut fields = line.splitn(3, ':');
            let _id = fields.next()?;
            Some((fields.next()?, fields.next()?))
        })
        .collect();
    // Preferred hierarchies first; the sort is stable so the rest keep their order.
    lines.sort_by_key(|(controllers, _)| match *controllers {
        "" => 0,
        "name=systemd" => 1,
        _ => 2,
    });
    lines
        .into_iter()
        .find_map(|(_, path)| container_from_cgroup(path))
}

/// Containers by pid, read once from every process's `/proc/PID/cgroup`.
#[derive(Clone, Debug, Default)]
pub struct ContainerIndex {
    by_pid: BTreeMap<Pid, Container>,
}

impl ContainerIndex {
    /// Reads `/proc/PID/cgroup` of every process in the snapshot. Unreadable ones are skipped.
    pub fn build(snapshot: &Snapshot, proc_root: &Path) -> ContainerIndex {
        ContainerIndex::for_pids(snapshot.processes.keys().copied(), proc_root)
    }

    /// Reads `/proc/PID/cgroup` of just these processes.
    pub fn for_pids(pids: impl IntoIterator<Item = Pid>, proc_root: &Path) -> ContainerIndex {
        let by_pid = pids
            .into_iter()
            .filter_map(|pid| {
                let text = std::fs::read_to_string(proc_root.join(format!("{pid}/cgroup"))).ok()?;
                Some((pid, container_from_cgroup_file(&text)?))
            })
            .collect();
        let index = ContainerIndex { by_pid };
        if proc_root == Path::new("/proc") {
            index.with_engine_names(Path::new("/"))
        } else {
            index
        }
    }

    /// Fills [`Container::name`] from the engines' state files under `state_root`, once per
    /// container.
    pub fn with_engine_names(mut self, state_root: &Path) -> ContainerIndex {
        let mut names: BTreeMap<(Runtime, String), Option<String>> = BTreeMap::new();
        for container in self.by_pid.values_mut() {
            container.name = names
                .entry((container.runtime, container.id.clone()))
                .or_insert_with(|| engine_name(container, state_root))
                .clone();
        }
        self
    }

    pub fn of_pid(&self, pid: Pid) -> Option<&Container> {
        self.by_pid.get(&pid)
    }

    /// The container of a namespace: the container of its lowest member, unless the namespace
    /// is the host's (a `--network host` container's processes do not make the host's netns a
    /// container's).
    pub fn of_namespace(&self, snapshot: &Snapshot, ns: &Namespace) -> Option<&Container> {
        if snapshot.host_ns(ns.kind) == Some(ns.inode) {
            return None;
        }
        self.of_pid(ns.lowest_pid()?)
    }

    /// Every distinct container among a namespace's members (a pod's shared netns has several).
    pub fn all_in(&self, ns: &Namespace) -> Vec<Container> {
        let mut all: Vec<Container> = ns
            .members
            .iter()
            .filter_map(|pid| self.of_pid(*pid).cloned())
            .collect();
        all.sort();
        all.dedup();
        all
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

/// A namespace of a container and whether it is the host's (see [`super::host_ns`]).
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

        let state = tempfile::tempdir().expect("tempdir");
        let dir = state.path().join(format!("var/lib/docker/containers/{ID}"));
        std::fs::create_dir_all(&dir).expect("mkdir");
        std::fs::write(dir.join("config.v2.json"), r#"{"Name":"/web"}"#).expect("write");
        let mut index = ContainerIndex::default();
        index.by_pid.insert(10, expect(&format!("/docker/{ID}")));
        index.by_pid.insert(11, expect(&format!("/docker/{ID}")));
        index.by_pid.insert(12, expect(&format!("/docker/{ID2}")));
        let index = index.with_engine_names(state.path());
        assert_eq!(
            index.of_pid(10).and_then(|c| c.name.as_deref()),
            Some("web")
        );
        assert_eq!(
            index.of_pid(11).map(|c| c.label()).as_deref(),
            Some("docker 3f4e5d6c7b8a (web)")
        );
        assert_eq!(index.of_pid(12).and_then(|c| c.name.as_deref()), None);
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
}
