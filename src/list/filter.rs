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

use regex::Regex;
use std::cmp::Ordering;
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

// ---------------------------------------------------------------------------------------------
// Lexer

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    LParen,
    RParen,
    And,
    Or,
    Not,
    Cmp(CmpOp),
    Reg,
    NReg,
    Bool(bool),
    Number(u64),
    Float(f64),
    Str(String),
    Column(String),
    End,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// A token with its source text (for messages).
struct Lexeme {
    tok: Tok,
    text: String,
}

fn lex(src: &str) -> Result<Vec<Lexeme>, String> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let start = i;
        let c = b[i];
        let two = b.get(i..i + 2).unwrap_or(&[]);
        let tok = match c {
            b' ' | b'\t' | b'\n' | b'\r' => {
                i += 1;
                continue;
            }
            b'(' => {
                i += 1;
                Tok::LParen
            }
            b')' => {
                i += 1;
                Tok::RParen
            }
            _ if two == b"&&" || two == b"||" => {
                i += 2;
                if c == b'&' { Tok::And } else { Tok::Or }
            }
            b'=' | b'!' | b'<' | b'>' => {
                let (tok, len) = match two {
                    b"==" => (Tok::Cmp(CmpOp::Eq), 2),
                    b"!=" => (Tok::Cmp(CmpOp::Ne), 2),
                    b"<=" => (Tok::Cmp(CmpOp::Le), 2),
                    b">=" => (Tok::Cmp(CmpOp::Ge), 2),
                    b"=~" => (Tok::Reg, 2),
                    b"!~" => (Tok::NReg, 2),
                    _ => match c {
                        b'<' => (Tok::Cmp(CmpOp::Lt), 1),
                        b'>' => (Tok::Cmp(CmpOp::Gt), 1),
                        b'!' => (Tok::Not, 1),
                        _ => return Err(unexpected_char(src, i)),
                    },
                };
                i += len;
                tok
            }
            b'"' | b'\'' => {
                // No escapes and no newline inside, as in the flex rule.
                let close = b[i + 1..]
                    .iter()
                    .position(|&x| x == c || x == b'\n')
                    .filter(|&n| b[i + 1 + n] == c)
                    .ok_or_else(|| format!("unterminated string starting at position {}", i + 1))?;
                let inner = &src[i + 1..i + 1 + close];
                i += close + 2;
                Tok::Str(trim(inner).to_string())
            }
            b'0'..=b'9' => {
                let (tok, len) = lex_number(&b[i..])?;
                i += len;
                tok
            }
            b'a'..=b'z' | b'A'..=b'Z' => {
                i += 1;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b"_.%:/-".contains(&b[i])) {
                    i += 1;
                }
                keyword(&src[start..i]).unwrap_or_else(|| Tok::Column(src[start..i].to_string()))
            }
            _ => return Err(unexpected_char(src, i)),
        };
        out.push(Lexeme {
            tok,
            text: src[start..i].to_string(),
        });
    }
    out.push(Lexeme {
        tok: Tok::End,
        text: String::new(),
    });
    Ok(out)
}

fn unexpected_char(src: &str, at: usize) -> String {
    let c = src[at..].chars().next().unwrap_or(' ');
    format!(
        "unexpected character '{}' at position {}",
        c.escape_default(),
        at + 1
    )
}

/// A whole identifier that is a keyword. Only all-lower or all-upper spellings are keywords
/// (`And` is a column name, as in flex).
fn keyword(word: &str) -> Option<Tok> {
    Some(match word {
        "and" | "AND" => Tok::And,
        "or" | "OR" => Tok::Or,
        "not" | "NOT" => Tok::Not,
        "eq" | "EQ" => Tok::Cmp(CmpOp::Eq),
        "ne" | "NE" => Tok::Cmp(CmpOp::Ne),
        "lt" | "LT" => Tok::Cmp(CmpOp::Lt),
        "le" | "LE" => Tok::Cmp(CmpOp::Le),
        "gt" | "GT" => Tok::Cmp(CmpOp::Gt),
        "ge" | "GE" => Tok::Cmp(CmpOp::Ge),
        "true" | "TRUE" => Tok::Bool(true),
        "false" | "FALSE" => Tok::Bool(false),
        _ => return None,
    })
}

