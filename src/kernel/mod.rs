//! The one boundary between nsview and what a hostile host controls: opening namespace files
//! ([`nsfs`]), reading files under a proc root ([`read`]), and running work inside another
//! namespace with a deadline ([`deadline`]).
//!
//! Every face (scan, details, list, enter, the UI) goes through these functions, so the rules
//! live in one place: a namespace file is opened `O_PATH` first and must prove to be nsfs with
//! the expected inode before it is reopened for ioctls or setns; a proc file must be a regular
//! file and is read up to a cap; work that must enter a namespace gets a deadline. Anything that
//! fails a check is refused with a reason the caller records, never followed.

pub mod deadline;
pub mod nsfs;
pub mod own;
pub mod read;

pub use nsfs::{
    Expected, Identity, Kernel, Live, NsFile, NsPath, Refusal, open_namespace, socket_netns,
    verify_identity,
};

/// A strict unsigned decimal: digits only, no sign, no overflow, not empty. Pid, fd and inode
/// names under /proc and on the command line all go through it.
pub fn parse_decimal(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() || digits.len() > 20 {
        return None;
    }
    digits.iter().try_fold(0u64, |acc, &b| {
        if !b.is_ascii_digit() {
            return None;
        }
        acc.checked_mul(10)?.checked_add(u64::from(b - b'0'))
    })
}

/// True when this process may read every process's ns links and use the nsfs ioctls.
pub fn can_read_everything() -> bool {
    missing_capabilities().is_empty()
}

/// The capabilities that would complete a partial view (or let `enter` open a holder).
pub fn missing_capabilities() -> Vec<&'static str> {
    use rustix::thread::CapabilitySet;
    let effective = rustix::thread::capabilities(None)
        .map(|caps| caps.effective)
        .unwrap_or(CapabilitySet::empty());
    let mut missing = Vec::new();
    if !effective.contains(CapabilitySet::SYS_PTRACE) {
        missing.push("CAP_SYS_PTRACE");
    }
    if !effective.contains(CapabilitySet::SYS_ADMIN) {
        missing.push("CAP_SYS_ADMIN");
    }
    missing
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_strict_decimals() {
        assert_eq!(parse_decimal(b"0"), Some(0));
        assert_eq!(parse_decimal(b"18446744073709551615"), Some(u64::MAX));
        for bad in [
            &b""[..],
            b"18446744073709551616",
            b"-1",
            b"+1",
            b"1 ",
            b"0x10",
        ] {
            assert_eq!(parse_decimal(bad), None, "{bad:?}");
        }
    }
}
