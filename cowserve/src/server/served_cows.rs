//! The cows the page may show: their names are read at start-up, each cow file on its first use
//! (parsing Debian's 47 cows at start-up doubled the time to the first response). The name
//! `random` picks one of them per request, among those that draw.
//!
//! An error never lists the cows: with 10,000 of them the list was a 180 KB status line that
//! curl, python and nginx refused (issue 23). It points to `/cows`, naming one close match at
//! most.

use crate::cowfile::CowFile;
use crate::cows::{self, CowCatalog, RANDOM};
use hyper::StatusCode;
use rand::Rng;
use servekit::HttpError;
use servekit::error::quoted;
use std::collections::BTreeMap;
use std::fmt;
use std::ops::Bound::{Excluded, Included, Unbounded};
use std::sync::OnceLock;

/// The catalog's cows by name, each parsed on first use; a name never reaches the file system
/// unless it is one of these.
pub struct ServedCows {
    catalog: CowCatalog,
    /// Each cow parsed once, or why it cannot be (kept, so a broken file is read once).
    parsed: BTreeMap<String, OnceLock<Result<CowFile, String>>>,
}

/// Why a cow cannot be drawn, and whose fault that is.
#[derive(Debug)]
pub enum CowError {
    /// No cow by that name: the visitor asked for something that is not there (400). With the
    /// catalog's name nearest to it, if one is close.
    Unknown {
        name: String,
        nearest: Option<String>,
    },
    /// A cow of the catalog whose file is broken, too big, or no longer a file: nothing the
    /// visitor can change, the server's fault (500). The visitor is told the cow's name; why,
    /// with the file's path, goes to the log.
    Broken { name: String, why: String },
}

/// Names on each side of an unknown one, in sort order, that a close match is looked for among:
/// a slip late in a name finds its cow in any catalog, a small one (Debian's 47 cows) is
/// searched whole, and 10,000 cows cost a visit no more than 64.
const NEAR_IN_ORDER: usize = 32;

impl CowError {
    /// The answer to a page that asked for this cow: a fixed reason phrase, and the cow's name
    /// (its start, if long) in the page's explanation.
    pub fn into_http(self) -> HttpError {
        match self {
            CowError::Unknown { name, nearest } => {
                let hint = match nearest {
                    Some(nearest) => format!(" (did you mean {}?)", quoted(&nearest)),
                    None => String::new(),
                };
                HttpError::new(StatusCode::BAD_REQUEST, "Unknown cow").with_explanation(format!(
                    "no cow called {}{hint}; /cows lists the cows, and cow={RANDOM} picks one",
                    quoted(&name)
                ))
            }
            CowError::Broken { name, why } => {
                HttpError::new(StatusCode::INTERNAL_SERVER_ERROR, "Cow cannot be drawn")
                    .with_explanation(format!("the file of cow {} is broken", quoted(&name)))
                    .with_detail(why)
            }
        }
    }
}

impl fmt::Display for CowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CowError::Unknown { name, nearest } => {
                write!(f, "no cow called {name:?}")?;
                if let Some(nearest) = nearest {
                    write!(f, " (did you mean {nearest:?}?)")?;
                }
                f.write_str("; `cowserve cowsay -l` lists the cows")
            }
            CowError::Broken { name, why } => write!(f, "cow {name:?} cannot be drawn: {why}"),
        }
    }
}

impl ServedCows {
    pub fn new(catalog: CowCatalog) -> ServedCows {
        let parsed = catalog
            .names()
            .into_iter()
            .map(|name| (name, OnceLock::new()))
            .collect();
        ServedCows { catalog, parsed }
    }

    /// The cow called `name`; for an unknown name, the nearest there is, if one is close.
    pub fn get(&self, name: &str) -> Result<&CowFile, CowError> {
        let Some(slot) = self.parsed.get(name) else {
            return Err(CowError::Unknown {
                name: name.to_owned(),
                nearest: self.nearest(name).map(str::to_owned),
            });
        };
        slot.get_or_init(|| self.catalog.resolve(name).map_err(|e| e.to_string()))
            .as_ref()
            .map_err(|why| CowError::Broken {
                name: name.to_owned(),
                why: why.clone(),
            })
    }

