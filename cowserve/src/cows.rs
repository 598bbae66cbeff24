//! Where cows come from: the ones built into the binary, and `.cow` files
//! in the directories of `COWPATH`.
//!
//! Lookup of a name follows cowsay: each `COWPATH` directory in turn, first
//! `DIR/NAME` then `DIR/NAME.cow`; then (our addition) the built-in cows.
//! A name containing `/` is a path, but only on the command line: the web
//! asks through [`CowCatalog::resolve`], which takes names only.
//!
//! A random cow ([`CowCatalog::random`], `cowsay -r` from cowsay 3.8, `?cow=random` on the page)
//! is picked among the same names a lookup accepts, only from those that load: asking for any
//! cow never fails because one cow file is broken.
//!
//! Deliberate differences from cowsay 3.03: a `-f` path that does not exist
//! is an error (cowsay silently draws a balloon with no cow), when
//! `COWPATH` is unset its default directory is searched only if it exists,
//! and a name found only as something other than a regular file (a
//! directory, a FIFO) is reported as such rather than as not found.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use include_dir::{Dir, include_dir};
use rand::Rng;

use crate::cowfile::CowFile;
use crate::error::Error;

/// The cows compiled into the binary (`cows/*.cow`).
static BUILTIN: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/cows");

/// cowsay's directory when `COWPATH` is unset.
pub const DEFAULT_COWPATH: &str = "/usr/share/cowsay/cows";

/// The name that asks the page for a random cow (`?cow=random`, `--cow random`). It is
/// reserved there: a `COWPATH` cow file called `random.cow` can be picked but not named. The
/// command line says `-r` instead, and `-f random` looks for a cow called random, as cowsay does.
pub const RANDOM: &str = "random";

/// Largest cow file we read: Debian's biggest is under 4 KiB.
const MAX_COW_FILE_BYTES: u64 = 256 * 1024;

/// The cow directories to search, plus the built-in cows.
#[derive(Debug, Clone, Default)]
pub struct CowCatalog {
    dirs: Vec<PathBuf>,
}

/// One section of `cowsay -l`: where, and the cow names found there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    /// The heading line, e.g. `Cow files in /usr/share/cowsay/cows:`.
    pub title: String,
    /// The cow names (file names without `.cow`), sorted bytewise.
    pub names: Vec<String>,
}

impl CowCatalog {
    /// Only the built-in cows.
    pub fn builtin() -> Self {
        Self::default()
    }

    /// The catalog for a `COWPATH` value (a colon list), or cowsay's
    /// default directory (if present) when there is none.
    pub fn from_cowpath(cowpath: Option<&OsStr>) -> Self {
        let dirs = match cowpath {
            Some(list) if !list.is_empty() => std::env::split_paths(list).collect(),
            _ if Path::new(DEFAULT_COWPATH).is_dir() => vec![PathBuf::from(DEFAULT_COWPATH)],
            _ => Vec::new(),
        };
        Self { dirs }
    }

    /// Finds a cow by name, for callers that take names from outside (the
    /// web): anything that could walk the file system is refused.
    pub fn resolve(&self, name: &str) -> Result<CowFile, Error> {
        if name.is_empty() || name.contains(['/', '\\', '\0']) || name.starts_with('.') {
            return Err(Error::BadCowName(name.to_owned()));
        }
        self.find(name, "cowsay")
    }

    /// Finds a cow as `cowsay -f` does: a name with `/` is a path.
    pub fn load(&self, spec: &str, program: &str) -> Result<CowFile, Error> {
        if spec.contains('/') {
            return read_cow(Path::new(spec));
        }
        self.find(spec, program)
    }

    fn find(&self, name: &str, program: &str) -> Result<CowFile, Error> {
        // Skipped as cowsay's `-f` test skips it, but worth naming if nothing else is found.
        let mut not_a_file = None;
        for dir in &self.dirs {
            for candidate in [dir.join(name), dir.join(format!("{name}.cow"))] {
                // Only regular files are cows (`read_cow` checks again on the opened file, so
                // one swapped in after this check cannot block either).
                if candidate.is_file() {
                    return read_cow(&candidate);
                }
                if not_a_file.is_none() && candidate.exists() {
                    not_a_file = Some(candidate);
                }
            }
        }
        let file = BUILTIN
            .get_file(name)
            .or_else(|| BUILTIN.get_file(format!("{name}.cow")))
            .filter(|f| f.path().extension().is_some_and(|e| e == "cow"));
        match (file, not_a_file) {
            (Some(file), _) => parse(&String::from_utf8_lossy(file.contents()), name),
            (None, Some(path)) => Err(not_a_regular_file(&path)),
            (None, None) => Err(Error::UnknownCow {
                program: program.to_owned(),
                name: name.to_owned(),
            }),
        }
    }

