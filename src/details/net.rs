//! Network namespace details: interfaces (state, MAC, addresses, veth peers) and default routes.
//!
//! The primary source is rtnetlink, asked from a socket made inside the namespace (see
//! `inside` and `netlink`). When the
//! namespace cannot be entered (a fake proc root, no CAP_SYS_ADMIN over it) the holder's
//! `/proc/PID/net/{dev,if_inet6,route}` give a smaller picture; their parsers are here too.

use std::net::{Ipv4Addr, Ipv6Addr};

use serde::{Deserialize, Serialize};

use crate::model::Inode;

/// One network interface.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interface {
    /// ifindex (unknown from `/proc/net/dev`).
    pub index: Option<u32>,
    pub name: String,
    /// `veth`, `bridge`, `dummy`... from IFLA_INFO_KIND; None for devices without one (lo).
    pub kind: Option<String>,
    /// RFC 2863 operstate as `ip link` prints it (`UP`, `DOWN`, `UNKNOWN`...).
    pub state: Option<String>,
    /// True when administratively up (IFF_UP).
    pub up: Option<bool>,
    pub mac: Option<String>,
    pub mtu: Option<u32>,
    /// `address/prefix`, IPv4 first.
    pub addresses: Vec<String>,
    /// For a veth: the other end, where it could be resolved.
    pub peer: Option<Peer>,
}

/// The other end of a veth (or the lower device of a macvlan/vlan).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Peer {
    pub index: u32,
    /// The peer's name, when its namespace could be read.
    pub name: Option<String>,
    /// IFLA_LINK_NETNSID: the id this namespace gave the peer's namespace (None: same one).
    pub link_netnsid: Option<i32>,
    /// The peer's network namespace inode, when resolved.
    pub netns: Option<Inode>,
}

/// A default route.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
// Deserialize is written by hand in snapshot::wire: serde cannot derive it for `&'static str`.
pub struct Route {
    /// `inet` or `inet6`.
    pub family: &'static str,
    pub gateway: Option<String>,
    pub device: Option<String>,
}

/// Operstate numbers (`IF_OPER_*`) as `ip link` names them.
pub fn operstate_name(value: u8) -> &'static str {
    match value {
        1 => "NOTPRESENT",
        2 => "DOWN",
        3 => "LOWERLAYERDOWN",
        4 => "TESTING",
        5 => "DORMANT",
        6 => "UP",
        _ => "UNKNOWN",
    }
}

pub fn format_mac(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// Interface names from `/proc/net/dev` (two header lines, then `name: counters...`).
pub fn parse_proc_net_dev(text: &str) -> Vec<String> {
    text.lines()
        .skip(2)
        .filter_map(|line| {
            let (name, _) = line.split_once(':')?;
            let name = name.trim();
            (!name.is_empty()).then(|| name.to_string())
        })
        .collect()
}

/// One `/proc/net/if_inet6` line: 32 hex digits, ifindex, prefix length, scope, flags (all
/// hex), name. Returns (ifindex, name, `addr/prefix`).
pub fn parse_if_inet6_line(line: &str) -> Option<(u32, String, String)> {
    let mut f = line.split_ascii_whitespace();
    let hex = f.next().filter(|h| h.len() == 32)?;
    let index = u32::from_str_radix(f.next()?, 16).ok()?;
    let prefix = u8::from_str_radix(f.next()?, 16).ok()?;
    let _scope = f.next()?;
    let _flags = f.next()?;
    let name = f.next()?.to_string();
    let value = u128::from_str_radix(hex, 16).ok()?;
    Some((index, name, format!("{}/{prefix}", Ipv6Addr::from(value))))
}

/// One line of `/proc/net/route`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcRoute {
    pub iface: String,
    pub destination: Ipv4Addr,
    pub gateway: Option<Ipv4Addr>,
    pub mask: Ipv4Addr,
}

