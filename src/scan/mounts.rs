//! nsfs bind mounts in every mount namespace through the kernel's mount-namespace iterator
//! (`NS_MNT_GET_NEXT`/`NS_MNT_GET_PREV`, Linux 6.12) and `listmount`/`statmount` (6.8).
//!
//! This reaches mount namespaces that no process is in (held by an fd or a bind mount), which
//! per-process mountinfo cannot. Everything is feature-detected: any failure (old kernel,
//! ENOTTY, EPERM without CAP_SYS_ADMIN) returns None and the caller falls back to mountinfo.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

use super::links;
use crate::model::{Inode, NsKind};

const SYS_STATMOUNT: libc::c_long = 457;
const SYS_LISTMOUNT: libc::c_long = 458;
const LSMT_ROOT: u64 = u64::MAX;
const STATMOUNT_SB_BASIC: u64 = 0x1;
const STATMOUNT_MNT_ROOT: u64 = 0x8;
const STATMOUNT_MNT_POINT: u64 = 0x10;
const MNT_ID_REQ_SIZE_VER1: u32 = 32;
/// Size of `struct statmount` up to its flexible `str[]` (header plus spare words).
const STATMOUNT_HEADER: usize = 512;

/// `struct mnt_id_req` (uapi/linux/mount.h), version 1.
#[repr(C)]
struct MntIdReq {
    size: u32,
    spare: u32,
    mnt_id: u64,
    param: u64,
    mnt_ns_id: u64,
}

/// One nsfs mount found in some mount namespace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NsfsMount {
    /// Inode of the mount namespace it lives in.
    pub mnt_ns: Inode,
    pub kind: NsKind,
    pub inode: Inode,
    pub path: String,
}

/// Every nsfs mount in every mount namespace the kernel lets us iterate, starting from the
/// mount namespace behind `own` (an fd of `/proc/self/ns/mnt`). None when the kernel lacks
/// the interfaces or refuses them. What could not be read is dropped; [`nsfs_mounts_with_gaps`]
/// also says what.
pub fn nsfs_mounts_everywhere(own: &OwnedFd) -> Option<Vec<NsfsMount>> {
    nsfs_mounts_with_gaps(own).map(|(found, _)| found)
}

/// [`nsfs_mounts_everywhere`], plus the errnos of the steps that failed (each one a mount
/// namespace, or the rest of one walk direction, nsview could not look into).
///
/// Mount namespaces come and go while we walk (every `unshare --mount`, every container
/// start): one that vanishes between the walk and its listmount, or a walk step that fails,
/// must never hide the mounts of the others. Only a failure on our own mount namespace (the
/// kernel refusing the interface) sends the caller to the mountinfo fallback.
pub fn nsfs_mounts_with_gaps(own: &OwnedFd) -> Option<(Vec<NsfsMount>, Vec<i32>)> {
    let own_info = mnt_ns_info(own, libc::NS_MNT_GET_INFO as _).ok()?.1;
    let mut namespaces = vec![(inode_of(own)?, own_info.mnt_ns_id)];
    let mut failed = Vec::new();
    for request in [libc::NS_MNT_GET_PREV, libc::NS_MNT_GET_NEXT] {
        let (walked, error) = walk(|from: Option<&OwnedFd>| {
            match mnt_ns_info(from.unwrap_or(own), request as _) {
                // A neighbour we cannot fstat is still a step: walk on from it.
                Ok((Some(next), info)) => Ok(Some((
                    inode_of(&next).map(|inode| (inode, info.mnt_ns_id)),
                    next,
                ))),
                Ok((None, _)) => Err(libc::EINVAL),
                Err(libc::ENOENT) => Ok(None),
                Err(errno) => Err(errno),
            }
        });
        namespaces.extend(walked.into_iter().flatten());
        failed.extend(error);
    }

    let mut ids = vec![0u64; 512];
    let mut buf = vec![0u8; 16 * 1024];
    let found = gather(&namespaces, &mut failed, |&(mnt_ns, mnt_ns_id)| {
        let mut found = Vec::new();
        for mount_id in list_mounts(mnt_ns_id, &mut ids)? {
            let Some((magic, root, point)) = stat_mount(mount_id, mnt_ns_id, &mut buf) else {
                continue; // unmounted since listmount: not a gap
            };
            if magic != libc::NSFS_MAGIC as u64 {
                continue;
            }
            if let Some((kind, inode)) = links::parse_ns_link(root.as_bytes()) {
                found.push(NsfsMount {
                    mnt_ns,
                    kind,
                    inode,
                    path: point,
                });
            }
        }
        Ok(found)
    })?;
    Some((found, failed))
}

