//! `glomer test`'s command line: Maelstrom's and Jepsen's flags with their defaults (docs/harness.md),
//! trailing arguments for the nodes (docs/harness.md), and Maelstrom's exit statuses.

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use clap::{Args, Parser, Subcommand};

use crate::checker::availability::Availability;
use crate::config::{ExecutorKind, TestConfig};
use crate::history::Validity;
use crate::nemesis::Faults;
use crate::net::journal::{MessageWindow, DEFAULT_MESSAGES, MESSAGES_MAX};
use crate::net::latency::LatencyDist;
use crate::report::latest;
use crate::results::summary;
use crate::run::{self, RunError};

/// Exit status for arguments that cannot run (Jepsen's cli.clj).
pub const EXIT_BAD_ARGS: i32 = 254;
/// Exit status for an aborted run: a node crashed or failed `init`.
pub const EXIT_INTERNAL: i32 = 255;

/// Node ids when neither `--node-count` nor `--nodes` is given (Jepsen's default).
const DEFAULT_NODES: [&str; 5] = ["n1", "n2", "n3", "n4", "n5"];

#[derive(Debug, Parser)]
#[command(name = "glomer", about = "Local Maelstrom-compatible test runner")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Runs a Maelstrom workload against a node binary, as `maelstrom test` does.
    Test(TestArgs),
}

#[derive(Debug, Args)]
struct TestArgs {
    /// Workload name (Maelstrom's default: lin-kv).
    #[arg(short = 'w', long, default_value = "lin-kv")]
    workload: String,
    /// Node binary; default: glomer-WORKLOAD next to this executable.
    #[arg(long)]
    bin: Option<PathBuf>,
    /// Nodes n0 … n{N-1}; overrides --nodes.
    #[arg(long)]
    node_count: Option<usize>,
    /// Comma-separated node ids (default n1…n5).
    #[arg(long)]
    nodes: Option<String>,
    /// One node id; repeatable.
    #[arg(long = "node")]
    node: Vec<String>,
    /// Seconds of main phase, from its first op.
    #[arg(long, default_value_t = 60.0)]
    time_limit: f64,
    /// Client ops per second, across all workers.
    #[arg(long, default_value_t = 5.0)]
    rate: f64,
    /// Workers: N, or Nn for N per node.
    #[arg(long, default_value = "1n")]
    concurrency: String,
    /// L, in ms, for node↔node and node↔service messages.
    #[arg(long, default_value_t = 0)]
    latency: u64,
    /// constant, uniform or exponential.
    #[arg(long, default_value = "constant")]
    latency_dist: String,
    /// Faults, comma-separated: partition, kill, pause.
    #[arg(long)]
    nemesis: Option<String>,
    /// Mean seconds between nemesis ops.
    #[arg(long, default_value_t = 10.0)]
    nemesis_interval: f64,
    /// Broadcast topology.
    #[arg(long, default_value = "grid")]
    topology: String,
    /// `total` or a fraction in [0, 1] (also `a/b`).
    #[arg(long)]
    availability: Option<String>,
    /// Consistency models for txn workloads (comma-separated).
    #[arg(long, default_value = "strict-serializable")]
    consistency_models: String,
    /// Active keys for kafka and txn generators.
    #[arg(long)]
    key_count: Option<usize>,
    /// Longest transaction.
    #[arg(long, default_value_t = 4)]
    max_txn_length: usize,
    /// Writes per key before it is retired.
    #[arg(long, default_value_t = 16)]
    max_writes_per_key: usize,
    /// Run the test this many times, stopping at the first that is not valid.
    #[arg(long, default_value_t = 1)]
    test_count: usize,
    /// Seed of every random choice (default: random, printed).
    #[arg(long)]
    seed: Option<u64>,
    /// process (real binaries, real time) or sim (in-process, virtual time).
    #[arg(long, default_value = "process")]
    executor: String,
    /// Store directory (default store/WORKLOAD/TIMESTAMP).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Copy node stderr to ours.
    #[arg(long)]
    log_stderr: bool,
    /// Log every message sent.
    #[arg(long)]
    log_net_send: bool,
    /// Log every message delivered.
    #[arg(long)]
    log_net_recv: bool,
    /// messages.svg: draw messages sent from this second of the run on.
    #[arg(long, default_value_t = 0.0)]
    diagram_from: f64,
    /// messages.svg: draw messages sent before this second of the run.
    #[arg(long)]
    diagram_to: Option<f64>,
    /// messages.svg: draw at most this many messages (at most 100000).
    #[arg(long, default_value_t = DEFAULT_MESSAGES)]
    diagram_messages: usize,
    /// Jepsen's SSH and logging options: accepted and ignored.
    #[arg(long, hide = true)]
    username: Option<String>,
    #[arg(long, hide = true)]
    password: Option<String>,
    #[arg(long, hide = true)]
    ssh_private_key: Option<String>,
    #[arg(long, hide = true)]
    strict_host_key_checking: bool,
    #[arg(long, hide = true)]
    no_ssh: bool,
    #[arg(long, hide = true)]
    leave_db_running: bool,
    #[arg(long, hide = true)]
    logging_json: bool,
    /// Arguments passed to every node.
    args: Vec<String>,
}