/// Parses `/proc/net/route`. The addresses are hex of the in-memory `__be32` printed as a
/// native integer (`%08X`), so their native bytes are the address in network order.
pub fn parse_proc_net_route_table(text: &str) -> Vec<ProcRoute> {
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let f: Vec<&str> = line.split_ascii_whitespace().collect();
            let [iface, dest, gateway, _flags, _ref, _use, _metric, mask, ..] = f.as_slice() else {
                return None;
            };
            let addr = |s: &str| {
                u32::from_str_radix(s, 16)
                    .ok()
                    .map(|v| Ipv4Addr::from(v.to_ne_bytes()))
            };
            let gateway = addr(gateway)?;
            Some(ProcRoute {
                iface: iface.to_string(),
                destination: addr(dest)?,
                gateway: (!gateway.is_unspecified()).then_some(gateway),
                mask: addr(mask)?,
            })
        })
        .collect()
}

/// The IPv4 default routes of `/proc/net/route` (destination and mask 0) as (device, gateway).
pub fn parse_proc_net_route(text: &str) -> Vec<(String, Option<Ipv4Addr>)> {
    parse_proc_net_route_table(text)
        .into_iter()
        .filter(|r| r.destination.is_unspecified() && r.mask.is_unspecified())
        .map(|r| (r.iface, r.gateway))
        .collect()
}

/// The local IPv4 addresses of `/proc/net/fib_trie`: a leaf `|-- a.b.c.d` followed by a
/// `/32 host LOCAL` line. Deduplicated, in order of appearance.
pub fn parse_fib_trie_locals(text: &str) -> Vec<Ipv4Addr> {
    let mut leaf: Option<Ipv4Addr> = None;
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim_start_matches([' ', '|', '+', '-']).trim();
        if let Ok(addr) = line.parse::<Ipv4Addr>() {
            leaf = Some(addr);
        } else if line.starts_with("/32 host LOCAL")
            && let Some(addr) = leaf
            && !out.contains(&addr)
        {
            out.push(addr);
        }
    }
    out
}

/// Which interface a local address sits on, and its prefix, from the link routes of
/// `/proc/net/route` (the kernel adds one per address prefix): the longest matching route
/// without a gateway. Loopback addresses are lo's (their routes are in the local table only).
pub fn place_local_address(addr: Ipv4Addr, routes: &[ProcRoute]) -> Option<(String, u32)> {
    if addr.is_loopback() {
        return Some(("lo".into(), 8));
    }
    let value = u32::from(addr);
    routes
        .iter()
        .filter(|r| r.gateway.is_none() && !r.mask.is_unspecified())
        .filter(|r| value & u32::from(r.mask) == u32::from(r.destination))
        .max_by_key(|r| u32::from(r.mask).count_ones())
        .map(|r| (r.iface.clone(), u32::from(r.mask).count_ones()))
}

