//! The podman side of the live container tests: a test-local containers.conf, a busybox image
//! imported offline once per machine, and containers and pods started and removed by id.
//!
//! Everything is named `nsview-test-<pid>-...` and removed by id (a Drop guard), and every
//! container runs `sleep 600`, so a crashed test leaves nothing for long. Containers use
//! `--network none` or slirp4netns (a user-mode stack inside the container's netns): podman's
//! default bridge would add a bridge, veths and firewall rules to the host's network.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::util::{ns_inode, unique_name};

/// The image every test runs. Bump the tag when [`build_image`] changes what is inside.
pub const IMAGE: &str = "localhost/nsview-test-busybox:1";

/// The file only this image has, and what it says (tests read it to prove a mount namespace).
pub const MARKER: &str = "/etc/nsview-test-image";
pub const MARKER_TEXT: &str = "nsview test image 1\n";

/// Busybox applets linked in the image.
const APPLETS: &[&str] = &[
    "sh", "sleep", "ps", "hostname", "ip", "cat", "ls", "id", "ifconfig", "echo", "true",
];

/// podman's defaults that this host refuses, overridden for the tests only (never in /etc):
/// crun fails on the hybrid cgroup layout, and podman's default rlimits exceed the host's hard
/// limits (runc: "error setting rlimits for ready process"). A pod's infra container takes no
/// `--ulimit`, so the limits go here rather than on each command line.
const CONTAINERS_CONF: &str = r#"[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]

[engine]
runtime = "runc"
"#;

/// A `podman` command with the test-local containers.conf.
pub fn podman() -> Command {
    let mut cmd = Command::new("podman");
    cmd.env("CONTAINERS_CONF", conf_file())
        .stdin(std::process::Stdio::null());
    cmd
}

/// The tests' own directory under the temp dir: containers.conf and the image lock.
fn state_dir() -> PathBuf {
    let dir = std::env::temp_dir().join("nsview-test-podman");
    std::fs::create_dir_all(&dir).expect("podman test state dir");
    dir
}

fn conf_file() -> &'static Path {
    static CONF: OnceLock<PathBuf> = OnceLock::new();
    CONF.get_or_init(|| {
        let path = state_dir().join("containers.conf");
        // Written aside and renamed: another test process may be reading the same file.
        let aside = state_dir().join(format!("containers.conf.{}", std::process::id()));
        std::fs::write(&aside, CONTAINERS_CONF).expect("write containers.conf");
        std::fs::rename(&aside, &path).expect("rename containers.conf");
        path
    })
}

