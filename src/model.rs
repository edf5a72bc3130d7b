//! The snapshot model: namespaces, processes, holders and what could not be read. Plain data,
//! no I/O, no output format.
//!
//! The scanner (`scan`) fills a [`Snapshot`]; `list`, `tui`, `enter` and `show` only read it.
//! Namespace inodes come from one kernel-wide allocator (nsfs `proc_inum`), so an inode alone
//! identifies a namespace across all types; the type is kept beside it for display.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A namespace inode number as shown in `type:[inode]`.
pub type Inode = u64;
/// A process or thread id as seen from the scanning process's pid namespace.
pub type Pid = i32;

/// The eight namespace types, in util-linux lsns's order (its `ns_names[]`), which is also the
/// order lsns's `--type` help and internal tables use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NsKind {
    Mnt,
    Net,
    Pid,
    Uts,
    Ipc,
    User,
    Cgroup,
    Time,
}

impl NsKind {
    pub const ALL: [NsKind; 8] = [
        NsKind::Mnt,
        NsKind::Net,
        NsKind::Pid,
        NsKind::Uts,
        NsKind::Ipc,
        NsKind::User,
        NsKind::Cgroup,
        NsKind::Time,
    ];

    /// The short name used by lsns, by `/proc/PID/ns/NAME` and inside the link text.
    pub fn name(self) -> &'static str {
        match self {
            NsKind::Mnt => "mnt",
            NsKind::Net => "net",
            NsKind::Pid => "pid",
            NsKind::Uts => "uts",
            NsKind::Ipc => "ipc",
            NsKind::User => "user",
            NsKind::Cgroup => "cgroup",
            NsKind::Time => "time",
        }
    }

    /// This type's namespace with that inode, as the kernel names it: `net:[4026531840]`.
    pub fn label(self, inode: Inode) -> NsLabel {
        NsLabel { kind: self, inode }
    }

    /// Parses a type name as lsns's `--type` accepts it (exact, lowercase).
    pub fn from_name(name: &str) -> Option<NsKind> {
        NsKind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// The `CLONE_NEW*` flag, as used by setns(2) and returned by `NS_GET_NSTYPE`.
    pub fn clone_flag(self) -> i32 {
        match self {
            NsKind::Mnt => libc::CLONE_NEWNS,
            NsKind::Net => libc::CLONE_NEWNET,
            NsKind::Pid => libc::CLONE_NEWPID,
            NsKind::Uts => libc::CLONE_NEWUTS,
            NsKind::Ipc => libc::CLONE_NEWIPC,
            NsKind::User => libc::CLONE_NEWUSER,
            NsKind::Cgroup => libc::CLONE_NEWCGROUP,
            // libc has it; nix 0.31's CloneFlags does not (use from_bits_retain there).
            NsKind::Time => libc::CLONE_NEWTIME,
        }
    }

    pub fn from_clone_flag(flag: i32) -> Option<NsKind> {
        NsKind::ALL.into_iter().find(|k| k.clone_flag() == flag)
    }

    /// Index into per-kind arrays such as [`Process::ns`].
    pub fn index(self) -> usize {
        self as usize
    }
}

impl std::fmt::Display for NsKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Why one entry (a process, a link, a task, an fd, a mount table) could not be read.
/// These are normal on a live system and are recorded, never fatal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReadError {
    /// EACCES/EPERM: needs a capability (ptrace access mode checks on /proc/PID/ns).
    Denied,
    /// ENOENT/ESRCH: the process or thread exited while we looked.
    Vanished,
    /// Anything else, with the errno.
    Other(i32),
}

impl ReadError {
    pub fn from_errno(errno: i32) -> ReadError {
        match errno {
            libc::EACCES | libc::EPERM => ReadError::Denied,
            libc::ENOENT | libc::ESRCH => ReadError::Vanished,
            other => ReadError::Other(other),
        }
    }

    pub fn from_io(err: &std::io::Error) -> ReadError {
        match err.raw_os_error() {
            Some(errno) => ReadError::from_errno(errno),
            None => match err.kind() {
                std::io::ErrorKind::PermissionDenied => ReadError::Denied,
                std::io::ErrorKind::NotFound => ReadError::Vanished,
                _ => ReadError::Other(libc::EIO),
            },
        }
    }
}

