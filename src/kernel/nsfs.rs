//! Namespace files: the single way nsview opens one, checks it, and asks the nsfs ioctls about
//! it, plus the map from a holder in the snapshot to the path that opens it.
//!
//! The rule: a path is opened `O_PATH` (which never blocks and reads nothing, whatever the
//! path turns out to be), without following symlinks where the kernel did not make them. A
//! bind-mount path inside another mount namespace is resolved with `openat2(RESOLVE_IN_ROOT |
//! RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS)` under that namespace's `/proc/PID/root`, so a
//! container's absolute symlink cannot point at a host file. Then `fstat` must say a regular
//! file on nsfs (its device, proved once by `fstatfs`), and the inode must be the expected one; only then is the file reopened
//! read-only through `/proc/self/fd/N` for ioctls or setns, and its type and `NS_GET_ID`
//! checked. A FIFO, device, symlink or ordinary file planted where a namespace file was is
//! refused with a [`Refusal`] saying what it was, and never opened for reading.

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::path::{Path, PathBuf};

use rustix::fs::{FileType, Mode, OFlags, ResolveFlags};

use crate::model::{Holder, Inode, Namespace, NsKind, Pid, Snapshot};

/// The nsfs ioctl type (`NSIO` in linux/nsfs.h).
const NSIO: u8 = 0xb7;
/// `NS_GET_ID` (`_IOR(NSIO, 13, __u64)`, Linux 6.12): a 64-bit id that is never reused. libc
/// 0.2 does not have it yet; nix builds the number the way the kernel headers do.
pub const NS_GET_ID: libc::c_ulong = nix::request_code_read!(NSIO, 13, size_of::<u64>()) as _;

/// nsfs's superblock magic, in statfs's word type (the same type on x86_64, not everywhere).
#[allow(clippy::unnecessary_cast)]
const NSFS_MAGIC: rustix::fs::FsWord = libc::NSFS_MAGIC as rustix::fs::FsWord;

/// A path that should open a namespace.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum NsPath {
    /// A link the kernel makes and resolves itself: `/proc/PID/ns/X`, `/proc/PID/task/TID/ns/X`,
    /// `/proc/PID/fd/N`. Followed (it is a magic link), but opened `O_PATH` and checked.
    ProcLink(PathBuf),
    /// A bind mount at `path` inside the mount namespace whose root is `root` (`/` for our own,
    /// `/proc/PID/root` for another's): resolved under that root, no symlink followed.
    InRoot { root: PathBuf, path: String },
}

impl NsPath {
    /// `PROC_ROOT/PID/ns/TYPE`: a process's own link to its namespace of that type.
    pub fn member(proc_root: &Path, pid: Pid, kind: NsKind) -> NsPath {
        NsPath::ProcLink(proc_root.join(format!("{pid}/ns/{}", kind.name())))
    }

    /// The path as one text, for messages and the NSFS-style columns (not for opening).
    pub fn display(&self) -> String {
        match self {
            NsPath::ProcLink(path) => path.display().to_string(),
            NsPath::InRoot { root, path } if root == Path::new("/") => path.clone(),
            NsPath::InRoot { root, path } => root
                .join(path.trim_start_matches('/'))
                .display()
                .to_string(),
        }
    }
}

/// What a namespace file turned out to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Identity {
    pub inode: Inode,
    /// From NS_GET_NSTYPE; None when the file is not a namespace at all.
    pub kind: Option<NsKind>,
    /// NS_GET_ID where the kernel has it.
    pub ns_id: Option<u64>,
}

impl Identity {
    /// `net:[4026532301] (id 12345)`, or what the file is when it is not a namespace.
    pub fn label(&self) -> String {
        match (self.kind, self.ns_id) {
            (Some(kind), Some(id)) => format!("{} (id {id})", kind.label(self.inode)),
            (Some(kind), None) => kind.label(self.inode).to_string(),
            (None, _) => "a file that is not a namespace".into(),
        }
    }
}

/// What an opened file must match: the inode, the type and, when known, the namespace id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Expected {
    pub inode: Inode,
    pub kind: NsKind,
    pub ns_id: Option<u64>,
}

impl Expected {
    pub fn of(ns: &Namespace) -> Expected {
        Expected {
            inode: ns.inode,
            kind: ns.kind,
            ns_id: ns.ns_id,
        }
    }

