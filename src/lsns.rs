//! nsview as `lsns`, and the driver of list mode: started under the name `lsns` (a symlink),
//! nsview parses its arguments as util-linux lsns 2.42.2 does (getopt, messages with the
//! `lsns:` prefix, exit codes, `-h`, `-V`); `nsview --list` reaches the same steps from clap.
//! Both then run one pipeline: validated config → scan (only the features the output needs) →
//! enrichment (`details::enrich`) → the list face renders → one write to stdout → the note on
//! what could not be read, on stderr only where it helps (see `report_gaps`).

use std::collections::HashSet;
use std::ffi::{OsStr, OsString};
use std::io::{IsTerminal, Write};
use std::path::Path;

use anyhow::Context;

use crate::details::enrich::enrich;
use crate::error::Exit;
use crate::list::args::{Request, getopt};
use crate::list::{self, Action, Config, Output};
use crate::model::{Inode, Snapshot};
use crate::scan::{self, ScanOptions};

/// The util-linux release whose lsns this one follows.
pub const UTIL_LINUX_VERSION: &str = "2.42.2";

/// Who is speaking: the prefix of messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Started as `lsns`.
    Lsns,
    /// `nsview --list` (or any list option).
    List,
}

impl Mode {
    fn prefix(self) -> &'static str {
        match self {
            Mode::Lsns => "lsns",
            Mode::List => "nsview",
        }
    }
}

/// True when `argv[0]`'s file name is `lsns`, as busybox-style tools decide.
pub fn invoked_as_lsns(argv0: &OsStr) -> bool {
    Path::new(argv0).file_name() == Some(OsStr::new("lsns"))
}

/// The whole `lsns` program over `argv` (`argv[0]` included); returns the exit code.
pub fn main(argv: &[OsString], scan: ScanOptions) -> i32 {
    let argv0 = argv
        .first()
        .map(|a| a.to_string_lossy().into_owned())
        .unwrap_or_else(|| "lsns".into());
    let args: Vec<String> = argv
        .iter()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    run(&getopt(&argv0, &args), scan, Mode::Lsns)
}

/// Runs a list-mode request and returns the exit code; every error is reported here.
pub fn run(request: &Request, scan: ScanOptions, mode: Mode) -> i32 {
    run_source(request, crate::snapshot::Source::Live(scan), mode)
}

/// [`run`] over a live scan or a saved snapshot (`nsview --list --from FILE`).
pub fn run_source(request: &Request, source: crate::snapshot::Source, mode: Mode) -> i32 {
    let result = match Config::from_request(request) {
        Ok(Action::Help) => write_stdout(&usage()).map(|()| 0),
        Ok(Action::Version) => write_stdout(&version()).map(|()| 0),
        Ok(Action::ListColumns { raw, json }) => {
            // As `lsns`, only lsns's thirteen (scripts read this list); `nsview --list -H`
            // adds the extensions.
            let extensions = mode == Mode::List;
            write_stdout(&list::render::column_list(raw, json, extensions)).map(|()| 0)
        }
        Ok(Action::Usage(message)) => {
            // getopt's own line (argv[0] as invoked), then lsns's `errtryhelp`.
            eprintln!(
                "{}\nTry 'lsns --help' for more information.",
                crate::error::one_line(&message)
            );
            Ok(1)
        }
        Ok(Action::List(config)) => match source {
            crate::snapshot::Source::Live(scan) => list_namespaces(&config, scan, mode),
            crate::snapshot::Source::File(path) => list_saved(&config, &path, mode),
        },
        Err(exit) => Err(exit.into()),
    };
    result.unwrap_or_else(|err| report(&err, mode))
}

/// One line on stderr with the mode's prefix (nothing for lsns's silent failures, such as
/// `-o ''`), and the exit code.
fn report(err: &anyhow::Error, mode: Mode) -> i32 {
    if crate::error::is_broken_pipe(err) {
        return 0;
    }
    let code = err.downcast_ref::<Exit>().map_or(1, |e| e.code);
    // Control characters in what a message quotes are escaped, as everywhere in nsview.
    let line = crate::error::one_line(&format!("{err:#}"));
    if !line.is_empty() {
        eprintln!("{}: {line}", mode.prefix());
    }
    code
}

