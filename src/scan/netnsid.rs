//! The network subsystem's id for another network namespace (lsns's NETNSID column), asked
//! over rtnetlink with `RTM_GETNSID` and an nsfs fd, as `ip netns list-id` does.
//!
//! Only `list` uses it, and only when the NETNSID column is shown: it costs a socket round trip
//! per network namespace.

use std::os::fd::{AsRawFd, OwnedFd};
use std::path::Path;

use super::kernel::open_ns_file;

const RTM_NEWNSID: u16 = 88;
const RTM_GETNSID: u16 = 90;
const NETNSA_NSID: u16 = 1;
const NETNSA_FD: u16 = 3;
/// `NETNSA_NSID_NOT_ASSIGNED`: the namespaces know each other but no id was set.
pub const NOT_ASSIGNED: i32 = -1;

/// An rtnetlink socket in the scanning process's network namespace.
pub struct NetnsidQuery {
    socket: OwnedFd,
}

impl NetnsidQuery {
    pub fn new() -> Option<NetnsidQuery> {
        // SAFETY: plain socket(2); the result is checked before use.
        let fd = unsafe {
            libc::socket(
                libc::AF_NETLINK,
                libc::SOCK_RAW | libc::SOCK_CLOEXEC,
                libc::NETLINK_ROUTE,
            )
        };
        if fd < 0 {
            return None;
        }
        // SAFETY: a fresh fd that nothing else owns.
        let socket = unsafe { std::os::fd::FromRawFd::from_raw_fd(fd) };
        Some(NetnsidQuery { socket })
    }

    /// The id of the network namespace behind `path` (a `/proc/PID/ns/net` or a bind mount),
    /// [`NOT_ASSIGNED`] when it has none, None when the kernel would not say.
    pub fn id_of(&self, path: &Path) -> Option<i32> {
        let target = open_ns_file(path).ok()?;
        let request = build_request(target.as_raw_fd());
        // SAFETY: the buffer is valid for its length; the socket is ours.
        let sent = unsafe {
            libc::send(
                self.socket.as_raw_fd(),
                request.as_ptr().cast(),
                request.len(),
                0,
            )
        };
        if sent < 0 {
            return None;
        }
        let mut reply = [0u8; 256];
        // SAFETY: recv writes at most reply.len() bytes into our buffer.
        let got = unsafe {
            libc::recv(
                self.socket.as_raw_fd(),
                reply.as_mut_ptr().cast(),
                reply.len(),
                0,
            )
        };
        let got = usize::try_from(got).ok()?;
        parse_reply(reply.get(..got)?)
    }
}

/// nlmsghdr (16) + rtgenmsg padded to 4 + one rtattr carrying the fd.
fn build_request(fd: i32) -> [u8; 28] {
    let mut req = [0u8; 28];
    req[0..4].copy_from_slice(&28u32.to_ne_bytes());
    req[4..6].copy_from_slice(&RTM_GETNSID.to_ne_bytes());
    req[6..8].copy_from_slice(&(libc::NLM_F_REQUEST as u16).to_ne_bytes());
    req[16] = libc::AF_UNSPEC as u8;
    req[20..22].copy_from_slice(&8u16.to_ne_bytes());
    req[22..24].copy_from_slice(&NETNSA_FD.to_ne_bytes());
    req[24..28].copy_from_slice(&fd.to_ne_bytes());
    req
}

/// Reads the NETNSA_NSID attribute of an RTM_NEWNSID answer (an error answer gives None).
fn parse_reply(reply: &[u8]) -> Option<i32> {
    let u16_at = |at: usize| {
        reply
            .get(at..at + 2)
            .map(|b| u16::from_ne_bytes([b[0], b[1]]))
    };
    let len = u32::from_ne_bytes(reply.get(0..4)?.try_into().ok()?) as usize;
    if len > reply.len() || u16_at(4)? != RTM_NEWNSID {
        return None;
    }
    let mut at = 20;
    while at + 4 <= len {
        let rta_len = usize::from(u16_at(at)?);
        if rta_len < 4 {
            return None;
        }
        if u16_at(at + 2)? == NETNSA_NSID {
            let value = reply.get(at + 4..at + 8)?;
            return Some(i32::from_ne_bytes(value.try_into().ok()?));
        }
        at += (rta_len + 3) & !3;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_layout() {
        let req = build_request(7);
        assert_eq!(u32::from_ne_bytes([req[0], req[1], req[2], req[3]]), 28);
        assert_eq!(u16::from_ne_bytes([req[4], req[5]]), RTM_GETNSID);
        assert_eq!(i32::from_ne_bytes([req[24], req[25], req[26], req[27]]), 7);
    }

    #[test]
    fn parses_answers() {
        let mut reply = vec![0u8; 28];
        reply[0..4].copy_from_slice(&28u32.to_ne_bytes());
        reply[4..6].copy_from_slice(&RTM_NEWNSID.to_ne_bytes());
        reply[20..22].copy_from_slice(&8u16.to_ne_bytes());
        reply[22..24].copy_from_slice(&NETNSA_NSID.to_ne_bytes());
        reply[24..28].copy_from_slice(&(-1i32).to_ne_bytes());
        assert_eq!(parse_reply(&reply), Some(NOT_ASSIGNED));
        reply[24..28].copy_from_slice(&3i32.to_ne_bytes());
        assert_eq!(parse_reply(&reply), Some(3));
        // An NLMSG_ERROR answer, and garbage.
        reply[4..6].copy_from_slice(&2u16.to_ne_bytes());
        assert_eq!(parse_reply(&reply), None);
        assert_eq!(parse_reply(&reply[..10]), None);
        assert_eq!(parse_reply(&[]), None);
    }
}
