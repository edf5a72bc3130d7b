//! lsns's thirteen output columns and nsview's extra ones: names, help texts, alignment, JSON
//! types, and the `-o LIST` parser (case-insensitive names, `+LIST` appends to the defaults).
//!
//! The table is util-linux's `infos[]` in `sys-utils/lsns.c`, in the same order, because
//! `--output-all` and `--list-columns` print them in that order. The extensions
//! ([`Extension`]: HOSTNAME, CONTAINER, UIDMAP, HOSTNS) are filled into the snapshot by the
//! enrichment step (`details::enrich`); they are only shown when asked for by name, never by
//! default nor by `--output-all`, so that output stays lsns's byte for byte.

use crate::error::Exit;

/// nsview's own columns, values the enrichment step put into each namespace's `extras`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Extension {
    Hostname,
    Container,
    Uidmap,
    Hostns,
    /// The leak verdict of a namespace no process is in (`nsview leaks`).
    Leak,
}

impl Extension {
    pub fn name(self) -> &'static str {
        match self {
            Extension::Hostname => "HOSTNAME",
            Extension::Container => "CONTAINER",
            Extension::Uidmap => "UIDMAP",
            Extension::Hostns => "HOSTNS",
            Extension::Leak => "LEAK",
        }
    }

    pub fn help(self) -> &'static str {
        match self {
            Extension::Hostname => "hostname of the UTS namespace of the namespace's process",
            Extension::Container => "container (runtime and short id) from cgroup paths",
            Extension::Uidmap => "uid map of a user namespace (inside→outside/count)",
            Extension::Hostns => "yes when it is the host's namespace (pid 1's)",
            Extension::Leak => "leak verdict of a namespace without processes (nsview leaks)",
        }
    }
}

/// One output column: lsns's, or an nsview extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Column {
    Ns,
    Type,
    Path,
    Nprocs,
    Pid,
    Ppid,
    Command,
    Uid,
    User,
    Netnsid,
    Nsfs,
    Pns,
    Ons,
    /// Not in lsns; a string column whose values the enrichment step filled in.
    Extra(Extension),
}

/// How a column's cells appear in JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonKind {
    /// A bare number, `null` when empty.
    Number,
    /// A quoted string, `null` when empty.
    String,
}

/// lsns's `columns[]` holds this many (`ARRAY_SIZE(infos) * 2`); more fail silently.
pub const MAX_COLUMNS: usize = 26;

impl Column {
    pub const ALL: [Column; 13] = [
        Column::Ns,
        Column::Type,
        Column::Path,
        Column::Nprocs,
        Column::Pid,
        Column::Ppid,
        Column::Command,
        Column::Uid,
        Column::User,
        Column::Netnsid,
        Column::Nsfs,
        Column::Pns,
        Column::Ons,
    ];

    /// nsview's extensions, in `--list-columns` order after lsns's.
    pub const EXTRAS: [Column; 5] = [
        Column::Extra(Extension::Hostname),
        Column::Extra(Extension::Container),
        Column::Extra(Extension::Uidmap),
        Column::Extra(Extension::Hostns),
        Column::Extra(Extension::Leak),
    ];

    /// Every column `-o` and `-Q` accept: lsns's, then the extensions.
    pub fn known() -> impl Iterator<Item = Column> {
        Column::ALL.into_iter().chain(Column::EXTRAS)
    }

    /// The extension behind this column, if it is one.
    pub fn extra(self) -> Option<Extension> {
        match self {
            Column::Extra(extra) => Some(extra),
            _ => None,
        }
    }

