//! The compact bundle: a whole [`Dataset`] in one small versioned file.
//!
//! ```text
//! offset  size  field
//! 0       8     magic  b"PAMELAbd"
//! 8       2     format version, little endian (this code reads 2 and 3; it writes 2 for a
//!               store without data notes, 3 for one with them)
//! 10      4     payload length before compression, little endian
//! 14      4     CRC-32 (IEEE) of the payload, little endian
//! 18      ...   zlib stream (deflate + Adler-32 check) of the postcard-encoded body (version 2),
//!               or of the body followed by the data notes (version 3)
//! ```
//!
//! Version 3 adds the data-quality report (the loader's [`Warning`]s: kind by its stable name,
//! count, message, first examples with file, place and field) after the body, so that a bundle
//! made by `pamela ingest` still says what was odd in the files it came from. A store without
//! notes is still written as version 2, byte for byte as before, so bundles without notes (the
//! committed synthetic one) stay readable by older builds; a bundle with notes is refused by an
//! older build with "version 3 is not supported", not misread. A note kind this build does not
//! know is an error ([`BundleError::Corrupt`] naming it): a new kind needs a new version.
//!
//! The CRC-32 is there because Adler-32 alone is weak on short payloads: a flipped bit in the
//! compressed stream can change the content and still pass it (the bit-flip test found one).
//!
//! The body is serialized with [postcard](https://docs.rs/postcard) (stable, documented wire
//! format; integers as varints). Ratings are stored in the store's canonical order as runs of
//! (split, participant), image indices as deltas within a run, scores as thousandths above 1.0 in
//! two byte planes (high bytes, then low bytes: deflate codes the nearly constant high plane in
//! about 4 bits a rating, 7% smaller than one stream of varints) and labels as their offset from the nearest-integer rule: about 4 bytes per rating before
//! compression, and the labels almost nothing after it. Image paths of the published
//! shape `./images/<uuid>.png` are kept as the 16 bytes of the uuid.
//!
//! Trade-offs: zlib inside the file (rather than relying on HTTP compression) keeps the download
//! small on any static host, at the cost of a decompression step (a few milliseconds). Files are
//! compressed with zopfli (slow to write, 7% smaller than zlib's best, read by any inflater);
//! bundles that stay in memory use a fast level.
//! Decoding treats the bytes as hostile: every length is bounded by the input, the declared
//! payload size is capped (and by deflate's maximum ratio), all arithmetic is checked, bytes
//! after the end of the compressed stream are refused ([`BundleError::TrailingBytes`], with
//! their count: the file is not what was written), and the resulting store goes through the
//! same validation as a loaded one. It never panics. The page and the command line both call
//! [`decode`], so both refuse the same files.
//!
//! Decoding is always built. Writing is behind features, because the app only reads: `encode`
//! gives [`encode_with`] at [`Effort::Fast`] and [`seal`] (miniz's deflater), and `zopfli` adds
//! [`Effort::Smallest`] and [`encode`] (see the crate docs).

use crate::dataset::{Dataset, Dicts, Images, Participants, Ratings, Source};
use crate::error::{Example, Warning, WarningKind};
use crate::schema::Label;
use serde::{Deserialize, Serialize};
use std::fmt;

pub const MAGIC: [u8; 8] = *b"PAMELAbd";
/// The newest format version (written when the store has data notes).
pub const VERSION: u16 = 3;
/// Largest payload [`Effort::Smallest`] gives to zopfli (see [`seal`]).
#[cfg(feature = "zopfli")]
pub const ZOPFLI_MAX_PAYLOAD: usize = 4 << 20;
/// The version written for a store without data notes (and read as before).
pub const VERSION_WITHOUT_NOTES: u16 = 2;
const HEADER: usize = 18;
/// Largest payload a bundle may declare (the real dataset needs about 2 MB).
pub const MAX_PAYLOAD: usize = 512 << 20;
/// Deflate cannot expand more than ~1032:1; anything beyond is a lie.
const MAX_RATIO: usize = 1100;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BundleError {
    /// Not a bundle at all (wrong magic).
    NotABundle,
    /// A bundle of a version this code does not read.
    UnsupportedVersion(u16),
    /// Shorter than its header, or its compressed stream ends early.
    Truncated,
    /// It declares a payload larger than allowed.
    TooLarge(usize),
    /// The bytes are damaged: checksum, encoding or consistency.
    Corrupt(String),
    /// This many bytes follow the end of the compressed stream (two files joined, a download
    /// that appended something): refused, since the file is not what was written.
    TrailingBytes(usize),
}

