//! Bounded reads of files under a proc root (the real `/proc` or a fake tree): the one reader
//! for `stat`, `status`, `cmdline`, `cgroup`, `mountinfo`, the id maps and the rest.
//!
//! A file is opened `O_NOFOLLOW | O_NONBLOCK` (a symlink is refused, a FIFO cannot make the
//! open wait), must be a regular file by `fstat` (FIFOs, sockets and devices are refused before
//! a byte is read), and is read up to a cap that fits it ([`Cap`]): a `/dev/zero`, a 100 MB
//! file or a writer that never stops costs at most the cap, never the memory of the process.

use std::ffi::CStr;
use std::os::fd::{AsFd, BorrowedFd};

use rustix::fs::{FileType, Mode, OFlags};

/// How much of a file is worth reading. Real files stay far below their cap; a file that
/// reaches it is cut there (what was read is kept: the parsers take what they can).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cap(pub usize);

impl Cap {
    /// `stat`: one line; comm is 16 bytes, the numbers a few hundred.
    pub const STAT: Cap = Cap(4 << 10);
    /// `comm`.
    pub const COMM: Cap = Cap(256);
    /// `status`: about 1.5 KiB.
    pub const STATUS: Cap = Cap(16 << 10);
    /// `cmdline`: argv can be long (a Java classpath), but not ARG_MAX long for display.
    pub const CMDLINE: Cap = Cap(256 << 10);
    /// `cgroup`: one line per hierarchy.
    pub const CGROUP: Cap = Cap(64 << 10);
    /// `uid_map`/`gid_map`: at most 340 lines of three numbers.
    pub const ID_MAP: Cap = Cap(16 << 10);
    /// `setgroups`: "allow" or "deny".
    pub const SETGROUPS: Cap = Cap(64);
    /// `timens_offsets`: two lines.
    pub const TIMENS: Cap = Cap(1 << 10);
    /// `mountinfo`: a node with thousands of mounts is a few MiB.
    pub const MOUNTINFO: Cap = Cap(16 << 20);
    /// One `mountinfo` line: two escaped paths of at most PATH_MAX, a source and options (an
    /// overlay's lowerdir list of hundreds of layers is tens of KiB). A longer line is not a
    /// mount the kernel wrote (a fake or planted file) and is skipped unparsed, so a parser
    /// never copies megabytes of it.
    pub const MOUNTINFO_LINE: usize = 1 << 20;
    /// `net/*`, `sysvipc/*` tables: a full routing table can be large.
    pub const TABLE: Cap = Cap(16 << 20);
}

/// Why a read was refused or failed: an errno (ENOENT, EACCES, ... as the kernel said, ELOOP
/// for a symlink, EINVAL for a file that is not a regular file).
pub type Errno = i32;

/// Reads file `name` relative to `dir` into `buf` (cleared first), at most `cap` bytes.
///
/// With `short_is_final` a read shorter than asked ends the file: right for files the kernel
/// produces whole on each read (`stat`, `cmdline`), saving the EOF read; not for multi-record
/// seq_files such as mountinfo, where a read may stop at a record boundary.
pub fn read_at(
    dir: BorrowedFd<'_>,
    name: &CStr,
    cap: Cap,
    buf: &mut Vec<u8>,
    short_is_final: bool,
) -> Result<(), Errno> {
    read_checked(dir, name, cap, buf, short_is_final, true)
}

/// [`read_at`] for a directory of the kernel's own procfs (the caller checked the proc root
/// with [`is_procfs`]): procfs makes its `/proc/PID` files regular files, so the `fstat` is
/// saved (one syscall per read on the scan's hot path). `O_NOFOLLOW | O_NONBLOCK` and the cap
/// still hold: even a FIFO mounted there could not make the open or a read wait.
pub fn read_procfs_at(
    dir: BorrowedFd<'_>,
    name: &CStr,
    cap: Cap,
    buf: &mut Vec<u8>,
    short_is_final: bool,
) -> Result<(), Errno> {
    read_checked(dir, name, cap, buf, short_is_final, false)
}

