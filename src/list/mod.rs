//! `nsview --list` and nsview as `lsns`: the lsns-compatible face (columns, table, raw,
//! JSON, trees, filters).
//!
//! Arguments arrive as a [`args::Request`] (lsns-style argv or clap's) and become one validated
//! [`Config`] ([`config`]), with lsns's messages and exit codes for bad input. The config says
//! which scanner features and enrichments the output needs; the driver (`crate::lsns`) scans
//! and enriches, and this face only reads the snapshot: rows ([`rows`]) are chosen, cells
//! filled and the table rendered ([`render`](mod@render), widths from [`layout`]) into one string.

pub mod args;
pub mod columns;
pub mod config;
pub mod filter;
pub mod layout;
pub mod render;
pub mod rows;

use std::collections::HashSet;

use self::columns::Column;
pub use self::config::{Action, Config, Format};
use self::render::{Table, TableOptions};
use self::rows::{CellSource, Row, TreeSymbols};
use crate::error::Exit;
use crate::model::{Holder, Inode, Namespace, NsKind, Process, Snapshot};

/// Where the output goes, as far as its look depends on it.
#[derive(Clone, Copy, Debug, Default)]
pub struct Output {
    /// The terminal's width when stdout is a terminal (libsmartcols fits the table to it).
    pub terminal: Option<usize>,
    /// Line-drawing tree art (a UTF-8 locale) rather than ASCII.
    pub utf8: bool,
}

/// The finished output, and which namespaces its rows show (the driver's stderr note mentions
/// refused holders of those).
pub struct Rendered {
    pub text: String,
    pub namespaces: HashSet<Inode>,
}

/// The whole output for `config` over an (enriched) snapshot. A `<namespace>` that is not in
/// the snapshot fails as lsns does; one with no process prints nothing.
pub fn render(config: &Config, snapshot: &Snapshot, output: Output) -> Result<Rendered, Exit> {
    let source = CellSource {
        snapshot,
        nowrap: config.nowrap,
    };
    let rows = select_rows(config, snapshot, &source)?;
    let namespaces = rows.iter().map(|row| row.ns).collect();
    let table = fill_table(config, snapshot, &source, rows);
    let symbols = if output.utf8 {
        &rows::UTF8_SYMBOLS
    } else {
        &rows::ASCII_SYMBOLS
    };
    Ok(Rendered {
        text: format_table(config, &table, output, symbols),
        namespaces,
    })
}

/// Which rows, in which order and under which tree parents (`-Q` decides per candidate).
fn select_rows(
    config: &Config,
    snapshot: &Snapshot,
    source: &CellSource<'_>,
) -> Result<Vec<Row>, Exit> {
    let keep = |ns: &Namespace, proc: Option<&Process>| match &config.filter {
        None => true,
        Some(filter) => filter.matches(&|name: &str| {
            Column::from_name(name).map_or(filter::FilterValue::Empty, |column| {
                filter_value(column, &source.cell(column, ns, proc))
            })
        }),
    };
    Ok(match config.namespace {
        Some(inode) => {
            let ns = snapshot
                .namespace(inode)
                .filter(|ns| config.types.contains(&ns.kind))
                .ok_or_else(|| Exit::failure(format!("not found namespace: {inode}")))?;
            rows::process_rows(snapshot, ns, config.tree, &keep)
        }
        None => {
            let visible = visible_namespaces(snapshot, &config.types, config.wants_relations());
            let selected = |ns: &Namespace| {
                (!config.persistent || ns.members.is_empty())
                    && config
                        .task
                        .is_none_or(|pid| ns.members.binary_search(&pid).is_ok())
            };
            rows::namespace_rows(snapshot, &visible, &selected, config.tree, &keep)
        }
    })
}

/// One cell per shown column for every row.
fn fill_table(
    config: &Config,
    snapshot: &Snapshot,
    source: &CellSource<'_>,
    rows: Vec<Row>,
) -> Table {
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
    Table {
        columns: config.columns.clone(),
        rows,
        cells,
        tree_column,
    }
}

fn format_table(config: &Config, table: &Table, output: Output, symbols: &TreeSymbols) -> String {
    match config.format {
        Format::Json => render::json(table, "namespaces"),
        Format::Raw => render::raw(table, config.noheadings, symbols),
        Format::Table => render::table(
            table,
            &TableOptions {
                noheadings: config.noheadings,
                nowrap: config.nowrap,
                notruncate: config.notruncate,
                terminal: output.terminal,
            },
            symbols,
        ),
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::{ScanOptions, scan};

    fn config(args: &[&str]) -> Config {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        match Config::from_request(&args::getopt("lsns", &args)) {
            Ok(Action::List(config)) => *config,
            _ => panic!("not a listing: {args:?}"),
        }
    }

    #[test]
    fn a_namespace_argument_without_processes_prints_nothing() {
        let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/basic/proc");
        let snapshot = scan(&ScanOptions::for_root(Some(root))).expect("fixture scan");
        let processless = snapshot
            .namespaces
            .values()
            .find(|ns| ns.members.is_empty())
            .expect("the fixture has a process-less namespace")
            .inode
            .to_string();
        let out = render(&config(&[&processless]), &snapshot, Output::default());
        assert_eq!(out.ok().map(|r| r.text).as_deref(), Some(""));
        let json = render(&config(&["-J", &processless]), &snapshot, Output::default());
        assert_eq!(
            json.ok().map(|r| r.text).as_deref(),
            Some("{\n   \"namespaces\": [\n\n   ]\n}\n")
        );
        let missing = render(&config(&["99"]), &snapshot, Output::default());
        assert_eq!(
            missing.err().map(|e| e.message),
            Some("not found namespace: 99".to_string())
        );
    }
}
