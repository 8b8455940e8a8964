//! The Hugging Face Hub as a data source, as pure functions: which addresses to ask, how to read
//! the answers, which files to take, and what to tell a person when an answer is a refusal. The
//! page does the fetching (and the command line could); nothing here touches the network.
//!
//! A load from the Hub is three steps:
//! 1. the repository's **info** at a revision (`GET {hub}/api/datasets/{repo}/revision/{rev}`)
//!    gives the commit hash the revision points to now ([`parse_info`]); every later address
//!    uses that hash, so the files, the cache key and the link all name one fixed version even
//!    if `main` moves while the files download;
//! 2. the **tree** of the repository at that commit (`GET {hub}/api/datasets/{repo}/tree/{sha}`,
//!    one folder at a time, not recursive: the image folder alone holds 5,077 files) gives
//!    names and sizes ([`parse_tree`]); [`plan`] takes the split files by their published names
//!    (`pamela_train*`, `pamela_val_seen*`, ..., JSON or JSON Lines, the same rule as the
//!    folder loader, [`crate::loader::is_input_name`]), lists the other files as ignored, and
//!    when the root holds no split file names the folders to look into next (never `images/`);
//! 3. each file is downloaded from `{hub}/datasets/{repo}/resolve/{sha}/{path}` (the Hub
//!    answers with a redirect to its file CDN, which the browser follows).
//!
//! The answers are treated as coming from a stranger (a mirror can be any server; see
//! [`crate::address`] for who may be contacted at all): sizes are hints for the progress bar
//! and the truncation check, never allocations; a path with an empty, `.` or `..` segment, a
//! control character or more than [`MAX_PATH`] bytes is refused; a tree of more than
//! [`MAX_ENTRIES`] entries is refused; the commit hash must be 40 hexadecimal digits, since it
//! goes into addresses and cache keys.
//!
//! The link names a source as `data=hf` (the default repository at `main`),
//! `data=hf:OWNER/NAME` or `data=hf:OWNER/NAME@REVISION` ([`HubRef`]); once loaded, the link
//! holds the commit hash, so it reopens the same ratings (and the cached copy) later.

use serde::Deserialize;
use std::fmt;

/// The Hub's address when none is given.
pub const DEFAULT_HUB: &str = "https://huggingface.co";
/// The published dataset.
pub const DEFAULT_REPO: &str = "bethgelab/PAMELA";
/// The revision when none is given.
pub const DEFAULT_REVISION: &str = "main";
/// Longest file path accepted from a tree listing.
pub const MAX_PATH: usize = 1000;
/// Most entries accepted in one folder listing.
pub const MAX_ENTRIES: usize = 20_000;
/// Most folders looked into when the root holds no split file.
pub const MAX_FOLDERS: usize = 8;

/// A dataset repository at a revision (a branch, a tag or a commit hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubRef {
    pub repo: String,
    pub revision: String,
}

impl Default for HubRef {
    fn default() -> HubRef {
        HubRef {
            repo: DEFAULT_REPO.into(),
            revision: DEFAULT_REVISION.into(),
        }
    }
}

impl HubRef {
    /// Reads `hf`, `hf@REV`, `hf:OWNER/NAME` or `hf:OWNER/NAME@REV`; the error says what is
    /// wrong.
    pub fn parse(s: &str) -> Result<HubRef, String> {
        let rest = s
            .strip_prefix("hf")
            .ok_or("expected hf, hf:OWNER/NAME or hf:OWNER/NAME@REVISION")?;
        let (repo, revision) = match rest.split_once('@') {
            Some((repo, rev)) => (repo, Some(rev)),
            None => (rest, None),
        };
        let repo = match repo {
            "" => DEFAULT_REPO.to_string(),
            r => match r.strip_prefix(':') {
                Some(r) => {
                    check_repo(r)?;
                    r.to_string()
                }
                None => return Err("expected hf, hf:OWNER/NAME or hf:OWNER/NAME@REVISION".into()),
            },
        };
        let revision = match revision {
            None => DEFAULT_REVISION.to_string(),
            Some(r) => {
                check_revision(r)?;
                r.to_string()
            }
        };
        Ok(HubRef { repo, revision })
    }

    /// The link's form, read back by [`HubRef::parse`].
    pub fn to_param(&self) -> String {
        format!("hf:{}@{}", self.repo, self.revision)
    }

    /// Whether the revision is a commit hash (a fixed version, not a branch that moves).
    pub fn is_pinned(&self) -> bool {
        is_commit(&self.revision)
    }

