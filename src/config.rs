//! The one place clap's raw values ([`crate::cli`]) become each face's validated `Config`
//! (ripgrep's low-level → high-level arguments): every argument is parsed and resolved here,
//! and a bad one is one usage line naming the subcommand's help, exit 2. No face sees a clap
//! type; adding a flag touches `cli.rs`, this file and the face's `Config`.
//!
//! List mode is the exception by design: lsns's option order and wording matter there, so
//! `cli::list_request` hands `list` lsns's options and `list::Config` validates them as lsns
//! does (exit 1, as lsns).

use std::path::PathBuf;
use std::time::Duration;

use crate::cli::{
    DiffArgs, EnterArgs, LeaksArgs, MetricsArgs, ReleaseArgs, ShowArgs, SnapshotArgs, TuiArgs,
    WatchArgs,
};
use crate::enter::config::DirChoice;
use crate::error::Exit;
use crate::kernel::parse_decimal;
use crate::leaks::Verdict;
use crate::model::{Inode, NsKind, Pid};
use crate::{enter, leaks, metrics, show, snapshot, tui, watch};

/// A usage error of `nsview <command>` (`""`: the UI, `nsview` itself).
fn usage(command: &str, message: impl std::fmt::Display) -> Exit {
    Exit::usage(command, message)
}

/// Parses `4026532301` or `net:[4026532301]` into an optional type and the inode: the
/// namespace argument of every subcommand that takes one.
pub fn parse_namespace_arg(text: &str) -> Result<(Option<NsKind>, Inode), String> {
    let text = text.trim();
    let invalid = || {
        format!(
            "invalid namespace '{text}': expected an inode (4026532301) or TYPE:[INODE] \
             (net:[4026532301])"
        )
    };
    if let Some(inode) = parse_decimal(text.as_bytes()) {
        return Ok((None, inode));
    }
    let (name, rest) = text.split_once(':').ok_or_else(invalid)?;
    let digits = rest
        .strip_prefix('[')
        .and_then(|r| r.strip_suffix(']'))
        .ok_or_else(invalid)?;
    let inode = parse_decimal(digits.as_bytes()).ok_or_else(invalid)?;
    let kind = NsKind::from_name(name).ok_or_else(|| {
        format!(
            "invalid namespace '{text}': unknown type '{name}' ({})",
            kind_names()
        )
    })?;
    Ok((Some(kind), inode))
}

/// `mnt, net, pid, uts, ipc, user, cgroup, time`.
fn kind_names() -> String {
    NsKind::ALL.map(NsKind::name).join(", ")
}

/// A repeatable, comma-separable `--type` (`-t net -t uts`, `-t net,uts`).
fn kinds(values: &[String]) -> Result<Vec<NsKind>, String> {
    let mut out = Vec::new();
    for name in values.iter().flat_map(|t| t.split(',')) {
        let kind = NsKind::from_name(name.trim())
            .ok_or_else(|| format!("unknown namespace type '{name}' ({})", kind_names()))?;
        if !out.contains(&kind) {
            out.push(kind);
        }
    }
    Ok(out)
}

/// Seconds between `min` and a day, as a duration.
fn seconds(flag: &str, value: f64, min: f64) -> Result<Duration, String> {
    if !(value.is_finite() && value >= min && value <= 86_400.0) {
        return Err(format!(
            "invalid {flag} {value}: expected seconds between {min} and 86400"
        ));
    }
    Ok(Duration::from_secs_f64(value))
}

/// A strict positive decimal (`--pid`, `--ns-id`).
fn positive(text: &str) -> Option<u64> {
    parse_decimal(text.as_bytes()).filter(|&n| n > 0)
}

fn dir_choice(value: &Option<Option<PathBuf>>) -> DirChoice {
    match value {
        None => DirChoice::Keep,
        Some(None) => DirChoice::Holder,
        Some(Some(path)) => DirChoice::Path(path.clone()),
    }
}

/// `nsview enter`.
pub fn enter(args: &EnterArgs) -> Result<enter::Config, Exit> {
    enter_checked(args).map_err(|e| usage("enter", e))
}