/// `[0-9]+.[0-9]+`, `[0-9]+[KMGTPEZY](iB)?` or `[0-9]+`, longest match first.
fn lex_number(b: &[u8]) -> Result<(Tok, usize), String> {
    let digits = |from: usize| b[from..].iter().take_while(|x| x.is_ascii_digit()).count();
    let int = digits(0);
    let text = |len: usize| String::from_utf8_lossy(&b[..len]).into_owned();
    if b.get(int) == Some(&b'.') {
        let frac = digits(int + 1);
        if frac > 0 {
            let len = int + 1 + frac;
            let value: f64 = text(len)
                .parse()
                .map_err(|_| format!("bad number \"{}\"", text(len)))?;
            return Ok((Tok::Float(value), len));
        }
    }
    let too_large = |len: usize| format!("\"{}\" number too large", text(len));
    let mut value: u64 = text(int).parse().map_err(|_| too_large(int))?;
    let mut len = int;
    if let Some(power) = b
        .get(int)
        .and_then(|s| b"KMGTPEZY".iter().position(|x| x == s))
    {
        len += 1;
        if b.get(len..len + 2) == Some(b"iB") {
            len += 2;
        }
        let factor = 1u64.checked_shl(10 * (power as u32 + 1)).unwrap_or(0);
        value = value
            .checked_mul(factor)
            .filter(|_| factor != 0)
            .ok_or_else(|| too_large(len))?;
    }
    Ok((Tok::Number(value), len))
}

/// C's `isspace` trimming, as libsmartcols applies to every string value.
fn trim(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_ascii_whitespace() || c == '\x0b')
}

/// The expression as one printable line for messages.
fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Parser

#[derive(Debug)]
enum Node {
    Literal(Data),
    Column {
        name: String,
        ty: ColumnType,
    },
    Not(Box<Node>),
    Logic {
        and: bool,
        left: Box<Node>,
        right: Box<Node>,
    },
    Compare {
        op: CmpOp,
        left: Box<Node>,
        right: Box<Node>,
    },
    Match {
        negate: bool,
        left: Box<Node>,
        regex: Regex,
    },
}

/// A parsed subtree and its depth, carried up so the limit check costs nothing.
struct Sub {
    node: Node,
    depth: usize,
}

/// Builds a parent of `children`, refusing trees deeper than [`MAX_DEPTH`]: a long
/// `A && B && ...` chain is as deep as it is long, and evaluation and `Drop` recurse over it.
fn nested(children: &[usize], node: Node) -> Parsed {
    let depth = children.iter().copied().max().unwrap_or(0) + 1;
    if depth > MAX_DEPTH {
        return Err(too_deep());
    }
    Ok(Sub { node, depth })
}

fn leaf(node: Node) -> Sub {
    Sub { node, depth: 1 }
}

struct Parser<'a> {
    tokens: Vec<Lexeme>,
    pos: usize,
    columns: &'a [(&'a str, ColumnType)],
    unknown: Vec<String>,
}

type Parsed = Result<Sub, String>;

