//! Reads just enough of an ELF file to say which machine it is for and that it is static.

/// What a static Linux executable is built for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Machine {
    X86_64,
    Aarch64,
    I386,
}

impl Machine {
    /// The machine of a Docker platform's binaries (`linux/arm64`), if it is one of ours.
    pub fn of_platform(platform: &str) -> Option<Machine> {
        match platform {
            "linux/amd64" => Some(Machine::X86_64),
            "linux/arm64" => Some(Machine::Aarch64),
            "linux/386" => Some(Machine::I386),
            _ => None,
        }
    }

    /// The machine of a Rust target triple's binaries, if it is one of ours.
    pub fn of_triple(triple: &str) -> Option<Machine> {
        match triple.split('-').next() {
            Some("x86_64") => Some(Machine::X86_64),
            Some("aarch64") => Some(Machine::Aarch64),
            Some("i686") => Some(Machine::I386),
            _ => None,
        }
    }
}

const PT_INTERP: u32 = 3;

/// The machine of a statically linked ELF executable: an error says what is wrong (not ELF, an
/// unknown machine, a word size that does not fit it, or a program interpreter: a static binary,
/// static-pie included, is loaded by the kernel alone).
pub fn static_executable(bytes: &[u8]) -> Result<Machine, String> {
    if bytes.get(..4) != Some(b"\x7fELF") {
        return Err("not an ELF file".into());
    }
    let class64 = match bytes.get(4) {
        Some(1) => false,
        Some(2) => true,
        other => return Err(format!("ELF class {other:?}")),
    };
    if bytes.get(5) != Some(&1) {
        return Err("not little-endian".into());
    }
    let u16_at = |at: usize| read(bytes, at, 2);
    let u32_at = |at: usize| read(bytes, at, 4);
    let word_at = |at: usize| read(bytes, at, if class64 { 8 } else { 4 });
    let machine = match u16_at(18)? {
        62 => Machine::X86_64,
        183 => Machine::Aarch64,
        3 => Machine::I386,
        other => return Err(format!("unknown ELF machine {other}")),
    };
    if class64 != (machine != Machine::I386) {
        return Err(format!("{machine:?} in the wrong ELF class"));
    }
    if u16_at(16)? != 2 && u16_at(16)? != 3 {
        return Err("not an executable".into());
    }
    let (phoff, phentsize, phnum) = if class64 {
        (word_at(32)?, u16_at(54)?, u16_at(56)?)
    } else {
        (word_at(28)?, u16_at(42)?, u16_at(44)?)
    };
    for i in 0..phnum {
        let header = phoff as usize + (i * phentsize) as usize;
        if u32_at(header)? == u64::from(PT_INTERP) {
            return Err("has a program interpreter: dynamically linked".into());
        }
    }
    Ok(machine)
}

/// The little-endian unsigned integer of `len` bytes at `at`.
fn read(bytes: &[u8], at: usize, len: usize) -> Result<u64, String> {
    let field = bytes
        .get(at..at + len)
        .ok_or_else(|| format!("truncated at byte {at}"))?;
    Ok(field
        .iter()
        .rev()
        .fold(0, |value, &b| (value << 8) | u64::from(b)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_this_machines_static_binary_and_refuses_others() {
        assert_eq!(
            static_executable(b"#!/bin/sh\n"),
            Err("not an ELF file".into())
        );
        // The test runner itself is dynamically linked (glibc).
        let me = std::fs::read(std::env::current_exe().unwrap()).unwrap();
        let verdict = static_executable(&me);
        assert!(verdict.is_err(), "{verdict:?}");
        assert_eq!(&me[..4], b"\x7fELF");
    }
}