    pub fn label(&self) -> String {
        self.kind.label(self.inode).to_string()
    }
}

/// Why a path was not used as the namespace it should be.
#[derive(Debug)]
pub enum Refusal {
    /// ENOENT/ESRCH: the holder exited or was unmounted.
    Gone,
    /// EACCES/EPERM.
    Denied,
    /// Something that is not a namespace file sits there ("a FIFO", "a symlink", ...): a trap
    /// or a mistake, refused without being opened for reading.
    NotNamespace(&'static str),
    /// An nsfs file, but another namespace (the inode or id was recycled, or another type).
    Changed(Identity),
    Failed(io::Error),
}

impl Refusal {
    pub fn from_io(err: io::Error) -> Refusal {
        match err.raw_os_error() {
            Some(libc::ENOENT | libc::ESRCH) => Refusal::Gone,
            Some(libc::EACCES | libc::EPERM) => Refusal::Denied,
            _ => Refusal::Failed(err),
        }
    }

    fn from_errno(err: rustix::io::Errno) -> Refusal {
        Refusal::from_io(err.into())
    }

    /// True for what a hostile host plants: something that is not a namespace file where a
    /// holder's path should be. The snapshot records these as unreadable holders.
    pub fn is_trap(&self) -> bool {
        matches!(self, Refusal::NotNamespace(_))
    }

    pub fn describe(&self) -> String {
        match self {
            Refusal::Gone => "vanished".into(),
            Refusal::Denied => "permission denied".into(),
            Refusal::NotNamespace(what) => format!("{what}, not a namespace file"),
            Refusal::Changed(found) => format!("now is {}", found.label()),
            Refusal::Failed(err) => err.to_string(),
        }
    }
}

/// Moves this thread into the namespace of `fd` (an [`NsFile`]'s, or one the caller got from
/// [`open`] or [`open_namespace`]), which must be of `kind`. The one setns(2) of nsview: `enter`
/// and `release` step in here, in a single-threaded process (mount and user namespaces refuse
/// a multi-threaded caller).
pub fn setns(fd: BorrowedFd<'_>, kind: NsKind) -> io::Result<()> {
    use rustix::thread::LinkNameSpaceType as Type;
    // The type is pinned, so the fd cannot be some other kind of namespace.
    let kind = match kind {
        NsKind::Mnt => Type::Mount,
        NsKind::Net => Type::Network,
        NsKind::Pid => Type::ProcessID,
        NsKind::Uts => Type::HostNameAndNISDomainName,
        NsKind::Ipc => Type::InterProcessCommunication,
        NsKind::User => Type::User,
        NsKind::Cgroup => Type::ControlGroup,
        NsKind::Time => Type::Time,
    };
    rustix::thread::move_into_link_name_space(fd, Some(kind)).map_err(io::Error::from)
}

/// An open, checked namespace file: read-only, good for the ioctls and setns.
#[derive(Debug)]
pub struct NsFile {
    fd: OwnedFd,
    pub identity: Identity,
}

impl AsFd for NsFile {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl NsFile {
    pub fn into_fd(self) -> OwnedFd {
        self.fd
    }

    /// NS_GET_PARENT: user and pid namespaces only; EPERM at the top of what we may see.
    pub fn parent(&self) -> io::Result<NsFile> {
        self.related(libc::NS_GET_PARENT as _)
    }

    /// NS_GET_USERNS: the owning user namespace.
    pub fn owner(&self) -> io::Result<NsFile> {
        self.related(libc::NS_GET_USERNS as _)
    }

    /// NS_GET_OWNER_UID: user namespaces only.
    pub fn owner_uid(&self) -> Option<u32> {
        let mut uid: libc::uid_t = 0;
        // SAFETY: NS_GET_OWNER_UID writes one uid_t through the pointer; fd is an nsfs file.
        let rc = unsafe { libc::ioctl(self.fd.as_raw_fd(), libc::NS_GET_OWNER_UID as _, &mut uid) };
        (rc == 0).then_some(uid)
    }

