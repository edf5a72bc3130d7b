//! The churn run: a background thread spawns and reaps short-lived processes (and, as root,
//! short-lived namespaces through `unshare`) as fast as it can, while nsview scans again and
//! again. Every scan must succeed, print no torn row, and count namespaces consistently with
//! the processes it did read.
//!
//! The consistency check that stays valid under churn: a process that was read at all has
//! exactly one namespace of each type, so within one output the NPROCS of all namespaces of a
//! type sum to the same number for every type (the number of processes read). A process read
//! half-way (it exited between two of its links) breaks the sums. The library check goes
//! further: every member exists and really has that link, and every link has its namespace.
//!
//! Shared with `tests/churn.rs` (included there by path), so it depends only on the nsview
//! library and std.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;

use nsview::model::{Holder, NsKind, Snapshot};
use nsview::scan::{ScanOptions, scan};

#[derive(clap::Args, Clone, Debug)]
pub struct ChurnArgs {
    /// Scans per subject.
    #[arg(long, default_value_t = 100)]
    pub runs: usize,
    /// What scans: lib (the scanner, checked deeply), list (`nsview --list`), list-json
    /// (`nsview --list -J`), lsns and lsns-json (for comparison, never fail the run).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "lib,list,list-json,lsns,lsns-json"
    )]
    pub subjects: Vec<String>,
    /// Children alive at once in the churner.
    #[arg(long, default_value_t = 32)]
    pub width: usize,
    /// Do not create namespaces in the churner even as root.
    #[arg(long)]
    pub no_namespaces: bool,
    /// The nsview binary (default: next to this one).
    #[arg(long)]
    pub nsview: Option<PathBuf>,
}

/// How much churn happened.
#[derive(Clone, Copy, Debug, Default)]
pub struct ChurnStats {
    pub spawned: u64,
    pub with_namespaces: u64,
}

/// The background spawner; stopping (or dropping) it kills and reaps its children by PID.
pub struct Churner {
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<ChurnStats>>,
}

impl Churner {
    pub fn start(width: usize, namespaces: bool) -> Churner {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let handle = std::thread::spawn(move || churn(&flag, width.max(1), namespaces));
        Churner {
            stop,
            handle: Some(handle),
        }
    }

    pub fn finish(mut self) -> ChurnStats {
        self.stop_now()
    }

    fn stop_now(&mut self) -> ChurnStats {
        self.stop.store(true, Ordering::SeqCst);
        self.handle
            .take()
            .and_then(|h| h.join().ok())
            .unwrap_or_default()
    }
}

impl Drop for Churner {
    fn drop(&mut self) {
        self.stop_now();
    }
}

/// `unshare` flags for fresh namespaces of every type; as root the user namespace maps us to
/// root, and the forked child dies with unshare.
pub const ALL_TYPES: [&str; 9] = [
    "--mount",
    "--uts",
    "--ipc",
    "--net",
    "--pid",
    "--cgroup",
    "--time",
    "--map-root-user",
    "--kill-child",
];

/// The kinds of short-lived children, in rotation.
fn spawn_one(turn: u64, namespaces: bool) -> Option<(Child, bool)> {
    let mut cmd;
    let mut in_namespaces = false;
    match turn % 4 {
        0 => cmd = Command::new("true"),
        1 | 2 => {
            cmd = Command::new("sleep");
            cmd.arg(if turn % 4 == 1 { "0.01" } else { "0.05" });
        }
        _ if namespaces => {
            // Every type, so a scan can catch a namespace being born or torn down.
            cmd = Command::new("unshare");
            cmd.args(ALL_TYPES).args(["--", "sleep", "0.02"]);
            in_namespaces = true;
        }
        _ => {
            cmd = Command::new("sh");
            cmd.args(["-c", "exit 0"]);
        }
    }
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd.spawn().ok().map(|c| (c, in_namespaces))
}

fn churn(stop: &AtomicBool, width: usize, namespaces: bool) -> ChurnStats {
    let mut stats = ChurnStats::default();
    let mut children: Vec<Child> = Vec::with_capacity(width);
    let mut turn = 0u64;
    while !stop.load(Ordering::SeqCst) {
        children.retain_mut(|c| !matches!(c.try_wait(), Ok(Some(_)) | Err(_)));
        if children.len() >= width {
            std::thread::sleep(std::time::Duration::from_millis(1));
            continue;
        }
        turn += 1;
        if let Some((child, in_ns)) = spawn_one(turn, namespaces) {
            stats.spawned += 1;
            stats.with_namespaces += u64::from(in_ns);
            children.push(child);
        }
    }
    for child in &mut children {
        let _ = child.kill();
        let _ = child.wait();
    }
    stats
}

