//! `nsview metrics`: the Prometheus text exposition format (version 0.0.4) for a fleet:
//! namespaces by type, namespaces without processes by type and main holder kind, probable
//! leaks by type, unreadable entries by kind and reason, scan duration; with `--per-namespace`
//! one series per namespace. Written to stdout, to a textfile atomically (temp file + rename in
//! the same directory, for node_exporter's textfile collector), or served on `/metrics` by
//! `tiny_http`, rescanning at most once per `--interval`.
//!
//! The exposition is built by [`render`], a pure function of a snapshot, its claims and the
//! scan duration; every series of the fixed families is always present (zeros included) so
//! alert rules see a stable set.

use std::fmt::Write as _;
use std::io::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context;

use crate::error::Exit;
use crate::leaks::{self, Claims, HolderKind, Verdict};
use crate::model::{Holder, NsKind, Snapshot, Tally};
use crate::scan::{self, ScanOptions};

/// Where the exposition goes.
#[derive(Clone, Debug, PartialEq)]
pub enum Output {
    Stdout,
    Textfile(PathBuf),
    Listen {
        addr: SocketAddr,
        interval: Duration,
    },
}

/// The validated options of `nsview metrics` (built by [`crate::config::metrics`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    pub per_namespace: bool,
    pub output: Output,
}

/// `9586`, `:9586` and `host:9586`; a bare port listens on loopback.
pub fn parse_listen(text: &str) -> Result<SocketAddr, String> {
    let text = text.trim();
    let full = if text.bytes().all(|b| b.is_ascii_digit()) && !text.is_empty() {
        format!("127.0.0.1:{text}")
    } else if let Some(port) = text.strip_prefix(':') {
        format!("127.0.0.1:{port}")
    } else {
        text.to_string()
    };
    full.parse()
        .map_err(|_| format!("invalid --listen address '{text}' (expected host:port or a port)"))
}

/// A label value escaped as the exposition format requires: backslash, double quote, newline.
pub fn escape_label(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

fn family(out: &mut String, name: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} gauge");
}

/// The per-namespace `name` label: its first pin path, else its lowest member's command name.
fn namespace_name(snapshot: &Snapshot, ns: &crate::model::Namespace) -> String {
    ns.holders
        .iter()
        .find_map(|h| match h {
            Holder::BindMount { path, .. } => Some(path.clone()),
            _ => None,
        })
        .or_else(|| snapshot.representative(ns).map(|p| p.comm.clone()))
        .unwrap_or_default()
}