/// Parses `--concurrency`: `N` or `Nn` (N per node).
pub fn parse_concurrency(s: &str, node_count: usize) -> Result<usize, String> {
    let bad = || format!("--concurrency {s:?}: expected a number, or a number followed by n (like 2n)");
    let n = match s.strip_suffix('n') {
        Some(per_node) => per_node.parse::<usize>().map_err(|_| bad())? * node_count,
        None => s.parse::<usize>().map_err(|_| bad())?,
    };
    if n == 0 {
        return Err(format!("--concurrency {s:?}: needs at least one worker"));
    }
    Ok(n)
}

/// Parses `--availability`: `total`, a number in [0, 1], or a ratio `a/b` (EDN).
pub fn parse_availability(s: &str) -> Result<Availability, String> {
    if s == "total" {
        return Ok(Availability::Total);
    }
    let bad = || format!("--availability {s:?}: expected total or a number between 0 and 1");
    let fraction = match s.split_once('/') {
        Some((a, b)) => a.parse::<f64>().map_err(|_| bad())? / b.parse::<f64>().map_err(|_| bad())?,
        None => s.parse::<f64>().map_err(|_| bad())?,
    };
    if !(0.0..=1.0).contains(&fraction) {
        return Err(bad());
    }
    Ok(Availability::Fraction(fraction))
}

/// Splits a comma list, allowing spaces around commas.
fn list(s: &str) -> Vec<String> {
    s.split(',').map(str::trim).filter(|x| !x.is_empty()).map(str::to_owned).collect()
}

fn node_ids(args: &TestArgs) -> Result<Vec<String>, String> {
    let ids = match (args.node_count, &args.nodes) {
        (Some(0), _) => return Err("--node-count must be at least 1".to_owned()),
        (Some(n), _) => (0..n).map(|i| format!("n{i}")).collect(),
        (None, Some(nodes)) => list(nodes),
        (None, None) if !args.node.is_empty() => args.node.clone(),
        (None, None) => DEFAULT_NODES.iter().map(|s| s.to_string()).collect(),
    };
    if ids.is_empty() || ids.iter().any(|id| id.starts_with('c')) {
        return Err(format!("--nodes {ids:?}: node ids must be given and must not start with c (that marks clients)"));
    }
    Ok(ids)
}

fn config(args: TestArgs) -> Result<TestConfig, String> {
    let node_ids = node_ids(&args)?;
    let latency_dist = LatencyDist::parse(&args.latency_dist)
        .ok_or_else(|| format!("--latency-dist {:?}: expected constant, uniform or exponential", args.latency_dist))?;
    if latency_dist != LatencyDist::Constant && args.latency == 0 {
        return Err(format!(
            "--latency-dist {} needs --latency of at least 1 ms (Maelstrom hangs or divides by zero with 0)",
            args.latency_dist
        ));
    }
    let faults = Faults::parse(args.nemesis.as_deref().unwrap_or_default())
        .map_err(|bad| format!("--nemesis {bad:?}: the faults are {}", Faults::NAMES.join(", ")))?;
    let positive = |name: &str, v: f64| {
        if v > 0.0 && v.is_finite() {
            Ok(v)
        } else {
            Err(format!("--{name} {v}: must be positive"))
        }
    };
    if !(args.rate >= 0.0 && args.rate.is_finite()) {
        return Err(format!("--rate {}: must be a number of ops per second, at least 0", args.rate));
    }
    let executor = match args.executor.as_str() {
        "process" => ExecutorKind::Process,
        "sim" => ExecutorKind::Sim,
        other => return Err(format!("--executor {other:?}: expected process or sim")),
    };
    if executor == ExecutorKind::Sim && args.bin.is_some() {
        return Err("--executor sim runs glomer's own in-process nodes and cannot run --bin; \
                    drop --bin, or drop --executor sim to test the binary"
            .to_owned());
    }
    let bin = match args.bin {
        Some(bin) => bin,
        None => default_bin(&args.workload).map_err(|e| format!("--bin not given and {e}"))?,
    };
    let mut config = TestConfig::new(&args.workload, 1);
    config.concurrency = parse_concurrency(&args.concurrency, node_ids.len())?;
    config.node_ids = node_ids;
    config.bin = bin;
    config.time_limit_s = positive("time-limit", args.time_limit)?;
    config.rate = args.rate;
    config.latency_ms = args.latency;
    config.latency_dist = latency_dist;
    config.nemesis = faults;
    config.nemesis_interval_s = positive("nemesis-interval", args.nemesis_interval)?;
    config.topology = args.topology;
    config.availability = args.availability.as_deref().map(parse_availability).transpose()?;
    config.consistency_models = list(&args.consistency_models);
    config.key_count = args.key_count;
    config.max_txn_length = args.max_txn_length;
    config.max_writes_per_key = args.max_writes_per_key;
    config.test_count = args.test_count.max(1);
    config.seed = args.seed.unwrap_or_else(rand::random);
    config.executor = executor;
    config.out = args.out.unwrap_or_else(|| PathBuf::from("store").join(&args.workload).join(timestamp()));
    config.log_stderr = args.log_stderr;
    config.log_net_send = args.log_net_send;
    config.log_net_recv = args.log_net_recv;
    config.node_args = args.args;
    config.message_window = message_window(args.diagram_from, args.diagram_to, args.diagram_messages)?;
    Ok(config)
}