fn enter_checked(args: &EnterArgs) -> Result<enter::Config, String> {
    let mut command = args.command.clone();
    let (link_kind, inode) = match &args.namespace {
        Some(text) => match parse_namespace_arg(text) {
            Ok((kind, inode)) => (kind, Some(inode)),
            // With --pid, as `nsenter -t PID cmd`: a first word that is no namespace is
            // the command (a word that parses as one is a namespace).
            Err(_) if args.pid.is_some() => {
                command.insert(0, text.clone());
                (None, None)
            }
            Err(err) => return Err(err),
        },
        None if args.pid.is_some() => (None, None),
        None => {
            return Err(
                "name a namespace (an inode, or TYPE:[INODE]) or a process with --pid PID".into(),
            );
        }
    };
    let type_kind =
        match &args.kind {
            None => None,
            Some(name) => Some(NsKind::from_name(name).ok_or_else(|| {
                format!("invalid --type '{name}': expected one of {}", kind_names())
            })?),
        };
    let kind = match (link_kind, type_kind) {
        (Some(a), Some(b)) if a != b => {
            return Err(format!(
                "'{}' is a {a} namespace but --type says {b}",
                args.namespace.as_deref().unwrap_or_default()
            ));
        }
        (a, b) => a.or(b),
    };
    let pid = match &args.pid {
        None => None,
        Some(text) => Some(
            positive(text)
                .and_then(|n| Pid::try_from(n).ok())
                .ok_or_else(|| format!("invalid --pid '{text}': expected a process id"))?,
        ),
    };
    let ns_id = match &args.ns_id {
        None => None,
        Some(text) => Some(
            positive(text)
                .ok_or_else(|| format!("invalid --ns-id '{text}': expected a namespace id"))?,
        ),
    };
    // `--pid` alone names no type: every namespace of that process (`nsenter -t PID -a`).
    let all = args.all || (inode.is_none() && kind.is_none());
    Ok(enter::Config {
        inode,
        kind,
        ns_id,
        all,
        mount: args.mount,
        pid,
        root: dir_choice(&args.root),
        wd: dir_choice(&args.wd),
        preserve_credentials: args.preserve_credentials,
        uid: args.setuid,
        gid: args.setgid,
        command,
    })
}

/// `nsview show`.
pub fn show(args: &ShowArgs) -> Result<show::Config, Exit> {
    let (kind, inode) = parse_namespace_arg(&args.namespace).map_err(|e| usage("show", e))?;
    Ok(show::Config {
        inode,
        kind,
        json: args.json,
    })
}

/// The interactive UI (`nsview` without a subcommand or list option).
pub fn tui(args: &TuiArgs) -> Result<tui::Config, Exit> {
    let interval = match args.interval {
        Some(value) if !args.no_refresh => {
            Some(seconds("--interval", value, 0.1).map_err(|e| usage("", e))?)
        }
        _ => None,
    };
    Ok(tui::Config {
        interval,
        no_refresh: args.no_refresh,
        poll: args.poll,
    })
}

/// `nsview leaks`.
pub fn leaks(args: &LeaksArgs) -> Result<leaks::Config, Exit> {
    let mut config = leaks::Config {
        json: args.json,
        kinds: kinds(&args.types)
            .map_err(|e| usage("leaks", e))?
            .into_iter()
            .collect(),
        ..leaks::Config::default()
    };
    for name in args.verdicts.iter().flat_map(|t| t.split(',')) {
        let verdict = Verdict::from_name(name.trim()).ok_or_else(|| {
            let names: Vec<&str> = Verdict::ALL.iter().map(|v| v.name()).collect();
            usage(
                "leaks",
                format!("unknown verdict '{name}' (one of: {})", names.join(", ")),
            )
        })?;
        config.verdicts.insert(verdict);
    }
    Ok(config)
}

/// `nsview release`.
pub fn release(args: &ReleaseArgs) -> Result<leaks::release::Config, Exit> {
    let (kind, inode) = parse_namespace_arg(&args.namespace).map_err(|e| usage("release", e))?;
    Ok(leaks::release::Config {
        inode,
        kind,
        ns_id: args.ns_id,
        yes: args.yes,
        dry_run: args.dry_run,
    })
}

