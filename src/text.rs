//! How strings from the host meet a terminal: the one escaping routine every face uses.
//!
//! Everything nsview prints that came from /proc, a mount namespace or the kernel on behalf of
//! another process (hostnames, comms, command lines, interface names, mount paths, cgroup
//! paths) is a stranger's bytes. An ESC, BEL or newline in them must never reach the terminal
//! raw (OSC 52 rewrites the clipboard, `\e[2J` clears the screen, `\n` forges a line), and it
//! must not be silently dropped either, or a hostile name looks innocent. The escape is lsns's
//! own (`\xNN`, libsmartcols's `mbs_safe_encode`), so a hostile name looks the same in nsview
//! and in lsns. JSON escapes C0 controls itself; [`to_json_pretty`] also escapes DEL and the
//! C1 controls (U+0080..U+009F, which some terminals obey), for JSON a user may read raw.

use std::borrow::Cow;
use std::fmt::Write as _;

/// A host string made safe for a terminal, borrowed when nothing needed escaping (the common
/// case costs no allocation). The same rules as [`safe_encode`].
pub fn safe(text: &str) -> Cow<'_, str> {
    if text.chars().all(|c| !c.is_control() && c != '\\') {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(safe_encode(text.as_bytes()))
    }
}

/// libsmartcols's table encoding (util-linux `mbs_safe_encode_to_buffer`, UTF-8 locale): a
/// control character, a backslash that starts `\x`, a byte that is not valid UTF-8 and every
/// byte of a character that is not printable (C1 controls) become `\xNN`; the rest stays.
pub fn safe_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        let valid = chunk.valid();
        for (at, c) in valid.char_indices() {
            let starts_escape = c == '\\' && valid[at + 1..].starts_with('x');
            if c.is_control() || starts_escape {
                for byte in c.to_string().bytes() {
                    let _ = write!(out, "\\x{byte:02x}");
                }
            } else {
                out.push(c);
            }
        }
        // A `\` that ends a valid run is followed by an invalid byte, never by `x`.
        for byte in chunk.invalid() {
            let _ = write!(out, "\\x{byte:02x}");
        }
    }
    out
}

/// libsmartcols's raw escaping (util-linux `fputs_nonblank`): every byte that is blank, a
/// backslash, a control character or not printable ASCII becomes `\xNN`.
pub fn raw_escape(text: &str) -> String {
    raw_escape_bytes(text.as_bytes())
}

/// [`raw_escape`] over bytes that need not be UTF-8 (the original bytes of a command line).
pub fn raw_escape_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &byte in bytes {
        if byte.is_ascii_graphic() && byte != b'\\' {
            out.push(byte as char);
        } else {
            let _ = write!(out, "\\x{byte:02x}");
        }
    }
    out
}

/// Pretty JSON (serde_json's layout) that is also safe for a terminal: JSON already escapes
/// C0 controls, and this also writes DEL and the C1 controls (U+007F..U+009F, which some
/// terminals obey as CSI, OSC, ...) as `\u00XX`. Still plain JSON, equal when parsed.
pub fn to_json_pretty<T: serde::Serialize + ?Sized>(value: &T) -> serde_json::Result<String> {
    let mut out = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut out, TerminalSafe::default());
    value.serialize(&mut ser)?;
    // serde_json writes only valid UTF-8.
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// serde_json's pretty formatter, with DEL and C1 controls in strings escaped.
#[derive(Default)]
struct TerminalSafe(serde_json::ser::PrettyFormatter<'static>);

impl serde_json::ser::Formatter for TerminalSafe {
    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        let mut start = 0;
        for (at, c) in fragment.char_indices() {
            if ('\u{7f}'..='\u{9f}').contains(&c) {
                writer.write_all(&fragment.as_bytes()[start..at])?;
                write!(writer, "\\u{:04x}", u32::from(c))?;
                start = at + c.len_utf8();
            }
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }

    fn begin_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object_value(w)
    }
}

/// How many terminal columns `text` takes, as libsmartcols measures it (`mbs_width`, wcwidth):
/// a CJK character or an emoji takes two, a combining mark none. Pad and align by this, never by
/// `chars().count()`, or a table with CJK names goes out of line.
pub fn width(text: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(text)
}

/// The longest prefix of `text` that fits `cells` display columns, measured as [`width`]
/// (libsmartcols's `mbs_truncate`).
pub fn truncate(text: &str, cells: usize) -> String {
    let mut used = 0;
    let mut out = String::new();
    for c in text.chars() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w > cells {
            break;
        }
        used += w;
        out.push(c);
    }
    out
}

/// `text` and then spaces up to `columns` display columns (nothing added when it is wider).
pub fn pad_to(text: &str, columns: usize) -> String {
    let mut out = String::with_capacity(text.len() + columns);
    out.push_str(text);
    out.extend(std::iter::repeat_n(
        ' ',
        columns.saturating_sub(width(text)),
    ));
    out
}

/// How the kernel or a tool encoded bytes in a text it hands us.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Escaped {
    /// `\ooo`, three octal digits: mountinfo's space, tab, newline and backslash (`\040`).
    Octal,
    /// `\xNN`, two hex digits: systemd unit names (`\x2d` is `-`).
    Hex,
}