    /// A cow picked at random among [`names`](Self::names), as `cowsay -r` picks, with its name.
    /// Names that do not load (a broken file, a directory called `x.cow`) are passed over; the
    /// error is that of the first one tried only if none loads.
    pub fn random<R: Rng + ?Sized>(
        &self,
        rng: &mut R,
        program: &str,
    ) -> Result<(String, CowFile), Error> {
        let names = self.names();
        let names = names.iter().map(String::as_str).collect();
        match pick_loadable(rng, names, |name| self.find(name, program)) {
            Some(Ok((name, cow))) => Ok((name.to_owned(), cow)),
            Some(Err(err)) => Err(err),
            // Not reached: the built-in cows are always there.
            None => Err(Error::UnknownCow {
                program: program.to_owned(),
                name: RANDOM.to_owned(),
            }),
        }
    }

    /// The names of the built-in cows, sorted.
    pub fn builtin_names() -> Vec<String> {
        let mut names: Vec<String> = BUILTIN
            .files()
            .filter_map(|f| f.path().to_str()?.strip_suffix(".cow").map(str::to_owned))
            .collect();
        names.sort();
        names
    }

    /// Every name [`resolve`](Self::resolve) accepts, sorted, without repeats.
    pub fn names(&self) -> Vec<String> {
        let mut names = Self::builtin_names();
        for dir in &self.dirs {
            names.extend(dir_names(dir).unwrap_or_default());
        }
        names.sort();
        names.dedup();
        names
    }

    /// What `cowsay -l` shows: each `COWPATH` directory as cowsay lists it,
    /// then the built-in cows. An unreadable directory is an error.
    pub fn listings(&self) -> Result<Vec<Listing>, Error> {
        let mut out = Vec::new();
        for dir in &self.dirs {
            let names = dir_names(dir).map_err(|e| Error::io(dir, e))?;
            out.push(Listing {
                title: format!("Cow files in {}:", dir.display()),
                names,
            });
        }
        out.push(Listing {
            title: "Cow files built into cowserve:".to_owned(),
            names: Self::builtin_names(),
        });
        Ok(out)
    }
}

/// Picks one of `names` that `load` accepts, each with the same chance: a name that fails is
/// dropped and the pick made again among the rest, so one broken cow file neither turns "any
/// cow" into an error nor makes its neighbours likelier. Each name is tried at most once. `None`
/// if `names` is empty; the first error if none loads.
pub fn pick_loadable<'n, T, E, R: Rng + ?Sized>(
    rng: &mut R,
    mut names: Vec<&'n str>,
    mut load: impl FnMut(&'n str) -> Result<T, E>,
) -> Option<Result<(&'n str, T), E>> {
    let mut first_error = None;
    while !names.is_empty() {
        let name = names.swap_remove(rng.random_range(0..names.len()));
        match load(name) {
            Ok(cow) => return Some(Ok((name, cow))),
            Err(err) => {
                first_error.get_or_insert(err);
            }
        }
    }
    first_error.map(Err)
}

/// The `.cow` names in a directory, sorted bytewise as Perl's `sort` does.
fn dir_names(dir: &Path) -> std::io::Result<Vec<String>> {
    let mut names: Vec<String> = std::fs::read_dir(dir)?
        .flatten()
        .filter_map(|e| {
            e.file_name()
                .to_str()?
                .strip_suffix(".cow")
                .map(str::to_owned)
        })
        .collect();
    names.sort();
    Ok(names)
}

/// Reads and parses one cow file, refusing anything but a regular file and absurdly large ones.
fn read_cow(path: &Path) -> Result<CowFile, Error> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    // O_NONBLOCK: opening a FIFO would otherwise wait for a writer, forever on a server; it
    // changes nothing for a regular file, and anything else is refused below.
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| Error::io(path, e))?;
    let meta = file.metadata().map_err(|e| Error::io(path, e))?;
    if !meta.is_file() {
        return Err(not_a_regular_file(path));
    }
    let mut bytes = Vec::new();
    file.take(MAX_COW_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(path, e))?;
    if bytes.len() as u64 > MAX_COW_FILE_BYTES {
        let too_big = std::io::Error::other(format!("larger than {MAX_COW_FILE_BYTES} bytes"));
        return Err(Error::io(path, too_big));
    }
    parse(
        &String::from_utf8_lossy(&bytes),
        &path.display().to_string(),
    )
}

/// A directory, FIFO, socket or device where a cow file was looked for.
fn not_a_regular_file(path: &Path) -> Error {
    Error::io(path, std::io::Error::other("not a regular file"))
}

