//! The validated list-mode configuration, built in one place from the options as given
//! ([`Request`]: from lsns-style argv or from clap), in lsns 2.42.2's order and with its
//! messages: each option is checked as `main()`'s getopt loop checks it (exclusive pairs,
//! `-p`, `-t`, `-T`, `-Q`), then getopt's own error, then `<namespace>`, the default columns
//! and `-o`.

use super::args::{Opt, Request, long_name};
use super::columns::{self, Column};
use super::filter;
use super::rows::Tree;
use crate::error::Exit;
use crate::model::{Inode, NsKind, Pid};
use crate::scan::ScanOptions;

/// Output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Table,
    Raw,
    Json,
}

/// What the command line asks for.
pub enum Action {
    /// `-h`: lsns's usage text.
    Help,
    /// `-V`.
    Version,
    /// `-H`: the column list, raw or JSON as `-r`/`-J` said.
    ListColumns {
        raw: bool,
        json: bool,
    },
    /// getopt refused an option: its message (`argv[0]` as invoked first), exit 1.
    Usage(String),
    List(Box<Config>),
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
    /// `-p`: only namespaces this process is in.
    pub task: Option<Pid>,
    /// The positional `<namespace>`: one row per member process.
    pub namespace: Option<Inode>,
    pub tree: Tree,
    pub persistent: bool,
    pub filter: Option<filter::Filter>,
    /// Columns `-Q` names that do not exist. lsns parses such a filter, then fails when it
    /// binds it to the table, after the scan: `unknown column: X` for each, then `failed to
    /// initialize filter` (the driver reports them then).
    pub filter_unknown: Vec<String>,
}

/// lsns's `excl[]`: {J,r}, {P,p}, {l,T}. The last group is not in ASCII order ('T' < 'l'), so
/// `err_exclusive_options` never reaches it and lsns accepts `-l -T`; walking the table the same
/// way keeps that.
const EXCLUSIVE: [&[char]; 3] = [&['J', 'r'], &['P', 'p'], &['l', 'T']];

/// The state of lsns's getopt loop between options.
#[derive(Default)]
struct Parsed {
    json: bool,
    raw: bool,
    force_list: bool,
    outarg: Option<String>,
    output_all: bool,
    persistent: bool,
    task: Option<Pid>,
    noheadings: bool,
    notruncate: bool,
    nowrap: bool,
    types: Vec<NsKind>,
    net: bool,
    tree: Option<Tree>,
    filter: Option<filter::Filter>,
    filter_unknown: Vec<String>,
    list_columns: bool,
    exclusive_seen: [Option<char>; 3],
}

impl Config {
    /// Validates a request as lsns does, option by option.
    pub fn from_request(request: &Request) -> Result<Action, Exit> {
        let mut parsed = Parsed::default();
        for opt in &request.options {
            parsed.check_exclusive(opt.letter())?;
            match opt {
                Opt::Help => return Ok(Action::Help),
                Opt::Version => return Ok(Action::Version),
                other => parsed.apply(other)?,
            }
        }
        if let Some(message) = &request.error {
            return Ok(Action::Usage(message.clone()));
        }
        if parsed.list_columns {
            return Ok(Action::ListColumns {
                raw: parsed.raw,
                json: parsed.json,
            });
        }
        parsed
            .finish(request.operands.first())
            .map(|c| Action::List(Box::new(c)))
    }

    /// Every column the output or the filter reads.
    pub fn uses(&self, column: Column) -> bool {
        self.columns.contains(&column)
            || self.filter.as_ref().is_some_and(|f| {
                f.columns()
                    .iter()
                    .any(|name| name.eq_ignore_ascii_case(column.name()))
            })
    }

    /// True when the output asks for namespace relations outright: PNS/ONS, an owner or
    /// parent tree, or `-P` (hidden parents and owners are process-less too).
    pub fn wants_relations(&self) -> bool {
        self.uses(Column::Pns)
            || self.uses(Column::Ons)
            || matches!(self.tree, Tree::Parent | Tree::Owner)
            || self.persistent
    }