/// Decodes `text` written in `form`; anything that is not a complete escape stays as it is,
/// and bytes that are not UTF-8 become U+FFFD. The one decoding loop for every such text.
pub fn unescape(text: &str, form: Escaped) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\'
            && let Some(byte) = decode_escape(&bytes[i + 1..], form)
        {
            out.push(byte);
            i += 4;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The byte the escape after a backslash stands for; both forms are three bytes long.
fn decode_escape(rest: &[u8], form: Escaped) -> Option<u8> {
    let code = rest.get(..3)?;
    match form {
        Escaped::Octal => {
            if !code.iter().all(|b| (b'0'..=b'7').contains(b)) {
                return None;
            }
            let value = code
                .iter()
                .fold(0u32, |acc, b| acc * 8 + u32::from(b - b'0'));
            u8::try_from(value).ok()
        }
        Escaped::Hex => {
            let hex = code.strip_prefix(b"x")?;
            u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_escapes_del_and_c1_controls_too() {
        let value = serde_json::json!({"comm": "a\u{9b}2J\u{7f}\u{1b}]0;x\u{7}é└", "n": [1, 2]});
        let text = to_json_pretty(&value).expect("json");
        assert!(
            !text.bytes().any(|b| b == 0x1b || b == 0x07 || b == 0x7f),
            "{text}"
        );
        assert!(!text.contains('\u{9b}'), "{text}");
        assert!(
            text.contains(r"a\u009b2J\u007f\u001b]0;x\u0007é└"),
            "{text}"
        );
        let back: serde_json::Value = serde_json::from_str(&text).expect("still JSON");
        assert_eq!(back, value);
        // the layout is serde_json's own
        assert_eq!(
            to_json_pretty(&serde_json::json!({"a": [1]})).expect("json"),
            serde_json::to_string_pretty(&serde_json::json!({"a": [1]})).expect("json")
        );
    }

    #[test]
    fn unescapes_both_forms() {
        assert_eq!(unescape("/a\\040b\\134c", Escaped::Octal), "/a b\\c");
        assert_eq!(
            unescape("\\400 \\04 \\x41", Escaped::Octal),
            "\\400 \\04 \\x41"
        );
        assert_eq!(unescape("a\\x2db\\x", Escaped::Hex), "a-b\\x");
        assert_eq!(unescape("\\xzz\\040", Escaped::Hex), "\\xzz\\040");
        assert_eq!(unescape("\\377", Escaped::Octal), "\u{fffd}");
    }

    #[test]
    fn width_counts_terminal_columns() {
        assert_eq!(width("sleep"), 5);
        assert_eq!(width("日本"), 4);
        assert_eq!(width("e\u{301}"), 1);
        assert_eq!(pad_to("日本", 6), "日本  ");
        assert_eq!(pad_to("toolong", 3), "toolong");
    }

    #[test]
    fn raw_escapes_like_fputs_nonblank() {
        assert_eq!(raw_escape("sleep 60"), "sleep\\x2060");
        assert_eq!(raw_escape("a\\b\tc"), "a\\x5cb\\x09c");
        assert_eq!(raw_escape("└─x"), "\\xe2\\x94\\x94\\xe2\\x94\\x80x");
        assert_eq!(raw_escape("(sd-pam)"), "(sd-pam)");
        assert_eq!(raw_escape("\u{7f}"), "\\x7f");
        assert_eq!(raw_escape(""), "");
    }

    #[test]
    fn table_encoding_is_mbs_safe_encode() {
        // (bytes, what lsns prints in its table in a UTF-8 locale)
        for (bytes, want) in [
            (&b"caf\xe9 --x"[..], "caf\\xe9 --x"),
            (b"x\x01y\\z", "x\\x01y\\z"),
            (b"\\xq \\", "\\x5cxq \\"),
            (b"\xc2\x85 \xe2\x82\xac", "\\xc2\\x85 \u{20ac}"),
            (b"a\nb\tc\x7f", "a\\x0ab\\x09c\\x7f"),
            (b"\\\xe9x", "\\\\xe9x"),
            ("└─café".as_bytes(), "└─café"),
            (b"", ""),
        ] {
            assert_eq!(safe_encode(bytes), want, "{bytes:?}");
        }
        assert_eq!(raw_escape_bytes(b"caf\xe9 x"), "caf\\xe9\\x20x");
    }

    #[test]
    fn hostile_terminal_sequences_are_shown_not_obeyed() {
        // (a host string, what a terminal must be given instead)
        for (hostile, shown) in [
            // OSC 52: set the clipboard
            (
                "\u{1b}]52;c;Y3VybCBldmlsLnNofHNo\u{7}",
                "\\x1b]52;c;Y3VybCBldmlsLnNofHNo\\x07",
            ),
            // OSC 0: set the title
            ("\u{1b}]0;EXEC\u{7}", "\\x1b]0;EXEC\\x07"),
            // clear screen, colour
            ("\u{1b}[2J\u{1b}[31mred", "\\x1b[2J\\x1b[31mred"),
            // a forged second line
            ("web\nnsview: all clear", "web\\x0ansview: all clear"),
            // C1 CSI (U+009B) is a control too
            ("a\u{9b}2Jb", "a\\xc2\\x9b2Jb"),
            ("carriage\rreturn", "carriage\\x0dreturn"),
        ] {
            let out = safe(hostile);
            assert_eq!(out, shown, "{hostile:?}");
            assert!(!out.bytes().any(|b| b.is_ascii_control()), "{out:?}");
        }
    }

    #[test]
    fn plain_text_is_borrowed() {
        assert!(matches!(safe("web-1.example"), Cow::Borrowed(_)));
        assert!(matches!(safe("café └─"), Cow::Borrowed(_)));
        // A backslash is kept only when it cannot be read as the start of an escape.
        assert_eq!(safe("a\\b"), "a\\b");
        assert_eq!(safe("a\\x41"), "a\\x5cx41");
    }
}