/// `nsview metrics`.
pub fn metrics(args: &MetricsArgs) -> Result<metrics::Config, Exit> {
    let output = match (&args.textfile, &args.listen) {
        (Some(file), None) => metrics::Output::Textfile(file.clone()),
        (None, Some(addr)) => metrics::Output::Listen {
            addr: metrics::parse_listen(addr).map_err(|e| usage("metrics", e))?,
            interval: seconds("--interval", args.interval, 0.0).map_err(|e| usage("metrics", e))?,
        },
        (None, None) => metrics::Output::Stdout,
        (Some(_), Some(_)) => {
            return Err(usage(
                "metrics",
                "--textfile and --listen exclude each other",
            ));
        }
    };
    Ok(metrics::Config {
        per_namespace: args.per_namespace,
        output,
    })
}

/// `nsview snapshot`: `-o -` is standard output, as no `-o`.
pub fn snapshot(args: &SnapshotArgs) -> Result<snapshot::Config, Exit> {
    Ok(snapshot::Config {
        details: args.details,
        output: args
            .output
            .clone()
            .filter(|path| path != std::path::Path::new("-")),
    })
}

/// `nsview diff`: an operand `-` is a scan now.
pub fn diff(args: &DiffArgs) -> Result<snapshot::diff::Config, Exit> {
    let operand = |text: &std::ffi::OsString| (text != "-").then(|| PathBuf::from(text));
    Ok(snapshot::diff::Config {
        before: operand(&args.before),
        after: operand(&args.after),
        json: args.json,
    })
}

