//! Sizes: of the binaries as shipped, and of the images (`docker image inspect`'s `.Size`).

use super::Result;
use std::path::Path;

/// The size of the file at `path`, in bytes.
pub fn file_bytes(path: &Path) -> Result<u64> {
    std::fs::metadata(path)
        .map(|m| m.len())
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// The size of local image `image` in bytes, or `None` if there is no such image.
pub fn image_bytes(image: &str) -> Option<u64> {
    let out = crate::docker::docker_output(&["image", "inspect", "-f", "{{.Size}}", image], b"");
    if !out.status.success() {
        return None;
    }
    out.stdout_str().trim().parse().ok()
}
