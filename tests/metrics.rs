//! `nsview metrics`: the exposition passes `promtool check metrics` (stdout and textfile), and
//! a real Prometheus server scraping `nsview metrics --listen` reads back the leak count of a
//! namespace this test created. Every process started here is killed by PID.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::{NamedNetns, nsview, stderr, stdout};

const PROMTOOL: &str = "/usr/bin/promtool";
const PROMETHEUS: &str = "/usr/bin/prometheus";

fn require(path: &str) {
    assert!(
        std::path::Path::new(path).is_file(),
        "{path} is missing (Debian package prometheus; .ci/run installs it)"
    );
}

/// `promtool check metrics` on `text`: its verdict and what it said.
fn promtool_check(text: &str) -> (bool, String) {
    let mut child = Command::new(PROMTOOL)
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn promtool");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(text.as_bytes())
        .expect("write to promtool");
    let out = child.wait_with_output().expect("promtool");
    (
        out.status.success(),
        format!("{}{}", stdout(&out), stderr(&out)),
    )
}

#[test]
#[ignore = "needs root and promtool"]
fn exposition_passes_promtool() {
    require(PROMTOOL);
    assert!(
        nix::unistd::geteuid().is_root(),
        "needs root (ip netns add)"
    );
    // A probable leak, so the per-namespace series carry a pin path as their name label.
    let netns = NamedNetns::add("nsview-metrics");
    let out = nsview()
        .args(["metrics", "--per-namespace"])
        .output()
        .expect("nsview metrics");
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let (ok, said) = promtool_check(&text);
    assert!(ok, "promtool: {said}\n{text}");
    assert!(said.trim().is_empty(), "no lint warnings: {said}");
    let line = format!(
        "nsview_namespace_probable_leak{{type=\"net\",inode=\"{}\",name=\"{}\"}} 1",
        netns.inode(),
        netns.path().display()
    );
    assert!(text.lines().any(|l| l == line), "{line} missing:\n{text}");
    let leaks: u64 = text
        .lines()
        .find_map(|l| l.strip_prefix("nsview_probable_leaks{type=\"net\"} "))
        .and_then(|n| n.parse().ok())
        .expect("leak count for net");
    assert!(leaks >= 1);
}

#[test]
#[ignore = "needs promtool"]
fn textfile_is_written_atomically_and_passes_promtool() {
    require(PROMTOOL);
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("nsview.prom");
    for _ in 0..2 {
        let out = nsview()
            .args(["metrics", "--textfile"])
            .arg(&path)
            .output()
            .expect("nsview metrics --textfile");
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(out.stdout.is_empty());
    }
    let text = std::fs::read_to_string(&path).expect("textfile");
    let (ok, said) = promtool_check(&text);
    assert!(ok, "promtool: {said}");
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .expect("ls")
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(names, ["nsview.prom"], "no temp file left behind");
}

/// A process started by the test, killed by PID and reaped when dropped.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A loopback port that was free a moment ago.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// A plain HTTP/1.0 GET on loopback; the body, or None when nothing answers yet.
fn http_get(port: u16, path: &str) -> Option<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let (head, body) = response.split_once("\r\n\r\n")?;
    head.starts_with("HTTP/1.").then(|| body.to_string())
}

/// Waits (bounded) for `ready`, polling.
fn wait_for<T>(what: &str, limit: Duration, mut ready: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(value) = ready() {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// `%XX`-encodes everything but unreserved characters.
fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[test]
#[ignore = "needs root and prometheus"]
fn prometheus_scrapes_the_leak_count_of_our_namespace() {
    require(PROMETHEUS);
    assert!(
        nix::unistd::geteuid().is_root(),
        "needs root (ip netns add)"
    );
    let netns = NamedNetns::add("nsview-prom");
    let inode = netns.inode();

    let nsview_port = free_port();
    let exporter = Killed(
        nsview()
            .args([
                "metrics",
                "--per-namespace",
                "--interval",
                "1",
                "--listen",
                &format!("127.0.0.1:{nsview_port}"),
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nsview metrics --listen"),
    );
    let body = wait_for("nsview /metrics", Duration::from_secs(30), || {
        http_get(nsview_port, "/metrics")
    });
    assert!(body.contains("nsview_probable_leaks"), "{body}");
    assert_eq!(
        http_get(nsview_port, "/other").as_deref(),
        Some("not found\n")
    );

    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("prometheus.yml");
    std::fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n\
             scrape_configs:\n  - job_name: nsview\n    static_configs:\n      \
             - targets: ['127.0.0.1:{nsview_port}']\n"
        ),
    )
    .expect("config");
    let prom_port = free_port();
    let prometheus = Killed(
        Command::new(PROMETHEUS)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{prom_port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start prometheus"),
    );
    let query = format!("nsview_namespace_probable_leak{{inode=\"{inode}\"}}");
    let path = format!("/api/v1/query?query={}", urlencode(&query));
    let value = wait_for(
        "Prometheus to scrape nsview",
        Duration::from_secs(90),
        || {
            let body = http_get(prom_port, &path)?;
            let doc: serde_json::Value = serde_json::from_str(&body).ok()?;
            let result = doc["data"]["result"].as_array()?.first()?.clone();
            Some(result)
        },
    );
    assert_eq!(value["metric"]["type"], "net", "{value}");
    assert_eq!(
        value["metric"]["name"],
        netns.path().display().to_string().as_str()
    );
    assert_eq!(value["value"][1], "1", "probable leak count 1: {value}");
    drop(prometheus);
    drop(exporter);
}

#[test]
#[ignore = "needs promtool"]
fn readme_alert_rule_passes_promtool() {
    require(PROMTOOL);
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let rule = readme
        .split_once("<!-- nsview-alert-rule -->\n```yaml\n")
        .and_then(|(_, rest)| rest.split_once("```"))
        .map(|(rule, _)| rule)
        .expect("the alert rule block in README.md");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("rules.yml");
    std::fs::write(&path, rule).expect("write rules");
    let out = Command::new(PROMTOOL)
        .args(["check", "rules"])
        .arg(&path)
        .output()
        .expect("promtool check rules");
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
}
