//! The UI under a real terminal (tmux) on namespaces the test makes: finding a namespace by its
//! hostname, by its `ip netns` name and by `type:net`; sorting by processes (both ways); zooming
//! the detail pane and following a reference (to the owner); the help closing with `q` and with
//! `Esc`; `q` ending nsview with status 0.

use super::handoff::ui_script;
use crate::util::Pane;

/// Esc, alone: followed at once by another key, a terminal reads ESC + key as Alt+key.
fn clear_filter(pane: &Pane) {
    pane.keys(&["Escape"]);
    pane.wait_for("the filter cleared", 10, |s| {
        s.lines()
            .next()
            .is_some_and(|header| !header.contains(" /"))
    });
}

/// The selected row of a screen.
fn selected_row(screen: &str) -> &str {
    screen.lines().find(|l| l.contains('▶')).unwrap_or("")
}

#[test]
#[ignore = "needs root and tmux"]
fn find_sort_zoom_follow_and_help() {
    // The release build first (minutes, the first time): the sleepers below live 300 s.
    crate::util::release_nsview();
    let tag = crate::util::unique_name("nsview-ui-host");
    let uts = crate::util::Sleeper::start(&[
        "unshare",
        "--uts",
        "sh",
        "-c",
        &format!("hostname {tag} && exec sleep 300"),
    ]);
    let netns = crate::util::NamedNetns::add("nsview-ui");
    // Two UTS namespaces to sort: one with two processes (unshare and its child), one with
    // four (two more sleeps in the background). Each has a pid namespace of its own, so
    // killing its init (by PID, on drop) ends every process in it.
    // Short: the header must still have room for the sort key after this filter.
    let sort_tag = crate::util::unique_name("srt");
    let uts_in_pid = |hostname: &str, background: &str| {
        crate::util::Sleeper::start_forked(&[
            "unshare",
            "--uts",
            "--pid",
            "--fork",
            "--kill-child",
            "sh",
            "-c",
            &format!("hostname {hostname}; {background}exec sleep 300"),
        ])
    };
    let few = uts_in_pid(&format!("{sort_tag}-few"), "");
    let many = uts_in_pid(&format!("{sort_tag}-many"), "sleep 300 & sleep 300 & ");
    let (few_uts, many_uts) = (few.new_ns("uts"), many.new_ns("uts"));
    let pane = Pane::start("nsview-live", ui_script);
    pane.wait_for_ui("the UI");

    // By hostname: the UTS namespace, named after it.
    let uts_inode = uts.ns("uts");
    pane.keys(&["/"]);
    pane.type_text(&tag);
    pane.keys(&["Enter"]);
    let screen = pane.wait_for("the hostname's namespace", 10, |s| {
        s.contains(&format!("/{tag}  1 namespace "))
    });
    let row = selected_row(&screen);
    assert!(
        row.contains(&uts_inode.to_string()) && row.contains("nsview-ui-host"),
        "{screen}"
    );

    // By `ip netns` name.
    clear_filter(&pane);
    pane.keys(&["/"]);
    pane.type_text(&netns.name);
    pane.keys(&["Enter"]);
    let screen = pane.wait_for("the netns by name", 10, |s| {
        s.contains(&format!("/{}  1 namespace ", netns.name))
    });
    assert!(
        selected_row(&screen).contains(&netns.inode().to_string()),
        "{screen}"
    );

    // Zoom its detail pane, then follow its owner.
    pane.keys(&["z"]);
    let screen = pane.wait_for("the zoomed pane", 10, |s| {
        s.contains(&format!("net namespace {}", netns.inode())) && !s.contains("NAME/USER")
    });
    assert!(screen.contains("identity"), "{screen}");
    // `f`: the first reference in its pane is its owner, the host's user namespace.
    pane.keys(&["f"]);
    let owner = format!("user namespace {}", crate::util::own_ns("user"));
    pane.wait_for("the owner's pane", 10, |s| s.contains(&owner));
    pane.keys(&["z"]);
    pane.wait_for("unzoomed", 10, |s| s.contains("NAME/USER"));

    // By type.
    clear_filter(&pane);
    pane.keys(&["/"]);
    pane.type_text("type:net");
    pane.keys(&["Enter"]);
    let screen = pane.wait_for("net namespaces only", 10, |s| {
        s.contains("/type:net  ") && s.contains(" namespaces")
    });
    assert!(screen.contains("▾ net ("), "{screen}");
    assert!(!screen.contains("▾ uts ("), "{screen}");

    // Sorted by processes (shown in the header): the namespace with more processes first;
    // `O` reverses it.
    clear_filter(&pane);
    pane.keys(&["/"]);
    pane.type_text(&format!("type:uts {sort_tag}"));
    pane.keys(&["Enter"]);
    // The row in the tree (left of the pane's border; the pane names the selected one too).
    let rows = |s: &str| {
        let row = |inode: u64| {
            s.lines().position(|l| {
                l.split('│')
                    .next()
                    .is_some_and(|tree| tree.contains(&inode.to_string()))
            })
        };
        (row(many_uts), row(few_uts))
    };
    pane.wait_for("the two namespaces to sort", 10, |s| {
        matches!(rows(s), (Some(_), Some(_)))
    });
    pane.keys(&["o"]);
    pane.wait_for("more processes first", 10, |s| {
        s.contains("sort procs↓") && matches!(rows(s), (Some(many), Some(few)) if many < few)
    });
    pane.keys(&["O"]);
    pane.wait_for("fewer processes first", 10, |s| {
        s.contains("sort procs↑") && matches!(rows(s), (Some(many), Some(few)) if many > few)
    });
    clear_filter(&pane);

    // Help closes with q and with Esc, and q then quits with status 0.
    for close in ["q", "Escape"] {
        pane.keys(&["?"]);
        pane.wait_for("the help", 10, |s| s.contains("help (q or Esc closes)"));
        pane.keys(&[close]);
        pane.wait_for("help closed", 10, |s| !s.contains("help (q or Esc closes)"));
    }
    pane.keys(&["q"]);
    assert_eq!(pane.wait_for_file("rc", 10), "rc=0");
    drop(pane);
    uts.stop();
    few.stop();
    many.stop();
}