/// Scan, enrich, render, write.
fn list_namespaces(config: &Config, base: ScanOptions, mode: Mode) -> anyhow::Result<i32> {
    // Before the scan's threads: the locale is set here.
    let output = Output {
        terminal: std::io::stdout().is_terminal().then(terminal_width),
        utf8: utf8_locale(),
    };
    let mut snapshot = scan_for(config, &base)?;
    if !config.filter_unknown.is_empty() {
        // lsns binds the filter to its table after the scan: one warning per unknown column.
        for name in &config.filter_unknown {
            eprintln!(
                "{}: unknown column: {}",
                mode.prefix(),
                crate::error::one_line(name)
            );
        }
        return Err(Exit::failure("failed to initialize filter").into());
    }
    enrich(
        &mut snapshot,
        &base.proc_root,
        base.is_live(),
        config.wanted(),
    );
    let rendered = list::render(config, &snapshot, output)?;
    write_stdout(&rendered.text)?;
    report_gaps(&snapshot, &rendered.namespaces, mode);
    Ok(0)
}

/// `--list --from FILE`: the saved scan, with the extension values the snapshot saved
/// (nothing is read from this host).
fn list_saved(config: &Config, path: &Path, mode: Mode) -> anyhow::Result<i32> {
    let output = Output {
        terminal: std::io::stdout().is_terminal().then(terminal_width),
        utf8: utf8_locale(),
    };
    let snapshot = crate::snapshot::load(path)
        .map_err(|e| Exit::failure(format!("{e:#}")))?
        .scan;
    if !config.filter_unknown.is_empty() {
        for name in &config.filter_unknown {
            eprintln!(
                "{}: unknown column: {}",
                mode.prefix(),
                crate::error::one_line(name)
            );
        }
        return Err(Exit::failure("failed to initialize filter").into());
    }
    let rendered = list::render(config, &snapshot, output)?;
    write_stdout(&rendered.text)?;
    report_gaps(&snapshot, &rendered.namespaces, mode);
    Ok(0)
}

/// The scan this output needs. A `<namespace>` is looked up with a light scan (processes
/// only) first; one no process is in takes a full scan, since lsns finds those too.
fn scan_for(config: &Config, base: &ScanOptions) -> anyhow::Result<Snapshot> {
    let mut options = config.scan_options(base.clone());
    let mut snapshot = scan::scan(&options)?;
    if let Some(inode) = config.namespace
        && snapshot.namespace(inode).is_none()
        && (options.fds != base.fds || options.mounts != base.mounts)
    {
        options = base.clone();
        snapshot = scan::scan(&options)?;
    }
    add_late_relations(config, base, &options, &mut snapshot);
    Ok(snapshot)
}

/// Process-less rows need their owner's uid and show their hidden owners and parents (as
/// lsns 2.42 does for namespaces it finds through fds and bind mounts): fetch relations
/// after the scan, but only when such a row exists.
fn add_late_relations(
    config: &Config,
    base: &ScanOptions,
    options: &ScanOptions,
    snapshot: &mut Snapshot,
) {
    let possible = base.relations && base.is_live();
    let done = options.relations && options.is_live();
    let processless_row = || {
        snapshot
            .namespaces
            .values()
            .any(|ns| ns.members.is_empty() && config.types.contains(&ns.kind))
    };
    if possible && !done && config.lists_processless() && processless_row() {
        scan::add_relations_later(snapshot, options);
    }
}

/// The partial-view note, on stderr only: when stderr is a terminal (a person is reading),
/// whenever whole kinds of data are missing (no CAP_SYS_PTRACE / CAP_SYS_ADMIN), and whenever a
/// holder of a namespace the output shows was refused (something not a namespace file sat
/// where one should be: news on any host). A root run under a script stays quiet about the few
/// links even root cannot read (PID 1's here), and about traps elsewhere.
fn report_gaps(snapshot: &Snapshot, shown: &HashSet<Inode>, mode: Mode) {
    let refused_here = snapshot
        .unreadable_holders
        .iter()
        .any(|holder| shown.contains(&holder.inode));
    let wanted = snapshot.unprivileged || refused_here || std::io::stderr().is_terminal();
    if let Some(note) = snapshot.partial_view_note_showing(|inode| shown.contains(&inode))
        && wanted
    {
        eprintln!("{}: {note}", mode.prefix());
    }
}