impl fmt::Display for BundleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BundleError::NotABundle => {
                f.write_str("not a PAMELA bundle (the file does not start with `PAMELAbd`)")
            }
            BundleError::UnsupportedVersion(v) => write!(
                f,
                "bundle format version {v} is not supported (this build reads versions \
                 {VERSION_WITHOUT_NOTES} and {VERSION}): use a newer build of the explorer"
            ),
            BundleError::Truncated => f.write_str("the bundle is truncated"),
            BundleError::TooLarge(n) => write!(
                f,
                "the bundle declares {n} bytes of content, more than the {MAX_PAYLOAD} allowed \
                 or than its size permits"
            ),
            BundleError::Corrupt(m) => write!(f, "the bundle is damaged: {m}"),
            BundleError::TrailingBytes(n) => write!(
                f,
                "the bundle is followed by {n} unexpected byte{} after its end (two files \
                 joined, or a damaged download?)",
                if *n == 1 { "" } else { "s" }
            ),
        }
    }
}

impl std::error::Error for BundleError {}

/// Whether the bytes start like a bundle (used to tell a bundle from JSON files).
pub fn is_bundle(bytes: &[u8]) -> bool {
    bytes.starts_with(&MAGIC)
}

#[derive(Serialize, Deserialize)]
struct Body {
    source: Source,
    dicts: Dicts,
    images: ImageTable,
    participants: ParticipantTable,
    ratings: RatingTable,
}

/// A data note as stored (version 3).
#[derive(Serialize, Deserialize)]
struct NoteRepr {
    kind: String,
    count: u64,
    message: String,
    examples: Vec<Example>,
}

#[derive(Serialize, Deserialize)]
struct ImageTable {
    /// First id, then differences (ids are sorted and distinct).
    id_delta: Vec<u64>,
    path: Vec<PathRepr>,
    group_name: Vec<u16>,
    style: Vec<u16>,
    kind: Vec<u16>,
    category: Vec<u16>,
    prompt: Vec<String>,
}

#[derive(Serialize, Deserialize)]
enum PathRepr {
    /// `./images/<uuid>.png`, lower-case hyphenated.
    Uuid([u8; 16]),
    Text(String),
}

#[derive(Serialize, Deserialize)]
struct ParticipantTable {
    id: Vec<String>,
    age: Vec<u8>,
    age_bin: Vec<u16>,
    gender: Vec<u16>,
    nationality: Vec<u16>,
}

#[derive(Serialize, Deserialize)]
struct Run {
    split: u8,
    participant: u32,
    len: u32,
}

#[derive(Serialize, Deserialize)]
struct RatingTable {
    runs: Vec<Run>,
    /// Within a run: the first image index, then differences (the run is sorted by image).
    image_delta: Vec<u32>,
    /// Score in thousandths minus 1000 (0 ..= 4000): the high bytes.
    score_hi: Vec<u8>,
    /// ... and the low bytes.
    score_lo: Vec<u8>,
    /// Each label as (label - nearest-integer label of its score) mod 5: almost all zeros, so
    /// labels cost nearly nothing, while any label (even one that breaks the rule) is kept.
    label_offset: Vec<u8>,
}

const UUID_PREFIX: &str = "./images/";
const UUID_SUFFIX: &str = ".png";

#[cfg(feature = "encode")]
fn path_to_repr(p: &str) -> PathRepr {
    let uuid = p
        .strip_prefix(UUID_PREFIX)
        .and_then(|r| r.strip_suffix(UUID_SUFFIX));
    if let Some(u) = uuid {
        if let Some(bytes) = parse_uuid(u) {
            if format_uuid(&bytes) == u {
                return PathRepr::Uuid(bytes);
            }
        }
    }
    PathRepr::Text(p.to_string())
}