    /// The header, as lsns prints it (JSON keys are these in lower case).
    pub fn name(self) -> &'static str {
        match self {
            Column::Ns => "NS",
            Column::Type => "TYPE",
            Column::Path => "PATH",
            Column::Nprocs => "NPROCS",
            Column::Pid => "PID",
            Column::Ppid => "PPID",
            Column::Command => "COMMAND",
            Column::Uid => "UID",
            Column::User => "USER",
            Column::Netnsid => "NETNSID",
            Column::Nsfs => "NSFS",
            Column::Pns => "PNS",
            Column::Ons => "ONS",
            Column::Extra(extra) => extra.name(),
        }
    }

    pub fn help(self) -> &'static str {
        match self {
            Column::Ns => "namespace identifier (inode number)",
            Column::Type => "kind of namespace",
            Column::Path => "path to the namespace",
            Column::Nprocs => "number of processes in the namespace",
            Column::Pid => "lowest PID in the namespace",
            Column::Ppid => "PPID of the PID",
            Column::Command => "command line of the PID",
            Column::Uid => "UID of the PID",
            Column::User => "username of the PID",
            Column::Netnsid => "namespace ID as used by network subsystem",
            Column::Nsfs => "nsfs mountpoint (usually used network subsystem)",
            Column::Pns => "parent namespace identifier (inode number)",
            Column::Ons => "owner namespace identifier (inode number)",
            Column::Extra(extra) => extra.help(),
        }
    }

    /// lsns's width hint (the second field of its `infos[]`): libsmartcols widens a column to
    /// it when the data is narrower, so PID is 5 wide even when every PID has 4 digits.
    pub fn width_hint(self) -> usize {
        match self {
            Column::Ns | Column::Pns | Column::Ons => 10,
            Column::Type | Column::Nprocs | Column::Pid | Column::Ppid => 5,
            _ => 0,
        }
    }

    /// lsns's `SCOLS_FL_RIGHT`.
    pub fn right_aligned(self) -> bool {
        matches!(
            self,
            Column::Ns
                | Column::Nprocs
                | Column::Pid
                | Column::Ppid
                | Column::Uid
                | Column::Netnsid
                | Column::Pns
                | Column::Ons
        )
    }

    /// lsns's `SCOLS_FL_TRUNC`: the column that gives way when the terminal is too narrow.
    pub fn truncates(self) -> bool {
        self == Column::Command
    }

    pub fn json_kind(self) -> JsonKind {
        match self {
            Column::Ns
            | Column::Nprocs
            | Column::Pid
            | Column::Ppid
            | Column::Uid
            | Column::Pns
            | Column::Ons => JsonKind::Number,
            // NSFS too: lsns 2.42 gives it no JSON type, so a string or null.
            _ => JsonKind::String,
        }
    }

    /// Case-insensitive lookup by header name (ASCII only, as lsns's `c_strncasecmp`), the
    /// extensions included.
    pub fn from_name(name: &str) -> Option<Column> {
        Column::known().find(|c| c.name().eq_ignore_ascii_case(name))
    }
}

/// lsns's default columns; `-t net` adds NETNSID and NSFS before COMMAND.
pub fn defaults(net: bool) -> Vec<Column> {
    let mut columns = vec![
        Column::Ns,
        Column::Type,
        Column::Nprocs,
        Column::Pid,
        Column::User,
    ];
    if net {
        columns.extend([Column::Netnsid, Column::Nsfs]);
    }
    columns.push(Column::Command);
    columns
}

/// The defaults for `lsns <namespace>`: one row per process.
pub fn process_defaults() -> Vec<Column> {
    vec![Column::Pid, Column::Ppid, Column::User, Column::Command]
}

