//! Reading fortune files from the binary and from disk, and indexing them.

use std::io::Read;
use std::path::{Path, PathBuf};

use include_dir::{Dir, include_dir};

use super::{FortuneFile, Source};
use crate::error::Error;
use crate::strfile::{DEFAULT_DELIMITER, HEADER_LEN, Index, IndexError, rot13};

/// Our own fortunes (`fortunes/*`), compiled in; indexed at start-up.
static BUILTIN: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/fortunes");

/// The name the built-in set goes by in `fortune -f`.
pub const BUILTIN_NAME: &str = "built-in";

/// Most fortune text loaded, all files together. Debian's whole `fortunes` package is 2.8 MB in
/// 43 files; this is 11 times that. With [`MAX_FORTUNES`] it bounds the memory any set of files
/// can take at start-up: each file is read, then decoded into a copy, and each fortune costs
/// about 60 bytes of bookkeeping while it is indexed.
pub const MAX_TEXT_BYTES: u64 = 32 * 1024 * 1024;

/// Most fortunes loaded, all files together: Debian's whole set has 15,217. Without it, 32 MiB of
/// two-byte fortunes (8 million) took 400 MB to index.
pub const MAX_FORTUNES: u64 = 1024 * 1024;

/// The largest `.dat` read: a header and the offsets of [`MAX_FORTUNES`] fortunes and the end.
const MAX_INDEX_BYTES: u64 = HEADER_LEN as u64 + 4 * (MAX_FORTUNES + 1);

/// What is left of [`MAX_TEXT_BYTES`] and [`MAX_FORTUNES`] while the files of one load are read.
pub struct Budget {
    text_bytes: u64,
    fortunes: u64,
}

impl Default for Budget {
    fn default() -> Self {
        Self {
            text_bytes: MAX_TEXT_BYTES,
            fortunes: MAX_FORTUNES,
        }
    }
}

/// The built-in fortunes as one directory.
pub fn builtin() -> Result<Source, Error> {
    let mut files: Vec<FortuneFile> = Vec::new();
    for file in BUILTIN.files() {
        let name = file.path().display().to_string();
        let index =
            Index::build(file.contents(), DEFAULT_DELIMITER).map_err(|source| Error::Fortune {
                path: file.path().into(),
                source,
            })?;
        let decoded =
            fortune_file(name, file.contents(), &index).map_err(|source| Error::Fortune {
                path: file.path().into(),
                source,
            })?;
        files.push(decoded);
    }
    files.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Source {
        name: BUILTIN_NAME.to_owned(),
        files,
        is_dir: true,
    })
}

/// A file or directory named on the command line.
pub fn source(path: &Path, budget: &mut Budget) -> Result<Source, Error> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    let name = path.display().to_string();
    if meta.is_file() {
        let file = read_file(path, name.clone(), budget)?;
        return Ok(Source {
            name,
            files: vec![file],
            is_dir: false,
        });
    }
    if !meta.is_dir() {
        return Err(Error::NotFortunes(path.to_owned()));
    }
    let mut texts: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(|e| Error::io(path, e))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.extension().is_none_or(|e| e != "dat") && dat_path(p).is_file() && p.is_file()
        })
        .collect();
    texts.sort();
    let files = texts
        .iter()
        .map(|p| {
            let short = p
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
            read_file(p, short, budget)
        })
        .collect::<Result<Vec<_>, _>>()?;
    if files.is_empty() {
        return Err(Error::NotFortunes(path.to_owned()));
    }
    Ok(Source {
        name,
        files,
        is_dir: true,
    })
}

/// `FILE.dat`, the index strfile writes next to `FILE`.
fn dat_path(text: &Path) -> PathBuf {
    let mut dat = text.as_os_str().to_owned();
    dat.push(".dat");
    PathBuf::from(dat)
}

/// Reads a fortune text and its index (or indexes it, if there is none).
fn read_file(path: &Path, name: String, budget: &mut Budget) -> Result<FortuneFile, Error> {
    let text = read_capped(path, budget.text_bytes, || {
        format!("would take the fortune text past {MAX_TEXT_BYTES} bytes, the most loaded in all")
    })?;
    budget.text_bytes -= text.len() as u64;
    check_utf8(path, &text)?;
    let dat = dat_path(path);
    let index_path = if dat.is_file() {
        dat.clone()
    } else {
        path.into()
    };
    let index = if dat.is_file() {
        let bytes = read_capped(&dat, MAX_INDEX_BYTES, || {
            format!(
                "larger than {MAX_INDEX_BYTES} bytes, the index of more than {MAX_FORTUNES} fortunes"
            )
        })?;
        Index::read(&bytes, text.len()).map_err(|source| Error::Fortune {
            path: dat.clone(),
            source,
        })?
    } else {
        Index::build(&text, DEFAULT_DELIMITER).map_err(|source| Error::Fortune {
            path: path.into(),
            source,
        })?
    };
    let count = u64::from(index.header.numstr);
    if count > budget.fortunes {
        let message =
            format!("would take the fortunes past {MAX_FORTUNES}, the most loaded in all");
        return Err(Error::io(index_path, std::io::Error::other(message)));
    }
    budget.fortunes -= count;
    fortune_file(name, &text, &index).map_err(|source| Error::Fortune {
        path: index_path,
        source,
    })
}

/// Reads a file of at most `cap` bytes, refusing a longer one (by its size before reading it,
/// and by what was read, in case it grew meanwhile) with the reason `why` gives.
fn read_capped(path: &Path, cap: u64, why: impl Fn() -> String) -> Result<Vec<u8>, Error> {
    let too_big = || Error::io(path, std::io::Error::other(why()));
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    if file.metadata().map_err(|e| Error::io(path, e))?.len() > cap {
        return Err(too_big());
    }
    let mut bytes = Vec::new();
    file.take(cap + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(path, e))?;
    if bytes.len() as u64 > cap {
        return Err(too_big());
    }
    Ok(bytes)
}

/// Fortune texts must be UTF-8: an 8-bit file (Latin-1, say) would show as replacement
/// characters on every page, so it is refused with the line to look at. Debian's are all UTF-8.
fn check_utf8(path: &Path, text: &[u8]) -> Result<(), Error> {
    match std::str::from_utf8(text) {
        Ok(_) => Ok(()),
        Err(e) => Err(Error::NotUtf8 {
            path: path.to_owned(),
            line: 1 + text[..e.valid_up_to()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count(),
        }),
    }
}

/// Decodes each indexed entry (rot13 undone). The text is UTF-8, but a corrupt index may cut a
/// character in two: that piece becomes U+FFFD.
fn fortune_file(name: String, raw: &[u8], index: &Index) -> Result<FortuneFile, IndexError> {
    let mut text = String::new();
    let mut entries = Vec::new();
    for range in index.entries(raw)? {
        let len = range.len();
        let mut entry = String::from_utf8_lossy(&raw[range]).into_owned();
        if index.rotated() {
            entry = rot13(&entry);
        }
        let start = text.len();
        text.push_str(&entry);
        entries.push((start..text.len(), len));
    }
    Ok(FortuneFile {
        name,
        text,
        entries,
    })
}