fn parse(text: &str, path: &str) -> Result<CowFile, Error> {
    CowFile::parse(text).map_err(|source| Error::CowFile {
        path: path.to_owned(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_cows_all_parse() {
        let names = CowCatalog::builtin_names();
        assert!(names.len() >= 4, "{names:?}");
        for name in &names {
            let cow = CowCatalog::builtin().resolve(name).unwrap();
            assert!(
                cow.render("oo", "  ", "\\").contains("oo"),
                "{name} has no eyes"
            );
        }
    }

    #[test]
    fn names_with_paths_are_refused_for_the_web() {
        let catalog = CowCatalog::builtin();
        for bad in ["../etc/passwd", "/etc/passwd", "", ".hidden", "a\\b"] {
            assert!(
                matches!(catalog.resolve(bad), Err(Error::BadCowName(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn unknown_cow_message_matches_cowsay() {
        let err = CowCatalog::builtin().load("nosuch", "cowsay").unwrap_err();
        assert_eq!(err.to_string(), "cowsay: Could not find nosuch cowfile!");
    }

    /// A directory or FIFO named like a cow is skipped, as cowsay skips it, and named when it is
    /// all there is; it is never opened (a FIFO would block).
    #[test]
    fn non_files_in_cowpath_are_skipped_then_named() {
        let tree = testkit::Tree::new("cows-odd");
        tree.dir("odd.cow").dir("default.cow");
        let dir = tree.path();
        let catalog = CowCatalog::from_cowpath(Some(dir.as_os_str()));
        let err = catalog.load("odd", "cowsay").unwrap_err();
        let odd = dir.join("odd.cow");
        assert_eq!(
            err.to_string(),
            format!("{}: not a regular file", odd.display())
        );
        assert!(
            catalog.load("default", "cowsay").is_ok(),
            "the built-in one"
        );
    }

    /// A FIFO reached without the directory check (a path, or one swapped in after it) is
    /// refused at once: it is opened without waiting for a writer, then found not to be a file.
    #[test]
    fn a_fifo_cow_is_refused_without_blocking() {
        let tree = testkit::Tree::new("cows-fifo");
        let fifo = tree.fifo("pipe.cow").at("pipe.cow");
        let err = read_cow(&fifo).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("{}: not a regular file", fifo.display())
        );
    }

    /// Every pick is a catalog cow that draws (never the broken one, never an error), the
    /// `COWPATH` cow among them, and 200 picks see every cow that draws.
    #[test]
    fn random_picks_only_cows_that_load_from_the_whole_catalog() {
        use rand::SeedableRng;
        let tree = testkit::Tree::new("cows-random");
        tree.file("mine.cow", "$the_cow = <<EOC;\nmine $eyes\nEOC\n")
            .file("broken.cow", "$the_cow = <<EOC;\nno end\n")
            .dir("dir.cow");
        let catalog = CowCatalog::from_cowpath(Some(tree.path().as_os_str()));
        let mut rng = rand::rngs::SmallRng::seed_from_u64(16);
        let mut seen = std::collections::BTreeMap::new();
        for _ in 0..200 {
            let (name, cow) = catalog.random(&mut rng, "cowsay").unwrap();
            assert_eq!(cow, catalog.load(&name, "cowsay").unwrap(), "{name}");
            *seen.entry(name).or_insert(0) += 1;
        }
        let mut expected = CowCatalog::builtin_names();
        expected.push("mine".into());
        expected.sort();
        assert_eq!(
            seen.keys().cloned().collect::<Vec<_>>(),
            expected,
            "{seen:?}"
        );
        assert!(seen.values().all(|&n| n > 10), "about 40 each: {seen:?}");
    }

    #[test]
    fn pick_loadable_tries_each_name_once_and_keeps_the_first_error() {
        use rand::SeedableRng;
        let mut rng = rand::rngs::SmallRng::seed_from_u64(1);
        let mut tried = Vec::new();
        let none: Option<Result<(&str, ()), String>> =
            pick_loadable(&mut rng, vec!["a", "b", "c"], |name| {
                tried.push(name);
                Err(format!("{name} is broken"))
            });
        let Some(Err(first)) = none else {
            panic!("no name loads: an error");
        };
        assert_eq!(first, format!("{} is broken", tried[0]));
        tried.sort();
        assert_eq!(tried, ["a", "b", "c"]);
        let empty = pick_loadable(&mut rng, vec![], |_| Ok::<(), ()>(()));
        assert!(empty.is_none());
    }

    #[test]
    fn cowpath_dirs_come_first_and_accept_full_names() {
        let tree = testkit::Tree::new("cows");
        tree.file("default.cow", "$the_cow = <<EOC;\nmine $eyes\nEOC\n");
        let dir = tree.path();
        let catalog = CowCatalog::from_cowpath(Some(dir.as_os_str()));
        assert_eq!(
            catalog.resolve("default").unwrap().render("oo", "", ""),
            "mine oo\n"
        );
        assert_eq!(
            catalog.resolve("default.cow").unwrap().render("xx", "", ""),
            "mine xx\n"
        );
        assert!(catalog.resolve("ferris").is_ok());
        let listings = catalog.listings().unwrap();
        assert_eq!(listings[0].names, vec!["default"]);
    }
}
