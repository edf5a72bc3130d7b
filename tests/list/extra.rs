//! nsview's extension columns in `--list` (HOSTNAME, CONTAINER, UIDMAP, HOSTNS, issue 6): over
//! the `show-*` fixture trees in every format, through `-Q`, kept out of the default and
//! `--output-all` outputs, and live on a UTS namespace the test names itself.

use std::collections::BTreeMap;
use std::process::Output;

use crate::util::{Sleeper, fixtures, nsview, require_program, require_root, stderr, stdout};

/// Runs nsview on a fixture tree through `--proc-root`. The fixtures have no fd
/// directories, so stderr carries a note; stdout is what is checked.
fn on_fixture(name: &str, args: &[&str]) -> Output {
    let out = nsview()
        .arg("--proc-root")
        .arg(fixtures().join(name).join("proc"))
        .env("LANG", "C.UTF-8")
        .env_remove("LC_ALL")
        .env_remove("LC_CTYPE")
        .args(args)
        .output()
        .expect("run nsview");
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    out
}

fn ok(name: &str, args: &[&str]) -> String {
    stdout(&on_fixture(name, args))
}

fn json_rows(text: &str) -> Vec<serde_json::Value> {
    let value: serde_json::Value = serde_json::from_str(text).expect("valid JSON");
    value["namespaces"].as_array().cloned().expect("namespaces")
}

/// `ns -> value of key` for every row (null included).
fn by_inode(rows: &[serde_json::Value], key: &str) -> BTreeMap<u64, serde_json::Value> {
    rows.iter()
        .map(|r| (r["ns"].as_u64().expect("ns"), r[key].clone()))
        .collect()
}

#[test]
fn container_column_names_each_runtime() {
    let columns = "NS,TYPE,PID,CONTAINER,HOSTNS,HOSTNAME";
    let text = ok(
        "show-containers",
        &["--list", "-t", "uts", "-J", "-o", columns],
    );
    let rows = json_rows(&text);
    let container = by_inode(&rows, "container");
    let expected = [
        (4026531838u64, None),
        (4026533100, Some("docker a1b2c3d4e5f6")),
        (4026533101, Some("docker b2b2c3d4e5f6")),
        (4026533102, Some("podman c3b2c3d4e5f6")),
        (4026533103, Some("containerd d4b2c3d4e5f6")),
        (4026533104, Some("cri-o e5b2c3d4e5f6")),
        (4026533105, Some("cri f6b2c3d4e5f6")),
        (4026533106, Some("lxc web01")),
        (4026533107, Some("nspawn debian-bookworm")),
        // malformed cgroup paths: no container, and no error
        (4026533108, None),
        (4026533109, None),
    ];
    let want: BTreeMap<u64, serde_json::Value> = expected
        .iter()
        .map(|&(ns, label)| (ns, label.map_or(serde_json::Value::Null, |l| l.into())))
        .collect();
    assert_eq!(container, want);
    // Only the host's own namespace is shared with pid 1.
    for (ns, host) in by_inode(&rows, "hostns") {
        let want = if ns == 4026531838 { "yes" } else { "no" };
        assert_eq!(host, want, "{ns}");
    }
    // A fake proc root cannot be entered: HOSTNAME is null, never a guess.
    assert!(by_inode(&rows, "hostname").values().all(|v| v.is_null()));
    insta::assert_snapshot!("extra_containers_json", text);
    insta::assert_snapshot!(
        "extra_containers_table",
        ok("show-containers", &["--list", "-t", "uts", "-o", columns])
    );
    insta::assert_snapshot!(
        "extra_containers_raw",
        ok(
            "show-containers",
            &["--list", "-t", "uts", "-r", "-o", columns]
        )
    );
}

#[test]
fn uidmap_and_container_over_the_basic_show_fixture() {
    let table = ok(
        "show-basic",
        &[
            "--list",
            "-o",
            "NS,TYPE,NPROCS,PID,CONTAINER,HOSTNS,UIDMAP,COMMAND",
        ],
    );
    insta::assert_snapshot!("extra_show_basic_table", table);
    let rows = json_rows(&ok(
        "show-basic",
        &["--list", "-J", "-t", "user", "-o", "NS,uidmap"],
    ));
    let uidmap = by_inode(&rows, "uidmap");
    assert_eq!(uidmap[&4026531837], "0→0/4294967295");
    assert_eq!(uidmap[&4026532310], "0→1000/1,1→100000/65536");
    // raw escapes the arrow's bytes like any non-ASCII text
    let raw = ok(
        "show-basic",
        &["--list", "-r", "-n", "-t", "user", "-o", "NS,UIDMAP"],
    );
    assert!(
        raw.contains("4026532310 0\\xe2\\x86\\x921000/1,1\\xe2\\x86\\x92100000/65536\n"),
        "{raw}"
    );
}

