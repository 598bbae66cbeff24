//! Filesystems that look like files but are windows into the kernel. Serving `/` in a container
//! must never hand out `/proc/self/environ` (the process's secrets), `/sys`, cgroup knobs or EFI
//! variables, so anything that lives on one of these is refused, whatever its file type says.
//!
//! The numbers are the `f_type` values `fstatfs` reports (Linux `include/uapi/linux/magic.h`).
//! `tmpfs` (and so `/dev` in a container) is not listed: its files are ordinary, and the devices
//! on it are refused by file type.

/// `(f_type, name)` of each refused filesystem, sorted by number for a binary search.
const PSEUDO_FILESYSTEMS: &[(u32, &str)] = &[
    (0x0000_1cd1, "devpts"),
    (0x0000_9fa0, "proc"),
    (0x0027_e0eb, "cgroup"),
    (0x0765_5821, "resctrl"),
    (0x1980_0202, "mqueue"),
    (0x4249_4e4d, "binfmt_misc"),
    (0x4341_5d53, "smackfs"),
    (0x6165_676c, "pstore"),
    (0x6264_6720, "debugfs"),
    (0x6265_6570, "configfs"),
    (0x6265_6572, "sysfs"),
    (0x6367_7270, "cgroup2"),
    (0x6573_5543, "fusectl"),
    (0x6c6f_6f70, "binder"),
    (0x6e73_6673, "nsfs"),
    (0x7363_6673, "securityfs"),
    (0x7472_6163, "tracefs"),
    (0xabba_1974, "xenfs"),
    (0xcafe_4a11, "bpf"),
    (0xde5e_81e4, "efivarfs"),
    (0xf97c_ff8c, "selinuxfs"),
];

/// The name of the pseudo filesystem with this `f_type`, or `None` for a real one.
pub fn pseudo_fs_name(f_type: u32) -> Option<&'static str> {
    PSEUDO_FILESYSTEMS
        .binary_search_by_key(&f_type, |&(magic, _)| magic)
        .ok()
        .map(|i| PSEUDO_FILESYSTEMS[i].1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_for_binary_search() {
        assert!(PSEUDO_FILESYSTEMS.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn known_and_unknown() {
        assert_eq!(pseudo_fs_name(0x9fa0), Some("proc"));
        assert_eq!(pseudo_fs_name(0x6265_6572), Some("sysfs"));
        assert_eq!(pseudo_fs_name(0xcafe_4a11), Some("bpf"));
        assert_eq!(
            pseudo_fs_name(0x0102_1994),
            None,
            "tmpfs is a real filesystem"
        );
        assert_eq!(pseudo_fs_name(0xef53), None, "ext4 is a real filesystem");
    }

    #[test]
    fn proc_is_detected_on_this_machine() {
        let st = rustix::fs::statfs("/proc/self").expect("/proc is mounted");
        #[allow(clippy::cast_possible_truncation, clippy::unnecessary_cast)]
        let magic = st.f_type as u32;
        assert_eq!(pseudo_fs_name(magic), Some("proc"));
    }
}
