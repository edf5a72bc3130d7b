//! The low layer of list mode's arguments: lsns's options as given, in order ([`Opt`]), and,
//! for nsview started as `lsns`, a parser of argv that behaves as glibc's `getopt_long` does
//! for lsns 2.42.2 (its optstring `JlPp:o:nruhVt:T::WQ:H` and long options, abbreviations,
//! permutation, `--`, and getopt's own messages).
//!
//! `nsview --list` reaches the same [`Opt`] list from clap (see `cli::list_request`), so one
//! builder ([`super::config::Config::from_request`]) validates both, in lsns's order.

/// One lsns option, its value as typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Opt {
    Json,
    List,
    Output(String),
    OutputAll,
    Persistent,
    Task(String),
    Noheadings,
    Raw,
    Notruncate,
    Nowrap,
    Type(String),
    /// `-T`, `-T<rel>`, `--tree[=<rel>]`: the value only when attached.
    Tree(Option<String>),
    Filter(String),
    ListColumns,
    Help,
    Version,
}

impl Opt {
    /// The short option letter lsns's `getopt_long` returns for it (its exclusion table and
    /// messages are keyed by these).
    pub fn letter(&self) -> char {
        match self {
            Opt::Json => 'J',
            Opt::List => 'l',
            Opt::Output(_) => 'o',
            Opt::OutputAll => '\u{80}',
            Opt::Persistent => 'P',
            Opt::Task(_) => 'p',
            Opt::Noheadings => 'n',
            Opt::Raw => 'r',
            Opt::Notruncate => 'u',
            Opt::Nowrap => 'W',
            Opt::Type(_) => 't',
            Opt::Tree(_) => 'T',
            Opt::Filter(_) => 'Q',
            Opt::ListColumns => 'H',
            Opt::Help => 'h',
            Opt::Version => 'V',
        }
    }
}

/// The options and operands of one command line, in order; `error` is getopt's complaint
/// about the first bad option, after the options before it (lsns acts on those first).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Request {
    pub options: Vec<Opt>,
    pub operands: Vec<String>,
    pub error: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum HasArg {
    No,
    Required,
    Optional,
}

/// lsns's `long_opts[]`, in its order (getopt lists ambiguous candidates in this order).
const LONG: [(&str, HasArg, char); 16] = [
    ("json", HasArg::No, 'J'),
    ("task", HasArg::Required, 'p'),
    ("help", HasArg::No, 'h'),
    ("output", HasArg::Required, 'o'),
    ("output-all", HasArg::No, '\u{80}'),
    ("persistent", HasArg::No, 'P'),
    ("filter", HasArg::Required, 'Q'),
    ("notruncate", HasArg::No, 'u'),
    ("version", HasArg::No, 'V'),
    ("noheadings", HasArg::No, 'n'),
    ("nowrap", HasArg::No, 'W'),
    ("list", HasArg::No, 'l'),
    ("raw", HasArg::No, 'r'),
    ("type", HasArg::Required, 't'),
    ("tree", HasArg::Optional, 'T'),
    ("list-columns", HasArg::No, 'H'),
];

/// The long name lsns's messages use for an option letter (`ul_get_longopt`).
pub fn long_name(letter: char) -> Option<&'static str> {
    LONG.iter()
        .find(|(_, _, l)| *l == letter)
        .map(|(name, _, _)| *name)
}

fn short_arg(letter: char) -> Option<HasArg> {
    match letter {
        'J' | 'l' | 'P' | 'n' | 'r' | 'u' | 'h' | 'V' | 'W' | 'H' => Some(HasArg::No),
        'p' | 'o' | 't' | 'Q' => Some(HasArg::Required),
        'T' => Some(HasArg::Optional),
        _ => None,
    }
}

fn make(letter: char, value: Option<String>) -> Opt {
    let value_or_empty = || value.clone().unwrap_or_default();
    match letter {
        'J' => Opt::Json,
        'l' => Opt::List,
        'o' => Opt::Output(value_or_empty()),
        '\u{80}' => Opt::OutputAll,
        'P' => Opt::Persistent,
        'p' => Opt::Task(value_or_empty()),
        'n' => Opt::Noheadings,
        'r' => Opt::Raw,
        'u' => Opt::Notruncate,
        'W' => Opt::Nowrap,
        't' => Opt::Type(value_or_empty()),
        'T' => Opt::Tree(value),
        'Q' => Opt::Filter(value_or_empty()),
        'H' => Opt::ListColumns,
        'h' => Opt::Help,
        _ => Opt::Version,
    }
}

