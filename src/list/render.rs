//! The three output formats, as libsmartcols 2.42 prints them for lsns: the aligned table (with
//! tree art, multi-line NSFS cells, widths from [`super::layout`] and COMMAND truncation on a
//! terminal), raw (`\xNN` escapes), and JSON (`{"namespaces": [...]}` with nested `children`
//! for trees).
//!
//! Each renderer returns the whole text; the caller writes it once.

use std::fmt::Write as _;

use super::columns::{Column, JsonKind};
use super::layout::{ColumnInput, Layout, layout};
use super::rows::{Cell, Placed, Row, TreeSymbols, tree_order};
use crate::text::{raw_escape, raw_escape_bytes, safe_encode, truncate, width};

/// A finished table: columns, one cell per column for each row, and the tree links.
pub struct Table {
    pub columns: Vec<Column>,
    pub rows: Vec<Row>,
    pub cells: Vec<Vec<Cell>>,
    /// Index into `columns` of the column that carries the tree, if the table is a tree.
    pub tree_column: Option<usize>,
}

impl Table {
    /// Rows in print order with their tree art (empty when the table is flat).
    fn order(&self, symbols: &TreeSymbols) -> Vec<Placed> {
        if self.tree_column.is_some() {
            tree_order(&self.rows, symbols)
        } else {
            (0..self.rows.len())
                .map(|row| Placed {
                    row,
                    art: String::new(),
                    continuation: String::new(),
                })
                .collect()
        }
    }

    /// A cell's lines as bytes (see [`Cell::lines`]), the tree art in front of the first.
    fn lines(&self, row: usize, col: usize, art: &str, sep: Option<&str>) -> Vec<Vec<u8>> {
        let mut lines = self.cells[row][col].lines(sep);
        if self.tree_column == Some(col) {
            match lines.first_mut() {
                Some(first) => {
                    first.splice(0..0, art.bytes());
                }
                None => lines.push(art.as_bytes().to_vec()),
            }
        }
        lines
    }

    /// A cell on one line (lists joined by `sep`), as bytes, the tree art in front.
    fn line(&self, row: usize, col: usize, art: &str, sep: &str) -> Vec<u8> {
        self.lines(row, col, art, Some(sep)).concat()
    }

    /// The tree column is left-aligned even where the column normally is not (NS).
    fn right_aligned(&self, col: usize) -> bool {
        self.columns[col].right_aligned() && self.tree_column != Some(col)
    }
}

/// Options of the human table.
pub struct TableOptions {
    pub noheadings: bool,
    /// `-W`: lists (NSFS) on one line, comma-separated.
    pub nowrap: bool,
    /// `-u`: COMMAND is not truncated on a narrow terminal.
    pub notruncate: bool,
    /// The terminal's width when stdout is a terminal (libsmartcols fits and widens the table
    /// to it then).
    pub terminal: Option<usize>,
}

/// One printed row: its cells' lines (made safe for a terminal), and the tree art for the
/// tree column's continuation lines.
struct PrintedRow {
    cells: Vec<Vec<String>>,
    continuation: String,
}

/// The aligned table, as libsmartcols prints it: right-aligned columns (and their headers) pad
/// on the left; the last column is not padded on the right, and an empty last cell prints
/// nothing; a multi-line cell continues on following lines with the other cells blank (the
/// tree column drawing its vertical lines there).
pub fn table(table: &Table, options: &TableOptions, symbols: &TreeSymbols) -> String {
    let order = table.order(symbols);
    if order.is_empty() {
        return String::new();
    }
    let ncols = table.columns.len();
    let printed: Vec<PrintedRow> = order
        .iter()
        .map(|placed| PrintedRow {
            cells: (0..ncols)
                .map(|col| {
                    let lines =
                        table.lines(placed.row, col, &placed.art, options.nowrap.then_some(","));
                    lines.iter().map(|line| safe_encode(line)).collect()
                })
                .collect(),
            continuation: placed.continuation.clone(),
        })
        .collect();
    let layout = measure(table, &order, &printed, options);

    let mut out = String::new();
    if !options.noheadings {
        let header: Vec<String> = table.columns.iter().map(|c| c.name().to_string()).collect();
        push_line(&mut out, table, &layout, options.notruncate, &header);
    }
    for row in &printed {
        let height = row.cells.iter().map(Vec::len).max().unwrap_or(1);
        for n in 0..height {
            let line: Vec<String> = (0..ncols)
                .map(|col| match row.cells[col].get(n) {
                    Some(text) => text.clone(),
                    None if n > 0 && table.tree_column == Some(col) => row.continuation.clone(),
                    None => String::new(),
                })
                .collect();
            push_line(&mut out, table, &layout, options.notruncate, &line);
        }
    }
    out
}

