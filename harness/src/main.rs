//! The `glomer` command.

fn main() {
    eprintln!("glomer: the test runner is not built yet");
    std::process::exit(255);
}
