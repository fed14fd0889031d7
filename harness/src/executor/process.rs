//! The process executor: node binaries as child processes with piped stdin and stdout, stderr
//! to `<out>/node-logs/<id>.log`, in real time (maelstrom/process.clj;
//! [Maelstrom's protocol](https://github.com/jepsen-io/maelstrom/blob/main/doc/protocol.md)).
//!
//! Each node runs in its own working directory, `<out>/nodes/<id>/`, which survives a kill, so a
//! node can keep files there across restarts. A kill is SIGKILL; a restart starts the binary
//! again in the same directory (its stderr appended to the same log); a pause is SIGSTOP and a
//! resume SIGCONT.

use std::collections::VecDeque;
use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use super::{ExecError, Executor, NodeOutput};
use crate::config::TestConfig;
use crate::net::Delivery;

/// Stderr lines kept per node for the crash report.
const STDERR_TAIL_LINES: usize = 20;

/// How long a crash report waits for the dead node's last stderr lines. The pipe reaches its
/// end as soon as the process is gone, so this is only ever waited in full when a child of the
/// node still holds the pipe open.
const STDERR_DRAIN_MS: u64 = 2_000;

enum Event {
    Line(String),
    Exited,
}

/// One node's process, in its current life.
struct Proc {
    id: String,
    child: Child,
    /// Which life of the node this is: 0 at the start, one more at each restart. Events of an
    /// earlier life (the exit a kill causes) are not this life's.
    life: u64,
    /// Killed and not restarted.
    killed: bool,
    stdin: Sender<String>,
    stderr_tail: Arc<Mutex<VecDeque<String>>>,
    /// Disconnected once the stderr copy has read the pipe to its end.
    stderr_done: Receiver<()>,
}

impl Proc {
    /// The last lines the node wrote to stderr, after waiting (bounded) for the copy to read
    /// them: a node that exits right after writing would otherwise race its own report.
    fn stderr_tail(&self) -> String {
        let _ = self.stderr_done.recv_timeout(Duration::from_millis(STDERR_DRAIN_MS));
        self.stderr_tail.lock().map(|t| t.iter().cloned().collect::<Vec<_>>().join("\n")).unwrap_or_default()
    }
}

/// Node binaries as processes, in real time.
pub struct ProcessExecutor {
    bin: PathBuf,
    args: Vec<String>,
    log_dir: PathBuf,
    nodes_dir: PathBuf,
    log_stderr: bool,
    started: Instant,
    procs: Vec<Proc>,
    events_tx: Sender<(usize, u64, Event)>,
    events: Receiver<(usize, u64, Event)>,
    stopping: bool,
}

impl std::fmt::Debug for ProcessExecutor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProcessExecutor").field("bin", &self.bin).field("nodes", &self.procs.len()).finish()
    }
}

impl ProcessExecutor {
    /// An executor for `config.bin` with `config.node_args`, logging into `config.out`.
    pub fn new(config: &TestConfig) -> Result<Self, std::io::Error> {
        let bin = fs::canonicalize(&config.bin)
            .map_err(|e| std::io::Error::new(e.kind(), format!("--bin {}: {e}", config.bin.display())))?;
        let out = std::path::absolute(&config.out)?;
        let (events_tx, events) = mpsc::channel();
        Ok(ProcessExecutor {
            bin,
            args: config.node_args.clone(),
            log_dir: out.join("node-logs"),
            nodes_dir: out.join("nodes"),
            log_stderr: config.log_stderr,
            started: Instant::now(),
            procs: Vec::new(),
            events_tx,
            events,
            stopping: false,
        })
    }

