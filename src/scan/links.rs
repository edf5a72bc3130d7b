//! Namespace link text: the pure parser for `type:[inode]`, and the readlink that feeds it.
//!
//! `readlink` of `/proc/PID/ns/X` is the cheapest way to learn a namespace's inode: `stat`
//! costs twice as much, and `lstat` answers with the procfs inode of the link itself.

use std::os::fd::BorrowedFd;

use crate::model::{Inode, Link, NsKind, NsLinks, ReadError};

/// Parses link text such as `net:[4026531840]` into its type and inode.
/// Returns None for anything else (a socket, a file path, a truncated or garbled text).
pub fn parse_ns_link(text: &[u8]) -> Option<(NsKind, Inode)> {
    let colon = text.iter().position(|&b| b == b':')?;
    let (name, rest) = text.split_at(colon);
    let digits = rest.strip_prefix(b":[")?.strip_suffix(b"]")?;
    let kind = NsKind::from_name(std::str::from_utf8(name).ok()?)?;
    Some((kind, parse_decimal(digits)?))
}

/// Parses `socket:[12345]` (an fd's link text) into the socket inode.
pub fn parse_socket_link(text: &[u8]) -> Option<Inode> {
    parse_decimal(text.strip_prefix(b"socket:[")?.strip_suffix(b"]")?)
}

pub use crate::kernel::parse_decimal;

/// Writes `n` in decimal as a C string into `out`: a pid or fd name for the `*at` calls,
/// without an allocation per entry.
pub fn decimal_name(mut n: u64, out: &mut [u8; 24]) -> &std::ffi::CStr {
    let mut at = out.len() - 1;
    out[at] = 0;
    loop {
        at -= 1;
        out[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    // Digits then the NUL just written: always a valid C string.
    std::ffi::CStr::from_bytes_with_nul(&out[at..]).unwrap_or_default()
}

/// The link names under `/proc/PID/ns`, in the order [`read_ns_links`] fills them.
const LINK_NAMES: [&str; 10] = [
    "mnt",
    "net",
    "pid",
    "uts",
    "ipc",
    "user",
    "cgroup",
    "time",
    "pid_for_children",
    "time_for_children",
];

/// Reads all ten links of one `ns` directory, relative to the pid (or task) directory `dir`.
/// `buf` is reused across calls to avoid an allocation per link.
///
/// ENOENT on a single link is "absent", not an error: a zombie keeps only its pid and user links, and
/// `pid_for_children` reads ENOENT until the first process of a fresh pid namespace exists.
pub fn read_ns_links(dir: BorrowedFd<'_>, buf: &mut Vec<u8>) -> NsLinks {
    // Readlinks relative to an O_PATH fd of `ns` walk one component instead of two: ten
    // fewer dentry lookups and pid revalidations for the price of an openat and a close
    // (procfs path walks dominate the scan's kernel time). If `ns` cannot be opened, the
    // per-link reads below say why, link by link.
    let ns_dir = rustix::fs::openat(
        dir,
        c"ns",
        rustix::fs::OFlags::PATH | rustix::fs::OFlags::DIRECTORY | rustix::fs::OFlags::CLOEXEC,
        rustix::fs::Mode::empty(),
    );
    let (base, prefix): (BorrowedFd<'_>, &[u8]) = match &ns_dir {
        Ok(fd) => (std::os::fd::AsFd::as_fd(fd), b""),
        Err(_) => (dir, b"ns/"),
    };
    let mut links = NsLinks::default();
    for (index, name) in LINK_NAMES.iter().enumerate() {
        let link = read_one(base, prefix, name, buf);
        match index {
            0..=7 => links.current[index] = link,
            8 => links.pid_for_children = link,
            _ => links.time_for_children = link,
        }
    }
    links
}

/// Makes the links of a process that was exiting while we read them consistent, or says it is
/// gone. `supported` marks the kinds this kernel has (the scanner's own links).
///
/// do_exit drops the nsproxy (mnt, net, uts, ipc, cgroup, time and both `*_for_children`) in
/// one step, while the pid and user links last until the task is released: a zombie still
/// reads `pid:[..]` and `user:[..]` and ENOENT for the rest. So a mix of present and absent
/// nsproxy links means the process passed exit_task_namespaces between two readlinks: it now
/// has none of them. An absent pid or user link next to a present one means it was released
/// mid-read: Err(Vanished), and so does EACCES or ESRCH next to a present link
/// (proc_ns_get_link answers EACCES once the task is gone; a real permission problem denies
/// every link alike): Err with that reason, so the gap says why. Other errors (a garbled link
/// text) stay per-link.
pub fn settle_exiting(mut links: NsLinks, supported: &[bool; 8]) -> Result<NsLinks, ReadError> {
    let is_ns = |l: &Link| matches!(l, Link::Ns(_));
    let any_present = links.current.iter().any(is_ns);
    let core_absent = [NsKind::Pid, NsKind::User]
        .into_iter()
        .any(|k| supported[k.index()] && links.current[k.index()] == Link::Absent);
    if any_present && core_absent {
        return Err(ReadError::Vanished);
    }
    let unreadable = links.current.iter().find_map(|l| match l {
        Link::Unreadable(why @ (ReadError::Denied | ReadError::Vanished)) => Some(*why),
        _ => None,
    });
    if any_present && let Some(why) = unreadable {
        return Err(why);
    }
    let nsproxy = NsKind::ALL
        .into_iter()
        .filter(|&k| supported[k.index()] && k != NsKind::Pid && k != NsKind::User);
    // Any absent nsproxy link: the nsproxy is gone (or going), and with it the
    // `*_for_children` links that hang off it.
    if nsproxy
        .into_iter()
        .any(|k| links.current[k.index()] == Link::Absent)
    {
        for kind in NsKind::ALL {
            if kind != NsKind::Pid && kind != NsKind::User {
                links.current[kind.index()] = Link::Absent;
            }
        }
        links.pid_for_children = Link::Absent;
        links.time_for_children = Link::Absent;
    }
    Ok(links)
}

fn read_one(dir: BorrowedFd<'_>, prefix: &[u8], name: &str, buf: &mut Vec<u8>) -> Link {
    let mut path = [0u8; 32];
    let path = link_path(prefix, name, &mut path);
    match readlinkat_into(dir, path, buf) {
        Ok(()) => match parse_ns_link(buf) {
            Some((_, inode)) => Link::Ns(inode),
            None => Link::Unreadable(ReadError::Other(libc::EINVAL)),
        },
        Err(libc::ENOENT) => Link::Absent,
        Err(errno) => Link::Unreadable(ReadError::from_errno(errno)),
    }
}

/// Builds the C path `PREFIX NAME\0` (`ns/mnt` or `mnt`) on the stack.
fn link_path<'a>(prefix: &[u8], name: &str, out: &'a mut [u8; 32]) -> &'a std::ffi::CStr {
    let bytes = name.as_bytes();
    let at = prefix.len();
    out[..at].copy_from_slice(prefix);
    out[at..at + bytes.len()].copy_from_slice(bytes);
    out[at + bytes.len()] = 0;
    // The names above hold no NUL, so the first NUL is the terminator just written.
    std::ffi::CStr::from_bytes_until_nul(&out[..]).unwrap_or_default()
}

