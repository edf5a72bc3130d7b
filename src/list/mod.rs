//! `nsview --list`: the lsns-compatible face (columns, table, raw, JSON, trees, filters).
//!
//! Raw arguments ([`ListArgs`]) become one validated [`Config`] first, with lsns's messages
//! and exit codes for bad input. The config decides which scanner features the output needs,
//! then rows ([`rows`]) are built from the snapshot and rendered ([`render`]) into one string
//! that is written to stdout once. What could not be read goes to stderr as one note.

pub mod columns;
pub mod filter;
pub mod render;
pub mod rows;

use std::collections::{HashMap, HashSet};
use std::io::{IsTerminal, Write};

use anyhow::Context;

use self::columns::Column;
use self::render::{Table, TableOptions};
use self::rows::{CellSource, Row, Tree, TreeSymbols};
use crate::cli::ListArgs;
use crate::details::columns::{ExtraColumn, column_values as columns_of_details};
use crate::error::Exit;
use crate::model::{Holder, Inode, Namespace, NsKind, Pid, Snapshot};
use crate::scan::{self, ScanOptions};

/// Output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Table,
    Raw,
    Json,
}

/// The validated list-mode configuration.
pub struct Config {
    pub columns: Vec<Column>,
    pub format: Format,
    pub noheadings: bool,
    pub notruncate: bool,
    pub nowrap: bool,
    /// Selected types; all when `-t` was not given.
    pub types: Vec<NsKind>,
    /// `-p`: only namespaces this process is in (0 means no filter, as in lsns).
    pub task: Option<Pid>,
    /// The positional `<namespace>`: one row per member process.
    pub namespace: Option<Inode>,
    pub tree: Tree,
    pub persistent: bool,
    pub filter: Option<filter::Filter>,
}

impl Config {
    /// Validates the arguments in lsns's order, with its messages (exit code 1).
    pub fn from_args(args: &ListArgs) -> Result<Config, Exit> {
        if args.json && args.raw {
            return Err(Exit::failure("mutually exclusive arguments: --json --raw"));
        }
        if args.persistent && !args.task.is_empty() {
            return Err(Exit::failure(
                "mutually exclusive arguments: --persistent --task",
            ));
        }
        let mut task = None;
        for text in &args.task {
            let pid: i32 = text
                .trim()
                .parse()
                .map_err(|_| Exit::failure(format!("invalid PID argument: '{text}'")))?;
            // lsns keeps the last -p; 0 means "no filter" there.
            task = (pid != 0).then_some(pid);
        }
        let mut types = Vec::new();
        for name in &args.types {
            let kind = NsKind::from_name(name)
                .ok_or_else(|| Exit::failure(format!("unknown namespace type: {name}")))?;
            if !types.contains(&kind) {
                types.push(kind);
            }
        }
        let net = types.contains(&NsKind::Net);
        if types.is_empty() {
            types = NsKind::ALL.to_vec();
        }
        let explicit_tree = match args.tree.as_deref() {
            None => None,
            Some("" | "owner") => Some(Tree::Owner),
            Some("parent") => Some(Tree::Parent),
            Some("process") => Some(Tree::Process),
            Some(other) => {
                return Err(Exit::failure(format!("unknown tree type: {other}")));
            }
        };
        let filter = match &args.filter {
            Some(expr) => {
                // lsns's number columns compare as numbers, the rest (the extensions too) as
                // text (libsmartcols types each column; an empty number cell never matches a
                // number).
                let typed: Vec<(&str, filter::ColumnType)> = Column::known()
                    .map(|c| {
                        let kind = if c.json_kind() == columns::JsonKind::Number {
                            filter::ColumnType::Number
                        } else {
                            filter::ColumnType::Text
                        };
                        (c.name(), kind)
                    })
                    .collect();
                // The filter's messages already read like lsns's ("failed to parse ...").
                Some(filter::parse_typed(expr, &typed).map_err(|e| Exit::failure(e.to_string()))?)
            }
            None => None,
        };

        // lsns draws the process tree in COMMAND by default: with the default columns or a
        // <namespace>, unless -l/--list or -T asked otherwise (its `force_list`).
        let mut tree = explicit_tree;
        let mut columns = Vec::new();
        if args.output_all {
            columns = Column::ALL.to_vec();
        }
        let namespace = match &args.namespace {
            Some(text) => {
                if task.is_some() || !args.task.is_empty() {
                    return Err(Exit::failure(
                        "--task is mutually exclusive with <namespace>",
                    ));
                }
                let inode: u64 = text
                    .trim()
                    .parse()
                    .map_err(|_| Exit::failure(format!("invalid namespace argument: '{text}'")))?;
                if tree.is_none() && !args.list {
                    tree = Some(Tree::Process);
                }
                if columns.is_empty() {
                    columns = columns::process_defaults();
                }
                Some(inode)
            }
            None => None,
        };
        if columns.is_empty() {
            columns = columns::defaults(net);
            if tree.is_none() && !args.list {
                tree = Some(Tree::Process);
            }
        }
        for list in &args.output {
            columns::apply_output_list(list, &mut columns)?;
        }

        Ok(Config {
            columns,
            format: if args.json {
                Format::Json
            } else if args.raw {
                Format::Raw
            } else {
                Format::Table
            },
            noheadings: args.noheadings,
            notruncate: args.notruncate,
            // -r implies -W in lsns.
            nowrap: args.nowrap || args.raw,
            types,
            task,
            namespace,
            tree: tree.unwrap_or(Tree::None),
            persistent: args.persistent,
            filter,
        })
    }