#[cfg(feature = "encode")]
fn parse_uuid(u: &str) -> Option<[u8; 16]> {
    let b = u.as_bytes();
    if b.len() != 36 || [8, 13, 18, 23].iter().any(|&i| b[i] != b'-') {
        return None;
    }
    let hex: Vec<u8> = b.iter().copied().filter(|&c| c != b'-').collect();
    if hex.len() != 32 {
        return None;
    }
    let mut out = [0u8; 16];
    for (k, pair) in hex.chunks(2).enumerate() {
        let h = |c: u8| match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            _ => None,
        };
        out[k] = h(pair[0])? << 4 | h(pair[1])?;
    }
    Some(out)
}

/// Lower-case hyphenated text of a 16-byte uuid.
pub fn format_uuid(b: &[u8; 16]) -> String {
    let mut s = String::with_capacity(36);
    for (k, byte) in b.iter().enumerate() {
        if matches!(k, 4 | 6 | 8 | 10) {
            s.push('-');
        }
        s.push_str(&format!("{byte:02x}"));
    }
    s
}

fn repr_to_path(r: PathRepr) -> String {
    match r {
        PathRepr::Uuid(b) => format!("{UUID_PREFIX}{}{UUID_SUFFIX}", format_uuid(&b)),
        PathRepr::Text(s) => s,
    }
}

#[cfg(feature = "encode")]
fn rating_table(r: &Ratings) -> RatingTable {
    let mut runs: Vec<Run> = Vec::new();
    let mut image_delta = Vec::with_capacity(r.len());
    for k in 0..r.len() {
        let (s, p, i) = (r.split[k], r.participant[k], r.image[k]);
        match runs.last_mut() {
            Some(run) if run.split == s && run.participant == p => {
                run.len += 1;
                image_delta.push(i - r.image[k - 1]);
            }
            _ => {
                runs.push(Run {
                    split: s,
                    participant: p,
                    len: 1,
                });
                image_delta.push(i);
            }
        }
    }
    RatingTable {
        runs,
        image_delta,
        score_hi: r.score.iter().map(|&s| ((s - 1000) >> 8) as u8).collect(),
        score_lo: r.score.iter().map(|&s| ((s - 1000) & 0xff) as u8).collect(),
        label_offset: r
            .score
            .iter()
            .zip(&r.label)
            .map(|(&s, &l)| (l + 5 - Label::nearest_to_milli(s).index()) % 5)
            .collect(),
    }
}

#[cfg(feature = "encode")]
fn body_of(ds: &Dataset) -> Body {
    let im = &ds.images;
    let mut prev = 0u64;
    let id_delta = im
        .id
        .iter()
        .map(|&id| {
            let d = id - prev;
            prev = id;
            d
        })
        .collect();
    Body {
        source: ds.source.clone(),
        dicts: ds.dicts.clone(),
        images: ImageTable {
            id_delta,
            path: im.path.iter().map(|p| path_to_repr(p)).collect(),
            group_name: im.group_name.clone(),
            style: im.style.clone(),
            kind: im.kind.clone(),
            category: im.category.clone(),
            prompt: im.prompt.clone(),
        },
        participants: ParticipantTable {
            id: ds.participants.id.clone(),
            age: ds.participants.age.clone(),
            age_bin: ds.participants.age_bin.clone(),
            gender: ds.participants.gender.clone(),
            nationality: ds.participants.nationality.clone(),
        },
        ratings: rating_table(&ds.ratings),
    }
}

/// How hard [`encode_with`] compresses (feature `encode`).
///
/// Non-exhaustive because [`Effort::Smallest`] exists only with the `zopfli` feature: a match
/// written where only `encode` is on must still compile when another crate turns `zopfli` on.
#[cfg(feature = "encode")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Effort {
    /// zopfli (5 iterations): about 7% smaller than zlib's best, a few seconds for the real
    /// dataset. For files that are downloaded many times (the committed default, `pamela ingest`).
    /// Feature `zopfli`.
    #[cfg(feature = "zopfli")]
    Smallest,
    /// miniz at level 6: tens of milliseconds. For bundles that never leave the machine (the
    /// file-parsing worker hands its result to the page as a bundle).
    Fast,
}