    /// True when rows may be process-less namespaces (not `<namespace>`, not `-p`).
    pub fn lists_processless(&self) -> bool {
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

    /// What the enrichment step must add to the snapshot for this output.
    pub fn wanted(&self) -> crate::details::enrich::Wanted {
        use columns::Extension;
        crate::details::enrich::Wanted {
            netnsid: self.uses(Column::Netnsid) && self.types.contains(&NsKind::Net),
            hostname: self.uses(Column::Extra(Extension::Hostname)),
            container: self.uses(Column::Extra(Extension::Container)),
            uidmap: self.uses(Column::Extra(Extension::Uidmap)),
            hostns: self.uses(Column::Extra(Extension::Hostns)),
            leak: self.uses(Column::Extra(Extension::Leak)),
        }
    }
}

impl Parsed {
    /// lsns's `err_exclusive_options`, walked exactly as it walks its table.
    fn check_exclusive(&mut self, c: char) -> Result<(), Exit> {
        for (e, group) in EXCLUSIVE.iter().enumerate() {
            if group[0] > c {
                break;
            }
            for &op in group.iter() {
                if op > c {
                    break;
                }
                if op != c {
                    continue;
                }
                match self.exclusive_seen[e] {
                    None => self.exclusive_seen[e] = Some(c),
                    Some(seen) if seen != c => {
                        let name =
                            |l: char| long_name(l).map_or(format!("-{l}"), |n| format!("--{n}"));
                        return Err(Exit::failure(format!(
                            "options {} and {} cannot be combined",
                            name(seen),
                            name(c)
                        )));
                    }
                    Some(_) => {}
                }
                break;
            }
        }
        Ok(())
    }

    /// One option, as lsns's `switch (c)` handles it.
    fn apply(&mut self, opt: &Opt) -> Result<(), Exit> {
        match opt {
            Opt::Json => self.json = true,
            Opt::List => self.force_list = true,
            // lsns keeps the last -o.
            Opt::Output(list) => self.outarg = Some(list.clone()),
            Opt::OutputAll => self.output_all = true,
            Opt::Persistent => self.persistent = true,
            Opt::Task(text) => self.task = Some(parse_pid(text)?),
            Opt::Noheadings => self.noheadings = true,
            Opt::Raw => {
                self.raw = true;
                self.nowrap = true;
            }
            Opt::Notruncate => self.notruncate = true,
            Opt::Nowrap => self.nowrap = true,
            Opt::Type(name) => {
                let kind = NsKind::from_name(name)
                    .ok_or_else(|| Exit::failure(format!("unknown namespace type: {name}")))?;
                if !self.types.contains(&kind) {
                    self.types.push(kind);
                }
                self.net |= kind == NsKind::Net;
            }
            Opt::Tree(value) => self.tree = Some(parse_tree(value.as_deref())?),
            Opt::Filter(expr) => {
                // lsns keeps the last -Q.
                (self.filter, self.filter_unknown) = match parse_filter(expr) {
                    Ok(filter) => (Some(filter), Vec::new()),
                    Err(FilterProblem::Unknown(names)) => (None, names),
                    Err(FilterProblem::Syntax(exit)) => return Err(exit),
                };
            }
            Opt::ListColumns => self.list_columns = true,
            Opt::Help | Opt::Version => {}
        }
        Ok(())
    }

    /// After the options: `<namespace>`, the default columns and tree, then `-o`.
    fn finish(mut self, operand: Option<&String>) -> Result<Config, Exit> {
        let mut columns = if self.output_all {
            Column::ALL.to_vec()
        } else {
            Vec::new()
        };
        let namespace = match operand {
            Some(text) => {
                if self.task.is_some() {
                    return Err(Exit::failure(
                        "--task is mutually exclusive with <namespace>",
                    ));
                }
                let inode = parse_namespace(text)?;
                self.default_tree();
                if columns.is_empty() {
                    columns = columns::process_defaults();
                }
                Some(inode)
            }
            None => None,
        };
        if columns.is_empty() {
            columns = columns::defaults(self.net);
            self.default_tree();
        }
        if let Some(list) = &self.outarg {
            columns::apply_output_list(list, &mut columns)?;
        }
        let format = if self.json {
            Format::Json
        } else if self.raw {
            Format::Raw
        } else {
            Format::Table
        };
        Ok(Config {
            columns,
            format,
            noheadings: self.noheadings,
            notruncate: self.notruncate,
            nowrap: self.nowrap,
            types: if self.types.is_empty() {
                NsKind::ALL.to_vec()
            } else {
                self.types
            },
            task: self.task,
            namespace,
            tree: self.tree.unwrap_or(Tree::None),
            persistent: self.persistent,
            filter: self.filter,
            filter_unknown: self.filter_unknown,
        })
    }

