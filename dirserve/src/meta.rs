//! The facts about a file that dirserve reads from one `stat` call and uses again and again: size
//! and modification time for headers and listings, inode and device for "is this still the same
//! file" checks. Keeping them in a small plain struct (instead of `std::fs::Metadata`) lets the
//! resolver, the listing and the conditional-request logic share them and lets tests build them.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rustix::fs::{FileType, Stat};

/// What one `fstat`/`fstatat` told us about a file or directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileMeta {
    /// Size in bytes (for a directory, whatever the filesystem reports).
    pub size: u64,
    /// Last modification time, to the nanosecond the filesystem keeps.
    pub modified: SystemTime,
    /// Inode number; with `dev`, names the file uniquely on this machine.
    pub ino: u64,
    /// Device of the filesystem that holds the file.
    pub dev: u64,
    /// True for a directory, false for a regular file (nothing else is ever served).
    pub is_dir: bool,
}

impl FileMeta {
    /// Reads the fields we keep out of a raw `stat`.
    pub(crate) fn from_stat(st: &Stat) -> Self {
        FileMeta {
            size: size_of_stat(st),
            modified: modified_of_stat(st),
            ino: widen_u64(st.st_ino),
            dev: widen_u64(st.st_dev),
            is_dir: FileType::from_raw_mode(st.st_mode) == FileType::Directory,
        }
    }
}

/// The size in a `stat`; a negative size (never seen, but the field is signed) reads as 0.
pub(crate) fn size_of_stat(st: &Stat) -> u64 {
    u64::try_from(widen_i64(st.st_size)).unwrap_or(0)
}

/// The modification time in a `stat`, before or after 1970, saturating instead of panicking on
/// absurd values a corrupt or hostile filesystem could report.
pub(crate) fn modified_of_stat(st: &Stat) -> SystemTime {
    let secs = widen_i64(st.st_mtime);
    let nanos = u32::try_from(widen_u64(st.st_mtime_nsec)).unwrap_or(0) % 1_000_000_000;
    let at = if secs >= 0 {
        UNIX_EPOCH.checked_add(Duration::new(secs.unsigned_abs(), nanos))
    } else {
        UNIX_EPOCH
            .checked_sub(Duration::from_secs(secs.unsigned_abs()))
            .and_then(|t| t.checked_add(Duration::from_nanos(u64::from(nanos))))
    };
    at.unwrap_or(UNIX_EPOCH)
}

/// Whole seconds since 1970 (negative before), rounded down as HTTP dates and CPython's
/// `replace(microsecond=0)` do; saturates at the ends of `i64`.
pub fn unix_secs_floor(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
        Err(before) => {
            let d = before.duration();
            let whole = i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
            let round_down = i64::from(d.subsec_nanos() > 0);
            whole.saturating_neg().saturating_sub(round_down)
        }
    }
}

/// `stat` field types differ between architectures (`c_long`, `i64`, `u32`...); these two widen
/// whatever they are without a lossy `as`.
#[allow(clippy::useless_conversion)]
fn widen_i64<T: Into<i64>>(v: T) -> i64 {
    v.into()
}

#[allow(clippy::useless_conversion)]
fn widen_u64<T: Into<u64>>(v: T) -> u64 {
    v.into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::os::unix::fs::MetadataExt;

    #[test]
    fn whole_seconds_round_down() {
        assert_eq!(unix_secs_floor(UNIX_EPOCH), 0);
        assert_eq!(unix_secs_floor(UNIX_EPOCH + Duration::from_millis(1999)), 1);
        assert_eq!(unix_secs_floor(UNIX_EPOCH - Duration::from_millis(1)), -1);
        assert_eq!(unix_secs_floor(UNIX_EPOCH - Duration::from_secs(5)), -5);
    }

    #[test]
    fn matches_std_metadata() {
        let dir = std::env::temp_dir();
        let st = rustix::fs::stat(&dir).expect("stat temp dir");
        let meta = FileMeta::from_stat(&st);
        let std_meta = fs::metadata(&dir).expect("metadata");
        assert!(meta.is_dir);
        assert_eq!(meta.ino, std_meta.ino());
        assert_eq!(meta.dev, std_meta.dev());
        assert_eq!(meta.modified, std_meta.modified().expect("mtime"));
        assert_eq!(meta.size, std_meta.size());
    }
}
