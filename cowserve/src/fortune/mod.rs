//! fortune: a random entry from a set of strfile-format fortune files.
//!
//! A [`FortuneSet`] is loaded once (indexing done then) and picked from many
//! times. Like fortune-mod, every fortune is equally likely by default (a
//! file's chance follows its number of entries); with
//! [`Filter::equal_files`] (`-e`) each source named on the command line is
//! equally likely, and within a directory each file.
//!
//! Deliberate differences from fortune-mod 1.99.1: the files of a directory
//! are taken in name order (fortune-mod uses directory order); asking for
//! short or long fortunes when there are none is an error (fortune-mod
//! loops forever); under `-e` with `-s`/`-l`, sources without a fitting
//! entry are skipped rather than retried, so the rest stay equally likely.

mod load;

use std::ops::Range;

use rand::Rng;

use crate::error::Error;

pub use load::{MAX_FORTUNES, MAX_TEXT_BYTES};

/// fortune-mod's default boundary between short and long, in bytes.
pub const DEFAULT_SHORT_MAX: usize = 160;

/// Which lengths of fortune to consider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Length {
    /// Neither `-s` nor `-l`: any length.
    #[default]
    Any,
    /// `-s`: at most `short_max` bytes.
    Short,
    /// `-l`: more than `short_max` bytes.
    Long,
}

/// What to choose among.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Filter {
    /// `-s` or `-l`: which lengths to pick from.
    pub length: Length,
    /// `-n`: the longest a short fortune may be, in bytes.
    pub short_max: usize,
    /// `-e`: every source (and every file of a directory) equally likely.
    pub equal_files: bool,
}

impl Default for Filter {
    fn default() -> Self {
        Self {
            length: Length::Any,
            short_max: DEFAULT_SHORT_MAX,
            equal_files: false,
        }
    }
}

impl Filter {
    fn accepts(&self, len: usize) -> bool {
        match self.length {
            Length::Any => true,
            Length::Short => len <= self.short_max,
            Length::Long => len > self.short_max,
        }
    }
}

/// One indexed fortune file.
#[derive(Debug, Clone)]
pub struct FortuneFile {
    /// How fortune names it: the path given, or the file name in a directory.
    pub name: String,
    /// Every entry, decoded (rot13 undone), one after another.
    text: String,
    /// Each entry: its range in `text` and its length in the file, which
    /// is what `-s`/`-l` compare.
    entries: Vec<(Range<usize>, usize)>,
}

impl FortuneFile {
    /// The number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when the file has no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// See [`FortuneSet::keep_at_most`].
    fn keep_at_most(&mut self, max_bytes: usize) -> usize {
        let before = self.entries.len();
        if self
            .entries
            .iter()
            .all(|(range, _)| range.len() <= max_bytes)
        {
            return 0;
        }
        let mut text = String::new();
        let mut entries = Vec::new();
        for (range, len) in &self.entries {
            if range.len() <= max_bytes {
                let start = text.len();
                text.push_str(&self.text[range.clone()]);
                entries.push((start..text.len(), *len));
            }
        }
        self.text = text;
        self.entries = entries;
        before - self.entries.len()
    }

    fn entry(&self, i: usize) -> &str {
        self.entries
            .get(i)
            .map_or("", |(range, _)| &self.text[range.clone()])
    }

    fn eligible<'a>(&'a self, filter: &'a Filter) -> impl Iterator<Item = usize> + 'a {
        self.entries
            .iter()
            .enumerate()
            .filter(|(_, (_, len))| filter.accepts(*len))
            .map(|(i, _)| i)
    }
}

/// A file or directory named on the command line, with its files.
#[derive(Debug, Clone)]
pub struct Source {
    /// The path as given (`built-in` for the built-in set).
    pub name: String,
    /// Its fortune files: the file itself, or a directory's files in name order.
    pub files: Vec<FortuneFile>,
    /// Directories list their files under them in `fortune -f`.
    pub is_dir: bool,
}

/// One line of `fortune -f`.
#[derive(Debug, Clone, PartialEq)]
pub struct Share {
    /// 0 for a source, 1 for a file in a directory.
    pub depth: usize,
    /// The chance that a fortune comes from it, in percent.
    pub percent: f64,
    /// The source's name, or the file's name within its directory.
    pub name: String,
}

/// A chosen fortune and the file it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fortune<'a> {
    /// The name of the file it came from ([`FortuneFile::name`]).
    pub file: &'a str,
    /// The fortune, rot13 undone, with its newlines but not the delimiter line.
    pub text: &'a str,
}

/// Fortunes from one or more sources, indexed once.
#[derive(Debug, Clone)]
pub struct FortuneSet {
    sources: Vec<Source>,
}

impl FortuneSet {
    /// The fortunes built into the binary, as one directory `built-in`.
    pub fn builtin() -> Result<Self, Error> {
        Ok(Self {
            sources: vec![load::builtin()?],
        })
    }

    /// Loads files and directories (of files with `.dat` indexes), at most
    /// [`MAX_TEXT_BYTES`] of text and [`MAX_FORTUNES`] fortunes in all; with no paths, the
    /// built-in set.
    pub fn load(paths: &[std::path::PathBuf]) -> Result<Self, Error> {
        if paths.is_empty() {
            return Self::builtin();
        }
        let mut budget = load::Budget::default();
        let sources = paths
            .iter()
            .map(|p| load::source(p, &mut budget))
            .collect::<Result<_, _>>()?;
        Ok(Self { sources })
    }

