//! Bad input at the command line, for every face: one line on stderr that names the problem,
//! a non-zero exit code, never a panic, nothing on stdout.

use crate::util::{nsview, stderr};

/// Runs nsview with no input; its output and its stderr as text.
fn run(args: &[&str]) -> (std::process::Output, String) {
    let output = nsview()
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run nsview");
    let err = stderr(&output);
    (output, err)
}

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
        let (output, err) = run(args);
        assert!(!output.status.success(), "{args:?} must fail");
        assert_eq!(err.lines().count(), 1, "{args:?}: one line, got {err:?}");
        assert!(err.starts_with("nsview: "), "{args:?}: {err:?}");
        assert!(err.contains(names), "{args:?} names {names:?}: {err:?}");
        assert!(!err.contains("panicked"), "{args:?}: {err:?}");
        assert!(output.stdout.is_empty(), "{args:?}: nothing on stdout");
    }
}

/// Every usage error of every subcommand, from clap or from the face's config
/// (`src/config.rs`): exit 2 (1 is for failures at run time, such as a namespace that is not
/// there), one line, the problem, and `try 'nsview <sub> --help'` for the command it belongs to.
#[test]
fn usage_errors_exit_2_and_name_their_commands_help() {
    let table: &[(&[&str], &str)] = &[
        (&["enter", "--bogus", "1"], "unexpected argument '--bogus'"),
        (&["enter", "abc"], "invalid namespace 'abc'"),
        (&["enter", "bogus:[1]"], "unknown type 'bogus'"),
        (&["enter", "--pid", "x", "1"], "invalid --pid 'x'"),
        (&["enter", "--pid", "0"], "invalid --pid '0'"),
        (&["enter", "1", "--pid"], "--pid"),
        (&["enter", "-t", "nett", "1"], "invalid --type 'nett'"),
        (&["enter", "--ns-id", "0", "1"], "invalid --ns-id '0'"),
        (&["enter", "-t", "uts", "net:[1]"], "but --type says uts"),
        (&["enter"], "or a process with --pid PID"),
        (&["show"], "required arguments were not provided"),
        (&["show", "--bogus", "1"], "unexpected argument '--bogus'"),
        (&["show", "net:[x]"], "invalid namespace 'net:[x]'"),
        (&["show", "bogus:[1]"], "unknown type 'bogus'"),
        (&["snapshot", "--bogus"], "unexpected argument '--bogus'"),
        (&["diff", "a.json"], "required arguments were not provided"),
        (&["diff", "-x", "a", "b"], "unexpected argument '-x'"),
        (&["watch", "-t", "bogus"], "unknown namespace type 'bogus'"),
        (&["watch", "--reconcile", "0"], "invalid --reconcile 0"),
        (&["watch", "--reconcile", "x"], "invalid value 'x'"),
        (
            &["watch", "not-an-inode"],
            "invalid namespace 'not-an-inode'",
        ),
        (&["leaks", "-t", "nett"], "unknown namespace type 'nett'"),
        (&["leaks", "--verdict", "leak"], "unknown verdict 'leak'"),
        (&["leaks", "--bogus"], "unexpected argument '--bogus'"),
        (&["release"], "required arguments were not provided"),
        (&["release", "banana"], "invalid namespace 'banana'"),
        (&["release", "--ns-id", "x", "1"], "invalid value 'x'"),
        (&["metrics", "--listen=nowhere"], "invalid --listen address"),
        (
            &["metrics", "--listen", "--interval=-1"],
            "invalid --interval -1",
        ),
        (
            &["metrics", "--textfile", "f", "--listen"],
            "cannot be used with",
        ),
        (
            &["enter", "--from", "x.json", "1"],
            "--from reads a saved snapshot",
        ),
        (
            &["diff", "--from", "x.json", "-", "-"],
            "--from reads a saved snapshot",
        ),
        // The UI's own options belong to `nsview` itself.
        (&["--interval", "abc"], "invalid value 'abc'"),
        (&["--interval", "0"], "invalid --interval 0"),
    ];
    let subcommands = [
        "enter", "show", "snapshot", "diff", "watch", "leaks", "release", "metrics",
    ];
    for (args, names) in table {
        let (output, err) = run(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {err:?}");
        assert_eq!(err.lines().count(), 1, "{args:?}: one line, got {err:?}");
        assert!(err.starts_with("nsview: "), "{args:?}: {err:?}");
        assert!(err.contains(names), "{args:?} names {names:?}: {err:?}");
        let help = match args.first() {
            Some(sub) if subcommands.contains(sub) => format!("try 'nsview {sub} --help'"),
            _ => "try 'nsview --help'".to_string(),
        };
        assert!(err.trim_end().ends_with(&help), "{args:?}: {err:?}");
        assert!(output.stdout.is_empty(), "{args:?}: nothing on stdout");
    }
}

/// A failure at run time is no usage error: exit 1, and no pointer to the help.
#[test]
fn runtime_failures_exit_1() {
    let root = crate::util::fixtures().join("show-basic/proc");
    let root = root.to_str().expect("utf-8 fixture path");
    for args in [
        &["show", "--proc-root", root, "12345"][..],
        &["release", "--proc-root", root, "12345"],
        &["enter", "--proc-root", root, "12345"],
    ] {
        let (output, err) = run(args);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {err:?}");
        assert!(!err.contains("--help"), "{args:?}: {err:?}");
    }
}

/// The rule of issue 13: no face takes a clap type. Outside `cli.rs` (the definitions),
/// `main.rs` (dispatch), `generate.rs` (man page, completions) and `config.rs` (the one place
/// clap values become each face's validated `Config`), no production code names `crate::cli`
/// or one of its argument structs; tests may (they check what the UI builds parses).
#[test]
fn no_face_takes_a_clap_type() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let cli = std::fs::read_to_string(src.join("cli.rs")).expect("read src/cli.rs");
    // Every type cli.rs defines: `Cli` and the `…Args` structs (`Command` is too common a name
    // elsewhere to search for; a face that takes it names `crate::cli` anyway).
    let mut names: Vec<String> = cli
        .lines()
        .filter_map(|line| line.trim().strip_prefix("pub struct "))
        .filter_map(|rest| rest.split([' ', '{', '<']).next())
        .map(str::to_string)
        .collect();
    assert!(names.iter().any(|n| n == "EnterArgs"), "{names:?}");
    names.push("crate::cli".into());
    names.push("nsview::cli".into());
    let allowed = ["cli.rs", "main.rs", "generate.rs", "config.rs"].map(|f| src.join(f));
    let mut offenders = Vec::new();
    let mut stack = vec![src.clone()];
    let mut files = 0;
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read src dir") {
            let path = entry.expect("dir entry").path();
            // The benchmark is its own binary with its own command line.
            if path.is_dir() && path != src.join("bin") {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") || allowed.contains(&path) {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("read source");
            files += 1;
            // Unit tests sit at the end of a file, after `#[cfg(test)]`.
            let production = text.split("#[cfg(test)]").next().unwrap_or_default();
            for (n, line) in production.lines().enumerate() {
                let code = line.split("//").next().unwrap_or_default();
                let named = names.iter().any(|name| {
                    code.match_indices(name.as_str()).any(|(at, _)| {
                        let before = code[..at].chars().next_back();
                        let after = code[at + name.len()..].chars().next();
                        let ident =
                            |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
                        !ident(before) && !ident(after)
                    })
                });
                if named {
                    offenders.push(format!("{}:{}: {}", path.display(), n + 1, line.trim()));
                }
            }
        }
    }
    assert!(files > 50, "the walk found the sources: {files}");
    assert!(
        offenders.is_empty(),
        "faces must take a validated config (src/config.rs), not a clap type:\n{}",
        offenders.join("\n")
    );
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