    /// The same repository at commit `sha`.
    pub fn pinned(&self, sha: &str) -> HubRef {
        HubRef {
            repo: self.repo.clone(),
            revision: sha.to_string(),
        }
    }

    /// "bethgelab/PAMELA, revision 1a2b3c4" (a commit is shortened to 7 digits).
    pub fn describe(&self) -> String {
        format!("{}, revision {}", self.repo, short(&self.revision))
    }
}

/// A commit hash shortened as git shows it; other revisions as they are.
pub fn short(revision: &str) -> &str {
    if is_commit(revision) {
        &revision[..7]
    } else {
        revision
    }
}

/// 40 hexadecimal digits.
pub fn is_commit(s: &str) -> bool {
    s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn name_ok(part: &str) -> bool {
    !part.is_empty()
        && part.len() <= 96
        && part != "."
        && part != ".."
        && part
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

fn check_repo(r: &str) -> Result<(), String> {
    match r.split_once('/') {
        Some((owner, name)) if name_ok(owner) && name_ok(name) => Ok(()),
        _ => Err(format!(
            "“{}” is not a dataset name: expected OWNER/NAME (letters, digits, - _ .)",
            r.chars().take(80).collect::<String>()
        )),
    }
}

fn check_revision(r: &str) -> Result<(), String> {
    let ok = !r.is_empty() && r.len() <= 200 && r.split('/').all(name_ok) && !r.contains("..");
    if ok {
        Ok(())
    } else {
        Err(format!(
            "“{}” is not a revision: expected a branch, tag or commit hash",
            r.chars().take(80).collect::<String>()
        ))
    }
}

/// The Hub's address without a trailing `/`.
fn base(hub: &str) -> &str {
    hub.trim_end_matches('/')
}

/// Percent-encodes one path segment (unreserved characters kept).
fn segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn path_segments(path: &str) -> String {
    path.split('/').map(segment).collect::<Vec<_>>().join("/")
}

/// The repository info at the reference's revision (a branch name with `/` is one segment).
pub fn info_url(hub: &str, r: &HubRef) -> String {
    format!(
        "{}/api/datasets/{}/revision/{}",
        base(hub),
        r.repo,
        segment(&r.revision)
    )
}

/// One folder's listing (`""` for the root) at commit `sha`.
pub fn tree_url(hub: &str, repo: &str, sha: &str, folder: &str) -> String {
    let folder = if folder.is_empty() {
        String::new()
    } else {
        format!("/{}", path_segments(folder))
    };
    format!("{}/api/datasets/{repo}/tree/{sha}{folder}", base(hub))
}

/// A file's download address at commit `sha`.
pub fn resolve_url(hub: &str, repo: &str, sha: &str, path: &str) -> String {
    format!(
        "{}/datasets/{repo}/resolve/{sha}/{}",
        base(hub),
        path_segments(path)
    )
}

/// Where the images of a repository at commit `sha` are (an image's `./images/x.png` is
/// joined to it).
pub fn image_base(hub: &str, repo: &str, sha: &str) -> String {
    format!("{}/datasets/{repo}/resolve/{sha}/", base(hub))
}

/// The part of a repository info answer read here. Deserialized by whoever holds the text:
/// [`parse_info`] with serde_json here, the page with the browser's own JSON parser (so the app
/// does not compile serde_json).
#[derive(Debug, Deserialize)]
pub struct InfoAnswer {
    pub sha: Option<String>,
}

/// What an answer that is not JSON of the expected shape is called.
pub fn not_info(e: impl fmt::Display) -> String {
    format!("the Hub's answer about the repository is not what it should be ({e})")
}

/// What a file list that is not JSON of the expected shape is called.
pub fn not_tree(e: impl fmt::Display) -> String {
    format!("the Hub's file list is not what it should be ({e})")
}

/// The commit hash in a repository info answer.
pub fn parse_info(bytes: &[u8]) -> Result<String, String> {
    commit(serde_json::from_slice(bytes).map_err(not_info)?)
}

/// The commit an info answer names, checked.
pub fn commit(info: InfoAnswer) -> Result<String, String> {
    match info.sha {
        Some(s) if is_commit(&s) => Ok(s.to_ascii_lowercase()),
        Some(s) => Err(format!(
            "the Hub named the revision's commit “{}”, which is not a commit hash",
            s.chars().take(60).collect::<String>()
        )),
        None => Err("the Hub's answer about the repository names no commit".into()),
    }
}

/// One entry of a folder listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub path: String,
    /// Bytes (of the file itself for a file stored with Git LFS); 0 for a folder.
    pub size: u64,
    pub folder: bool,
}

/// One entry of a folder listing as the Hub sends it (see [`InfoAnswer`] on who parses it).
#[derive(Debug, Deserialize)]
pub struct TreeItem {
    #[serde(rename = "type")]
    kind: String,
    path: String,
    #[serde(default)]
    size: Option<u64>,
    #[serde(default)]
    lfs: Option<TreeLfs>,
}

#[derive(Debug, Deserialize)]
pub struct TreeLfs {
    size: Option<u64>,
}

fn check_path(p: &str) -> Result<(), String> {
    let shown = || p.chars().take(80).collect::<String>();
    if p.is_empty() || p.len() > MAX_PATH {
        return Err(format!("the Hub listed a file path of {} bytes", p.len()));
    }
    if p.chars().any(|c| c.is_control() || c == '\\') {
        return Err(format!(
            "the Hub listed a file path with a control character or backslash: “{}”",
            shown()
        ));
    }
    if p.split('/').any(|s| s.is_empty() || s == "." || s == "..") {
        return Err(format!(
            "the Hub listed the file path “{}”, which leaves its folder",
            shown()
        ));
    }
    Ok(())
}

/// A folder listing: its files and folders, checked.
pub fn parse_tree(bytes: &[u8]) -> Result<Vec<Entry>, String> {
    entries(serde_json::from_slice(bytes).map_err(not_tree)?)
}

/// The entries of a listing, checked.
pub fn entries(raw: Vec<TreeItem>) -> Result<Vec<Entry>, String> {
    if raw.len() > MAX_ENTRIES {
        return Err(format!(
            "the Hub listed {} entries in one folder, more than the {MAX_ENTRIES} read here",
            raw.len()
        ));
    }
    raw.into_iter()
        .map(|e| {
            check_path(&e.path)?;
            let folder = match e.kind.as_str() {
                "file" => false,
                "directory" => true,
                k => {
                    return Err(format!(
                        "the Hub listed “{}” as a “{}”, neither file nor folder",
                        e.path,
                        k.chars().take(40).collect::<String>()
                    ))
                }
            };
            let size = e.lfs.and_then(|l| l.size).or(e.size).unwrap_or(0);
            Ok(Entry {
                path: e.path,
                size: if folder { 0 } else { size },
                folder,
            })
        })
        .collect()
}

/// A file to download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    pub path: String,
    /// The file's name (the last segment): what the loader reads the split from.
    pub name: String,
    pub size: u64,
}