/// The state of one `/proc/PID/ns/NAME` link.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Link {
    Ns(Inode),
    /// Legitimately absent: a zombie has only its pid and user links, `pid_for_children` is ENOENT until the
    /// first child of a fresh pid namespace exists, a kernel may lack a type (time < 5.6).
    Absent,
    Unreadable(ReadError),
}

impl Link {
    pub fn inode(self) -> Option<Inode> {
        match self {
            Link::Ns(inode) => Some(inode),
            _ => None,
        }
    }
}

/// The ten ns links of a process or thread: one per type plus the two `*_for_children`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NsLinks {
    /// Indexed by [`NsKind::index`].
    pub current: [Link; 8],
    pub pid_for_children: Link,
    pub time_for_children: Link,
}

impl Default for NsLinks {
    fn default() -> Self {
        NsLinks {
            current: [Link::Absent; 8],
            pid_for_children: Link::Absent,
            time_for_children: Link::Absent,
        }
    }
}

impl NsLinks {
    pub fn get(&self, kind: NsKind) -> Option<Inode> {
        self.current[kind.index()].inode()
    }
}

/// One process as the scanner saw it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Process {
    pub pid: Pid,
    pub ppid: Pid,
    /// Owner of `/proc/PID`, which is what lsns reports as UID (the effective uid, or root for
    /// non-dumpable processes); [`Process::UID_NOT_READ`] from a scan that reads no owners
    /// (`ScanOptions::owners` off: `leaks` and `metrics`, which name no users).
    pub uid: u32,
    /// From stat: between the first `(` and the last `)`.
    pub comm: String,
    /// argv joined by spaces, decoded lossily; equal to `comm` when empty (kernel threads).
    pub command: String,
    /// The joined argv as the kernel gave it, kept only when it is not valid UTF-8 (then
    /// `command` shows U+FFFD in its place): lsns's raw and table output escape the original
    /// bytes (`caf\xe9`), not the replacement character.
    /// In a saved snapshot these bytes are an array of numbers, present only when not UTF-8.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command_bytes: Option<Vec<u8>>,
    /// One-letter state from stat (`R`, `S`, `Z`, ...).
    pub state: char,
    /// Start time in clock ticks since boot (stat field 22): with the pid, it names one
    /// process across snapshots (pids are reused). 0 when unknown (an old snapshot).
    #[serde(default)]
    pub start_time: u64,
    #[serde(default)]
    pub links: NsLinks,
    /// Threads whose namespaces differ from the process's own (only these are kept).
    #[serde(default)]
    pub odd_threads: Vec<Thread>,
}

impl Process {
    /// Whether `other` is this process seen again, not another on a reused pid: same pid and
    /// start time (an unknown start time, 0 from an old snapshot, is no evidence either way).
    pub fn is_same_as(&self, other: &Process) -> bool {
        self.pid == other.pid
            && (self.start_time == 0
                || other.start_time == 0
                || self.start_time == other.start_time)
    }

    /// The uid of a process whose owner the scan did not read: `(uid_t)-1`, which the kernel
    /// never gives a file (chown(2) takes it to mean "leave as is").
    pub const UID_NOT_READ: u32 = u32::MAX;

    pub fn ns(&self, kind: NsKind) -> Option<Inode> {
        self.links.get(kind)
    }

    pub fn is_zombie(&self) -> bool {
        self.state == 'Z'
    }
}

/// A thread (task) that sits in at least one namespace its process does not.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Thread {
    pub tid: Pid,
    pub comm: String,
    pub links: NsLinks,
}

/// Something that keeps a namespace alive, other than being a member process (members are
/// listed in [`Namespace::members`]).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Holder {
    /// A thread of `pid` that is in this namespace while its process is not.
    Thread { pid: Pid, tid: Pid },
    /// `/proc/PID/ns/pid_for_children` or `time_for_children` points here.
    ForChildren { pid: Pid },
    /// An open file descriptor of `pid` on an nsfs file.
    Fd { pid: Pid, fd: i32 },
    /// A socket of `pid` created in this network namespace.
    Socket { pid: Pid, fd: i32 },
    /// An nsfs bind mount at `path`, as seen in mount namespace `mnt_ns`.
    BindMount {
        mnt_ns: Option<Inode>,
        path: String,
        via_pid: Option<Pid>,
    },
    /// A child namespace (user and pid namespaces nest) whose parent this is.
    Child { inode: Inode },
    /// A namespace owned by this user namespace.
    Owned { inode: Inode },
}

