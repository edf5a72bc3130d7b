//! rtnetlink, dependency-free: the request builder, the pure parser for replies (messages,
//! attributes, links, addresses, default routes) and a small blocking socket loop.
//!
//! A socket answers for the network namespace of the thread that created it, so `details`
//! opens one on a thread that has joined the namespace (see `inside::run_inside`). Crates
//! such as rtnetlink/netlink-packet-route would pull in an async stack or a dozen crates for
//! the five requests used here.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

use super::net::{Interface, Peer, Route, format_mac, operstate_name};

const NLMSG_HDRLEN: usize = 16;
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;
const RTM_NEWLINK: u16 = 16;
const RTM_GETLINK: u16 = 18;
const RTM_NEWADDR: u16 = 20;
const RTM_GETADDR: u16 = 22;
const RTM_NEWROUTE: u16 = 24;
const RTM_GETROUTE: u16 = 26;
const RTM_NEWNSID: u16 = 88;
const RTM_GETNSID: u16 = 90;
const IFLA_ADDRESS: u16 = 1;
const IFLA_IFNAME: u16 = 3;
const IFLA_MTU: u16 = 4;
const IFLA_LINK: u16 = 5;
const IFLA_OPERSTATE: u16 = 16;
const IFLA_LINKINFO: u16 = 18;
const IFLA_INFO_KIND: u16 = 1;
const IFLA_LINK_NETNSID: u16 = 37;
const IFA_ADDRESS: u16 = 1;
const IFA_LOCAL: u16 = 2;
const RTA_DST: u16 = 1;
const RTA_OIF: u16 = 4;
const RTA_GATEWAY: u16 = 5;
const RTA_TABLE: u16 = 15;
const NETNSA_NSID: u16 = 1;
const NETNSA_FD: u16 = 3;
const RT_TABLE_MAIN: u32 = 254;
const RTN_UNICAST: u8 = 1;
/// NLA_F_NESTED and NLA_F_NET_BYTEORDER live in the type's top bits.
const NLA_TYPE_MASK: u16 = 0x3fff;

fn align4(n: usize) -> usize {
    (n + 3) & !3
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_ne_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_ne_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// One netlink message: its type and payload (after the 16-byte header).
#[derive(Debug, PartialEq, Eq)]
pub struct Message<'a> {
    pub kind: u16,
    pub seq: u32,
    pub payload: &'a [u8],
}

/// Splits a datagram into messages; stops at the first truncated or garbled header.
pub fn messages(mut buf: &[u8]) -> Vec<Message<'_>> {
    let mut out = Vec::new();
    while buf.len() >= NLMSG_HDRLEN {
        let Some(len) = u32_at(buf, 0).map(|l| l as usize) else {
            break;
        };
        if len < NLMSG_HDRLEN || len > buf.len() {
            break;
        }
        let (Some(kind), Some(seq)) = (u16_at(buf, 4), u32_at(buf, 8)) else {
            break;
        };
        out.push(Message {
            kind,
            seq,
            payload: &buf[NLMSG_HDRLEN..len],
        });
        buf = buf.get(align4(len)..).unwrap_or_default();
    }
    out
}

/// Splits an attribute area into (type, value) pairs; stops at the first garbled one.
pub fn attributes(mut buf: &[u8]) -> Vec<(u16, &[u8])> {
    let mut out = Vec::new();
    while buf.len() >= 4 {
        let (Some(len), Some(kind)) = (u16_at(buf, 0), u16_at(buf, 2)) else {
            break;
        };
        let len = len as usize;
        if len < 4 || len > buf.len() {
            break;
        }
        out.push((kind & NLA_TYPE_MASK, &buf[4..len]));
        buf = buf.get(align4(len)..).unwrap_or_default();
    }
    out
}

fn c_string(value: &[u8]) -> String {
    let end = value.iter().position(|&b| b == 0).unwrap_or(value.len());
    String::from_utf8_lossy(&value[..end]).into_owned()
}

fn ip(family: u8, value: &[u8]) -> Option<IpAddr> {
    match (i32::from(family), value.len()) {
        (libc::AF_INET, 4) => Some(IpAddr::V4(Ipv4Addr::new(
            value[0], value[1], value[2], value[3],
        ))),
        (libc::AF_INET6, 16) => {
            let octets: [u8; 16] = value.try_into().ok()?;
            Some(IpAddr::V6(Ipv6Addr::from(octets)))
        }
        _ => None,
    }
}

