//! Per-process reads: the pure parsers for `stat` and `cmdline`, and the pid directory the
//! fd-relative reads of one `/proc/PID` start from (the reads themselves are
//! [`crate::kernel::read`]'s, bounded).
//!
//! Parsers take bytes and parse only the fields nsview needs. procfs's `Stat` parses all 52
//! fields into owned strings and rejects a truncated line; here a line only needs to reach
//! `num_threads`, and `comm` is taken between the first `(` and the last `)` (a comm may itself
//! hold spaces and parentheses).

use std::ffi::CStr;
use std::os::fd::{BorrowedFd, OwnedFd};

use rustix::fs::{Mode, OFlags};

use crate::model::Pid;

/// The fields of `/proc/PID/stat` that nsview uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatFields {
    pub pid: Pid,
    pub comm: String,
    pub state: char,
    pub ppid: Pid,
    pub num_threads: u32,
    /// Field 22, clock ticks after boot; 0 when the line stops before it.
    pub start_time: u64,
}

/// Parses a `/proc/PID/stat` line. None when it is too short or garbled.
pub fn parse_stat(bytes: &[u8]) -> Option<StatFields> {
    let open = bytes.iter().position(|&b| b == b'(')?;
    let close = bytes.iter().rposition(|&b| b == b')')?;
    if close < open {
        return None;
    }
    let pid = std::str::from_utf8(&bytes[..open])
        .ok()?
        .trim()
        .parse()
        .ok()?;
    let comm = String::from_utf8_lossy(&bytes[open + 1..close]).into_owned();
    // After ") ": state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt
    // utime stime cutime cstime priority nice num_threads ...
    let mut fields = bytes
        .get(close + 1..)?
        .split(|&b| b == b' ')
        .filter(|f| !f.is_empty());
    let state = *fields.next()?.first()? as char;
    let ppid = std::str::from_utf8(fields.next()?).ok()?.parse().ok()?;
    let num_threads = std::str::from_utf8(fields.nth(15)?)
        .ok()?
        .trim_end()
        .parse()
        .ok()?;
    // itrealvalue, then starttime.
    let start_time = fields
        .nth(1)
        .and_then(|f| std::str::from_utf8(f).ok())
        .and_then(|f| f.trim_end().parse().ok())
        .unwrap_or(0);
    Some(StatFields {
        pid,
        comm,
        state,
        ppid,
        num_threads,
        start_time,
    })
}

/// Joins a NUL-separated argv into one line, decoded lossily (invalid UTF-8 becomes U+FFFD).
/// Empty for kernel threads and zombies. A process may rewrite its argv; trailing NULs and
/// embedded empty arguments are dropped as lsns does.
pub fn parse_cmdline(bytes: &[u8]) -> String {
    match cmdline_bytes(bytes) {
        Ok(text) => text,
        Err(raw) => String::from_utf8_lossy(&raw).into_owned(),
    }
}

/// The argv joined as [`parse_cmdline`] does: as text when it is valid UTF-8, else the joined
/// bytes themselves (for output that escapes them as lsns does).
pub fn cmdline_bytes(bytes: &[u8]) -> Result<String, Vec<u8>> {
    let mut out = Vec::with_capacity(bytes.len());
    for arg in bytes.split(|&b| b == 0).filter(|a| !a.is_empty()) {
        if !out.is_empty() {
            out.push(b' ');
        }
        out.extend_from_slice(arg);
    }
    String::from_utf8(out).map_err(|e| e.into_bytes())
}

/// Opens `/proc/PID` (relative to the proc root fd) as an O_PATH directory for `*at` calls.
pub fn open_dir(root: BorrowedFd<'_>, name: &CStr) -> Result<OwnedFd, i32> {
    rustix::fs::openat(
        root,
        name,
        OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .map_err(|e| e.raw_os_error())
}

/// The owner uid of a directory fd (lsns's UID: the owner of /proc/PID).
pub fn owner_uid(dir: BorrowedFd<'_>) -> Result<u32, i32> {
    rustix::fs::fstat(dir)
        .map(|st| st.st_uid)
        .map_err(|e| e.raw_os_error())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stat_line(pid: &str, comm: &str, rest: &str) -> Vec<u8> {
        format!("{pid} ({comm}) {rest}").into_bytes()
    }

    const REST: &str = "S 1 1 1 0 -1 4194560 1000 0 0 0 5 3 0 0 20 0 7 0 12 1000 100 \
                        18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n";

    #[test]
    fn parses_stat_lines_with_ugly_comms() {
        let table: &[(&str, &str)] = &[
            ("bash", "bash"),
            ("kworker/0:1-events", "kworker/0:1-events"),
            ("a b c", "a b c"),
            ("(sd-pam)", "(sd-pam)"),
            (") (", ") ("),
            ("x) S 99 (y", "x) S 99 (y"),
            ("", ""),
        ];
        for (comm, expected) in table {
            let parsed = parse_stat(&stat_line("42", comm, REST)).expect(comm);
            assert_eq!(parsed.pid, 42);
            assert_eq!(parsed.comm, *expected);
            assert_eq!(parsed.state, 'S');
            assert_eq!(parsed.ppid, 1);
            assert_eq!(parsed.num_threads, 7, "{comm}");
        }
    }

    #[test]
    fn zombie_and_non_utf8_comm() {
        let mut line = b"7 (bad\xff) Z 1 7 7 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0".to_vec();
        let parsed = parse_stat(&line).expect("zombie");
        assert_eq!(parsed.state, 'Z');
        assert_eq!(parsed.comm, "bad\u{fffd}");
        line.truncate(20);
        assert_eq!(parse_stat(&line), None, "truncated before num_threads");
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            &b""[..],
            b"42",
            b"42 (x",
            b"x (y) S 1",
            b") 1 (",
            b"42 (x) S notanumber",
        ] {
            assert_eq!(parse_stat(bad), None, "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn joins_cmdlines() {
        let table: &[(&[u8], &str)] = &[
            (b"sleep\x00100\x00", "sleep 100"),
            (b"", ""),
            (b"\x00", ""),
            (
                b"nginx: worker process\x00\x00\x00",
                "nginx: worker process",
            ),
            (b"a\x00\x00b", "a b"),
            (b"caf\xe9\x00--x", "caf\u{fffd} --x"),
            (b"no-trailing-nul", "no-trailing-nul"),
        ];
        for (raw, expected) in table {
            assert_eq!(parse_cmdline(raw), *expected);
        }
        assert_eq!(
            cmdline_bytes(b"caf\xe9\x00--x\x00"),
            Err(b"caf\xe9 --x".to_vec())
        );
        assert_eq!(
            cmdline_bytes(b"caf\xc3\xa9\x00"),
            Ok("caf\u{e9}".to_string())
        );
    }
}
