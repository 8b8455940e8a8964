//! What comes before parsing: turning a file's bytes into UTF-8 text (gzip is inflated, UTF-16
//! is decoded, other encodings and archives are named), and, natively, finding and reading files
//! on disk with their kind checked first and their size bounded.
//!
//! Trade-offs:
//! - gzip and UTF-16 are read rather than refused: both are cheap (the inflater is already here
//!   for bundles) and both are what a careless export or a Windows tool produces. The inflated
//!   text is bounded by the same per-file limit as a plain file, so a small "zip bomb" cannot
//!   take more memory than a large honest file.
//! - Other archives (zip, xz, bzip2, zstd) and UTF-32 are named, not read: rarer, and each
//!   would need a new dependency.
//! - UTF-16 without a byte-order mark is recognized from zero bytes among the first few and
//!   named (the byte order is then a guess, so it is not decoded).
//! - On disk a path's kind is read from its metadata before anything is opened: opening a named
//!   pipe for reading blocks until a writer comes, so pipes, devices and sockets are refused by
//!   their metadata alone. Symbolic links are followed; one that loops or dangles is named.

use crate::error::{ErrorKind, LoadError, Location};
use crate::export::Fixed;
use std::borrow::Cow;

/// The default bound on one file's size (and on what a compressed file inflates to): 2 GiB.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 2 << 30;

fn err(kind: ErrorKind, name: &str, detail: impl Into<String>) -> LoadError {
    LoadError::new(kind, name, Location::File, detail)
}

/// Shows a byte count the way people read it (`2 GiB`, `50.0 MiB`, `812 bytes`).
pub fn show_size(n: u64) -> String {
    const K: u64 = 1 << 10;
    match n {
        n if n >= K * K * K && n % (K * K * K) == 0 => format!("{} GiB", n / (K * K * K)),
        n if n >= K * K * K => format!("{} GiB", Fixed(n as f64 / (K * K * K) as f64, 1)),
        n if n >= K * K => format!("{} MiB", Fixed(n as f64 / (K * K) as f64, 1)),
        n if n >= K => format!("{} KiB", Fixed(n as f64 / K as f64, 1)),
        n => format!("{n} bytes"),
    }
}

/// The bytes of a split file as UTF-8 JSON text: gzip inflated (at most `max` bytes), UTF-16
/// with a byte-order mark decoded, a UTF-8 byte-order mark kept (the loader skips it). Other
/// encodings and archive formats are refused with their name and what to do.
pub fn decode_text<'a>(name: &str, bytes: &'a [u8], max: u64) -> Result<Cow<'a, [u8]>, LoadError> {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let inflated = gunzip(name, bytes, max)?;
        return match decode_text(name, &inflated, max)? {
            Cow::Borrowed(_) => Ok(Cow::Owned(inflated)),
            Cow::Owned(v) => Ok(Cow::Owned(v)),
        };
    }
    let named = |what: &str, todo: &str| {
        Err(err(
            ErrorKind::Encoding,
            name,
            format!("the file is {what}, not JSON text: {todo}"),
        ))
    };
    if bytes.starts_with(&[0xFF, 0xFE, 0, 0]) || bytes.starts_with(&[0, 0, 0xFE, 0xFF]) {
        return named(
            "UTF-32 text",
            "save it as UTF-8 (or UTF-16) and load it again",
        );
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return utf16(name, rest, false, max).map(Cow::Owned);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return utf16(name, rest, true, max).map(Cow::Owned);
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return named("a zip archive", "extract the split files and load those");
    }
    if bytes.starts_with(&[0xFD, b'7', b'z', b'X', b'Z', 0]) {
        return named(
            "xz-compressed",
            "decompress it (xz -d) or compress it with gzip",
        );
    }
    if bytes.starts_with(b"BZh") && bytes.get(3).is_some_and(u8::is_ascii_digit) {
        return named(
            "bzip2-compressed",
            "decompress it (bunzip2) or compress it with gzip",
        );
    }
    if bytes.starts_with(&[0x28, 0xB5, 0x2F, 0xFD]) {
        return named(
            "zstd-compressed",
            "decompress it (zstd -d) or compress it with gzip",
        );
    }
    let head = &bytes[..bytes.len().min(8)];
    if head.len() >= 4 && head.contains(&0) {
        let le = head.iter().skip(1).step_by(2).all(|&b| b == 0);
        let be = head.iter().step_by(2).all(|&b| b == 0);
        if le || be {
            return named(
                &format!(
                    "UTF-16 text ({}) without a byte-order mark",
                    if le { "little-endian" } else { "big-endian" }
                ),
                "save it as UTF-8, or as UTF-16 with a byte-order mark",
            );
        }
    }
    Ok(Cow::Borrowed(bytes))
}

