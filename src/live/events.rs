//! The kernel's process events (the proc connector: `NETLINK_CONNECTOR`, `CN_IDX_PROC`), read
//! into batches of "these pids changed". Older kernels let only CAP_NET_ADMIN subscribe (newer ones let
//! anyone listen: seen here on 6.18 as nobody); it works only in the initial network namespace; [`ProcEvents::open`] fails otherwise and the caller polls.
//!
//! Layout (linux/connector.h, linux/cn_proc.h): a netlink header (16 bytes), a `cn_msg`
//! (`cb_id {idx, val}`, `seq`, `ack`, `len: u16`, `flags: u16` = 20 bytes), then a
//! `proc_event`: `what: u32`, `cpu: u32`, `timestamp_ns: u64` (aligned to 8 within the event),
//! then the union at offset 16, whose fork member is `parent_pid, parent_tgid, child_pid,
//! child_tgid` and whose exec and exit members start with `process_pid, process_tgid`.
//!
//! setns(2) and unshare(2) send no event: a process that moves without forking or executing
//! is seen at its next fork, exec or exit, or at the next full reconcile.

use std::collections::BTreeSet;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::time::Duration;

use crate::model::Pid;

const CN_IDX_PROC: u32 = 1;
const CN_VAL_PROC: u32 = 1;
const PROC_CN_MCAST_LISTEN: u32 = 1;
const PROC_EVENT_FORK: u32 = 0x1;
const PROC_EVENT_EXEC: u32 = 0x2;
const PROC_EVENT_EXIT: u32 = 0x8000_0000;

const NLMSG_HDRLEN: usize = 16;
const CN_MSG_LEN: usize = 20;
/// Where the `proc_event` starts in a message.
const EVENT_AT: usize = NLMSG_HDRLEN + CN_MSG_LEN;
/// The union inside the `proc_event`.
const DATA_AT: usize = EVENT_AT + 16;

/// What one batch of events said.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Batch {
    /// Processes (thread group leaders) that forked into being or executed: re-read these.
    pub changed: BTreeSet<Pid>,
    /// Processes that exited: drop these.
    pub exited: BTreeSet<Pid>,
    /// The socket's buffer overran (ENOBUFS): events were lost, rescan everything.
    pub overrun: bool,
    /// Our own mount namespace's mount table changed (a bind mount or unmount, as `ip netns
    /// add` and `del` make): no process event announces those.
    pub mounts: bool,
}

impl Batch {
    pub fn is_empty(&self) -> bool {
        self.changed.is_empty() && self.exited.is_empty() && !self.overrun && !self.mounts
    }
}

/// A subscribed proc connector socket, and a watch on our own mount table beside it.
pub struct ProcEvents {
    fd: OwnedFd,
    buf: Vec<u8>,
    /// [`crate::kernel::own::mount_table_watch`]; None when it could not be opened (then bind
    /// mounts wait for the reconcile, as before).
    mounts: Option<OwnedFd>,
}

fn last_error() -> std::io::Error {
    std::io::Error::last_os_error()
}