/// The exposition text.
pub fn render(
    snapshot: &Snapshot,
    claims: &Claims,
    scan_seconds: f64,
    per_namespace: bool,
) -> String {
    let assessed = leaks::assess_all(snapshot, claims);
    let mut out = String::new();

    family(
        &mut out,
        "nsview_namespaces",
        "Namespaces found by the scan, by type.",
    );
    for kind in NsKind::ALL {
        let n = snapshot.of_kind(kind).count();
        let _ = writeln!(out, "nsview_namespaces{{type=\"{kind}\"}} {n}");
    }

    family(
        &mut out,
        "nsview_namespaces_without_processes",
        "Namespaces no process is a member of, by type and by the main kind of holder keeping them.",
    );
    for kind in NsKind::ALL {
        for holder in HolderKind::ALL {
            let n = assessed
                .iter()
                .filter(|a| a.kind == kind && a.held_by == holder)
                .count();
            let _ = writeln!(
                out,
                "nsview_namespaces_without_processes{{type=\"{kind}\",holder=\"{}\"}} {n}",
                holder.name()
            );
        }
    }

    family(
        &mut out,
        "nsview_probable_leaks",
        "Namespaces pinned only by bind mounts that no running container claims, by type.",
    );
    for kind in NsKind::ALL {
        let n = assessed
            .iter()
            .filter(|a| a.kind == kind && a.verdict == Verdict::PinnedUnclaimed)
            .count();
        let _ = writeln!(out, "nsview_probable_leaks{{type=\"{kind}\"}} {n}");
    }

    family(
        &mut out,
        "nsview_unreadable_entries",
        "Entries the scan could not read, by kind of entry and reason.",
    );
    let gaps = &snapshot.gaps;
    for (reason, tally) in [
        ("denied", &gaps.denied),
        ("vanished", &gaps.vanished),
        ("other", &gaps.other),
    ] {
        let Tally {
            processes,
            ns_links,
            tasks,
            fds,
            mount_tables,
        } = *tally;
        for (kind, n) in [
            ("processes", processes),
            ("ns_links", ns_links),
            ("tasks", tasks),
            ("fds", fds),
            ("mount_tables", mount_tables),
        ] {
            let _ = writeln!(
                out,
                "nsview_unreadable_entries{{kind=\"{kind}\",reason=\"{reason}\"}} {n}"
            );
        }
    }

    family(
        &mut out,
        "nsview_scan_duration_seconds",
        "How long the scan behind these metrics took.",
    );
    let _ = writeln!(out, "nsview_scan_duration_seconds {scan_seconds:.6}");

    if per_namespace {
        let labels = |ns: &crate::model::Namespace| {
            format!(
                "type=\"{}\",inode=\"{}\",name=\"{}\"",
                ns.kind,
                ns.inode,
                escape_label(&namespace_name(snapshot, ns))
            )
        };
        family(
            &mut out,
            "nsview_namespace_processes",
            "Member processes of each namespace.",
        );
        for ns in snapshot.namespaces.values() {
            let _ = writeln!(
                out,
                "nsview_namespace_processes{{{}}} {}",
                labels(ns),
                ns.members.len()
            );
        }
        family(
            &mut out,
            "nsview_namespace_probable_leak",
            "1 when the namespace is a probable leak (pinned, unclaimed), else 0.",
        );
        let leaking: std::collections::HashSet<crate::model::Inode> = assessed
            .iter()
            .filter(|a| a.verdict.is_probable_leak())
            .map(|a| a.inode)
            .collect();
        for ns in snapshot.namespaces.values() {
            let leak = leaking.contains(&ns.inode);
            let _ = writeln!(
                out,
                "nsview_namespace_probable_leak{{{}}} {}",
                labels(ns),
                u8::from(leak)
            );
        }
    }
    out
}

/// One scan and its exposition.
pub fn collect(options: &ScanOptions, per_namespace: bool) -> anyhow::Result<String> {
    let started = Instant::now();
    // No command lines at all (the name label uses comm) and no process owners (no label
    // names a user).
    let options = ScanOptions {
        all_commands: false,
        representative_commands: false,
        owners: false,
        ..options.clone()
    };
    let snapshot = scan::scan(&options)?;
    // The enrichment step: claims on the namespaces without processes.
    let claims = crate::details::leak_facts::claims(&snapshot, &options.proc_root);
    let seconds = started.elapsed().as_secs_f64();
    Ok(render(&snapshot, &claims, seconds, per_namespace))
}

