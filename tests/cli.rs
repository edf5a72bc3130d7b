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

/// `nsview --list` is `lsns --list`: lsns 2.42.2's checks and wording for what clap accepts
/// (exit 1), lsns's leniency where lsns is lenient (`-l` twice, `-l` with `-T` or a namespace).
#[test]
fn list_mode_validates_as_lsns_2_42() {
    let root = crate::util::fixtures().join("basic/proc");
    let run = |args: &[&str]| {
        nsview()
            .arg("--proc-root")
            .arg(&root)
            .args(args)
            .stdin(std::process::Stdio::null())
            .output()
            .expect("run nsview")
    };
    for (args, message) in [
        (
            &["--list", "-p", "0"][..],
            "nsview: invalid PID argument: '0': Numerical result out of range\n",
        ),
        (
            &["-J", "-r"],
            "nsview: options --json and --raw cannot be combined\n",
        ),
        (
            &["-P", "-p", "1"],
            "nsview: options --persistent and --task cannot be combined\n",
        ),
        (&["--list", "-o", "NS,"], "nsview: unknown column: NS,\n"),
        (&["--list", "-o", ""], ""),
        (&["--tree=", "-l"], "nsview: unknown tree type: \n"),
    ] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert_eq!(stderr(&out), message, "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
    for args in [
        &["--list", "-l", "-t", "uts"][..],
        &["--list", "-T", "-t", "user"],
        &["--list", "-l", "4026531838"],
        &["--list", "-o", "NS", "-o", "TYPE"],
    ] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        assert_eq!(stderr(&out), "", "{args:?}");
    }
    // The last -o wins, as in lsns.
    let out = run(&["--list", "-n", "-t", "uts", "-o", "NS", "-o", "TYPE"]);
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .all(|l| l == "uts"),
        "{out:?}"
    );
}
