//! uid -> login name, from a passwd file (pure parser) with a libc fallback for the real one.
//!
//! A fake proc root brings its own passwd so fixture output does not depend on the machine.

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

/// Names for every uid the snapshot mentions (process owners and user-namespace owners).
pub fn names_for(snapshot: &Snapshot, passwd: &Path) -> BTreeMap<u32, String> {
    let uids: BTreeSet<u32> = snapshot
        .processes
        .values()
        .map(|p| p.uid)
        .chain(snapshot.namespaces.values().filter_map(|ns| ns.owner_uid))
        .collect();
    let table = std::fs::read(passwd)
        .map(|t| parse_passwd(&t))
        .unwrap_or_default();
    let system = passwd == Path::new("/etc/passwd");
    uids.into_iter()
        .filter_map(|uid| {
            let name = table.get(&uid).cloned().or_else(|| {
                // NSS (LDAP, systemd-homed, ...) knows users /etc/passwd does not.
                system
                    .then(|| nix::unistd::User::from_uid(uid.into()).ok().flatten())
                    .flatten()
                    .map(|u| u.name)
            })?;
            Some((uid, name))
        })
        .collect()
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
}
