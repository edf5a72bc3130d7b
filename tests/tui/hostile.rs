//! The hostile host under a real terminal (issue 10): the UI in tmux over namespaces whose
//! hostname, comm, argv, interface name and bind-mount path carry ESC, BEL, OSC 52, OSC 0 and
//! newlines, over the FIFO and symlink traps of `tests/hostile.rs`, and over a namespace whose
//! inode is reused between the UI's scan and `s`. Each test checks what reached tmux, not what
//! nsview meant to draw: the `\xNN` form is on the pane, the pane title and tmux's paste
//! buffers (with `set-clipboard on`, so an OSC 52 would land there) are untouched, the UI goes
//! on scanning (a namespace made after the trap shows up) and says how old its data is, and `q`
//! ends it with status 0.

use crate::util::Pane;
use crate::util::Sleeper;

/// A UI in tmux, started only once the tmux server is set up to catch what must not reach it.
struct HostileUi {
    pane: Pane,
    /// The pane title before nsview ran (an OSC 0 or 2 would change it).
    title: String,
}

impl HostileUi {
    /// nsview refreshing every half second, with `$SHELL` a script that leaves a mark when a
    /// shell is started (so a test can say none was).
    fn start(prefix: &str) -> HostileUi {
        HostileUi::start_traced(prefix, false)
    }

    /// As [`HostileUi::start`], under `strace -f` (its log is `strace.log`) when `traced`:
    /// every path the UI and its children asked to open.
    fn start_traced(prefix: &str, traced: bool) -> HostileUi {
        let pane = Pane::start(prefix, |dir| {
            let strace = if traced {
                format!(
                    // Only the traced calls stop (seccomp-bpf): the UI's scans stay fast.
                    "strace -f -qq --seccomp-bpf -e trace=open,openat,openat2 -o {} ",
                    dir.join("strace.log").display()
                )
            } else {
                String::new()
            };
            let shell = dir.join("shell");
            std::fs::write(
                &shell,
                format!(
                    "#!/bin/sh\ntouch {}\nexec /bin/sh \"$@\"\n",
                    dir.join("shell-started").display()
                ),
            )
            .expect("write the marker shell");
            std::fs::set_permissions(&shell, std::os::unix::fs::PermissionsExt::from_mode(0o755))
                .expect("chmod the marker shell");
            // Waits (10 s at most) for the test to arm tmux before nsview draws anything.
            format!(
                "i=0; while [ ! -e {go} ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done\n\
                 SHELL={shell} PS1='$ ' ENV= NO_COLOR=1 {strace}{nsview} --interval 0.5\n\
                 echo rc=$? > {rc}\nexec sleep 60\n",
                go = dir.join("go").display(),
                shell = shell.display(),
                nsview = super::tmux_nsview(),
                rc = dir.join("rc").display(),
            )
        });
        // Wide enough for enter's whole refusal in the status line.
        pane.tmux(&["resize-window", "-x", "200", "-y", "40"]);
        // An application's OSC 52 becomes a tmux paste buffer: any buffer later is a leak.
        pane.tmux(&["set-option", "-g", "set-clipboard", "on"]);
        let title = pane.tmux(&["display-message", "-p", "#{pane_title}"]);
        assert!(
            pane.tmux(&["list-buffers"]).trim().is_empty(),
            "a fresh tmux server has no paste buffer"
        );
        std::fs::write(pane.file("go"), "").expect("go");
        // A first scan of a loaded host (thousands of processes, strace) may take a while.
        pane.wait_for("the UI's first scan", 60, |s| s.contains("namespaces,"));
        pane.wait_for_ui("the UI");
        HostileUi { pane, title }
    }

    /// Filters the tree by `text` and waits for `done` on the screen.
    fn find(&self, text: &str, what: &str, done: impl Fn(&str) -> bool) -> String {
        self.pane.keys(&["Escape"]);
        self.pane.wait_for("the filter cleared", 10, |s| {
            s.lines()
                .next()
                .is_some_and(|header| !header.contains(" /"))
        });
        self.pane.keys(&["/"]);
        self.pane.type_text(text);
        self.pane.keys(&["Enter"]);
        // A busy machine (a scan every half second, hostnames read by entering each UTS
        // namespace) can take seconds to show a change.
        self.pane.wait_for(what, 30, done)
    }

