//! Rebuilds when the embedded cows or fortunes change: `include_dir!`
//! alone does not tell cargo about the files it reads.
fn main() {
    println!("cargo:rerun-if-changed=cows");
    println!("cargo:rerun-if-changed=fortunes");
}