/// Issue 10's trap under the UI: `nobody`, in its own user and mount namespace, bind-mounts a
/// network namespace, hides the mount point under a tmpfs and puts a FIFO at the same path.
/// The UI keeps scanning (a namespace made after it started shows up), shows the age of its
/// data, and names the refused holder with its reason in the detail pane.
#[test]
#[ignore = "needs root and tmux"]
fn the_ui_keeps_scanning_while_a_trap_sits_on_the_host() {
    // The release build first (minutes, the first time): the trap's sleeper lives 300 s.
    crate::util::release_nsview();
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::Builder::new()
        .prefix("nsview-ui-trap-")
        .tempdir_in("/tmp")
        .expect("tempdir");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).expect("chmod");
    let script = "set -e; D=$1; H=\"$D/hide\"; mkdir -p \"$H\"; touch \"$H/trap\"; \
                  unshare --net=\"$H/trap\" true; stat -L -c %i \"$H/trap\" > $D/inode.tmp; \
                  mount -t tmpfs none \"$H\"; mkfifo \"$H/trap\"; mv $D/inode.tmp $D/inode; \
                  exec sleep 300";
    let dir_arg = dir.path().to_string_lossy().into_owned();
    let trap = crate::util::Sleeper::start(&[
        "setpriv",
        "--reuid=nobody",
        "--regid=nogroup",
        "--clear-groups",
        "unshare",
        "--user",
        "--map-root-user",
        "--mount",
        "sh",
        "-c",
        script,
        "sh",
        &dir_arg,
    ]);
    let inode: u64 = std::fs::read_to_string(dir.path().join("inode"))
        .expect("trap inode")
        .trim()
        .parse()
        .expect("inode");
    let pane = Pane::start("nsview-live-trap", |dir| {
        ui_script(dir).replace("--no-refresh", "--interval 0.5")
    });
    pane.wait_for_ui("the UI with a trap on the host");
    pane.keys(&["/"]);
    pane.type_text(&inode.to_string());
    pane.keys(&["Enter"]);
    let screen = pane.wait_for("the trapped namespace's refused holder", 15, |s| {
        s.contains("a FIFO, not a namespace file")
    });
    assert!(screen.contains("refused"), "{screen}");
    // How current the data is: its age, or (on process events, since issue 15) that it is live
    // with a periodic reconcile, whose header has no age.
    assert!(
        screen.contains("scanned ") || screen.contains("live · reconcile"),
        "the data's age or liveness is shown:\n{screen}"
    );
    // Scans go on: a namespace made now shows up.
    let tag = crate::util::unique_name("nsview-after-trap");
    let late = crate::util::Sleeper::start(&[
        "unshare",
        "--uts",
        "sh",
        "-c",
        &format!("hostname {tag} && exec sleep 300"),
    ]);
    clear_filter(&pane);
    // Of type uts: ghosts of other tests' namespaces can still be named by this tag through
    // the uts inode the new namespace took over (on screen a ghost's dead processes are
    // still members of it).
    let query = format!("type:uts {tag}");
    pane.keys(&["/"]);
    pane.type_text(&query);
    pane.keys(&["Enter"]);
    pane.wait_for("a namespace made after the trap", 15, |s| {
        s.lines()
            .next()
            .is_some_and(|h| h.contains(&format!("/{query}  1 namespace")))
    });
    pane.keys(&["q"]);
    assert_eq!(pane.wait_for_file("rc", 10), "rc=0");
    drop(pane);
    late.stop();
    trap.stop();
}