    /// Every column the output or the filter reads.
    fn uses(&self, column: Column) -> bool {
        self.columns.contains(&column)
            || self.filter.as_ref().is_some_and(|f| {
                f.columns()
                    .iter()
                    .any(|name| name.eq_ignore_ascii_case(column.name()))
            })
    }

    /// True when the output asks for namespace relations outright: PNS/ONS, an owner or
    /// parent tree, or `-P` (hidden parents and owners are process-less too).
    fn wants_relations(&self) -> bool {
        self.uses(Column::Pns)
            || self.uses(Column::Ons)
            || matches!(self.tree, Tree::Parent | Tree::Owner)
            || self.persistent
    }

    /// True when rows may be process-less namespaces (not `<namespace>`, not `-p`).
    fn lists_processless(&self) -> bool {
        self.namespace.is_none() && self.task.is_none()
    }

    /// The scanner features this output needs, and no more.
    pub fn scan_options(&self, base: ScanOptions) -> ScanOptions {
        let processless = self.lists_processless();
        ScanOptions {
            // Threads, fds, sockets and bind mounts only add process-less namespaces.
            threads: base.threads && processless,
            fds: base.fds && processless,
            sockets: base.sockets && processless,
            mounts: base.mounts && (processless || self.uses(Column::Nsfs)),
            relations: base.relations && self.wants_relations(),
            // Namespace rows show only the representative's COMMAND.
            all_commands: base.all_commands && !processless,
            ..base
        }
    }
}