/// Encodes a dataset as small as it goes ([`Effort::Smallest`]). Deterministic: the same store
/// always gives the same bytes. Feature `zopfli`.
#[cfg(feature = "zopfli")]
pub fn encode(ds: &Dataset) -> Vec<u8> {
    encode_with(ds, Effort::Smallest)
}

/// Encodes a dataset with the given compression effort; both decode the same way (a zlib
/// stream), and both are deterministic. Feature `encode`.
#[cfg(feature = "encode")]
pub fn encode_with(ds: &Dataset, effort: Effort) -> Vec<u8> {
    encode_report_with(ds, &[], effort)
}

/// Encodes a dataset with its data notes, as small as it goes. Feature `zopfli`.
#[cfg(feature = "zopfli")]
pub fn encode_report(ds: &Dataset, notes: &[Warning]) -> Vec<u8> {
    encode_report_with(ds, notes, Effort::Smallest)
}

/// Encodes a dataset with its data notes ([`decode_report`] gives both back): version 3, or
/// version 2 when there are no notes. Feature `encode`.
#[cfg(feature = "encode")]
pub fn encode_report_with(ds: &Dataset, notes: &[Warning], effort: Effort) -> Vec<u8> {
    let mut payload = postcard::to_allocvec(&body_of(ds)).expect("in-memory serialization");
    if notes.is_empty() {
        return seal_as(&payload, VERSION_WITHOUT_NOTES, effort);
    }
    let reprs: Vec<NoteRepr> = notes
        .iter()
        .map(|w| NoteRepr {
            kind: w.kind.name().to_string(),
            count: w.count,
            message: w.message.clone(),
            examples: w.examples.clone(),
        })
        .collect();
    payload.extend(postcard::to_allocvec(&reprs).expect("in-memory serialization"));
    seal_as(&payload, VERSION, effort)
}

/// A bundle file around any content: header (magic, version, length, CRC-32) and the content
/// compressed. [`encode_with`] seals a dataset's body with it; the `bundle_body` fuzz target
/// seals arbitrary bytes, so that every mutation reaches the content decoder. Feature `encode`.
/// The content is read as version 3 (a body, then data notes).
#[cfg(feature = "encode")]
pub fn seal(payload: &[u8], effort: Effort) -> Vec<u8> {
    seal_as(payload, VERSION, effort)
}

#[cfg(feature = "encode")]
fn seal_as(payload: &[u8], version: u16, effort: Effort) -> Vec<u8> {
    seal_with(&MAGIC, payload, version, effort)
}

/// The container of both files (a bundle, an image text file): magic, version, length, CRC-32,
/// then the content compressed.
#[cfg(feature = "encode")]
fn seal_with(magic: &[u8; 8], payload: &[u8], version: u16, effort: Effort) -> Vec<u8> {
    let compressed = match effort {
        Effort::Fast => miniz_oxide::deflate::compress_to_vec_zlib(payload, 6),
        // zopfli's working memory grows with its input (about 25 bytes per payload byte measured
        // on a 15 MB payload: 390 MB peak for a 50 MB ingest), for a 7% gain. Above
        // ZOPFLI_MAX_PAYLOAD miniz's best level is used instead: the published dataset's payload
        // (about 2 MB) stays on zopfli, and the output is the same zlib stream either way.
        #[cfg(feature = "zopfli")]
        Effort::Smallest if payload.len() > ZOPFLI_MAX_PAYLOAD => {
            miniz_oxide::deflate::compress_to_vec_zlib(payload, 9)
        }
        #[cfg(feature = "zopfli")]
        Effort::Smallest => {
            let mut out = Vec::with_capacity(payload.len() / 3);
            let options = zopfli::Options {
                iteration_count: std::num::NonZeroU64::new(5).expect("5 is not zero"),
                ..Default::default()
            };
            zopfli::compress(options, zopfli::Format::Zlib, payload, &mut out)
                .expect("compressing into memory cannot fail");
            out
        }
    };
    let mut out = Vec::with_capacity(HEADER + compressed.len());
    out.extend_from_slice(magic);
    out.extend_from_slice(&version.to_le_bytes());
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&crc32(payload).to_le_bytes());
    out.extend_from_slice(&compressed);
    out
}

