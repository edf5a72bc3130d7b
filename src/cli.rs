//! Command-line definitions (clap derive) and nothing else: raw values as the user typed them.
//! [`crate::config`] turns them into each face's validated config; no face sees these types.

use std::path::PathBuf;

use clap::parser::ValueSource;
use clap::{ArgMatches, Args, Parser, Subcommand, ValueEnum};

use crate::list::args::{Opt, Request};

#[derive(Debug, Parser)]
#[command(
    name = "nsview",
    version,
    about = "Find every Linux namespace, see what is inside, and step in.",
    long_about = "Find every Linux namespace, see what is inside, and step in.\n\n\
        With no arguments nsview starts an interactive terminal UI. `nsview --list` is a drop-in \
        for util-linux lsns (same options, columns and JSON). `nsview enter <inode>` runs a \
        command inside a namespace, whoever holds it.",
    args_conflicts_with_subcommands = true,
    // lsns takes a flag twice (`-l -l`), and the last `-T`/`-Q`.
    args_override_self = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub list: ListArgs,

    #[command(flatten)]
    pub tui: TuiArgs,

    /// Read this directory instead of /proc: a fake or copied proc tree, for tests and
    /// offline (post-mortem) use. nsview says on stderr when it reads one. Never taken from the
    /// environment: a root tool has no hidden switches.
    #[arg(long, global = true, value_name = "DIR")]
    pub proc_root: Option<PathBuf>,

    /// Read a saved snapshot (`nsview snapshot`) instead of scanning: the UI (read-only),
    /// --list and show take it.
    #[arg(long = "from", global = true, value_name = "FILE")]
    pub from: Option<PathBuf>,
    /// Internal: the UI passes this to its own `nsview enter` child, the number of an inherited
    /// pipe that also receives the child's error line. Ignored unless it is a pipe opened for
    /// writing and the parent process runs this same nsview binary.
    #[arg(long, global = true, hide = true, value_name = "FD")]
    pub ui_error_fd: Option<i32>,

    /// Print the man page (`man`) or a completion script (`complete-bash`, `complete-zsh`,
    /// `complete-fish`) for these very options, and exit.
    #[arg(long, value_enum, value_name = "WHAT")]
    pub generate: Option<Generate>,
}

/// What `--generate` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Generate {
    /// The man page, roff: `nsview --generate man | man -l -`.
    Man,
    CompleteBash,
    CompleteZsh,
    CompleteFish,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a command (default: your shell) inside a namespace, addressed by its inode.
    Enter(EnterArgs),
    /// Show what is inside one namespace: hostname, interfaces, uid maps, pids, mounts.
    Show(ShowArgs),
    /// Save the whole scan as versioned JSON (docs/snapshot.schema.json).
    Snapshot(SnapshotArgs),
    /// Compare two snapshots (files, or - for a scan now); exit 1 when they differ.
    Diff(DiffArgs),
    /// Print namespace events as they happen: created, gone, entered, left, held.
    Watch(WatchArgs),
    /// List namespaces no process is in: what holds them, what they hold, who claims them, and
    /// a verdict (exit 1 when a probable leak is found).
    Leaks(LeaksArgs),
    /// Remove the bind mounts (and pin files) that keep a namespace no process is in.
    Release(ReleaseArgs),
    /// Prometheus metrics: namespaces, those without processes, probable leaks, scan gaps.
    Metrics(MetricsArgs),
}

/// The lsns-compatible options. Any of them selects list mode, as does `-l/--list` (see
/// [`list_request`]).
#[derive(Debug, Default, Args)]
#[command(next_help_heading = "List mode (lsns-compatible)")]
pub struct ListArgs {
    /// Print a list of namespaces instead of starting the UI (as lsns --list).
    #[arg(short = 'l', long = "list")]
    pub list: bool,

    /// Use JSON output format.
    #[arg(short = 'J', long = "json")]
    pub json: bool,

    /// Don't print headings.
    #[arg(short = 'n', long = "noheadings")]
    pub noheadings: bool,

    /// Output columns (comma-separated, case-insensitive); `+LIST` appends to the defaults.
    #[arg(short = 'o', long = "output", value_name = "LIST")]
    pub output: Vec<String>,

    /// Output all columns.
    #[arg(long = "output-all")]
    pub output_all: bool,

    /// Only namespaces without processes.
    #[arg(short = 'P', long = "persistent")]
    pub persistent: bool,

    /// Print the namespaces of this process.
    #[arg(short = 'p', long = "task", value_name = "PID")]
    pub task: Vec<String>,