    /// Starts life `life` of node `index`, named `id`.
    fn spawn(&self, index: usize, id: &str, life: u64) -> Result<Proc, ExecError> {
        let spawn_err = |source| ExecError::Spawn { node: id.to_owned(), bin: self.bin.display().to_string(), source };
        let dir = self.nodes_dir.join(id);
        fs::create_dir_all(&dir)?;
        let mut child = Command::new(&self.bin)
            .args(&self.args)
            .current_dir(&dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(spawn_err)?;
        let (stdin, stdout, stderr) = (child.stdin.take(), child.stdout.take(), child.stderr.take());
        let (Some(mut stdin), Some(stdout), Some(stderr)) = (stdin, stdout, stderr) else {
            return Err(spawn_err(std::io::Error::other("missing pipe")));
        };
        let (stdin_tx, stdin_rx) = mpsc::channel::<String>();
        thread::spawn(move || {
            for line in stdin_rx {
                if writeln!(stdin, "{line}").and_then(|_| stdin.flush()).is_err() {
                    return;
                }
            }
        });
        let tx = self.events_tx.clone();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send((index, life, Event::Line(line))).is_err() {
                    return;
                }
            }
            let _ = tx.send((index, life, Event::Exited));
        });
        let stderr_tail = Arc::new(Mutex::new(VecDeque::new()));
        let log = OpenOptions::new().create(true).append(true).open(self.log_dir.join(format!("{id}.log")))?;
        let stderr_done = copy_stderr(id.to_owned(), stderr, log, self.log_stderr, Arc::clone(&stderr_tail));
        Ok(Proc { id: id.to_owned(), child, life, killed: false, stdin: stdin_tx, stderr_tail, stderr_done })
    }

    fn crashed(&mut self, node: usize) -> ExecError {
        let Some(p) = self.procs.get_mut(node) else { return ExecError::Stalled };
        // The stdout pipe closes a moment before the process can be reaped: wait briefly for
        // its exit status.
        let status = (0..50)
            .find_map(|_| match p.child.try_wait() {
                Ok(Some(status)) => Some(status.to_string()),
                _ => {
                    thread::sleep(Duration::from_millis(10));
                    None
                }
            })
            .unwrap_or_else(|| "closed its stdout".to_owned());
        ExecError::NodeCrashed { node: p.id.clone(), status, stderr_tail: p.stderr_tail() }
    }

    /// Whether an exit event is expected: the end of the test, or the death of a life we
    /// killed.
    fn exit_expected(&self, node: usize, life: u64) -> bool {
        self.stopping || self.procs.get(node).is_none_or(|p| p.life != life || p.killed)
    }

    /// Sends `signal` to node `node`'s process, if it is alive.
    fn signal(&mut self, node: usize, signal: Signal) -> Result<(), ExecError> {
        let Some(p) = self.procs.get(node).filter(|p| !p.killed) else { return Ok(()) };
        send_signal(p.child.id(), signal)?;
        Ok(())
    }
}

fn copy_stderr(
    id: String,
    stderr: std::process::ChildStderr,
    mut log: File,
    echo: bool,
    tail: Arc<Mutex<VecDeque<String>>>,
) -> Receiver<()> {
    let (done_tx, done_rx) = mpsc::channel();
    thread::spawn(move || {
        // Dropped when the pipe is read to its end, which is what the receiver waits for.
        let _done = done_tx;
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = writeln!(log, "{line}");
            if echo {
                eprintln!("{id} stderr: {line}");
            }
            if let Ok(mut t) = tail.lock() {
                if t.len() == STDERR_TAIL_LINES {
                    t.pop_front();
                }
                t.push_back(line);
            }
        }
    });
    done_rx
}

/// The signals of a pause and a resume.
#[derive(Debug, Clone, Copy)]
enum Signal {
    Stop,
    Continue,
}

#[cfg(unix)]
fn send_signal(pid: u32, signal: Signal) -> std::io::Result<()> {
    let signal = match signal {
        Signal::Stop => libc::SIGSTOP,
        Signal::Continue => libc::SIGCONT,
    };
    let pid = libc::pid_t::try_from(pid).map_err(std::io::Error::other)?;
    // SAFETY: kill(2) takes two integers and touches no memory of ours; `pid` is a child we
    // have not reaped (Child::wait was not called), so it names that child and no other process.
    if unsafe { libc::kill(pid, signal) } == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(not(unix))]
