//! Reading fortune files from the binary and from disk, and indexing them.

use std::io::Read;
use std::path::{Path, PathBuf};

use include_dir::{Dir, include_dir};

use super::{FortuneFile, Source};
use crate::error::Error;
use crate::strfile::{DEFAULT_DELIMITER, Index, IndexError, rot13};

/// Our own fortunes (`fortunes/*`), compiled in; indexed at start-up.
static BUILTIN: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/fortunes");

/// The name the built-in set goes by in `fortune -f`.
pub const BUILTIN_NAME: &str = "built-in";

/// Largest fortune text or index we read. Debian's biggest fortune file is
/// under 1 MiB; this bounds memory for a file someone points us at.
pub const MAX_FILE_BYTES: u64 = 32 * 1024 * 1024;

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
pub fn source(path: &Path) -> Result<Source, Error> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    let name = path.display().to_string();
    if meta.is_file() {
        let file = read_file(path, name.clone())?;
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
            read_file(p, short)
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
fn read_file(path: &Path, name: String) -> Result<FortuneFile, Error> {
    let text = read_capped(path)?;
    let dat = dat_path(path);
    let index_path = if dat.is_file() {
        dat.clone()
    } else {
        path.into()
    };
    let index = if dat.is_file() {
        let bytes = read_capped(&dat)?;
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
    fortune_file(name, &text, &index).map_err(|source| Error::Fortune {
        path: index_path,
        source,
    })
}

/// Reads at most [`MAX_FILE_BYTES`], refusing anything longer.
fn read_capped(path: &Path) -> Result<Vec<u8>, Error> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(path, e))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        let too_big = std::io::Error::other(format!("larger than {MAX_FILE_BYTES} bytes"));
        return Err(Error::io(path, too_big));
    }
    Ok(bytes)
}

/// Decodes each indexed entry (invalid UTF-8 becomes U+FFFD, rot13 undone).
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