/// How many times one walk step is tried before the rest of that direction counts as a gap.
const WALK_TRIES: usize = 3;

/// Walks a chain of neighbours: `step(None)` is the start's neighbour, `step(Some(c))` is
/// the one after cursor `c`; a step yields what to keep and the next cursor, `Ok(None)` is the
/// end (ENOENT). Only the last cursor is held (one fd, however many namespaces there are),
/// and it keeps its namespace alive: a failed step is retried from it, and one that keeps
/// failing ends the walk with its errno, keeping everything found so far.
fn walk<C, T>(
    mut step: impl FnMut(Option<&C>) -> Result<Option<(T, C)>, i32>,
) -> (Vec<T>, Option<i32>) {
    let mut found = Vec::new();
    let mut cursor: Option<C> = None;
    let mut tries = 0;
    loop {
        match step(cursor.as_ref()) {
            Ok(Some((item, next))) => {
                tries = 0;
                found.push(item);
                cursor = Some(next);
            }
            Ok(None) => return (found, None),
            Err(errno) => {
                tries += 1;
                if tries >= WALK_TRIES {
                    return (found, Some(errno));
                }
            }
        }
    }
}

/// Lists every namespace with `list`; the first is our own. A namespace that vanished since
/// the walk (ENOENT: its mounts are gone with it) is skipped, any other failure is skipped and
/// noted in `failed`; only our own failing returns None (the kernel refuses the interface).
fn gather<N, M>(
    namespaces: &[N],
    failed: &mut Vec<i32>,
    mut list: impl FnMut(&N) -> Result<Vec<M>, i32>,
) -> Option<Vec<M>> {
    let mut found = Vec::new();
    for (i, ns) in namespaces.iter().enumerate() {
        match list(ns) {
            Ok(mounts) => found.extend(mounts),
            Err(_) if i == 0 => return None,
            Err(libc::ENOENT) => {}
            Err(errno) => failed.push(errno),
        }
    }
    Some(found)
}

fn inode_of(fd: &OwnedFd) -> Option<Inode> {
    rustix::fs::fstat(fd).ok().map(|st| st.st_ino)
}

/// NS_MNT_GET_INFO (returns no fd) or NS_MNT_GET_NEXT/PREV (return the neighbour's fd).
fn mnt_ns_info(
    fd: &OwnedFd,
    request: libc::c_ulong,
) -> Result<(Option<OwnedFd>, libc::mnt_ns_info), i32> {
    let mut info = libc::mnt_ns_info {
        size: size_of::<libc::mnt_ns_info>() as u32,
        nr_mounts: 0,
        mnt_ns_id: 0,
    };
    // SAFETY: the request writes one mnt_ns_info through the pointer and returns an fd, 0 or -1.
    let rc = unsafe { libc::ioctl(fd.as_raw_fd(), request as _, &mut info) };
    if rc < 0 {
        return Err(std::io::Error::last_os_error()
            .raw_os_error()
            .unwrap_or(libc::EIO));
    }
    let next = (request != libc::NS_MNT_GET_INFO as libc::c_ulong)
        // SAFETY: for NEXT/PREV a non-negative return is a fresh fd nobody else owns.
        .then(|| unsafe { OwnedFd::from_raw_fd(rc) });
    Ok((next, info))
}