fn send_signal(_pid: u32, _signal: Signal) -> std::io::Result<()> {
    Err(std::io::Error::new(std::io::ErrorKind::Unsupported, "pause needs SIGSTOP and SIGCONT (Unix)"))
}

impl Executor for ProcessExecutor {
    fn start(&mut self, node_ids: &[String]) -> Result<(), ExecError> {
        fs::create_dir_all(&self.log_dir)?;
        for (i, id) in node_ids.iter().enumerate() {
            let p = self.spawn(i, id, 0)?;
            self.procs.push(p);
        }
        Ok(())
    }

    fn now_ns(&self) -> u64 {
        self.started.elapsed().as_nanos() as u64
    }

    fn deliver(&mut self, node: usize, delivery: Delivery) -> Result<(), ExecError> {
        if let Some(p) = self.procs.get(node).filter(|p| !p.killed) {
            // A closed channel means the node is gone; its reader reports the exit.
            let _ = p.stdin.send(delivery.to_line());
        }
        Ok(())
    }

    fn wait(&mut self, until_ns: Option<u64>) -> Result<Vec<(usize, NodeOutput)>, ExecError> {
        let first = match until_ns {
            None => self.events.recv().map_err(|_| ExecError::Stalled)?,
            Some(until) => {
                let timeout = Duration::from_nanos(until.saturating_sub(self.now_ns()));
                match self.events.recv_timeout(timeout) {
                    Ok(event) => event,
                    Err(RecvTimeoutError::Timeout) => return Ok(Vec::new()),
                    Err(RecvTimeoutError::Disconnected) => return Err(ExecError::Stalled),
                }
            }
        };
        let mut out = Vec::new();
        for (node, life, event) in std::iter::once(first).chain(self.events.try_iter()) {
            match event {
                // Lines an earlier life wrote before it was killed are still its messages.
                Event::Line(line) => out.push((node, NodeOutput::Line(line))),
                Event::Exited if self.exit_expected(node, life) => {}
                Event::Exited => return Err(self.crashed(node)),
            }
        }
        Ok(out)
    }

    fn kill(&mut self, node: usize) -> Result<(), ExecError> {
        let Some(p) = self.procs.get_mut(node).filter(|p| !p.killed) else { return Ok(()) };
        p.killed = true;
        // SIGKILL also ends a stopped process.
        p.child.kill()?;
        p.child.wait()?;
        Ok(())
    }

    fn restart(&mut self, node: usize) -> Result<(), ExecError> {
        let Some(old) = self.procs.get(node).filter(|p| p.killed) else { return Ok(()) };
        let (id, life) = (old.id.clone(), old.life + 1);
        let fresh = self.spawn(node, &id, life)?;
        self.procs[node] = fresh;
        Ok(())
    }

    fn pause(&mut self, node: usize) -> Result<(), ExecError> {
        self.signal(node, Signal::Stop)
    }

    fn resume(&mut self, node: usize) -> Result<(), ExecError> {
        self.signal(node, Signal::Continue)
    }

    fn shutdown(&mut self) -> Result<(), ExecError> {
        self.stopping = true;
        // Maelstrom kills nodes (SIGKILL) at the end rather than closing their stdin. A node
        // that died on its own is reported as a crash, as Maelstrom's teardown does.
        let mut crashed = None;
        for p in self.procs.iter_mut().filter(|p| !p.killed) {
            if let Ok(Some(status)) = p.child.try_wait() {
                if crashed.is_none() {
                    crashed = Some(ExecError::NodeCrashed {
                        node: p.id.clone(),
                        status: status.to_string(),
                        stderr_tail: p.stderr_tail(),
                    });
                }
                continue;
            }
            let _ = p.child.kill();
            let _ = p.child.wait();
        }
        crashed.map_or(Ok(()), Err)
    }

    fn is_real_time(&self) -> bool {
        true
    }
}

impl Drop for ProcessExecutor {
    fn drop(&mut self) {
        for p in self.procs.iter_mut().filter(|p| !p.killed) {
            let _ = p.child.kill();
            let _ = p.child.wait();
        }
    }
}
