//! The UI on process events under a real terminal (tmux): with a full rescan a minute away, a
//! namespace made after the UI started shows within 2 s, and its end too; the header says
//! "live" (and "polling" with `--poll`); `p` freezes the view and unpausing shows what
//! happened meanwhile; by default the reconcile is at least a minute apart (stretched on a big
//! host) and an `ip netns add` still shows at once (the mount table is watched).

use std::time::{Duration, Instant};

use super::handoff::ui_script;
use crate::util::Pane;

/// The header line of a screen.
fn header(screen: &str) -> &str {
    screen.lines().next().unwrap_or("")
}

/// Whether a screen shows the row of namespace `inode` with change mark `mark` (`+` new,
/// `-` gone), the character after the cursor column.
fn marked(screen: &str, inode: u64, mark: char) -> bool {
    screen
        .lines()
        .any(|l| l.chars().nth(1) == Some(mark) && l.contains(&format!(" {inode} ")))
}

/// How many namespaces the header says filter `query` matches ("no match", "1 namespace",
/// "2 ns, 1 process", "1 process": processes are not counted).
fn namespaces_matched(screen: &str, query: &str) -> Option<usize> {
    let counts = header(screen).split(&format!("/{query}  ")).nth(1)?;
    if counts.starts_with("no match") {
        return Some(0);
    }
    let (number, rest) = counts.split_once(' ')?;
    let number: usize = number.parse().ok()?;
    if rest.starts_with("namespace") || rest.starts_with("ns,") {
        Some(number)
    } else if rest.starts_with("process") {
        Some(0)
    } else {
        None
    }
}

/// A uts namespace of its own named `tag`, made now.
fn uts_sleeper(tag: &str) -> crate::util::Sleeper {
    crate::util::Sleeper::start(&[
        "unshare",
        "--uts",
        "sh",
        "-c",
        &format!("hostname {tag} && exec sleep 300"),
    ])
}

/// Filters by `text` and waits until the header shows the filter with nothing matching.
fn filter_for_nothing(pane: &Pane, text: &str) {
    pane.keys(&["/"]);
    pane.type_text(text);
    pane.keys(&["Enter"]);
    pane.wait_for("the filter, matching nothing yet", 10, |s| {
        header(s).contains(&format!("/{text}  no match"))
    });
}

#[test]
#[ignore = "needs root and tmux"]
fn a_new_namespace_shows_as_it_happens_not_at_the_reconcile() {
    let pane = Pane::start("nsview-events", |dir| {
        ui_script(dir).replace("--no-refresh", "--interval 60")
    });
    let screen = pane.wait_for_ui("the UI");
    assert!(
        header(&screen).contains("live · reconcile 60s"),
        "process events are available to root:\n{screen}"
    );

    let tag = crate::util::unique_name("nsview-ev");
    filter_for_nothing(&pane, &tag);
    // Timed from when the namespace exists with its name set (the sleeper has exec'd
    // `sleep`), so a slow start of `unshare` on a busy machine does not count.
    let uts = uts_sleeper(&tag);
    let began = Instant::now();
    let inode = uts.new_ns("uts");
    // Header and row in one look: a capture may fall between the two lines' redraws.
    let what = format!(
        "the new namespace uts:[{inode}] (sleeper pid {}), marked new",
        uts.pid
    );
    let screen = pane.wait_for(&what, 10, |s| {
        header(s).contains(&format!("/{tag}  1 namespace")) && marked(s, inode, '+')
    });
    let took = began.elapsed();
    assert!(
        took < Duration::from_secs(2),
        "shown after {took:?}, not as it happened:\n{screen}"
    );

    // Its end: the namespace stays a while as a ghost, marked gone (its hostname is gone with
    // it, so its type and inode find it).
    pane.keys(&["Escape"]);
    pane.wait_for("the filter cleared", 10, |s| !header(s).contains(" /"));
    let query = format!("type:uts {inode}");
    pane.keys(&["/"]);
    pane.type_text(&query);
    pane.keys(&["Enter"]);
    // Exactly one namespace; a process elsewhere may match too (the inode's digits in its
    // command line: another test's `nsview show` of an earlier namespace on the same inode).
    pane.wait_for("the namespace by inode", 10, |s| {
        namespaces_matched(s, &query) == Some(1)
    });
    uts.stop();
    let began = Instant::now();
    // Marked gone; or, on a busy machine, its inode already taken by a namespace of another
    // type (nsfs reuses inodes at once), which ends the ghost.
    let screen = pane.wait_for("the namespace gone", 10, |s| {
        marked(s, inode, '-') || namespaces_matched(s, &query) == Some(0)
    });
    let took = began.elapsed();
    assert!(
        took < Duration::from_secs(2),
        "gone after {took:?}, not as it happened:\n{screen}"
    );

    pane.keys(&["q"]);
    assert_eq!(pane.wait_for_file("rc", 10), "rc=0");
}

