//! One run, start to finish: build the workload and executor, drive the test, analyze, and
//! write the store directory.

use std::fs;
use std::path::Path;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::config::{ExecutorKind, TestConfig};
use crate::executor::process::ProcessExecutor;
use crate::executor::sim::SimExecutor;
use crate::executor::Executor;
pub use crate::outcome::Report;
use crate::report;
use crate::results::analyze;
use crate::test::{Test, TestError};
use crate::workload::{self, TestWorkload};

/// Why a run produced no verdict.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The configuration cannot run (exit 254).
    #[error("{0}")]
    Config(String),
    /// The test aborted (exit 255).
    #[error(transparent)]
    Test(#[from] TestError),
    /// Writing the store failed (exit 255).
    #[error("writing results: {0}")]
    Io(#[from] std::io::Error),
}

impl RunError {
    /// Maelstrom's exit status for this failure (254 bad arguments, 255 an aborted run).
    pub fn exit_code(&self) -> i32 {
        match self {
            RunError::Config(_) => 254,
            _ => 255,
        }
    }
}

/// Runs the test `config` describes with the executor it names.
pub fn run(config: &TestConfig) -> Result<Report, RunError> {
    let workload = workload::build(config).map_err(RunError::Config)?;
    let mut exec: Box<dyn Executor> = match config.executor {
        ExecutorKind::Sim => Box::new(SimExecutor::for_config(config).ok_or_else(|| {
            RunError::Config(format!(
                "--executor sim: no in-process node for workload {:?} (known: {})",
                config.workload,
                glomer_adapters::workloads::names().collect::<Vec<_>>().join(", ")
            ))
        })?),
        ExecutorKind::Process => Box::new(ProcessExecutor::new(config).map_err(|e| RunError::Config(e.to_string()))?),
    };
    run_with(config, workload, exec.as_mut())
}

/// Runs `workload` on nodes of `exec` as `config` says, seeded by `config.seed`.
pub fn run_with(
    config: &TestConfig,
    workload: Box<dyn TestWorkload>,
    exec: &mut dyn Executor,
) -> Result<Report, RunError> {
    let rng = ChaCha8Rng::seed_from_u64(config.seed);
    let mut test = Test::new(config, workload, rng);
    let bar = progress_bar(exec.is_real_time());
    let driven = drive(&mut test, exec, &bar);
    bar.finish_and_clear();
    let shutdown = exec.shutdown();
    driven?;
    shutdown.map_err(TestError::from)?;
    let mut outcome = test.finish();
    let messages = std::mem::take(&mut outcome.net.journal);
    let net = *outcome.net.stats();
    let analysis = analyze(outcome.workload.as_ref(), &outcome.history, &net, config.availability);
    Ok(Report {
        analysis,
        history: outcome.history,
        net,
        server_sends_per_s: outcome.net.server_sends_per_s().to_vec(),
        problems: outcome.problems,
        faults: outcome.faults,
        messages,
        config: config.clone(),
    })
}

fn drive(test: &mut Test, exec: &mut dyn Executor, bar: &ProgressBar) -> Result<(), TestError> {
    test.start(exec)?;
    loop {
        let now = exec.now_ns();
        test.advance(now, exec)?;
        if test.is_done() {
            return Ok(());
        }
        bar.set_position((test.progress(now) * 1000.0) as u64);
        bar.set_message(test.phase_name());
        for (node, output) in exec.wait(test.next_wakeup_ns())? {
            test.node_output(exec.now_ns(), node, output);
        }
    }
}

/// Progress bar resolution: the main phase in thousandths.
const PROGRESS_STEPS: u64 = 1000;

fn progress_bar(real_time: bool) -> ProgressBar {
    if !real_time {
        return ProgressBar::hidden();
    }
    // indicatif draws nothing when stderr is not a terminal.
    let bar = ProgressBar::with_draw_target(Some(PROGRESS_STEPS), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:40} {msg}") {
        bar.set_style(style);
    }
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// Writes `results.json`, `history.json`, `faults.json` and the report (index.html and its
/// pages and figures) into `dir`.
pub fn write_store(dir: &Path, report: &Report) -> Result<(), std::io::Error> {
    fs::create_dir_all(dir)?;
    let results = serde_json::to_string_pretty(&report.analysis.results).map_err(std::io::Error::other)?;
    fs::write(dir.join("results.json"), results)?;
    let history = serde_json::to_string(&report.history).map_err(std::io::Error::other)?;
    fs::write(dir.join("history.json"), history)?;
    let faults = serde_json::to_string_pretty(&report.faults).map_err(std::io::Error::other)?;
    fs::write(dir.join("faults.json"), faults)?;
    crate::checker::linearizable::write_svgs(dir, &report.analysis.results["workload"])?;
    report::write(dir, report)?;
    Ok(())
}