/// The messages drawn in messages.svg, from `--diagram-from`, `--diagram-to` and
/// `--diagram-messages`.
fn message_window(from_s: f64, to_s: Option<f64>, max_messages: usize) -> Result<MessageWindow, String> {
    let to_s = to_s.unwrap_or(f64::INFINITY);
    if !(from_s >= 0.0 && to_s > from_s) {
        return Err(format!("--diagram-from {from_s} --diagram-to {to_s}: need 0 <= from < to"));
    }
    if !(1..=MESSAGES_MAX).contains(&max_messages) {
        return Err(format!("--diagram-messages {max_messages}: must be between 1 and {MESSAGES_MAX}"));
    }
    let ns = |s: f64| if s.is_finite() { (s * 1e9) as u64 } else { u64::MAX };
    Ok(MessageWindow { from_ns: ns(from_s), to_ns: ns(to_s), max_messages })
}

/// `glomer-WORKLOAD` in the directory of the running executable.
fn default_bin(workload: &str) -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| format!("the running executable is unknown: {e}"))?;
    let dir = exe.parent().ok_or("the running executable has no directory")?;
    // Test binaries live one level down, in deps/.
    let candidates = [dir.join(format!("glomer-{workload}")), dir.join("..").join(format!("glomer-{workload}"))];
    Ok(candidates.iter().find(|p| p.exists()).unwrap_or(&candidates[0]).clone())
}

/// UTC `YYYYMMDDTHHMMSS.mmm` for store directory names.
fn timestamp() -> String {
    let since = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let (days, rem) = ((secs / 86_400) as i64, secs % 86_400);
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let (h, m, s) = (rem / 3600, rem / 60 % 60, rem % 60);
    format!("{year:04}{month:02}{day:02}T{h:02}{m:02}{s:02}.{:03}", since.subsec_millis())
}

/// Runs `glomer` with `argv` (program name first) and returns the exit status.
pub fn main_with(argv: impl IntoIterator<Item = OsString>) -> i32 {
    let cli = match Cli::try_parse_from(argv) {
        Ok(cli) => cli,
        Err(err) if !err.use_stderr() => {
            let _ = err.print();
            return 0;
        }
        Err(err) => {
            let _ = err.print();
            return EXIT_BAD_ARGS;
        }
    };
    let Command::Test(args) = cli.command;
    let config = match config(args) {
        Ok(config) => config,
        Err(why) => {
            eprintln!("glomer: {why}");
            return EXIT_BAD_ARGS;
        }
    };
    run_tests(&config)
}

fn run_tests(config: &TestConfig) -> i32 {
    let mut status = Validity::True;
    for i in 0..config.test_count {
        let mut this = config.clone();
        this.seed = config.seed.wrapping_add(i as u64);
        if config.test_count > 1 {
            this.out = config.out.join(format!("run-{}", i + 1));
        }
        eprintln!(
            "glomer: {} on {} nodes, executor {:?}, seed {} (replay with --seed {})",
            this.workload,
            this.node_ids.len(),
            this.executor,
            this.seed,
            this.seed
        );
        match run_one(&this) {
            Ok(valid) => status = valid,
            Err(err) => {
                eprintln!("glomer: {err}");
                return err.exit_code();
            }
        }
        if status != Validity::True {
            break;
        }
    }
    status.exit_code()
}

