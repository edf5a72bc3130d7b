//! The `nsview` binary: parse arguments, dispatch to a face, map errors to exit codes. Started
//! under the name `lsns` (a symlink), it is lsns (`nsview::lsns`), reading the real /proc.

use clap::{CommandFactory, FromArgMatches};
use nsview::cli::{Cli, Command, list_request, normalize_args};
use nsview::scan::ScanOptions;

fn main() {
    nsview::error::install_panic_hook();
    nsview::error::test_panic();
    let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if argv
        .first()
        .is_some_and(|argv0| nsview::lsns::invoked_as_lsns(argv0))
    {
        std::process::exit(nsview::lsns::main(&argv, ScanOptions::for_root(None)));
    }
    let args = normalize_args(argv);
    if let Some(message) = nsview::cli::mistyped_subcommand(&args) {
        eprintln!("nsview: {message}");
        std::process::exit(2);
    }
    // After normalize_args a subcommand's name is the first argument.
    let subcommand = args
        .get(1)
        .and_then(|a| a.to_str())
        .filter(|name| Cli::command().find_subcommand(name).is_some())
        .map(str::to_string);
    let parsed = Cli::command()
        .try_get_matches_from(args)
        .and_then(|matches| Cli::from_arg_matches(&matches).map(|cli| (matches, cli)));
    let (matches, cli) = match parsed {
        Ok(parsed) => parsed,
        Err(err) if !err.use_stderr() => {
            // --help and --version: clap prints them to stdout and exits 0.
            let _ = err.print();
            std::process::exit(0);
        }
        Err(err) => {
            // A usage error: one line that names the problem, exit 2 (1 is for failures).
            eprintln!(
                "nsview: {}",
                nsview::error::usage_line_for(&err.render().to_string(), subcommand.as_deref())
            );
            std::process::exit(2);
        }
    };
    nsview::error::take_parent_error_fd(cli.ui_error_fd);
    if let Some(what) = cli.generate {
        let code = match nsview::generate::write(what, &mut std::io::stdout().lock()) {
            Ok(()) => 0,
            Err(err) => nsview::error::report(&err.into()),
        };
        std::process::exit(code);
    }
    let scan = ScanOptions::for_root(cli.proc_root.clone());
    if let Some(root) = scan.fake_root() {
        // One line, every face: output that did not come from this kernel must say so.
        eprintln!(
            "nsview: reading a fake proc root: {} (test/offline mode)",
            nsview::text::safe(&root.to_string_lossy())
        );
    }
    // A live scan, or the saved snapshot of --from: faces read either the same way.
    let source = nsview::snapshot::Source::new(cli.from.clone(), scan.clone());
    if cli.from.is_some()
        && matches!(
            cli.command,
            Some(
                Command::Enter(_)
                    | Command::Diff(_)
                    | Command::Watch(_)
                    | Command::Release(_)
                    | Command::Metrics(_)
            )
        )
    {
        let usage = nsview::error::Exit::usage(
            subcommand.as_deref().unwrap_or_default(),
            "--from reads a saved snapshot: enter, release, metrics, diff and watch need the live \
             system (diff takes its snapshots as arguments)",
        );
        std::process::exit(nsview::error::report(&usage.into()));
    }
    let result = dispatch(&cli, &matches, scan, source);
    let code = match result {
        Ok(code) => code,
        Err(err) => nsview::error::report(&err),
    };
    std::process::exit(code);
}

/// Builds the face's validated config from its clap values ([`nsview::config`]: a bad
/// argument is a usage error, exit 2) and runs the face with it.
fn dispatch(
    cli: &Cli,
    matches: &clap::ArgMatches,
    scan: ScanOptions,
    source: nsview::snapshot::Source,
) -> anyhow::Result<i32> {
    use nsview::config;
    match &cli.command {
        Some(Command::Enter(args)) => nsview::enter::run(&config::enter(args)?, scan),
        Some(Command::Show(args)) => nsview::show::run(&config::show(args)?, source),
        Some(Command::Snapshot(args)) => nsview::snapshot::run(&config::snapshot(args)?, source),
        Some(Command::Diff(args)) => nsview::snapshot::diff::run(&config::diff(args)?, &scan),
        Some(Command::Watch(args)) => nsview::watch::run(&config::watch(args)?, scan),
        Some(Command::Leaks(args)) => nsview::leaks::run(&config::leaks(args)?, source),
        Some(Command::Release(args)) => nsview::leaks::release::run(&config::release(args)?, scan),
        Some(Command::Metrics(args)) => nsview::metrics::run(&config::metrics(args)?, scan),
        None => match list_request(matches) {
            Some(request) => Ok(nsview::lsns::run_source(
                &request,
                source,
                nsview::lsns::Mode::List,
            )),
            None => nsview::tui::run(&config::tui(&cli.tui)?, source),
        },
    }
}
