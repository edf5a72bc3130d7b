//! The filter parser: tokens to an expression tree by recursive descent, with bison's precedence
//! (`&&`/`||` on one level), the nesting limit, regexes compiled once, and unknown columns
//! collected for one message.

use super::eval::Data;
use super::lex::{CmpOp, Lexeme, Tok, one_line};
use super::{ColumnType, MAX_DEPTH};
use regex::Regex;

#[derive(Debug)]
pub(super) enum Node {
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

pub(super) struct Parser<'a> {
    pub(super) tokens: Vec<Lexeme>,
    pub(super) pos: usize,
    pub(super) columns: &'a [(&'a str, ColumnType)],
    pub(super) unknown: Vec<String>,
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

    pub(super) fn filter(&mut self) -> Result<Node, String> {
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

pub(super) fn collect_columns(node: &Node, out: &mut Vec<String>) {
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
