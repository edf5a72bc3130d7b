//! The command lines of the children the UI starts (`s`, `x`, `e`): pure functions from what
//! the user selected to `nsview enter …` arguments, so they are unit-tested without a terminal.
//!
//! Every launch names the namespace as it was displayed: its type and inode (`uts:[4026532301]`)
//! and, where the scan had it, its 64-bit id (`--ns-id`), so `enter` can refuse a namespace
//! that died and whose inode was reused. A process is entered with all of its namespaces
//! (`--all --pid PID`, as `docker exec` and `nsenter -a -t PID` do); a pid namespace through
//! its init with all of the init's namespaces, so the shell also sees that namespace's mount
//! table (its /proc) and `ps` works.

use crate::model::{Inode, NsKind, Pid};

/// What the user asked to step into.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub kind: NsKind,
    pub inode: Inode,
    pub ns_id: Option<u64>,
    /// Enter every namespace of this process (`--all --pid PID`).
    pub all_of: Option<Pid>,
}

impl Target {
    /// `uts:[4026532301]`, as `/proc/PID/ns` links read.
    pub fn label(&self) -> String {
        self.kind.label(self.inode).to_string()
    }
}

/// `nsview enter` arguments for `target`, running `command` (None: the user's shell). Options
/// come before the namespace so that nothing after it is mistaken for the command.
pub fn enter_args(target: &Target, command: Option<&str>) -> Vec<String> {
    let mut args = vec!["enter".to_string()];
    if let Some(id) = target.ns_id {
        args.extend(["--ns-id".into(), id.to_string()]);
    }
    if let Some(pid) = target.all_of {
        args.extend(["--all".into(), "--pid".into(), pid.to_string()]);
    }
    args.push(target.label());
    if let Some(line) = command {
        // A command line, not a word list: a shell inside parses it, as `watch` and `ssh` do.
        args.extend(["--".into(), "/bin/sh".into(), "-c".into(), line.to_string()]);
    }
    args
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_namespace_is_named_by_type_inode_and_id() {
        let target = Target {
            kind: NsKind::Uts,
            inode: 4026532202,
            ns_id: Some(1202),
            all_of: None,
        };
        assert_eq!(
            enter_args(&target, None),
            ["enter", "--ns-id", "1202", "uts:[4026532202]"]
        );
        let without_id = Target {
            ns_id: None,
            ..target.clone()
        };
        assert_eq!(enter_args(&without_id, None), ["enter", "uts:[4026532202]"]);
    }

    #[test]
    fn a_process_or_pid_namespace_is_entered_with_all_namespaces() {
        let target = Target {
            kind: NsKind::Pid,
            inode: 4026532204,
            ns_id: Some(1204),
            all_of: Some(2001),
        };
        assert_eq!(
            enter_args(&target, Some("ps -e; echo 'a b'")),
            [
                "enter",
                "--ns-id",
                "1204",
                "--all",
                "--pid",
                "2001",
                "pid:[4026532204]",
                "--",
                "/bin/sh",
                "-c",
                "ps -e; echo 'a b'"
            ]
        );
    }

    #[test]
    fn every_launch_parses_as_an_enter_command_line() {
        use clap::Parser;
        let target = Target {
            kind: NsKind::Net,
            inode: 4026532300,
            ns_id: Some(7),
            all_of: Some(42),
        };
        for command in [None, Some("ip -br addr")] {
            let args = enter_args(&target, command);
            let cli = crate::cli::Cli::try_parse_from(std::iter::once("nsview".into()).chain(args))
                .expect("enter accepts what the UI builds");
            let Some(crate::cli::Command::Enter(enter)) = cli.command else {
                panic!("not an enter command");
            };
            assert_eq!(enter.namespace.as_deref(), Some("net:[4026532300]"));
            // This build's enter checks the id: the UI passes it.
            assert_eq!(enter.ns_id.as_deref(), Some("7"));
            assert!(enter.all);
            assert_eq!(enter.pid.as_deref(), Some("42"));
            let want: Vec<String> = command
                .map(|c| vec!["/bin/sh".into(), "-c".into(), c.into()])
                .unwrap_or_default();
            assert_eq!(enter.command, want);
        }
    }
}
