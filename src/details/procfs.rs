//! Pure parsers for the per-process `/proc` files the detail readers use: id maps, `NSpid`,
//! `timens_offsets`, the `sysvipc` tables, `mountinfo` and `cgroup`. Each takes text and keeps
//! only what the details show; malformed lines are skipped, never fatal.

use serde::{Deserialize, Serialize};

use crate::scan::holders::unescape_octal;

use crate::model::Pid;

/// One line of `uid_map`/`gid_map`: ids `inside..inside+count` map to `outside..`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdRange {
    pub inside: u32,
    pub outside: u32,
    pub count: u32,
}

impl std::fmt::Display for IdRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} → {}, range {}",
            self.inside, self.outside, self.count
        )
    }
}

/// Parses `uid_map`/`gid_map` text (`inside outside count` per line, padded with spaces).
pub fn parse_id_map(text: &str) -> Vec<IdRange> {
    text.lines()
        .filter_map(|line| {
            let mut f = line.split_ascii_whitespace().map(|n| n.parse::<u32>());
            let range = IdRange {
                inside: f.next()?.ok()?,
                outside: f.next()?.ok()?,
                count: f.next()?.ok()?,
            };
            f.next().is_none().then_some(range)
        })
        .collect()
}

/// A one-line summary of a map for narrow places (a list column): `0→1000/1,1→100000/65536`;
/// the identity map of the initial namespace reads `0→0/4294967295`.
pub fn id_map_summary(map: &[IdRange]) -> String {
    map.iter()
        .map(|r| format!("{}→{}/{}", r.inside, r.outside, r.count))
        .collect::<Vec<_>>()
        .join(",")
}

/// The `NSpid:` line of `/proc/PID/status`: the pid in each pid namespace from the reader's
/// down to the process's own (so the last is the pid inside).
pub fn parse_nspid(status: &str) -> Option<Vec<Pid>> {
    let line = status.lines().find_map(|l| l.strip_prefix("NSpid:"))?;
    let pids: Option<Vec<Pid>> = line
        .split_ascii_whitespace()
        .map(|n| n.parse().ok())
        .collect();
    pids.filter(|p| !p.is_empty())
}

/// A clock offset of a time namespace.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockOffset {
    pub seconds: i64,
    pub nanoseconds: i64,
}

/// The two offsets a time namespace has.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeOffsets {
    pub monotonic: ClockOffset,
    pub boottime: ClockOffset,
}

/// Parses `/proc/PID/timens_offsets`: `monotonic <secs> <nsecs>` and `boottime ...`. Clocks may
/// also be given by number (1 = monotonic, 7 = boottime), as the file accepts on write.
pub fn parse_timens_offsets(text: &str) -> Option<TimeOffsets> {
    let mut offsets = TimeOffsets::default();
    let mut seen = 0;
    for line in text.lines() {
        let mut f = line.split_ascii_whitespace();
        let (Some(clock), Some(secs), Some(nsecs)) = (f.next(), f.next(), f.next()) else {
            continue;
        };
        let (Ok(seconds), Ok(nanoseconds)) = (secs.parse(), nsecs.parse()) else {
            continue;
        };
        let offset = ClockOffset {
            seconds,
            nanoseconds,
        };
        match clock {
            "monotonic" | "1" => offsets.monotonic = offset,
            "boottime" | "7" => offsets.boottime = offset,
            _ => continue,
        }
        seen += 1;
    }
    (seen > 0).then_some(offsets)
}

/// Counts the entries of a `/proc/sysvipc/{shm,sem,msg}` table: every non-blank line after the
/// header.
pub fn count_sysvipc(text: &str) -> usize {
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .count()
}

/// The fields of one `mountinfo` line that the details show.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mount {
    pub id: u32,
    pub parent: u32,
    /// The path inside the filesystem that is mounted (`/` unless a bind mount of a subtree).
    pub root: String,
    pub mount_point: String,
    pub fstype: String,
    pub source: String,
}