/// What a listing gives: the files to download, the files left alone, and (when there is no
/// split file yet) the folders worth looking into.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Plan {
    pub files: Vec<Planned>,
    pub ignored: Vec<String>,
    pub look_into: Vec<String>,
}

impl Plan {
    pub fn total(&self) -> u64 {
        self.files.iter().map(|f| f.size).sum()
    }
}

fn name_of(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Takes the split files of `entries` by their published names, in name order. Two files of
/// one split that differ only in their extensions (`pamela_train.json` and
/// `pamela_train.jsonl`) are an error naming both, as in the folder loader: loading both would
/// count every rating twice.
pub fn plan(entries: &[Entry]) -> Result<Plan, String> {
    let mut p = Plan::default();
    for e in entries {
        let name = name_of(&e.path);
        if e.folder {
            if name != "images" && p.look_into.len() < MAX_FOLDERS && !name.starts_with('.') {
                p.look_into.push(e.path.clone());
            }
        } else if crate::loader::is_input_name(name) && name != crate::loader::SYNTHETIC_MANIFEST {
            p.files.push(Planned {
                path: e.path.clone(),
                name: name.to_string(),
                size: e.size,
            });
        } else {
            p.ignored.push(e.path.clone());
        }
    }
    p.files.sort_by(|a, b| a.name.cmp(&b.name));
    for w in p.files.windows(2) {
        if crate::loader::file_stem(&w[0].name) == crate::loader::file_stem(&w[1].name) {
            return Err(format!(
                "the repository holds one split twice, as {} and {}: the Hub's copy is not \
                 loaded (download the one you want and drop it here)",
                w[0].path, w[1].path
            ));
        }
    }
    if !p.files.is_empty() {
        p.look_into.clear();
    }
    Ok(p)
}

/// Which request an HTTP refusal answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Info,
    Tree,
    File,
}