    /// Use the raw output format.
    #[arg(short = 'r', long = "raw")]
    pub raw: bool,

    /// Don't truncate text in columns.
    #[arg(short = 'u', long = "notruncate")]
    pub notruncate: bool,

    /// Don't use multi-line representation.
    #[arg(short = 'W', long = "nowrap")]
    pub nowrap: bool,

    /// Namespace type (mnt, net, ipc, user, pid, uts, cgroup, time); repeatable.
    #[arg(short = 't', long = "type", value_name = "NAME")]
    pub types: Vec<String>,

    /// Use tree format (parent, owner, or process); owner when no value is given, as lsns.
    #[arg(
        short = 'T',
        long = "tree",
        value_name = "REL",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "owner"
    )]
    pub tree: Option<String>,

    /// Apply display filter, e.g. 'TYPE == "net" && NPROCS > 1'.
    #[arg(short = 'Q', long = "filter", value_name = "EXPR")]
    pub filter: Option<String>,

    /// List the available columns.
    #[arg(short = 'H', long = "list-columns")]
    pub list_columns: bool,

    /// A namespace inode: list its processes.
    #[arg(value_name = "NAMESPACE")]
    pub namespace: Option<String>,
}

/// The list-mode options the command line gave, as lsns's options in the order they were
/// typed (the validation in `list::Config` checks them in that order, as lsns does), or None
/// when it gave none (then the UI starts). Read from clap's matches, by every argument id
/// [`ListArgs`] defines, so a new list option can never silently start the UI; a unit test
/// checks that each id maps to an option.
pub fn list_request(matches: &ArgMatches) -> Option<Request> {
    let mut given: Vec<(usize, Opt)> = Vec::new();
    let mut operands: Vec<(usize, String)> = Vec::new();
    for id in list_arg_ids() {
        if matches.value_source(&id) != Some(ValueSource::CommandLine) {
            continue;
        }
        let indices: Vec<usize> = matches
            .indices_of(&id)
            .map(|i| i.collect())
            .unwrap_or_default();
        let values: Vec<String> = matches
            .get_raw(&id)
            .map(|v| v.map(|s| s.to_string_lossy().into_owned()).collect())
            .unwrap_or_default();
        for (n, &index) in indices.iter().enumerate() {
            let value = values.get(n).cloned().unwrap_or_default();
            match list_option(&id, value) {
                Some(ListValue::Option(opt)) => given.push((index, opt)),
                Some(ListValue::Operand(text)) => operands.push((index, text)),
                None => {}
            }
        }
    }
    if given.is_empty() && operands.is_empty() {
        return None;
    }
    given.sort_by_key(|(index, _)| *index);
    operands.sort_by_key(|(index, _)| *index);
    Some(Request {
        options: given.into_iter().map(|(_, opt)| opt).collect(),
        operands: operands.into_iter().map(|(_, text)| text).collect(),
        error: None,
    })
}

/// Every argument id of [`ListArgs`], from clap's own definition.
fn list_arg_ids() -> Vec<String> {
    ListArgs::augment_args(clap::Command::new("list"))
        .get_arguments()
        .map(|arg| arg.get_id().to_string())
        .collect()
}

enum ListValue {
    Option(Opt),
    Operand(String),
}

/// One occurrence of a [`ListArgs`] argument as lsns's option (None for an unknown id).
fn list_option(id: &str, value: String) -> Option<ListValue> {
    let opt = match id {
        "list" => Opt::List,
        "json" => Opt::Json,
        "noheadings" => Opt::Noheadings,
        "output" => Opt::Output(value),
        "output_all" => Opt::OutputAll,
        "persistent" => Opt::Persistent,
        "task" => Opt::Task(value),
        "raw" => Opt::Raw,
        "notruncate" => Opt::Notruncate,
        "nowrap" => Opt::Nowrap,
        "types" => Opt::Type(value),
        "tree" => Opt::Tree(Some(value)),
        "filter" => Opt::Filter(value),
        "list_columns" => Opt::ListColumns,
        "namespace" => return Some(ListValue::Operand(value)),
        _ => return None,
    };
    Some(ListValue::Option(opt))
}

/// Options of the interactive UI.
#[derive(Debug, Default, Args)]
#[command(next_help_heading = "Interactive UI")]
pub struct TuiArgs {
    /// Seconds between full rescans: 3 when polling; with process events (root), which show
    /// changes as they happen, the rescan only reconciles what events cannot show (fds,
    /// sockets, setns without a fork): by default every 60, longer on a big host (at most
    /// 0.5% of a core).
    #[arg(long = "interval", value_name = "SECONDS")]
    pub interval: Option<f64>,

