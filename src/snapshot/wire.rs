//! Deserialize for the detail types serde cannot derive it for: their `&'static str` fields
//! (`source`, `method`, `family`) would make the derived impl borrow from a `'static` input.
//! Each reads a twin with `String` fields and maps the words nsview writes back to its own
//! constants.

use serde::{Deserialize, Deserializer};

use crate::details::{CgroupDetails, Interface, NetDetails, Route};

/// The words nsview writes into those fields. Anything else (a snapshot from a newer nsview)
/// is leaked to get a `'static` str: bounded by the size of the file loaded once.
fn intern(text: String) -> &'static str {
    const KNOWN: [&str; 6] = ["netlink", "proc", "setns", "mountinfo", "inet", "inet6"];
    KNOWN
        .into_iter()
        .find(|known| *known == text)
        .unwrap_or_else(|| Box::leak(text.into_boxed_str()))
}

#[derive(Deserialize)]
struct NetTwin {
    #[serde(default)]
    netnsid: Option<i32>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    interfaces: Vec<Interface>,
    #[serde(default)]
    default_routes: Vec<Route>,
}

impl<'de> Deserialize<'de> for NetDetails {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let t = NetTwin::deserialize(d)?;
        Ok(NetDetails {
            netnsid: t.netnsid,
            source: t.source.map(intern),
            interfaces: t.interfaces,
            default_routes: t.default_routes,
        })
    }
}

#[derive(Deserialize)]
struct CgroupTwin {
    #[serde(default)]
    root: Option<String>,
    #[serde(default)]
    member_cgroup: Option<String>,
    #[serde(default)]
    method: Option<String>,
}

impl<'de> Deserialize<'de> for CgroupDetails {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let t = CgroupTwin::deserialize(d)?;
        Ok(CgroupDetails {
            root: t.root,
            member_cgroup: t.member_cgroup,
            method: t.method.map(intern),
        })
    }
}

#[derive(Deserialize)]
struct RouteTwin {
    family: String,
    #[serde(default)]
    gateway: Option<String>,
    #[serde(default)]
    device: Option<String>,
}

impl<'de> Deserialize<'de> for Route {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let t = RouteTwin::deserialize(d)?;
        Ok(Route {
            family: intern(t.family),
            gateway: t.gateway,
            device: t.device,
        })
    }
}
