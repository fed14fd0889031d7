//! A node binary for the harness's own tests: `test_node BEHAVIOUR`, where BEHAVIOUR names one
//! of the correct or deliberately faulty nodes of `tests/support/nodes.rs`.

#[path = "../tests/support/nodes.rs"]
mod nodes;

/// A file in the working directory that gets one line per start, so tests can see that a
/// killed node was started again in its own directory.
const STARTS_FILE: &str = "starts";

fn main() {
    let behaviour = std::env::args().nth(1).unwrap_or_default();
    record_start();
    if behaviour == "crash" {
        // Answers init, then dies: the runner must abort with 255 and show this line.
        let mut line = String::new();
        let _ = std::io::stdin().read_line(&mut line);
        println!(r#"{{"src":"n0","dest":"c0","body":{{"type":"init_ok","in_reply_to":1}}}}"#);
        eprintln!("test_node: crashing on purpose");
        std::process::exit(3);
    }
    if behaviour == "garbage" {
        // A line that is not JSON: the runner must mute this node and name the line.
        println!("this is not a message");
    }
    let Some(workload) = nodes::build(&behaviour) else {
        eprintln!("test_node: unknown behaviour {behaviour:?}");
        std::process::exit(2);
    };
    if let Err(err) = glomer_adapters::runtime::run(workload) {
        eprintln!("test_node: {err}");
    }
    // Maelstrom kills nodes; a node that returns early would be reported as crashed, so stay.
    loop {
        std::thread::park();
    }
}

fn record_start() {
    use std::io::Write;
    let file = std::fs::OpenOptions::new().create(true).append(true).open(STARTS_FILE);
    if let Err(err) = file.and_then(|mut f| writeln!(f, "{}", std::process::id())) {
        eprintln!("test_node: cannot record this start in {STARTS_FILE}: {err}");
    }
}
