//! Snapshots over time: a scan saved as versioned JSON (`nsview snapshot`), read back wherever
//! a scan is read (`--from FILE`), and compared (`nsview diff`).
//!
//! The file is a [`SnapshotFile`]: `{"format": "nsview-snapshot", "version": 1, ...}` with the
//! model's [`Snapshot`] as `scan` and, when taken with `--details`, what `show` knows about
//! every namespace. The layout is documented by `docs/snapshot.schema.json` (a test validates
//! produced files against it). Loading is lenient where it can be: fields a later nsview adds
//! are ignored, fields an older one lacked take their defaults (`#[serde(default)]` on the
//! model); only another format name or a newer major version is refused.
//!
//! Strings: JSON escaping keeps hostile host strings (ESC, newlines) inert in the file; faces
//! escape them again for terminals when they print a loaded snapshot. The model holds text as
//! UTF-8 (the scanner decodes comms and paths lossily, invalid bytes become U+FFFD), and so
//! does the file; the one exception is a command line that is not UTF-8, whose exact bytes are
//! kept beside the lossy text as `command_bytes` (an array of numbers), so `--list --from`
//! escapes them as lsns does, byte for byte.

pub mod diff;
pub mod file;
pub mod source;
mod wire;

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::details::{self, ContainerIndex, ContainerRow, NamespaceDetails};
use crate::model::{Inode, Snapshot};
use crate::scan::{self, ScanOptions};

pub use file::{load, save};
pub use source::Source;

/// The `format` value of every snapshot file.
pub const FORMAT: &str = "nsview-snapshot";
/// The layout version this nsview writes and the newest it reads.
pub const VERSION: u32 = 1;

/// A snapshot as saved: the scan, and optionally the details of every namespace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotFile {
    /// Always [`FORMAT`].
    pub format: String,
    /// [`VERSION`] when written by this nsview.
    pub version: u32,
    /// When the scan ran: seconds since the Unix epoch.
    #[serde(default)]
    pub taken_at: u64,
    /// The nsview version that wrote it.
    #[serde(default)]
    pub nsview: String,
    /// True when `details` was filled (`--details`): an empty map then means "no namespaces",
    /// not "not asked".
    #[serde(default)]
    pub has_details: bool,
    /// Everything the scan saw.
    pub scan: Snapshot,
    /// What `show` knows, by namespace inode (only with `--details`).
    #[serde(default)]
    pub details: BTreeMap<Inode, NamespaceDetails>,
    /// The container matrix (`show`'s "container ns" rows), only with `--details`.
    #[serde(default)]
    pub containers: Vec<ContainerRow>,
    /// `show`'s pod of each namespace shared in one, only with `--details`.
    #[serde(default)]
    pub pods: BTreeMap<Inode, details::PodMembers>,
    /// `show`'s leak verdict line of each namespace without processes, only with `--details`.
    #[serde(default)]
    pub leaks: BTreeMap<Inode, String>,
    /// What `nsview leaks` knows beyond the scan (claims by containers, what is inside, ages)
    /// about every namespace without processes, only with `--details`.
    #[serde(default)]
    pub leak_facts: LeakFacts,
}

/// `nsview leaks`'s facts ([`crate::details::leak_facts::Facts`]) as saved.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeakFacts {
    #[serde(default)]
    pub claims: crate::leaks::verdict::Claims,
    #[serde(default)]
    pub contents: BTreeMap<Inode, NamespaceDetails>,
    #[serde(default)]
    pub ages: BTreeMap<Inode, details::leak_facts::Age>,
}

impl LeakFacts {
    pub fn into_facts(self) -> details::leak_facts::Facts {
        details::leak_facts::Facts {
            claims: self.claims,
            contents: self.contents,
            ages: self.ages,
        }
    }
}

impl SnapshotFile {
    /// Wraps a scan taken now.
    pub fn new(scan: Snapshot) -> SnapshotFile {
        SnapshotFile {
            format: FORMAT.to_string(),
            version: VERSION,
            taken_at: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
            nsview: env!("CARGO_PKG_VERSION").to_string(),
            has_details: false,
            scan,
            details: BTreeMap::new(),
            containers: Vec::new(),
            pods: BTreeMap::new(),
            leaks: BTreeMap::new(),
            leak_facts: LeakFacts::default(),
        }
    }