/// True when `fd` is on procfs (the real /proc, not a fake tree).
pub fn is_procfs(fd: BorrowedFd<'_>) -> bool {
    rustix::fs::fstatfs(fd).is_ok_and(|fs| fs.f_type == rustix::fs::PROC_SUPER_MAGIC)
}

fn read_checked(
    dir: BorrowedFd<'_>,
    name: &CStr,
    cap: Cap,
    buf: &mut Vec<u8>,
    short_is_final: bool,
    check_type: bool,
) -> Result<(), Errno> {
    let fd = rustix::fs::openat(
        dir,
        name,
        OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC | OFlags::NOCTTY,
        Mode::empty(),
    )
    .map_err(|e| e.raw_os_error())?;
    if check_type {
        let st = rustix::fs::fstat(&fd).map_err(|e| e.raw_os_error())?;
        if FileType::from_raw_mode(st.st_mode) != FileType::RegularFile {
            return Err(libc::EINVAL);
        }
    }
    buf.clear();
    loop {
        let room = cap.0.saturating_sub(buf.len());
        if room == 0 {
            return Ok(());
        }
        if buf.spare_capacity_mut().len() < 512 {
            buf.reserve(4096.min(room));
        }
        let spare = buf.spare_capacity_mut();
        let limit = spare.len().min(room);
        match rustix::io::read(fd.as_fd(), &mut spare[..limit]) {
            Ok(([], _)) => return Ok(()),
            Ok((filled, _)) => {
                let n = filled.len();
                // SAFETY: read initialised `n` bytes of the spare capacity.
                unsafe { buf.set_len(buf.len() + n) };
                if short_is_final && n < limit {
                    return Ok(());
                }
            }
            Err(rustix::io::Errno::INTR) => continue,
            Err(e) => return Err(e.raw_os_error()),
        }
    }
}

/// [`read_at`] of a path relative to the current directory (or absolute), as text (lossy).
pub fn read_path(path: &std::path::Path, cap: Cap) -> std::io::Result<String> {
    let name = std::ffi::CString::new(path.as_os_str().as_encoded_bytes())
        .map_err(|_| std::io::Error::from_raw_os_error(libc::EINVAL))?;
    let mut buf = Vec::new();
    read_at(rustix::fs::CWD, &name, cap, &mut buf, false)
        .map_err(std::io::Error::from_raw_os_error)?;
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

/// What a refused or failed read means, in words, for a note or a detail error.
pub fn describe(errno: Errno) -> String {
    match errno {
        libc::ELOOP => "a symlink, not followed".into(),
        libc::EINVAL => "not a regular file, not read".into(),
        other => std::io::Error::from_raw_os_error(other).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(path: &std::path::Path, cap: Cap) -> Result<Vec<u8>, Errno> {
        let name = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).expect("name");
        let mut buf = Vec::new();
        read_at(rustix::fs::CWD, &name, cap, &mut buf, false).map(|()| buf)
    }

    #[test]
    fn refuses_fifos_devices_and_symlinks_and_stops_at_the_cap() {
        let dir = tempfile::tempdir().expect("tempdir");
        let fifo = dir.path().join("fifo");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600))
            .expect("mkfifo");
        let link = dir.path().join("link");
        std::os::unix::fs::symlink("/etc/hostname", &link).expect("symlink");
        let big = dir.path().join("big");
        std::fs::write(&big, vec![b'x'; 100_000]).expect("write");

        let started = std::time::Instant::now();
        assert_eq!(read(&fifo, Cap::STAT), Err(libc::EINVAL));
        assert_eq!(
            read(std::path::Path::new("/dev/zero"), Cap::STAT),
            Err(libc::EINVAL)
        );
        assert_eq!(read(&link, Cap::STAT), Err(libc::ELOOP));
        assert!(started.elapsed() < std::time::Duration::from_secs(1));

        assert_eq!(read(&big, Cap(1000)).map(|b| b.len()), Ok(1000));
        assert_eq!(read(&big, Cap(1 << 20)).map(|b| b.len()), Ok(100_000));
        let text = read(std::path::Path::new("/proc/self/stat"), Cap::STAT).expect("stat");
        assert!(text.ends_with(b"\n"));
        assert_eq!(describe(libc::ELOOP), "a symlink, not followed");
    }
}