/// Deep check of a library snapshot.
pub fn check_snapshot(snapshot: &Snapshot) -> Result<(), String> {
    let mut sums: BTreeMap<NsKind, usize> = BTreeMap::new();
    for ns in snapshot.namespaces.values() {
        if ns.members.windows(2).any(|w| w[0] >= w[1]) {
            return Err(format!("namespace {} members not ascending", ns.inode));
        }
        for &pid in &ns.members {
            let Some(process) = snapshot.process(pid) else {
                return Err(format!("namespace {} lists unknown pid {pid}", ns.inode));
            };
            if process.ns(ns.kind) != Some(ns.inode) {
                return Err(format!(
                    "pid {pid} is a member of {} {} but its link says {:?}",
                    ns.kind,
                    ns.inode,
                    process.ns(ns.kind)
                ));
            }
        }
        *sums.entry(ns.kind).or_default() += ns.members.len();
        for holder in &ns.holders {
            let pid = match holder {
                Holder::Thread { pid, .. }
                | Holder::ForChildren { pid }
                | Holder::Fd { pid, .. }
                | Holder::Socket { pid, .. } => *pid,
                _ => continue,
            };
            if snapshot.process(pid).is_none() {
                return Err(format!("holder {holder:?} of {} has no process", ns.inode));
            }
        }
    }
    for process in snapshot.processes.values() {
        for kind in NsKind::ALL {
            let Some(inode) = process.ns(kind) else {
                continue;
            };
            let listed = snapshot.namespace(inode).is_some_and(|ns| {
                ns.kind == kind && ns.members.binary_search(&process.pid).is_ok()
            });
            if !listed {
                return Err(format!(
                    "pid {} has {kind}:[{inode}] but is not among its members",
                    process.pid
                ));
            }
        }
    }
    check_sums(&sums, &supported_kinds(snapshot))
}

/// The kinds this kernel has (the scanning process has a link for them).
fn supported_kinds(snapshot: &Snapshot) -> Vec<NsKind> {
    NsKind::ALL
        .into_iter()
        .filter(|&k| snapshot.self_links.get(k).is_some())
        .collect()
}

/// Member counts per kind must agree: every process read is in one namespace of each
/// nsproxy kind (mnt, net, uts, ipc, cgroup, time) or, once exiting or a zombie, in none of
/// them; pid and user count every process read, zombies included.
fn check_sums(sums: &BTreeMap<NsKind, usize>, kinds: &[NsKind]) -> Result<(), String> {
    let count = |k: NsKind| sums.get(&k).copied().unwrap_or(0);
    let nsproxy: Vec<(NsKind, usize)> = kinds
        .iter()
        .filter(|&&k| k != NsKind::Pid && k != NsKind::User)
        .map(|&k| (k, count(k)))
        .collect();
    let all_processes = [NsKind::Pid, NsKind::User]
        .into_iter()
        .filter(|k| kinds.contains(k))
        .map(|k| (k, count(k)))
        .collect::<Vec<_>>();
    let uneven = |counts: &[(NsKind, usize)]| counts.windows(2).any(|w| w[0].1 != w[1].1);
    let too_many = match (nsproxy.first(), all_processes.first()) {
        (Some(a), Some(b)) => a.1 > b.1,
        _ => false,
    };
    if uneven(&nsproxy) || uneven(&all_processes) || too_many {
        let mut counts = nsproxy;
        counts.extend(all_processes);
        return Err(format!("per-type process counts disagree: {counts:?}"));
    }
    Ok(())
}

/// Checks `--list` table output (default columns NS TYPE NPROCS PID USER COMMAND).
pub fn check_table(text: &str) -> Result<(), String> {
    let mut lines = text.lines();
    let header: Vec<&str> = lines
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    if header != ["NS", "TYPE", "NPROCS", "PID", "USER", "COMMAND"] {
        return Err(format!("unexpected header {header:?}"));
    }
    let mut sums: BTreeMap<NsKind, usize> = BTreeMap::new();
    for line in lines {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let torn = || format!("torn row {line:?}");
        let (Some(ns), Some(kind), Some(nprocs)) = (fields.first(), fields.get(1), fields.get(2))
        else {
            return Err(torn());
        };
        ns.parse::<u64>().map_err(|_| torn())?;
        let kind = NsKind::from_name(kind).ok_or_else(torn)?;
        let nprocs: usize = nprocs.parse().map_err(|_| torn())?;
        // A namespace with processes names one (PID USER COMMAND); one without has none.
        if nprocs > 0 {
            if fields.len() < 6 || fields[3].parse::<u32>().is_err() {
                return Err(torn());
            }
        } else if fields.len() > 3 && fields[3].parse::<u32>().is_ok() {
            return Err(format!("NPROCS 0 with a PID: {line:?}"));
        }
        *sums.entry(kind).or_default() += nprocs;
    }
    check_sums(&sums, &sums.keys().copied().collect::<Vec<_>>())
}