#[test]
fn filters_read_extension_columns_as_text() {
    let selected = |expr: &str| -> Vec<u64> {
        let text = ok("show-basic", &["--list", "-J", "-o", "NS", "-Q", expr]);
        json_rows(&text)
            .iter()
            .filter_map(|r| r["ns"].as_u64())
            .collect()
    };
    let docker: Vec<u64> = (4026532301..=4026532307).collect();
    assert_eq!(selected(r#"CONTAINER =~ "^docker ""#), docker);
    assert_eq!(selected(r#"container == "docker 3f4e5d6c7b8a""#), docker);
    // HOSTNS is "no" for everything not pid 1's: the container's seven and the user namespace.
    let mut not_host = docker.clone();
    not_host.push(4026532310);
    assert_eq!(selected(r#"HOSTNS == "no""#), not_host);
    assert_eq!(selected(r#"UIDMAP =~ "1000/1""#), vec![4026532310]);
    // An empty extension cell is false as a bare operand, like an empty lsns string column.
    assert_eq!(selected("UIDMAP && TYPE == \"user\"").len(), 2);
    assert!(
        selected("HOSTNAME").is_empty(),
        "no hostnames in a fake root"
    );
}

#[test]
fn extensions_never_enter_default_or_output_all() {
    const LSNS_KEYS: [&str; 13] = [
        "ns", "type", "path", "nprocs", "pid", "ppid", "command", "uid", "user", "netnsid", "nsfs",
        "pns", "ons",
    ];
    let keys = |args: &[&str]| -> Vec<String> {
        let rows = json_rows(&ok("show-basic", args));
        let mut keys: Vec<String> = rows[0]
            .as_object()
            .expect("object")
            .keys()
            .cloned()
            .collect();
        keys.sort();
        keys
    };
    let mut all: Vec<String> = LSNS_KEYS.iter().map(|k| k.to_string()).collect();
    all.sort();
    assert_eq!(keys(&["--list", "-J", "--output-all"]), all);
    let mut defaults: Vec<String> = ["ns", "type", "nprocs", "pid", "user", "command"]
        .iter()
        .map(|k| k.to_string())
        .collect();
    defaults.sort();
    assert_eq!(keys(&["--list", "-J"]), defaults);
    // +LIST appends after the defaults; --output-all with +HOSTNAME is the 13 and then it.
    let text = ok("show-basic", &["--list", "--output-all", "-o", "+hostname"]);
    let header = text.lines().next().expect("header");
    assert!(header.ends_with(" ONS HOSTNAME"), "{header}");
}

/// A `sh` in a new UTS namespace that sets a hostname only this test uses, then execs a
/// bounded sleep; killed by PID when dropped. The host's hostname is never touched.
fn named_uts(test: &str) -> (Sleeper, String, u64) {
    assert!(require_root(test) && require_program(test, "unshare"));
    let name = crate::util::unique_name("nsview-x");
    let script = format!("hostname {name}; exec sleep 60");
    let sleeper = Sleeper::start(&["unshare", "--uts", "sh", "-c", &script]);
    let inode = sleeper.ns("uts");
    let host = crate::util::ns_inode(std::process::id() as i32, "uts");
    assert_ne!(Some(inode), host, "the sleeper has its own UTS namespace");
    (sleeper, name, inode)
}

#[test]
#[ignore = "needs root"]
fn live_hostname_column_shows_the_name_set_inside() {
    let test = "live_hostname_column_shows_the_name_set_inside";
    let (sleeper, name, inode) = named_uts(test);
    let run = |args: &[&str]| {
        let out = nsview().args(args).output().expect("nsview");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        stdout(&out)
    };

    let table = run(&["--list", "-t", "uts", "-o", "NS,HOSTNAME"]);
    let ours: Vec<Vec<&str>> = table
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .filter(|cells| cells.first() == Some(&inode.to_string().as_str()))
        .collect();
    assert_eq!(ours, vec![vec![inode.to_string().as_str(), name.as_str()]]);

    let rows = json_rows(&run(&["--list", "-t", "uts", "-o", "+HOSTNAME", "-J"]));
    let row = rows.iter().find(|r| r["ns"] == inode).expect("our row");
    assert_eq!(row["hostname"], name.as_str());
    assert_eq!(row["pid"], sleeper.pid);
    // The host's row gets the host's name, read in its own namespace.
    let host_name = std::fs::read_to_string("/proc/sys/kernel/hostname").expect("hostname");
    let host_inode = crate::util::ns_inode(1, "uts")
        .or_else(|| crate::util::ns_inode(std::process::id() as i32, "uts"));
    if let Some(host_row) = rows
        .iter()
        .find(|r| Some(r["ns"].as_u64()) == Some(host_inode))
    {
        assert_eq!(host_row["hostname"], host_name.trim_end());
    }

    // The filter picks exactly our row (the name is unique to this run of this test).
    let expr = format!("HOSTNAME =~ \"^{name}$\"");
    let picked = json_rows(&run(&[
        "--list",
        "-t",
        "uts",
        "-J",
        "-o",
        "NS,HOSTNAME",
        "-Q",
        &expr,
    ]));
    assert_eq!(picked.len(), 1, "{picked:?}");
    assert_eq!(picked[0]["ns"], inode);
    let picked = run(&[
        "--list",
        "-t",
        "uts",
        "-r",
        "-n",
        "-o",
        "NS",
        "-Q",
        r#"HOSTNAME =~ "nsview-x""#,
    ]);
    assert!(picked.lines().any(|l| l == inode.to_string()), "{picked}");

    // In <namespace> mode HOSTNAME follows each process: our sleeper shares the host's net
    // namespace but shows its own UTS name.
    let net = sleeper.ns("net").to_string();
    let members = json_rows(&run(&["--list", "-J", "-o", "PID,HOSTNAME", &net]));
    let me = members
        .iter()
        .find(|r| r["pid"] == sleeper.pid)
        .expect("sleeper listed");
    assert_eq!(me["hostname"], name.as_str());
    sleeper.stop();
}