    /// Do not rescan automatically (press r to rescan).
    #[arg(long = "no-refresh")]
    pub no_refresh: bool,

    /// Poll (a full rescan every interval) even when process events are available.
    #[arg(long = "poll", conflicts_with = "no_refresh")]
    pub poll: bool,
}

#[derive(Debug, Args)]
pub struct EnterArgs {
    // The help text is given as `help` rather than as a doc comment: rustdoc would read the
    // brackets of `net:[4026532301]` as a link.
    #[arg(
        value_name = "NAMESPACE",
        help = "The namespace: an inode (4026532301) or a link text (net:[4026532301]); with \
                --pid it may be left out (all of that process's namespaces, as nsenter -t PID \
                -a), and a first word that is no namespace starts the command"
    )]
    pub namespace: Option<String>,

    /// The command and its arguments (default: your shell).
    #[arg(
        value_name = "CMD",
        trailing_var_arg = true,
        allow_hyphen_values = true
    )]
    pub command: Vec<String>,

    /// Enter every namespace of the holder process, not only the one named (as nsenter -a).
    #[arg(short = 'a', long = "all")]
    pub all: bool,

    /// Use this process as the holder.
    #[arg(long = "pid", value_name = "PID")]
    pub pid: Option<String>,

    /// Also enter the holder's mount namespace (as nsenter -m): with a pid namespace and its
    /// init as --pid, /proc inside is that namespace's own, so ps works.
    #[arg(short = 'm', long = "mount")]
    pub mount: bool,

    /// Require the namespace to be of this type.
    #[arg(short = 't', long = "type", value_name = "TYPE")]
    pub kind: Option<String>,

    /// Require this namespace id (NS_GET_ID, as `show` and the UI report it): refuse when the
    /// inode now belongs to another namespace.
    #[arg(long = "ns-id", value_name = "ID")]
    pub ns_id: Option<String>,

    /// Set the root directory (bare -r: the holder's root).
    #[arg(
        short = 'r',
        long = "root",
        value_name = "DIR",
        num_args = 0..=1,
        require_equals = true
    )]
    pub root: Option<Option<PathBuf>>,

    /// Set the working directory (bare -w: the holder's cwd).
    #[arg(
        short = 'w',
        long = "wd",
        value_name = "DIR",
        num_args = 0..=1,
        require_equals = true
    )]
    pub wd: Option<Option<PathBuf>>,

    /// Keep the current uid and gids when entering a user namespace.
    #[arg(long = "preserve-credentials")]
    pub preserve_credentials: bool,

    /// Set the uid in the entered user namespace.
    #[arg(short = 'S', long = "setuid", value_name = "UID")]
    pub setuid: Option<u32>,

    /// Set the gid in the entered user namespace.
    #[arg(short = 'G', long = "setgid", value_name = "GID")]
    pub setgid: Option<u32>,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    #[arg(
        value_name = "NAMESPACE",
        help = "The namespace: an inode or a link text such as uts:[4026532301]"
    )]
    pub namespace: String,

    /// Print JSON instead of a readable report.
    #[arg(short = 'J', long = "json")]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct SnapshotArgs {
    /// Write to this file (atomically) instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Also save what `show` knows about every namespace (hostnames, interfaces, uid maps...).
    #[arg(long = "details")]
    pub details: bool,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The earlier snapshot: a file, or - for a scan now.
    #[arg(value_name = "A")]
    pub before: std::ffi::OsString,

    /// The later snapshot: a file, or - for a scan now.
    #[arg(value_name = "B")]
    pub after: std::ffi::OsString,

    /// Print the changes as a JSON array.
    #[arg(short = 'J', long = "json")]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct WatchArgs {
    /// Print JSON lines instead of text.
    #[arg(short = 'J', long = "json")]
    pub json: bool,

    /// Only events about namespaces of this type; repeatable.
    #[arg(short = 't', long = "type", value_name = "TYPE")]
    pub types: Vec<String>,

    /// Seconds between full rescans that catch what process events cannot (fds, sockets,
    /// bind mounts elsewhere) [default: 10, longer on a host whose scan is slow, so that
    /// rescans take at most 1% of a core].
    #[arg(long = "reconcile", value_name = "SECONDS")]
    pub reconcile: Option<f64>,

    /// Poll (rescan every --reconcile seconds) even when process events are available.
    #[arg(long = "poll")]
    pub poll: bool,

    /// Only events about this namespace (an inode or a link text such as `net:[4026531840]`).
    #[arg(value_name = "NAMESPACE")]
    pub namespace: Option<String>,
}