/// CRC-32 (IEEE 802.3, as in zip and PNG) of `bytes`, eight bytes a step ("slicing by
/// eight": eight tables of 256 entries, built once on first use rather than stored, so they
/// add nothing to the wasm). In the page's size-optimized wasm the byte-at-a-time loop took
/// about 4.5 ms of a 3 MB bundle's decoding; eight bytes a step do the same in a fraction of
/// it. [`crc32_bytewise`] is the reference a test compares it with.
pub fn crc32(bytes: &[u8]) -> u32 {
    let t = crc_tables();
    let mut c = !0u32;
    let mut steps = bytes.chunks_exact(8);
    for b in &mut steps {
        let lo = u32::from_le_bytes([b[0], b[1], b[2], b[3]]) ^ c;
        let hi = u32::from_le_bytes([b[4], b[5], b[6], b[7]]);
        c = t[7][(lo & 0xFF) as usize]
            ^ t[6][(lo >> 8 & 0xFF) as usize]
            ^ t[5][(lo >> 16 & 0xFF) as usize]
            ^ t[4][(lo >> 24) as usize]
            ^ t[3][(hi & 0xFF) as usize]
            ^ t[2][(hi >> 8 & 0xFF) as usize]
            ^ t[1][(hi >> 16 & 0xFF) as usize]
            ^ t[0][(hi >> 24) as usize];
    }
    for &b in steps.remainder() {
        c = t[0][((c ^ b as u32) & 0xFF) as usize] ^ (c >> 8);
    }
    !c
}

/// CRC-32 a byte at a time: the definition [`crc32`] must agree with.
pub fn crc32_bytewise(bytes: &[u8]) -> u32 {
    let t = &crc_tables()[0];
    !bytes.iter().fold(!0u32, |c, &b| {
        t[((c ^ b as u32) & 0xFF) as usize] ^ (c >> 8)
    })
}

/// Table k gives the CRC of a byte followed by k zero bytes.
fn crc_tables() -> &'static [[u32; 256]; 8] {
    static TABLES: std::sync::OnceLock<Box<[[u32; 256]; 8]>> = std::sync::OnceLock::new();
    TABLES.get_or_init(|| {
        let mut t = Box::new([[0u32; 256]; 8]);
        for i in 0..256 {
            let mut c = i as u32;
            for _ in 0..8 {
                c = if c & 1 != 0 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
            t[0][i] = c;
        }
        for k in 1..8 {
            for i in 0..256 {
                let prev = t[k - 1][i];
                t[k][i] = (prev >> 8) ^ t[0][(prev & 0xFF) as usize];
            }
        }
        t
    })
}

/// Bytes the rating columns take in the bundle before compression, and the number of ratings.
/// Feature `encode` (it measures what the encoder writes).
#[cfg(feature = "encode")]
pub fn rating_column_bytes(ds: &Dataset) -> usize {
    postcard::to_allocvec(&rating_table(&ds.ratings))
        .map(|v| v.len())
        .unwrap_or(0)
}

/// Decodes a bundle from untrusted bytes (its data notes, if any, are dropped; see
/// [`decode_report`]).
pub fn decode(bytes: &[u8]) -> Result<Dataset, BundleError> {
    decode_report(bytes).map(|(ds, _)| ds)
}

