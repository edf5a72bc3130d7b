//! uid -> login name: the live host asks NSS (`nix::unistd::User`, getpwuid_r: /etc/passwd,
//! LDAP, systemd-homed, whatever nsswitch.conf says); a fake proc root brings its own passwd
//! file (pure parser below) so fixture output does not depend on the machine.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::model::Snapshot;

/// Parses passwd lines `name:x:uid:...` into uid -> name; the first entry for a uid wins, as
/// getpwuid(3) answers. Comments, blank and malformed lines are skipped.
pub fn parse_passwd(text: &[u8]) -> BTreeMap<u32, String> {
    let mut names = BTreeMap::new();
    for line in text.split(|&b| b == b'\n') {
        if line.first() == Some(&b'#') {
            continue;
        }
        let mut fields = line.split(|&b| b == b':');
        let (Some(name), Some(_), Some(uid)) = (fields.next(), fields.next(), fields.next()) else {
            continue;
        };
        let Some(uid) = std::str::from_utf8(uid)
            .ok()
            .and_then(|u| u.parse::<u32>().ok())
        else {
            continue;
        };
        if name.is_empty() {
            continue;
        }
        names
            .entry(uid)
            .or_insert_with(|| String::from_utf8_lossy(name).into_owned());
    }
    names
}

/// Names for every uid the snapshot mentions (process owners and user-namespace owners, and
/// 0, which lsns shows for a namespace no process is in, when owners were read at all): from
/// NSS for the live host's `/etc/passwd`, from the file itself for a fixture's.
pub fn names_for(snapshot: &Snapshot, passwd: &Path) -> BTreeMap<u32, String> {
    let owners: Vec<u32> = snapshot
        .processes
        .values()
        .map(|p| p.uid)
        .filter(|&uid| uid != crate::model::Process::UID_NOT_READ)
        .collect();
    let shown_for_processless = (!owners.is_empty()).then_some(0);
    let uids: BTreeSet<u32> = owners
        .into_iter()
        .chain(snapshot.namespaces.values().filter_map(|ns| ns.owner_uid))
        .chain(shown_for_processless)
        .collect();
    if passwd == Path::new("/etc/passwd") {
        return uids
            .into_iter()
            .filter_map(|uid| Some((uid, login_name(uid)?)))
            .collect();
    }
    let table = std::fs::read(passwd)
        .map(|t| parse_passwd(&t))
        .unwrap_or_default();
    uids.into_iter()
        .filter_map(|uid| Some((uid, table.get(&uid)?.clone())))
        .collect()
}

/// The live host's name for `uid`, as getpwuid(3) answers (None: no such user, or NSS failed).
pub fn login_name(uid: u32) -> Option<String> {
    nix::unistd::User::from_uid(uid.into())
        .ok()
        .flatten()
        .map(|u| u.name)
}

/// The live host's login shell for `uid` (passwd's 7th field), when set.
pub fn login_shell(uid: u32) -> Option<std::path::PathBuf> {
    let user = nix::unistd::User::from_uid(uid.into()).ok().flatten()?;
    (!user.shell.as_os_str().is_empty()).then_some(user.shell)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_passwd_lines() {
        let text = b"root:x:0:0:root:/root:/bin/bash\n\
            # a comment\n\
            \n\
            daemon:x:1:1::/usr/sbin:/usr/sbin/nologin\n\
            broken line\n\
            bad:x:notanumber:0::/:/bin/sh\n\
            :x:5:5::/:/bin/sh\n\
            toor:x:0:0:second root:/root:/bin/sh\n\
            nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin";
        let names = parse_passwd(text);
        assert_eq!(names.get(&0).map(String::as_str), Some("root"));
        assert_eq!(names.get(&1).map(String::as_str), Some("daemon"));
        assert_eq!(names.get(&65534).map(String::as_str), Some("nobody"));
        assert_eq!(names.len(), 3);
    }

    #[test]
    fn the_live_host_asks_nss() {
        // Every system has uid 0; NSS answers it from /etc/passwd at least.
        assert_eq!(login_name(0).as_deref(), Some("root"));
        assert!(login_shell(0).is_some_and(|s| s.is_absolute()));
        let text = std::fs::read("/etc/passwd").expect("/etc/passwd");
        for (uid, name) in parse_passwd(&text) {
            // The first entry for a uid is what getpwuid returns, through NSS or not.
            assert_eq!(login_name(uid).as_deref(), Some(name.as_str()), "uid {uid}");
        }
    }
}