fn utf16(name: &str, b: &[u8], big_endian: bool, max: u64) -> Result<Vec<u8>, LoadError> {
    if b.len() & 1 == 1 {
        return Err(err(
            ErrorKind::Encoding,
            name,
            "the file is UTF-16 text (it starts with a byte-order mark) but has an odd number \
             of bytes: it is cut short or not UTF-16",
        ));
    }
    let units = b.chunks_exact(2).map(|c| {
        if big_endian {
            u16::from_be_bytes([c[0], c[1]])
        } else {
            u16::from_le_bytes([c[0], c[1]])
        }
    });
    // ASCII JSON takes half the bytes as UTF-8: the capacity is a bound, not a guess.
    let mut out = Vec::with_capacity(b.len() / 2);
    for (k, c) in char::decode_utf16(units).enumerate() {
        let c = c.map_err(|e| {
            err(
                ErrorKind::Encoding,
                name,
                format!(
                    "the file is UTF-16 text but holds an unpaired surrogate {:#06x} at byte {}",
                    e.unpaired_surrogate(),
                    2 + 2 * k
                ),
            )
        })?;
        let mut buf = [0u8; 4];
        out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        if out.len() as u64 > max {
            return Err(too_large_inflated(name, max));
        }
    }
    Ok(out)
}

fn too_large_inflated(name: &str, max: u64) -> LoadError {
    err(
        ErrorKind::TooLarge,
        name,
        format!(
            "the file's text is larger than the limit of {} per file",
            show_size(max)
        ),
    )
}

/// Inflates a gzip file (one or more members), checking each member's CRC-32 and length, with
/// at most `max` bytes of output in all.
pub fn gunzip(name: &str, bytes: &[u8], max: u64) -> Result<Vec<u8>, LoadError> {
    let bad = |what: &str| {
        err(
            ErrorKind::Encoding,
            name,
            format!("the file is gzip-compressed but {what}"),
        )
    };
    let mut out: Vec<u8> = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        if !rest.starts_with(&[0x1f, 0x8b]) {
            return Err(bad(&format!(
                "{} bytes after its end are not another gzip member",
                rest.len()
            )));
        }
        if rest.len() < 18 {
            return Err(bad("is cut short (shorter than a gzip header and trailer)"));
        }
        if rest[2] != 8 {
            return Err(bad(&format!(
                "uses compression method {} (only deflate, 8, exists)",
                rest[2]
            )));
        }
        let flags = rest[3];
        let mut pos = 10usize;
        if flags & 4 != 0 {
            let xlen = u16::from_le_bytes([rest[10], rest[11]]) as usize;
            pos += 2 + xlen;
        }
        for bit in [8u8, 16] {
            if flags & bit != 0 {
                let nul = rest
                    .get(pos..)
                    .and_then(|r| r.iter().position(|&b| b == 0))
                    .ok_or_else(|| bad("its header is cut short"))?;
                pos += nul + 1;
            }
        }
        if flags & 2 != 0 {
            pos += 2;
        }
        let body = rest
            .get(pos..)
            .ok_or_else(|| bad("its header is cut short"))?;
        let budget = max.saturating_sub(out.len() as u64);
        let budget = usize::try_from(budget).unwrap_or(usize::MAX);
        let (member, used) =
            crate::inflate::inflate_bounded(body, false, budget).map_err(|s| match s {
                crate::inflate::TINFLStatus::HasMoreOutput => err(
                    ErrorKind::TooLarge,
                    name,
                    format!(
                        "the file is gzip-compressed and inflates to more than the limit of {} \
                         per file",
                        show_size(max)
                    ),
                ),
                crate::inflate::TINFLStatus::FailedCannotMakeProgress => {
                    bad("is cut short (the compressed stream ends early)")
                }
                other => bad(&format!("its compressed stream is damaged ({other:?})")),
            })?;
        let trailer = body
            .get(used..used + 8)
            .ok_or_else(|| bad("is cut short (its CRC-32 and length are missing)"))?;
        let crc = u32::from_le_bytes([trailer[0], trailer[1], trailer[2], trailer[3]]);
        let len = u32::from_le_bytes([trailer[4], trailer[5], trailer[6], trailer[7]]);
        if crate::bundle::crc32(&member) != crc {
            return Err(bad("its CRC-32 does not match (the file is damaged)"));
        }
        if member.len() as u32 != len {
            return Err(bad(
                "its stated length does not match (the file is damaged)",
            ));
        }
        if out.is_empty() {
            out = member;
        } else {
            out.extend_from_slice(&member);
        }
        rest = &body[used + 8..];
    }
    Ok(out)
}