    /// [`NsFile::parent`] or [`NsFile::owner`] with only the inode known (one `fstat`): the
    /// relation walk needs a related namespace's type and id only when it is new to the
    /// snapshot, and [`Live`]'s `identity` asks for them then.
    fn related_unidentified(&self, request: libc::c_ulong) -> io::Result<NsFile> {
        // SAFETY: NS_GET_PARENT and NS_GET_USERNS take no argument and return a new fd or -1.
        let fd = unsafe { libc::ioctl(self.fd.as_raw_fd(), request as _) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: a non-negative return is a fresh fd owned by nobody else.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        let inode = check_node(fd.as_fd(), None).map_err(|r| io::Error::other(r.describe()))?;
        Ok(NsFile {
            fd,
            identity: Identity {
                inode,
                kind: None,
                ns_id: None,
            },
        })
    }

    fn related(&self, request: libc::c_ulong) -> io::Result<NsFile> {
        // SAFETY: NS_GET_PARENT and NS_GET_USERNS take no argument and return a new fd or -1.
        let fd = unsafe { libc::ioctl(self.fd.as_raw_fd(), request as _) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: a non-negative return is a fresh fd owned by nobody else.
        adopt(unsafe { OwnedFd::from_raw_fd(fd) })
    }
}

/// What `fstat` says a file is, for a refusal.
fn what_it_is(file_type: FileType) -> &'static str {
    match file_type {
        FileType::Fifo => "a FIFO",
        FileType::Symlink => "a symlink",
        FileType::CharacterDevice => "a character device",
        FileType::BlockDevice => "a block device",
        FileType::Socket => "a socket",
        FileType::Directory => "a directory",
        FileType::RegularFile => "a regular file",
        FileType::Unknown => "an unknown kind of file",
    }
}

/// Step one: an `O_PATH` fd of whatever is at the path. Never blocks, reads nothing.
fn open_o_path(path: &NsPath) -> Result<OwnedFd, Refusal> {
    let flags = OFlags::PATH | OFlags::CLOEXEC;
    match path {
        // The kernel's own magic link: following it is what the kernel makes it for.
        NsPath::ProcLink(path) => rustix::fs::openat(rustix::fs::CWD, path, flags, Mode::empty())
            .map_err(Refusal::from_errno),
        NsPath::InRoot { root, path } => {
            let root = rustix::fs::openat(
                rustix::fs::CWD,
                root,
                flags | OFlags::DIRECTORY,
                Mode::empty(),
            )
            .map_err(Refusal::from_errno)?;
            let inside = path.trim_start_matches('/');
            let inside = if inside.is_empty() { "." } else { inside };
            rustix::fs::openat2(
                &root,
                inside,
                flags | OFlags::NOFOLLOW,
                Mode::empty(),
                ResolveFlags::IN_ROOT | ResolveFlags::NO_SYMLINKS | ResolveFlags::NO_MAGICLINKS,
            )
            .map_err(|e| match e {
                // A symlink on the way (RESOLVE_NO_SYMLINKS answers ELOOP).
                rustix::io::Errno::LOOP => Refusal::NotNamespace("a path through a symlink"),
                e => Refusal::from_errno(e),
            })
        }
    }
}

/// Step two: the fd must be a regular nsfs file with the expected inode.
fn check_node(fd: BorrowedFd<'_>, inode: Option<Inode>) -> Result<Inode, Refusal> {
    let st = rustix::fs::fstat(fd).map_err(Refusal::from_errno)?;
    let file_type = FileType::from_raw_mode(st.st_mode);
    if file_type != FileType::RegularFile {
        return Err(Refusal::NotNamespace(what_it_is(file_type)));
    }
    // nsfs is one superblock, so its device says nsfs without an fstatfs per file.
    let on_nsfs = match nsfs_device() {
        Some(dev) => st.st_dev == dev,
        None => rustix::fs::fstatfs(fd).map_err(Refusal::from_errno)?.f_type == NSFS_MAGIC,
    };
    if !on_nsfs {
        return Err(Refusal::NotNamespace("a regular file"));
    }
    if let Some(inode) = inode
        && st.st_ino != inode
    {
        return Err(Refusal::Changed(Identity {
            inode: st.st_ino,
            kind: None,
            ns_id: None,
        }));
    }
    Ok(st.st_ino)
}

/// The identity of an nsfs fd whose inode `check_node` gave: NS_GET_NSTYPE, NS_GET_ID.
fn identity_of(fd: BorrowedFd<'_>, inode: Inode) -> Identity {
    // SAFETY: NS_GET_NSTYPE takes no argument and returns a CLONE_NEW* flag or -1.
    let flag = unsafe { libc::ioctl(fd.as_raw_fd(), libc::NS_GET_NSTYPE as _) };
    let mut id: u64 = 0;
    // SAFETY: NS_GET_ID writes one u64 through the pointer; older kernels answer ENOTTY.
    let rc = unsafe { libc::ioctl(fd.as_raw_fd(), NS_GET_ID as _, &mut id) };
    Identity {
        inode,
        kind: NsKind::from_clone_flag(flag),
        ns_id: (rc == 0 && id != 0).then_some(id),
    }
}

/// A namespace fd the kernel handed over (NS_GET_PARENT, NS_GET_USERNS, SIOCGSKNS): checked
/// like any other, though the kernel only returns nsfs files there.
pub fn adopt(fd: OwnedFd) -> io::Result<NsFile> {
    let inode = check_node(fd.as_fd(), None).map_err(|r| io::Error::other(r.describe()))?;
    let identity = identity_of(fd.as_fd(), inode);
    Ok(NsFile { fd, identity })
}

/// Opens the namespace at `path`, which must be `expected` (its inode always; its type and id
/// are checked by [`verify_identity`] once the file is open for ioctls). With no expectation
/// (nsview's own namespaces) any namespace file is accepted.
pub fn open(path: &NsPath, expected: Option<&Expected>) -> Result<NsFile, Refusal> {
    reopen_checked(open_o_path(path)?, expected)
}

/// [`open`] of entry `name` of an open `/proc/PID/fd` directory (the scan's fd walk).
pub fn open_fd_entry(fd_dir: BorrowedFd<'_>, name: &std::ffi::CStr) -> Result<NsFile, Refusal> {
    let o_path = rustix::fs::openat(fd_dir, name, OFlags::PATH | OFlags::CLOEXEC, Mode::empty())
        .map_err(Refusal::from_errno)?;
    reopen_checked(o_path, None)
}

/// Steps two and three of [`open`]: check the `O_PATH` fd, reopen it read-only, check again.
fn reopen_checked(o_path: OwnedFd, expected: Option<&Expected>) -> Result<NsFile, Refusal> {
    let (inode, inode_ok) = match check_node(o_path.as_fd(), expected.map(|e| e.inode)) {
        Ok(inode) => (inode, true),
        // Another namespace: still an nsfs file, so reopening it below is harmless; it is
        // done only to say which namespace holds the inode now, never to use it.
        Err(Refusal::Changed(found)) => (found.inode, false),
        Err(refusal) => return Err(refusal),
    };
    // Reopen the very file the O_PATH fd pins: now known to be an nsfs file, whose open
    // neither blocks nor reads.
    let fd = rustix::fs::openat(
        rustix::fs::CWD,
        format!("/proc/self/fd/{}", o_path.as_raw_fd()),
        OFlags::RDONLY | OFlags::CLOEXEC | OFlags::NOCTTY,
        Mode::empty(),
    )
    .map_err(Refusal::from_errno)?;
    // /proc/self/fd/N of our own O_PATH fd is that very file (nothing else can change our fd
    // table under us), so the checks above hold for `fd`.
    drop(o_path);
    let identity = identity_of(fd.as_fd(), inode);
    if !inode_ok {
        return Err(Refusal::Changed(identity));
    }
    if let Some(expected) = expected {
        verify_identity(&identity, expected)?;
    }
    Ok(NsFile { fd, identity })
}

/// [`open`] of `PROC_ROOT/PID/ns/TYPE`, accepting whichever namespace the link names now (the
/// caller compares the identity with what it expects).
pub fn open_proc_link(proc_root: &Path, pid: Pid, kind: NsKind) -> Result<NsFile, Refusal> {
    open(&NsPath::member(proc_root, pid, kind), None)
}

/// nsview's own namespace of one type, through `/proc/thread-self/ns/TYPE`.
pub fn open_own(kind: NsKind) -> Result<NsFile, Refusal> {
    open(
        &NsPath::ProcLink(PathBuf::from(format!("/proc/thread-self/ns/{kind}"))),
        None,
    )
}

/// Checks an opened file against what the scan saw: the same inode and type and, where both
/// sides know it, the same namespace id (NS_GET_ID never repeats, inodes do within seconds).
pub fn verify_identity(found: &Identity, expected: &Expected) -> Result<(), Refusal> {
    if found.kind.is_none() || found.kind != Some(expected.kind) || found.inode != expected.inode {
        return Err(Refusal::Changed(*found));
    }
    if let (Some(found_id), Some(expected_id)) = (found.ns_id, expected.ns_id)
        && found_id != expected_id
    {
        return Err(Refusal::Changed(*found));
    }
    Ok(())
}

/// Opens the network namespace a socket (fd `fd` of process `pid`) was created in:
/// pidfd_getfd (needs ptrace attach rights) then SIOCGSKNS.
pub fn socket_netns(pid: Pid, fd: i32) -> io::Result<NsFile> {
    let pid = rustix::process::Pid::from_raw(pid)
        .ok_or_else(|| io::Error::from_raw_os_error(libc::ESRCH))?;
    let pidfd = rustix::process::pidfd_open(pid, rustix::process::PidfdFlags::empty())?;
    socket_netns_with(pidfd.as_fd(), fd)
}

/// [`socket_netns`] through a pidfd the caller already has (the scan opens one per process).
pub fn socket_netns_with(pidfd: BorrowedFd<'_>, fd: i32) -> io::Result<NsFile> {
    let socket =
        rustix::process::pidfd_getfd(pidfd, fd, rustix::process::PidfdGetfdFlags::empty())?;
    let st = rustix::fs::fstat(&socket)?;
    if FileType::from_raw_mode(st.st_mode) != FileType::Socket {
        // The fd was swapped for something else since it was listed.
        return Err(io::Error::from_raw_os_error(libc::ENOTSOCK));
    }
    // SAFETY: SIOCGSKNS takes no argument and returns a new fd (or -1); socket is a socket.
    let netns = unsafe { libc::ioctl(socket.as_raw_fd(), libc::SIOCGSKNS as _) };
    if netns < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: the ioctl returned a fresh fd that nothing else owns.
    adopt(unsafe { OwnedFd::from_raw_fd(netns) })
}

/// The device of the nsfs filesystem (every namespace file has it), to recognise an nsfs fd
/// by what it is rather than by its link text (an fd opened through a bind mount reads back
/// as that mount's path, or `/` once it is unmounted).
/// Learned once per process from our own namespace link (fstatfs proves it nsfs).
pub fn nsfs_device() -> Option<u64> {
    static DEVICE: std::sync::OnceLock<Option<u64>> = std::sync::OnceLock::new();
    *DEVICE.get_or_init(|| {
        let own = rustix::fs::open(
            "/proc/thread-self/ns/net",
            OFlags::PATH | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .ok()?;
        let fs = rustix::fs::fstatfs(&own).ok()?;
        (fs.f_type == NSFS_MAGIC)
            .then(|| rustix::fs::fstat(&own).ok().map(|st| st.st_dev))
            .flatten()
    })
}

/// What an fd of another process is, as far as nsview cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FdEntry {
    /// A namespace file (on nsfs) with this inode; its type is not known yet.
    Namespace(Inode),
    /// A socket with this (sockfs) inode, the number in its `socket:[N]` link text.
    Socket(Inode),
    /// Anything else.
    Other,
}

/// Classifies the fd entry `name` of an open `/proc/PID/fd` directory by what it is: one
/// statx of the magic link (as lsns 2.42 stats every fd and compares `st_dev` with the nsfs
/// device), so an nsfs file opened through a bind mount, whose link text is a path, is still
/// found. `AT_STATX_DONT_SYNC` answers from the inode cache: a file on a hung network or FUSE
/// filesystem is never asked, and nothing is opened. The mask stays `TYPE | INO`: asking for
/// times or the size makes NFS flush a file's dirty pages to the server first. None when the
/// fd is gone or hidden.
pub fn classify_fd_entry(
    fd_dir: BorrowedFd<'_>,
    name: &std::ffi::CStr,
    nsfs_dev: u64,
) -> Option<FdEntry> {
    let st = rustix::fs::statx(
        fd_dir,
        name,
        rustix::fs::AtFlags::STATX_DONT_SYNC,
        rustix::fs::StatxFlags::TYPE | rustix::fs::StatxFlags::INO,
    )
    .ok()?;
    let file_type = FileType::from_raw_mode(st.stx_mode.into());
    Some(
        if rustix::fs::makedev(st.stx_dev_major, st.stx_dev_minor) == nsfs_dev
            && file_type == FileType::RegularFile
        {
            FdEntry::Namespace(st.stx_ino)
        } else if file_type == FileType::Socket {
            FdEntry::Socket(st.stx_ino)
        } else {
            FdEntry::Other
        },
    )
}

/// The path that opens the namespace one (non-member) holder keeps alive, if it has one.
/// Sockets and parent/owner links have none; a bind mount in a foreign mount namespace is
/// resolved inside a member's `/proc/PID/root`.
pub fn holder_path(
    snapshot: &Snapshot,
    kind: NsKind,
    holder: &Holder,
    proc_root: &Path,
) -> Option<NsPath> {
    let link = |rel: String| Some(NsPath::ProcLink(proc_root.join(rel)));
    match holder {
        Holder::Thread { pid, tid } => link(format!("{pid}/task/{tid}/ns/{kind}")),
        Holder::ForChildren { pid } => link(format!("{pid}/ns/{kind}_for_children")),
        Holder::Fd { pid, fd } => link(format!("{pid}/fd/{fd}")),
        Holder::BindMount {
            mnt_ns,
            path,
            via_pid,
        } => {
            let root = if *mnt_ns == snapshot.self_links.get(NsKind::Mnt) || mnt_ns.is_none() {
                PathBuf::from("/")
            } else {
                proc_root.join(format!("{}/root", (*via_pid)?))
            };
            Some(NsPath::InRoot {
                root,
                path: path.clone(),
            })
        }
        Holder::Socket { .. } | Holder::Child { .. } | Holder::Owned { .. } => None,
    }
}

/// Paths that open namespace `ns`, best first: member processes, threads, the
/// `*_for_children` links, fds, then bind mounts. Sockets have no path.
pub fn holder_paths(snapshot: &Snapshot, ns: &Namespace, proc_root: &Path) -> Vec<NsPath> {
    holder_paths_lazily(snapshot, ns, proc_root).collect()
}

/// [`holder_paths`], each built only when asked for: a caller that stops at the first path
/// that opens (nearly always the first) pays for one path, not for one per member (the host's
/// namespaces have thousands).
pub fn holder_paths_lazily<'a>(
    snapshot: &'a Snapshot,
    ns: &'a Namespace,
    proc_root: &'a Path,
) -> impl Iterator<Item = NsPath> + 'a {
    ns.members
        .iter()
        .map(move |&pid| NsPath::member(proc_root, pid, ns.kind))
        .chain(
            ns.holders
                .iter()
                .filter_map(move |holder| holder_path(snapshot, ns.kind, holder, proc_root)),
        )
}

/// Opens namespace `ns` through its first holder that still holds it (checked as [`open`]
/// does), then through its sockets. The error is the most telling refusal.
pub fn open_namespace(
    snapshot: &Snapshot,
    ns: &Namespace,
    proc_root: &Path,
) -> Result<NsFile, Refusal> {
    let expected = Expected::of(ns);
    let mut worst: Option<Refusal> = None;
    let mut keep = |refusal: Refusal| {
        if worst.as_ref().is_none_or(|w| rank(&refusal) < rank(w)) {
            worst = Some(refusal);
        }
    };
    for path in holder_paths_lazily(snapshot, ns, proc_root) {
        match open(&path, Some(&expected)) {
            Ok(file) => return Ok(file),
            Err(refusal) => keep(refusal),
        }
    }
    if proc_root == Path::new("/proc") {
        for holder in &ns.holders {
            if let Holder::Socket { pid, fd } = holder {
                match socket_netns(*pid, *fd)
                    .map_err(Refusal::from_io)
                    .and_then(|f| verify_identity(&f.identity, &expected).map(|()| f))
                {
                    Ok(file) => return Ok(file),
                    Err(refusal) => keep(refusal),
                }
            }
        }
    }
    Err(worst.unwrap_or(Refusal::Gone))
}

/// Which refusal explains a failure best: a recycled inode first (the one that matters for
/// safety), then a planted file, then permissions (fixable), then vanished holders.
pub fn rank(refusal: &Refusal) -> u8 {
    match refusal {
        Refusal::Changed(_) => 0,
        Refusal::NotNamespace(_) => 1,
        Refusal::Denied => 2,
        Refusal::Failed(_) => 3,
        Refusal::Gone => 4,
    }
}

/// The kernel operations the relation walk and `enter` need, behind one trait so their order,
/// skip and refusal logic is unit-tested with a fake. [`Live`] is the real kernel.
pub trait Kernel {
    type Handle;
    /// Opens a namespace path as [`open`] does.
    fn open(&self, path: &NsPath, expected: Option<&Expected>) -> Result<Self::Handle, Refusal>;
    /// The network namespace of socket `fd` of process `pid` (pidfd_getfd + SIOCGSKNS).
    fn socket_netns(&self, pid: Pid, fd: i32) -> io::Result<Self::Handle>;
    fn parent(&self, ns: &Self::Handle) -> io::Result<Self::Handle>;
    fn owner(&self, ns: &Self::Handle) -> io::Result<Self::Handle>;
    fn owner_uid(&self, ns: &Self::Handle) -> Option<u32>;
    fn identity(&self, ns: &Self::Handle) -> Identity;
    /// The inode alone, which may be cheaper than the whole identity.
    fn inode(&self, ns: &Self::Handle) -> Inode {
        self.identity(ns).inode
    }
}

/// The real kernel.
pub struct Live;

impl Kernel for Live {
    type Handle = NsFile;

