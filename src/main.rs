//! The `nsview` binary: parse arguments, dispatch to a face, map errors to exit codes.

use clap::Parser;
use nsview::cli::{Cli, Command, normalize_args};
use nsview::scan::ScanOptions;

fn main() {
    nsview::error::take_parent_error_fd();
    let args = normalize_args(std::env::args_os());
    if let Some(message) = nsview::cli::mistyped_subcommand(&args) {
        eprintln!("nsview: {message}");
        std::process::exit(2);
    }
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
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
    if let Some(what) = cli.generate {
        let code = match nsview::generate::write(what, &mut std::io::stdout().lock()) {
            Ok(()) => 0,
            Err(err) => nsview::error::report(&err.into()),
        };
        std::process::exit(code);
    }
    let scan = ScanOptions::for_root(cli.proc_root.clone());
    let result = match &cli.command {
        Some(Command::Enter(args)) => nsview::enter::run(args, scan),
        Some(Command::Show(args)) => nsview::show::run(args, scan),
        None if cli.list.selected() => nsview::list::run(&cli.list, scan),
        None => nsview::tui::run(&cli.tui, scan),
    };
    let code = match result {
        Ok(code) => code,
        Err(err) => nsview::error::report(&err),
    };
    std::process::exit(code);
}
