//! `nsview --generate man|complete-bash|complete-zsh|complete-fish`: the man page and the shell
//! completions, rendered at run time from the one clap definition in [`crate::cli`], so they
//! can never drift from the flags (as `rg --generate` does).

use std::io::Write;

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::{Cli, Generate};

/// Writes what `what` asks for to `out`.
pub fn write(what: Generate, out: &mut dyn Write) -> std::io::Result<()> {
    let mut cmd = Cli::command();
    match what {
        Generate::Man => man(cmd, out),
        Generate::CompleteBash => complete(Shell::Bash, &mut cmd, out),
        Generate::CompleteZsh => complete(Shell::Zsh, &mut cmd, out),
        Generate::CompleteFish => complete(Shell::Fish, &mut cmd, out),
    }
}

fn complete(shell: Shell, cmd: &mut clap::Command, out: &mut dyn Write) -> std::io::Result<()> {
    let mut buf = Vec::new();
    clap_complete::generate(shell, cmd, "nsview", &mut buf);
    out.write_all(&buf)
}

/// One page, `nsview(1)`: the main options, then a section per subcommand with its synopsis,
/// description and options (clap_mangen would otherwise only list the subcommands' names).
fn man(cmd: clap::Command, out: &mut dyn Write) -> std::io::Result<()> {
    let cmd = cmd.bin_name("nsview");
    let page = clap_mangen::Man::new(cmd.clone());
    let mut roff = Vec::new();
    page.render_title(&mut roff)?;
    page.render_name_section(&mut roff)?;
    page.render_synopsis_section(&mut roff)?;
    page.render_description_section(&mut roff)?;
    page.render_options_section(&mut roff)?;
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = format!("nsview {}", sub.get_name());
        let sub_page = clap_mangen::Man::new(sub.clone().bin_name(&name));
        writeln!(roff, ".SH \"{}\"", name.to_uppercase())?;
        let mut section = Vec::new();
        sub_page.render_synopsis_section(&mut section)?;
        sub_page.render_description_section(&mut section)?;
        sub_page.render_options_section(&mut section)?;
        roff.extend_from_slice(&demote_headings(&section));
    }
    roff.extend_from_slice(EXIT_STATUS.as_bytes());
    page.render_version_section(&mut roff)?;
    out.write_all(&once_preamble(&roff))
}

/// Each clap_mangen render call starts with roff's two-line `Aq` preamble; keep the first.
fn once_preamble(roff: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(roff);
    let mut seen = false;
    let mut out = String::with_capacity(text.len());
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        if line.starts_with(".ie \\n(.g .ds Aq")
            && lines.peek().is_some_and(|l| l.starts_with(".el .ds Aq"))
        {
            lines.next();
            if std::mem::replace(&mut seen, true) {
                continue;
            }
            out.push_str(line);
            out.push_str("\n.el .ds Aq '\n");
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out.into_bytes()
}

/// Inside a subcommand's section its own SYNOPSIS/DESCRIPTION/OPTIONS become subsections.
fn demote_headings(roff: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(roff);
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        match line.strip_prefix(".SH ") {
            Some(heading) => {
                out.push_str(".SS ");
                out.push_str(heading);
            }
            None => out.push_str(line),
        }
        out.push('\n');
    }
    out.into_bytes()
}

const EXIT_STATUS: &str = r#".SH "EXIT STATUS"
0 on success (also when stdout is a pipe closed early), 1 on a failure (with lsns's messages
in list mode), 2 on a usage error.
.B nsview enter
exits with the command's own status, or dies by its signal; 126 and 127 when the command
cannot be run or is not found.
"#;

#[cfg(test)]
mod tests {
    use super::*;

    fn generated(what: Generate) -> String {
        let mut out = Vec::new();
        write(what, &mut out).expect("generate");
        String::from_utf8(out).expect("UTF-8")
    }

    #[test]
    fn the_man_page_names_every_visible_long_option() {
        let page = generated(Generate::Man);
        let cmd = Cli::command();
        let mut commands = vec![&cmd];
        commands.extend(cmd.get_subcommands());
        for command in commands {
            for arg in command.get_arguments().filter(|a| !a.is_hide_set()) {
                if let Some(long) = arg.get_long() {
                    // roff escapes each '-' as '\-'.
                    let escaped = format!("\\-\\-{}", long.replace('-', "\\-"));
                    assert!(
                        page.contains(&escaped),
                        "--{long} of {} missing",
                        command.get_name()
                    );
                }
            }
        }
        assert!(page.contains(".SH \"NSVIEW ENTER\""));
        assert!(page.contains(".SH \"EXIT STATUS\""));
        assert_eq!(page.matches(".ds Aq").count(), 2, "one preamble");
        assert!(
            !page.contains("ui\\-error\\-fd"),
            "hidden options stay hidden"
        );
    }

    #[test]
    fn completions_know_the_subcommands() {
        for what in [
            Generate::CompleteBash,
            Generate::CompleteZsh,
            Generate::CompleteFish,
        ] {
            let script = generated(what);
            assert!(script.contains("enter"), "{what:?}");
            assert!(script.contains("output-all"), "{what:?}");
        }
    }
}