impl Parser<'_> {
    fn peek(&self) -> &Tok {
        self.tokens.get(self.pos).map_or(&Tok::End, |l| &l.tok)
    }

    fn advance(&mut self) -> Tok {
        let tok = self.peek().clone();
        if self.pos < self.tokens.len() {
            self.pos += 1;
        }
        tok
    }

    /// Bison's wording ("syntax error, unexpected OR") plus the offending text.
    fn unexpected(&self, expecting: &str) -> String {
        let Some(lexeme) = self.tokens.get(self.pos) else {
            return "syntax error".to_string();
        };
        let name = match &lexeme.tok {
            Tok::End => "end of expression".to_string(),
            Tok::LParen => "'('".to_string(),
            Tok::RParen => "')'".to_string(),
            tok => {
                let kind = match tok {
                    Tok::And => "AND",
                    Tok::Or => "OR",
                    Tok::Not => "NEG",
                    Tok::Cmp(_) | Tok::Reg | Tok::NReg => "operator",
                    Tok::Bool(_) => "boolean",
                    Tok::Number(_) => "NUMBER",
                    Tok::Float(_) => "FLOAT",
                    Tok::Str(_) => "STRING",
                    _ => "column",
                };
                format!("{kind} {}", lexeme.text)
            }
        };
        format!("syntax error, unexpected {name}{expecting}")
    }

    fn filter(&mut self) -> Result<Node, String> {
        let root = self.logic(0)?;
        if *self.peek() != Tok::End {
            return Err(self.unexpected(""));
        }
        Ok(root.node)
    }

    fn logic(&mut self, depth: usize) -> Parsed {
        let mut left = self.compare(depth)?;
        while matches!(self.peek(), Tok::And | Tok::Or) {
            let and = self.advance() == Tok::And;
            let right = self.compare(depth)?;
            left = nested(
                &[left.depth, right.depth],
                Node::Logic {
                    and,
                    left: Box::new(left.node),
                    right: Box::new(right.node),
                },
            )?;
        }
        Ok(left)
    }

    fn compare(&mut self, depth: usize) -> Parsed {
        let mut left = self.unary(depth)?;
        loop {
            left = match self.peek().clone() {
                Tok::Cmp(op) => {
                    self.advance();
                    let right = self.unary(depth)?;
                    nested(
                        &[left.depth, right.depth],
                        Node::Compare {
                            op,
                            left: Box::new(left.node),
                            right: Box::new(right.node),
                        },
                    )?
                }
                Tok::Reg | Tok::NReg => {
                    let negate = self.advance() == Tok::NReg;
                    let op = if negate { "!~" } else { "=~" };
                    if !matches!(left.node, Node::Column { .. } | Node::Literal(Data::Str(_))) {
                        return Err(format!(
                            "the left side of {op} must be a column or a string \
                             (write !(COLUMN {op} 'regex') to negate a match)"
                        ));
                    }
                    let regex = match self.unary(depth)?.node {
                        Node::Literal(Data::Str(Some(pattern))) => {
                            Regex::new(&pattern).map_err(|e| regex_error(&pattern, &e))?
                        }
                        _ => {
                            return Err(format!("the right side of {op} must be a string literal"));
                        }
                    };
                    nested(
                        &[left.depth],
                        Node::Match {
                            negate,
                            left: Box::new(left.node),
                            regex,
                        },
                    )?
                }
                _ => return Ok(left),
            };
        }
    }

    fn unary(&mut self, depth: usize) -> Parsed {
        if depth >= MAX_DEPTH {
            return Err(too_deep());
        }
        if *self.peek() == Tok::Not {
            self.advance();
            let inner = self.unary(depth + 1)?;
            return nested(&[inner.depth], Node::Not(Box::new(inner.node)));
        }
        self.primary(depth)
    }

    fn primary(&mut self, depth: usize) -> Parsed {
        let sub = match self.peek().clone() {
            Tok::Number(n) => leaf(Node::Literal(Data::Num(i128::from(n)))),
            Tok::Float(f) => leaf(Node::Literal(Data::Float(f))),
            Tok::Str(s) => leaf(Node::Literal(Data::Str(Some(s)))),
            Tok::Bool(b) => leaf(Node::Literal(Data::Bool(b))),
            Tok::Column(name) => leaf(self.column(&name)),
            Tok::LParen => {
                self.advance();
                let inner = self.logic(depth + 1)?;
                if *self.peek() != Tok::RParen {
                    return Err(self.unexpected(", expecting ')'"));
                }
                inner
            }
            _ => return Err(self.unexpected("")),
        };
        self.advance();
        Ok(sub)
    }

    /// Resolves a column name case-insensitively, as lsns's `column_name_to_id` does.
    fn column(&mut self, name: &str) -> Node {
        match self
            .columns
            .iter()
            .find(|(c, _)| c.eq_ignore_ascii_case(name))
        {
            Some((canonical, ty)) => Node::Column {
                name: canonical.to_ascii_uppercase(),
                ty: *ty,
            },
            None => {
                if !self.unknown.iter().any(|u| u == name) {
                    self.unknown.push(name.to_string());
                }
                // A placeholder keeps parsing going so every unknown column is reported.
                Node::Literal(Data::Str(None))
            }
        }
    }
}

fn too_deep() -> String {
    format!("expression is too deeply nested (the limit is {MAX_DEPTH} levels)")
}

/// The regex crate's message is several lines (pattern, caret, "error: ..."); keep the last.
fn regex_error(pattern: &str, err: &regex::Error) -> String {
    let text = err.to_string();
    let reason = text
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("invalid")
        .trim()
        .trim_start_matches("error: ");
    format!(
        "invalid regular expression '{}': {reason}",
        one_line(pattern)
    )
}