#[derive(Debug, Args)]
pub struct LeaksArgs {
    /// Print JSON instead of a readable report.
    #[arg(short = 'J', long = "json")]
    pub json: bool,

    /// Only this namespace type (mnt, net, ipc, user, pid, uts, cgroup, time); repeatable.
    #[arg(short = 't', long = "type", value_name = "TYPE")]
    pub types: Vec<String>,

    /// Only this verdict (in-use, held-by-process, pinned-unclaimed, kept-by-children,
    /// nothing-visible); repeatable.
    #[arg(long = "verdict", value_name = "VERDICT")]
    pub verdicts: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ReleaseArgs {
    #[arg(
        value_name = "NAMESPACE",
        help = "The namespace: an inode or a link text such as net:[4026532301]"
    )]
    pub namespace: String,

    /// Refuse unless the namespace has this id (NS_GET_ID), as `nsview leaks --json` shows it.
    #[arg(long = "ns-id", value_name = "ID")]
    pub ns_id: Option<u64>,

    /// Do not ask.
    #[arg(short = 'y', long = "yes")]
    pub yes: bool,

    /// Only show what would be done.
    #[arg(short = 'n', long = "dry-run")]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct MetricsArgs {
    /// Add one series per namespace (type, inode and name labels).
    #[arg(long = "per-namespace")]
    pub per_namespace: bool,

    /// Write the metrics to FILE atomically (for node_exporter's textfile collector).
    #[arg(long = "textfile", value_name = "FILE", conflicts_with = "listen")]
    pub textfile: Option<PathBuf>,

    /// Serve /metrics on ADDR (host:port, or a port on 127.0.0.1; bare: 127.0.0.1:9586).
    #[arg(
        long = "listen",
        value_name = "ADDR",
        num_args = 0..=1,
        default_missing_value = "127.0.0.1:9586"
    )]
    pub listen: Option<String>,

    /// With --listen: rescan at most once per this many seconds.
    #[arg(long = "interval", value_name = "SECONDS", default_value_t = 10.0)]
    pub interval: f64,
}

/// The global options that may come before a subcommand's name (`nsview --proc-root DIR show
/// N`): with `args_conflicts_with_subcommands` clap would read the name as list mode's
/// NAMESPACE, so [`normalize_args`] moves them after it. Both take a value.
const GLOBAL_OPTIONS: [&str; 3] = ["--proc-root", "--ui-error-fd", "--from"];

/// Moves leading global options (see [`GLOBAL_OPTIONS`]) after the subcommand name that
/// follows them; anything else is left as it is.
fn hoist_global_options(args: &mut Vec<std::ffi::OsString>) {
    let mut at = 1;
    while let Some(arg) = args.get(at).and_then(|a| a.to_str()) {
        if GLOBAL_OPTIONS.contains(&arg) {
            at += 2;
        } else if GLOBAL_OPTIONS
            .iter()
            .any(|o| arg.strip_prefix(o).is_some_and(|v| v.starts_with('=')))
        {
            at += 1;
        } else {
            break;
        }
    }
    let Some(name) = args.get(at).and_then(|a| a.to_str()) else {
        return;
    };
    if at == 1
        || !<Cli as clap::CommandFactory>::command()
            .get_subcommands()
            .any(|c| c.get_name() == name)
    {
        return;
    }
    let name = args.remove(at);
    args.insert(1, name);
}

/// Rewrites lsns's `-T<rel>` (getopt's attached optional value, e.g. `-Tparent`) into
/// `--tree=<rel>`, which clap understands; `-T <rel>` stays a positional, as in lsns.
pub fn normalize_args<I: IntoIterator<Item = std::ffi::OsString>>(
    args: I,
) -> Vec<std::ffi::OsString> {
    let mut out = Vec::new();
    let mut rest = false;
    for arg in args {
        if !rest && arg == "--" {
            rest = true;
        }
        match arg.to_str().and_then(|a| a.strip_prefix("-T")) {
            Some(value) if !rest && !value.is_empty() && !value.starts_with('=') => {
                out.push(format!("--tree={value}").into());
            }
            _ => out.push(arg),
        }
    }
    hoist_global_options(&mut out);
    out
}

