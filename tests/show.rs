//! `nsview show` and the details library: fixture snapshots (text and JSON) over a fake /proc,
//! argument errors, and live tests in namespaces the tests create (root only).

use std::path::PathBuf;

use crate::util::{fixtures, nsview, stderr, stdout};

fn show_root() -> PathBuf {
    fixtures().join("show-basic/proc")
}

fn show(args: &[&str]) -> std::process::Output {
    nsview()
        .arg("show")
        .args(args)
        .env("NSVIEW_PROC_ROOT", show_root())
        .output()
        .expect("run nsview")
}

/// The fixture's namespaces: the docker container's (pid 4242, 4300) and a rootless user ns.
const FIXTURE: [(&str, &str); 9] = [
    ("uts", "4026532301"),
    ("net", "4026532303"),
    ("pid", "4026532304"),
    ("mnt", "4026532302"),
    ("ipc", "4026532305"),
    ("cgroup", "4026532306"),
    ("time", "4026532307"),
    ("user", "4026532310"),
    ("host_net", "4026531840"),
];

#[test]
fn show_fixture_text() {
    for (name, inode) in FIXTURE {
        let out = show(&[inode]);
        assert!(out.status.success(), "{name}: {}", stderr(&out));
        insta::assert_snapshot!(format!("show_text_{name}"), stdout(&out));
    }
}

#[test]
fn show_fixture_json() {
    for (name, inode) in FIXTURE {
        let out = show(&[inode, "--json"]);
        assert!(out.status.success(), "{name}: {}", stderr(&out));
        let value: serde_json::Value =
            serde_json::from_slice(&out.stdout).expect("show --json prints JSON");
        insta::assert_json_snapshot!(format!("show_json_{name}"), value);
    }
}

#[test]
fn show_fixture_reports_inside_only_details_as_unavailable() {
    for inode in ["4026532301", "4026532305"] {
        let out = show(&[inode, "--json"]);
        assert!(out.status.success(), "{}", stderr(&out));
        let value: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
        let unavailable = value["unavailable"].as_array().expect("unavailable list");
        assert_eq!(unavailable.len(), 1, "{value}");
        assert!(
            unavailable[0]
                .as_str()
                .is_some_and(|s| s.contains("fake proc root")),
            "{value}"
        );
    }
}

#[test]
fn show_accepts_link_text_and_rejects_bad_input() {
    let out = show(&["uts:[4026532301]"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("uts:[4026532301]\n"));

    for (args, message) in [
        (&["net:[4026532301]"][..], "is a uts namespace, not net"),
        (&["12345"][..], "no namespace with inode 12345"),
        (&["banana"][..], "invalid namespace 'banana'"),
        (&["net:[12"][..], "invalid namespace"),
    ] {
        let out = show(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = stderr(&out);
        assert!(err.starts_with("nsview: "), "{err}");
        assert!(err.contains(message), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(out.stdout.is_empty());
    }
}