/// readlinkat(2) into a reused buffer; Err carries the errno.
pub fn readlinkat_into(
    dir: BorrowedFd<'_>,
    path: &std::ffi::CStr,
    buf: &mut Vec<u8>,
) -> Result<(), i32> {
    buf.clear();
    buf.reserve(64);
    loop {
        let capacity = buf.capacity();
        // SAFETY: the pointer and capacity describe buf's spare allocation; readlinkat writes at
        // most `capacity` bytes and returns how many, which we then declare initialised.
        let written = unsafe {
            libc::readlinkat(
                std::os::fd::AsRawFd::as_raw_fd(&dir),
                path.as_ptr(),
                buf.as_mut_ptr().cast(),
                capacity,
            )
        };
        if written < 0 {
            return Err(std::io::Error::last_os_error()
                .raw_os_error()
                .unwrap_or(libc::EIO));
        }
        let written = written as usize;
        if written < capacity {
            // SAFETY: readlinkat initialised the first `written` bytes.
            unsafe { buf.set_len(written) };
            return Ok(());
        }
        // Possibly truncated: grow and retry (readlink gives no length hint).
        buf.reserve(capacity * 2);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_real_and_ugly_link_texts() {
        type Case<'a> = (&'a [u8], Option<(NsKind, Inode)>);
        let table: &[Case] = &[
            (b"net:[4026531840]", Some((NsKind::Net, 4026531840))),
            (b"mnt:[4026531841]", Some((NsKind::Mnt, 4026531841))),
            (b"cgroup:[4026531835]", Some((NsKind::Cgroup, 4026531835))),
            (b"time:[4026531834]", Some((NsKind::Time, 4026531834))),
            (b"user:[0]", Some((NsKind::User, 0))),
            (
                b"user:[18446744073709551615]",
                Some((NsKind::User, u64::MAX)),
            ),
            // overflow, empty, signs, spaces, truncation, other kinds of links
            (b"user:[18446744073709551616]", None),
            (b"net:[]", None),
            (b"net:[-1]", None),
            (b"net:[+1]", None),
            (b"net: [1]", None),
            (b"net:[1", None),
            (b"net:[1]\n", None),
            (b"net:1", None),
            (b"pid_for_children:[1]", None),
            (b"socket:[1234]", None),
            (b"anon_inode:[eventfd]", None),
            (b"/dev/null", None),
            (b"", None),
            (b":[1]", None),
            (b"NET:[1]", None),
            (b"n\xffet:[1]", None),
        ];
        for (text, expected) in table {
            assert_eq!(
                parse_ns_link(text),
                *expected,
                "{}",
                String::from_utf8_lossy(text)
            );
        }
    }

    #[test]
    fn parses_socket_links() {
        assert_eq!(parse_socket_link(b"socket:[98765]"), Some(98765));
        assert_eq!(parse_socket_link(b"socket:[]"), None);
        assert_eq!(parse_socket_link(b"net:[98765]"), None);
        assert_eq!(parse_socket_link(b"pipe:[98765]"), None);
    }

    fn links_of(present: &[NsKind]) -> NsLinks {
        let mut links = NsLinks::default();
        for &kind in present {
            links.current[kind.index()] = Link::Ns(100 + kind.index() as u64);
        }
        links.pid_for_children = Link::Ns(102);
        links
    }

    #[test]
    fn settles_links_read_across_an_exit() {
        use NsKind::*;
        let all = [true; 8];
        let whole = links_of(&NsKind::ALL);
        assert_eq!(
            settle_exiting(whole, &all),
            Ok(whole),
            "a live process is kept"
        );
        let zombie = links_of(&[Pid, User]);
        let mut expected = zombie;
        expected.pid_for_children = Link::Absent;
        assert_eq!(
            settle_exiting(zombie, &all),
            Ok(expected),
            "a zombie keeps pid, user"
        );
        // exit_task_namespaces ran after mnt and net were read: none of the nsproxy ones count.
        let torn = links_of(&[Mnt, Net, Pid, User]);
        assert_eq!(settle_exiting(torn, &all), Ok(expected));
        // released after the first links were read: gone.
        assert_eq!(
            settle_exiting(links_of(&[Mnt, Net, Pid]), &all),
            Err(ReadError::Vanished)
        );
        let nothing = NsLinks::default();
        assert_eq!(settle_exiting(nothing, &all), Ok(nothing));
        // a kernel without time namespaces: time is absent everywhere and that is fine.
        let mut no_time = all;
        no_time[Time.index()] = false;
        let old = links_of(&[Mnt, Net, Pid, Uts, Ipc, User, Cgroup]);
        assert_eq!(settle_exiting(old, &no_time), Ok(old));
        // EACCES after a present link: released mid-read (proc_ns_get_link's EACCES).
        let mut released = whole;
        released.current[Cgroup.index()] = Link::Unreadable(ReadError::Denied);
        assert_eq!(settle_exiting(released, &all), Err(ReadError::Denied));
        // denied throughout: kept, the gaps say why.
        let denied = NsLinks {
            current: [Link::Unreadable(ReadError::Denied); 8],
            ..NsLinks::default()
        };
        assert_eq!(settle_exiting(denied, &all), Ok(denied));
        // another error (a garbled link text) is not an exit.
        let mut odd = whole;
        odd.current[Net.index()] = Link::Unreadable(ReadError::Other(libc::EINVAL));
        assert_eq!(settle_exiting(odd, &all), Ok(odd));
    }

    #[test]
    fn writes_decimal_names() {
        let mut buf = [0u8; 24];
        for n in [0u64, 7, 42, 4194304, u64::MAX] {
            assert_eq!(
                decimal_name(n, &mut buf).to_bytes(),
                n.to_string().as_bytes()
            );
        }
    }

    #[test]
    fn builds_ns_paths() {
        let mut buf = [0u8; 32];
        assert_eq!(
            link_path(b"ns/", "time_for_children", &mut buf).to_bytes(),
            b"ns/time_for_children"
        );
        assert_eq!(link_path(b"", "mnt", &mut buf).to_bytes(), b"mnt");
    }
}