    /// Nothing a host string carried reached tmux: no title change, no paste buffer.
    fn assert_terminal_untouched(&self, what: &str) {
        let title = self.pane.tmux(&["display-message", "-p", "#{pane_title}"]);
        assert_eq!(title, self.title, "{what}: the pane title changed");
        let buffers = self.pane.tmux(&["list-buffers"]);
        assert!(
            buffers.trim().is_empty(),
            "{what}: an OSC 52 reached tmux: {buffers}"
        );
    }

    /// The UI still scans: a UTS namespace made now is found by its hostname; and it says how
    /// old its data is.
    fn assert_still_scanning(&self) {
        let tag = crate::util::unique_name("nsview-late");
        let late = Sleeper::start(&[
            "unshare",
            "--uts",
            "sh",
            "-c",
            &format!("hostname {tag} && exec sleep 120"),
        ]);
        let inode = late.new_ns("uts").to_string();
        // Its row, by inode (another namespace may come to match the filter too).
        self.find(&tag, "a namespace made after the trap", |s| {
            s.lines()
                .skip(1)
                .any(|row| row.contains(&inode) && row.contains(&tag))
        });
        // The age of the data, in the header (live, it counts from the last full reconcile,
        // so it may need one more to appear).
        self.pane.wait_for("the data's age in the header", 30, |s| {
            s.lines().next().is_some_and(|h| h.contains("scanned "))
        });
        late.stop();
    }

    /// `q` ends the UI with status 0.
    fn quit(&self) {
        self.pane.keys(&["q"]);
        assert_eq!(self.pane.wait_for_file("rc", 10), "rc=0");
        self.assert_terminal_untouched("after quitting");
    }
}

/// No raw control byte on the pane (tmux would have acted on it, but a stray one that tmux
/// drew as text would show here too).
fn assert_no_raw_controls(what: &str, screen: &str) {
    assert!(
        !screen.chars().any(|c| c.is_control() && c != '\n'),
        "{what}: a raw control character on the pane: {screen:?}"
    );
}

#[test]
#[ignore = "needs root and tmux"]
fn hostile_strings_show_escaped_and_reach_no_terminal() {
    assert!(nix::unistd::geteuid().is_root(), "needs root");
    // The release build first (minutes, the first time): the helpers below have lifetimes.
    crate::util::release_nsview();
    use crate::textsafety::{HostileBindMount, HostileShell};
    let shell = HostileShell::start();
    let (uts, net) = (shell.ns("uts"), shell.ns("net"));
    let bind = HostileBindMount::new(&std::path::PathBuf::from(format!(
        "/proc/{}/ns/uts",
        shell.pid()
    )));
    let ui = HostileUi::start("nsview-hostile-ui");

    // The UTS namespace: its hostname (OSC 52) and its process's comm (OSC 0 + newline) and
    // argv, and the bind mount at a path with OSC 0 and a newline, all as `\xNN`.
    let screen = ui.find(&uts.to_string(), "the hostile UTS namespace", |s| {
        s.contains(&format!("uts namespace {uts}")) && s.contains(r"\x1b]52;c;")
    });
    assert_no_raw_controls("uts", &screen);
    for wanted in [
        r"h\x1b]52;c;Y3VybCBldmlsLnNofHNo\x07",
        r"c\x1b]0;T\x07\x0a",
        r"sh -c \x0a",
    ] {
        assert!(screen.contains(wanted), "{wanted} on the pane:\n{screen}");
    }
    ui.pane.keys(&["z"]);
    let zoomed = ui.pane.wait_for("the zoomed UTS pane", 10, |s| {
        s.contains(&format!("uts namespace {uts}")) && !s.contains("NAME/USER")
    });
    assert_no_raw_controls("uts zoomed", &zoomed);
    let bind_name = bind
        .path
        .file_name()
        .expect("bind mount name")
        .to_string_lossy()
        .into_owned();
    let escaped_bind = nsview::text::safe(&bind_name).into_owned();
    assert!(
        zoomed.contains(&escaped_bind),
        "the bind-mount path {escaped_bind} on the pane:\n{zoomed}"
    );
    ui.pane.keys(&["z"]);
    ui.assert_terminal_untouched("the UTS namespace");

    // The net namespace: its interface name.
    let escaped_ifname = nsview::text::safe(&shell.ifname).into_owned();
    let screen = ui.find(&net.to_string(), "the hostile net namespace", |s| {
        s.contains(&format!("net namespace {net}")) && s.contains(&escaped_ifname)
    });
    assert_no_raw_controls("net", &screen);
    ui.assert_terminal_untouched("the net namespace");

    ui.assert_still_scanning();
    ui.quit();
    drop(bind);
    drop(shell);
}

