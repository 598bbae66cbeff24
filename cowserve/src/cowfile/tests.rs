use super::*;

const DEFAULT: &str = "##\n## The default cow\n##\n$the_cow = <<\"EOC\";\n        $thoughts   ^__^\n         $thoughts  ($eyes)\\\\_______\n            (__)\\\\       )\\\\/\\\\\n             $tongue ||----w |\n                ||     ||\nEOC\n";

#[test]
fn default_cow_renders() {
    let cow = CowFile::parse(DEFAULT).unwrap();
    assert_eq!(
        cow.render("oo", "  ", "\\"),
        "        \\   ^__^\n         \\  (oo)\\_______\n            (__)\\       )\\/\\\n                ||----w |\n                ||     ||\n"
    );
}

#[test]
fn heredoc_forms() {
    for head in ["<<EOC;", "<<\"EOC\";", "<<EOC", "<< \"EOC\" ;"] {
        let text = format!("$the_cow = {head}\n$eyes|\\@x\\$y\nEOC\n");
        assert_eq!(
            CowFile::parse(&text).unwrap().render("oo", "", ""),
            "oo|@x$y\n",
            "{head}"
        );
    }
    let literal = "$the_cow = <<'END';\n$eyes \\\\ \\@\nEND\n";
    assert_eq!(
        CowFile::parse(literal).unwrap().render("oo", "", ""),
        "$eyes \\\\ \\@\n"
    );
}

#[test]
fn variables_and_arrays() {
    let text = "$the_cow = <<EOC;\n${eyes}-${tongue}-$thoughts $other @arr @{x} a@ b\nEOC\n";
    assert_eq!(
        CowFile::parse(text).unwrap().render("^^", "U ", "o"),
        "^^-U -o    a@ b\n"
    );
    // Perl reads `$` + newline + `.` as the variable `$.`.
    let calvin = "$the_cow = <<EOC;\n  a@9b$\n  ..c\nEOC\n";
    assert_eq!(
        CowFile::parse(calvin).unwrap().render("", "", ""),
        "  a.c\n"
    );
}

#[test]
fn three_eyes_statements() {
    let text = "$extra = chop($eyes);\n$eyes .= ($extra x 2);\n$the_cow = <<EOC;\n($eyes)\nEOC\n";
    let cow = CowFile::parse(text).unwrap();
    assert_eq!(cow.render("oo", "", ""), "(ooo)\n");
    assert_eq!(cow.render("", "", ""), "()\n");
}

#[test]
fn malformed_files_are_errors() {
    assert_eq!(CowFile::parse(""), Err(CowFileError::NoCow));
    assert_eq!(
        CowFile::parse("# just a comment\n"),
        Err(CowFileError::NoCow)
    );
    assert_eq!(
        CowFile::parse("$the_cow = <<EOC;\nmoo\n"),
        Err(CowFileError::Unterminated {
            line: 1,
            tag: "EOC".into()
        })
    );
    assert_eq!(
        CowFile::parse("$the_cow = <<;\n"),
        Err(CowFileError::BadTag { line: 1 })
    );
    assert!(CowFileError::NoCow.to_string().contains("the_cow"));
}

/// Every cow Debian ships parses and draws (the differential test compares
/// the drawings with cowsay's own).
#[test]
#[ignore = "reads Debian's cows: tests/run.sh runs it (cargo test -p cowserve -- --ignored)"]
fn all_debian_cows_parse() {
    let dir = std::path::Path::new("/usr/share/cowsay/cows");
    let entries = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e} (apt-get install -y cowsay)", dir.display()));
    let mut count = 0;
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "cow") {
            continue;
        }
        let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
        let cow = CowFile::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let drawn = cow.render("oo", "  ", "\\");
        assert!(
            drawn.ends_with('\n') && drawn.lines().count() >= 3,
            "{}",
            path.display()
        );
        count += 1;
    }
    assert!(count >= 40, "only {count} cows found");
}
