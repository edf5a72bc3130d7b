//! The floor: the cheapest scan that still learns every process's namespaces. Per process it
//! opens the pid directory (O_PATH), readlinks the ns links relative to it and reads `stat`
//! once; two threads, reused buffers, no allocation per process, raw libc calls.
//!
//! nsview's bare process-link scan is compared against this (target: at most 1.2x).

use std::os::fd::{AsRawFd, OwnedFd};

/// The links nsview reads too (both `*_for_children` included), as NUL-terminated paths.
const LINKS: [&[u8]; 10] = [
    b"ns/mnt\0",
    b"ns/net\0",
    b"ns/pid\0",
    b"ns/uts\0",
    b"ns/ipc\0",
    b"ns/user\0",
    b"ns/cgroup\0",
    b"ns/time\0",
    b"ns/pid_for_children\0",
    b"ns/time_for_children\0",
];

/// What the floor saw, so the work cannot be optimised away and can be sanity-checked.
#[derive(Default, Debug, Clone, Copy)]
pub struct FloorCount {
    pub processes: usize,
    pub links: usize,
}

/// Scans /proc the cheapest way with `threads` threads.
pub fn scan(threads: usize) -> std::io::Result<FloorCount> {
    let root: OwnedFd = rustix::fs::openat(
        rustix::fs::CWD,
        c"/proc",
        rustix::fs::OFlags::RDONLY | rustix::fs::OFlags::DIRECTORY | rustix::fs::OFlags::CLOEXEC,
        rustix::fs::Mode::empty(),
    )?;
    let mut pids: Vec<u32> = Vec::with_capacity(8192);
    for entry in rustix::fs::Dir::read_from(&root)? {
        let entry = entry?;
        let name = entry.file_name().to_bytes();
        if !name.is_empty() && name.iter().all(u8::is_ascii_digit) {
            pids.push(name.iter().fold(0, |a, &b| a * 10 + u32::from(b - b'0')));
        }
    }
    let chunk = pids.len().div_ceil(threads.max(1)).max(1);
    let root = root.as_raw_fd();
    let counts: Vec<FloorCount> = std::thread::scope(|scope| {
        let handles: Vec<_> = pids
            .chunks(chunk)
            .map(|part| scope.spawn(move || scan_part(root, part)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect()
    });
    Ok(counts
        .into_iter()
        .fold(FloorCount::default(), |a, c| FloorCount {
            processes: a.processes + c.processes,
            links: a.links + c.links,
        }))
}

fn scan_part(root: libc::c_int, pids: &[u32]) -> FloorCount {
    let mut count = FloorCount::default();
    let mut link = [0u8; 128];
    let mut stat = [0u8; 1024];
    let mut name = [0u8; 16];
    for &pid in pids {
        format_pid(pid, &mut name);
        // SAFETY: name is NUL-terminated; the fds are ours and closed below; the buffers
        // outlive the calls and their sizes are passed.
        unsafe {
            let dir = libc::openat(
                root,
                name.as_ptr().cast(),
                libc::O_PATH | libc::O_DIRECTORY | libc::O_CLOEXEC,
            );
            if dir < 0 {
                continue;
            }
            for path in LINKS {
                let n = libc::readlinkat(dir, path.as_ptr().cast(), link.as_mut_ptr().cast(), 128);
                if n > 0 {
                    count.links += 1;
                }
            }
            let fd = libc::openat(dir, c"stat".as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC);
            if fd >= 0 {
                if libc::read(fd, stat.as_mut_ptr().cast(), stat.len()) > 0 {
                    count.processes += 1;
                }
                // close(2) of a read-only fd has nothing to report that matters here.
                libc::close(fd);
            }
            libc::close(dir);
        }
    }
    count
}

/// Writes `pid` as decimal plus a NUL into `out`.
fn format_pid(mut pid: u32, out: &mut [u8; 16]) {
    let mut digits = [0u8; 10];
    let mut n = 0;
    loop {
        digits[n] = b'0' + (pid % 10) as u8;
        n += 1;
        pid /= 10;
        if pid == 0 {
            break;
        }
    }
    for i in 0..n {
        out[i] = digits[n - 1 - i];
    }
    out[n] = 0;
}
