//! The cows the page may show: their names are read at start-up, each cow file on its first use
//! (parsing Debian's 47 cows at start-up doubled the time to the first response).

use crate::cowfile::CowFile;
use crate::cows::CowCatalog;
use hyper::StatusCode;
use servekit::HttpError;
use std::collections::BTreeMap;
use std::fmt;
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
    /// No cow by that name: the visitor asked for something that is not there (400).
    Unknown(String),
    /// A cow of the catalog whose file is broken, too big, or no longer a file: nothing the
    /// visitor can change, the server's fault (500). The visitor is told the cow's name; why,
    /// with the file's path, goes to the log.
    Broken { name: String, why: String },
}

impl CowError {
    /// The answer to a page that asked for this cow.
    pub fn into_http(self) -> HttpError {
        match self {
            CowError::Unknown(message) => {
                HttpError::new(StatusCode::BAD_REQUEST, format!("cow: {message}"))
            }
            CowError::Broken { name, why } => HttpError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("cow {name:?} cannot be drawn"),
            )
            .with_detail(why),
        }
    }
}

impl fmt::Display for CowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CowError::Unknown(message) => f.write_str(message),
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

    /// The cow called `name`; an unknown name's message lists the cows there are.
    pub fn get(&self, name: &str) -> Result<&CowFile, CowError> {
        let Some(slot) = self.parsed.get(name) else {
            return Err(CowError::Unknown(format!(
                "no cow called {name:?}; the cows are: {}",
                self.names().collect::<Vec<_>>().join(", ")
            )));
        };
        slot.get_or_init(|| self.catalog.resolve(name).map_err(|e| e.to_string()))
            .as_ref()
            .map_err(|why| CowError::Broken {
                name: name.to_owned(),
                why: why.clone(),
            })
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
        assert_eq!(answer.message, "cow \"dir\" cannot be drawn");
        assert!(!answer.message.contains(dir.to_str().unwrap()));
        assert!(
            answer
                .log_message()
                .ends_with("dir.cow: not a regular file")
        );
    }
}