#[test]
#[ignore = "needs root and tmux"]
fn pause_freezes_the_live_view() {
    let pane = Pane::start("nsview-events-pause", |dir| {
        ui_script(dir).replace("--no-refresh", "--interval 60")
    });
    pane.wait_for_ui("the UI");
    let tag = crate::util::unique_name("nsview-ev-pause");
    filter_for_nothing(&pane, &tag);
    pane.keys(&["p"]);
    pane.wait_for("paused", 10, |s| s.contains("refresh paused"));
    let uts = uts_sleeper(&tag);
    // Longer than a change takes to show when not paused (see the test above).
    std::thread::sleep(Duration::from_secs(3));
    let screen = pane.screen();
    assert!(
        header(&screen).contains(&format!("/{tag}  no match")),
        "the paused view changed:\n{screen}"
    );
    pane.keys(&["p"]);
    pane.wait_for("the namespace made while paused", 5, |s| {
        header(s).contains(&format!("/{tag}  1 namespace"))
    });
    pane.keys(&["q"]);
    assert_eq!(pane.wait_for_file("rc", 10), "rc=0");
    drop(pane);
    uts.stop();
}

#[test]
#[ignore = "needs root and tmux"]
fn an_ip_netns_add_shows_at_once_with_the_default_reconcile() {
    let pane = Pane::start("nsview-events-mnt", |dir| {
        ui_script(dir).replace("--no-refresh", "")
    });
    let screen = pane.wait_for_ui("the UI");
    // "live · reconcile 60s", or longer where scans are dear (a budget of 0.5% of a core).
    let every = header(&screen)
        .split("live · reconcile ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("a live header:\n{screen}"));
    let seconds = match every.strip_suffix('m') {
        Some(minutes) => minutes.parse::<f64>().map(|m| m * 60.0),
        None => every.trim_end_matches('s').parse::<f64>(),
    }
    .unwrap_or_else(|_| panic!("a period in {every:?}:\n{screen}"));
    assert!(seconds >= 60.0, "{every}:\n{screen}");

    let tag = crate::util::unique_name("nsview-ev-mnt");
    filter_for_nothing(&pane, &tag);
    let began = Instant::now();
    let netns = crate::util::NamedNetns::add(&tag);
    let screen = pane.wait_for("the pinned namespace by its name", 10, |s| {
        header(s).contains(&format!("/{tag}  1 namespace"))
    });
    let took = began.elapsed();
    assert!(
        took < Duration::from_secs(3),
        "shown after {took:?}, not as it happened:\n{screen}"
    );
    assert!(
        screen.contains(&format!(" {} ", netns.inode())),
        "its row:\n{screen}"
    );
    pane.keys(&["q"]);
    assert_eq!(pane.wait_for_file("rc", 10), "rc=0");
}

/// `--poll` keeps today's rescans, and the header says so.
#[test]
#[ignore = "needs root and tmux"]
fn poll_says_polling_in_the_header() {
    let pane = Pane::start("nsview-events-poll", |dir| {
        ui_script(dir).replace("--no-refresh", "--poll --interval 3")
    });
    let screen = pane.wait_for_ui("the polling UI");
    assert!(header(&screen).contains("polling 3s"), "{screen}");
    pane.keys(&["q"]);
    assert_eq!(pane.wait_for_file("rc", 10), "rc=0");
}