/// What a path on disk is, from its metadata (nothing is opened).
#[cfg(not(target_family = "wasm"))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    /// A regular file of this many bytes (after following symbolic links).
    File(u64),
    Folder,
}

/// Looks at a path without opening it: a regular file (with its size) or a folder; anything
/// else is an error naming the path and what it is: missing, a symbolic link that loops or
/// points nowhere, a named pipe, a device, a socket.
#[cfg(not(target_family = "wasm"))]
pub fn inspect(path: &std::path::Path) -> Result<Entry, LoadError> {
    let shown = path.display().to_string();
    let link = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(err(ErrorKind::Io, &shown, "no such file or folder"))
        }
        Err(e) => return Err(err(ErrorKind::Io, &shown, format!("cannot read: {e}"))),
    };
    let meta = if link.file_type().is_symlink() {
        match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) => return Err(broken_link(path, &shown, e)),
        }
    } else {
        link
    };
    let ft = meta.file_type();
    if ft.is_dir() {
        return Ok(Entry::Folder);
    }
    if ft.is_file() {
        return Ok(Entry::File(meta.len()));
    }
    #[cfg(unix)]
    let what = {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            "a named pipe (FIFO)"
        } else if ft.is_char_device() {
            "a character device"
        } else if ft.is_block_device() {
            "a block device"
        } else if ft.is_socket() {
            "a socket"
        } else {
            "not a regular file"
        }
    };
    #[cfg(not(unix))]
    let what = "not a regular file";
    Err(err(
        ErrorKind::Io,
        &shown,
        format!(
            "is {what}, not a regular file: refused (reading it could wait forever or never end)"
        ),
    ))
}

/// Why following a symbolic link failed: a loop (named with its chain) or a missing target.
#[cfg(not(target_family = "wasm"))]
fn broken_link(path: &std::path::Path, shown: &str, e: std::io::Error) -> LoadError {
    let mut seen: Vec<std::path::PathBuf> = Vec::new();
    let mut at = path.to_path_buf();
    for _ in 0..64 {
        match std::fs::read_link(&at) {
            Ok(target) => {
                let next = match at.parent() {
                    Some(dir) if target.is_relative() => dir.join(&target),
                    _ => target,
                };
                if seen.contains(&at) {
                    let chain: Vec<String> = seen.iter().map(|p| p.display().to_string()).collect();
                    return err(
                        ErrorKind::Io,
                        shown,
                        format!(
                            "is a symbolic link that loops ({} -> {}): it never reaches a file",
                            chain.join(" -> "),
                            at.display()
                        ),
                    );
                }
                seen.push(at);
                at = next;
            }
            Err(_) => break,
        }
    }
    if seen.len() >= 64 {
        return err(
            ErrorKind::Io,
            shown,
            "is a symbolic link that loops (more than 64 links deep): it never reaches a file",
        );
    }
    if e.kind() == std::io::ErrorKind::NotFound {
        return err(
            ErrorKind::Io,
            shown,
            format!(
                "is a symbolic link to {}, which does not exist",
                at.display()
            ),
        );
    }
    err(
        ErrorKind::Io,
        shown,
        format!("cannot follow the symbolic link: {e}"),
    )
}