fn run_one(config: &TestConfig) -> Result<Validity, RunError> {
    let report = run::run(config)?;
    run::write_store(&config.out, &report)?;
    if let Err(err) = latest::update(&config.out) {
        eprintln!("glomer: store/latest not updated: {err}");
    }
    // Write errors (a closed pipe, as with `| head`) must not turn a verdict into a panic.
    let mut out = std::io::stdout().lock();
    for problem in &report.problems {
        let _ = writeln!(out, "problem: {problem}");
    }
    let _ = write!(out, "{}", summary(&report.analysis, &report.history));
    let _ = writeln!(out, "results in {}", config.out.display());
    Ok(report.valid())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn concurrency_accepts_plain_and_per_node_counts() {
        assert_eq!(parse_concurrency("4", 3), Ok(4));
        assert_eq!(parse_concurrency("2n", 3), Ok(6));
        assert!(parse_concurrency("n", 3).is_err());
        assert!(parse_concurrency("0", 3).is_err());
    }

    #[test]
    fn availability_accepts_total_fractions_and_ratios() {
        assert_eq!(parse_availability("total"), Ok(Availability::Total));
        assert_eq!(parse_availability("0.99"), Ok(Availability::Fraction(0.99)));
        assert_eq!(parse_availability("1/2"), Ok(Availability::Fraction(0.5)));
        assert!(parse_availability("1.5").is_err());
    }

    fn parse(args: &[&str]) -> Result<TestConfig, String> {
        let argv = ["glomer", "test", "--bin", "/bin/true"].iter().chain(args).map(OsString::from);
        let Command::Test(test) = Cli::try_parse_from(argv).map_err(|e| e.to_string())?.command;
        config(test)
    }

    #[test]
    fn defaults_are_maelstroms() {
        let c = parse(&["-w", "echo"]).unwrap();
        assert_eq!(c.node_ids, ["n1", "n2", "n3", "n4", "n5"]);
        assert_eq!((c.time_limit_s, c.rate, c.concurrency, c.latency_ms), (60.0, 5.0, 5, 0));
        assert_eq!((c.nemesis.any(), c.nemesis_interval_s, c.topology.as_str()), (false, 10.0, "grid"));
        assert_eq!(c.executor, ExecutorKind::Process);
    }

    #[test]
    fn trailing_words_anywhere_go_to_the_nodes() {
        let c = parse(&["-w", "broadcast", "500", "--node-count", "25", "--", "--fanout", "3"]).unwrap();
        assert_eq!(c.node_args, ["500", "--fanout", "3"]);
        assert_eq!(c.node_ids.len(), 25);
        let c = parse(&["-w", "txn-rw-register", "–-nemesis", "partition"]).unwrap();
        assert_eq!(c.node_args, ["–-nemesis", "partition"]);
        assert!(!c.nemesis.any());
    }

    #[test]
    fn random_latency_without_a_mean_is_rejected_naming_the_flag() {
        let err = parse(&["--latency-dist", "uniform"]).unwrap_err();
        assert!(err.contains("--latency-dist"), "{err}");
        assert!(parse(&["--latency-dist", "exponential", "--latency", "5"]).is_ok());
    }

    #[test]
    fn nemesis_combines_partition_kill_and_pause_and_rejects_the_rest() {
        assert!(parse(&["--nemesis", "clock"]).unwrap_err().contains("--nemesis"));
        assert!(parse(&["--nemesis", "partition , partition"]).unwrap().nemesis.partition);
        let all = parse(&["--nemesis", "partition,kill,pause"]).unwrap().nemesis;
        assert_eq!(all, Faults { partition: true, kill: true, pause: true });
        assert!(!parse(&["--nemesis", "kill"]).unwrap().nemesis.partition);
    }

    #[test]
    fn sim_with_a_binary_is_refused_with_254() {
        let err = parse(&["--executor", "sim"]).unwrap_err();
        assert!(err.contains("--executor sim") && err.contains("--bin"), "{err}");
        let argv = ["glomer", "test", "-w", "echo", "--executor", "sim", "--bin", "/bin/true"].map(OsString::from);
        assert_eq!(main_with(argv), EXIT_BAD_ARGS);
    }

    #[test]
    fn diagram_flags_choose_the_journaled_window() {
        let c = parse(&["--diagram-from", "2", "--diagram-to", "3.5", "--diagram-messages", "50"]).unwrap();
        let w = c.message_window;
        assert_eq!((w.from_ns, w.to_ns, w.max_messages), (2_000_000_000, 3_500_000_000, 50));
        assert_eq!(parse(&[]).unwrap().message_window, MessageWindow::default());
        assert!(parse(&["--diagram-messages", "0"]).unwrap_err().contains("--diagram-messages"));
        assert!(parse(&["--diagram-from", "3", "--diagram-to", "1"]).unwrap_err().contains("--diagram-from"));
    }

    #[test]
    fn bad_flags_exit_254() {
        let argv = ["glomer", "test", "--rate", "fast"].map(OsString::from);
        assert_eq!(main_with(argv), EXIT_BAD_ARGS);
        let argv = ["glomer", "test", "--bin", "/bin/true", "--concurrency", "x"].map(OsString::from);
        assert_eq!(main_with(argv), EXIT_BAD_ARGS);
    }
}