/// One namespace and everything known about it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Namespace {
    pub inode: Inode,
    pub kind: NsKind,
    /// Member processes (their `/proc/PID/ns/TYPE` is this), ascending.
    #[serde(default)]
    pub members: Vec<Pid>,
    /// Everything else that keeps it alive; sorted, no duplicates.
    #[serde(default)]
    pub holders: Vec<Holder>,
    /// Parent namespace (user and pid only), from NS_GET_PARENT.
    #[serde(default)]
    pub parent: Option<Inode>,
    /// Owning user namespace, from NS_GET_USERNS.
    #[serde(default)]
    pub owner: Option<Inode>,
    /// For user namespaces: the creator's uid, from NS_GET_OWNER_UID.
    #[serde(default)]
    pub owner_uid: Option<u32>,
    /// The 64-bit namespace id (NS_GET_ID, Linux 6.12+), never reused.
    #[serde(default)]
    pub ns_id: Option<u64>,
    /// For net namespaces: the id the scanning netns assigned to it (`ip netns set`), if any.
    #[serde(default)]
    pub netnsid: Option<i32>,
    /// nsfs bind mount paths (lsns's NSFS column).
    #[serde(default)]
    pub nsfs_paths: Vec<String>,
    /// nsview's extension values, filled by the enrichment step (`details::enrich`) only
    /// when an output asks for them.
    #[serde(default, skip_serializing_if = "Extras::is_empty")]
    pub extras: Extras,
}

/// The extension values of one namespace (list's HOSTNAME, CONTAINER, UIDMAP, HOSTNS, LEAK
/// columns).
/// HOSTNAME is the hostname of the UTS namespace of the namespace's representative (of itself,
/// for a UTS namespace).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Extras {
    pub hostname: Option<String>,
    pub container: Option<String>,
    pub uidmap: Option<String>,
    pub hostns: Option<String>,
    /// The leak verdict of a namespace no process is in (`nsview leaks`).
    pub leak: Option<String>,
}

impl Extras {
    pub fn is_empty(&self) -> bool {
        self == &Extras::default()
    }
}

/// A namespace named as the kernel names it in `/proc/PID/ns` links and as every face prints
/// it: `net:[4026531840]`. The one place that spelling is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct NsLabel {
    pub kind: NsKind,
    pub inode: Inode,
}

impl std::fmt::Display for NsLabel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:[{}]", self.kind, self.inode)
    }
}

impl Namespace {
    /// Whether `other` is this namespace seen again, not another on a reused inode: same inode
    /// and type, and the same namespace id where both know it.
    pub fn is_same_as(&self, other: &Namespace) -> bool {
        self.inode == other.inode && self.could_be(other.kind, other.ns_id)
    }

    /// Whether this namespace can be the one of type `kind` and id `ns_id` seen before on the
    /// same inode (an id not known, from an old kernel or snapshot, is no evidence either way).
    pub fn could_be(&self, kind: NsKind, ns_id: Option<u64>) -> bool {
        self.kind == kind
            && match (self.ns_id, ns_id) {
                (Some(a), Some(b)) => a == b,
                _ => true,
            }
    }

    /// `kind:[inode]`.
    pub fn label(&self) -> NsLabel {
        NsLabel {
            kind: self.kind,
            inode: self.inode,
        }
    }

    pub fn new(inode: Inode, kind: NsKind) -> Namespace {
        Namespace {
            inode,
            kind,
            members: Vec::new(),
            holders: Vec::new(),
            parent: None,
            owner: None,
            owner_uid: None,
            ns_id: None,
            netnsid: None,
            nsfs_paths: Vec::new(),
            extras: Extras::default(),
        }
    }

    /// The member with the lowest pid: lsns's PID column.
    pub fn lowest_pid(&self) -> Option<Pid> {
        self.members.first().copied()
    }
}

/// What could not be read, by kind of entry. Counts only; the entries themselves are skipped.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Tally {
    /// Processes that could not be read at all.
    pub processes: u32,
    /// Processes read, but with at least one ns link unreadable (counted once per process).
    pub ns_links: u32,
    pub tasks: u32,
    pub fds: u32,
    pub mount_tables: u32,
}

