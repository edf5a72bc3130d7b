//! The `-Q/--filter` expression language of lsns (libsmartcols's scols-filter(5)), as a pure
//! module: a lexer, a hand-written recursive-descent parser and an evaluator over one row.
//!
//! The list face parses the user's expression once with [`parse`] (or [`parse_typed`]), then
//! asks [`Filter::matches`] for each row, handing it a closure that returns a cell by its
//! upper-case column name. Nothing here knows about namespaces or does I/O.
//!
//! # Grammar (as libsmartcols's `filter-parser.y` and `filter-scanner.l` really behave)
//!
//! ```text
//! filter  := logic END
//! logic   := compare ( ( "&&" | "and" | "AND" | "||" | "or" | "OR" ) compare )*
//! compare := unary ( cmpop unary | ("=~" | "!~") STRING )*
//! cmpop   := "==" | "!=" | "<" | "<=" | ">" | ">=" | eq ne lt le gt ge (or upper case)
//! unary   := ( "!" | "not" | "NOT" ) unary | primary
//! primary := NUMBER | FLOAT | STRING | "true" | "false" | "TRUE" | "FALSE" | COLUMN
//!          | "(" logic ")"
//! NUMBER  := [0-9]+ ( [KMGTPEZY] ("iB")? )?      (powers of 1024)
//! FLOAT   := [0-9]+ "." [0-9]+
//! STRING  := '"' [^"\n]* '"' | "'" [^'\n]* "'"  (no escapes; the value is trimmed)
//! COLUMN  := [a-zA-Z][a-zA-Z_.%:/0-9-]*           (case-insensitive; a keyword is not a column)
//! ```
//!
//! Precedence is the bison grammar's, not the man page's prose: `%left T_OR T_AND` puts `&&`
//! and `||` on ONE level, left-associative, so `A || B && C` is `(A || B) && C`. Comparisons,
//! `=~`, `!~` and `!` share the next level, so `!A == B` is `(!A) == B`. Use parentheses.
//!
//! # Semantics (from `filter-expr.c` and `filter-param.c`)
//!
//! - A column has a type (number or string; lsns gives NS, NPROCS, PID, PPID, UID, PNS and ONS
//!   the JSON number type, everything else is a string). A comparison picks one type for both
//!   sides: the common type if equal, else the type of the side that is not a column (so
//!   `PID == "1"` compares strings and `NETNSID == 0` compares numbers), a float beats an
//!   integer; then both sides are converted. A string that is not a number cannot become one:
//!   evaluation fails (lsns then dies with "failed to apply filter").
//! - An empty cell (lsns prints nothing) makes every numeric comparison false, `!=` included.
//!   As a string it sorts before every string and equals only another empty cell; `=~` sees "".
//!   An empty number column converted to a string reads "0" (libsmartcols copies the zero).
//! - A bare operand is true when non-empty: a string that is not "", a number that is not 0.
//!   So `-Q PNS` keeps rows whose parent namespace is not 0 and `-Q NSFS` rows with a bind mount.
//! - `&&`/`||` short-circuit; a column that is not needed is not read.
//! - `=~`/`!~` search (unanchored) the left side, converted to a string, for the regex.
//!
//! # Deviations from libsmartcols
//!
//! - Regexes use the `regex` crate, not POSIX ERE (`regcomp(REG_EXTENDED)`). Ordinary EREs
//!   (`^ $ . * + ? | () [] [[:class:]] {m,n}`) mean the same; this crate also accepts Perl
//!   classes like `\d` and `\w` (glibc only knows `\w`), has no back-references (ERE has none
//!   either), is Unicode-aware regardless of locale, and rejects a few sloppy patterns glibc
//!   accepts as literals (a lone `{`, `a{`).
//! - Errors libsmartcols misses or reports late are parse errors here, each one line:
//!   a character the scanner does not know (flex's default rule silently echoes it to stdout),
//!   an unterminated string, a number past 2^64-1 (strtoumax saturates silently), a non-string
//!   right side of `=~` (lsns reports "(null)"), and a left side of `=~` that is neither a column
//!   nor a string (lsns parses it, then fails every row with "failed to apply filter").
//! - Syntax errors keep bison's shape (`syntax error, unexpected OR`) but say "end of
//!   expression" for bison's "end of file", "column PID" for "HOLDER", add the offending text,
//!   and add `, expecting ')'` after an unclosed parenthesis.
//! - Nesting is limited to [`MAX_DEPTH`] levels so no input can overflow the stack.
//! - Unknown columns: lsns prints `unknown column: X` and `failed to initialize filter` on two
//!   lines; here it is one message naming all of them.
//! - A cell whose column has no declared type ([`parse`], [`ColumnType::Auto`]) takes its type
//!   from the cell: a [`FilterValue::Number`] is a number, text or an empty cell a string. That
//!   only differs from lsns when two empty number cells meet (`PID == PPID` on a process-less
//!   namespace: true as strings, false as numbers) or an empty number cell is compared with a
//!   string literal; [`parse_typed`] removes the difference.