/// Runs podman, panicking with its stderr when it fails; returns stdout, trimmed.
pub fn podman_ok(args: &[&str]) -> String {
    let output = run_bounded(podman().args(args), Duration::from_secs(120));
    assert!(
        output.status.success(),
        "podman {args:?} failed ({}): {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

/// Runs a command with a time limit, killing it by PID when over: a podman wedged on a lock,
/// or an nsview blocked on something a stranger planted, fails the test instead of hanging it.
pub fn run_bounded(cmd: &mut Command, limit: Duration) -> Output {
    crate::util::output_within(cmd, limit).unwrap_or_else(|| {
        panic!(
            "{} took longer than {limit:?}: {:?}",
            cmd.get_program().to_string_lossy(),
            cmd.get_args()
        )
    })
}

/// Checks what the live container tests need, panicking with the missing piece (these tests
/// are `#[ignore]`d, so they only run when asked for), and makes sure the image exists.
pub fn require() {
    assert!(
        nix::unistd::geteuid().is_root(),
        "the podman tests need root (rootful podman state and every process's namespaces)"
    );
    for program in ["podman", "runc"] {
        let found = std::env::var_os("PATH")
            .map(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
            .unwrap_or(false);
        assert!(
            found,
            "`{program}` is not installed: the podman tests need podman and runc (.ci/run installs them)"
        );
    }
    image();
}

/// Imports [`IMAGE`] unless it is there. Once per test process (a `OnceLock`), and under a
/// file lock so that two test processes do not both import it (the second import would leave
/// the first image behind untagged).
fn image() {
    static IMAGE_READY: OnceLock<()> = OnceLock::new();
    IMAGE_READY.get_or_init(|| {
        let lock = std::fs::File::create(state_dir().join("image.lock")).expect("image lock file");
        let lock = nix::fcntl::Flock::lock(lock, nix::fcntl::FlockArg::LockExclusive)
            .map_err(|(_, errno)| errno)
            .expect("lock the image lock file");
        let exists = run_bounded(
            podman().args(["image", "exists", IMAGE]),
            Duration::from_secs(60),
        );
        if !exists.status.success() {
            let dir = tempfile::tempdir().expect("image tempdir");
            let tarball = build_image(dir.path());
            let tarball = tarball.to_str().expect("utf-8 temp path");
            podman_ok(&["import", "--change", r#"CMD ["/bin/sh"]"#, tarball, IMAGE]);
        }
        drop(lock);
    });
}

/// The image's root: a static busybox, its applets, the marker file and `/bin/nsview-pause`
/// (a pod's infra command: `--infra-command` takes one word, and the infra must stay up
/// only as long as the test's containers, `sleep 600`).
fn build_image(dir: &Path) -> PathBuf {
    let busybox = std::fs::read("/bin/busybox").expect(
        "read /bin/busybox: the podman tests need the busybox-static package (.ci/run installs it)",
    );
    // A dynamic busybox (Debian's `busybox` package) cannot run in an image without a libc.
    let head = &busybox[..busybox.len().min(4096)];
    assert!(
        !head
            .windows(8)
            .any(|w| w == b"/lib64/l" || w == b"/lib/ld-"),
        "/bin/busybox is dynamically linked: install busybox-static"
    );
    let root = dir.join("root");
    for sub in ["bin", "etc", "tmp", "proc", "sys", "dev", "run"] {
        std::fs::create_dir_all(root.join(sub)).expect("image dir");
    }
    let bin = root.join("bin");
    std::fs::write(bin.join("busybox"), &busybox).expect("copy busybox");
    std::fs::set_permissions(bin.join("busybox"), std::fs::Permissions::from_mode(0o755))
        .expect("chmod busybox");
    for applet in APPLETS {
        std::os::unix::fs::symlink("busybox", bin.join(applet)).expect("applet link");
    }
    std::fs::write(bin.join("nsview-pause"), "#!/bin/sh\nexec sleep 600\n").expect("pause");
    std::fs::set_permissions(
        bin.join("nsview-pause"),
        std::fs::Permissions::from_mode(0o755),
    )
    .expect("chmod pause");
    std::fs::write(root.join(MARKER.trim_start_matches('/')), MARKER_TEXT).expect("marker");
    let tarball = dir.join("image.tar");
    let status = Command::new("tar")
        .arg("-C")
        .arg(&root)
        .arg("-cf")
        .arg(&tarball)
        .arg(".")
        .status()
        .expect("run tar");
    assert!(status.success(), "tar of the image root failed");
    tarball
}

/// A running container, removed (`podman rm -f -t 0 <id>`) when dropped.
pub struct Container {
    pub id: String,
    pub name: String,
    /// The container's init process (`sleep 600`) as the host sees it.
    pub pid: i32,
    pub conmon_pid: i32,
    removed: bool,
}

impl Container {
    /// `podman run -d --name nsview-test-<pid>-<tag>-<n> ARGS IMAGE sleep 600`, waiting until
    /// the container's init has exec'd `sleep`.
    pub fn run(tag: &str, args: &[&str]) -> Container {
        Container::run_cmd(tag, args, &["sleep", "600"])
    }

    /// As [`Container::run`] with a command of the test's choosing; it must end in `sleep`.
    pub fn run_cmd(tag: &str, args: &[&str], cmd: &[&str]) -> Container {
        let name = unique_name(&format!("nsview-test-{tag}"));
        let mut argv = vec!["run", "-d", "--name", &name];
        argv.extend_from_slice(args);
        argv.push(IMAGE);
        argv.extend_from_slice(cmd);
        let id = podman_ok(&argv);
        Container::adopt(id, name)
    }

    /// Takes charge of a container podman already runs (a pod's infra).
    pub fn adopt(id: String, name: String) -> Container {
        assert!(
            id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit()),
            "not a container id: {id:?}"
        );
        let mut container = Container {
            id,
            name,
            pid: 0,
            conmon_pid: 0,
            removed: false,
        };
        let state = podman_ok(&[
            "inspect",
            "--format",
            "{{.State.Pid}} {{.State.ConmonPid}}",
            &container.id,
        ]);
        let mut fields = state.split_whitespace().map(|f| f.parse::<i32>());
        container.pid = fields.next().and_then(Result::ok).unwrap_or(0);
        container.conmon_pid = fields.next().and_then(Result::ok).unwrap_or(0);
        assert!(
            container.pid > 0 && container.conmon_pid > 0,
            "podman inspect {}: no pids in {state:?}",
            container.name
        );
        wait_for_comm(container.pid, "sleep");
        container
    }

    /// What `podman ps` and nsview show: the first 12 hex digits.
    pub fn short_id(&self) -> &str {
        &self.id[..12]
    }

    /// The inode of the container init's namespace of `kind` (`net`, `mnt`, ...).
    pub fn ns(&self, kind: &str) -> u64 {
        ns_inode(self.pid, kind)
            .unwrap_or_else(|| panic!("no {kind} link for container {}", self.name))
    }

    /// `podman rm -f -t 0 <id>` once: podman's answer (the drop guard retries; tests that
    /// measure podman look at the first answer).
    pub fn try_remove(&mut self) -> Output {
        let output = run_bounded(
            podman().args(["rm", "-f", "-t", "0", &self.id]),
            Duration::from_secs(120),
        );
        if output.status.success() {
            self.removed = true;
        }
        output
    }

    /// `podman rm -f -t 0 <id>` now; panics if podman fails.
    pub fn remove(mut self) {
        let output = self.try_remove();
        assert!(
            output.status.success(),
            "podman rm -f {}: {}",
            self.name,
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

impl Drop for Container {
    fn drop(&mut self) {
        // A container whose conmon was killed needs a second `rm -f`: the first finds it
        // "stopping" and fails (podman 4.3: "container state improper").
        for _ in 0..3 {
            if self.removed || self.try_remove().status.success() {
                return;
            }
        }
    }
}

/// A pod sharing net, ipc and uts (podman's default set), with its infra container from the
/// test image; removed (`podman pod rm -f -t 0 <id>`, which removes its containers) on drop.
pub struct Pod {
    pub id: String,
    pub name: String,
    pub infra: Container,
    _removal: PodGuard,
}

impl Pod {
    pub fn create(tag: &str) -> Pod {
        let name = unique_name(&format!("nsview-test-{tag}"));
        let infra_name = format!("{name}-infra");
        let id = podman_ok(&[
            "pod",
            "create",
            "--name",
            &name,
            "--share",
            "net,ipc,uts",
            "--network",
            "none",
            // podman's own infra image is built from catatonit on first use; the test image
            // keeps everything the tests make under one name.
            "--infra-image",
            IMAGE,
            "--infra-command",
            "/bin/nsview-pause",
            "--infra-name",
            &infra_name,
        ]);
        // From here on the pod is ours to remove, even if starting it fails.
        let removal = PodGuard(id.clone());
        podman_ok(&["pod", "start", &id]);
        let infra_id = podman_ok(&["pod", "inspect", "--format", "{{.InfraContainerID}}", &id]);
        let mut infra = Container::adopt(infra_id, infra_name);
        // The pod's removal takes the infra container with it.
        infra.removed = true;
        Pod {
            id,
            name,
            infra,
            _removal: removal,
        }
    }

    /// A container in this pod, sharing the pod's namespaces.
    pub fn run(&self, tag: &str) -> Container {
        Container::run(tag, &["--pod", &self.id])
    }
}

/// Removes a pod by id when dropped.
struct PodGuard(String);

impl Drop for PodGuard {
    fn drop(&mut self) {
        let _ = run_bounded(
            podman().args(["pod", "rm", "-f", "-t", "0", &self.0]),
            Duration::from_secs(120),
        );
    }
}

/// Waits (bounded) until `pid` runs `want`: `podman run -d` can return while runc's init is
/// still `runc:[2:INIT]`, before the exec.
fn wait_for_comm(pid: i32, want: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        if comm.trim_end() == want {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "container process {pid} never became `{want}` (comm {comm:?})"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Waits (bounded) until `pid` is gone: exited and reaped. Killed container processes are
/// reparented to pid 1 and stay zombies until it reaps them, and a zombie still shows its pid
/// namespace (`/proc/PID/ns/pid` stays readable), so nsview rightly lists it as a member.
pub fn wait_until_reaped(pid: i32) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Path::new(&format!("/proc/{pid}")).exists() {
        assert!(
            Instant::now() < deadline,
            "process {pid} not reaped within 30 s (by its parent or pid 1)"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Pids whose parent is `parent` (from `/proc/PID/stat`).
pub fn children_of(parent: i32) -> Vec<i32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            // `pid (comm) S ppid ...`: fields after the last ')'.
            stat.rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().nth(1)?.parse::<i32>().ok())
                == Some(parent)
        })
        .collect()
}

/// What a crashed runtime leaves: `kill -9` of the container's conmon and of the processes it
/// supervises (the container's init; runc itself has exited once the container runs), waited
/// for until each is reaped. Nothing runs podman's cleanup (conmon's exit command) then.
///
/// conmon dies first, and is reaped before its children are killed: a conmon that outlives
/// the container's init by a moment sees it exit and forks its exit command (`podman
/// container cleanup`), which survives conmon's own SIGKILL and removes the netns pin. Killing
/// the init first lost that race now and then on a loaded machine (the pin was gone from
/// /run/netns before the test's scan, which looked like a scan missing it).
pub fn kill_runtime(c: &Container) {
    let children = children_of(c.conmon_pid);
    assert!(children.contains(&c.pid), "conmon's children {children:?}");
    let kill = |pid: i32| {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(pid),
            nix::sys::signal::Signal::SIGKILL,
        );
    };
    kill(c.conmon_pid);
    wait_until_reaped(c.conmon_pid);
    for &pid in &children {
        kill(pid);
    }
    for &pid in &children {
        wait_until_reaped(pid);
    }
}

impl Container {
    /// [`kill_runtime`] of this container.
    pub fn kill_runtime(&self) {
        kill_runtime(self);
    }
}