/// Reads a regular file of at most `max` bytes (checked before reading, and again while reading,
/// in case it grows). The size from the metadata is a hint for the buffer, never more than `max`.
#[cfg(not(target_family = "wasm"))]
pub fn read_bounded(path: &std::path::Path, max: u64) -> Result<Vec<u8>, LoadError> {
    use std::io::Read;
    let shown = path.display().to_string();
    let len = match inspect(path)? {
        Entry::File(n) => n,
        Entry::Folder => {
            return Err(err(
                ErrorKind::Io,
                &shown,
                "is a folder, where a file was expected",
            ))
        }
    };
    let too_large = |n: &str| {
        err(
            ErrorKind::TooLarge,
            &shown,
            format!(
                "the file is {n}, more than the limit of {} per file",
                show_size(max)
            ),
        )
    };
    if len > max {
        return Err(too_large(&show_size(len)));
    }
    let f = std::fs::File::open(path)
        .map_err(|e| err(ErrorKind::Io, &shown, format!("cannot open: {e}")))?;
    let mut out = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    f.take(max.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(|e| err(ErrorKind::Io, &shown, format!("cannot read: {e}")))?;
    if out.len() as u64 > max {
        return Err(too_large("growing while it is read, and now larger"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_utf8_is_borrowed_unchanged() {
        let t = br#"[{"a": 1}]"#;
        assert!(matches!(
            decode_text("f", t, 100).unwrap(),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn utf16_with_a_byte_order_mark_is_decoded_in_both_orders() {
        let s = "[{\"é\": 1}]";
        let le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(s.encode_utf16().flat_map(|u| u.to_le_bytes()))
            .collect();
        let be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain(s.encode_utf16().flat_map(|u| u.to_be_bytes()))
            .collect();
        assert_eq!(&*decode_text("f", &le, 100).unwrap(), s.as_bytes());
        assert_eq!(&*decode_text("f", &be, 100).unwrap(), s.as_bytes());
    }

    #[test]
    fn utf16_without_a_mark_is_named_with_its_byte_order() {
        let le: Vec<u8> = "[{}]"
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect();
        let e = decode_text("x.json", &le, 100).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Encoding);
        assert!(e.detail.contains("UTF-16 text (little-endian)"), "{e}");
    }

    #[test]
    fn an_unpaired_surrogate_is_named_with_its_byte() {
        let b = [0xFF, 0xFE, b'[', 0, 0x00, 0xD8, b']', 0];
        let e = decode_text("x.json", &b, 100).unwrap_err();
        assert!(
            e.detail.contains("unpaired surrogate 0xd800 at byte 4"),
            "{e}"
        );
    }

    #[test]
    fn archives_and_utf32_are_named() {
        for (b, what) in [
            (&b"PK\x03\x04rest"[..], "zip archive"),
            (&[0xFD, b'7', b'z', b'X', b'Z', 0, 1][..], "xz"),
            (&b"BZh91AY"[..], "bzip2"),
            (&[0x28, 0xB5, 0x2F, 0xFD, 1][..], "zstd"),
            (&[0xFF, 0xFE, 0, 0, b'[', 0, 0, 0][..], "UTF-32"),
        ] {
            let e = decode_text("x.json", b, 100).unwrap_err();
            assert!(e.detail.contains(what), "{what}: {e}");
        }
    }

    #[test]
    #[cfg(feature = "encode")]
    fn gzip_is_inflated_within_the_limit_and_checked() {
        let text = br#"[{"a": 1}]"#.repeat(50);
        let gz = gzip(&text);
        assert_eq!(&*decode_text("f.json.gz", &gz, 10_000).unwrap(), &text[..]);
        let e = decode_text("f.json.gz", &gz, 100).unwrap_err();
        assert_eq!(e.kind, ErrorKind::TooLarge);
        assert!(
            e.detail
                .contains("inflates to more than the limit of 100 bytes"),
            "{e}"
        );
        let mut damaged = gz.clone();
        let n = damaged.len();
        damaged[n - 6] ^= 1;
        let e = decode_text("f.json.gz", &damaged, 10_000).unwrap_err();
        assert!(e.detail.contains("CRC-32 does not match"), "{e}");
        let e = decode_text("f.json.gz", &gz[..gz.len() - 4], 10_000).unwrap_err();
        assert!(e.detail.contains("cut short"), "{e}");
        let two = [gz.clone(), gz.clone()].concat();
        assert_eq!(
            decode_text("f", &two, 10_000).unwrap().len(),
            2 * text.len()
        );
    }

    /// A gzip member around `data` (no optional header fields).
    #[cfg(feature = "encode")]
    pub(crate) fn gzip(data: &[u8]) -> Vec<u8> {
        let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3];
        out.extend(miniz_oxide::deflate::compress_to_vec(data, 6));
        out.extend(crate::bundle::crc32(data).to_le_bytes());
        out.extend((data.len() as u32).to_le_bytes());
        out
    }

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(show_size(2 << 30), "2 GiB");
        assert_eq!(show_size(50 << 20), "50.0 MiB");
        assert_eq!(show_size(812), "812 bytes");
    }
}