impl Tally {
    pub fn total(&self) -> u32 {
        self.processes + self.ns_links + self.tasks + self.fds + self.mount_tables
    }

    /// "2 processes, the ns links of 10 processes", or empty when all counts are zero.
    pub fn describe(&self) -> String {
        let count = |n: u32, one: &str, many: &str| {
            (n > 0).then(|| format!("{n} {}", if n == 1 { one } else { many }))
        };
        [
            count(self.processes, "process", "processes"),
            count(self.ns_links, "process's ns links", "processes' ns links"),
            count(self.tasks, "thread", "threads"),
            count(self.fds, "process's fds", "processes' fds"),
            count(self.mount_tables, "mount table", "mount tables"),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ")
    }
}

/// The honest part of a partial view: what the scan could not see, and why.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Gaps {
    pub denied: Tally,
    pub vanished: Tally,
    pub other: Tally,
}

/// Which kind of entry a gap is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GapSubject {
    Process,
    NsLink,
    Task,
    Fd,
    MountTable,
}

impl Gaps {
    pub fn record(&mut self, subject: GapSubject, why: ReadError) {
        let tally = match why {
            ReadError::Denied => &mut self.denied,
            ReadError::Vanished => &mut self.vanished,
            ReadError::Other(_) => &mut self.other,
        };
        let slot = match subject {
            GapSubject::Process => &mut tally.processes,
            GapSubject::NsLink => &mut tally.ns_links,
            GapSubject::Task => &mut tally.tasks,
            GapSubject::Fd => &mut tally.fds,
            GapSubject::MountTable => &mut tally.mount_tables,
        };
        *slot += 1;
    }

    pub fn is_empty(&self) -> bool {
        self.denied.total() + self.vanished.total() + self.other.total() == 0
    }
}

/// Everything one scan saw.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Snapshot {
    /// Keyed and therefore sorted by inode, as lsns sorts its rows.
    pub namespaces: BTreeMap<Inode, Namespace>,
    pub processes: BTreeMap<Pid, Process>,
    /// uid -> login name, for every uid that appears (processes and owner uids).
    pub user_names: BTreeMap<u32, String>,
    /// The namespaces of the scanning process itself (`/proc/self/ns`), where readable.
    pub self_links: NsLinks,
    pub gaps: Gaps,
    /// True when the scan ran without the capabilities to read every process
    /// (CAP_SYS_PTRACE for other users' ns links, CAP_SYS_ADMIN for the ioctls).
    pub unprivileged: bool,
    /// Those capabilities, by name, when `unprivileged`.
    pub missing_capabilities: Vec<String>,
    /// Holders whose path held something else than their namespace (a trap, or a race):
    /// refused and never followed. Sorted.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unreadable_holders: Vec<UnreadableHolder>,
    /// The fake proc root this was read from (`--proc-root DIR`); None for the live `/proc`.
    /// Faces say so (stderr, the UI header): the data did not come from this kernel.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proc_root: Option<std::path::PathBuf>,
}

/// A holder path that did not open as the namespace it should hold: a FIFO, symlink, device
/// or plain file planted at a bind mount's path, or an fd swapped for one. Never followed.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct UnreadableHolder {
    /// The namespace the holder was seen to hold.
    pub inode: Inode,
    pub kind: NsKind,
    /// The path that was tried (host text: escape it before printing to a terminal).
    pub path: String,
    /// What was there instead, e.g. "a FIFO, not a namespace file".
    pub reason: String,
}

impl Snapshot {
    /// `"refused 1 holder: /proc/42/root/tmp/x (net:[4026532301]): a FIFO, not a namespace
    /// file"`, with the host's path escaped (it may hold control characters), at most three
    /// named: those of the namespaces `first` picks (the ones an output shows) before the rest.
    pub fn unreadable_holders_note(&self, first: impl Fn(Inode) -> bool) -> Option<String> {
        let n = self.unreadable_holders.len();
        if n == 0 {
            return None;
        }
        let (mut named, rest): (Vec<&UnreadableHolder>, Vec<&UnreadableHolder>) =
            self.unreadable_holders.iter().partition(|h| first(h.inode));
        named.extend(rest);
        let named: Vec<String> = named
            .into_iter()
            .take(3)
            .map(|h| {
                format!(
                    "{} ({}): {}",
                    crate::text::safe(&h.path),
                    h.kind.label(h.inode),
                    h.reason
                )
            })
            .collect();
        let more = if n > 3 {
            format!("; {} more", n - 3)
        } else {
            String::new()
        };
        let noun = if n == 1 { "holder" } else { "holders" };
        Some(format!("refused {n} {noun}: {}{more}", named.join("; ")))
    }

