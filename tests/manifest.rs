//! The manifest's promises: `rust-version` is no older than what any locked dependency
//! declares it needs (clippy's `incompatible_msrv`, denied in CI, holds the standard library
//! to the same version; the let-chains of edition 2024 need 1.88 themselves).

use std::process::Command;

/// `major.minor[.patch]` as numbers, for comparing (`1.88` is `1.88.0`).
fn version(text: &str) -> [u64; 3] {
    let mut parts = text.split('.').map(|part| part.parse().unwrap_or(0));
    [0; 3].map(|_| parts.next().unwrap_or(0))
}

/// The target triple of the rustc beside the cargo that runs the tests.
fn host_triple() -> String {
    let cargo = std::path::Path::new(env!("CARGO"));
    let beside = cargo.with_file_name("rustc");
    let rustc = if beside.exists() {
        beside
    } else {
        "rustc".into()
    };
    let output = Command::new(&rustc)
        .arg("-vV")
        .output()
        .expect("run rustc -vV");
    let text = String::from_utf8_lossy(&output.stdout);
    text.lines()
        .find_map(|line| line.strip_prefix("host: "))
        .map(str::to_owned)
        .unwrap_or_else(|| panic!("no host line in {rustc:?} -vV: {text}"))
}

#[test]
fn rust_version_is_at_least_every_locked_dependencys() {
    assert!(version("1.88") == version("1.88.0") && version("1.89") > version("1.88.9"));
    // Only this platform's packages: offline, cargo has the manifests of those it built, and
    // a fresh machine's registry lacks (say) the Windows-only ones.
    let host = host_triple();
    let output = Command::new(env!("CARGO"))
        .args(["metadata", "--locked", "--offline", "--format-version", "1"])
        .args(["--filter-platform", &host])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run cargo metadata");
    assert!(
        output.status.success(),
        "cargo metadata: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("cargo metadata JSON");
    let ours = env!("CARGO_PKG_RUST_VERSION");
    assert!(!ours.is_empty(), "Cargo.toml states a rust-version");
    let resolved: Vec<&str> = metadata["resolve"]["nodes"]
        .as_array()
        .expect("resolve nodes")
        .iter()
        .filter_map(|node| node["id"].as_str())
        .collect();
    let packages = metadata["packages"].as_array().expect("packages");
    let too_new: Vec<String> = packages
        .iter()
        .filter(|p| p["id"].as_str().is_some_and(|id| resolved.contains(&id)))
        .filter_map(|p| {
            let needs = p["rust_version"].as_str()?;
            (version(needs) > version(ours))
                .then(|| format!("{} {} needs {needs}", p["name"], p["version"]))
        })
        .collect();
    assert!(
        too_new.is_empty(),
        "rust-version {ours} is older than: {too_new:?}"
    );
    // And the check can see them: hundreds of locked packages, many of which declare one.
    let declared = packages
        .iter()
        .filter(|p| p["rust_version"].is_string())
        .count();
    assert!(declared > 20, "{declared} packages declare a rust-version");
}
