//! Bad input at the command line, for every face: one line on stderr that names the problem,
//! a non-zero exit code, never a panic, nothing on stdout.

use crate::util::{nsview, stderr};

#[test]
fn bad_arguments_get_one_line_and_a_non_zero_exit() {
    let table: &[(&[&str], &str)] = &[
        (&["--bogus"], "unexpected argument '--bogus'"),
        (&["--list", "--output", "FOO"], "unknown column: FOO"),
        (&["--list", "-t", "bogus"], "unknown namespace type: bogus"),
        (&["--list", "-p", "x"], "invalid PID argument: 'x'"),
        (&["--list", "-Q", "NS >"], "failed to parse"),
        (&["enter"], "<NAMESPACE>"),
        (&["enter", "abc"], "invalid namespace 'abc'"),
        (&["enter", "1", "--pid"], "--pid"),
        (&["show", "net:[x]"], "net:[x]"),
        (&["--interval", "abc"], "--interval"),
    ];
    for (args, names) in table {
        let output = nsview()
            .args(*args)
            .stdin(std::process::Stdio::null())
            .output()
            .expect("run nsview");
        let err = stderr(&output);
        assert!(!output.status.success(), "{args:?} must fail");
        assert_eq!(err.lines().count(), 1, "{args:?}: one line, got {err:?}");
        assert!(err.starts_with("nsview: "), "{args:?}: {err:?}");
        assert!(err.contains(names), "{args:?} names {names:?}: {err:?}");
        assert!(!err.contains("panicked"), "{args:?}: {err:?}");
        assert!(output.stdout.is_empty(), "{args:?}: nothing on stdout");
    }
}

#[test]
fn help_and_version_go_to_stdout_with_zero() {
    for (args, starts) in [
        (&["--help"][..], "Find every Linux namespace"),
        (
            &["--version"],
            concat!("nsview ", env!("CARGO_PKG_VERSION"), "\n"),
        ),
        (&["enter", "--help"], "Run a command"),
        (&["show", "--help"], "Show what is inside"),
    ] {
        let output = nsview().args(args).output().expect("run nsview");
        assert_eq!(output.status.code(), Some(0), "{args:?}");
        let text = crate::util::stdout(&output);
        assert!(text.starts_with(starts), "{args:?}: {text}");
        if args.len() > 1 {
            let usage = format!("Usage: nsview {} ", args[0]);
            assert!(text.contains(&usage), "{args:?}: {text}");
        }
        assert!(output.stderr.is_empty(), "{args:?}");
    }
}