/// Parses an RTM_NEWLINK payload (ifinfomsg + attributes).
pub fn parse_link(payload: &[u8]) -> Option<Interface> {
    // struct ifinfomsg { u8 family, pad; u16 type; i32 index; u32 flags, change; }
    let index = u32_at(payload, 4)?;
    let flags = u32_at(payload, 8)?;
    let mut iface = Interface {
        index: Some(index),
        up: Some(flags & libc::IFF_UP as u32 != 0),
        ..Interface::default()
    };
    let mut link = None;
    let mut netnsid = None;
    for (kind, value) in attributes(payload.get(16..)?) {
        match kind {
            IFLA_IFNAME => iface.name = c_string(value),
            IFLA_ADDRESS if !value.is_empty() => iface.mac = Some(format_mac(value)),
            IFLA_MTU => iface.mtu = u32_at(value, 0),
            IFLA_OPERSTATE => iface.state = value.first().map(|s| operstate_name(*s).into()),
            IFLA_LINK => link = u32_at(value, 0),
            IFLA_LINK_NETNSID => netnsid = u32_at(value, 0).map(|v| v as i32),
            IFLA_LINKINFO => {
                iface.kind = attributes(value)
                    .into_iter()
                    .find(|(k, _)| *k == IFLA_INFO_KIND)
                    .map(|(_, v)| c_string(v));
            }
            _ => {}
        }
    }
    // An IFLA_LINK equal to the device's own index (or none: older kernels leave it out
    // then, see nla_put_iflink) means "no lower device", except for a veth: its peer may
    // have the same index in its own namespace (two fresh namespaces both number it 2).
    if iface.kind.as_deref() == Some("veth") {
        link = link.filter(|&l| l != 0).or(Some(index));
    } else {
        link = link.filter(|&l| l != 0 && l != index);
    }
    iface.peer = link.map(|index| Peer {
        index,
        link_netnsid: netnsid,
        ..Peer::default()
    });
    (!iface.name.is_empty()).then_some(iface)
}

/// Parses an RTM_NEWADDR payload into (ifindex, `address/prefix`).
pub fn parse_addr(payload: &[u8]) -> Option<(u32, String)> {
    // struct ifaddrmsg { u8 family, prefixlen, flags, scope; u32 index; }
    let family = *payload.first()?;
    let prefix = *payload.get(1)?;
    let index = u32_at(payload, 4)?;
    let attrs = attributes(payload.get(8..)?);
    // IFA_LOCAL is the address on point-to-point links, where IFA_ADDRESS is the peer.
    let value = attrs
        .iter()
        .find(|(k, _)| *k == IFA_LOCAL)
        .or_else(|| attrs.iter().find(|(k, _)| *k == IFA_ADDRESS))?
        .1;
    Some((index, format!("{}/{prefix}", ip(family, value)?)))
}

/// Parses an RTM_NEWROUTE payload; Some only for a default route of the main table.
pub fn parse_default_route(payload: &[u8]) -> Option<(&'static str, Option<String>, Option<u32>)> {
    // struct rtmsg { u8 family, dst_len, src_len, tos, table, protocol, scope, type; u32 flags; }
    let family = *payload.first()?;
    let dst_len = *payload.get(1)?;
    let mut table = u32::from(*payload.get(4)?);
    let kind = *payload.get(7)?;
    let mut gateway = None;
    let mut oif = None;
    let mut has_dst = false;
    for (attr, value) in attributes(payload.get(12..)?) {
        match attr {
            RTA_TABLE => table = u32_at(value, 0).unwrap_or(table),
            RTA_GATEWAY => gateway = ip(family, value).map(|a| a.to_string()),
            RTA_OIF => oif = u32_at(value, 0),
            RTA_DST => has_dst = true,
            _ => {}
        }
    }
    if dst_len != 0 || has_dst || table != RT_TABLE_MAIN || kind != RTN_UNICAST {
        return None;
    }
    let family = if i32::from(family) == libc::AF_INET6 {
        "inet6"
    } else {
        "inet"
    };
    Some((family, gateway, oif))
}

/// Builds a request: header, a fixed family struct of `body_len` bytes, then attributes.
pub fn request(
    kind: u16,
    flags: u16,
    seq: u32,
    family: u8,
    body_len: usize,
    attrs: &[(u16, &[u8])],
) -> Vec<u8> {
    let mut msg = vec![0u8; NLMSG_HDRLEN + align4(body_len)];
    msg[NLMSG_HDRLEN] = family;
    for (kind, value) in attrs {
        let len = 4 + value.len();
        msg.extend_from_slice(&(len as u16).to_ne_bytes());
        msg.extend_from_slice(&kind.to_ne_bytes());
        msg.extend_from_slice(value);
        msg.resize(align4(msg.len()), 0);
    }
    let total = msg.len() as u32;
    msg[0..4].copy_from_slice(&total.to_ne_bytes());
    msg[4..6].copy_from_slice(&kind.to_ne_bytes());
    msg[6..8].copy_from_slice(&flags.to_ne_bytes());
    msg[8..12].copy_from_slice(&seq.to_ne_bytes());
    msg
}