mod eval;
mod lex;
mod parse;

use eval::truth;
use lex::{lex, one_line};
use parse::{Node, Parser, collect_columns};
use std::fmt;

/// Deepest nesting of parentheses, `!` and binary operators accepted; far beyond any real
/// filter, and low enough that parsing, evaluating and dropping never exhaust the stack.
pub const MAX_DEPTH: usize = 256;

/// One cell of a row, as the list face hands it to the filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FilterValue {
    Number(i64),
    Text(String),
    /// Nothing to show (lsns leaves the cell blank), not the empty string.
    Empty,
}

/// The declared type of a column, as lsns's JSON type gives it to libsmartcols.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    Number,
    Text,
    /// Decide per cell from the [`FilterValue`] variant (see the module docs).
    Auto,
}

/// A parse (or evaluation) error; `Display` is the one-line message without a program prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterError {
    message: String,
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for FilterError {}

/// A parsed filter expression.
#[derive(Debug)]
pub struct Filter {
    root: Node,
}

/// Parses `expr`; `columns` are the known upper-case column names, each typed
/// [`ColumnType::Auto`].
pub fn parse(expr: &str, columns: &[&str]) -> Result<Filter, FilterError> {
    let typed: Vec<(&str, ColumnType)> = columns.iter().map(|c| (*c, ColumnType::Auto)).collect();
    parse_typed(expr, &typed)
}

/// Parses `expr` against columns with declared types, for libsmartcols's exact conversions.
pub fn parse_typed(expr: &str, columns: &[(&str, ColumnType)]) -> Result<Filter, FilterError> {
    let syntax_error = |message: String| FilterError {
        message: format!("failed to parse \"{}\": {message}", one_line(expr)),
    };
    let tokens = lex(expr).map_err(syntax_error)?;
    let mut parser = Parser {
        tokens,
        pos: 0,
        columns,
        unknown: Vec::new(),
    };
    let root = parser.filter().map_err(syntax_error)?;
    if !parser.unknown.is_empty() {
        let plural = if parser.unknown.len() > 1 { "s" } else { "" };
        return Err(FilterError {
            message: format!(
                "failed to initialize filter: unknown column{plural}: {}",
                parser.unknown.join(", ")
            ),
        });
    }
    Ok(Filter { root })
}

impl Filter {
    /// Whether the row passes. A row on which evaluation fails (a string column compared with
    /// a number, and the cell is not a number) does not pass; see [`Filter::evaluate`].
    pub fn matches(&self, row: &dyn Fn(&str) -> FilterValue) -> bool {
        self.evaluate(row).unwrap_or(false)
    }