/// Column widths from the cells (each cell's widest line), the headers and the hints.
fn measure(
    table: &Table,
    order: &[Placed],
    printed: &[PrintedRow],
    options: &TableOptions,
) -> Layout {
    let inputs: Vec<ColumnInput> = table
        .columns
        .iter()
        .enumerate()
        .map(|(col, column)| ColumnInput {
            header: (!options.noheadings).then(|| width(column.name())),
            hint: column.width_hint(),
            cells: printed
                .iter()
                .map(|row| row.cells[col].iter().map(|l| width(l)).max().unwrap_or(0))
                .collect(),
            trunc: column.truncates() && !options.notruncate,
            right: table.right_aligned(col),
            tree_art: (table.tree_column == Some(col))
                .then(|| order.iter().map(|p| width(&p.art)).max().unwrap_or(0)),
        })
        .collect();
    layout(&inputs, options.terminal)
}

fn push_line(out: &mut String, table: &Table, layout: &Layout, notruncate: bool, cells: &[String]) {
    let last = cells.len().checked_sub(1);
    let mut line = String::new();
    for (col, text) in cells.iter().enumerate() {
        let width_of = layout.widths[col];
        let text: String = if table.columns[col].truncates() && !notruncate {
            truncate(text, width_of)
        } else {
            text.clone()
        };
        let pad = width_of.saturating_sub(width(&text));
        let is_last = Some(col) == last;
        if table.right_aligned(col) {
            if !(is_last && text.is_empty()) {
                line.extend(std::iter::repeat_n(' ', pad));
            }
            line.push_str(&text);
        } else {
            line.push_str(&text);
            if !is_last {
                line.extend(std::iter::repeat_n(' ', pad));
            }
        }
        if !is_last {
            line.push(' ');
        }
    }
    out.push_str(&line);
    out.push('\n');
}

/// The raw format: cells separated by one space, escaped, NSFS comma-separated.
pub fn raw(table: &Table, noheadings: bool, symbols: &TreeSymbols) -> String {
    let order = table.order(symbols);
    if order.is_empty() {
        return String::new();
    }
    let mut out = String::new();
    if !noheadings {
        let header: Vec<&str> = table.columns.iter().map(|c| c.name()).collect();
        out.push_str(&header.join(" "));
        out.push('\n');
    }
    for placed in &order {
        let line: Vec<String> = (0..table.columns.len())
            .map(|col| raw_escape_bytes(&table.line(placed.row, col, &placed.art, ",")))
            .collect();
        out.push_str(&line.join(" "));
        out.push('\n');
    }
    out
}

/// A JSON string as util-linux's jsonwrt quotes it: `"` and `\` escaped, control characters
/// as short escapes or `\u00XX`, everything else (UTF-8 included) as is.
pub fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn indent(out: &mut String, level: usize) {
    for _ in 0..level {
        out.push_str("   ");
    }
}

/// JSON as lsns prints it: three-space indent, `},{` between objects, keys in lower case,
/// numbers bare, `null` for empty cells, NSFS as an array, `children` for trees.
pub fn json(table: &Table, name: &str) -> String {
    let mut out = String::from("{\n");
    indent(&mut out, 1);
    let _ = writeln!(out, "{}: [", json_string(name));
    let roots: Vec<usize> = if table.tree_column.is_some() {
        (0..table.rows.len())
            .filter(|&i| table.rows[i].parent.is_none())
            .collect()
    } else {
        (0..table.rows.len()).collect()
    };
    let children = if table.tree_column.is_some() {
        super::rows::children(&table.rows)
    } else {
        vec![Vec::new(); table.rows.len()]
    };
    json_objects(&mut out, table, &roots, &children, 2);
    out.push('\n');
    indent(&mut out, 1);
    out.push_str("]\n}\n");
    out
}