/// Runs list mode and returns the exit code.
pub fn run(args: &ListArgs, source: crate::snapshot::Source) -> anyhow::Result<i32> {
    if args.list_columns {
        let text = render::column_list(args.raw, args.json);
        return write_stdout(&text).map(|()| 0);
    }
    let config = Config::from_args(args)?;
    // --from FILE: the saved scan, with nothing read from this host (NETNSID from the file,
    // the extension columns empty).
    let (scan, loaded) = match source {
        crate::snapshot::Source::Live(scan) => (scan, None),
        crate::snapshot::Source::File(path) => (
            // Not live: no ioctls, netlink or sockets are tried on this host's behalf.
            ScanOptions::for_root(Some(path.clone())),
            Some(crate::snapshot::load(&path).map_err(|e| Exit::failure(format!("{e:#}")))?),
        ),
    };
    let from_file = loaded.is_some();
    let relations_possible = scan.relations && scan.is_live();
    let options = config.scan_options(scan);
    let mut snapshot = match &loaded {
        Some(file) => file.scan.clone(),
        None => scan::scan(&options)?,
    };

    // Process-less rows need their owner's uid and show their hidden owners and parents (as
    // lsns 2.42 does for namespaces it finds through fds and bind mounts): fetch relations
    // now, but only when such a row exists.
    let relations_done = options.relations && options.is_live();
    if !relations_done
        && relations_possible
        && config.lists_processless()
        && snapshot
            .namespaces
            .values()
            .any(|ns| ns.members.is_empty() && config.types.contains(&ns.kind))
    {
        scan::add_relations_later(&mut snapshot, &options);
    }
    let show_all_hidden = config.wants_relations();

    let netnsids = if config.uses(Column::Netnsid) && options.is_live() {
        netnsids(&snapshot, &config)
    } else if from_file {
        snapshot
            .namespaces
            .values()
            .filter_map(|ns| Some((ns.inode, ns.netnsid?)))
            .collect()
    } else {
        HashMap::new()
    };
    let extras = if let Some(file) = &loaded {
        Column::EXTRAS
            .into_iter()
            .filter(|&column| config.uses(column))
            .filter_map(Column::extra)
            .map(|extra| (extra, crate::snapshot::saved_column(file, extra)))
            .collect()
    } else {
        extra_values(&snapshot, &options.proc_root, &config)
    };
    let source = CellSource {
        snapshot: &snapshot,
        netnsids: &netnsids,
        extras: &extras,
    };
    let keep = |ns: &Namespace, proc: Option<&crate::model::Process>| match &config.filter {
        None => true,
        Some(filter) => filter.matches(&|name: &str| {
            Column::from_name(name).map_or(filter::FilterValue::Empty, |column| {
                filter_value(column, &source.cell(column, ns, proc))
            })
        }),
    };

    let rows: Vec<Row> = match config.namespace {
        Some(inode) => {
            let ns = snapshot
                .namespace(inode)
                .filter(|ns| config.types.contains(&ns.kind))
                .ok_or_else(|| Exit::failure(format!("not found namespace: {inode}")))?;
            rows::process_rows(&snapshot, ns, config.tree, &keep)
        }
        None => {
            let visible = visible_namespaces(&snapshot, &config.types, show_all_hidden);
            let selected = |ns: &Namespace| {
                (!config.persistent || ns.members.is_empty())
                    && config
                        .task
                        .is_none_or(|pid| ns.members.binary_search(&pid).is_ok())
            };
            rows::namespace_rows(&snapshot, &visible, &selected, config.tree, &keep)
        }
    };

    let cells = rows
        .iter()
        .map(|row| {
            let ns = snapshot.namespace(row.ns);
            let proc = row.pid.and_then(|pid| snapshot.process(pid));
            config
                .columns
                .iter()
                .map(|&column| match ns {
                    Some(ns) => source.cell(column, ns, proc),
                    None => rows::Cell::Text(String::new()),
                })
                .collect()
        })
        .collect();
    let tree_column = config
        .tree
        .column()
        .and_then(|c| config.columns.iter().position(|&x| x == c));
    let table = Table {
        columns: config.columns.clone(),
        rows,
        cells,
        tree_column,
    };

    let symbols = tree_symbols();
    let text = match config.format {
        Format::Json => render::json(&table, "namespaces"),
        Format::Raw => render::raw(&table, config.noheadings, symbols),
        Format::Table => {
            let stdout = std::io::stdout();
            let width_limit = (!config.notruncate && stdout.is_terminal())
                .then(terminal_width)
                .flatten();
            render::table(
                &table,
                &TableOptions {
                    noheadings: config.noheadings,
                    nowrap: config.nowrap,
                    width_limit,
                },
                symbols,
            )
        }
    };
    write_stdout(&text)?;
    if let Some(note) = snapshot.partial_view_note() {
        eprintln!("nsview: {note}");
    }
    Ok(0)
}

/// Writes the whole output in one go; a closed pipe surfaces as an io error that `main`
/// turns into a quiet exit 0.
fn write_stdout(text: &str) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .context("writing the list")
}