/// Writes `text` to `path` atomically: a hidden temp file in the same directory (not `*.prom`,
/// which the textfile collector would read half-written), synced, then renamed over `path`.
pub fn write_atomically(path: &Path, text: &str) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .with_context(|| format!("{} is not a file name", path.display()))?;
    let temp = dir.join(format!(
        ".{}.tmp.{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    // A temp file of a crashed earlier run with the same pid would make create_new fail.
    let _ = std::fs::remove_file(&temp);
    let result = (|| -> std::io::Result<()> {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&temp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result.with_context(|| format!("writing {}", path.display()))
}

/// Serves `/metrics` until killed. A scan older than `interval` is redone on the next scrape.
fn serve(
    options: &ScanOptions,
    config: &Config,
    addr: SocketAddr,
    interval: Duration,
) -> anyhow::Result<i32> {
    let server = tiny_http::Server::http(addr)
        .map_err(|e| Exit::failure(format!("cannot listen on {addr}: {e}")))?;
    eprintln!("nsview: serving http://{addr}/metrics");
    let mut cache: Option<(Instant, String)> = None;
    for request in server.incoming_requests() {
        let path = request.url().split('?').next().unwrap_or("");
        let get = matches!(
            request.method(),
            tiny_http::Method::Get | tiny_http::Method::Head
        );
        if path != "/metrics" || !get {
            let _ = request
                .respond(tiny_http::Response::from_string("not found\n").with_status_code(404));
            continue;
        }
        let fresh = cache
            .as_ref()
            .is_some_and(|(at, _)| at.elapsed() < interval);
        if !fresh {
            match collect(options, config.per_namespace) {
                Ok(text) => cache = Some((Instant::now(), text)),
                Err(e) => {
                    let _ = request.respond(
                        tiny_http::Response::from_string(format!("scan failed: {e:#}\n"))
                            .with_status_code(500),
                    );
                    continue;
                }
            }
        }
        let body = cache.as_ref().map(|(_, t)| t.clone()).unwrap_or_default();
        let mut response = tiny_http::Response::from_string(body);
        if let Ok(header) = tiny_http::Header::from_bytes(
            &b"Content-Type"[..],
            &b"text/plain; version=0.0.4; charset=utf-8"[..],
        ) {
            response = response.with_header(header);
        }
        let _ = request.respond(response);
    }
    Ok(0)
}

/// Runs `nsview metrics`.
pub fn run(config: &Config, options: ScanOptions) -> anyhow::Result<i32> {
    match &config.output {
        Output::Stdout => {
            let text = collect(&options, config.per_namespace)?;
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes()).context("writing metrics")?;
            out.flush().context("writing metrics")?;
            Ok(0)
        }
        Output::Textfile(path) => {
            let text = collect(&options, config.per_namespace)?;
            write_atomically(path, &text)?;
            Ok(0)
        }
        Output::Listen { addr, interval } => serve(&options, config, *addr, *interval),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Namespace;

    #[test]
    fn listen_addresses() {
        assert_eq!(
            parse_listen("9586"),
            Ok("127.0.0.1:9586".parse().expect("addr"))
        );
        assert_eq!(
            parse_listen(":9586"),
            Ok("127.0.0.1:9586".parse().expect("addr"))
        );
        assert_eq!(
            parse_listen("0.0.0.0:1"),
            Ok("0.0.0.0:1".parse().expect("addr"))
        );
        assert_eq!(
            parse_listen("[::1]:80"),
            Ok("[::1]:80".parse().expect("addr"))
        );
        assert!(parse_listen("host").is_err());
        assert!(parse_listen("").is_err());
    }

    #[test]
    fn labels_are_escaped() {
        assert_eq!(escape_label(r#"a"b\c"#), r#"a\"b\\c"#);
        assert_eq!(escape_label("x\ny"), "x\\ny");
    }

    #[test]
    fn renders_every_family_with_stable_series() {
        let mut snapshot = Snapshot::default();
        let mut leak = Namespace::new(7, NsKind::Net);
        leak.holders.push(Holder::BindMount {
            mnt_ns: Some(1),
            path: "/run/netns/we\"ird\nname".into(),
            via_pid: None,
        });
        snapshot.namespaces.insert(7, leak);
        snapshot.gaps.denied.ns_links = 2;
        let text = render(&snapshot, &Claims::new(), 0.25, true);
        assert!(
            text.contains("nsview_namespaces{type=\"net\"} 1\n"),
            "{text}"
        );
        assert!(text.contains("nsview_namespaces{type=\"time\"} 0\n"));
        assert!(text.contains(
            "nsview_namespaces_without_processes{type=\"net\",holder=\"bind_mount\"} 1\n"
        ));
        assert!(text.contains("nsview_probable_leaks{type=\"net\"} 1\n"));
        assert!(
            text.contains("nsview_unreadable_entries{kind=\"ns_links\",reason=\"denied\"} 2\n")
        );
        assert!(text.contains("nsview_scan_duration_seconds 0.250000\n"));
        assert!(text.contains(
            "nsview_namespace_probable_leak{type=\"net\",inode=\"7\",name=\"/run/netns/we\\\"ird\\nname\"} 1\n"
        ), "{text}");
        // Every sample line follows a HELP and TYPE of its family.
        let families = text.lines().filter(|l| l.starts_with("# TYPE")).count();
        assert_eq!(families, 7);
        let plain = render(&snapshot, &Claims::new(), 0.25, false);
        assert!(!plain.contains("nsview_namespace_probable_leak{"));
    }

    #[test]
    fn textfile_is_replaced_whole() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("nsview.prom");
        write_atomically(&path, "a 1\n").expect("first");
        write_atomically(&path, "a 2\n").expect("second");
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "a 2\n");
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .expect("ls")
            .flatten()
            .collect();
        assert_eq!(left.len(), 1, "no temp file left behind");
    }
}