/// Parses `args` (without `argv[0]`) as lsns's `getopt_long` loop does. `argv0` is what glibc
/// prefixes its messages with (the name as invoked, path included).
pub fn getopt(argv0: &str, args: &[String]) -> Request {
    let mut request = Request::default();
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        i += 1;
        if arg == "--" {
            request.operands.extend(args[i..].iter().cloned());
            break;
        }
        if let Some(body) = arg.strip_prefix("--") {
            match long_option(argv0, body, args, &mut i) {
                Ok(opt) => request.options.push(opt),
                Err(message) => {
                    request.error = Some(message);
                    return request;
                }
            }
            continue;
        }
        if arg.len() < 2 || !arg.starts_with('-') {
            // GNU getopt permutes: operands may come anywhere.
            request.operands.push(arg.clone());
            continue;
        }
        let letters: Vec<char> = arg[1..].chars().collect();
        let mut n = 0;
        while n < letters.len() {
            let letter = letters[n];
            n += 1;
            let rest: String = letters[n..].iter().collect();
            match short_arg(letter) {
                None => {
                    request.error = Some(format!("{argv0}: invalid option -- '{letter}'"));
                    return request;
                }
                Some(HasArg::No) => request.options.push(make(letter, None)),
                Some(HasArg::Optional) => {
                    request
                        .options
                        .push(make(letter, (!rest.is_empty()).then_some(rest)));
                    break;
                }
                Some(HasArg::Required) => {
                    let value = if !rest.is_empty() {
                        rest
                    } else if i < args.len() {
                        i += 1;
                        args[i - 1].clone()
                    } else {
                        request.error = Some(format!(
                            "{argv0}: option requires an argument -- '{letter}'"
                        ));
                        return request;
                    };
                    request.options.push(make(letter, Some(value)));
                    break;
                }
            }
        }
    }
    request
}

/// One `--name[=value]` option: exact names win, otherwise a unique prefix (glibc's rules).
fn long_option(argv0: &str, body: &str, args: &[String], i: &mut usize) -> Result<Opt, String> {
    let (name, attached) = match body.split_once('=') {
        Some((name, value)) => (name, Some(value.to_string())),
        None => (body, None),
    };
    let found = match LONG.iter().find(|(long, _, _)| *long == name) {
        Some(exact) => *exact,
        None => {
            let candidates: Vec<&(&str, HasArg, char)> = LONG
                .iter()
                .filter(|(long, _, _)| long.starts_with(name))
                .collect();
            match candidates.as_slice() {
                [] => return Err(format!("{argv0}: unrecognized option '--{body}'")),
                [one] => **one,
                many => {
                    let list: String = many.iter().map(|(l, _, _)| format!(" '--{l}'")).collect();
                    return Err(format!(
                        "{argv0}: option '--{body}' is ambiguous; possibilities:{list}"
                    ));
                }
            }
        }
    };
    let (long, has_arg, letter) = found;
    match (has_arg, attached) {
        (HasArg::No, Some(_)) => Err(format!(
            "{argv0}: option '--{long}' doesn't allow an argument"
        )),
        (HasArg::No, None) => Ok(make(letter, None)),
        (HasArg::Optional, value) => Ok(make(letter, value)),
        (HasArg::Required, Some(value)) => Ok(make(letter, Some(value))),
        (HasArg::Required, None) if *i < args.len() => {
            *i += 1;
            Ok(make(letter, Some(args[*i - 1].clone())))
        }
        (HasArg::Required, None) => Err(format!("{argv0}: option '--{long}' requires an argument")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Request {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        getopt("lsns", &args)
    }

    #[test]
    fn bundles_values_and_permutation() {
        let r = parse(&[
            "-lnp",
            "5",
            "4026531836",
            "-tnet",
            "-Tparent",
            "--tree",
            "x",
        ]);
        assert_eq!(
            r.options,
            [
                Opt::List,
                Opt::Noheadings,
                Opt::Task("5".into()),
                Opt::Type("net".into()),
                Opt::Tree(Some("parent".into())),
                Opt::Tree(None),
            ]
        );
        assert_eq!(r.operands, ["4026531836", "x"]);
        assert_eq!(r.error, None);
        let r = parse(&["-pl"]);
        assert_eq!(r.options, [Opt::Task("l".into())]);
        let r = parse(&["--", "-J", "-"]);
        assert!(r.options.is_empty());
        assert_eq!(r.operands, ["-J", "-"]);
    }

    #[test]
    fn long_names_abbreviate_like_glibc() {
        assert_eq!(
            parse(&["--tr=parent"]).options,
            [Opt::Tree(Some("parent".into()))]
        );
        assert_eq!(parse(&["--list"]).options, [Opt::List]);
        assert_eq!(parse(&["--output-a"]).options, [Opt::OutputAll]);
        assert_eq!(parse(&["--js"]).options, [Opt::Json]);
        assert_eq!(
            parse(&["--out", "NS"]).error.as_deref(),
            Some("lsns: option '--out' is ambiguous; possibilities: '--output' '--output-all'")
        );
        assert_eq!(
            parse(&["--no"]).error.as_deref(),
            Some(
                "lsns: option '--no' is ambiguous; possibilities: '--notruncate' \
                 '--noheadings' '--nowrap'"
            )
        );
        assert_eq!(
            parse(&["--js=x"]).error.as_deref(),
            Some("lsns: option '--json' doesn't allow an argument")
        );
        assert_eq!(
            parse(&["--type"]).error.as_deref(),
            Some("lsns: option '--type' requires an argument")
        );
        assert_eq!(
            parse(&["--bogus=1"]).error.as_deref(),
            Some("lsns: unrecognized option '--bogus=1'")
        );
    }

    #[test]
    fn short_errors_stop_after_the_options_before_them() {
        let r = parse(&["-J", "-X", "-h"]);
        assert_eq!(r.options, [Opt::Json]);
        assert_eq!(r.error.as_deref(), Some("lsns: invalid option -- 'X'"));
        let r = parse(&["-n", "-o"]);
        assert_eq!(
            r.error.as_deref(),
            Some("lsns: option requires an argument -- 'o'")
        );
    }
}
