//! The terminal hand-off under a real terminal (tmux): a shell started from the UI inside a
//! container's pid namespace gets the terminal and the UI comes back afterwards, whether the
//! shell exits, is killed, or leaves a background job behind; more keys still work and `q`
//! ends nsview with status 0 as the pane's shell sees it. And ^Z / `fg` of the UI itself.
//!
//! Each test runs its own tmux server (its own socket, killed on drop) and its own container
//! (`unshare --pid --fork --kill-child --mount-proc sleep`, killed by PID on drop; everything
//! in its pid namespace dies with its init, background jobs included).

use std::path::Path;
use std::time::{Duration, Instant};

use crate::util::Pane;

/// A container: `unshare --pid --uts --fork --kill-child --mount-proc sleep 300`, killed by
/// PID on drop (its init dies with it, and with the init every process of the namespace). Its
/// own UTS namespace tells "all of the init's namespaces" from "pid and mnt only".
struct Container {
    child: std::process::Child,
    pid_ns: u64,
    /// Its init (`sleep`), by its pid outside.
    init: i32,
}

impl Container {
    /// The init's namespace of `kind`.
    fn ns(&self, kind: &str) -> u64 {
        crate::util::ns_inode(self.init, kind).expect("the container's ns link")
    }
}

impl Container {
    fn start() -> Container {
        // The release build first (minutes, the first time): the container's init lives 300 s.
        crate::util::release_nsview();
        let child = std::process::Command::new("unshare")
            .args([
                "--pid",
                "--uts",
                "--fork",
                "--kill-child",
                "--mount-proc",
                "sleep",
                "300",
            ])
            .stdin(std::process::Stdio::null())
            .spawn()
            .expect("start unshare");
        let pid = child.id() as i32;
        let own = crate::util::ns_inode(std::process::id() as i32, "pid").expect("own pid ns");
        let deadline = Instant::now() + Duration::from_secs(10);
        // The init inside has exec'd sleep once unshare has a child named sleep.
        let (pid_ns, init) = loop {
            let children = std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
                .unwrap_or_default();
            let init = children
                .split_whitespace()
                .filter_map(|c| c.parse::<i32>().ok())
                .find(|c| {
                    std::fs::read_to_string(format!("/proc/{c}/comm"))
                        .is_ok_and(|comm| comm.trim() == "sleep")
                });
            if let Some(init) = init
                && let Some(ns) = crate::util::ns_inode(init, "pid").filter(|&ns| ns != own)
            {
                break (ns, init);
            }
            assert!(Instant::now() < deadline, "the container never started");
            std::thread::sleep(Duration::from_millis(20));
        };
        Container {
            child,
            pid_ns,
            init,
        }
    }
}