/// Checks `--list -J` output: it parses, every row has the default fields, and the sums agree.
pub fn check_json(text: &str) -> Result<(), String> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("JSON does not parse: {e}"))?;
    let rows = value
        .get("namespaces")
        .and_then(|v| v.as_array())
        .ok_or("no \"namespaces\" array")?;
    let mut sums: BTreeMap<NsKind, usize> = BTreeMap::new();
    for row in rows {
        let bad = || format!("bad row {row}");
        row.get("ns").and_then(|v| v.as_u64()).ok_or_else(bad)?;
        let kind = row
            .get("type")
            .and_then(|v| v.as_str())
            .and_then(NsKind::from_name)
            .ok_or_else(bad)?;
        let nprocs = row.get("nprocs").and_then(|v| v.as_u64()).ok_or_else(bad)?;
        for field in ["pid", "user", "command"] {
            if row.get(field).is_none() {
                return Err(bad());
            }
        }
        *sums.entry(kind).or_default() += nprocs as usize;
    }
    check_sums(&sums, &sums.keys().copied().collect::<Vec<_>>())
}

/// One subject's tally over a churn run.
#[derive(Debug, Default, Clone)]
pub struct Tally {
    pub passed: usize,
    pub failed: usize,
    pub first_failure: Option<String>,
}

impl Tally {
    fn record(&mut self, outcome: Result<(), String>) {
        match outcome {
            Ok(()) => self.passed += 1,
            Err(why) => {
                self.failed += 1;
                self.first_failure.get_or_insert(why);
            }
        }
    }
}

/// A command's stdout, or why it failed.
fn output_of(program: &Path, args: &[&str]) -> Result<String, String> {
    let out = Command::new(program)
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", program.display()))?;
    if !out.status.success() {
        return Err(format!(
            "{} {} exited with {}: {}",
            program.display(),
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    String::from_utf8(out.stdout).map_err(|_| "output is not UTF-8".to_string())
}

/// Runs one subject once and checks it.
pub fn check_once(subject: &str, nsview: &Path) -> Result<(), String> {
    match subject {
        "lib" => check_snapshot(&scan(&ScanOptions::default()).map_err(|e| format!("{e:#}"))?),
        "list" => check_table(&output_of(nsview, &["--list"])?),
        "list-json" => check_json(&output_of(nsview, &["--list", "-J"])?),
        "lsns" => check_table(&output_of(Path::new("lsns"), &[])?),
        "lsns-json" => check_json(&output_of(Path::new("lsns"), &["-J"])?),
        other => Err(format!("unknown churn subject {other:?}")),
    }
}

/// Runs `runs` rounds of every subject (interleaved) under churn.
pub fn run(
    args: &ChurnArgs,
    nsview: &Path,
    keep_going: &dyn Fn() -> bool,
) -> (Vec<(String, Tally)>, ChurnStats) {
    let namespaces = !args.no_namespaces && nix::unistd::geteuid().is_root();
    let churner = Churner::start(args.width, namespaces);
    let mut tallies: Vec<(String, Tally)> = args
        .subjects
        .iter()
        .map(|s| (s.clone(), Tally::default()))
        .collect();
    'rounds: for _ in 0..args.runs {
        for (subject, tally) in &mut tallies {
            if !keep_going() {
                break 'rounds;
            }
            tally.record(check_once(subject, nsview));
        }
    }
    (tallies, churner.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_rows_must_be_whole_and_sums_equal() {
        let good = "NS TYPE NPROCS PID USER COMMAND\n\
            4026531835 cgroup 2 1 root /sbin/init splash\n\
            4026531836 pid 2 1 root /sbin/init splash\n\
            4026532999 net 0\n\
            4026531840 net 2 1 root /sbin/init\n";
        assert_eq!(check_table(good), Ok(()));
        let torn = "NS TYPE NPROCS PID USER COMMAND\n4026531835 cgroup 2 1\n";
        assert!(check_table(torn).is_err());
        let uneven = "NS TYPE NPROCS PID USER COMMAND\n\
            4026531835 cgroup 2 1 root init\n\
            4026531836 pid 1 1 root init\n";
        assert!(check_table(uneven).is_err());
        // a zombie counts in pid and user only
        let zombie = "NS TYPE NPROCS PID USER COMMAND\n\
            1 cgroup 2 1 root init\n2 net 2 1 root init\n\
            3 pid 3 1 root init\n4 user 3 1 root init\n";
        assert_eq!(check_table(zombie), Ok(()));
    }

    #[test]
    fn json_must_parse_and_sums_equal() {
        let good = r#"{"namespaces":[
            {"ns":1,"type":"net","nprocs":3,"pid":1,"user":"root","command":"init"},
            {"ns":2,"type":"uts","nprocs":3,"pid":1,"user":"root","command":"init"},
            {"ns":3,"type":"net","nprocs":0,"pid":null,"user":null,"command":null}]}"#;
        assert_eq!(check_json(good), Ok(()));
        assert!(check_json(&good[..40]).is_err());
        let uneven = r#"{"namespaces":[
            {"ns":1,"type":"net","nprocs":3,"pid":1,"user":"root","command":"init"},
            {"ns":2,"type":"uts","nprocs":2,"pid":1,"user":"root","command":"init"}]}"#;
        assert!(check_json(uneven).is_err());
    }
}