    /// The short form of [`Snapshot::partial_view_note`] for a status line, e.g.
    /// "12 unreadable (10 denied, 2 exited)" or "partial view: needs CAP_SYS_PTRACE ...".
    pub fn partial_view_summary(&self) -> Option<String> {
        if self.gaps.is_empty() && !self.unprivileged && self.unreadable_holders.is_empty() {
            return None;
        }
        let parts: Vec<String> = [
            (self.gaps.denied.total(), "denied"),
            (self.gaps.vanished.total(), "exited"),
            (self.gaps.other.total(), "errors"),
        ]
        .into_iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, why)| format!("{n} {why}"))
        .collect();
        let total: u32 = [&self.gaps.denied, &self.gaps.vanished, &self.gaps.other]
            .iter()
            .map(|t| t.total())
            .sum();
        let mut summary = if total > 0 {
            format!("{total} unreadable ({})", parts.join(", "))
        } else {
            String::new()
        };
        if !self.unreadable_holders.is_empty() {
            if !summary.is_empty() {
                summary.push_str("; ");
            }
            summary.push_str(&format!(
                "{} holder(s) refused",
                self.unreadable_holders.len()
            ));
        }
        if self.unprivileged {
            if !summary.is_empty() {
                summary.push_str("; ");
            }
            summary.push_str("partial view");
            if !self.missing_capabilities.is_empty() {
                summary.push_str(&format!(
                    ": needs {}",
                    self.missing_capabilities.join(" + ")
                ));
            }
        }
        Some(summary)
    }

    /// One line on what the scan could not read, or None when it read everything: the same
    /// words on `--list`'s stderr and in the UI's status line. Denied links are normal even
    /// for root (the kernel refuses PID 1's, for one), so with privileges the wording states
    /// counts and causes without calling the view wrong; without them it names the capability
    /// that would complete it.
    pub fn partial_view_note(&self) -> Option<String> {
        self.partial_view_note_showing(|_| true)
    }

    /// [`Snapshot::partial_view_note`] for an output that shows the namespaces `shown` picks:
    /// their refused holders are named first (with many refused on a host, the three named
    /// are then the ones that output is about).
    pub fn partial_view_note_showing(&self, shown: impl Fn(Inode) -> bool) -> Option<String> {
        if self.gaps.is_empty() && !self.unprivileged && self.unreadable_holders.is_empty() {
            return None;
        }
        let denied_why = if self.unprivileged {
            "permission denied"
        } else {
            "permission denied, as the kernel answers even root for some, such as PID 1's"
        };
        let parts: Vec<String> = [
            (&self.gaps.denied, denied_why),
            (&self.gaps.vanished, "exited during the scan"),
            (&self.gaps.other, "read errors"),
        ]
        .into_iter()
        .filter_map(|(tally, why)| {
            let counts = tally.describe();
            (!counts.is_empty()).then(|| format!("{counts} ({why})"))
        })
        .collect();
        let mut note = if self.unprivileged {
            "partial view"
        } else {
            "note"
        }
        .to_string();
        if !parts.is_empty() {
            note.push_str(": could not read ");
            note.push_str(&parts.join(", "));
        }
        if self.unprivileged && !self.missing_capabilities.is_empty() {
            note.push_str(&format!(
                "; {} would complete it",
                self.missing_capabilities.join(" and ")
            ));
        }
        if let Some(holders) = self.unreadable_holders_note(shown) {
            note.push_str(if parts.is_empty() && !self.unprivileged {
                ": "
            } else {
                "; "
            });
            note.push_str(&holders);
        }
        Some(note)
    }

    pub fn namespace(&self, inode: Inode) -> Option<&Namespace> {
        self.namespaces.get(&inode)
    }

    pub fn process(&self, pid: Pid) -> Option<&Process> {
        self.processes.get(&pid)
    }

    /// The login name for a uid, or the number as text when it has none (as lsns prints it).
    pub fn user_name(&self, uid: u32) -> String {
        self.user_names
            .get(&uid)
            .cloned()
            .unwrap_or_else(|| uid.to_string())
    }

    /// The namespaces of one kind, ascending by inode.
    pub fn of_kind(&self, kind: NsKind) -> impl Iterator<Item = &Namespace> {
        self.namespaces.values().filter(move |ns| ns.kind == kind)
    }

    /// The host's namespace of a kind, for "shared with the host" marks: pid 1's, or when pid
    /// 1's links are unreadable (EACCES even for root on some systems), kthreadd's (pid 2 with
    /// ppid 0): kernel threads always sit in the initial namespaces.
    pub fn host_ns(&self, kind: NsKind) -> Option<Inode> {
        self.processes.get(&1).and_then(|p| p.ns(kind)).or_else(|| {
            self.processes
                .get(&2)
                .filter(|p| p.ppid == 0 && p.comm == "kthreadd")
                .and_then(|p| p.ns(kind))
        })
    }

    /// The representative process of a namespace (lowest member pid), as lsns's PID column.
    pub fn representative(&self, ns: &Namespace) -> Option<&Process> {
        ns.lowest_pid().and_then(|pid| self.processes.get(&pid))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_label_is_spelled_as_the_kernel_does() {
        let ns = Namespace::new(4026531840, NsKind::Net);
        assert_eq!(ns.label().to_string(), "net:[4026531840]");
    }

    #[test]
    fn partial_view_notes_are_one_honest_line() {
        let mut snapshot = Snapshot::default();
        assert_eq!(snapshot.partial_view_note(), None);
        snapshot.gaps.denied.ns_links = 1;
        assert_eq!(
            snapshot.partial_view_note().as_deref(),
            Some(
                "note: could not read 1 process's ns links (permission denied, as the kernel answers even root for some, such as PID 1's)"
            )
        );
        snapshot.gaps.vanished.processes = 2;
        snapshot.gaps.denied.fds = 3;
        snapshot.unprivileged = true;
        snapshot.missing_capabilities = vec!["CAP_SYS_PTRACE".into(), "CAP_SYS_ADMIN".into()];
        assert_eq!(
            snapshot.partial_view_note().as_deref(),
            Some(
                "partial view: could not read 1 process's ns links, 3 processes' fds (permission denied), \
                  2 processes (exited during the scan); CAP_SYS_PTRACE and CAP_SYS_ADMIN would complete it"
            )
        );
        assert_eq!(
            snapshot.partial_view_summary().as_deref(),
            Some(
                "6 unreadable (4 denied, 2 exited); partial view: needs CAP_SYS_PTRACE + CAP_SYS_ADMIN"
            )
        );
        // Many refused holders: three are named, the shown namespaces' first.
        snapshot.unprivileged = false;
        snapshot.gaps = Gaps::default();
        snapshot.unreadable_holders = (1..=5)
            .map(|inode| UnreadableHolder {
                inode,
                kind: NsKind::Net,
                path: format!("/run/netns/n{inode}"),
                reason: "a FIFO, not a namespace file".into(),
            })
            .collect();
        let named = |note: Option<String>| -> Vec<u64> {
            let note = note.expect("a note");
            assert!(
                note.contains("refused 5 holders: ") && note.ends_with("; 2 more"),
                "{note}"
            );
            (1..=5)
                .filter(|i| note.contains(&format!("/n{i} ")))
                .collect()
        };
        assert_eq!(named(snapshot.partial_view_note()), [1, 2, 3]);
        assert_eq!(
            named(snapshot.partial_view_note_showing(|inode| inode == 5)),
            [1, 2, 5]
        );
        snapshot.unreadable_holders.clear();
        snapshot.unprivileged = true;
        // Unprivileged with nothing unreadable (only own processes exist) still says so.
        snapshot.gaps = Gaps::default();
        assert_eq!(
            snapshot.partial_view_note().as_deref(),
            Some("partial view; CAP_SYS_PTRACE and CAP_SYS_ADMIN would complete it")
        );
    }
}