    /// Drops every fortune longer than `max_bytes`, for a caller that must bound what one pick
    /// can cost (the web page); returns how many were dropped. Their text is freed.
    pub fn keep_at_most(&mut self, max_bytes: usize) -> usize {
        self.sources
            .iter_mut()
            .flat_map(|s| &mut s.files)
            .map(|f| f.keep_at_most(max_bytes))
            .sum()
    }

    /// The sources in order.
    pub fn sources(&self) -> &[Source] {
        &self.sources
    }

    /// Picks a fortune's text.
    pub fn pick<R: Rng + ?Sized>(&self, rng: &mut R, filter: &Filter) -> Result<&str, Error> {
        self.pick_entry(rng, filter).map(|f| f.text)
    }

    /// Picks a fortune and tells which file it came from (for `-c`).
    pub fn pick_entry<R: Rng + ?Sized>(
        &self,
        rng: &mut R,
        filter: &Filter,
    ) -> Result<Fortune<'_>, Error> {
        if filter.length == Length::Any && !filter.equal_files {
            return self.pick_any(rng);
        }
        let files: Vec<&FortuneFile> = if filter.equal_files {
            let sources: Vec<&Source> = self
                .sources
                .iter()
                .filter(|s| s.files.iter().any(|f| f.eligible(filter).next().is_some()))
                .collect();
            let source = choose(rng, &sources).ok_or(Error::NoFortunes)?;
            let files: Vec<&FortuneFile> = source
                .files
                .iter()
                .filter(|f| f.eligible(filter).next().is_some())
                .collect();
            vec![*choose(rng, &files).ok_or(Error::NoFortunes)?]
        } else {
            self.sources.iter().flat_map(|s| &s.files).collect()
        };
        let total: usize = files.iter().map(|f| f.eligible(filter).count()).sum();
        if total == 0 {
            return Err(Error::NoFortunes);
        }
        let mut k = rng.random_range(0..total);
        for file in files {
            for i in file.eligible(filter) {
                if k == 0 {
                    return Ok(Fortune {
                        file: &file.name,
                        text: file.entry(i),
                    });
                }
                k -= 1;
            }
        }
        Err(Error::NoFortunes)
    }

    /// Every fortune equally likely, in time proportional to the number of files rather than of
    /// fortunes: the web server picks one per request.
    fn pick_any<R: Rng + ?Sized>(&self, rng: &mut R) -> Result<Fortune<'_>, Error> {
        let files = || self.sources.iter().flat_map(|s| &s.files);
        let total: usize = files().map(FortuneFile::len).sum();
        if total == 0 {
            return Err(Error::NoFortunes);
        }
        let mut k = rng.random_range(0..total);
        for file in files() {
            if k < file.len() {
                return Ok(Fortune {
                    file: &file.name,
                    text: file.entry(k),
                });
            }
            k -= file.len();
        }
        Err(Error::NoFortunes)
    }

    /// The chance of each source and file, as `fortune -f` lists them.
    /// Counts are whole files; `-s`/`-l` do not change them.
    pub fn shares(&self, equal_files: bool) -> Vec<Share> {
        let total: usize = self
            .sources
            .iter()
            .flat_map(|s| &s.files)
            .map(FortuneFile::len)
            .sum();
        let of_total = |n: usize| {
            if total == 0 {
                0.0
            } else {
                100.0 * n as f64 / total as f64
            }
        };
        let mut out = Vec::new();
        for source in &self.sources {
            let count = source.files.iter().map(FortuneFile::len).sum();
            let percent = if equal_files {
                100.0 / self.sources.len() as f64
            } else {
                of_total(count)
            };
            out.push(Share {
                depth: 0,
                percent,
                name: source.name.clone(),
            });
            if !source.is_dir {
                continue;
            }
            for file in &source.files {
                let percent = if equal_files {
                    100.0 / source.files.len() as f64
                } else {
                    of_total(file.len())
                };
                out.push(Share {
                    depth: 1,
                    percent,
                    name: file.name.clone(),
                });
            }
        }
        out
    }

    /// Every fortune that passes the filter and `matches`, grouped by file
    /// (for `-m`); files without a match are left out.
    pub fn matching(
        &self,
        filter: &Filter,
        matches: impl Fn(&str) -> bool,
    ) -> Vec<(&str, Vec<&str>)> {
        let mut out = Vec::new();
        for file in self.sources.iter().flat_map(|s| &s.files) {
            let found: Vec<&str> = file
                .eligible(filter)
                .map(|i| file.entry(i))
                .filter(|t| matches(t))
                .collect();
            if !found.is_empty() {
                out.push((file.name.as_str(), found));
            }
        }
        out
    }
}

fn choose<'a, T, R: Rng + ?Sized>(rng: &mut R, items: &'a [T]) -> Option<&'a T> {
    if items.is_empty() {
        return None;
    }
    items.get(rng.random_range(0..items.len()))
}

#[cfg(test)]
mod tests;
