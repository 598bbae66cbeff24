//! The cow's face: eyes and tongue from `-e`/`-T` and the mode flags.

/// A mode flag (`-b -d -g -p -s -t -w -y`): a preset face.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Mode {
    /// `-b`: `==` eyes.
    Borg,
    /// `-d`: `xx` eyes, tongue out.
    Dead,
    /// `-g`: `$$` eyes.
    Greedy,
    /// `-p`: `@@` eyes.
    Paranoid,
    /// `-s`: `**` eyes, tongue out.
    Stoned,
    /// `-t`: `--` eyes.
    Tired,
    /// `-w`: `OO` eyes.
    Wired,
    /// `-y`: `..` eyes.
    Youthful,
}

impl Mode {
    /// Every mode, in the order cowsay applies them: when several are given
    /// the last one here wins the eyes, and `-d`/`-s` always put the tongue out.
    pub const ALL: [Mode; 8] = [
        Mode::Borg,
        Mode::Dead,
        Mode::Greedy,
        Mode::Paranoid,
        Mode::Stoned,
        Mode::Tired,
        Mode::Wired,
        Mode::Youthful,
    ];

    /// The command-line letter.
    pub fn flag(self) -> char {
        match self {
            Mode::Borg => 'b',
            Mode::Dead => 'd',
            Mode::Greedy => 'g',
            Mode::Paranoid => 'p',
            Mode::Stoned => 's',
            Mode::Tired => 't',
            Mode::Wired => 'w',
            Mode::Youthful => 'y',
        }
    }

    /// The mode for a command-line letter.
    pub fn from_flag(c: char) -> Option<Mode> {
        Mode::ALL.into_iter().find(|m| m.flag() == c)
    }

    fn eyes(self) -> &'static str {
        match self {
            Mode::Borg => "==",
            Mode::Dead => "xx",
            Mode::Greedy => "$$",
            Mode::Paranoid => "@@",
            Mode::Stoned => "**",
            Mode::Tired => "--",
            Mode::Wired => "OO",
            Mode::Youthful => "..",
        }
    }

    fn tongue(self) -> Option<&'static str> {
        matches!(self, Mode::Dead | Mode::Stoned).then_some("U ")
    }
}

/// cowsay's default eyes.
pub const DEFAULT_EYES: &str = "oo";
/// cowsay's default tongue: none, two spaces.
pub const DEFAULT_TONGUE: &str = "  ";

/// The first two characters (code points) of `s`, as cowsay cuts `-e`/`-T`.
pub fn first_two(s: &str) -> &str {
    let end = s.char_indices().nth(2).map_or(s.len(), |(i, _)| i);
    &s[..end]
}

/// Eyes and tongue for the given `-e`, `-T` and modes.
pub fn face(eyes: Option<&str>, tongue: Option<&str>, modes: &[Mode]) -> (String, String) {
    let mut eyes = first_two(eyes.unwrap_or(DEFAULT_EYES));
    let mut tongue = first_two(tongue.unwrap_or(DEFAULT_TONGUE));
    for mode in Mode::ALL.into_iter().filter(|m| modes.contains(m)) {
        eyes = mode.eyes();
        tongue = mode.tongue().unwrap_or(tongue);
    }
    (eyes.to_owned(), tongue.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_mode() {
        let want = [
            ("b", "==", "  "),
            ("d", "xx", "U "),
            ("g", "$$", "  "),
            ("p", "@@", "  "),
            ("s", "**", "U "),
            ("t", "--", "  "),
            ("w", "OO", "  "),
            ("y", "..", "  "),
        ];
        for (flag, eyes, tongue) in want {
            let mode = Mode::from_flag(flag.chars().next().unwrap()).unwrap();
            assert_eq!(
                face(None, None, &[mode]),
                (eyes.into(), tongue.into()),
                "-{flag}"
            );
        }
    }

    #[test]
    fn later_modes_win_and_dead_keeps_its_tongue() {
        assert_eq!(
            face(None, None, &[Mode::Youthful, Mode::Borg]),
            ("..".into(), "  ".into())
        );
        assert_eq!(
            face(None, Some("xy"), &[Mode::Youthful, Mode::Dead]),
            ("..".into(), "U ".into())
        );
        assert_eq!(
            face(Some("^^"), None, &[Mode::Tired]),
            ("--".into(), "  ".into())
        );
    }

    #[test]
    fn eyes_and_tongue_are_cut_to_two_characters() {
        assert_eq!(
            face(Some("éé€"), Some("漢字x"), &[]),
            ("éé".into(), "漢字".into())
        );
        assert_eq!(face(Some("x"), Some(""), &[]), ("x".into(), "".into()));
    }
}
