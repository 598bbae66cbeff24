//! "Did you mean": the known name nearest to a mistyped one, for the usage errors of every
//! binary (`unknown option '--bnd'; did you mean '--bind'?`).
//!
//! Hand-written rather than a crate: one distance, on names of a few letters, costs a few
//! hundred bytes of binary.

/// The name in `known` that `typed` most likely meant: the only one it begins (an abbreviation,
/// as python's argparse takes them), else the nearest by edit distance if that is small for its
/// length (one slip in three letters: `bnd`, `quite`, `helthcheck`), else none. Ties go to the
/// first in `known`. A name whose length alone is too far off is never measured, so a typed
/// name of kilobytes (a server's visitor can send one) costs a comparison per name, no more.
pub fn nearest<'a>(typed: &str, known: impl Iterator<Item = &'a str> + Clone) -> Option<&'a str> {
    let mut starting = known.clone().filter(|name| name.starts_with(typed));
    if let (Some(name), None, false) = (starting.next(), starting.next(), typed.is_empty()) {
        return Some(name);
    }
    let mut best = None;
    let mut most = (typed.len() / 3).max(1);
    for name in known {
        // Each edit changes the length by one at most.
        if typed.len().abs_diff(name.len()) > most {
            continue;
        }
        let distance = edit_distance(typed.as_bytes(), name.as_bytes());
        if distance <= most {
            (best, most) = (Some(name), distance.saturating_sub(1));
        }
    }
    best
}

/// Names longer than this are never suggested: the distance's rows live on the stack.
const LONGEST: usize = 31;

/// Edits (insert, delete, replace, or swap two neighbours) that turn `a` into `b` (at most
/// [`LONGEST`] bytes; longer is `usize::MAX`), byte by byte, as flag names are ASCII: the
/// optimal string alignment distance, over three rows of the table.
fn edit_distance(a: &[u8], b: &[u8]) -> usize {
    if b.len() > LONGEST {
        return usize::MAX;
    }
    let mut before = [0; LONGEST + 1];
    let mut last: [usize; LONGEST + 1] = std::array::from_fn(|j| j);
    let mut row = [0; LONGEST + 1];
    for i in 1..=a.len() {
        row[0] = i;
        for j in 1..=b.len() {
            let replace = last[j - 1] + usize::from(a[i - 1] != b[j - 1]);
            let mut best = replace.min(last[j] + 1).min(row[j - 1] + 1);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(before[j - 2] + 1);
            }
            row[j] = best;
        }
        (before, last) = (last, row);
    }
    last[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    const FLAGS: &[&str] = &[
        "bind",
        "protocol",
        "quiet",
        "healthcheck",
        "health-path",
        "cors",
    ];

    #[test]
    fn slips_and_abbreviations_find_their_flag() {
        for (typed, meant) in [
            ("bnd", "bind"),
            ("bindd", "bind"),
            ("quite", "quiet"),
            ("helthcheck", "healthcheck"),
            ("health_path", "health-path"),
            ("prot", "protocol"),
            ("cros", "cors"),
        ] {
            assert_eq!(
                nearest(typed, FLAGS.iter().copied()),
                Some(meant),
                "{typed}"
            );
        }
    }

    #[test]
    fn far_or_ambiguous_names_get_no_suggestion() {
        for typed in ["frob", "cgi", "health", "", "x", "bindings-all"] {
            assert_eq!(nearest(typed, FLAGS.iter().copied()), None, "{typed}");
        }
        assert_eq!(nearest("bind", [].into_iter()), None);
    }

    #[test]
    fn distances() {
        let d = |a: &str, b: &str| edit_distance(a.as_bytes(), b.as_bytes());
        assert_eq!(d("", ""), 0);
        assert_eq!(d("", "abc"), 3);
        assert_eq!(d("abc", ""), 3);
        assert_eq!(d("kitten", "sitting"), 3);
        assert_eq!(d("ab", "ba"), 1, "a swap is one edit");
        assert_eq!(d("ca", "abc"), 3, "optimal string alignment, not Damerau's");
        assert_eq!(d("é", "e"), 2, "bytes, not characters");
    }
}
