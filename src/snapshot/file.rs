//! Reading and writing snapshot files: atomic writes (a temporary file beside the target, then
//! rename), and loads that check the format name and version before trusting the contents.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use super::{FORMAT, SnapshotFile, VERSION};

/// The largest snapshot file `load` reads: far above a 10,000-process host with details (a few
/// tens of MiB), far below what could exhaust memory by accident (`--from /dev/zero`).
const MAX_BYTES: u64 = 1 << 30;

/// The document as text (pretty JSON, newline-terminated).
pub fn to_json(file: &SnapshotFile) -> Result<String> {
    let mut text = serde_json::to_string_pretty(file).context("encoding the snapshot")?;
    text.push('\n');
    Ok(text)
}

/// Writes the snapshot to `path` atomically: readers see the old file or the whole new one,
/// never a torn one. The temporary file sits in the same directory (rename(2) is atomic only
/// within one filesystem), is created exclusively (no following a planted link), and is
/// removed again when anything fails.
pub fn save(file: &SnapshotFile, path: &Path) -> Result<()> {
    let text = to_json(file)?;
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .with_context(|| format!("{} names no file", path.display()))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(".tmp.{}", std::process::id()));
    let tmp = dir.join(tmp_name);
    let written = (|| -> std::io::Result<()> {
        let mut out = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        out.write_all(text.as_bytes())?;
        out.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(err) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(err).with_context(|| format!("cannot write {}", path.display()));
    }
    Ok(())
}

/// Parses a snapshot document.
pub fn from_json(text: &str) -> Result<SnapshotFile> {
    // Look at the header first, so a wrong file gets a message about what it is, not about
    // the first field serde misses.
    #[derive(serde::Deserialize)]
    struct Header {
        format: Option<String>,
        version: Option<u32>,
    }
    let header: Header = serde_json::from_str(text).context("not a JSON object")?;
    if header.format.as_deref() != Some(FORMAT) {
        bail!("not an nsview snapshot (its \"format\" is not \"{FORMAT}\")");
    }
    match header.version {
        Some(v) if v >= 1 && v <= VERSION => {}
        Some(v) => bail!("snapshot version {v} is newer than this nsview reads ({VERSION})"),
        None => bail!("snapshot has no version"),
    }
    serde_json::from_str(text).context("malformed snapshot")
}

/// Loads a snapshot file (`-` reads standard input).
pub fn load(path: &Path) -> Result<SnapshotFile> {
    let mut text = String::new();
    let read = if path == Path::new("-") {
        std::io::Read::read_to_string(&mut std::io::stdin().lock().take(MAX_BYTES), &mut text)
    } else {
        std::fs::File::open(path).and_then(|f| {
            std::io::Read::read_to_string(&mut std::io::Read::take(f, MAX_BYTES), &mut text)
        })
    };
    read.with_context(|| format!("cannot read {}", path.display()))?;
    from_json(&text).with_context(|| format!("{}", path.display()))
}

use std::io::Read as _;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Snapshot;

    #[test]
    fn refuses_other_formats_and_newer_versions() {
        let e = from_json(r#"{"format":"lxkns","version":1}"#).expect_err("other format");
        assert!(e.to_string().contains("not an nsview snapshot"), "{e}");
        let e =
            from_json(r#"{"format":"nsview-snapshot","version":99,"scan":{}}"#).expect_err("newer");
        assert!(e.to_string().contains("newer"), "{e}");
    }

    #[test]
    fn a_minimal_old_document_loads_with_defaults() {
        let file =
            from_json(r#"{"format":"nsview-snapshot","version":1,"scan":{}}"#).expect("minimal");
        assert_eq!(file.scan, Snapshot::default());
        assert!(!file.has_details);
    }

    #[test]
    fn save_replaces_atomically_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("snap.json");
        std::fs::write(&path, "old").expect("old");
        let file = SnapshotFile::new(Snapshot::default());
        save(&file, &path).expect("save");
        assert_eq!(load(&path).expect("load"), file);
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .expect("readdir")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("snap.json")]);
    }
}