/// A first argument that is not an option, not a namespace and not a subcommand, but close to
/// one (`nsview shwo 4026533486`): the error to give instead of reading it as list mode's
/// NAMESPACE, with clap's own suggestion, e.g. `did you mean 'show'?`.
pub fn mistyped_subcommand(args: &[std::ffi::OsString]) -> Option<String> {
    use clap::CommandFactory;
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let first = args.get(1)?.to_str()?;
    let looks_like_namespace =
        first.starts_with(|c: char| c.is_ascii_digit()) || first.contains(":[");
    if first.starts_with('-') || looks_like_namespace {
        return None;
    }
    let cmd = Cli::command();
    // clap's matcher over the subcommands alone: it knows the names, aliases and similarity.
    let probe = clap::Command::new("nsview")
        .subcommands(cmd.get_subcommands().cloned())
        .disable_help_subcommand(true);
    let err = probe.try_get_matches_from(["nsview", first]).err()?;
    if err.kind() != ErrorKind::InvalidSubcommand {
        return None;
    }
    let suggestion = match err.get(ContextKind::SuggestedSubcommand)? {
        ContextValue::String(s) => s.clone(),
        // clap lists the candidates by rising similarity: the best is the last.
        ContextValue::Strings(list) => list.last()?.clone(),
        _ => return None,
    };
    Some(format!(
        "unrecognized subcommand '{first}': did you mean '{suggestion}'? Try 'nsview --help'"
    ))
}

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, FromArgMatches};

    use super::*;

    fn request(args: &[&str]) -> Option<Request> {
        let argv = std::iter::once("nsview")
            .chain(args.iter().copied())
            .map(std::ffi::OsString::from);
        let matches = Cli::command()
            .try_get_matches_from(normalize_args(argv))
            .expect("clap accepts these");
        Cli::from_arg_matches(&matches).expect("typed");
        list_request(&matches)
    }

    #[test]
    fn every_list_argument_maps_to_an_lsns_option() {
        for id in list_arg_ids() {
            assert!(
                list_option(&id, String::new()).is_some(),
                "ListArgs argument {id} is not mapped to an lsns option"
            );
        }
    }

    #[test]
    fn list_options_keep_their_order() {
        assert_eq!(request(&[]), None);
        assert_eq!(request(&["--interval", "5"]), None);
        let r = request(&[
            "-n",
            "-o",
            "NS",
            "-J",
            "-o",
            "+PID",
            "-Tparent",
            "4026531836",
            "-l",
        ])
        .expect("list mode");
        assert_eq!(
            r.options,
            [
                Opt::Noheadings,
                Opt::Output("NS".into()),
                Opt::Json,
                Opt::Output("+PID".into()),
                Opt::Tree(Some("parent".into())),
                Opt::List,
            ]
        );
        assert_eq!(r.operands, ["4026531836"]);
        let r = request(&["-T"]).expect("list mode");
        assert_eq!(r.options, [Opt::Tree(Some("owner".into()))]);
        let r = request(&["-l", "-l", "-t", "net", "-t", "uts", "-Tparent", "-T"]).expect("list");
        assert_eq!(
            r.options
                .iter()
                .filter(|o| matches!(o, Opt::Type(_)))
                .count(),
            2,
            "-t accumulates: {r:?}"
        );
        assert_eq!(r.options.last(), Some(&Opt::Tree(Some("owner".into()))));
        for flag in ["-P", "-r", "-u", "-W", "-H", "--output-all"] {
            assert!(request(&[flag]).is_some(), "{flag} selects list mode");
        }
    }

    fn normalized(args: &[&str]) -> Vec<String> {
        normalize_args(args.iter().map(std::ffi::OsString::from))
            .into_iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn global_options_before_a_subcommand_move_after_its_name() {
        assert_eq!(
            normalized(&["nsview", "--proc-root", "/p", "show", "1"]),
            ["nsview", "show", "--proc-root", "/p", "1"]
        );
        assert_eq!(
            normalized(&[
                "nsview",
                "--ui-error-fd=5",
                "--proc-root=/p",
                "enter",
                "1",
                "ls"
            ]),
            [
                "nsview",
                "enter",
                "--ui-error-fd=5",
                "--proc-root=/p",
                "1",
                "ls"
            ]
        );
        // list mode's NAMESPACE and list options stay where they are
        for args in [
            &["nsview", "--proc-root", "/p", "--list"][..],
            &["nsview", "--proc-root", "/p", "4026531840"],
            &["nsview", "show", "--proc-root", "/p", "1"],
            &["nsview", "--proc-root", "/p"],
        ] {
            assert_eq!(normalized(args), *args);
        }
        assert_eq!(
            normalized(&["nsview", "-Tparent"]),
            ["nsview", "--tree=parent"]
        );
    }
}