fn json_objects(
    out: &mut String,
    table: &Table,
    rows: &[usize],
    children: &[Vec<usize>],
    level: usize,
) {
    for (n, &row) in rows.iter().enumerate() {
        if n == 0 {
            indent(out, level);
            out.push_str("{\n");
        } else {
            out.push_str(",{\n");
        }
        for (col, column) in table.columns.iter().enumerate() {
            if col > 0 {
                out.push_str(",\n");
            }
            indent(out, level + 1);
            let key = json_string(&column.name().to_ascii_lowercase());
            let _ = write!(out, "{key}: ");
            json_value(out, column.json_kind(), &table.cells[row][col]);
        }
        let kids = &children[row];
        if !kids.is_empty() {
            out.push_str(",\n");
            indent(out, level + 1);
            out.push_str("\"children\": [\n");
            json_objects(out, table, kids, children, level + 2);
            out.push('\n');
            indent(out, level + 1);
            out.push(']');
        }
        out.push('\n');
        indent(out, level);
        out.push('}');
    }
}

/// A value by the column's JSON type. NSFS is a string too: lsns 2.42 loses the second and
/// later mount points there; nsview keeps them, one per line as the table shows them.
fn json_value(out: &mut String, kind: JsonKind, cell: &Cell) {
    match kind {
        _ if cell.is_empty() => out.push_str("null"),
        JsonKind::Number => out.push_str(&cell.joined(",")),
        JsonKind::String => out.push_str(&json_string(&cell.joined("\n"))),
    }
}

/// What `--list-columns` appends to an extension's description, so nobody mistakes it for
/// an lsns column.
pub const EXTENSION_MARK: &str = " (nsview extension)";