/// The namespaces rows may come from: the selected types, and of the namespaces no process
/// or other holder keeps (found only as a parent or owner), those the output asked for: all
/// of them with `-T parent|owner`, PNS/ONS or `-P`; otherwise only the ancestors of
/// process-less rows, as lsns 2.42 adds them.
fn visible_namespaces<'a>(
    snapshot: &'a Snapshot,
    types: &[NsKind],
    all_hidden: bool,
) -> Vec<&'a Namespace> {
    let hidden = |ns: &Namespace| {
        ns.members.is_empty()
            && ns
                .holders
                .iter()
                .all(|h| matches!(h, Holder::Child { .. } | Holder::Owned { .. }))
    };
    let mut allowed: HashSet<Inode> = HashSet::new();
    if !all_hidden {
        let mut stack: Vec<Inode> = snapshot
            .namespaces
            .values()
            .filter(|ns| ns.members.is_empty() && !hidden(ns) && types.contains(&ns.kind))
            .flat_map(|ns| [ns.parent, ns.owner])
            .flatten()
            .collect();
        while let Some(inode) = stack.pop() {
            if let Some(ns) = snapshot.namespace(inode)
                && hidden(ns)
                && allowed.insert(inode)
            {
                stack.extend([ns.parent, ns.owner].into_iter().flatten());
            }
        }
    }
    snapshot
        .namespaces
        .values()
        .filter(|ns| types.contains(&ns.kind))
        .filter(|ns| all_hidden || !hidden(ns) || allowed.contains(&ns.inode))
        .collect()
}

/// NETNSID for each net namespace, asked once per namespace through its best path.
fn netnsids(snapshot: &Snapshot, config: &Config) -> HashMap<Inode, i32> {
    if !config.types.contains(&NsKind::Net) {
        return HashMap::new();
    }
    netnsids_of(snapshot)
}

/// NETNSID of every network namespace (`NSID_NOT_ASSIGNED` where none was given); also what
/// a saved snapshot records in [`Namespace::netnsid`].
pub(crate) fn netnsids_of(snapshot: &Snapshot) -> HashMap<Inode, i32> {
    let mut ids = HashMap::new();
    // RTM_GETNSID, as `ip netns list-id` asks it: one round trip per network namespace, and
    // only when the NETNSID column is shown.
    let Ok(mut socket) = crate::details::netlink::Socket::open() else {
        return ids;
    };
    for ns in snapshot.of_kind(NsKind::Net) {
        let Ok(target) = crate::kernel::open_namespace(snapshot, ns, std::path::Path::new("/proc"))
        else {
            continue;
        };
        if let Ok(Some(id)) = socket.nsid_raw(std::os::fd::AsRawFd::as_raw_fd(
            &std::os::fd::AsFd::as_fd(&target),
        )) {
            ids.insert(ns.inode, id);
        }
    }
    ids
}

/// The values of each extension column the output or the filter reads, computed once per run
/// (by inode); the others cost nothing.
fn extra_values(
    snapshot: &Snapshot,
    proc_root: &std::path::Path,
    config: &Config,
) -> HashMap<ExtraColumn, HashMap<Inode, String>> {
    Column::EXTRAS
        .into_iter()
        .filter(|&column| config.uses(column))
        .filter_map(Column::extra)
        .map(|extra| (extra, columns_of_details(snapshot, proc_root, extra)))
        .collect()
}

/// A cell as the filter sees it: numbers for lsns's number columns, text otherwise.
fn filter_value(column: Column, cell: &rows::Cell) -> filter::FilterValue {
    if cell.is_empty() {
        return filter::FilterValue::Empty;
    }
    let text = cell.joined("\n");
    if column.json_kind() == columns::JsonKind::Number
        && let Ok(n) = text.parse::<i64>()
    {
        return filter::FilterValue::Number(n);
    }
    filter::FilterValue::Text(text)
}

/// libsmartcols draws trees with line-drawing characters only in a UTF-8 locale.
fn tree_symbols() -> &'static TreeSymbols {
    let locale = ["LC_ALL", "LC_CTYPE", "LANG"]
        .iter()
        .filter_map(|var| std::env::var(var).ok())
        .find(|value| !value.is_empty())
        .unwrap_or_default()
        .to_ascii_lowercase();
    if locale.contains("utf-8") || locale.contains("utf8") {
        &rows::UTF8_SYMBOLS
    } else {
        &rows::ASCII_SYMBOLS
    }
}