impl Drop for Container {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The pane's script: nsview (shells it starts are /bin/sh with a `$ ` prompt), then its exit
/// status into `rc`, then a pause so the pane stays for the test to read.
pub(super) fn ui_script(dir: &Path) -> String {
    format!(
        "SHELL=/bin/sh PS1='$ ' ENV= {} --no-refresh\necho rc=$? > {}\nexec sleep 60\n",
        super::tmux_nsview(),
        dir.join("rc").display()
    )
}

/// The last non-empty line of a screen.
pub(super) fn last_line(screen: &str) -> &str {
    screen
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim_end()
}

/// Starts the UI, selects the container's pid namespace with the filter, and presses `s`;
/// returns once the shell inside prints its prompt under the banner.
fn shell_in_container(prefix: &str, container: &Container) -> Pane {
    let pane = Pane::start(prefix, ui_script);
    pane.wait_for_ui("the UI");
    pane.keys(&["/"]);
    pane.type_text(&container.pid_ns.to_string());
    pane.keys(&["Enter"]);
    pane.wait_for("the filtered pid namespace", 10, |s| {
        s.contains(&format!("/{}", container.pid_ns)) && s.contains("pid namespace")
    });
    pane.keys(&["End"]);
    pane.keys(&["s"]);
    let screen = pane.wait_for("a shell under the banner", 15, |s| {
        last_line(s) == "$" && !pane.alternate_screen()
    });
    assert!(
        screen.contains(&format!("nsview: shell in pid:[{}]", container.pid_ns)),
        "no banner:\n{screen}"
    );
    // A clean screen: the banner is the first line.
    assert!(
        screen
            .lines()
            .next()
            .is_some_and(|l| l.starts_with("nsview: shell in")),
        "{screen}"
    );
    pane
}

/// After the shell: the UI is back, answers keys (the help overlay opens and closes), and `q`
/// ends it with status 0.
fn more_keys_then_quit(pane: &Pane) {
    let screen = pane.wait_for_ui("the UI again");
    assert!(!screen.contains("error:"), "{screen}");
    pane.keys(&["?"]);
    pane.wait_for("the help overlay", 10, |s| s.contains("suspend"));
    pane.keys(&["Escape"]);
    pane.wait_for("help closed", 10, |s| !s.contains("suspend"));
    pane.keys(&["j", "k"]);
    pane.keys(&["q"]);
    assert_eq!(pane.wait_for_file("rc", 10), "rc=0");
    assert!(!pane.alternate_screen(), "alternate screen left on");
}

#[test]
#[ignore = "needs root and tmux"]
fn shell_in_a_pid_namespace_comes_back() {
    let container = Container::start();
    let pane = shell_in_container("nsview-handoff-exit", &container);
    // The banner says what was entered: the pid namespace and its init's mount namespace.
    let mnt = container.ns("mnt");
    // (A name may follow the label: the hostname of its processes' own UTS namespace.)
    let screen = pane.screen();
    let banner = screen.lines().next().unwrap_or_default();
    assert!(
        banner.starts_with(&format!("nsview: shell in pid:[{}]", container.pid_ns))
            && banner.ends_with(&format!(
                " + mnt:[{mnt}] of init {}; exit to return",
                container.init
            )),
        "{screen}"
    );
    pane.type_text(
        "echo in=$(readlink /proc/self/ns/pid) $(readlink /proc/self/ns/mnt) \
         $(readlink /proc/self/ns/uts) status=$?",
    );
    pane.keys(&["Enter"]);
    // The output line, not the echo of the typed command (which also says `status=`).
    let screen = pane.wait_for("the shell's namespaces", 10, |s| {
        s.lines().any(|l| l.trim_start().starts_with("in="))
    });
    // pid and mnt as `nsenter -t INIT -m -p`: the init's UTS namespace did not come along.
    let host_uts = crate::util::own_ns("uts");
    assert_ne!(host_uts, container.ns("uts"));
    assert!(
        screen.contains(&format!(
            "in=pid:[{}] mnt:[{mnt}] uts:[{host_uts}] status=0",
            container.pid_ns
        )),
        "{screen}"
    );
    // /proc inside is the container's: `ps` (procps reads /proc) lists only the namespace's
    // processes: its init as pid 1, the shell, the command substitution's shell and ps.
    pane.type_text("echo procs: $(ps -e -o pid=,comm=) :end");
    pane.keys(&["Enter"]);
    let listed = |s: &str| -> Option<Vec<(u32, String)>> {
        let line = s.lines().find(|l| l.trim_start().starts_with("procs: "))?;
        let words: Vec<&str> = line
            .trim()
            .strip_prefix("procs: ")?
            .strip_suffix(":end")?
            .split_whitespace()
            .collect();
        words
            .chunks(2)
            .map(|pair| Some((pair.first()?.parse().ok()?, pair.get(1)?.to_string())))
            .collect()
    };
    let screen = pane.wait_for("ps inside", 10, |s| listed(s).is_some());
    let processes = listed(&screen).unwrap_or_default();
    assert!(
        processes.contains(&(1, "sleep".to_string())),
        "pid 1 is the container's init:\n{screen}"
    );
    assert!(
        processes
            .iter()
            .all(|(_, comm)| ["sleep", "sh", "ps"].contains(&comm.as_str())),
        "only the namespace's processes:\n{screen}"
    );
    assert!(
        (3..=4).contains(&processes.len()),
        "{processes:?}:\n{screen}"
    );
    pane.type_text("exit");
    pane.keys(&["Enter"]);
    let screen = pane.wait_for_ui("the UI after exit");
    assert!(screen.contains("back from shell in pid:["), "{screen}");
    more_keys_then_quit(&pane);
}

#[test]
#[ignore = "needs root and tmux"]
fn killed_shell_comes_back() {
    let container = Container::start();
    let pane = shell_in_container("nsview-handoff-kill", &container);
    pane.type_text("kill -9 $$");
    pane.keys(&["Enter"]);
    let screen = pane.wait_for_ui("the UI after the shell was killed");
    assert!(screen.contains("killed by signal 9"), "{screen}");
    more_keys_then_quit(&pane);
}

#[test]
#[ignore = "needs root and tmux"]
fn shell_leaving_a_background_job_comes_back() {
    let container = Container::start();
    let pane = shell_in_container("nsview-handoff-bg", &container);
    pane.type_text("sleep 300 &");
    pane.keys(&["Enter"]);
    pane.wait_for("the job started", 10, |s| last_line(s) == "$");
    pane.type_text("exit");
    pane.keys(&["Enter"]);
    pane.wait_for_ui("the UI with a job left behind");
    more_keys_then_quit(&pane);
}

/// ^Z stops the UI with the terminal restored for the shell; `fg` brings it back in raw mode
/// (a single `?` reaches it without Enter).
#[test]
fn ctrl_z_and_fg() {
    let pane = Pane::start("nsview-handoff-tstp", |_| {
        "PS1='$ ' ENV= exec sh -i\n".to_string()
    });
    pane.wait_for("the shell's prompt", 10, |s| last_line(s) == "$");
    pane.type_text(&format!("{} --no-refresh", super::tmux_nsview()));
    pane.keys(&["Enter"]);
    pane.wait_for_ui("the UI");
    pane.keys(&["C-z"]);
    let screen = pane.wait_for("the shell after ^Z", 10, |s| {
        last_line(s) == "$" && !pane.alternate_screen()
    });
    assert!(screen.contains("Stopped"), "{screen}");
    pane.type_text("fg");
    pane.keys(&["Enter"]);
    pane.wait_for_ui("the UI after fg");
    pane.keys(&["?"]);
    pane.wait_for("the help overlay in raw mode", 10, |s| {
        s.contains("suspend")
    });
    pane.keys(&["q"]);
    pane.wait_for("help closed", 10, |s| !s.contains("suspend"));
    pane.keys(&["q"]);
    pane.wait_for("the shell after q", 10, |s| last_line(s) == "$");
    pane.type_text("echo NSVIEW-EXIT=$?");
    pane.keys(&["Enter"]);
    pane.wait_for("nsview's exit status", 10, |s| s.contains("NSVIEW-EXIT=0"));
    assert!(!pane.alternate_screen(), "alternate screen left on");
}

/// `x` on a process runs a command line in all of its namespaces (here: the container's
/// /proc), shows its output until Enter, and comes back to the UI.
#[test]
#[ignore = "needs root and tmux"]
fn x_on_a_process_runs_in_all_its_namespaces() {
    let container = Container::start();
    let pane = Pane::start("nsview-handoff-x", ui_script);
    pane.wait_for_ui("the UI");
    pane.keys(&["/"]);
    // `pid:` matches the pid exactly (plain digits would also match 14810 for 810).
    pane.type_text(&format!("pid:{}", container.init));
    pane.keys(&["Enter"]);
    pane.keys(&["End"]);
    let row = format!(" {} ", container.init);
    pane.wait_for("the container's init selected", 10, |s| {
        s.lines().any(|l| l.contains('▶') && l.contains(&row))
    });
    pane.keys(&["x"]);
    pane.wait_for("the prompt", 10, |s| {
        s.contains("run in the namespaces of pid")
    });
    pane.type_text("echo init=$(cat /proc/1/comm) uts=$(readlink /proc/self/ns/uts)");
    pane.keys(&["Enter"]);
    let screen = pane.wait_for("the command's output", 15, |s| {
        s.contains("press Enter to return")
    });
    // All of the process's namespaces: its pid and mnt (pid 1 in /proc is its init) and its
    // UTS namespace too.
    assert!(
        screen.contains(&format!("init=sleep uts=uts:[{}]", container.ns("uts"))),
        "{screen}"
    );
    assert!(screen.contains("exit status 0"), "{screen}");
    pane.keys(&["Enter"]);
    let screen = pane.wait_for_ui("the UI after x");
    assert!(screen.contains("back from `echo init="), "{screen}");
    more_keys_then_quit(&pane);
}