    fn open(&self, path: &NsPath, expected: Option<&Expected>) -> Result<NsFile, Refusal> {
        open(path, expected)
    }

    fn socket_netns(&self, pid: Pid, fd: i32) -> io::Result<NsFile> {
        socket_netns(pid, fd)
    }

    fn parent(&self, ns: &NsFile) -> io::Result<NsFile> {
        ns.related_unidentified(libc::NS_GET_PARENT as _)
    }

    fn owner(&self, ns: &NsFile) -> io::Result<NsFile> {
        ns.related_unidentified(libc::NS_GET_USERNS as _)
    }

    fn owner_uid(&self, ns: &NsFile) -> Option<u32> {
        ns.owner_uid()
    }

    fn inode(&self, ns: &NsFile) -> Inode {
        ns.identity.inode
    }

    fn identity(&self, ns: &NsFile) -> Identity {
        if ns.identity.kind.is_none() {
            // A parent or owner handle: type and id asked only now (see related_unidentified).
            identity_of(ns.fd.as_fd(), ns.identity.inode)
        } else {
            ns.identity
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn own_inode(kind: &str) -> Inode {
        rustix::fs::stat(format!("/proc/thread-self/ns/{kind}"))
            .expect("own ns")
            .st_ino
    }

    #[test]
    fn ns_get_id_matches_the_uapi_value() {
        // _IOR(0xb7, 13, __u64) as computed by the kernel's headers.
        assert_eq!(NS_GET_ID, 0x8008_b70d);
        assert_eq!(
            nix::request_code_read!(NSIO, 5, 8) as libc::c_ulong,
            libc::NS_GET_MNTNS_ID as libc::c_ulong
        );
    }

    #[test]
    fn opens_and_identifies_our_own_namespaces() {
        let file = open_own(NsKind::Uts).expect("own uts");
        assert_eq!(file.identity.kind, Some(NsKind::Uts));
        assert_eq!(file.identity.inode, own_inode("uts"));
        let expected = Expected {
            inode: own_inode("uts"),
            kind: NsKind::Uts,
            ns_id: file.identity.ns_id,
        };
        let path = NsPath::ProcLink("/proc/self/ns/uts".into());
        assert!(open(&path, Some(&expected)).is_ok());
        // Same inode, other type; or another id: refused as changed.
        for wrong in [
            Expected {
                kind: NsKind::Net,
                ..expected
            },
            Expected {
                ns_id: Some(u64::MAX),
                ..expected
            },
            Expected {
                inode: 1,
                ..expected
            },
        ] {
            let refusal = open(&path, Some(&wrong)).expect_err("wrong identity");
            assert!(matches!(refusal, Refusal::Changed(_)), "{refusal:?}");
        }
    }

    #[test]
    fn refuses_files_that_are_not_namespaces() {
        let dir = tempfile::tempdir().expect("tempdir");
        let regular = dir.path().join("regular");
        std::fs::write(&regular, "not a namespace").expect("write");
        let fifo = dir.path().join("fifo");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600))
            .expect("mkfifo");
        let to_fifo = dir.path().join("to-fifo");
        std::os::unix::fs::symlink(&fifo, &to_fifo).expect("symlink");
        let to_ns = dir.path().join("to-ns");
        std::os::unix::fs::symlink("/proc/self/ns/uts", &to_ns).expect("symlink");
        let root = dir.path().to_path_buf();
        let in_root = |name: &str| NsPath::InRoot {
            root: root.clone(),
            path: format!("/{name}"),
        };
        let cases = [
            (NsPath::ProcLink(regular.clone()), "a regular file"),
            (NsPath::ProcLink(fifo.clone()), "a FIFO"),
            // A followed symlink to a FIFO is still only O_PATH-opened, then refused.
            (NsPath::ProcLink(to_fifo.clone()), "a FIFO"),
            (NsPath::ProcLink("/dev/zero".into()), "a character device"),
            (in_root("regular"), "a regular file"),
            (in_root("fifo"), "a FIFO"),
            (in_root("to-fifo"), "a symlink"),
            // Inside a mount namespace's root even a link to a real namespace is refused.
            (in_root("to-ns"), "a symlink"),
        ];
        for (path, what) in cases {
            let started = std::time::Instant::now();
            let refusal = open(&path, None).expect_err("refused");
            assert!(
                started.elapsed() < std::time::Duration::from_secs(1),
                "{path:?} blocked"
            );
            match refusal {
                Refusal::NotNamespace(found) => assert_eq!(found, what, "{path:?}"),
                other => panic!("{path:?}: {other:?}"),
            }
        }
        // An absolute symlink in a directory on the way resolves inside the root, if at all.
        std::fs::create_dir(dir.path().join("sub")).expect("mkdir");
        std::os::unix::fs::symlink("/etc", dir.path().join("sub/etc")).expect("symlink");
        let through = open(&in_root("sub/etc/passwd"), None).expect_err("refused");
        assert!(through.is_trap(), "{through:?}");
    }

