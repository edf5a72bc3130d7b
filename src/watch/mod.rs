//! `nsview watch`: namespace events as they happen.
pub fn run(_args: &crate::cli::WatchArgs, _scan: crate::scan::ScanOptions) -> anyhow::Result<i32> {
    Ok(0)
}
