//! The files the servers serve: a 4 KiB file and a folder of 1,000 entries, aged so listings are
//! settled, and the tutorial's cow page (`cowsay $(fortune) > index.html`), made once.

use super::Result;
use std::ffi::OsStr;
use std::fs::{self, File, FileTimes};
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};

/// Makes `root/www` with `4k.bin` (random bytes) and `list/file-0001.txt` .. `file-1000.txt`,
/// the folders dated an hour ago, and returns its path.
pub fn served_tree(root: &Path) -> Result<PathBuf> {
    let www = root.join("www");
    let list = www.join("list");
    fs::create_dir_all(&list).map_err(|e| format!("create {}: {e}", list.display()))?;
    let mut random = [0; 4096];
    File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut random))
        .map_err(|e| format!("/dev/urandom: {e}"))?;
    write(&www.join("4k.bin"), &random)?;
    for i in 1..=1000 {
        write(
            &list.join(format!("file-{i:04}.txt")),
            format!("{i:04}\n").as_bytes(),
        )?;
    }
    let hour_ago = SystemTime::now() - Duration::from_secs(3600);
    for dir in [&list, &www] {
        let times = FileTimes::new()
            .set_accessed(hour_ago)
            .set_modified(hour_ago);
        File::open(dir)
            .and_then(|f| f.set_times(times))
            .map_err(|e| format!("date {}: {e}", dir.display()))?;
    }
    Ok(www)
}

/// Makes `root/cowpage/index.html`, the page `cowserve cowsay "$(cowserve fortune)"` prints,
/// and returns the folder.
pub fn cow_page(root: &Path, cowserve: &Path) -> Result<PathBuf> {
    let mut fortune = output(Command::new(cowserve).arg("fortune"))?;
    // As `$(...)` does.
    while fortune.last() == Some(&b'\n') {
        fortune.pop();
    }
    let page = output(
        Command::new(cowserve)
            .arg("cowsay")
            .arg(OsStr::from_bytes(&fortune)),
    )?;
    let dir = root.join("cowpage");
    fs::create_dir_all(&dir).map_err(|e| format!("create {}: {e}", dir.display()))?;
    write(&dir.join("index.html"), &page)?;
    Ok(dir)
}

fn write(path: &Path, contents: &[u8]) -> Result<()> {
    fs::write(path, contents).map_err(|e| format!("write {}: {e}", path.display()))
}

fn output(cmd: &mut Command) -> Result<Vec<u8>> {
    let out = crate::process::run(cmd, b"", Duration::from_secs(10));
    if !out.status.success() {
        return Err(format!("{cmd:?} failed: {}", out.stderr_str()));
    }
    Ok(out.stdout)
}