/// How many mounts the mount namespace behind `fd` has (`NS_MNT_GET_INFO`, Linux 6.12): what
/// `leaks` shows for a mount namespace no process is in, which has no mountinfo to count.
pub fn mount_count(fd: &OwnedFd) -> Option<u32> {
    mnt_ns_info(fd, libc::NS_MNT_GET_INFO as _)
        .ok()
        .map(|(_, info)| info.nr_mounts)
}

/// All mount ids in a mount namespace (listmount, paging through with `param`).
fn list_mounts(mnt_ns_id: u64, ids: &mut [u64]) -> Result<Vec<u64>, i32> {
    let mut all = Vec::new();
    let mut last = 0u64;
    loop {
        let req = MntIdReq {
            size: MNT_ID_REQ_SIZE_VER1,
            spare: 0,
            mnt_id: LSMT_ROOT,
            param: last,
            mnt_ns_id,
        };
        // SAFETY: req is a valid mnt_id_req; ids has room for ids.len() u64 values.
        let n = unsafe { libc::syscall(SYS_LISTMOUNT, &req, ids.as_mut_ptr(), ids.len(), 0u32) };
        if n < 0 {
            return Err(std::io::Error::last_os_error()
                .raw_os_error()
                .unwrap_or(libc::EIO));
        }
        let n = n as usize;
        all.extend_from_slice(&ids[..n]);
        if n < ids.len() {
            return Ok(all);
        }
        last = ids[n - 1];
    }
}

/// (superblock magic, mount root, mount point) of one mount.
fn stat_mount(mount_id: u64, mnt_ns_id: u64, buf: &mut [u8]) -> Option<(u64, String, String)> {
    let req = MntIdReq {
        size: MNT_ID_REQ_SIZE_VER1,
        spare: 0,
        mnt_id: mount_id,
        param: STATMOUNT_SB_BASIC | STATMOUNT_MNT_ROOT | STATMOUNT_MNT_POINT,
        mnt_ns_id,
    };
    // SAFETY: req is a valid mnt_id_req and buf is writable for buf.len() bytes.
    let rc = unsafe { libc::syscall(SYS_STATMOUNT, &req, buf.as_mut_ptr(), buf.len(), 0u32) };
    if rc < 0 {
        return None;
    }
    parse_statmount(buf)
}