    /// `show`'s details of one namespace, when the snapshot has them.
    pub fn details_of(&self, inode: Inode) -> Option<&NamespaceDetails> {
        self.details.get(&inode)
    }
}

/// `nsview snapshot`'s validated options (built by [`crate::config::snapshot`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// Also save what `show` knows about every namespace.
    pub details: bool,
    /// The file to write atomically; None: standard output (no `-o`, or `-o -`).
    pub output: Option<PathBuf>,
}

/// Runs `nsview snapshot`: scans (or re-reads `--from`) and writes the file, or standard
/// output without `-o` (or with `-o -`).
pub fn run(config: &Config, source: Source) -> anyhow::Result<i32> {
    let mut file = source.read(config.details)?;
    if let Some(options) = source.live_options() {
        // Every extension value --list can show (NETNSID, HOSTNAME, CONTAINER, UIDMAP,
        // HOSTNS, LEAK), as its enrichment step computes them, so `--list --from` shows the
        // same; only here, not in every scan a live face takes.
        crate::details::enrich::enrich(
            &mut file.scan,
            &options.proc_root,
            options.is_live(),
            crate::details::enrich::Wanted {
                netnsid: true,
                hostname: true,
                container: true,
                uidmap: true,
                hostns: true,
                leak: true,
            },
        );
    }
    // Re-saving a loaded file with --details cannot add what it lacks: say so.
    if config.details && !file.has_details {
        anyhow::bail!("{} was taken without --details", source.describe());
    }
    file.format = FORMAT.to_string();
    file.version = VERSION;
    match config.output.as_deref() {
        Some(path) => save(&file, path)?,
        None => {
            use std::io::Write;
            let text = file::to_json(&file)?;
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())
                .and_then(|()| out.flush())
                .map_err(anyhow::Error::from)
                .map_err(|e| e.context("writing the snapshot"))?;
        }
    }
    Ok(0)
}

/// Scans now, and with `with_details` reads what is inside every namespace (as `show` does,
/// one namespace at a time) and the container matrix.
pub fn take(options: &ScanOptions, with_details: bool) -> anyhow::Result<SnapshotFile> {
    let snapshot = scan::scan(options)?;
    let mut file = SnapshotFile::new(snapshot);
    if with_details {
        add_details(&mut file, options);
    }
    Ok(file)
}

/// Fills `details` and `containers` from the live system (or the fake proc root).
pub fn add_details(file: &mut SnapshotFile, options: &ScanOptions) {
    let inodes: Vec<Inode> = file.scan.namespaces.keys().copied().collect();
    for inode in inodes {
        // A namespace that went away since the scan has no details; it stays in the scan.
        if let Ok(found) = details::read(&file.scan, inode, &options.proc_root) {
            file.details.insert(inode, found);
        }
    }
    let index = ContainerIndex::build(&file.scan, &options.proc_root);
    file.containers = index.matrix(&file.scan);
    for ns in file.scan.namespaces.values() {
        if let Some(pod) = index.pod_of(&file.scan, ns) {
            file.pods.insert(ns.inode, pod);
        }
    }
    let processless: Vec<Inode> = file
        .scan
        .namespaces
        .values()
        .filter(|ns| ns.members.is_empty())
        .map(|ns| ns.inode)
        .collect();
    let facts = details::leak_facts::gather(&file.scan, &options.proc_root, &processless);
    // One reading of the claims for every namespace's verdict line (not one per namespace).
    for ns in file.scan.namespaces.values() {
        if let Some(line) = crate::leaks::verdict_line(&file.scan, ns.inode, &facts.claims) {
            file.leaks.insert(ns.inode, line);
        }
    }
    file.leak_facts = LeakFacts {
        claims: facts.claims,
        contents: facts.contents,
        ages: facts.ages,
    };
    file.has_details = true;
}