/// Writes the whole output in one go; a closed pipe surfaces as an io error that
/// [`report`] turns into a quiet exit 0.
fn write_stdout(text: &str) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .context("writing the list")
}

/// `lsns -V`: says whose lsns it is and which util-linux it follows.
pub fn version() -> String {
    format!(
        "lsns from nsview {} (compatible with util-linux {UTIL_LINUX_VERSION})\n",
        env!("CARGO_PKG_VERSION")
    )
}

/// `lsns -h`: lsns 2.42.2's usage, word for word.
pub fn usage() -> String {
    "\nUsage:\n lsns [options] [<namespace ID>]\n\nList system namespaces.\n\nOptions:\n \
     -J, --json             use JSON output format\n \
     -l, --list             use list format output\n \
     -n, --noheadings       don't print headings\n \
     -o, --output <list>    define which output columns to use\n     \
     --output-all       output all columns\n \
     -P, --persistent       namespaces without processes\n \
     -p, --task <pid>       print process namespaces\n \
     -Q, --filter <expr>    apply display filter\n \
     -r, --raw              use the raw output format\n \
     -u, --notruncate       don't truncate text in columns\n \
     -W, --nowrap           don't use multi-line representation\n \
     -t, --type <name>      namespace type (mnt, net, ipc, user, pid, uts, cgroup, time)\n \
     -T, --tree[=<rel>]     use tree format (parent, owner, or process)\n\n \
     -H, --list-columns     list the available columns\n \
     -h, --help             display this help\n \
     -V, --version          display version\n\nFor more details see lsns(8).\n"
        .to_string()
}

/// libsmartcols draws trees with line-drawing characters only when the locale's codeset is
/// UTF-8 (`nl_langinfo(CODESET)` after `setlocale(LC_ALL, "")`, as lsns starts): `LANG` naming
/// a locale that is not installed means ASCII art there, and here.
fn utf8_locale() -> bool {
    // SAFETY: called before the scan starts any thread, so nothing reads the locale
    // concurrently; both calls take valid C strings and nl_langinfo's result is read at once.
    unsafe {
        libc::setlocale(libc::LC_ALL, c"".as_ptr());
        let codeset = libc::nl_langinfo(libc::CODESET);
        !codeset.is_null() && std::ffi::CStr::from_ptr(codeset).to_bytes() == b"UTF-8"
    }
}

/// The terminal's width as libsmartcols finds it: TIOCGWINSZ on stdout, then a positive
/// $COLUMNS, else 80.
fn terminal_width() -> usize {
    let mut size = libc::winsize {
        ws_row: 0,
        ws_col: 0,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: TIOCGWINSZ writes one winsize through the pointer.
    let rc = unsafe { libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut size) };
    if rc == 0 && size.ws_col > 0 {
        return usize::from(size.ws_col);
    }
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse::<i32>().ok())
        .and_then(|c| usize::try_from(c).ok())
        .filter(|&c| c > 0)
        .unwrap_or(80)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_its_lsns_name() {
        assert!(invoked_as_lsns(OsStr::new("lsns")));
        assert!(invoked_as_lsns(OsStr::new("/usr/local/bin/lsns")));
        assert!(!invoked_as_lsns(OsStr::new("nsview")));
        assert!(!invoked_as_lsns(OsStr::new("/tmp/lsns/nsview")));
        assert!(!invoked_as_lsns(OsStr::new("lsns2")));
    }

    #[test]
    fn version_names_nsview_and_util_linux() {
        let v = version();
        assert!(
            v.starts_with("lsns from nsview ")
                && v.ends_with("(compatible with util-linux 2.42.2)\n")
        );
    }
}