/// A trap of `tests/hostile.rs` under the UI: each trapped namespace shows its refused holder
/// with the reason (the path escaped), nothing reaches the terminal, scans go on, `q` works.
fn ui_over_a_trap(prefix: &str, trap: &crate::hostile::Trap, reasons: &[&str], traced: bool) {
    let ui = HostileUi::start_traced(prefix, traced);
    let path = nsview::text::safe(&trap.path().to_string_lossy()).into_owned();
    for (&inode, reason) in trap.inodes.iter().zip(reasons) {
        let screen = ui.find(&inode.to_string(), "the trapped namespace", |s| {
            s.contains(&format!("namespace {inode}")) && s.contains(reason)
        });
        assert_no_raw_controls("trap", &screen);
        assert!(screen.contains("refused"), "{screen}");
        if inode == trap.inodes[0] {
            // The net trap's path, escaped (the detail pane wraps it: its start will do).
            let start: String = path.chars().take(50).collect();
            assert!(screen.contains(&start), "{start} on the pane:\n{screen}");
        }
        ui.assert_terminal_untouched("a trapped namespace");
    }
    ui.assert_still_scanning();
    ui.quit();
    if traced {
        let log = std::fs::read_to_string(ui.pane.file("strace.log")).expect("strace log");
        for host_file in ["/etc/shadow", "/dev/zero"] {
            assert!(
                !log.lines().any(|l| l.contains(&format!("\"{host_file}\""))),
                "the UI opened {host_file}:\n{log}"
            );
        }
        // The trapped paths were looked at, but only O_PATH, inside the trap's root.
        let trapped: Vec<&str> = log.lines().filter(|l| l.contains("hide/trap")).collect();
        assert!(
            !trapped.is_empty(),
            "the UI never looked at the trap:\n{log}"
        );
        for line in trapped {
            assert!(line.contains("O_PATH"), "{line}");
        }
    }
}

#[test]
#[ignore = "needs root and tmux"]
fn a_fifo_trap_at_a_hostile_path_freezes_nothing() {
    assert!(nix::unistd::geteuid().is_root(), "needs root");
    // The release build first (minutes, the first time): the helpers below have lifetimes.
    crate::util::release_nsview();
    use crate::textsafety::{FORGED, OSC0, OSC52};
    let hide = format!("h{OSC52}{OSC0}\n{FORGED}");
    let trap = crate::hostile::Trap::plant_in(&hide, "mkfifo \"$H/trap\"; mkfifo \"$H/trap2\"");
    ui_over_a_trap(
        "nsview-ui-fifo",
        &trap,
        &[
            "a FIFO, not a namespace file",
            "a FIFO, not a namespace file",
        ],
        false,
    );
}

#[test]
#[ignore = "needs root and tmux"]
fn a_symlink_trap_opens_nothing() {
    assert!(nix::unistd::geteuid().is_root(), "needs root");
    // The release build first (minutes, the first time): the helpers below have lifetimes.
    crate::util::release_nsview();
    let trap =
        crate::hostile::Trap::plant("ln -s /etc/shadow \"$H/trap\"; ln -s /dev/zero \"$H/trap2\"");
    ui_over_a_trap(
        "nsview-ui-symlink",
        &trap,
        &[
            "a symlink, not a namespace file",
            "a symlink, not a namespace file",
        ],
        true,
    );
}

/// The seconds in the header's "scanned Ns ago", if it is there in seconds.
fn scanned_secs_ago(screen: &str) -> Option<u64> {
    let header = screen.lines().next()?;
    let (_, after) = header.split_once("scanned ")?;
    after
        .strip_suffix("s ago")
        .or_else(|| after.split_once("s ago").map(|(n, _)| n))?
        .trim()
        .parse()
        .ok()
}

