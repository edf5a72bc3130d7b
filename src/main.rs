//! The `nsview` binary: parse arguments, dispatch to a face, map errors to exit codes. Started
//! under the name `lsns` (a symlink), it is lsns (`nsview::lsns`).

use clap::{CommandFactory, FromArgMatches};
use nsview::cli::{Cli, Command, list_request, normalize_args};
use nsview::scan::ScanOptions;

fn main() {
    nsview::error::take_parent_error_fd();
    let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if argv
        .first()
        .is_some_and(|argv0| nsview::lsns::invoked_as_lsns(argv0))
    {
        let root = std::env::var_os("NSVIEW_PROC_ROOT").map(std::path::PathBuf::from);
        std::process::exit(nsview::lsns::main(&argv, ScanOptions::for_root(root)));
    }
    let parsed = Cli::command()
        .try_get_matches_from(normalize_args(argv))
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
                nsview::error::usage_line(&err.render().to_string())
            );
            std::process::exit(2);
        }
    };
    let scan = ScanOptions::for_root(cli.proc_root.clone());
    let result = match &cli.command {
        Some(Command::Enter(args)) => nsview::enter::run(args, scan),
        Some(Command::Show(args)) => nsview::show::run(args, scan),
        None => match list_request(&matches) {
            Some(request) => Ok(nsview::lsns::run(&request, scan, nsview::lsns::Mode::List)),
            None => nsview::tui::run(&cli.tui, scan),
        },
    };
    let code = match result {
        Ok(code) => code,
        Err(err) => nsview::error::report(&err),
    };
    std::process::exit(code);
}
