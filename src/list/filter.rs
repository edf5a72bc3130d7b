//! PLACEHOLDER for the `-Q/--filter` expression language (branch `filter` replaces this file).
//!
//! Only the interface `list` calls is here; `parse` always fails with "filter not available".

use std::fmt;

/// A cell's value as the filter sees it.
#[derive(Clone, Debug, PartialEq)]
pub enum FilterValue {
    Number(i64),
    Text(String),
    Empty,
}

/// A parsed filter expression.
#[derive(Clone, Debug)]
pub struct Filter {
    columns: Vec<String>,
}

/// Why an expression could not be parsed; `Display` is the one-line message.
#[derive(Clone, Debug)]
pub struct FilterError(String);

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FilterError {}

/// Parses `expr`; `columns` are the column names it may use.
pub fn parse(_expr: &str, _columns: &[&str]) -> Result<Filter, FilterError> {
    Err(FilterError("filter not available".into()))
}

impl Filter {
    /// True when the row (looked up by upper-case column name) passes.
    pub fn matches(&self, _row: &dyn Fn(&str) -> FilterValue) -> bool {
        true
    }

    /// The upper-case column names the expression uses.
    pub fn columns(&self) -> Vec<String> {
        self.columns.clone()
    }
}