/// The reused-inode case in the UI: it shows namespace X (uts, inode I, id N) and is paused;
/// X dies and a new namespace (of whatever type) gets inode I; `s` on the row still showing X
/// is refused by the child `nsview enter` with the new owner named, and no shell starts.
#[test]
#[ignore = "needs root and tmux"]
fn a_shell_into_a_namespace_whose_inode_was_reused_is_refused() {
    assert!(nix::unistd::geteuid().is_root(), "needs root");
    // The release build first (minutes, the first time): the helpers below have lifetimes.
    crate::util::release_nsview();
    use crate::hostile::{REUSE_ROUNDS, ns_id_of, refill};
    let ui = HostileUi::start("nsview-ui-reuse");
    for _ in 0..REUSE_ROUNDS {
        // Found by its hostname (its inode's digits may be in other processes' argv).
        let tag = crate::util::unique_name("nsview-victim");
        let victim = Sleeper::start(&[
            "unshare",
            "--uts",
            "sh",
            "-c",
            &format!("hostname {tag} && exec sleep 120"),
        ]);
        let inode = victim.new_ns("uts");
        let id = ns_id_of(&format!("/proc/{}/ns/uts", victim.pid));
        let shown = format!("uts:[{inode}]  id {id}");
        // Of type uts: ghosts of the last round's refill (ipc, cgroup) can be named by this
        // tag too, through a uts inode the victim has just taken over.
        ui.find(&format!("type:uts name:{tag}"), "the namespace", |s| {
            s.lines()
                .any(|row| row.contains(&inode.to_string()) && row.contains(&tag))
        });
        // The filter selects the type's heading; the namespace is the last row.
        ui.pane.keys(&["End"]);
        ui.pane.wait_for("the namespace with its id", 30, |s| {
            s.contains(&shown)
                && s.lines()
                    .any(|l| l.contains('▶') && l.contains(&inode.to_string()))
        });
        // The data's age is in the header before pausing (live, it appears with the first
        // full reconcile, and none is applied while paused).
        ui.pane
            .wait_for("the data's age", 30, |s| scanned_secs_ago(s).is_some());
        ui.pane.keys(&["p"]);
        // Paused, and no scan from before the pause can still land: none was applied for 2 s
        // and none is running (one requested before the pause would be running for over a
        // second by then, and the header says "scanning" after one).
        ui.pane
            .wait_for("a paused UI with no scan in flight", 30, |s| {
                let header = s.lines().next().unwrap_or("");
                header.contains("paused")
                    && !header.contains("scanning")
                    && !header.contains("scan stuck")
                    && scanned_secs_ago(s).is_some_and(|n| n >= 2)
            });
        victim.stop();
        let Some(reused) = refill(inode) else {
            // Someone else's namespace took the inode: resume and try another victim.
            ui.pane.keys(&["p"]);
            continue;
        };
        let screen = ui.pane.screen();
        assert!(
            screen.contains(&shown),
            "the UI still shows the dead namespace:\n{screen}"
        );
        ui.pane.keys(&["s"]);
        let refusal = format!(
            "that namespace (id {id}) is gone; its inode now belongs to {}:[{inode}] (id {})",
            reused.kind, reused.ns_id
        );
        // The UI is back (on its alternate screen) with the refusal in its status line: the two
        // are seen together, as the UI redraws only after it has taken the terminal back.
        ui.pane
            .wait_for("the refusal in the UI's status line", 30, |s| {
                s.contains(&refusal) && ui.pane.alternate_screen()
            });
        assert!(
            !ui.pane.file("shell-started").exists(),
            "a shell was started in the namespace that now holds the inode"
        );
        ui.pane.keys(&["p"]);
        ui.assert_still_scanning();
        ui.quit();
        drop(reused);
        return;
    }
    panic!(
        "no dead namespace's inode came back in {REUSE_ROUNDS} rounds: other processes kept \
         taking the freed inode first"
    );
}

/// The fd-swap trap under the UI: a scan every half second over an fd that keeps turning into
/// a FIFO never hangs the UI; the namespace stays listed, new ones show up, `q` works.
#[test]
#[ignore = "needs root and tmux"]
fn an_fd_swapped_for_a_fifo_freezes_nothing() {
    assert!(nix::unistd::geteuid().is_root(), "needs root");
    // The release build first (minutes, the first time): the helpers below have lifetimes.
    crate::util::release_nsview();
    let swapper = crate::hostile::FdSwapper::start();
    let ui = HostileUi::start("nsview-ui-swap");
    let inode = swapper.netns.inode().to_string();
    let name = swapper.netns.name.clone();
    ui.find(&name, "the swapped namespace", |s| {
        s.lines()
            .skip(1)
            .any(|row| row.contains(&inode) && row.contains(&name))
    });
    ui.assert_still_scanning();
    ui.assert_terminal_untouched("the swap trap");
    ui.quit();
    drop(swapper);
}
