//! The cows the page may show: their names are read at start-up, each cow file on its first use
//! (parsing Debian's 47 cows at start-up doubled the time to the first response).

use crate::cowfile::CowFile;
use crate::cows::CowCatalog;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// Built-in and `COWPATH` cows by name; a name never reaches the file system unless it is one
/// of these.
pub struct Cows {
    catalog: CowCatalog,
    /// Each cow parsed once, or why it cannot be (kept, so a broken file is read once).
    parsed: BTreeMap<String, OnceLock<Result<CowFile, String>>>,
}

impl Cows {
    pub fn new(catalog: CowCatalog) -> Cows {
        let parsed = catalog
            .names()
            .into_iter()
            .map(|name| (name, OnceLock::new()))
            .collect();
        Cows { catalog, parsed }
    }

    /// The cow called `name`, or a message that lists the cows there are.
    pub fn get(&self, name: &str) -> Result<&CowFile, String> {
        let Some(slot) = self.parsed.get(name) else {
            return Err(format!(
                "no cow called {name:?}; the cows are: {}",
                self.names().collect::<Vec<_>>().join(", ")
            ));
        };
        slot.get_or_init(|| self.catalog.resolve(name).map_err(|e| e.to_string()))
            .as_ref()
            .map_err(|e| format!("cow {name:?} cannot be drawn: {e}"))
    }

    /// The names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.parsed.keys().map(String::as_str)
    }
}