    /// lsns draws the process tree in COMMAND by default, unless -l or -T said otherwise.
    fn default_tree(&mut self) {
        if self.tree.is_none() && !self.force_list {
            self.tree = Some(Tree::Process);
        }
    }
}

/// `strtopid_or_err(optarg, "invalid PID argument")`: a decimal in 1..=i32::MAX (leading
/// blanks and a sign allowed, as strtoimax does); out of range adds strerror(ERANGE).
fn parse_pid(text: &str) -> Result<Pid, Exit> {
    match parse_c_integer(text) {
        Some(Ok(n)) if (1..=i64::from(i32::MAX)).contains(&n) => {
            Ok(i32::try_from(n).unwrap_or(i32::MAX))
        }
        Some(_) => Err(Exit::failure(format!(
            "invalid PID argument: '{text}': Numerical result out of range"
        ))),
        None => Err(Exit::failure(format!("invalid PID argument: '{text}'"))),
    }
}

/// `strtou64_or_err(argv[optind], "invalid namespace argument")`: negative numbers are out of
/// range.
fn parse_namespace(text: &str) -> Result<Inode, Exit> {
    let range = || {
        Exit::failure(format!(
            "invalid namespace argument: '{text}': Numerical result out of range"
        ))
    };
    match parse_c_integer(text) {
        Some(Ok(n)) if n < 0 => Err(range()),
        Some(Err(true)) => Err(range()),
        Some(Ok(_) | Err(false)) => {
            // Within u64 but maybe above i64: read it again unsigned.
            let digits = text.trim_start().trim_start_matches('+');
            digits.parse::<u64>().map_err(|_| range())
        }
        None => Err(Exit::failure(format!(
            "invalid namespace argument: '{text}'"
        ))),
    }
}

/// strtoimax in base 10 over the whole string: None when it is not a number (empty, junk,
/// trailing characters); Some(Err(negative)) when it overflows i64.
fn parse_c_integer(text: &str) -> Option<Result<i64, bool>> {
    let body = text.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (negative, digits) = match body.as_bytes().first() {
        Some(b'-') => (true, &body[1..]),
        Some(b'+') => (false, &body[1..]),
        _ => (false, body),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let signed = if negative {
        format!("-{digits}")
    } else {
        digits.to_string()
    };
    Some(signed.parse::<i64>().map_err(|_| negative))
}

/// `-T[=]<rel>`: lsns skips one leading '=' of an attached value.
fn parse_tree(value: Option<&str>) -> Result<Tree, Exit> {
    let Some(value) = value else {
        return Ok(Tree::Owner);
    };
    let value = value.strip_prefix('=').unwrap_or(value);
    match value {
        "owner" => Ok(Tree::Owner),
        "parent" => Ok(Tree::Parent),
        "process" => Ok(Tree::Process),
        other => Err(Exit::failure(format!("unknown tree type: {other}"))),
    }
}

enum FilterProblem {
    /// A syntax error: lsns fails at once, while parsing its options.
    Syntax(Exit),
    /// Unknown column names, reported after the scan as lsns does.
    Unknown(Vec<String>),
}

/// What the filter parser says before its list of unknown columns.
const UNKNOWN_COLUMNS: [&str; 2] = [
    "failed to initialize filter: unknown column: ",
    "failed to initialize filter: unknown columns: ",
];

/// `-Q`: lsns's number columns compare as numbers, the rest (the extensions too) as text
/// (libsmartcols types each column; an empty number cell never matches a number).
fn parse_filter(expr: &str) -> Result<filter::Filter, FilterProblem> {
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
    filter::parse_typed(expr, &typed).map_err(|e| {
        let message = e.to_string();
        match UNKNOWN_COLUMNS
            .iter()
            .find_map(|prefix| message.strip_prefix(prefix))
        {
            Some(names) => FilterProblem::Unknown(names.split(", ").map(str::to_string).collect()),
            None => FilterProblem::Syntax(Exit::failure(message)),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(args: &[&str]) -> Request {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        super::super::args::getopt("lsns", &args)
    }

    pub(crate) fn config(args: &[&str]) -> Result<Config, Exit> {
        match Config::from_request(&request(args))? {
            Action::List(config) => Ok(*config),
            _ => Err(Exit::failure("not a listing")),
        }
    }

    fn message(args: &[&str]) -> Option<String> {
        Config::from_request(&request(args))
            .err()
            .map(|e| e.message)
    }

    #[test]
    fn default_tree_follows_lsns_force_list() {
        let tree = |args: &[&str]| config(args).map(|c| c.tree).ok();
        assert_eq!(tree(&[]), Some(Tree::Process));
        assert_eq!(tree(&["-J"]), Some(Tree::Process));
        assert_eq!(tree(&["-l"]), Some(Tree::None));
        assert_eq!(tree(&["-l", "-l"]), Some(Tree::None));
        assert_eq!(tree(&["-o", "NS"]), Some(Tree::Process));
        assert_eq!(tree(&["--output-all"]), Some(Tree::None));
        assert_eq!(tree(&["-l", "1234"]), Some(Tree::None));
        assert_eq!(tree(&["-T"]), Some(Tree::Owner));
        assert_eq!(tree(&["-l", "-T"]), Some(Tree::Owner), "lsns accepts -l -T");
        assert_eq!(tree(&["--tree=parent"]), Some(Tree::Parent));
        assert_eq!(tree(&["-T=parent"]), Some(Tree::Parent));
        assert_eq!(tree(&["-l", "-Tparent"]), Some(Tree::Parent));
    }

    #[test]
    fn columns_from_options() {
        let names = |c: &Config| c.columns.iter().map(|c| c.name()).collect::<Vec<_>>();
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
        // The last -o wins, as in lsns.
        let c = config(&["-o", "NS", "-o", "TYPE"]).expect("valid");
        assert_eq!(names(&c), ["TYPE"]);
    }

    #[test]
    fn bad_input_gives_lsns_messages_in_lsns_order() {
        let m = |args: &[&str]| message(args).unwrap_or_default();
        assert_eq!(m(&["-o", "NS,foo"]), "unknown column: foo");
        assert_eq!(m(&["-o", ""]), "", "silent, exit 1");
        assert_eq!(m(&["-o", "NS,,PID"]), "");
        assert_eq!(m(&["-t", "foo"]), "unknown namespace type: foo");
        assert_eq!(m(&["-p", "abc"]), "invalid PID argument: 'abc'");
        assert_eq!(
            m(&["-p", "0"]),
            "invalid PID argument: '0': Numerical result out of range"
        );
        assert!(config(&["-p", " +5"]).is_ok_and(|c| c.task == Some(5)));
        assert_eq!(m(&["abc"]), "invalid namespace argument: 'abc'");
        assert_eq!(
            m(&["--", "-1"]),
            "invalid namespace argument: '-1': Numerical result out of range"
        );
        assert_eq!(
            m(&["-p", "1", "4026531836"]),
            "--task is mutually exclusive with <namespace>"
        );
        assert_eq!(
            m(&["-J", "-r"]),
            "options --json and --raw cannot be combined"
        );
        assert_eq!(
            m(&["-r", "-J"]),
            "options --raw and --json cannot be combined"
        );
        assert_eq!(
            m(&["-P", "-p", "1"]),
            "options --persistent and --task cannot be combined"
        );
        assert_eq!(m(&["--tree=foo"]), "unknown tree type: foo");
        assert_eq!(m(&["--tree="]), "unknown tree type: ");
        assert_eq!(m(&["-t", "foo", "-p", "0"]), "unknown namespace type: foo");
        assert_eq!(m(&["-p", "0", "--bogus"]), m(&["-p", "0"]));
        assert!(matches!(
            Config::from_request(&request(&["--bogus", "-p", "0"])),
            Ok(Action::Usage(m)) if m == "lsns: unrecognized option '--bogus'"
        ));
        assert!(m(&["-Q", "NS > "]).starts_with("failed to parse \"NS > \": "));
        let unknown = config(&["-Q", "FOO == 1 && BAR > 2"]).expect("reported after the scan");
        assert_eq!(unknown.filter_unknown, ["FOO", "BAR"]);
        assert!(
            config(&["-Q", "FOO == 1", "-Q", "NS > 0"]).is_ok_and(|c| c.filter_unknown.is_empty())
        );
        assert!(matches!(
            Config::from_request(&request(&["-h", "-X"])),
            Ok(Action::Help)
        ));
    }

    #[test]
    fn scanner_features_follow_the_output() {
        let base = ScanOptions::default();
        let options = |args: &[&str]| config(args).expect("valid").scan_options(base.clone());
        let plain = options(&["-l"]);
        assert!(plain.fds && plain.mounts && plain.threads && !plain.relations);
        assert!(options(&["-l", "-o", "+PNS"]).relations);
        assert!(options(&["-Towner"]).relations);
        assert!(options(&["-P"]).relations);
        let task = options(&["-p", "1"]);
        assert!(!task.fds && !task.threads && !task.mounts && !task.relations);
        let members = options(&["-l", "4026531836"]);
        assert!(!members.fds && !members.mounts);
    }

    #[test]
    fn extensions_are_wanted_only_when_asked_for() {
        let wanted = |args: &[&str]| config(args).expect("valid").wanted();
        let all = wanted(&["--output-all"]);
        assert!(!all.hostname && !all.container && !all.uidmap && !all.hostns);
        let w = wanted(&["-o", "NS,uidmap", "-Q", r#"HOSTNS == "no""#]);
        assert!(w.uidmap && w.hostns && !w.hostname && !w.container && !w.netnsid);
        assert!(wanted(&["-t", "net"]).netnsid);
        assert!(!wanted(&["-t", "user", "-o", "+NETNSID"]).netnsid);
    }
}