/// The terminal's width (TIOCGWINSZ on stdout, then $COLUMNS), as libsmartcols finds it.
fn terminal_width() -> Option<usize> {
    let mut size = libc::winsize {
        ws_row: 0,
        ws_col: 0,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: TIOCGWINSZ writes one winsize through the pointer.
    let rc = unsafe { libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut size) };
    if rc == 0 && size.ws_col > 0 {
        return Some(usize::from(size.ws_col));
    }
    std::env::var("COLUMNS").ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn config(args: &[&str]) -> Result<Config, Exit> {
        let argv = std::iter::once("nsview")
            .chain(args.iter().copied())
            .map(std::ffi::OsString::from);
        let cli = crate::cli::Cli::try_parse_from(crate::cli::normalize_args(argv))
            .expect("clap accepts these");
        Config::from_args(&cli.list)
    }

    fn names(config: &Config) -> Vec<&'static str> {
        config.columns.iter().map(|c| c.name()).collect()
    }

    #[test]
    fn default_tree_follows_lsns_force_list() {
        // `lsns` draws the process tree; `lsns --list` does not; -o does not turn it off.
        assert_eq!(config(&["-J"]).map(|c| c.tree).ok(), Some(Tree::Process));
        assert_eq!(config(&["-l"]).map(|c| c.tree).ok(), Some(Tree::None));
        assert_eq!(
            config(&["-o", "NS"]).map(|c| c.tree).ok(),
            Some(Tree::Process)
        );
        assert_eq!(
            config(&["--output-all"]).map(|c| c.tree).ok(),
            Some(Tree::None)
        );
        assert_eq!(
            config(&["-l", "1234"]).map(|c| c.tree).ok(),
            Some(Tree::None)
        );
        assert_eq!(config(&["-T"]).map(|c| c.tree).ok(), Some(Tree::Owner));
        assert_eq!(
            config(&["--tree=parent"]).map(|c| c.tree).ok(),
            Some(Tree::Parent)
        );
        assert_eq!(
            config(&["-l", "-Tparent"]).map(|c| c.tree).ok(),
            Some(Tree::Parent)
        );
    }

    #[test]
    fn columns_from_options() {
        let c = config(&["-l", "-t", "net"]).expect("valid");
        assert_eq!(
            names(&c),
            [
                "NS", "TYPE", "NPROCS", "PID", "USER", "NETNSID", "NSFS", "COMMAND"
            ]
        );
        let c = config(&["-l", "4026531836"]).expect("valid");
        assert_eq!(names(&c), ["PID", "PPID", "USER", "COMMAND"]);
        assert_eq!(c.namespace, Some(4026531836));
        let c = config(&["-l", "-o", "+uid,Pns"]).expect("valid");
        assert_eq!(names(&c).len(), 8);
        let c = config(&["--output-all", "-o", "+NS"]).expect("valid");
        assert_eq!(names(&c).len(), 14);
    }

    #[test]
    fn extension_columns_only_when_asked_for() {
        let hostname = Column::Extra(ExtraColumn::Hostname);
        let all = config(&["--output-all"]).expect("valid");
        assert_eq!(
            all.columns,
            Column::ALL.to_vec(),
            "--output-all is lsns's 13"
        );
        assert!(Column::EXTRAS.iter().all(|&c| !all.uses(c)));
        let plain = config(&["-l"]).expect("valid");
        assert!(Column::EXTRAS.iter().all(|&c| !plain.uses(c)));

        let c = config(&["-l", "-o", "+HostName"]).expect("valid");
        assert_eq!(c.columns.last(), Some(&hostname));
        assert!(c.uses(hostname) && !c.uses(Column::Extra(ExtraColumn::Uidmap)));

        // A filter reads its columns too, as text.
        let c = config(&["-l", "-Q", r#"container =~ "docker" && HOSTNS == "no""#]).expect("valid");
        assert!(c.uses(Column::Extra(ExtraColumn::Container)));
        assert!(c.uses(Column::Extra(ExtraColumn::Hostns)));
        assert!(!c.uses(hostname));
        let filter = c.filter.expect("filter");
        let row = |name: &str| match name {
            "CONTAINER" => filter::FilterValue::Text("docker 3f4e5d6c7b8a".into()),
            "HOSTNS" => filter::FilterValue::Text("no".into()),
            _ => filter::FilterValue::Empty,
        };
        assert!(filter.matches(&row));
        // Text columns: comparing with a number converts the number, as for TYPE.
        assert!(config(&["-l", "-Q", "UIDMAP == 0"]).is_ok());
    }

    #[test]
    fn extension_values_are_computed_only_for_used_columns() {
        let root =
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/show-basic/proc");
        let snapshot =
            scan::scan(&ScanOptions::for_root(Some(root.clone()))).expect("fixture scan");
        let computed = |args: &[&str]| -> Vec<ExtraColumn> {
            let mut keys: Vec<ExtraColumn> =
                extra_values(&snapshot, &root, &config(args).expect("valid"))
                    .into_keys()
                    .collect();
            keys.sort_by_key(|c| c.name());
            keys
        };
        assert!(computed(&["-l", "--output-all"]).is_empty());
        assert!(computed(&["-l", "-Q", "NPROCS > 1"]).is_empty());
        assert_eq!(
            computed(&["-l", "-o", "NS,uidmap", "-Q", r#"HOSTNS == "no""#]),
            [ExtraColumn::Hostns, ExtraColumn::Uidmap]
        );
        let values = extra_values(
            &snapshot,
            &root,
            &config(&["-l", "-o", "+CONTAINER"]).expect("valid"),
        );
        assert_eq!(
            values[&ExtraColumn::Container]
                .get(&4026532303)
                .map(String::as_str),
            Some("docker 3f4e5d6c7b8a")
        );
    }

    #[test]
    fn bad_input_gives_lsns_messages() {
        let message = |args: &[&str]| config(args).err().map(|e| (e.code, e.message));
        assert_eq!(
            message(&["-l", "-o", "NS,foo"]),
            Some((1, "unknown column: foo".into()))
        );
        assert_eq!(
            message(&["-t", "foo"]),
            Some((1, "unknown namespace type: foo".into()))
        );
        assert_eq!(
            message(&["-p", "abc"]),
            Some((1, "invalid PID argument: 'abc'".into()))
        );
        assert_eq!(
            message(&["-l", "abc"]),
            Some((1, "invalid namespace argument: 'abc'".into()))
        );
        assert_eq!(
            message(&["-p", "1", "4026531836"]),
            Some((1, "--task is mutually exclusive with <namespace>".into()))
        );
        assert_eq!(
            message(&["-J", "-r"]),
            Some((1, "mutually exclusive arguments: --json --raw".into()))
        );
        assert_eq!(
            message(&["-P", "-p", "1"]),
            Some((
                1,
                "mutually exclusive arguments: --persistent --task".into()
            ))
        );
        assert_eq!(
            message(&["--tree=foo"]),
            Some((1, "unknown tree type: foo".into()))
        );
        assert!(
            message(&["-Q", "NS > "])
                .is_some_and(|(_, m)| m.starts_with("failed to parse \"NS > \": ")),
            "filter errors name the expression"
        );
    }

    #[test]
    fn scanner_features_follow_the_output() {
        let base = ScanOptions::default();
        let plain = config(&["-l"]).expect("valid").scan_options(base.clone());
        assert!(plain.fds && plain.mounts && plain.threads && !plain.relations);
        let pns = config(&["-l", "-o", "+PNS"])
            .expect("valid")
            .scan_options(base.clone());
        assert!(pns.relations);
        let owner = config(&["-Towner"])
            .expect("valid")
            .scan_options(base.clone());
        assert!(owner.relations);
        let persistent = config(&["-P"]).expect("valid").scan_options(base.clone());
        assert!(persistent.relations);
        let task = config(&["-p", "1"])
            .expect("valid")
            .scan_options(base.clone());
        assert!(!task.fds && !task.threads && !task.mounts && !task.relations);
        let members = config(&["-l", "4026531836"])
            .expect("valid")
            .scan_options(base);
        assert!(!members.fds && !members.mounts);
    }
}