fn collect_columns(node: &Node, out: &mut Vec<String>) {
    match node {
        Node::Literal(_) => {}
        Node::Column { name, .. } => {
            if !out.contains(name) {
                out.push(name.clone());
            }
        }
        Node::Not(inner) | Node::Match { left: inner, .. } => collect_columns(inner, out),
        Node::Logic { left, right, .. } | Node::Compare { left, right, .. } => {
            collect_columns(left, out);
            collect_columns(right, out);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Evaluation: libsmartcols's filter_param with its four data types.

/// A value; `Str(None)` is libsmartcols's NULL string (an empty cell).
#[derive(Debug, Clone, PartialEq)]
enum Data {
    Str(Option<String>),
    /// SCOLS_DATA_U64, widened so negative i64 cells need no special case.
    Num(i128),
    Float(f64),
    Bool(bool),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DataType {
    Str,
    Num,
    Float,
    Bool,
}

impl Data {
    fn data_type(&self) -> DataType {
        match self {
            Data::Str(_) => DataType::Str,
            Data::Num(_) => DataType::Num,
            Data::Float(_) => DataType::Float,
            Data::Bool(_) => DataType::Bool,
        }
    }
}

/// An operand ready for comparison; `empty` is libsmartcols's flag, which survives some
/// conversions and not others.
#[derive(Debug, Clone)]
struct Param {
    data: Data,
    empty: bool,
}

type Eval<T> = Result<T, String>;

/// The operand's value in its own type, and whether it is a column (for the type choice).
fn operand(node: &Node, row: &dyn Fn(&str) -> FilterValue) -> Eval<(Param, bool)> {
    Ok(match node {
        Node::Literal(data) => (
            Param {
                data: data.clone(),
                empty: false,
            },
            false,
        ),
        Node::Column { name, ty } => (fetch(name, *ty, row)?, true),
        _ => (
            Param {
                data: Data::Bool(truth(node, row)?),
                empty: false,
            },
            false,
        ),
    })
}

/// A cell converted to its column's type (fetch_holder_data).
fn fetch(name: &str, ty: ColumnType, row: &dyn Fn(&str) -> FilterValue) -> Eval<Param> {
    let (data, empty) = match row(name) {
        FilterValue::Empty => (Data::Str(None), true),
        FilterValue::Text(s) => (Data::Str(Some(trim(&s).to_string())), false),
        FilterValue::Number(n) if ty == ColumnType::Auto => (Data::Num(i128::from(n)), false),
        FilterValue::Number(n) => (Data::Str(Some(n.to_string())), false),
    };
    let own = match (ty, &data) {
        (ColumnType::Number, _) => DataType::Num,
        (ColumnType::Text, _) => DataType::Str,
        (ColumnType::Auto, d) => d.data_type(),
    };
    let data = convert(data, own).map_err(|e| format!("{name}: {e}"))?;
    Ok(Param { data, empty })
}

/// filter_cast_param: same type keeps the parameter (and its empty flag); another type works
/// on a copy, which is empty only if the original was a NULL string.
fn cast(param: Param, ty: DataType) -> Eval<Param> {
    if param.data.data_type() == ty {
        return Ok(param);
    }
    let empty = param.data == Data::Str(None);
    Ok(Param {
        data: convert(param.data, ty)?,
        empty,
    })
}

fn convert(data: Data, ty: DataType) -> Eval<Data> {
    Ok(match (data, ty) {
        (d, t) if d.data_type() == t => d,
        (Data::Str(s), DataType::Num) => Data::Num(match s {
            None => 0,
            Some(s) => parse_integer(&s).ok_or_else(|| format!("\"{s}\" is not a number"))?,
        }),
        (Data::Str(s), DataType::Float) => Data::Float(match s {
            None => 0.0,
            Some(s) => s.parse().map_err(|_| format!("\"{s}\" is not a number"))?,
        }),
        (Data::Str(s), _) => Data::Bool(s.is_some_and(|s| {
            // string_cast: "1", "true" in any case, or rpmatch's yes (C locale: ^[yY]).
            s == "1" || s.eq_ignore_ascii_case("true") || s.starts_with(['y', 'Y'])
        })),
        (Data::Num(n), DataType::Str) => Data::Str(Some(n.to_string())),
        (Data::Num(n), DataType::Float) => Data::Float(n as f64),
        (Data::Num(n), _) => Data::Bool(n > 0),
        (Data::Float(f), DataType::Str) => Data::Str(Some(format_g(f))),
        (Data::Float(f), DataType::Num) => Data::Num(f as i128),
        (Data::Float(f), _) => Data::Bool(f > 0.0),
        (Data::Bool(b), DataType::Str) => Data::Str(Some(b.to_string())),
        (Data::Bool(b), DataType::Num) => Data::Num(i128::from(b)),
        (Data::Bool(b), _) => Data::Float(if b { 1.0 } else { 0.0 }),
    })
}

/// ul_strtou64 base 10: the whole string must be the number.
fn parse_integer(s: &str) -> Option<i128> {
    let digits = s.strip_prefix('+').unwrap_or(s);
    let (negative, digits) = match digits.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, digits),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: i128 = digits.parse().ok()?;
    Some(if negative { -n } else { n })
}

/// C's `%g` (six significant digits, trailing zeros removed), as float_cast prints.
fn format_g(f: f64) -> String {
    if !f.is_finite() {
        return if f.is_nan() {
            "nan".into()
        } else if f > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        };
    }
    if f == 0.0 {
        return "0".into();
    }
    let sci = format!("{f:.5e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let strip = |s: &str| -> String {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s.to_string()
        }
    };
    if !(-4..6).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{}e{sign}{:02}", strip(mantissa), exp.abs())
    } else {
        strip(&format!("{f:.*}", (5 - exp) as usize))
    }
}

