//! The filter evaluator: one row against the expression tree, with libsmartcols's four data
//! types, its conversions (`filter-param.c`) and its comparison rules for empty cells.

use super::ColumnType;
use super::FilterValue;
use super::lex::{CmpOp, trim};
use super::parse::Node;
use std::cmp::Ordering;

/// A value; `Str(None)` is libsmartcols's NULL string (an empty cell).
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Data {
    Str(Option<String>),
    /// SCOLS_DATA_U64, widened so negative i64 cells need no special case.
    Num(i128),
    Float(f64),
    Bool(bool),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum DataType {
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
pub(super) fn format_g(f: f64) -> String {
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

pub(super) fn truth(node: &Node, row: &dyn Fn(&str) -> FilterValue) -> Eval<bool> {
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
    use super::format_g;

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
    }
}