/// `NETNSA_NSID_NOT_ASSIGNED`.
pub const NSID_NOT_ASSIGNED: i32 = -1;

/// An rtnetlink socket in the calling thread's network namespace.
pub struct Socket {
    fd: OwnedFd,
    seq: u32,
}

impl Socket {
    pub fn open() -> std::io::Result<Socket> {
        // SAFETY: plain socket(2); the result is checked and owned below.
        let fd = unsafe {
            libc::socket(
                libc::AF_NETLINK,
                libc::SOCK_RAW | libc::SOCK_CLOEXEC,
                libc::NETLINK_ROUTE,
            )
        };
        if fd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        // A dump of a few thousand routes must not hang the UI: bound every recv.
        let timeout = libc::timeval {
            tv_sec: 2,
            tv_usec: 0,
        };
        // SAFETY: fd is a fresh socket that nothing else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        // SAFETY: setsockopt with a pointer to a live timeval of the stated size.
        let set = unsafe {
            libc::setsockopt(
                fd.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_RCVTIMEO,
                (&raw const timeout).cast(),
                std::mem::size_of::<libc::timeval>() as libc::socklen_t,
            )
        };
        // Without the timeout a recv could block forever: no socket rather than that.
        if set != 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(Socket { fd, seq: 0 })
    }

