//! `nsview enter`'s arguments, validated: the raw clap values become one [`Config`] that the
//! rest of `enter` reads. Pure, no I/O.

use std::path::PathBuf;

use crate::cli::EnterArgs;
use crate::kernel::parse_decimal;
use crate::model::{Inode, NsKind, Pid};

/// Where `-r/--root` or `-w/--wd` should point after entering.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DirChoice {
    /// Not given: leave it as setns leaves it.
    Keep,
    /// Given without a value: the holder process's root or cwd (as nsenter's `-r`/`-w`).
    Holder,
    /// Given with a directory, opened before any namespace is entered (as nsenter does).
    Path(PathBuf),
}

/// Everything `enter` needs to know, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// None: `--pid` alone, as `nsenter -t PID`: that process's namespace (of `--type`, else
    /// all of them).
    pub inode: Option<Inode>,
    /// The type the user asked for: from `type:[inode]` and/or `--type` (they must agree).
    pub kind: Option<NsKind>,
    /// The 64-bit namespace id the caller saw (`--ns-id`): the namespace must still have it.
    pub ns_id: Option<u64>,
    pub all: bool,
    /// `--mount`: also the holder's mount namespace (implied by `all`).
    pub mount: bool,
    pub pid: Option<Pid>,
    pub root: DirChoice,
    pub wd: DirChoice,
    pub preserve_credentials: bool,
    pub uid: Option<u32>,
    pub gid: Option<u32>,
    /// Empty: run the user's shell.
    pub command: Vec<String>,
}

/// Parses `4026532301` or `net:[4026532301]` into an optional type and the inode.
pub fn parse_namespace_arg(text: &str) -> Result<(Option<NsKind>, Inode), String> {
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
            "invalid namespace '{text}': unknown type '{name}' (mnt, net, pid, uts, ipc, user, \
             cgroup, time)"
        )
    })?;
    Ok((Some(kind), inode))
}

fn dir_choice(value: &Option<Option<PathBuf>>) -> DirChoice {
    match value {
        None => DirChoice::Keep,
        Some(None) => DirChoice::Holder,
        Some(Some(path)) => DirChoice::Path(path.clone()),
    }
}