/// Opens the container that [`seal_with`] writes: checks the magic, the version, the declared
/// length (bounded by the input and deflate's largest ratio), the zlib stream, that nothing
/// follows it, and the CRC-32; gives the version and the content.
fn unseal(
    bytes: &[u8],
    magic: &[u8; 8],
    known: impl Fn(u16) -> bool,
) -> Result<(u16, Vec<u8>), BundleError> {
    if bytes.len() < magic.len() || !bytes.starts_with(magic) {
        return Err(if magic.starts_with(bytes) && !bytes.is_empty() {
            BundleError::Truncated
        } else {
            BundleError::NotABundle
        });
    }
    if bytes.len() < HEADER {
        return Err(BundleError::Truncated);
    }
    let version = u16::from_le_bytes([bytes[8], bytes[9]]);
    if !known(version) {
        return Err(BundleError::UnsupportedVersion(version));
    }
    let declared = u32::from_le_bytes([bytes[10], bytes[11], bytes[12], bytes[13]]) as usize;
    let compressed = &bytes[HEADER..];
    if declared > MAX_PAYLOAD || declared > compressed.len().saturating_mul(MAX_RATIO) {
        return Err(BundleError::TooLarge(declared));
    }
    let (payload, used) =
        crate::inflate::inflate_bounded(compressed, true, declared).map_err(|status| {
            use crate::inflate::TINFLStatus;
            match status {
                TINFLStatus::FailedCannotMakeProgress => BundleError::Truncated,
                TINFLStatus::HasMoreOutput => {
                    BundleError::Corrupt("the content is longer than the header says".into())
                }
                TINFLStatus::Adler32Mismatch => BundleError::Corrupt("checksum mismatch".into()),
                other => BundleError::Corrupt(format!("compressed stream is invalid ({other:?})")),
            }
        })?;
    if used < compressed.len() {
        return Err(BundleError::TrailingBytes(compressed.len() - used));
    }
    if payload.len() != declared {
        return Err(BundleError::Corrupt(
            "the content is shorter than the header says".into(),
        ));
    }
    if crc32(&payload) != u32::from_le_bytes([bytes[14], bytes[15], bytes[16], bytes[17]]) {
        return Err(BundleError::Corrupt("checksum mismatch (CRC-32)".into()));
    }
    Ok((version, payload))
}

/// Decodes a bundle from untrusted bytes with its data notes (none for version 2): [`open`],
/// then [`Opened::decode_report`].
pub fn decode_report(bytes: &[u8]) -> Result<(Dataset, Vec<Warning>), BundleError> {
    open(bytes)?.decode_report()
}

/// A bundle checked and inflated, not yet decoded: the first half of [`decode_report`]. The
/// page does the two halves in two tasks, since on a bundle of the card's size in its wasm
/// they took about 41 ms together in a CPU profile, near the 50 ms a task may take (about 17
/// ms inflating and checking, the rest reading the columns and checking the store).
pub struct Opened {
    version: u16,
    payload: Vec<u8>,
}

/// Opens a bundle from untrusted bytes: magic, version, declared length, the zlib stream and
/// both checksums (see [`Opened`]).
pub fn open(bytes: &[u8]) -> Result<Opened, BundleError> {
    let (version, payload) = unseal(bytes, &MAGIC, |v| {
        v == VERSION || v == VERSION_WITHOUT_NOTES
    })?;
    Ok(Opened { version, payload })
}

impl Opened {
    /// The second half of [`decode_report`]: the store and its data notes.
    pub fn decode_report(self) -> Result<(Dataset, Vec<Warning>), BundleError> {
        decode_payload(self.version, &self.payload)
    }
}

fn decode_payload(version: u16, payload: &[u8]) -> Result<(Dataset, Vec<Warning>), BundleError> {
    let (body, mut rest): (Body, &[u8]) = postcard::take_from_bytes(payload)
        .map_err(|e| BundleError::Corrupt(format!("cannot decode the content: {e}")))?;
    let mut notes = Vec::new();
    if version == VERSION {
        let (reprs, after): (Vec<NoteRepr>, &[u8]) = postcard::take_from_bytes(rest)
            .map_err(|e| BundleError::Corrupt(format!("cannot decode the data notes: {e}")))?;
        rest = after;
        for r in reprs {
            let kind = WarningKind::from_name(&r.kind).ok_or_else(|| {
                BundleError::Corrupt(format!("unknown data note kind {:?}", r.kind))
            })?;
            notes.push(Warning {
                kind,
                count: r.count,
                examples: r.examples,
                message: r.message,
            });
        }
    }
    if !rest.is_empty() {
        return Err(BundleError::Corrupt(
            "unexpected bytes after the content".into(),
        ));
    }
    Ok((from_body(body)?, notes))
}