/// Parses one mountinfo line
/// (`id parent maj:min root mount_point options [optional...] - fstype source super_options`)
/// with the procfs crate's parser, as the scanner's bind-mount discovery does; the kernel's
/// `\ooo` escapes in paths, which procfs leaves in, are decoded here. A source of `none` or
/// nothing reads `none`, as mount(8) prints it.
pub fn parse_mountinfo_line(line: &str) -> Option<Mount> {
    // procfs's errors copy the text they failed on: a planted multi-megabyte "line" would cost
    // its size again for each refusal. Real lines are far shorter (two escaped paths and the
    // options), and one that does not start with a mount id is refused here, for nothing.
    if line.len() > crate::kernel::read::Cap::MOUNTINFO_LINE
        || !line
            .split(' ')
            .next()
            .is_some_and(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let m = ::procfs::process::MountInfo::from_line(line).ok()?;
    Some(Mount {
        id: u32::try_from(m.mnt_id).ok()?,
        parent: u32::try_from(m.pid).ok()?,
        root: unescape_octal(&m.root),
        mount_point: unescape_octal(&m.mount_point.to_string_lossy()),
        fstype: m.fs_type,
        source: m
            .mount_source
            .map_or_else(|| "none".to_string(), |s| unescape_octal(&s)),
    })
}

/// Every well-formed line of a mountinfo text; a malformed one is skipped, never fatal (so not
/// procfs's `MountInfos`, which rejects the whole table for one odd line).
pub fn parse_mountinfo(text: &str) -> Vec<Mount> {
    text.lines().filter_map(parse_mountinfo_line).collect()
}

/// The mount points worth showing besides the root, in this order.
const KEY_MOUNT_POINTS: [&str; 9] = [
    "/proc",
    "/sys",
    "/dev",
    "/dev/pts",
    "/sys/fs/cgroup",
    "/run",
    "/tmp",
    "/home",
    "/etc/hostname",
];

/// The root filesystem (the last mount on `/`: later mounts hide earlier ones) and the key
/// mounts, each the last one on its mount point.
pub fn key_mounts(mounts: &[Mount]) -> (Option<&Mount>, Vec<&Mount>) {
    let last_on = |point: &str| mounts.iter().rev().find(|m| m.mount_point == point);
    let root = last_on("/");
    let keys = KEY_MOUNT_POINTS.iter().filter_map(|p| last_on(p)).collect();
    (root, keys)
}

/// One line of `/proc/PID/cgroup`: `hierarchy-id:controllers:path`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CgroupLine {
    pub hierarchy: u32,
    /// Empty for the unified (v2) hierarchy.
    pub controllers: String,
    pub path: String,
}

pub fn parse_cgroup(text: &str) -> Vec<CgroupLine> {
    text.lines()
        .filter_map(|line| {
            let mut f = line.splitn(3, ':');
            Some(CgroupLine {
                hierarchy: f.next()?.parse().ok()?,
                controllers: f.next()?.to_string(),
                path: f.next().filter(|p| p.starts_with('/'))?.to_string(),
            })
        })
        .collect()
}