impl ProcEvents {
    /// Opens, binds to the proc events group and subscribes (PROC_CN_MCAST_LISTEN).
    pub fn open() -> std::io::Result<ProcEvents> {
        // SAFETY: plain socket(2); the result is checked and owned right below.
        let raw = unsafe {
            libc::socket(
                libc::AF_NETLINK,
                libc::SOCK_DGRAM | libc::SOCK_CLOEXEC | libc::SOCK_NONBLOCK,
                libc::NETLINK_CONNECTOR,
            )
        };
        if raw < 0 {
            return Err(last_error());
        }
        // SAFETY: raw is a fresh socket that nothing else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        // A bigger receive buffer rides out bursts (fork storms); an overrun still only costs
        // a full rescan. SO_RCVBUFFORCE needs CAP_NET_ADMIN; without it SO_RCVBUF (capped by rmem_max).
        let size: libc::c_int = 4 << 20;
        for option in [libc::SO_RCVBUFFORCE, libc::SO_RCVBUF] {
            // SAFETY: setsockopt with a pointer to a live c_int of the stated size.
            let done = unsafe {
                libc::setsockopt(
                    fd.as_raw_fd(),
                    libc::SOL_SOCKET,
                    option,
                    (&raw const size).cast(),
                    std::mem::size_of::<libc::c_int>() as libc::socklen_t,
                )
            };
            if done == 0 {
                break;
            }
        }
        // SAFETY: sockaddr_nl is plain data; all-zero is a valid value.
        let mut addr: libc::sockaddr_nl = unsafe { std::mem::zeroed() };
        addr.nl_family = libc::AF_NETLINK as libc::sa_family_t;
        addr.nl_groups = CN_IDX_PROC;
        addr.nl_pid = 0; // the kernel assigns a unique port
        // SAFETY: bind with a pointer to a live sockaddr_nl of the stated size.
        let bound = unsafe {
            libc::bind(
                fd.as_raw_fd(),
                (&raw const addr).cast(),
                std::mem::size_of::<libc::sockaddr_nl>() as libc::socklen_t,
            )
        };
        if bound != 0 {
            return Err(last_error());
        }
        let mut msg = Vec::with_capacity(EVENT_AT + 4);
        let total = (EVENT_AT + 4) as u32;
        msg.extend_from_slice(&total.to_ne_bytes());
        msg.extend_from_slice(&(libc::NLMSG_DONE as u16).to_ne_bytes());
        msg.extend_from_slice(&0u16.to_ne_bytes()); // flags
        msg.extend_from_slice(&0u32.to_ne_bytes()); // seq
        msg.extend_from_slice(&0u32.to_ne_bytes()); // pid: the kernel fills it in
        msg.extend_from_slice(&CN_IDX_PROC.to_ne_bytes());
        msg.extend_from_slice(&CN_VAL_PROC.to_ne_bytes());
        msg.extend_from_slice(&0u32.to_ne_bytes()); // seq
        msg.extend_from_slice(&0u32.to_ne_bytes()); // ack
        msg.extend_from_slice(&4u16.to_ne_bytes()); // len of the op
        msg.extend_from_slice(&0u16.to_ne_bytes()); // flags
        msg.extend_from_slice(&PROC_CN_MCAST_LISTEN.to_ne_bytes());
        // SAFETY: send from a live buffer of the given length.
        let sent = unsafe { libc::send(fd.as_raw_fd(), msg.as_ptr().cast(), msg.len(), 0) };
        if sent < 0 {
            return Err(last_error());
        }
        let mut events = ProcEvents {
            fd,
            buf: vec![0; 64 * 1024],
            mounts: crate::kernel::own::mount_table_watch(std::path::Path::new("/proc")).ok(),
        };
        // Subscribing without CAP_NET_ADMIN is not refused by send(2); the kernel answers
        // with an ack carrying the error on some kernels and with silence on others. An EPERM
        // here (or ECONNREFUSED from a missing connector) is the refusal.
        events.drain(&mut Batch::default())?;
        Ok(events)
    }

    /// Waits up to `timeout` for events; once the first arrives, keeps collecting for
    /// `settle` more (a fork is usually followed by an exec within microseconds: one re-read
    /// then sees both), and returns the batch (empty on timeout). The settle is one sleep and
    /// one more drain, not a wakeup per message: under constant churn a batch costs two
    /// wakeups however many processes came and went in it.
    pub fn wait(&mut self, timeout: Duration, settle: Duration) -> std::io::Result<Batch> {
        let mut batch = Batch::default();
        if !self.poll(timeout, &mut batch)? {
            return Ok(batch);
        }
        self.drain(&mut batch)?;
        if !settle.is_zero() {
            std::thread::sleep(settle);
            // Picks up a mount-table change made meanwhile too (no wait).
            self.poll(Duration::ZERO, &mut batch)?;
            self.drain(&mut batch)?;
        }
        Ok(batch)
    }

    /// Waits for the socket to be readable (true) or the mount table to change (noted in
    /// `batch`); false on timeout. The kernel clears the mount table's flag as it reports it.
    fn poll(&self, timeout: Duration, batch: &mut Batch) -> std::io::Result<bool> {
        use nix::poll::{PollFd, PollFlags, PollTimeout};
        use std::os::fd::AsFd;
        let mut fds = vec![PollFd::new(self.fd.as_fd(), PollFlags::POLLIN)];
        if let Some(mounts) = &self.mounts {
            fds.push(PollFd::new(mounts.as_fd(), PollFlags::POLLPRI));
        }
        let ms = u16::try_from(timeout.as_millis()).unwrap_or(u16::MAX);
        match nix::poll::poll(&mut fds, PollTimeout::from(ms)) {
            Ok(0) | Err(nix::errno::Errno::EINTR) => return Ok(false),
            Ok(_) => {}
            Err(errno) => return Err(errno.into()),
        }
        let changed = PollFlags::POLLPRI | PollFlags::POLLERR;
        if fds
            .get(1)
            .and_then(PollFd::revents)
            .is_some_and(|revents| revents.intersects(changed))
        {
            batch.mounts = true;
        }
        Ok(fds[0].revents().is_some_and(|revents| !revents.is_empty()))
    }