fn from_body(b: Body) -> Result<Dataset, BundleError> {
    let corrupt = |m: &str| BundleError::Corrupt(m.to_string());
    let mut id = Vec::with_capacity(b.images.id_delta.len());
    let mut prev = 0u64;
    for (k, &d) in b.images.id_delta.iter().enumerate() {
        if k > 0 && d == 0 {
            return Err(corrupt("repeated image id"));
        }
        prev = prev
            .checked_add(d)
            .ok_or_else(|| corrupt("image id overflows"))?;
        id.push(prev);
    }
    let images = Images {
        id,
        path: b.images.path.into_iter().map(repr_to_path).collect(),
        group_name: b.images.group_name,
        style: b.images.style,
        kind: b.images.kind,
        category: b.images.category,
        prompt: b.images.prompt,
    };
    let participants = Participants {
        id: b.participants.id,
        age: b.participants.age,
        age_bin: b.participants.age_bin,
        gender: b.participants.gender,
        nationality: b.participants.nationality,
    };
    let t = b.ratings;
    let n = t.score_lo.len();
    if t.score_hi.len() != n || t.label_offset.len() != n || t.image_delta.len() != n {
        return Err(corrupt("rating columns differ in length"));
    }
    let mut total = 0usize;
    for run in &t.runs {
        total = total
            .checked_add(run.len as usize)
            .ok_or_else(|| corrupt("run lengths overflow"))?;
        if run.len == 0 {
            return Err(corrupt("empty run"));
        }
    }
    if total != n {
        return Err(corrupt("runs do not cover the ratings"));
    }
    let mut ratings = Ratings {
        participant: Vec::with_capacity(n),
        image: Vec::with_capacity(n),
        score: Vec::with_capacity(n),
        label: Vec::with_capacity(n),
        split: Vec::with_capacity(n),
    };
    let mut k = 0usize;
    for run in &t.runs {
        let mut image = 0u32;
        for j in 0..run.len as usize {
            let d = t.image_delta[k];
            image = if j == 0 {
                d
            } else {
                image
                    .checked_add(d)
                    .ok_or_else(|| corrupt("image index overflows"))?
            };
            ratings.participant.push(run.participant);
            ratings.image.push(image);
            ratings.split.push(run.split);
            k += 1;
        }
    }
    for ((&hi, &lo), &off) in t.score_hi.iter().zip(&t.score_lo).zip(&t.label_offset) {
        let s = u16::from(hi) << 8 | u16::from(lo);
        if s > 4000 {
            return Err(corrupt("score out of range"));
        }
        if off >= 5 {
            return Err(corrupt("label out of range"));
        }
        let milli = s + 1000;
        ratings.score.push(milli);
        ratings
            .label
            .push((Label::nearest_to_milli(milli).index() + off) % 5);
    }
    Dataset::new(b.source, b.dicts, images, participants, ratings)
        .map_err(|e| BundleError::Corrupt(e.0))
}

// ---------------------------------------------------------------------------------------------
// Image text apart
//
// The images' paths and prompts are about 43% of the default bundle (81 KB of uuids, which do
// not compress, and 61 KB of prompts; `cargo run -p pamela-cli --example bundle_parts`), and no
// chart needs them. So the page's default data can be written as two files ([`encode_apart`]):
// a bundle whose images have empty paths and prompts, which the first view needs, and an image
// text file that the page fetches after the first chart. The text file is the same container
// (magic `PAMELAtx`, version 1) around the paths and prompts, and it names the bundle it belongs
// to by the bundle's CRC-32 (header bytes 14..18): a text file of other data is refused.

/// The image text file's magic.
pub const TEXT_MAGIC: [u8; 8] = *b"PAMELAtx";
/// The image text file's format version.
pub const TEXT_VERSION: u16 = 1;

/// Every image's path and prompt, in the dataset's image order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImageText {
    pub path: Vec<String>,
    pub prompt: Vec<String>,
}

impl ImageText {
    /// Puts the paths and prompts into `ds` (whose images must be as many).
    pub fn put_into(self, ds: &mut Dataset) -> Result<(), BundleError> {
        let n = ds.images.len();
        if self.path.len() != n || self.prompt.len() != n {
            return Err(BundleError::Corrupt(format!(
                "the image text holds {} images, the data {n}",
                self.path.len()
            )));
        }
        ds.images.path = self.path;
        ds.images.prompt = self.prompt;
        Ok(())
    }
}

