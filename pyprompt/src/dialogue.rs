//! The dialogue itself, over any reader and writer, so it is tested without a process.

use std::io::{self, BufRead, Write};

/// What the original script printed first: `print("Type in your name: ")`, trailing space and all.
pub const PROMPT: &[u8] = b"Type in your name: \n";
const GREETING_HEAD: &[u8] = b"Hello ";
/// The tutorial's wording, kept as it is: readers compare it with the book.
const GREETING_TAIL: &[u8] =
    b", you've just ran a python script from your own homemade Docker Container!\n";

/// How reading a name ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// A name (possibly empty) was read and the greeting printed.
    Greeted,
    /// Input ended before a single byte: there is nobody to greet.
    NoInput,
}

/// Reads one line from `input` and writes the greeting for it to `output`.
///
/// The name streams from input to output chunk by chunk, so a line of any length costs no more
/// memory than the reader's buffer. Only the line ending (`\n` or `\r\n`) is dropped; every other
/// byte, UTF-8 or not, goes back out as it came in. A last line without a newline is a name too.
pub fn greet(input: &mut impl BufRead, output: &mut impl Write) -> io::Result<Outcome> {
    let mut started = false;
    // A `\r` at the end of a chunk is held back: it is part of the line ending only if `\n` follows.
    let mut held_cr = false;
    loop {
        let chunk = match input.fill_buf() {
            Ok(chunk) => chunk,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() {
            if !started {
                return Ok(Outcome::NoInput);
            }
            if held_cr {
                output.write_all(b"\r")?;
            }
            break;
        }
        if !started {
            output.write_all(GREETING_HEAD)?;
            started = true;
        }
        let newline = chunk.iter().position(|&b| b == b'\n');
        let line = &chunk[..newline.unwrap_or(chunk.len())];
        if held_cr && !(newline.is_some() && line.is_empty()) {
            output.write_all(b"\r")?;
        }
        let (name, ends_in_cr) = match line.strip_suffix(b"\r") {
            Some(name) => (name, true),
            None => (line, false),
        };
        output.write_all(name)?;
        held_cr = ends_in_cr && newline.is_none();
        let consumed = line.len() + usize::from(newline.is_some());
        input.consume(consumed);
        if newline.is_some() {
            break;
        }
    }
    output.write_all(GREETING_TAIL)?;
    output.flush()?;
    Ok(Outcome::Greeted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::BufReader;

    /// Runs the dialogue with a reader whose buffer holds `capacity` bytes, to split input anywhere.
    fn run(input: &[u8], capacity: usize) -> (Outcome, Vec<u8>) {
        let mut reader = BufReader::with_capacity(capacity, input);
        let mut out = Vec::new();
        let outcome = greet(&mut reader, &mut out).unwrap();
        (outcome, out)
    }

    fn greeting(name: &[u8]) -> Vec<u8> {
        [GREETING_HEAD, name, GREETING_TAIL].concat()
    }

    #[test]
    fn line_endings_are_stripped_and_nothing_else() {
        let cases: &[(&[u8], &[u8])] = &[
            (b"Ana\n", b"Ana"),
            (b"Ana\r\n", b"Ana"),
            (b"  Ana  \n", b"  Ana  "),
            (b"Ana", b"Ana"),
            (b"Ana\r", b"Ana\r"),
            (b"A\rna\n", b"A\rna"),
            (b"Ana\r\r\n", b"Ana\r"),
            (b"\n", b""),
            (b"\r\n", b""),
            (b"Ana\nBob\n", b"Ana"),
            (b"\xff\xfeAn\xc3a\n", b"\xff\xfeAn\xc3a"),
        ];
        for &(input, name) in cases {
            for capacity in 1..=input.len() + 1 {
                let (outcome, out) = run(input, capacity);
                assert_eq!(outcome, Outcome::Greeted);
                assert_eq!(out, greeting(name), "input {input:?}, buffer {capacity}");
            }
        }
    }

    #[test]
    fn empty_input_is_no_input() {
        assert_eq!(run(b"", 8), (Outcome::NoInput, Vec::new()));
    }

    #[test]
    fn only_the_first_line_is_consumed() {
        let mut reader = BufReader::with_capacity(64, &b"Ana\nBob\n"[..]);
        greet(&mut reader, &mut Vec::new()).unwrap();
        let mut rest = String::new();
        reader.read_line(&mut rest).unwrap();
        assert_eq!(rest, "Bob\n");
    }
}
