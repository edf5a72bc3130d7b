//! The filter lexer: `-Q` source text to tokens, as libsmartcols's `filter-scanner.l` splits it
//! (keywords, operators, numbers with binary suffixes, unescaped quoted strings, column names).

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
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
pub(super) enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// A token with its source text (for messages).
#[derive(Debug)]
pub(super) struct Lexeme {
    pub(super) tok: Tok,
    pub(super) text: String,
}

pub(super) fn lex(src: &str) -> Result<Vec<Lexeme>, String> {
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
pub(super) fn trim(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_ascii_whitespace() || c == '\x0b')
}

/// The expression as one printable line for messages.
pub(super) fn one_line(s: &str) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(src: &str) -> Vec<Tok> {
        lex(src)
            .expect("lexes")
            .into_iter()
            .map(|l| l.tok)
            .collect()
    }

    #[test]
    fn keywords_are_all_lower_or_all_upper() {
        assert_eq!(
            toks("and AND And"),
            [Tok::And, Tok::And, Tok::Column("And".into()), Tok::End]
        );
        assert_eq!(
            toks("ge !~ !"),
            [Tok::Cmp(CmpOp::Ge), Tok::NReg, Tok::Not, Tok::End]
        );
    }

    #[test]
    fn numbers_take_binary_suffixes_and_refuse_overflow() {
        assert_eq!(
            toks("2K 1MiB 1.5"),
            [
                Tok::Number(2048),
                Tok::Number(1 << 20),
                Tok::Float(1.5),
                Tok::End
            ]
        );
        assert_eq!(
            lex("16E").expect_err("2^64 overflows"),
            "\"16E\" number too large"
        );
        assert_eq!(
            lex("18446744073709551616").expect_err("overflow"),
            "\"18446744073709551616\" number too large"
        );
    }

    #[test]
    fn strings_are_trimmed_and_may_not_span_lines() {
        assert_eq!(toks("' a b '"), [Tok::Str("a b".into()), Tok::End]);
        assert_eq!(
            lex("'a\nb'").expect_err("newline"),
            "unterminated string starting at position 1"
        );
        assert_eq!(
            lex("PID # 1").expect_err("unknown char"),
            "unexpected character '#' at position 5"
        );
    }
}