/// Reads the fields nsview needs out of a `struct statmount` buffer.
pub fn parse_statmount(buf: &[u8]) -> Option<(u64, String, String)> {
    let u32_at = |off: usize| Some(u32::from_ne_bytes(buf.get(off..off + 4)?.try_into().ok()?));
    let u64_at = |off: usize| Some(u64::from_ne_bytes(buf.get(off..off + 8)?.try_into().ok()?));
    let mask = u64_at(8)?;
    let wanted = STATMOUNT_SB_BASIC | STATMOUNT_MNT_ROOT | STATMOUNT_MNT_POINT;
    if mask & wanted != wanted {
        return None;
    }
    let magic = u64_at(24)?;
    let string_at = |offset: u32| {
        let strings = buf.get(STATMOUNT_HEADER..)?;
        let tail = strings.get(offset as usize..)?;
        let end = tail.iter().position(|&b| b == 0)?;
        Some(String::from_utf8_lossy(&tail[..end]).into_owned())
    };
    Some((magic, string_at(u32_at(104)?)?, string_at(u32_at(108)?)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    type Step = Result<Option<u32>, i32>;

    /// A walk over a scripted sequence of step results (the cursor is the item itself).
    fn scripted(script: Vec<Step>) -> (Vec<u32>, Option<i32>, Vec<Option<u32>>) {
        let mut script = script.into_iter();
        let mut froms = Vec::new();
        let (found, error) = walk(|from: Option<&u32>| {
            froms.push(from.copied());
            script
                .next()
                .unwrap_or(Ok(None))
                .map(|next| next.map(|n| (n, n)))
        });
        (found, error, froms)
    }

    #[test]
    fn a_walk_goes_to_the_end() {
        let (found, error, froms) = scripted(vec![Ok(Some(1)), Ok(Some(2)), Ok(None)]);
        assert_eq!((found, error), (vec![1, 2], None));
        assert_eq!(froms, [None, Some(1), Some(2)]);
    }

    #[test]
    fn a_failed_step_is_retried_from_the_last_good_namespace() {
        // The namespace after 1 is dying when first asked: the walk asks 1 again and goes on.
        let (found, error, froms) =
            scripted(vec![Ok(Some(1)), Err(libc::EAGAIN), Ok(Some(3)), Ok(None)]);
        assert_eq!((found, error), (vec![1, 3], None));
        assert_eq!(froms, [None, Some(1), Some(1), Some(3)]);
    }

    #[test]
    fn a_step_that_keeps_failing_keeps_what_was_found() {
        let (found, error, _) = scripted(vec![
            Ok(Some(1)),
            Err(libc::ENOMEM),
            Err(libc::ENOMEM),
            Err(libc::ENOMEM),
            Ok(Some(9)),
        ]);
        assert_eq!((found, error), (vec![1], Some(libc::ENOMEM)));
    }

    #[test]
    fn a_vanished_namespace_hides_no_other() {
        // Namespaces 0 (our own), 1, 2, 3: 1 vanished after the walk (ENOENT), 2 failed
        // otherwise. The mounts of 0 and 3 are all there; only 2 is a gap.
        let mut failed = Vec::new();
        let found = gather(&[0, 1, 2, 3], &mut failed, |&ns| match ns {
            1 => Err(libc::ENOENT),
            2 => Err(libc::EIO),
            n => Ok(vec![n * 10, n * 10 + 1]),
        });
        assert_eq!(found, Some(vec![0, 1, 30, 31]));
        assert_eq!(failed, [libc::EIO]);
    }

    #[test]
    fn our_own_namespace_failing_means_the_interface_is_refused() {
        let mut failed = Vec::new();
        let found = gather(&[0, 1], &mut failed, |&ns: &u32| {
            if ns == 0 {
                Err(libc::EPERM)
            } else {
                Ok(vec![ns])
            }
        });
        assert_eq!(found, None);
    }

    #[test]
    fn parses_a_statmount_buffer() {
        let mut buf = vec![0u8; STATMOUNT_HEADER + 64];
        buf[8..16].copy_from_slice(
            &(STATMOUNT_SB_BASIC | STATMOUNT_MNT_ROOT | STATMOUNT_MNT_POINT).to_ne_bytes(),
        );
        buf[24..32].copy_from_slice(&(libc::NSFS_MAGIC as u64).to_ne_bytes());
        let strings = b"net:[4026532281]\0/run/netns/blue\0";
        buf[STATMOUNT_HEADER..STATMOUNT_HEADER + strings.len()].copy_from_slice(strings);
        buf[104..108].copy_from_slice(&0u32.to_ne_bytes());
        buf[108..112].copy_from_slice(&17u32.to_ne_bytes());
        assert_eq!(
            parse_statmount(&buf),
            Some((
                libc::NSFS_MAGIC as u64,
                "net:[4026532281]".into(),
                "/run/netns/blue".into()
            ))
        );
        // A kernel that did not fill the strings, an offset past the end, no terminator.
        let mut partial = buf.clone();
        partial[8..16].copy_from_slice(&STATMOUNT_SB_BASIC.to_ne_bytes());
        assert_eq!(parse_statmount(&partial), None);
        let mut past = buf.clone();
        past[108..112].copy_from_slice(&9999u32.to_ne_bytes());
        assert_eq!(parse_statmount(&past), None);
        assert_eq!(parse_statmount(&buf[..100]), None);
    }
}