/// What `/proc/PID/net` alone tells: names, IPv4 addresses placed by their link routes,
/// IPv6 addresses, IPv4 default routes. No state, MAC or peer (those live in sysfs and netlink).
pub fn from_proc_files(
    dev: &str,
    if_inet6: &str,
    route: &str,
    fib_trie: &str,
) -> (Vec<Interface>, Vec<Route>) {
    let mut interfaces: Vec<Interface> = parse_proc_net_dev(dev)
        .into_iter()
        .map(|name| Interface {
            name,
            ..Interface::default()
        })
        .collect();
    let table = parse_proc_net_route_table(route);
    for addr in parse_fib_trie_locals(fib_trie) {
        if let Some((name, prefix)) = place_local_address(addr, &table)
            && let Some(iface) = interfaces.iter_mut().find(|i| i.name == name)
        {
            iface.addresses.push(format!("{addr}/{prefix}"));
        }
    }
    for (index, name, address) in if_inet6.lines().filter_map(parse_if_inet6_line) {
        if let Some(iface) = interfaces.iter_mut().find(|i| i.name == name) {
            iface.index = Some(index);
            iface.addresses.push(address);
        }
    }
    let routes = parse_proc_net_route(route)
        .into_iter()
        .map(|(device, gateway)| Route {
            family: "inet",
            gateway: gateway.map(|g| g.to_string()),
            device: Some(device),
        })
        .collect();
    (interfaces, routes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_proc_net_files() {
        let dev = "Inter-|   Receive                                                |  Transmit\n \
                   face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n    \
                   lo:       0       0    0    0    0     0          0         0        0       0    0    0    0     0       0          0\n\
                   veth-a@if5: 1296      16    0    0    0     0          0         0     1296      16    0    0    0     0       0          0\n\
                   broken line without colon\n";
        assert_eq!(parse_proc_net_dev(dev), ["lo", "veth-a@if5"]);
        assert_eq!(parse_proc_net_dev(""), Vec::<String>::new());

        let inet6 = "00000000000000000000000000000001 01 80 10 80       lo\n\
                     fe80000000000000b0b1b2fffeb3b4b5 05 40 20 80   veth-a\n\
                     zz 01 80 10 80 lo\n\
                     fe80000000000000b0b1b2fffeb3b4b5 05\n";
        let parsed: Vec<_> = inet6.lines().filter_map(parse_if_inet6_line).collect();
        assert_eq!(
            parsed,
            vec![
                (1, "lo".to_string(), "::1/128".to_string()),
                (
                    5,
                    "veth-a".to_string(),
                    "fe80::b0b1:b2ff:feb3:b4b5/64".to_string()
                )
            ]
        );

        let route = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n\
                     eth0\t00000000\t0100A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n\
                     eth0\t0000A8C0\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0\n\
                     tun0\t00000000\t00000000\t0001\t0\t0\t0\t00000000\t0\t0\t0\n\
                     short\t00000000\n";
        assert_eq!(
            parse_proc_net_route(route),
            vec![
                ("eth0".to_string(), Some(Ipv4Addr::new(192, 168, 0, 1))),
                ("tun0".to_string(), None)
            ]
        );
    }

    #[test]
    fn places_fib_trie_locals_on_interfaces() {
        let trie = "\
Main:
  +-- 0.0.0.0/0 3 0 5
     |-- 0.0.0.0
        /0 universe UNICAST
     +-- 172.17.0.0/16 2 0 2
        |-- 172.17.0.0
           /16 link UNICAST
        |-- 172.17.0.2
           /32 host LOCAL
Local:
  +-- 0.0.0.0/0 3 0 5
     +-- 127.0.0.0/8 2 0 2
        |-- 127.0.0.1
           /32 host LOCAL
        |-- 127.255.255.255
           /32 link BROADCAST
     |-- 172.17.0.2
        /32 host LOCAL
     |-- 10.9.9.9
        /32 host LOCAL
";
        let locals = parse_fib_trie_locals(trie);
        assert_eq!(
            locals,
            [
                Ipv4Addr::new(172, 17, 0, 2),
                Ipv4Addr::new(127, 0, 0, 1),
                Ipv4Addr::new(10, 9, 9, 9)
            ]
        );
        assert!(parse_fib_trie_locals("/32 host LOCAL\n|-- junk\n").is_empty());
        let route = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n\
                     eth0\t00000000\t010011AC\t0003\t0\t0\t0\t00000000\t0\t0\t0\n\
                     eth0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0\n\
                     eth1\t000011AC\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n";
        let table = parse_proc_net_route_table(route);
        // the longer /24 on eth1 wins over eth0's /16
        assert_eq!(
            place_local_address(Ipv4Addr::new(172, 17, 0, 2), &table),
            Some(("eth1".into(), 24))
        );
        assert_eq!(
            place_local_address(Ipv4Addr::new(172, 17, 9, 2), &table),
            Some(("eth0".into(), 16))
        );
        assert_eq!(
            place_local_address(Ipv4Addr::new(10, 9, 9, 9), &table),
            None
        );
        assert_eq!(
            place_local_address(Ipv4Addr::new(127, 0, 0, 1), &table),
            Some(("lo".into(), 8))
        );
        let dev = "h1\nh2\n  lo: 0\n eth0: 0\n";
        let (ifaces, _) = from_proc_files(dev, "", route, trie);
        assert_eq!(ifaces[0].addresses, ["127.0.0.1/8"]);
        assert_eq!(
            ifaces[1].addresses,
            Vec::<String>::new(),
            "eth0 has no /24 here"
        );
    }
}