    /// Like [`Filter::matches`], but says why evaluation failed, as lsns's
    /// `failed to apply filter` does.
    pub fn evaluate(&self, row: &dyn Fn(&str) -> FilterValue) -> Result<bool, FilterError> {
        truth(&self.root, row).map_err(|message| FilterError {
            message: format!("failed to apply filter: {message}"),
        })
    }

    /// The columns the expression reads, upper-case, deduplicated, in order of appearance.
    pub fn columns(&self) -> Vec<String> {
        let mut out = Vec::new();
        collect_columns(&self.root, &mut out);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLUMNS: [&str; 13] = [
        "NS", "TYPE", "PATH", "NPROCS", "PID", "PPID", "COMMAND", "UID", "USER", "NETNSID", "NSFS",
        "PNS", "ONS",
    ];

    /// lsns's JSON number columns; the rest are strings.
    fn lsns_types() -> Vec<(&'static str, ColumnType)> {
        let numbers = ["NS", "NPROCS", "PID", "PPID", "UID", "PNS", "ONS"];
        COLUMNS
            .iter()
            .map(|c| {
                let ty = if numbers.contains(c) {
                    ColumnType::Number
                } else {
                    ColumnType::Text
                };
                (*c, ty)
            })
            .collect()
    }

    use FilterValue::{Empty, Number as N};
    fn t(s: &str) -> FilterValue {
        FilterValue::Text(s.to_string())
    }

    /// A: the host netns with init; B: a process-less netns held by `ip netns add`;
    /// C: a user namespace with a sleeper in it.
    fn rows() -> [Vec<(&'static str, FilterValue)>; 3] {
        [
            vec![
                ("NS", N(4026531840)),
                ("TYPE", t("net")),
                ("PATH", t("/proc/1/ns/net")),
                ("NPROCS", N(120)),
                ("PID", N(1)),
                ("PPID", N(0)),
                ("COMMAND", t("/sbin/init splash")),
                ("UID", N(0)),
                ("USER", t("root")),
                ("NETNSID", t("0")),
                ("NSFS", Empty),
                ("PNS", N(0)),
                ("ONS", N(4026531837)),
            ],
            vec![
                ("NS", N(4026532500)),
                ("TYPE", t("net")),
                ("PATH", t("/run/netns/blue")),
                ("NPROCS", N(0)),
                ("PID", Empty),
                ("PPID", Empty),
                ("COMMAND", Empty),
                ("UID", N(0)),
                ("USER", t("root")),
                ("NETNSID", t("1")),
                ("NSFS", t("/run/netns/blue")),
                ("PNS", N(0)),
                ("ONS", N(4026531837)),
            ],
            vec![
                ("NS", N(4026532600)),
                ("TYPE", t("user")),
                ("PATH", t("/proc/4242/ns/user")),
                ("NPROCS", N(2)),
                ("PID", N(4242)),
                ("PPID", N(4200)),
                ("COMMAND", t("sleep 60")),
                ("UID", N(1000)),
                ("USER", t("alice")),
                ("NETNSID", Empty),
                ("NSFS", Empty),
                ("PNS", N(4026531837)),
                ("ONS", N(4026531837)),
            ],
        ]
    }

    fn lookup(row: &[(&'static str, FilterValue)], column: &str) -> FilterValue {
        row.iter()
            .find(|(c, _)| *c == column)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("the filter asked for {column:?}, not an upper-case column"))
    }

    fn results(filter: &Filter) -> [bool; 3] {
        rows().map(|row| filter.matches(&|c| lookup(&row, c)))
    }

    const T: bool = true;
    const F: bool = false;

    /// Expression, expected result on rows A, B, C; the same under `parse` and `parse_typed`.
    const VALID: &[(&str, [bool; 3])] = &[
        // Comparisons, word forms, case-insensitive columns.
        ("TYPE == \"net\"", [T, T, F]),
        ("TYPE eq 'net'", [T, T, F]),
        ("TYPE EQ 'net'", [T, T, F]),
        ("type == 'net'", [T, T, F]),
        ("Type == 'net'", [T, T, F]),
        ("TYPE != 'net'", [F, F, T]),
        ("TYPE ne 'net'", [F, F, T]),
        ("NPROCS > 1", [T, F, T]),
        ("NPROCS gt 1", [T, F, T]),
        ("NPROCS >= 2", [T, F, T]),
        ("NPROCS GE 2", [T, F, T]),
        ("NPROCS < 2", [F, T, F]),
        ("NPROCS lt 2", [F, T, F]),
        ("NPROCS <= 2", [F, T, T]),
        ("NPROCS le 2", [F, T, T]),
        ("UID >= 1000", [F, F, T]),
        ("NS == 4026531840 || NS == 4026532600", [T, F, T]),
        ("pid ne 1 and type eq 'user'", [F, F, T]),
        ("UID == 0 AND USER == 'root'", [T, T, F]),
        ("TYPE == 'net'\n&& PID", [T, F, F]),
        ("TYPE=='net'&&PID", [T, F, F]),
        // Strings are compared as bytes, after trimming both sides.
        ("USER < 'b'", [F, F, T]),
        ("COMMAND == '  sleep 60 '", [F, F, T]),
        ("PATH == '/run/netns/blue'", [F, T, F]),
        // Empty cells: numeric comparisons are false, even !=; as strings NULL sorts first.
        ("PID == 1", [T, F, F]),
        ("PID != 1", [F, F, T]),
        ("PID > 0", [T, F, T]),
        ("NETNSID == 0", [T, F, F]),
        ("NETNSID == 1", [F, T, F]),
        ("NETNSID != 0", [F, T, F]),
        ("COMMAND == ''", [F, F, F]),
        ("COMMAND != ''", [T, T, T]),
        ("COMMAND < 'a'", [T, T, F]),
        ("PID > PPID", [T, F, T]),
        // Bare operands: non-empty and non-zero.
        ("PID", [T, F, T]),
        ("PPID", [F, F, T]),
        ("PNS", [F, F, T]),
        ("NSFS", [F, T, F]),
        ("NETNSID", [T, T, F]),
        ("1", [T, T, T]),
        ("0", [F, F, F]),
        ("'x'", [T, T, T]),
        ("''", [F, F, F]),
        ("'   '", [F, F, F]),
        ("true", [T, T, T]),
        ("FALSE", [F, F, F]),
        // Negation.
        ("!PID", [F, T, F]),
        ("not PID", [F, T, F]),
        ("NOT PID", [F, T, F]),
        ("!!PID", [T, F, T]),
        ("!NSFS && TYPE == 'net'", [T, F, F]),
        ("!(TYPE == 'net')", [F, F, T]),
        // `!` binds like a comparison: (!TYPE) == 'net' is false == false.
        ("! TYPE == 'net'", [T, T, T]),
        // && and || share one level, left to right: (user || net) && NPROCS > 100.
        ("TYPE == 'user' || TYPE == 'net' && NPROCS > 100", [T, F, F]),
        (
            "(TYPE == 'user' || TYPE == 'net') && NPROCS > 100",
            [T, F, F],
        ),
        (
            "TYPE == 'user' || (TYPE == 'net' && NPROCS > 100)",
            [T, F, T],
        ),
        ("PID && TYPE == 'net' || UID == 1000", [T, F, T]),
        ("((((PID))))", [T, F, T]),
        // Comparisons chain left to right; an expression is a boolean operand.
        ("NPROCS > 1 == true", [T, F, T]),
        ("(PID == 1) == false", [F, T, T]),
        ("PID == true", [T, F, T]),
        // Numbers versus strings: the literal's type wins.
        ("PID == '1'", [T, F, F]),
        ("PID < '5'", [T, T, T]),
        ("NS == '4026532500'", [F, T, F]),
        ("NPROCS > 1.5", [T, F, T]),
        ("NPROCS == 2.0", [F, F, T]),
        ("NS > 3G", [T, T, T]),
        ("NS > 4GiB", [F, F, F]),
        ("NPROCS < 1K", [T, T, T]),
        // Regular expressions: unanchored search on the string form.
        ("COMMAND =~ '^sleep'", [F, F, T]),
        ("COMMAND =~ \"init\"", [T, F, F]),
        ("COMMAND !~ 'sleep'", [T, T, F]),
        ("NS =~ '^40265326'", [F, F, T]),
        ("NS =~ '^4026532'", [F, T, T]),
        ("USER =~ '^(root|alice)$'", [T, T, T]),
        ("COMMAND =~ '[[:digit:]]+$'", [F, F, T]),
        ("PATH =~ '/run/netns/' || COMMAND =~ 'init'", [T, T, F]),
        ("!(COMMAND =~ 'sleep')", [T, T, F]),
        ("COMMAND =~ ''", [T, T, T]),
        ("'abc' =~ 'b'", [T, T, T]),
    ];

    #[test]
    fn valid_expressions_evaluate_like_libsmartcols() {
        for (expr, expected) in VALID {
            let auto = parse(expr, &COLUMNS).unwrap_or_else(|e| panic!("{expr:?}: {e}"));
            assert_eq!(results(&auto), *expected, "parse: {expr:?}");
            let typed =
                parse_typed(expr, &lsns_types()).unwrap_or_else(|e| panic!("{expr:?}: {e}"));
            assert_eq!(results(&typed), *expected, "parse_typed: {expr:?}");
        }
    }

    /// Where declared column types matter: empty number cells.
    #[test]
    fn declared_types_match_libsmartcols_on_empty_number_cells() {
        let cases: &[(&str, [bool; 3], [bool; 3])] = &[
            // Two empty number cells: false as numbers (typed), equal as NULL strings (auto).
            ("PID == PPID", [F, F, F], [F, T, F]),
            // An empty number cell read as a string is "0" in libsmartcols.
            ("PPID == '0'", [T, T, F], [T, F, F]),
        ];
        for (expr, typed, auto) in cases {
            let typed_filter = parse_typed(expr, &lsns_types()).expect("valid");
            assert_eq!(results(&typed_filter), *typed, "parse_typed: {expr:?}");
            let auto_filter = parse(expr, &COLUMNS).expect("valid");
            assert_eq!(results(&auto_filter), *auto, "parse: {expr:?}");
        }
    }

    #[test]
    fn failed_conversion_is_an_evaluation_error_and_no_match() {
        let filter = parse("TYPE == 1", &COLUMNS).expect("valid");
        let [a, ..] = rows();
        let err = filter
            .evaluate(&|c| lookup(&a, c))
            .expect_err("'net' is no number");
        assert_eq!(
            err.to_string(),
            "failed to apply filter: TYPE: \"net\" is not a number"
        );
        assert!(!filter.matches(&|c| lookup(&a, c)));
        // A number column whose cell is not a number, under a declared type.
        let filter = parse_typed("PID", &lsns_types()).expect("valid");
        assert!(filter.evaluate(&|_| t("abc")).is_err());
        // Short-circuit: the failing side is never reached.
        let filter = parse("PID == 1 || TYPE == 1", &COLUMNS).expect("valid");
        assert_eq!(filter.evaluate(&|c| lookup(&a, c)), Ok(true));
    }

    #[test]
    fn columns_lists_used_columns_once_in_upper_case() {
        let filter = parse("pid == 1 && (Type == 'x' || PID || !nsfs)", &COLUMNS).expect("valid");
        assert_eq!(filter.columns(), ["PID", "TYPE", "NSFS"]);
        assert!(
            parse("1 == 1", &COLUMNS)
                .expect("valid")
                .columns()
                .is_empty()
        );
    }

    #[test]
    fn the_row_is_asked_only_for_needed_columns() {
        let asked = std::cell::RefCell::new(Vec::new());
        let filter = parse("pid == 1 || user == 'x'", &COLUMNS).expect("valid");
        assert!(filter.matches(&|c| {
            asked.borrow_mut().push(c.to_string());
            N(1)
        }));
        assert_eq!(*asked.borrow(), ["PID"]);
    }

    /// Expression and a fragment of the one-line error.
    const MALFORMED: &[(&str, &str)] = &[
        ("", "syntax error, unexpected end of expression"),
        ("   \n ", "syntax error, unexpected end of expression"),
        (
            "(TYPE == 'net'",
            "unexpected end of expression, expecting ')'",
        ),
        ("((PID)", "expecting ')'"),
        ("TYPE == 'net')", "syntax error, unexpected ')'"),
        ("()", "syntax error, unexpected ')'"),
        ("TYPE ==", "unexpected end of expression"),
        ("PID &&", "unexpected end of expression"),
        ("&& PID", "syntax error, unexpected AND &&"),
        ("PID or or PPID", "unexpected OR or"),
        ("NOT", "unexpected end of expression"),
        ("PID == == 1", "unexpected operator =="),
        ("PID PPID", "unexpected column PPID"),
        ("TYPE == 'net' 5", "unexpected NUMBER 5"),
        ("TYPE == 'net' junk", "unexpected column junk"),
        ("TYPE == 'net", "unterminated string starting at position 9"),
        ("TYPE == \"net", "unterminated string"),
        ("TYPE == 'n\net'", "unterminated string"),
        ("TYPE = 'net'", "unexpected character '=' at position 6"),
        ("PID & 1", "unexpected character '&'"),
        ("PID | 1", "unexpected character '|'"),
        ("PID == 1.5.3", "unexpected character '.'"),
        ("PID == 1.", "unexpected character '.'"),
        ("PID == -1", "unexpected character '-'"),
        ("USER == ünïcode", "unexpected character '\\u{fc}'"),
        ("PID == 1Ki", "unexpected column i"),
        (
            "PID == 99999999999999999999",
            "\"99999999999999999999\" number too large",
        ),
        ("PID == 16E", "\"16E\" number too large"),
        ("PID == 1ZiB", "\"1ZiB\" number too large"),
        (
            "COMMAND =~ '('",
            "invalid regular expression '(': unclosed group",
        ),
        ("COMMAND =~ 'a{'", "invalid regular expression"),
        (
            "COMMAND =~ PID",
            "the right side of =~ must be a string literal",
        ),
        (
            "COMMAND !~ 5",
            "the right side of !~ must be a string literal",
        ),
        ("COMMAND =~", "unexpected end of expression"),
        (
            "!COMMAND =~ 'x'",
            "the left side of =~ must be a column or a string",
        ),
        (
            "5 =~ 'x'",
            "the left side of =~ must be a column or a string",
        ),
        (
            "FOO == 1",
            "failed to initialize filter: unknown column: FOO",
        ),
        (
            "foo || bar.baz || FOO",
            "unknown columns: foo, bar.baz, FOO",
        ),
        ("And == 1", "unknown column: And"),
    ];

    #[test]
    fn malformed_expressions_give_one_line_errors() {
        for (expr, fragment) in MALFORMED {
            let err = parse(expr, &COLUMNS).expect_err(expr).to_string();
            assert!(
                err.contains(fragment),
                "{expr:?}: {err:?} lacks {fragment:?}"
            );
            assert!(!err.contains('\n'), "{expr:?}: not one line: {err:?}");
            let prefix = if fragment.contains("unknown column") {
                "failed to initialize filter: "
            } else {
                "failed to parse \""
            };
            assert!(err.starts_with(prefix), "{expr:?}: {err:?}");
        }
    }

    #[test]
    fn parse_errors_quote_the_expression_like_lsns() {
        let err = parse("PID ==", &COLUMNS).expect_err("dangling operator");
        assert_eq!(
            err.to_string(),
            "failed to parse \"PID ==\": syntax error, unexpected end of expression"
        );
        let err = parse("PID\n==", &COLUMNS).expect_err("dangling operator");
        assert!(err.to_string().starts_with("failed to parse \"PID\\n==\":"));
    }

    #[test]
    fn nesting_is_bounded() {
        let deep = format!("{}PID{}", "(".repeat(100_000), ")".repeat(100_000));
        let err = parse(&deep, &COLUMNS).expect_err("too deep").to_string();
        assert!(err.contains("too deeply nested"), "{err}");
        let nots = format!("{}PID", "!".repeat(100_000));
        assert!(parse(&nots, &COLUMNS).is_err());
        let chain = vec!["PID"; 100_000].join(" && ");
        assert!(
            parse(&chain, &COLUMNS)
                .expect_err("too long")
                .to_string()
                .contains("nested")
        );
        // Real filters are far from the limit.
        let fine = format!("{}PID{}", "(".repeat(50), ")".repeat(50));
        assert!(parse(&fine, &COLUMNS).is_ok());
        let chain = vec!["PID"; 200].join(" || ");
        assert!(parse(&chain, &COLUMNS).is_ok());
    }

    #[test]
    fn a_float_literal_equals_its_c_formatted_string() {
        let filter = parse("'1.5' == 1.5", &COLUMNS).expect("valid");
        assert!(filter.matches(&|_| Empty));
    }

    /// xorshift64*: deterministic, dependency-free randomness for the fuzz tests.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    fn exercise(expr: &str) {
        for parsed in [parse(expr, &COLUMNS), parse_typed(expr, &lsns_types())] {
            match parsed {
                Ok(filter) => {
                    for row in rows() {
                        let _ = filter.evaluate(&|c| lookup(&row, c));
                    }
                    let _ = filter.matches(&|_| Empty);
                    let _ = filter.matches(&|_| t("x"));
                    let _ = filter.matches(&|_| N(-5));
                    assert!(
                        filter
                            .columns()
                            .iter()
                            .all(|c| COLUMNS.contains(&c.as_str()))
                    );
                }
                Err(e) => assert!(!e.to_string().contains('\n'), "{expr:?}: {e}"),
            }
        }
    }

    #[test]
    fn random_bytes_never_panic() {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let alphabet =
            b"()!=<>~&|'\" \n\t.0123456789KMGiBaAnNdDoOrRtTeEqQlLgGsSuUPIfFx_%:/-\xc3\xbc";
        for _ in 0..20_000 {
            let len = rng.below(24);
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    if rng.below(4) == 0 {
                        rng.next() as u8
                    } else {
                        alphabet[rng.below(alphabet.len())]
                    }
                })
                .collect();
            exercise(&String::from_utf8_lossy(&bytes));
        }
    }

    #[test]
    fn random_token_soup_never_panics() {
        let vocabulary = [
            "(", ")", "!", "not", "&&", "||", "and", "OR", "==", "!=", "<", "<=", ">", ">=", "eq",
            "ge", "=~", "!~", "PID", "ppid", "TYPE", "COMMAND", "NSFS", "NETNSID", "NS", "1", "0",
            "4K", "1.5", "'net'", "\"\"", "'^s.*p$'", "'('", "true", "false", "'1'", "BOGUS",
        ];
        let mut rng = Rng(42);
        let mut parsed = 0;
        for _ in 0..30_000 {
            let len = 1 + rng.below(9);
            let words: Vec<&str> = (0..len)
                .map(|_| vocabulary[rng.below(vocabulary.len())])
                .collect();
            let expr = words.join(" ");
            if parse(&expr, &COLUMNS).is_ok() {
                parsed += 1;
            }
            exercise(&expr);
        }
        // The soup must reach the evaluator, not only the error paths.
        assert!(parsed > 1_000, "only {parsed} soups parsed");
    }
}