/// Applies an `-o` argument as util-linux's `string_add_to_idarray` does: a leading `+`
/// appends, anything else replaces. An unknown name fails with lsns's message, which quotes the
/// list from that name to its end; an empty list, an empty name or more than [`MAX_COLUMNS`]
/// fail silently (exit 1), as there.
pub fn apply_output_list(list: &str, columns: &mut Vec<Column>) -> Result<(), Exit> {
    let silent = || Exit::failure("");
    if list.is_empty() {
        return Err(silent());
    }
    let body = match list.strip_prefix('+') {
        Some(rest) => rest,
        None => {
            columns.clear();
            list
        }
    };
    if body.is_empty() {
        return Err(silent());
    }
    let bytes = body.as_bytes();
    let mut begin: Option<usize> = None;
    for p in 0..bytes.len() {
        if columns.len() >= MAX_COLUMNS {
            return Err(silent());
        }
        let start = *begin.get_or_insert(p);
        // A comma ends a name, and so does the string's end, which wins: `NS,` is one
        // (unknown) name there.
        let end = if p + 1 == bytes.len() {
            p + 1
        } else if bytes[p] == b',' {
            p
        } else {
            continue;
        };
        if end <= start {
            return Err(silent());
        }
        let column = Column::from_name(&body[start..end])
            .ok_or_else(|| Exit::failure(format!("unknown column: {}", &body[start..])))?;
        columns.push(column);
        begin = None;
        if end == bytes.len() {
            break;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_case_insensitive_and_exact() {
        assert_eq!(Column::from_name("ns"), Some(Column::Ns));
        assert_eq!(Column::from_name("NetNsId"), Some(Column::Netnsid));
        assert_eq!(Column::from_name("NSX"), None);
        assert_eq!(Column::from_name("N"), None);
        assert_eq!(Column::from_name(""), None);
        for column in Column::ALL {
            assert_eq!(Column::from_name(column.name()), Some(column));
        }
    }

    #[test]
    fn plus_appends_and_plain_replaces() {
        let mut columns = defaults(false);
        apply_output_list("+uid,pns", &mut columns).expect("valid");
        assert_eq!(columns.len(), 8);
        assert_eq!(&columns[6..], &[Column::Uid, Column::Pns]);

        apply_output_list("ns,TYPE", &mut columns).expect("valid");
        assert_eq!(columns, vec![Column::Ns, Column::Type]);
    }

    #[test]
    fn unknown_column_quotes_the_rest_of_the_list() {
        let mut columns = Vec::new();
        let err = apply_output_list("NS,foo,bar", &mut columns).expect_err("foo is unknown");
        assert_eq!(err.message, "unknown column: foo,bar");
        assert_eq!(err.code, 1);
        let err = apply_output_list("+FOO", &mut columns).expect_err("FOO is unknown");
        assert_eq!(err.message, "unknown column: FOO");
        let err = apply_output_list("NS,", &mut columns).expect_err("the end wins over the comma");
        assert_eq!(err.message, "unknown column: NS,");
        for silent in ["", "+", ",NS", "NS,,PID"] {
            let err = apply_output_list(silent, &mut columns).expect_err(silent);
            assert_eq!(err.message, "", "{silent}");
        }
    }

    #[test]
    fn column_limit_matches_lsns() {
        let mut columns = Vec::new();
        let list = vec!["NS"; MAX_COLUMNS].join(",");
        apply_output_list(&list, &mut columns).expect("26 is allowed");
        let err = apply_output_list("+NS", &mut columns).expect_err("27 is not");
        assert_eq!(err.message, "", "silently, as lsns");
    }

    #[test]
    fn net_defaults_add_netnsid_and_nsfs_before_command() {
        let names: Vec<_> = defaults(true).into_iter().map(Column::name).collect();
        assert_eq!(
            names,
            [
                "NS", "TYPE", "NPROCS", "PID", "USER", "NETNSID", "NSFS", "COMMAND"
            ]
        );
    }

    #[test]
    fn extensions_parse_like_lsns_columns_but_stay_out_of_all() {
        let hostname = Column::Extra(Extension::Hostname);
        assert_eq!(Column::from_name("hostname"), Some(hostname));
        assert_eq!(
            Column::from_name("Container"),
            Some(Column::Extra(Extension::Container))
        );
        assert_eq!(
            Column::from_name("UIDMAP"),
            Some(Column::Extra(Extension::Uidmap))
        );
        assert_eq!(
            Column::from_name("hostNS"),
            Some(Column::Extra(Extension::Hostns))
        );
        assert_eq!(Column::from_name("HOST"), None);
        assert!(Column::ALL.iter().all(|c| c.extra().is_none()));
        assert!(Column::EXTRAS.iter().all(|c| c.extra().is_some()));
        assert_eq!(Column::known().count(), 18);

        let mut columns = defaults(false);
        apply_output_list("+hostname,uidmap", &mut columns).expect("valid");
        assert_eq!(&columns[6..], &[hostname, Column::Extra(Extension::Uidmap)]);
        apply_output_list("NS,CONTAINER,HOSTNS", &mut columns).expect("valid");
        assert_eq!(
            columns.iter().map(|c| c.name()).collect::<Vec<_>>(),
            ["NS", "CONTAINER", "HOSTNS"]
        );
        let err = apply_output_list("NS,HOSTNAMES", &mut columns).expect_err("unknown");
        assert_eq!(err.message, "unknown column: HOSTNAMES");

        // Plain left-aligned strings without a width hint; they never give way to the terminal.
        for column in Column::EXTRAS {
            assert_eq!(column.json_kind(), JsonKind::String);
            assert!(!column.right_aligned() && !column.truncates());
            assert_eq!(column.width_hint(), 0);
        }
    }

    #[test]
    fn json_kinds_follow_lsns() {
        assert_eq!(Column::Ns.json_kind(), JsonKind::Number);
        assert_eq!(Column::Pns.json_kind(), JsonKind::Number);
        assert_eq!(Column::Netnsid.json_kind(), JsonKind::String);
        assert_eq!(Column::Nsfs.json_kind(), JsonKind::String);
        assert_eq!(Column::Command.json_kind(), JsonKind::String);
    }
}