    /// Reads every message queued now into `batch`.
    fn drain(&mut self, batch: &mut Batch) -> std::io::Result<()> {
        loop {
            // SAFETY: recv into our own buffer of the given length.
            let n = unsafe {
                libc::recv(
                    self.fd.as_raw_fd(),
                    self.buf.as_mut_ptr().cast(),
                    self.buf.len(),
                    0,
                )
            };
            if n < 0 {
                let err = last_error();
                match err.raw_os_error() {
                    Some(libc::EAGAIN) => return Ok(()),
                    Some(libc::EINTR) => continue,
                    Some(libc::ENOBUFS) => {
                        batch.overrun = true;
                        continue;
                    }
                    _ => return Err(err),
                }
            }
            parse_messages(&self.buf[..n as usize], batch)?;
        }
    }
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_ne_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

/// Parses one datagram (one or more netlink messages) into the batch. An `NLMSG_ERROR`
/// carrying an errno is returned as that error (the subscription was refused).
pub fn parse_messages(mut bytes: &[u8], batch: &mut Batch) -> std::io::Result<()> {
    while bytes.len() >= NLMSG_HDRLEN {
        let Some(len) = u32_at(bytes, 0).map(|l| l as usize) else {
            break;
        };
        if len < NLMSG_HDRLEN || len > bytes.len() {
            break;
        }
        let msg = &bytes[..len];
        let kind = u16::from_ne_bytes([msg[4], msg[5]]);
        if kind == libc::NLMSG_ERROR as u16 {
            if let Some(errno) = u32_at(msg, NLMSG_HDRLEN).map(|e| -(e as i32))
                && errno > 0
            {
                return Err(std::io::Error::from_raw_os_error(errno));
            }
        } else if u32_at(msg, NLMSG_HDRLEN) == Some(CN_IDX_PROC)
            && let Some(what) = u32_at(msg, EVENT_AT)
        {
            let pid = |at: usize| u32_at(msg, DATA_AT + at).map(|v| v as Pid);
            match what {
                PROC_EVENT_FORK => {
                    // A new thread (child_pid != child_tgid) changes no process's namespaces.
                    if let (Some(child), Some(tgid)) = (pid(8), pid(12))
                        && child == tgid
                    {
                        batch.changed.insert(child);
                    }
                }
                PROC_EVENT_EXEC => {
                    if let Some(tgid) = pid(4) {
                        batch.changed.insert(tgid);
                    }
                }
                PROC_EVENT_EXIT => {
                    if let (Some(pid_), Some(tgid)) = (pid(0), pid(4))
                        && pid_ == tgid
                    {
                        batch.changed.remove(&tgid);
                        batch.exited.insert(tgid);
                    }
                }
                _ => {}
            }
        }
        // Netlink messages are padded to 4 bytes.
        let next = len.div_ceil(4) * 4;
        bytes = bytes.get(next..).unwrap_or(&[]);
    }
    Ok(())
}

/// One proc connector message as the kernel sends it (for tests on fake events).
#[cfg(test)]
pub(crate) fn test_message(what: u32, data: [u32; 4]) -> Vec<u8> {
    let mut m = Vec::new();
    let total = (DATA_AT + 16) as u32;
    m.extend_from_slice(&total.to_ne_bytes());
    m.extend_from_slice(&(libc::NLMSG_DONE as u16).to_ne_bytes());
    m.extend_from_slice(&[0; 10]);
    m.extend_from_slice(&CN_IDX_PROC.to_ne_bytes());
    m.extend_from_slice(&CN_VAL_PROC.to_ne_bytes());
    m.extend_from_slice(&[0; 8]);
    m.extend_from_slice(&40u16.to_ne_bytes());
    m.extend_from_slice(&[0; 2]);
    m.extend_from_slice(&what.to_ne_bytes());
    m.extend_from_slice(&[0; 12]); // cpu, timestamp
    for v in data {
        m.extend_from_slice(&v.to_ne_bytes());
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    use test_message as message;

    #[test]
    fn fork_exec_exit_become_pids_and_threads_are_ignored() {
        let mut bytes = message(PROC_EVENT_FORK, [1, 1, 50, 50]);
        bytes.extend(message(PROC_EVENT_FORK, [50, 50, 51, 50])); // a thread of 50
        bytes.extend(message(PROC_EVENT_EXEC, [60, 60, 0, 0]));
        bytes.extend(message(PROC_EVENT_EXIT, [70, 70, 0, 0]));
        bytes.extend(message(PROC_EVENT_EXIT, [52, 50, 0, 0])); // a thread exits
        let mut batch = Batch::default();
        parse_messages(&bytes, &mut batch).expect("parse");
        assert_eq!(batch.changed, BTreeSet::from([50, 60]));
        assert_eq!(batch.exited, BTreeSet::from([70]));
        // Exit after fork in one batch: the process is gone, not to be re-read.
        let mut bytes = message(PROC_EVENT_FORK, [1, 1, 80, 80]);
        bytes.extend(message(PROC_EVENT_EXIT, [80, 80, 0, 0]));
        let mut batch = Batch::default();
        parse_messages(&bytes, &mut batch).expect("parse");
        assert!(batch.changed.is_empty());
        assert_eq!(batch.exited, BTreeSet::from([80]));
        // Truncated input is ignored, not read past.
        parse_messages(&bytes[..30], &mut Batch::default()).expect("short");
    }
}