/// `nsview watch`.
pub fn watch(args: &WatchArgs) -> Result<watch::Config, Exit> {
    let namespace = match &args.namespace {
        None => None,
        Some(text) => Some(parse_namespace_arg(text).map_err(|e| usage("watch", e))?),
    };
    Ok(watch::Config {
        json: args.json,
        types: kinds(&args.types).map_err(|e| usage("watch", e))?,
        namespace,
        reconcile: args
            .reconcile
            .map(|given| seconds("--reconcile", given, 0.1))
            .transpose()
            .map_err(|e| usage("watch", e))?,
        poll: args.poll,
    })
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::cli::{Cli, Command};

    fn parse(argv: &[&str]) -> Command {
        let cli = Cli::try_parse_from(std::iter::once(&"nsview").chain(argv))
            .unwrap_or_else(|e| panic!("clap refuses {argv:?}: {e}"));
        cli.command.expect("a subcommand")
    }

    fn enter_config(argv: &[&str]) -> Result<enter::Config, String> {
        match parse(&[&["enter"][..], argv].concat()) {
            Command::Enter(args) => enter(&args).map_err(|e| e.message),
            other => Err(format!("not enter: {other:?}")),
        }
    }

    #[test]
    fn parses_namespace_arguments() {
        type Parsed = Option<(Option<NsKind>, Inode)>;
        let table: &[(&str, Parsed)] = &[
            ("4026532301", Some((None, 4026532301))),
            (" 12 ", Some((None, 12))),
            ("net:[4026532301]", Some((Some(NsKind::Net), 4026532301))),
            ("uts:[4026532301]", Some((Some(NsKind::Uts), 4026532301))),
            ("time:[1]", Some((Some(NsKind::Time), 1))),
            ("abc", None),
            ("net", None),
            ("0x10", None),
            ("net:[x]", None),
            ("net:[]", None),
            ("net:4026532301", None),
            ("net:[4026532301", None),
            ("bogus:[4026532301]", None),
            ("-1", None),
            ("", None),
            ("99999999999999999999999", None),
            ("pid_for_children:[4026532301]", None),
        ];
        for (text, expected) in table {
            assert_eq!(parse_namespace_arg(text).ok(), *expected, "{text}");
        }
        let err = parse_namespace_arg("bogus:[1]").err().unwrap_or_default();
        assert!(err.contains("unknown type 'bogus'"), "{err}");
    }

    #[test]
    fn builds_enters_config() {
        let c = enter_config(&["--ns-id", "77", "net:[42]", "true"]).expect("valid");
        assert_eq!(
            (c.kind, c.inode, c.ns_id),
            (Some(NsKind::Net), Some(42), Some(77))
        );
        let c = enter_config(&["net:[42]", "ip", "-br", "link"]).expect("valid");
        assert_eq!((c.kind, c.inode), (Some(NsKind::Net), Some(42)));
        assert_eq!(c.command, ["ip", "-br", "link"]);
        assert_eq!(
            (c.root.clone(), c.wd.clone()),
            (DirChoice::Keep, DirChoice::Keep)
        );

        let c = enter_config(&["--all", "--pid", "7", "-r", "-w=/tmp", "-S", "5", "42"])
            .expect("valid");
        assert_eq!(c.root, DirChoice::Holder);
        let c = enter_config(&["--all", "--pid", "7", "-r", "--wd=/tmp", "-S", "5", "42"])
            .expect("valid");
        assert!(c.all);
        assert_eq!(c.pid, Some(7));
        assert_eq!(c.root, DirChoice::Holder);
        assert_eq!(c.wd, DirChoice::Path("/tmp".into()));
        assert_eq!((c.uid, c.gid), (Some(5), None));
        assert!(c.command.is_empty());

        // Options after the namespace belong to the command.
        let c = enter_config(&["42", "ls", "-a", "--all"]).expect("valid");
        assert!(!c.all);
        assert_eq!(c.command, ["ls", "-a", "--all"]);

        // `--pid` without a namespace, as `nsenter -t PID`: a word that is no namespace
        // starts the command, and no type means all of that process's namespaces.
        let c = enter_config(&["--all", "--pid", "7", "ps", "-ef"]).expect("valid");
        assert_eq!((c.inode, c.pid, c.all), (None, Some(7), true));
        assert_eq!(c.command, ["ps", "-ef"]);
        let c = enter_config(&["--pid", "7", "hostname"]).expect("valid");
        assert_eq!((c.inode, c.all), (None, true));
        assert_eq!(c.command, ["hostname"]);
        let c = enter_config(&["--pid", "7"]).expect("valid");
        assert_eq!((c.inode, c.all), (None, true));
        assert!(c.command.is_empty());
        // --mount: the namespace named and the holder's mount namespace.
        let c = enter_config(&["--mount", "--pid", "7", "pid:[42]", "ps"]).expect("valid");
        assert_eq!((c.inode, c.mount, c.all), (Some(42), true, false));
        assert_eq!(c.command, ["ps"]);
        // With --type, only that one of the process's namespaces.
        let c = enter_config(&["--pid", "7", "-t", "net", "ip", "link"]).expect("valid");
        assert_eq!((c.inode, c.kind, c.all), (None, Some(NsKind::Net), false));
        assert_eq!(c.command, ["ip", "link"]);
        // A word that parses as a namespace is one.
        let c = enter_config(&["--pid", "7", "net:[42]", "ip"]).expect("valid");
        assert_eq!(
            (c.inode, c.command.clone()),
            (Some(42), vec!["ip".to_string()])
        );
        assert_eq!(
            enter_config(&["-t", "net", "42"]).map(|c| c.kind),
            Ok(Some(NsKind::Net))
        );
    }

    /// Every refusal of every subcommand: exit 2, one line, the problem, and the help of the
    /// subcommand it belongs to.
    #[test]
    fn refuses_bad_arguments_as_usage_errors() {
        let table: &[(&[&str], &str)] = &[
            (&["enter", "abc"], "invalid namespace 'abc'"),
            (&["enter", "net:[x]"], "invalid namespace 'net:[x]'"),
            (
                &["enter", "-t", "uts", "net:[42]"],
                "is a net namespace but --type says uts",
            ),
            (&["enter", "-t", "nett", "42"], "invalid --type 'nett'"),
            (&["enter", "--pid", "0", "42"], "invalid --pid '0'"),
            (&["enter", "--pid", "x", "42"], "invalid --pid 'x'"),
            (&["enter", "--ns-id", "x", "42"], "invalid --ns-id 'x'"),
            (&["enter"], "or a process with --pid PID"),
            (&["show", "net:[x]"], "invalid namespace 'net:[x]'"),
            (&["release", "banana"], "invalid namespace 'banana'"),
            (&["leaks", "-t", "nett"], "unknown namespace type 'nett'"),
            (&["leaks", "--verdict", "leak"], "pinned-unclaimed"),
            (&["watch", "-t", "bogus"], "unknown namespace type 'bogus'"),
            (&["watch", "--reconcile", "0"], "invalid --reconcile 0"),
            (&["watch", "x:[1]"], "invalid namespace 'x:[1]'"),
            (&["metrics", "--listen=nowhere"], "invalid --listen address"),
            (
                &["metrics", "--listen", "--interval=-1"],
                "invalid --interval -1",
            ),
        ];
        for (argv, needle) in table {
            let err = match parse(argv) {
                Command::Enter(a) => enter(&a).err(),
                Command::Show(a) => show(&a).err(),
                Command::Release(a) => release(&a).err(),
                Command::Leaks(a) => leaks(&a).err(),
                Command::Watch(a) => watch(&a).err(),
                Command::Metrics(a) => metrics(&a).err(),
                Command::Snapshot(a) => snapshot(&a).err(),
                Command::Diff(a) => diff(&a).err(),
            }
            .unwrap_or_else(|| panic!("{argv:?} must be refused"));
            assert_eq!(err.code, 2, "{argv:?}");
            assert!(err.message.contains(needle), "{argv:?}: {}", err.message);
            let help = format!("; try 'nsview {} --help'", argv[0]);
            assert!(err.message.ends_with(&help), "{argv:?}: {}", err.message);
            assert!(!err.message.contains('\n'), "one line: {}", err.message);
        }
    }

    #[test]
    fn resolves_the_other_faces() {
        let Command::Leaks(a) =
            parse(&["leaks", "-t", "net,user", "--verdict", "pinned-unclaimed"])
        else {
            panic!("leaks")
        };
        let c = leaks(&a).expect("valid");
        assert_eq!(c.kinds, [NsKind::Net, NsKind::User].into_iter().collect());
        assert_eq!(c.verdicts, [Verdict::PinnedUnclaimed].into_iter().collect());

        let Command::Watch(a) = parse(&["watch", "-t", "net", "-t", "uts,net", "uts:[7]"]) else {
            panic!("watch")
        };
        let c = watch(&a).expect("valid");
        assert_eq!(c.types, [NsKind::Net, NsKind::Uts]);
        assert_eq!(c.namespace, Some((Some(NsKind::Uts), 7)));
        assert_eq!(c.reconcile, None, "not given: watch's own default");
        let Command::Watch(a) = parse(&["watch", "--reconcile", "2.5"]) else {
            panic!("watch")
        };
        assert_eq!(
            watch(&a).expect("valid").reconcile,
            Some(Duration::from_millis(2500))
        );

        let Command::Diff(a) = parse(&["diff", "-", "b.json"]) else {
            panic!("diff")
        };
        let c = diff(&a).expect("valid");
        assert_eq!((c.before, c.after), (None, Some(PathBuf::from("b.json"))));

        let Command::Snapshot(a) = parse(&["snapshot", "-o", "-"]) else {
            panic!("snapshot")
        };
        assert_eq!(snapshot(&a).expect("valid").output, None);

        let Command::Metrics(a) = parse(&["metrics", "--listen=9100", "--per-namespace"]) else {
            panic!("metrics")
        };
        let c = metrics(&a).expect("valid");
        assert!(c.per_namespace);
        assert_eq!(
            c.output,
            metrics::Output::Listen {
                addr: "127.0.0.1:9100".parse().expect("addr"),
                interval: Duration::from_secs(10)
            }
        );
    }

    #[test]
    fn the_ui_interval_is_validated() {
        let args = |interval, no_refresh, poll| TuiArgs {
            interval,
            no_refresh,
            poll,
        };
        let ui = tui(&args(Some(3.0), false, false)).expect("valid");
        assert_eq!(ui.interval, Some(Duration::from_secs(3)));
        assert!(!ui.no_refresh && !ui.poll);
        // Not given: each feed takes its own default (3 s polling, 60 s reconcile).
        assert_eq!(
            tui(&args(None, false, true))
                .map(|c| (c.interval, c.poll))
                .ok(),
            Some((None, true))
        );
        // --no-refresh wins over a bad interval, which is then not used.
        assert_eq!(
            tui(&args(Some(-1.0), true, false))
                .map(|c| (c.interval, c.no_refresh))
                .ok(),
            Some((None, true))
        );
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let err = tui(&args(Some(bad), false, false)).expect_err("refused");
            assert_eq!(err.code, 2);
            assert!(
                err.message.ends_with("; try 'nsview --help'"),
                "{}",
                err.message
            );
        }
    }
}