    /// The cow `name` names, or for [`RANDOM`] one picked with `rng`; with the name of the cow.
    pub fn choose<'a, R: Rng + ?Sized>(
        &'a self,
        name: &'a str,
        rng: &mut R,
    ) -> Result<(&'a str, &'a CowFile), CowError> {
        if name == RANDOM {
            self.random(rng)
        } else {
            self.get(name).map(|cow| (name, cow))
        }
    }

    /// A cow picked at random, with its name. A broken cow file is passed over (and, parsed
    /// once, costs nothing the next time), so a visitor who asks for any cow gets one; only if
    /// no cow draws is the answer the first broken one's error.
    pub fn random<R: Rng + ?Sized>(&self, rng: &mut R) -> Result<(&str, &CowFile), CowError> {
        cows::pick_loadable(rng, self.names().collect(), |name| self.get(name)).unwrap_or_else(
            // Not reached: the built-in cows are always there.
            || {
                Err(CowError::Unknown {
                    name: RANDOM.into(),
                    nearest: None,
                })
            },
        )
    }

    /// The name `name` most likely meant (see `servekit::suggest`), among the [`NEAR_IN_ORDER`]
    /// on each side of it: those after first, which it begins.
    fn nearest(&self, name: &str) -> Option<&str> {
        let (from, to) = ((Included(name), Unbounded), (Unbounded, Excluded(name)));
        let after = self.parsed.range::<str, _>(from).take(NEAR_IN_ORDER);
        let before = self.parsed.range::<str, _>(to).rev().take(NEAR_IN_ORDER);
        let near: Vec<&str> = after.chain(before).map(|(n, _)| n.as_str()).collect();
        servekit::suggest::nearest(name, near.into_iter())
    }

    /// The names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.parsed.keys().map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_names_are_the_visitors_fault_broken_files_the_servers() {
        let tree = testkit::Tree::new("server-cows");
        let dir = tree.dir("dir.cow").path();
        std::fs::write(dir.join("broken.cow"), "$the_cow = <<EOC;\nno end\n").unwrap();
        let cows = ServedCows::new(CowCatalog::from_cowpath(Some(dir.as_os_str())));
        let status = |name: &str| cows.get(name).map(|_| ()).map_err(|e| e.into_http().status);
        assert_eq!(status("default"), Ok(()));
        assert_eq!(status("nosuch"), Err(StatusCode::BAD_REQUEST));
        assert_eq!(status("broken"), Err(StatusCode::INTERNAL_SERVER_ERROR));
        assert_eq!(status("dir"), Err(StatusCode::INTERNAL_SERVER_ERROR));
        let message = cows.get("dir").err().unwrap().to_string();
        assert!(
            message.ends_with("dir.cow: not a regular file"),
            "{message}"
        );
        let answer = cows.get("dir").err().unwrap().into_http();
        assert_eq!(answer.message, "Cow cannot be drawn");
        let explanation = answer.explanation.as_deref().unwrap();
        assert_eq!(explanation, "the file of cow \"dir\" is broken");
        assert!(
            answer
                .log_message()
                .ends_with("dir.cow: not a regular file")
        );
    }

    /// `random`: 200 picks are catalog cows that draw, the `COWPATH` one among them, never the
    /// broken ones; a name is still a name.
    #[test]
    fn random_picks_among_the_cows_that_draw() {
        use rand::SeedableRng;
        let tree = testkit::Tree::new("server-cows-random");
        tree.file("mine.cow", "$the_cow = <<EOC;\nmine $eyes\nEOC\n")
            .file("broken.cow", "$the_cow = <<EOC;\nno end\n")
            .dir("dir.cow");
        let cows = ServedCows::new(CowCatalog::from_cowpath(Some(tree.path().as_os_str())));
        let mut rng = rand::rngs::SmallRng::seed_from_u64(16);
        let mut seen = BTreeMap::new();
        for _ in 0..200 {
            let (name, cow) = cows.choose(RANDOM, &mut rng).unwrap();
            assert_eq!(cow, cows.get(name).unwrap(), "{name}");
            *seen.entry(name).or_insert(0) += 1;
        }
        let mut drawable = CowCatalog::builtin_names();
        drawable.push("mine".into());
        drawable.sort();
        assert_eq!(seen.keys().copied().collect::<Vec<_>>(), drawable);
        assert!(seen.values().all(|&n| n > 10), "about 40 each: {seen:?}");
        let (name, _) = cows.choose("whale", &mut rng).unwrap();
        assert_eq!(name, "whale");
        let unknown = cows.choose("nosuch", &mut rng).err().unwrap().to_string();
        assert_eq!(
            unknown,
            "no cow called \"nosuch\"; `cowserve cowsay -l` lists the cows"
        );
    }

    /// An unknown name gets a fixed phrase and the nearest cow at most, however many there are
    /// and however long the name; a slip late in a name finds its cow among 1,000.
    #[test]
    fn unknown_names_point_to_the_list_and_one_close_cow() {
        let tree = testkit::Tree::new("server-cows-many");
        for i in 0..1000 {
            tree.file(format!("cow-0{i:04}.cow"), "$the_cow = <<EOC;\nEOC\n");
        }
        let cows = ServedCows::new(CowCatalog::from_cowpath(Some(tree.path().as_os_str())));
        let answer = |name: &str| cows.get(name).err().unwrap().into_http();
        for (name, nearest) in [
            ("nosuch", None),
            ("cow-0012", Some("cow-00120")),
            ("cow-0099", Some("cow-00990")),
            ("cow-00123x", Some("cow-00123")),
            ("feris", Some("ferris")),
        ] {
            let error = answer(name);
            assert_eq!(error.status, StatusCode::BAD_REQUEST);
            assert_eq!(error.message, "Unknown cow");
            let hint = nearest.filter(|_| cfg!(feature = "suggest"));
            let hint = hint.map(|n| format!(" (did you mean \"{n}\"?)"));
            assert_eq!(
                error.explanation.unwrap(),
                format!(
                    "no cow called \"{name}\"{}; /cows lists the cows, and cow=random picks one",
                    hint.unwrap_or_default()
                )
            );
        }
        let long = answer(&"a".repeat(4000)).explanation.unwrap();
        assert!(long.len() < 200, "{long}");
    }
}