/// `--list-columns`: name, JSON type and description, without headings (util-linux's
/// column-list table), or as JSON `{"lsns-columns": [...]}`. lsns's thirteen come first, then
/// nsview's extensions (unless `extensions` is false, as for nsview started as `lsns`), marked
/// with [`EXTENSION_MARK`]; one table, aligned as a whole.
pub fn column_list(raw_format: bool, json_format: bool, extensions: bool) -> String {
    let type_name = |c: Column| match c.json_kind() {
        JsonKind::Number => "<integer>",
        _ => "<string>",
    };
    let cells: Vec<[String; 3]> = Column::known()
        .filter(|c| extensions || c.extra().is_none())
        .map(|c| {
            let mark = if c.extra().is_some() {
                EXTENSION_MARK
            } else {
                ""
            };
            [
                c.name().to_string(),
                type_name(c).to_string(),
                format!("{}{mark}", c.help()),
            ]
        })
        .collect();
    if json_format {
        let mut out = String::from("{\n   \"lsns-columns\": [\n");
        for (n, [name, kind, help]) in cells.iter().enumerate() {
            out.push_str(if n == 0 { "      {\n" } else { ",{\n" });
            let _ = write!(
                out,
                "         \"holder\": {},\n         \"type\": {},\n         \"description\": {}\n      }}",
                json_string(name),
                json_string(kind),
                json_string(help)
            );
        }
        out.push_str("\n   ]\n}\n");
        return out;
    }
    if raw_format {
        return cells
            .iter()
            .map(|c| {
                let escaped: Vec<String> = c.iter().map(|t| raw_escape(t)).collect();
                escaped.join(" ") + "\n"
            })
            .collect();
    }
    let name_width = cells.iter().map(|c| width(&c[0])).max().unwrap_or(0);
    let type_width = cells.iter().map(|c| width(&c[1])).max().unwrap_or(0);
    cells
        .iter()
        .map(|[name, kind, help]| format!("{name:>name_width$} {kind:<type_width$} {help}\n"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::list::rows::{ASCII_SYMBOLS, UTF8_SYMBOLS};

    fn text(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }

    fn sample(tree: bool) -> Table {
        let row = |parent| Row {
            ns: 0,
            pid: None,
            parent,
        };
        Table {
            columns: vec![Column::Ns, Column::Pid, Column::Nsfs, Column::Command],
            rows: vec![row(None), row(Some(0)), row(None)],
            cells: vec![
                vec![
                    text("4026531840"),
                    text("1"),
                    Cell::List(vec![]),
                    text("init"),
                ],
                vec![
                    text("4026532000"),
                    text("250"),
                    Cell::List(vec!["/run/netns/a b".into(), "/x".into()]),
                    text("sleep 60"),
                ],
                vec![text("4026532001"), text(""), Cell::List(vec![]), text("")],
            ],
            tree_column: tree.then_some(3),
        }
    }

    #[test]
    fn byte_cells_escape_their_bytes_and_never_wrap() {
        let table_data = Table {
            columns: vec![Column::Pid, Column::Command],
            rows: vec![Row {
                ns: 0,
                pid: None,
                parent: None,
            }],
            cells: vec![vec![text("7"), Cell::Bytes(b"caf\xe9\nx".to_vec())]],
            tree_column: Some(1),
        };
        let options = TableOptions {
            noheadings: true,
            nowrap: false,
            notruncate: false,
            terminal: None,
        };
        assert_eq!(
            table(&table_data, &options, &UTF8_SYMBOLS),
            "7 caf\\xe9\\x0ax\n",
            "-n: the header's width does not count"
        );
        assert_eq!(raw(&table_data, true, &UTF8_SYMBOLS), "7 caf\\xe9\\x0ax\n");
        let value: serde_json::Value =
            serde_json::from_str(&json(&table_data, "namespaces")).expect("valid JSON");
        assert_eq!(value["namespaces"][0]["command"], "caf\u{fffd}\nx");
    }

    #[test]
    fn json_strings_escape_controls_only() {
        assert_eq!(json_string("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(json_string("x\ny\u{1}"), r#""x\ny\u0001""#);
        assert_eq!(json_string("café"), "\"café\"");
    }

    #[test]
    fn table_aligns_wraps_and_draws_tree() {
        let options = TableOptions {
            noheadings: false,
            nowrap: false,
            notruncate: false,
            terminal: None,
        };
        let got = table(&sample(true), &options, &UTF8_SYMBOLS);
        // PID: "250" is as wide as the header, so the width hint of 5 does not apply (2.42);
        // the continuation line draws the tree column's art; an empty last cell prints nothing.
        let expected = "        NS PID NSFS           COMMAND\n\
                        4026531840   1                init\n\
                        4026532000 250 /run/netns/a b └─sleep 60\n\
                        \x20              /x               \n\
                        4026532001                    \n";
        assert_eq!(got, expected);
    }

    #[test]
    fn nowrap_joins_nsfs_with_commas() {
        let options = TableOptions {
            noheadings: true,
            nowrap: true,
            notruncate: false,
            terminal: None,
        };
        let got = table(&sample(false), &options, &UTF8_SYMBOLS);
        assert!(got.contains("/run/netns/a b,/x sleep 60\n"), "{got}");
        assert!(!got.contains("NS PID"));
    }

    #[test]
    fn truncates_only_command_and_only_when_limited() {
        let options = TableOptions {
            noheadings: false,
            nowrap: true,
            notruncate: false,
            terminal: Some(40),
        };
        let got = table(&sample(false), &options, &ASCII_SYMBOLS);
        for line in got.lines() {
            assert!(line.chars().count() <= 40, "{line:?}");
        }
        assert!(got.contains(" sleep 6\n"), "COMMAND gives way: {got}");
        assert!(got.contains("/run/netns/a b,/x"), "NSFS is never cut");
        // The header never shrinks below its own width.
        let narrow = TableOptions {
            terminal: Some(5),
            nowrap: false,
            ..options
        };
        assert!(table(&sample(false), &narrow, &ASCII_SYMBOLS).contains("COMMAND"));
    }

    #[test]
    fn raw_format() {
        let got = raw(&sample(true), false, &ASCII_SYMBOLS);
        assert_eq!(
            got,
            "NS PID NSFS COMMAND\n\
             4026531840 1  init\n\
             4026532000 250 /run/netns/a\\x20b,/x `-sleep\\x2060\n\
             4026532001   \n"
        );
    }

    #[test]
    fn json_types_and_children() {
        let got = json(&sample(true), "namespaces");
        let value: serde_json::Value = serde_json::from_str(&got).expect("valid JSON");
        let list = &value["namespaces"];
        assert_eq!(list.as_array().map(Vec::len), Some(2), "child is nested");
        assert_eq!(list[0]["ns"], serde_json::json!(4026531840u64));
        assert_eq!(
            list[0]["nsfs"],
            serde_json::Value::Null,
            "a string or null, as 2.42"
        );
        let child = &list[0]["children"][0];
        assert_eq!(child["pid"], serde_json::json!(250));
        assert_eq!(child["nsfs"], serde_json::json!("/run/netns/a b\n/x"));
        assert_eq!(child["command"], serde_json::json!("sleep 60"));
        assert_eq!(list[1]["pid"], serde_json::Value::Null);
        assert_eq!(list[1]["command"], serde_json::Value::Null);
        assert!(
            got.contains("      },{\n"),
            "lsns's object separator:\n{got}"
        );

        let flat = json(&sample(false), "namespaces");
        let value: serde_json::Value = serde_json::from_str(&flat).expect("valid JSON");
        assert_eq!(value["namespaces"].as_array().map(Vec::len), Some(3));
    }

    #[test]
    fn column_list_puts_marked_extensions_after_lsns_columns() {
        let text = column_list(false, false, true);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 18);
        assert!(lines[..13].iter().all(|l| !l.contains(EXTENSION_MARK)));
        assert!(lines[12].trim_start().starts_with("ONS <integer>"));
        let extras: Vec<&str> = lines[13..]
            .iter()
            .map(|l| l.split_whitespace().next().unwrap_or_default())
            .collect();
        assert_eq!(
            extras,
            ["HOSTNAME", "CONTAINER", "UIDMAP", "HOSTNS", "LEAK"]
        );
        assert!(
            lines[13..]
                .iter()
                .all(|l| l.ends_with(EXTENSION_MARK) && l.contains(" <string>  "))
        );
        // One table: names right-aligned to the widest (CONTAINER).
        assert!(lines[0].starts_with("       NS <integer>"), "{}", lines[0]);

        let raw_text = column_list(true, false, true);
        assert!(
            raw_text.contains(
                "\nHOSTNS <string> yes\\x20when\\x20it\\x20is\\x20the\\x20host's\\x20namespace\\x20\
                 (pid\\x201's)\\x20(nsview\\x20extension)\n"
            ),
            "{raw_text}"
        );

        let json_text = column_list(false, true, true);
        let value: serde_json::Value = serde_json::from_str(&json_text).expect("valid JSON");
        let list = value["lsns-columns"].as_array().expect("array");
        assert_eq!(list.len(), 18);
        assert_eq!(list[13]["holder"], "HOSTNAME");
        assert_eq!(list[13]["type"], "<string>");
        assert!(
            list[16]["description"]
                .as_str()
                .is_some_and(|d| d.ends_with(EXTENSION_MARK))
        );
    }

    #[test]
    fn extension_cells_render_as_strings_or_null() {
        let hostname = Column::Extra(crate::list::columns::Extension::Hostname);
        let row = |ns| Row {
            ns,
            pid: None,
            parent: None,
        };
        let table_data = Table {
            columns: vec![Column::Ns, hostname, Column::Pid],
            rows: vec![row(1), row(2)],
            cells: vec![
                vec![text("4026531838"), text("a b"), text("1")],
                vec![text("4026532000"), text(""), text("12345")],
            ],
            tree_column: None,
        };
        let options = TableOptions {
            noheadings: false,
            nowrap: false,
            notruncate: false,
            terminal: None,
        };
        // Left-aligned, as wide as the header, the last column as before.
        assert_eq!(
            table(&table_data, &options, &UTF8_SYMBOLS),
            "        NS HOSTNAME   PID\n\
             4026531838 a b          1\n\
             4026532000          12345\n"
        );
        assert_eq!(
            raw(&table_data, false, &UTF8_SYMBOLS),
            "NS HOSTNAME PID\n4026531838 a\\x20b 1\n4026532000  12345\n"
        );
        let value: serde_json::Value =
            serde_json::from_str(&json(&table_data, "namespaces")).expect("valid JSON");
        assert_eq!(value["namespaces"][0]["hostname"], "a b");
        assert_eq!(value["namespaces"][1]["hostname"], serde_json::Value::Null);
    }

    #[test]
    fn empty_outputs() {
        let mut empty = sample(false);
        empty.rows.clear();
        empty.cells.clear();
        let options = TableOptions {
            noheadings: false,
            nowrap: false,
            notruncate: false,
            terminal: None,
        };
        assert_eq!(table(&empty, &options, &UTF8_SYMBOLS), "");
        assert_eq!(raw(&empty, false, &UTF8_SYMBOLS), "");
        assert_eq!(
            json(&empty, "namespaces"),
            "{\n   \"namespaces\": [\n\n   ]\n}\n"
        );
    }
}
