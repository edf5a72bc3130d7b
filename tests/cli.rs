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
        (&["enter"], "or a process with --pid PID"),
        (&["enter", "abc"], "invalid namespace 'abc'"),
        (&["enter", "1", "--pid"], "--pid"),
        (&["show", "net:[x]"], "net:[x]"),
        (&["--interval", "abc"], "--interval"),
        // A usage error points to the help of its own command ...
        // (`enter --pid PID` alone is no error: it enters all of PID's namespaces, as nsenter -t.)
        (&["enter", "--bogus", "1"], "try 'nsview enter --help'"),
        (&["show"], "try 'nsview show --help'"),
        (&["--list", "--bogus"], "try 'nsview --help'"),
        // ... and a mistyped subcommand gets clap's suggestion, not list mode's NAMESPACE.
        (&["shwo", "4026533486"], "did you mean 'show'?"),
        (&["entr"], "did you mean 'enter'?"),
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

/// `nsview --generate man | man -l -` shows every option: the roff names each visible long
/// flag of every command (roff writes `-` as `\-`), and man renders it.
#[test]
fn generated_man_page_lists_every_option_and_renders() {
    use clap::CommandFactory;
    let output = nsview()
        .args(["--generate", "man"])
        .output()
        .expect("nsview");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let roff = crate::util::stdout(&output);
    assert!(roff.contains("\n.TH nsview 1 "), "{roff}");
    let cli = nsview::cli::Cli::command();
    let mut commands = vec![&cli];
    commands.extend(cli.get_subcommands());
    for command in commands {
        for arg in command.get_arguments().filter(|a| !a.is_hide_set()) {
            if let Some(long) = arg.get_long() {
                let escaped = format!("\\-\\-{}", long.replace('-', "\\-"));
                assert!(
                    roff.contains(&escaped),
                    "--{long} of {}",
                    command.get_name()
                );
            }
        }
    }
    if crate::util::on_path("man") {
        let mut man = std::process::Command::new("man")
            .args(["-l", "-"])
            .env("MANPAGER", "cat")
            .env("MANWIDTH", "100")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("man");
        std::io::Write::write_all(&mut man.stdin.take().expect("stdin"), &output.stdout)
            .expect("write roff");
        let shown = man.wait_with_output().expect("man");
        let text = crate::util::stdout(&shown);
        for needle in [
            "--output-all",
            "--preserve-credentials",
            "NSVIEW ENTER",
            "EXIT STATUS",
        ] {
            assert!(text.contains(needle), "{needle} in {text}");
        }
    }
}

/// The bash completion script loads and registers itself for `nsview`.
#[test]
fn bash_completion_loads() {
    let script = nsview()
        .args(["--generate", "complete-bash"])
        .output()
        .expect("nsview");
    assert_eq!(script.status.code(), Some(0), "{}", stderr(&script));
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("nsview.bash");
    std::fs::write(&path, &script.stdout).expect("write the script");
    let check = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!("source {} && complete -p nsview", path.display()))
        .output()
        .expect("bash");
    assert_eq!(check.status.code(), Some(0), "{}", stderr(&check));
    assert!(crate::util::stdout(&check).contains(" nsview"), "{check:?}");
    for shell in ["complete-zsh", "complete-fish"] {
        let out = nsview()
            .args(["--generate", shell])
            .output()
            .expect("nsview");
        assert_eq!(out.status.code(), Some(0), "{shell}");
        assert!(
            crate::util::stdout(&out).contains("preserve-credentials"),
            "{shell}"
        );
    }
}