/// The cgroup namespace root, as a path seen from outside, given where a member's cgroup is as
/// seen from outside (`outside`) and from inside the namespace (`inside`): the outside path
/// with the inside path's tail removed. None when they do not line up (the member moved out of
/// the namespace's root: the inside path then starts with `/..`).
pub fn cgroup_root(outside: &str, inside: &str) -> Option<String> {
    if inside == "/" {
        return Some(outside.to_string());
    }
    if inside.starts_with("/..") {
        return None;
    }
    let root = outside.strip_suffix(inside)?;
    // "/a/bc" minus "c" must not match: the cut has to fall on a component boundary.
    if inside.starts_with('/') || root.ends_with('/') {
        Some(if root.is_empty() {
            "/".into()
        } else {
            root.into()
        })
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_id_maps() {
        let initial = "         0          0 4294967295\n";
        assert_eq!(
            parse_id_map(initial),
            vec![IdRange {
                inside: 0,
                outside: 0,
                count: u32::MAX
            }]
        );
        let rootless = "         0       1000          1\n         1     100000      65536\n";
        let map = parse_id_map(rootless);
        assert_eq!(map.len(), 2);
        assert_eq!(map[0].to_string(), "0 → 1000, range 1");
        assert_eq!(map[1].to_string(), "1 → 100000, range 65536");
        assert_eq!(id_map_summary(&map), "0→1000/1,1→100000/65536");
        // empty (not written yet), junk, negative, too many fields, overflow, truncated
        for bad in [
            "",
            "\n",
            "a b c\n",
            "0 -1 1\n",
            "0 1 2 3\n",
            "0 0 4294967296\n",
            "0 1000",
        ] {
            assert_eq!(parse_id_map(bad), vec![], "{bad:?}");
        }
    }

    #[test]
    fn parses_nspid() {
        let status = "Name:\tsleep\nTgid:\t4242\nNgid:\t0\nPid:\t4242\nPPid:\t4241\n\
                      NStgid:\t4242\t1\nNSpid:\t4242\t1\nNSpgid:\t4241\t0\n";
        assert_eq!(parse_nspid(status), Some(vec![4242, 1]));
        assert_eq!(parse_nspid("NSpid:\t1\n"), Some(vec![1]));
        assert_eq!(parse_nspid("NSpid:\t9\t5\t1"), Some(vec![9, 5, 1]));
        assert_eq!(parse_nspid("Name:\tx\n"), None);
        assert_eq!(parse_nspid("NSpid:\n"), None);
        assert_eq!(parse_nspid("NSpid:\t12\tx\n"), None);
        // NSpgid must not be mistaken for NSpid
        assert_eq!(parse_nspid("NSpgid:\t5\n"), None);
    }

    #[test]
    fn parses_timens_offsets() {
        let text = "monotonic      86400         0\nboottime        3600         0\n";
        let o = parse_timens_offsets(text).expect("offsets");
        assert_eq!(o.monotonic.seconds, 86400);
        assert_eq!(o.boottime.seconds, 3600);
        let negative = "monotonic -5 -250\nboottime 0 999999999\n";
        let o = parse_timens_offsets(negative).expect("negative");
        assert_eq!(
            o.monotonic,
            ClockOffset {
                seconds: -5,
                nanoseconds: -250
            }
        );
        assert_eq!(
            parse_timens_offsets("1 10 0\n7 20 0\n")
                .map(|o| (o.monotonic.seconds, o.boottime.seconds)),
            Some((10, 20))
        );
        assert_eq!(parse_timens_offsets(""), None);
        assert_eq!(parse_timens_offsets("realtime 1 0\n"), None);
        assert_eq!(parse_timens_offsets("monotonic x 0\n"), None);
        assert_eq!(parse_timens_offsets("monotonic 5"), None);
    }

    #[test]
    fn counts_sysvipc_tables() {
        let shm = "       key      shmid perms                  size  cpid  lpid nattch   uid   gid  cuid  cgid      atime      dtime      ctime                   rss                  swap\n\
                   0x00000000          2  1600                524288   910  1412      2  1000  1000  1000  1000 1700000000 1700000000 1700000000                 12288                     0\n\
                   0x0052e2c1          3   600                    64  2011  2011      1     0     0     0     0          0          0 1700000001                  4096                     0\n";
        assert_eq!(count_sysvipc(shm), 2);
        assert_eq!(
            count_sysvipc("       key      semid perms      nsems   uid\n"),
            0
        );
        assert_eq!(count_sysvipc(""), 0);
        assert_eq!(count_sysvipc("header\n\n   \n"), 0);
    }

    #[test]
    fn refuses_planted_lines_before_parsing() {
        let long = format!(
            "36 35 98:0 /{} /mnt rw - ext3 /dev/root rw",
            "x".repeat(2 << 20)
        );
        assert_eq!(parse_mountinfo_line(&long), None);
        assert_eq!(parse_mountinfo_line(&"\0".repeat(1000)), None);
        assert_eq!(
            parse_mountinfo_line(" 36 35 98:0 / /mnt rw - ext3 /dev/root rw"),
            None
        );
        assert!(parse_mountinfo_line("36 35 98:0 / /mnt rw - ext3 /dev/root rw").is_some());
    }

    #[test]
    fn a_line_longer_than_any_mount_is_skipped_unparsed() {
        let huge = format!(
            "29 22 0:35 / /x rw - tmpfs tmpfs rw,{}",
            "o".repeat(2 << 20)
        );
        let text = format!("22 1 0:21 / / rw - ext4 /dev/vda1 rw\n{huge}\n");
        let mounts = parse_mountinfo(&text);
        assert_eq!(mounts.len(), 1, "{mounts:#?}");
        assert_eq!(mounts[0].mount_point, "/");
    }

    #[test]
    fn parses_mountinfo_lines() {
        let text = "\
22 1 0:21 / / rw,relatime shared:1 - ext4 /dev/vda1 rw
23 22 0:22 / /proc rw,nosuid - proc proc rw
24 22 0:5 / /dev rw,nosuid shared:2 master:1 - devtmpfs udev rw,size=1k
25 22 0:30 /var/lib/x /mnt/with\\040space rw - ext4 /dev/sd\\134b rw
garbage line
26 22 0:31 / /tmp rw - tmpfs
27 22 0:32 / /nosep rw tmpfs tmpfs rw
28 22 0:33 / /run/user rw - tmpfs none rw
x 22 0:34 / /bad rw - tmpfs tmpfs rw
300 22 0:60 / / rw - overlay overlay rw,lowerdir=/a
";
        let mounts = parse_mountinfo(text);
        assert_eq!(mounts.len(), 6, "{mounts:#?}");
        assert_eq!(mounts[4].source, "none");
        assert_eq!(mounts[3].mount_point, "/mnt/with space");
        assert_eq!(mounts[3].root, "/var/lib/x");
        assert_eq!(mounts[3].source, "/dev/sd\\b");
        assert_eq!(mounts[2].fstype, "devtmpfs");
        let (root, keys) = key_mounts(&mounts);
        assert_eq!(root.map(|m| m.fstype.as_str()), Some("overlay"));
        let points: Vec<&str> = keys.iter().map(|m| m.mount_point.as_str()).collect();
        assert_eq!(points, ["/proc", "/dev"]);
    }

    #[test]
    fn parses_cgroup_files() {
        let text = "12:pids:/user.slice\n1:name=systemd:/init.scope\n0::/a/b\nbad\nx::/y\n3:cpu:\n";
        let lines = parse_cgroup(text);
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[2].controllers, "");
        assert_eq!(lines[2].path, "/a/b");
        // a path holding a colon stays whole
        assert_eq!(parse_cgroup("0::/a:b\n")[0].path, "/a:b");
    }

    #[test]
    fn computes_cgroup_roots() {
        let table: &[(&str, &str, Option<&str>)] = &[
            ("/nsview-test-42", "/", Some("/nsview-test-42")),
            ("/a/b/c", "/c", Some("/a/b")),
            ("/a/b/c", "/b/c", Some("/a")),
            ("/a/b", "/a/b", Some("/")),
            ("/a/bc", "/c", None),
            ("/a/b", "/../x", None),
            ("/a/b", "/zzz", None),
            ("/", "/", Some("/")),
        ];
        for (outside, inside, expected) in table {
            assert_eq!(
                cgroup_root(outside, inside).as_deref(),
                *expected,
                "{outside} {inside}"
            );
        }
    }
}
