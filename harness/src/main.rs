//! The `glomer` command: `glomer test -w WORKLOAD [--bin PATH] [Maelstrom's flags] [ARGS...]`.

fn main() {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()))
        .init();
    std::process::exit(glomer_harness::cli::main_with(std::env::args_os()));
}