    /// Sends one request and collects the payloads of replies of type `reply` until DONE
    /// (dumps) or the first reply (single requests).
    fn exchange(
        &mut self,
        kind: u16,
        dump: bool,
        family: u8,
        body_len: usize,
        attrs: &[(u16, &[u8])],
        reply: u16,
    ) -> std::io::Result<Vec<Vec<u8>>> {
        self.seq += 1;
        let mut flags = libc::NLM_F_REQUEST as u16;
        if dump {
            flags |= libc::NLM_F_DUMP as u16;
        }
        let msg = request(kind, flags, self.seq, family, body_len, attrs);
        // SAFETY: send from a live buffer of the given length; the kernel is the peer
        // (a netlink socket's default destination).
        let sent = unsafe { libc::send(self.fd.as_raw_fd(), msg.as_ptr().cast(), msg.len(), 0) };
        if sent < 0 {
            return Err(std::io::Error::last_os_error());
        }
        let mut out = Vec::new();
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            // SAFETY: recv into a live buffer of the given length.
            let n =
                unsafe { libc::recv(self.fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), 0) };
            if n < 0 {
                let err = std::io::Error::last_os_error();
                if err.kind() == std::io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(err);
            }
            let messages = messages(&buf[..n as usize]);
            if messages.is_empty() {
                return Err(std::io::Error::from_raw_os_error(libc::EBADMSG));
            }
            for m in messages {
                if m.seq != self.seq {
                    continue;
                }
                match m.kind {
                    NLMSG_DONE => return Ok(out),
                    NLMSG_ERROR => {
                        let errno = u32_at(m.payload, 0).map_or(libc::EIO, |e| -(e as i32));
                        if errno == 0 {
                            return Ok(out);
                        }
                        return Err(std::io::Error::from_raw_os_error(errno));
                    }
                    k if k == reply => {
                        out.push(m.payload.to_vec());
                        if !dump {
                            return Ok(out);
                        }
                    }
                    _ => {}
                }
            }
        }
    }

    /// Every interface with its addresses.
    pub fn interfaces(&mut self) -> std::io::Result<Vec<Interface>> {
        let mut links: Vec<Interface> = self
            .exchange(
                RTM_GETLINK,
                true,
                libc::AF_UNSPEC as u8,
                16,
                &[],
                RTM_NEWLINK,
            )?
            .iter()
            .filter_map(|p| parse_link(p))
            .collect();
        let addrs: Vec<(u32, String)> = self
            .exchange(
                RTM_GETADDR,
                true,
                libc::AF_UNSPEC as u8,
                8,
                &[],
                RTM_NEWADDR,
            )?
            .iter()
            .filter_map(|p| parse_addr(p))
            .collect();
        // IPv4 first, then IPv6, each in kernel order.
        for v6 in [false, true] {
            for (index, address) in &addrs {
                if address.contains(':') != v6 {
                    continue;
                }
                if let Some(link) = links.iter_mut().find(|l| l.index == Some(*index)) {
                    link.addresses.push(address.clone());
                }
            }
        }
        links.sort_by_key(|l| l.index);
        Ok(links)
    }

    /// Default routes of the main table, IPv4 then IPv6.
    pub fn default_routes(&mut self, links: &[Interface]) -> std::io::Result<Vec<Route>> {
        let mut routes = Vec::new();
        for family in [libc::AF_INET, libc::AF_INET6] {
            let replies = self.exchange(RTM_GETROUTE, true, family as u8, 12, &[], RTM_NEWROUTE)?;
            for payload in &replies {
                if let Some((family, gateway, oif)) = parse_default_route(payload) {
                    let device = oif.and_then(|i| {
                        links
                            .iter()
                            .find(|l| l.index == Some(i))
                            .map(|l| l.name.clone())
                    });
                    routes.push(Route {
                        family,
                        gateway,
                        device,
                    });
                }
            }
        }
        Ok(routes)
    }

    /// RTM_GETNSID: the id this socket's namespace gave the namespace behind `netns_fd`
    /// (None when it has none).
    pub fn nsid_of(&mut self, netns_fd: i32) -> std::io::Result<Option<i32>> {
        Ok(self.nsid_raw(netns_fd)?.filter(|&id| id >= 0))
    }

    /// The raw NETNSA_NSID answer for a network namespace fd: [`NSID_NOT_ASSIGNED`] when the
    /// two namespaces know each other but no id was set (lsns's "unassigned").
    pub fn nsid_raw(&mut self, netns_fd: i32) -> std::io::Result<Option<i32>> {
        let fd = (netns_fd as u32).to_ne_bytes();
        let replies = self.exchange(
            RTM_GETNSID,
            false,
            libc::AF_UNSPEC as u8,
            1,
            &[(NETNSA_FD, &fd)],
            RTM_NEWNSID,
        )?;
        let id = replies.first().and_then(|p| {
            attributes(p.get(4..)?)
                .into_iter()
                .find(|(k, _)| *k == NETNSA_NSID)
                .and_then(|(_, v)| u32_at(v, 0))
                .map(|v| v as i32)
        });
        Ok(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attr(kind: u16, value: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&((4 + value.len()) as u16).to_ne_bytes());
        out.extend_from_slice(&kind.to_ne_bytes());
        out.extend_from_slice(value);
        out.resize(align4(out.len()), 0);
        out
    }

    fn ifinfo(index: i32, flags: u32, attrs: &[Vec<u8>]) -> Vec<u8> {
        let mut p = vec![0u8; 16];
        p[4..8].copy_from_slice(&index.to_ne_bytes());
        p[8..12].copy_from_slice(&flags.to_ne_bytes());
        for a in attrs {
            p.extend_from_slice(a);
        }
        p
    }

    #[test]
    fn parses_a_veth_link() {
        let info = attr(IFLA_INFO_KIND, b"veth\0");
        let payload = ifinfo(
            7,
            (libc::IFF_UP | libc::IFF_LOWER_UP) as u32,
            &[
                attr(IFLA_IFNAME, b"veth0\0"),
                attr(IFLA_ADDRESS, &[0x02, 0x42, 0xac, 0x11, 0, 2]),
                attr(IFLA_MTU, &1500u32.to_ne_bytes()),
                attr(IFLA_OPERSTATE, &[6]),
                attr(IFLA_LINK, &12u32.to_ne_bytes()),
                attr(IFLA_LINK_NETNSID, &0i32.to_ne_bytes()),
                attr(IFLA_LINKINFO | 0x8000, &info),
                attr(999, b"ignored"),
            ],
        );
        let link = parse_link(&payload).expect("link");
        assert_eq!(link.index, Some(7));
        assert_eq!(link.name, "veth0");
        assert_eq!(link.mac.as_deref(), Some("02:42:ac:11:00:02"));
        assert_eq!(link.state.as_deref(), Some("UP"));
        assert_eq!(link.up, Some(true));
        assert_eq!(link.mtu, Some(1500));
        assert_eq!(link.kind.as_deref(), Some("veth"));
        let peer = link.peer.expect("peer");
        assert_eq!((peer.index, peer.link_netnsid), (12, Some(0)));
        // a veth whose peer has the same index in its namespace: no IFLA_LINK at all
        let same = ifinfo(
            2,
            0,
            &[
                attr(IFLA_IFNAME, b"nsv-a\0"),
                attr(IFLA_LINK_NETNSID, &1i32.to_ne_bytes()),
                attr(IFLA_LINKINFO, &info),
            ],
        );
        let peer = parse_link(&same).and_then(|l| l.peer).expect("veth peer");
        assert_eq!((peer.index, peer.link_netnsid), (2, Some(1)));
    }

    #[test]
    fn link_edge_cases() {
        // no name: dropped; self link: no peer; truncated attribute: stops cleanly
        assert_eq!(parse_link(&ifinfo(1, 0, &[])), None);
        let lo = parse_link(&ifinfo(
            1,
            libc::IFF_LOOPBACK as u32,
            &[
                attr(IFLA_IFNAME, b"lo\0"),
                attr(IFLA_LINK, &1u32.to_ne_bytes()),
            ],
        ))
        .expect("lo");
        assert_eq!(lo.peer, None);
        assert_eq!(lo.up, Some(false));
        let mut truncated = ifinfo(2, 0, &[attr(IFLA_IFNAME, b"eth0\0")]);
        truncated.extend_from_slice(&[200, 0, 3, 0, b'x']);
        assert_eq!(parse_link(&truncated).map(|l| l.name), Some("eth0".into()));
        assert_eq!(parse_link(&[0u8; 10]), None);
    }

    #[test]
    fn parses_addresses_and_routes() {
        let mut v4 = vec![libc::AF_INET as u8, 24, 0, 0];
        v4.extend_from_slice(&3u32.to_ne_bytes());
        v4.extend(attr(IFA_ADDRESS, &[10, 0, 0, 9]));
        v4.extend(attr(IFA_LOCAL, &[10, 0, 0, 1]));
        assert_eq!(parse_addr(&v4), Some((3, "10.0.0.1/24".into())));
        let mut v6 = vec![libc::AF_INET6 as u8, 64, 0, 0];
        v6.extend_from_slice(&3u32.to_ne_bytes());
        let mut a = [0u8; 16];
        a[0] = 0xfe;
        a[1] = 0x80;
        a[15] = 1;
        v6.extend(attr(IFA_ADDRESS, &a));
        assert_eq!(parse_addr(&v6), Some((3, "fe80::1/64".into())));
        let mut bad = vec![libc::AF_INET as u8, 24, 0, 0];
        bad.extend_from_slice(&3u32.to_ne_bytes());
        bad.extend(attr(IFA_ADDRESS, &[10, 0, 0]));
        assert_eq!(parse_addr(&bad), None);

        let mut route = vec![
            libc::AF_INET as u8,
            0,
            0,
            0,
            254,
            3,
            0,
            RTN_UNICAST,
            0,
            0,
            0,
            0,
        ];
        route.extend(attr(RTA_GATEWAY, &[10, 0, 0, 254]));
        route.extend(attr(RTA_OIF, &3u32.to_ne_bytes()));
        assert_eq!(
            parse_default_route(&route),
            Some(("inet", Some("10.0.0.254".into()), Some(3)))
        );
        let mut subnet = vec![
            libc::AF_INET as u8,
            24,
            0,
            0,
            254,
            3,
            0,
            RTN_UNICAST,
            0,
            0,
            0,
            0,
        ];
        subnet.extend(attr(RTA_DST, &[10, 0, 0, 0]));
        assert_eq!(parse_default_route(&subnet), None);
        let local = vec![
            libc::AF_INET as u8,
            0,
            0,
            0,
            255,
            3,
            0,
            RTN_UNICAST,
            0,
            0,
            0,
            0,
        ];
        assert_eq!(parse_default_route(&local), None);
    }

    #[test]
    fn splits_messages_and_survives_garbage() {
        let a = request(RTM_NEWLINK, 2, 5, 0, 16, &[(IFLA_IFNAME, b"a\0")]);
        let b = request(NLMSG_DONE, 2, 5, 0, 4, &[]);
        let mut both = a.clone();
        both.extend_from_slice(&b);
        let parsed = messages(&both);
        assert_eq!(parsed.len(), 2);
        assert_eq!(parsed[0].kind, RTM_NEWLINK);
        assert_eq!(parsed[1].kind, NLMSG_DONE);
        assert_eq!(parsed[0].seq, 5);
        // a length past the end, a length below the header: nothing, no panic
        let mut lying = a.clone();
        lying[0] = 0xff;
        assert!(messages(&lying).is_empty());
        let mut tiny = a;
        tiny[0..4].copy_from_slice(&3u32.to_ne_bytes());
        assert!(messages(&tiny).is_empty());
        assert!(messages(&[1, 2, 3]).is_empty());
        assert!(attributes(&[0, 0, 1, 0]).is_empty());
    }
}