/// What to tell a person when the Hub answers `status` (not 2xx) to `step` for `r`.
pub fn refusal(step: Step, status: u16, host: &str, r: &HubRef, what: &str) -> String {
    match status {
        401 | 403 => format!(
            "{host} refused to give {what} of {} (HTTP {status}): the dataset is gated or \
             private. Accept its terms on the Hub while logged in and download the files there, \
             then drop them here",
            r.repo
        ),
        404 => match step {
            Step::Info => format!(
                "{host} has no dataset {} at revision {} (HTTP 404): check the name and the \
                 revision",
                r.repo, r.revision
            ),
            Step::Tree | Step::File => format!(
                "{host} no longer has {what} of {} at revision {} (HTTP 404): the revision may \
                 have been removed; load again to use the current one",
                r.repo,
                short(&r.revision)
            ),
        },
        429 => format!("{host} asks to wait (HTTP 429, too many requests): try again in a minute"),
        s if s >= 500 => format!("{host} failed to answer for {what} (HTTP {s}): try again later"),
        s => format!("{host} answered HTTP {s} for {what} of {}", r.repo),
    }
}

/// The check after a download: the bytes received against the listed size.
pub fn check_size(path: &str, received: u64, listed: u64) -> Result<(), String> {
    if listed > 0 && received != listed {
        let how = if received < listed {
            "stopped at"
        } else {
            "gave"
        };
        Err(format!(
            "the download of {path} {how} {received} bytes of the {listed} the Hub listed: \
             the connection was cut or the file changed; try again"
        ))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_read_and_print_in_the_links_forms() {
        assert_eq!(HubRef::parse("hf").unwrap(), HubRef::default());
        let r = HubRef::parse("hf:someone/PAMELA-mirror@v1.0").unwrap();
        assert_eq!(
            (r.repo.as_str(), r.revision.as_str()),
            ("someone/PAMELA-mirror", "v1.0")
        );
        assert_eq!(HubRef::parse(&r.to_param()).unwrap(), r);
        let at = HubRef::parse("hf@refs/convert/parquet").unwrap();
        assert_eq!(at.repo, DEFAULT_REPO);
        assert_eq!(at.revision, "refs/convert/parquet");
        let sha = "0123456789abcdef0123456789abcdef01234567";
        let p = HubRef::default().pinned(sha);
        assert!(p.is_pinned() && !HubRef::default().is_pinned());
        assert_eq!(p.describe(), "bethgelab/PAMELA, revision 0123456");
    }

    #[test]
    fn references_that_would_leave_the_repository_are_refused() {
        for bad in [
            "hf:../etc",
            "hf:a",
            "hf:a/b/c",
            "hf:a/b@",
            "hf:a/b@../x",
            "hf:a/b@x/../y",
            "hf:a b/c",
            "hfx",
            "http://x",
            "hf:a/b@x?y",
            "hf:/b",
            "hf:a/",
            "hf:a/..",
        ] {
            assert!(HubRef::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn addresses_encode_what_could_break_them() {
        let r = HubRef::parse("hf@refs/pr/1").unwrap();
        assert_eq!(
            info_url("https://huggingface.co/", &r),
            "https://huggingface.co/api/datasets/bethgelab/PAMELA/revision/refs%2Fpr%2F1"
        );
        let sha = "0123456789abcdef0123456789abcdef01234567";
        assert_eq!(
            tree_url("http://127.0.0.1:9/", "o/n", sha, "data dir"),
            format!("http://127.0.0.1:9/api/datasets/o/n/tree/{sha}/data%20dir")
        );
        assert_eq!(
            resolve_url("https://hub.example", "o/n", sha, "a/pamela_train#1.json"),
            format!("https://hub.example/datasets/o/n/resolve/{sha}/a/pamela_train%231.json")
        );
    }

    #[test]
    fn the_info_answer_gives_a_commit_or_says_why_not() {
        let sha = "0123456789ABCDEF0123456789abcdef01234567";
        assert_eq!(
            parse_info(format!(r#"{{"id":"x/y","sha":"{sha}","siblings":[]}}"#).as_bytes())
                .unwrap(),
            sha.to_ascii_lowercase()
        );
        assert!(parse_info(br#"{"sha":"main/../x"}"#)
            .unwrap_err()
            .contains("not a commit hash"));
        assert!(parse_info(br#"{"id":"x"}"#)
            .unwrap_err()
            .contains("no commit"));
        assert!(parse_info(b"<html>")
            .unwrap_err()
            .contains("not what it should be"));
    }

    #[test]
    fn a_listing_takes_the_split_files_and_lists_the_rest() {
        let tree = br#"[
            {"type":"file","path":"README.md","size":900},
            {"type":"directory","path":"images","size":0},
            {"type":"file","path":"pamela_val_seen.jsonl","size":10,"lfs":{"size":123456,"oid":"x"}},
            {"type":"file","path":"pamela_train.json","size":99},
            {"type":"file","path":".gitattributes","size":2}
        ]"#;
        let entries = parse_tree(tree).unwrap();
        let p = plan(&entries).unwrap();
        let names: Vec<_> = p.files.iter().map(|f| (f.name.as_str(), f.size)).collect();
        assert_eq!(
            names,
            [("pamela_train.json", 99), ("pamela_val_seen.jsonl", 123456)]
        );
        assert_eq!(p.ignored, ["README.md", ".gitattributes"]);
        assert!(
            p.look_into.is_empty(),
            "split files at the root: no folder needed"
        );
        assert_eq!(p.total(), 123555);
    }

    #[test]
    fn a_root_without_split_files_names_the_folders_to_look_into_but_never_the_images() {
        let entries = parse_tree(
            br#"[{"type":"directory","path":"images"},{"type":"directory","path":"annotations"},
                 {"type":"file","path":"README.md","size":1}]"#,
        )
        .unwrap();
        let p = plan(&entries).unwrap();
        assert!(p.files.is_empty());
        assert_eq!(p.look_into, ["annotations"]);
    }

    #[test]
    fn one_split_twice_is_refused_naming_both() {
        let entries = parse_tree(
            br#"[{"type":"file","path":"pamela_train.json","size":1},
                 {"type":"file","path":"pamela_train.jsonl","size":1}]"#,
        )
        .unwrap();
        let e = plan(&entries).unwrap_err();
        assert!(
            e.contains("pamela_train.json and pamela_train.jsonl"),
            "{e}"
        );
    }

    #[test]
    fn hostile_listings_are_refused_by_what_is_wrong() {
        for (tree, says) in [
            (
                r#"[{"type":"file","path":"../pamela_train.json","size":1}]"#,
                "leaves its folder",
            ),
            (
                r#"[{"type":"file","path":"a//pamela_train.json"}]"#,
                "leaves its folder",
            ),
            (
                r#"[{"type":"file","path":"a\u0000.json"}]"#,
                "control character",
            ),
            (r#"[{"type":"link","path":"x"}]"#, "neither file nor folder"),
            (
                r#"[{"type":"file","path":"x","size":-1}]"#,
                "not what it should be",
            ),
            (r#"{"error":"x"}"#, "not what it should be"),
        ] {
            let e = parse_tree(tree.as_bytes()).unwrap_err();
            assert!(e.contains(says), "{tree}: {e}");
        }
        let long = format!(
            r#"[{{"type":"file","path":"{}"}}]"#,
            "a".repeat(MAX_PATH + 1)
        );
        assert!(parse_tree(long.as_bytes()).unwrap_err().contains("bytes"));
        let many = format!(
            "[{}]",
            vec![r#"{"type":"file","path":"x"}"#; MAX_ENTRIES + 1].join(",")
        );
        assert!(parse_tree(many.as_bytes()).unwrap_err().contains("entries"));
    }

    #[test]
    fn refusals_say_what_to_do() {
        let r = HubRef::default();
        let gated = refusal(Step::Info, 401, "huggingface.co", &r, "the file list");
        assert!(
            gated.contains("gated") && gated.contains("drop them here"),
            "{gated}"
        );
        assert!(refusal(Step::Info, 404, "h", &r, "x").contains("check the name"));
        assert!(refusal(Step::File, 404, "h", &r, "x").contains("load again"));
        assert!(refusal(Step::Tree, 503, "h", &r, "x").contains("try again later"));
    }

    #[test]
    fn a_download_shorter_than_listed_is_named_truncated() {
        let e = check_size("pamela_train.json", 10, 1000).unwrap_err();
        assert!(e.contains("stopped at 10 bytes of the 1000"), "{e}");
        assert!(check_size("x", 5, 5).is_ok());
        assert!(
            check_size("x", 5, 0).is_ok(),
            "an unknown size is not checked"
        );
    }
}