impl Config {
    pub fn from_args(args: &EnterArgs) -> Result<Config, String> {
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
                    "name a namespace (an inode, or TYPE:[INODE]) or a process with --pid PID"
                        .into(),
                );
            }
        };
        let type_kind = match &args.kind {
            None => None,
            Some(name) => Some(NsKind::from_name(name).ok_or_else(|| {
                format!(
                    "invalid --type '{name}': expected mnt, net, pid, uts, ipc, user, cgroup or \
                     time"
                )
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
                parse_decimal(text.as_bytes())
                    .and_then(|n| Pid::try_from(n).ok())
                    .filter(|&n| n > 0)
                    .ok_or_else(|| format!("invalid --pid '{text}': expected a process id"))?,
            ),
        };
        let ns_id = match &args.ns_id {
            None => None,
            Some(text) => Some(
                parse_decimal(text.as_bytes())
                    .filter(|&n| n > 0)
                    .ok_or_else(|| format!("invalid --ns-id '{text}': expected a namespace id"))?,
            ),
        };
        // `--pid` alone names no type: every namespace of that process (`nsenter -t PID -a`).
        let all = args.all || (inode.is_none() && kind.is_none());
        Ok(Config {
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
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::cli::{Cli, Command};

    fn config(argv: &[&str]) -> Result<Config, String> {
        let cli = Cli::try_parse_from(["nsview", "enter"].iter().chain(argv))
            .map_err(|e| e.to_string())?;
        match cli.command {
            Some(Command::Enter(args)) => Config::from_args(&args),
            other => Err(format!("not enter: {other:?}")),
        }
    }

    #[test]
    fn parses_namespace_arguments() {
        type Parsed = Option<(Option<NsKind>, Inode)>;
        let table: &[(&str, Parsed)] = &[
            ("4026532301", Some((None, 4026532301))),
            ("net:[4026532301]", Some((Some(NsKind::Net), 4026532301))),
            ("time:[1]", Some((Some(NsKind::Time), 1))),
            ("abc", None),
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
    fn builds_a_config_from_the_command_line() {
        let c = config(&["--ns-id", "77", "net:[42]", "true"]).expect("valid");
        assert_eq!(
            (c.kind, c.inode, c.ns_id),
            (Some(NsKind::Net), Some(42), Some(77))
        );
        let c = config(&["net:[42]", "ip", "-br", "link"]).expect("valid");
        assert_eq!((c.kind, c.inode), (Some(NsKind::Net), Some(42)));
        assert_eq!(c.command, ["ip", "-br", "link"]);
        assert_eq!(
            (c.root.clone(), c.wd.clone()),
            (DirChoice::Keep, DirChoice::Keep)
        );

        let c = config(&["--all", "--pid", "7", "-r", "-w=/tmp", "-S", "5", "42"]).expect("valid");
        assert_eq!(c.root, DirChoice::Holder);
        let c =
            config(&["--all", "--pid", "7", "-r", "--wd=/tmp", "-S", "5", "42"]).expect("valid");
        assert!(c.all);
        assert_eq!(c.pid, Some(7));
        assert_eq!(c.root, DirChoice::Holder);
        assert_eq!(c.wd, DirChoice::Path("/tmp".into()));
        assert_eq!((c.uid, c.gid), (Some(5), None));
        assert!(c.command.is_empty());

        // Options after the namespace belong to the command.
        let c = config(&["42", "ls", "-a", "--all"]).expect("valid");
        assert!(!c.all);
        assert_eq!(c.command, ["ls", "-a", "--all"]);

        // `--pid` without a namespace, as `nsenter -t PID`: a word that is no namespace
        // starts the command, and no type means all of that process's namespaces.
        let c = config(&["--all", "--pid", "7", "ps", "-ef"]).expect("valid");
        assert_eq!((c.inode, c.pid, c.all), (None, Some(7), true));
        assert_eq!(c.command, ["ps", "-ef"]);
        let c = config(&["--pid", "7", "hostname"]).expect("valid");
        assert_eq!((c.inode, c.all), (None, true));
        assert_eq!(c.command, ["hostname"]);
        let c = config(&["--pid", "7"]).expect("valid");
        assert_eq!((c.inode, c.all), (None, true));
        assert!(c.command.is_empty());
        // --mount: the namespace named and the holder's mount namespace.
        let c = config(&["--mount", "--pid", "7", "pid:[42]", "ps"]).expect("valid");
        assert_eq!((c.inode, c.mount, c.all), (Some(42), true, false));
        assert_eq!(c.command, ["ps"]);
        // With --type, only that one of the process's namespaces.
        let c = config(&["--pid", "7", "-t", "net", "ip", "link"]).expect("valid");
        assert_eq!((c.inode, c.kind, c.all), (None, Some(NsKind::Net), false));
        assert_eq!(c.command, ["ip", "link"]);
        // A word that parses as a namespace is one.
        let c = config(&["--pid", "7", "net:[42]", "ip"]).expect("valid");
        assert_eq!(
            (c.inode, c.command.clone()),
            (Some(42), vec!["ip".to_string()])
        );
    }

    #[test]
    fn refuses_bad_arguments() {
        for (argv, needle) in [
            (&["abc"][..], "invalid namespace 'abc'"),
            (&["net:[x]"], "invalid namespace 'net:[x]'"),
            (
                &["-t", "uts", "net:[42]"],
                "is a net namespace but --type says uts",
            ),
            (&["-t", "nett", "42"], "invalid --type 'nett'"),
            (&["--pid", "0", "42"], "invalid --pid '0'"),
            (&["--pid", "x", "42"], "invalid --pid 'x'"),
            (&["--ns-id", "x", "42"], "invalid --ns-id 'x'"),
            (&[][..], "or a process with --pid PID"),
        ] {
            let err = config(argv).expect_err("must be refused");
            assert!(err.contains(needle), "{argv:?}: {err}");
            assert!(!err.contains('\n'), "one line: {err}");
        }
        assert_eq!(
            config(&["-t", "net", "42"]).map(|c| c.kind),
            Ok(Some(NsKind::Net))
        );
    }
}