    #[test]
    fn related_handles_are_identified_only_when_asked() {
        let uts = open_own(NsKind::Uts).expect("own uts");
        let owner = Live.owner(&uts).expect("NS_GET_USERNS");
        // The walk's cheap path: the inode from one fstat, type and id not asked yet ...
        assert_eq!(owner.identity.kind, None);
        assert_eq!(Live.inode(&owner), own_inode("user"));
        // ... and asked when the walk wants them (a namespace new to the snapshot).
        let identity = Live.identity(&owner);
        assert_eq!(identity.kind, Some(NsKind::User));
        assert_eq!(identity.inode, own_inode("user"));
        assert_eq!(
            identity.ns_id,
            open_own(NsKind::User).expect("own user").identity.ns_id
        );
    }

    #[test]
    fn recognises_nsfs_fds_by_device() {
        let dev = nsfs_device().expect("nsfs device");
        let file = open_own(NsKind::Ipc).expect("own ipc");
        let other = std::fs::File::open("/proc/self/stat").expect("stat");
        let fd_dir = rustix::fs::open(
            "/proc/self/fd",
            OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .expect("fd dir");
        let name = |fd: i32| std::ffi::CString::new(fd.to_string()).expect("name");
        let socket = std::os::unix::net::UnixDatagram::unbound().expect("socket");
        let socket_inode = rustix::fs::fstat(&socket).expect("fstat socket").st_ino;
        assert_eq!(
            classify_fd_entry(fd_dir.as_fd(), &name(file.as_fd().as_raw_fd()), dev),
            Some(FdEntry::Namespace(file.identity.inode))
        );
        assert_eq!(
            classify_fd_entry(fd_dir.as_fd(), &name(socket.as_raw_fd()), dev),
            Some(FdEntry::Socket(socket_inode))
        );
        assert_eq!(
            classify_fd_entry(fd_dir.as_fd(), &name(other.as_raw_fd()), dev),
            Some(FdEntry::Other)
        );
        assert_eq!(classify_fd_entry(fd_dir.as_fd(), c"99999", dev), None);
    }
}