#[derive(Serialize, Deserialize)]
struct TextBody {
    bundle_crc: u32,
    path: Vec<PathRepr>,
    prompt: Vec<String>,
}

/// The CRC-32 a bundle's header holds (what its image text file names), or `None` for bytes
/// that are not a bundle.
pub fn bundle_crc(bundle: &[u8]) -> Option<u32> {
    (bundle.len() >= HEADER && is_bundle(bundle))
        .then(|| u32::from_le_bytes([bundle[14], bundle[15], bundle[16], bundle[17]]))
}

/// The bundle without the images' paths and prompts, and the image text file that gives them
/// back ([`decode_text`], [`ImageText::put_into`]). Feature `encode`.
#[cfg(feature = "encode")]
pub fn encode_apart(ds: &Dataset, notes: &[Warning], effort: Effort) -> (Vec<u8>, Vec<u8>) {
    let mut bare = ds.clone();
    let n = bare.images.len();
    let path = std::mem::replace(&mut bare.images.path, vec![String::new(); n]);
    let prompt = std::mem::replace(&mut bare.images.prompt, vec![String::new(); n]);
    let bundle = encode_report_with(&bare, notes, effort);
    let body = TextBody {
        bundle_crc: bundle_crc(&bundle).expect("a bundle just written"),
        path: path.iter().map(|p| path_to_repr(p)).collect(),
        prompt,
    };
    let payload = postcard::to_allocvec(&body).expect("in-memory serialization");
    (
        bundle,
        seal_with(&TEXT_MAGIC, &payload, TEXT_VERSION, effort),
    )
}

/// Reads an image text file from untrusted bytes, for the bundle whose CRC-32 is `bundle` and
/// which holds `images` images; every check of [`decode`] applies to its container.
pub fn decode_text(bytes: &[u8], bundle: u32, images: usize) -> Result<ImageText, BundleError> {
    let (_, payload) = unseal(bytes, &TEXT_MAGIC, |v| v == TEXT_VERSION).map_err(|e| match e {
        BundleError::NotABundle => BundleError::Corrupt(
            "not an image text file (it does not start with `PAMELAtx`)".into(),
        ),
        e => e,
    })?;
    let (body, rest): (TextBody, &[u8]) = postcard::take_from_bytes(&payload)
        .map_err(|e| BundleError::Corrupt(format!("cannot decode the image text: {e}")))?;
    if !rest.is_empty() {
        return Err(BundleError::Corrupt(
            "unexpected bytes after the image text".into(),
        ));
    }
    if body.bundle_crc != bundle {
        return Err(BundleError::Corrupt(
            "the image text belongs to other data (it names another bundle)".into(),
        ));
    }
    if body.path.len() != images || body.prompt.len() != images {
        return Err(BundleError::Corrupt(format!(
            "the image text holds {} paths and {} prompts for {images} images",
            body.path.len(),
            body.prompt.len()
        )));
    }
    Ok(ImageText {
        path: body.path.into_iter().map(repr_to_path).collect(),
        prompt: body.prompt,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(feature = "encode")]
    fn uuid_paths_are_kept_exactly() {
        let p = "./images/2f8e75f4-da55-4074-9328-052199f7cfb0.png";
        match path_to_repr(p) {
            PathRepr::Uuid(b) => assert_eq!(repr_to_path(PathRepr::Uuid(b)), p),
            PathRepr::Text(_) => panic!("expected the uuid form"),
        }
        // Upper-case hex would not be reproduced by formatting: kept as text.
        let upper = "./images/2F8E75F4-DA55-4074-9328-052199F7CFB0.png";
        assert!(matches!(path_to_repr(upper), PathRepr::Text(_)));
        assert!(matches!(path_to_repr("images/x.png"), PathRepr::Text(_)));
    }

    #[test]
    fn non_bundles_are_named_as_such() {
        assert_eq!(decode(b"[{\"a\":1}]").unwrap_err(), BundleError::NotABundle);
        assert_eq!(decode(b"PAMEL").unwrap_err(), BundleError::Truncated);
        assert_eq!(decode(b"").unwrap_err(), BundleError::NotABundle);
    }
}