/// guess_expr_datatype: the common type, else the non-column side's, and float beats integer.
fn common_type(l: DataType, r: DataType, l_column: bool, r_column: bool) -> DataType {
    if l == r {
        return l;
    }
    let ty = if r_column && !l_column {
        l
    } else if l_column && !r_column {
        r
    } else {
        l
    };
    if ty == DataType::Num && (l == DataType::Float || r == DataType::Float) {
        DataType::Float
    } else {
        ty
    }
}

fn truth(node: &Node, row: &dyn Fn(&str) -> FilterValue) -> Eval<bool> {
    match node {
        Node::Literal(_) | Node::Column { .. } => {
            let (param, _) = operand(node, row)?;
            Ok(!param.empty
                && match param.data {
                    Data::Str(s) => s.is_some_and(|s| !s.is_empty()),
                    Data::Num(n) => n != 0,
                    Data::Float(f) => f != 0.0,
                    Data::Bool(b) => b,
                })
        }
        Node::Not(inner) => Ok(!truth(inner, row)?),
        Node::Logic { and, left, right } => {
            let l = truth(left, row)?;
            if l != *and { Ok(l) } else { truth(right, row) }
        }
        Node::Match {
            negate,
            left,
            regex,
        } => {
            let (param, _) = operand(left, row)?;
            let text = match cast(param, DataType::Str)?.data {
                Data::Str(s) => s.unwrap_or_default(),
                _ => String::new(),
            };
            Ok(regex.is_match(&text) != *negate)
        }
        Node::Compare { op, left, right } => {
            let (l, l_column) = operand(left, row)?;
            let (r, r_column) = operand(right, row)?;
            let ty = common_type(l.data.data_type(), r.data.data_type(), l_column, r_column);
            let l = cast(l, ty).map_err(|e| label(left, e))?;
            let r = cast(r, ty).map_err(|e| label(right, e))?;
            Ok(compare(*op, &l, &r))
        }
    }
}

/// Names the column a conversion failed for.
fn label(node: &Node, message: String) -> String {
    match node {
        Node::Column { name, .. } => format!("{name}: {message}"),
        _ => message,
    }
}

fn compare(op: CmpOp, l: &Param, r: &Param) -> bool {
    let ordering = match (&l.data, &r.data) {
        // xstrcmp: NULL sorts before every string and equals NULL; no empty-flag shortcut.
        (Data::Str(a), Data::Str(b)) => Some(a.as_deref().cmp(&b.as_deref())),
        _ if l.empty || r.empty => return false,
        (Data::Num(a), Data::Num(b)) => Some(a.cmp(b)),
        (Data::Float(a), Data::Float(b)) => a.partial_cmp(b),
        (Data::Bool(a), Data::Bool(b)) => Some(a.cmp(b)),
        _ => None,
    };
    // An unordered pair (NaN) is only "not equal", as with C's float operators.
    let Some(ordering) = ordering else {
        return op == CmpOp::Ne;
    };
    match op {
        CmpOp::Eq => ordering == Ordering::Equal,
        CmpOp::Ne => ordering != Ordering::Equal,
        CmpOp::Lt => ordering == Ordering::Less,
        CmpOp::Le => ordering != Ordering::Greater,
        CmpOp::Gt => ordering == Ordering::Greater,
        CmpOp::Ge => ordering != Ordering::Less,
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
    fn format_g_matches_c() {
        for (f, s) in [
            (1.5, "1.5"),
            (2.0, "2"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (123456.0, "123456"),
            (1234567.0, "1.23457e+06"),
            (1.0 / 3.0, "0.333333"),
        ] {
            assert_eq!(format_g(f), s);
        }
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
