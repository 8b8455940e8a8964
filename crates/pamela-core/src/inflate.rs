//! Bounded inflating (zlib streams in bundles, gzip members in uploaded files), reporting how
//! many input bytes the stream used, so that callers can refuse bytes that trail it.
//!
//! miniz_oxide's `decompress_to_vec_*_with_limit` give the output but not where the stream
//! ended; this is the same loop (output doubled up to the limit, never more) with the count kept.

use miniz_oxide::inflate::core::{decompress, inflate_flags, DecompressorOxide};
pub use miniz_oxide::inflate::TINFLStatus;

/// Inflates a zlib stream (`zlib`, with its Adler-32 checked) or a raw deflate stream from the
/// start of `input`, producing at most `max_output` bytes. Returns the output and the number of
/// input bytes the stream took; bytes after it are the caller's to judge. Fails with
/// [`TINFLStatus::HasMoreOutput`] when the output would exceed `max_output`, with
/// [`TINFLStatus::FailedCannotMakeProgress`] when the input ends inside the stream.
pub fn inflate_bounded(
    input: &[u8],
    zlib: bool,
    max_output: usize,
) -> Result<(Vec<u8>, usize), TINFLStatus> {
    let mut flags = inflate_flags::TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF;
    if zlib {
        flags |=
            inflate_flags::TINFL_FLAG_PARSE_ZLIB_HEADER | inflate_flags::TINFL_FLAG_COMPUTE_ADLER32;
    }
    let mut out: Vec<u8> = vec![0; input.len().saturating_mul(2).clamp(1, max_output.max(1))];
    let mut decomp = Box::<DecompressorOxide>::default();
    let mut rest = input;
    let mut used = 0usize;
    let mut out_pos = 0usize;
    loop {
        let (status, in_consumed, out_consumed) =
            decompress(&mut decomp, rest, &mut out, out_pos, flags);
        out_pos += out_consumed;
        let in_consumed = in_consumed.min(rest.len());
        used += in_consumed;
        rest = &rest[in_consumed..];
        match status {
            TINFLStatus::Done => {
                if out_pos > max_output {
                    return Err(TINFLStatus::HasMoreOutput);
                }
                out.truncate(out_pos);
                return Ok((out, used));
            }
            TINFLStatus::HasMoreOutput => {
                if out.len() >= max_output {
                    return Err(TINFLStatus::HasMoreOutput);
                }
                let grown = out.len().saturating_mul(2).min(max_output);
                out.resize(grown, 0);
            }
            other => return Err(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(feature = "encode")]
    fn reports_where_the_stream_ends() {
        let z = miniz_oxide::deflate::compress_to_vec_zlib(b"hello hello hello", 6);
        let mut with_tail = z.clone();
        with_tail.extend_from_slice(b"TAIL");
        let (out, used) = inflate_bounded(&with_tail, true, 1 << 20).unwrap();
        assert_eq!(out, b"hello hello hello");
        assert_eq!(used, z.len());
    }

    #[test]
    #[cfg(feature = "encode")]
    fn stops_at_the_limit() {
        let z = miniz_oxide::deflate::compress_to_vec(&[7u8; 10_000], 6);
        assert_eq!(
            inflate_bounded(&z, false, 9_999),
            Err(TINFLStatus::HasMoreOutput)
        );
        assert_eq!(inflate_bounded(&z, false, 10_000).unwrap().0.len(), 10_000);
    }

    #[test]
    #[cfg(feature = "encode")]
    fn a_cut_stream_cannot_make_progress() {
        let z = miniz_oxide::deflate::compress_to_vec_zlib(&[1u8, 2, 3, 4, 5, 6, 7, 8], 6);
        assert_eq!(
            inflate_bounded(&z[..z.len() - 3], true, 1 << 20),
            Err(TINFLStatus::FailedCannotMakeProgress)
        );
    }
}
