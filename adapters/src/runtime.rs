//! The real-time node runtime: drives one [`Node`] from stdin and stdout on tokio.
//!
//! Three parts, so that nothing waits on anything it does not need (Maelstrom's
//! [protocol](https://github.com/jepsen-io/maelstrom/blob/main/doc/protocol.md) lets a node answer requests in any order):
//! - a reader task splits stdin into lines (of any length up to [`INPUT_LINE_BYTES_MAX`]) and
//!   queues them; a line that is not UTF-8 is logged and skipped, end of input ends the run;
//! - the driver loop hands each line to the sans-IO [`Node`] with the monotonic time, and sleeps
//!   until the next input or the node's next deadline, whichever comes first. Because a
//!   workload never blocks (an RPC is a [`crate::Context::call`] whose reply is just another
//!   input), a request waiting on a service never holds up the others;
//! - a writer task prints one JSON object per line, each line written whole by this one task
//!   (concurrent writers must not interleave; the driver hands it every line of an event,
//!   encoded once into one chunk) and flushed as soon as no other
//!   line is waiting behind it.
//!
//! Logs go through `tracing` to stderr, never stdout: Maelstrom stops reading a node's stdout
//! after the first line that is not a message ([protocol](https://github.com/jepsen-io/maelstrom/blob/main/doc/protocol.md)).

use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader, BufWriter};
use tokio::sync::mpsc;

use crate::node::Node;
use crate::workload::Workload;

/// Longest input line read whole; a longer one is consumed and skipped. Maelstrom's own
/// messages are far smaller (the largest are broadcast reads of a few thousand integers), so
/// this only protects memory against a runaway peer while still accepting "huge" lines.
pub const INPUT_LINE_BYTES_MAX: usize = 64 * 1024 * 1024;

/// Input lines queued between the reader and the driver. Beyond this the reader stops reading
/// stdin, which pushes back on the sender instead of growing memory.
const INPUT_QUEUE_LINES_MAX: usize = 1024;

/// Input lines handled as one batch at most (one commit, one output chunk): enough for a
/// burst to share one `fdatasync`, few enough that the first reply of the batch waits for at
/// most this many handlers.
const BATCH_LINES_MAX: usize = 256;

/// Output chunks (the lines of one event each) queued between the driver and the writer, for
/// the same reason.
const OUTPUT_QUEUE_LINES_MAX: usize = 1024;

/// Why the runtime stopped other than by end of input.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    /// Reading stdin or writing stdout failed.
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
}

/// Runs `workload` on this process's stdin and stdout until stdin ends.
pub fn run<W: Workload>(workload: W) -> Result<(), RuntimeError> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(run_io(workload, tokio::io::stdin(), tokio::io::stdout()))
}

/// Runs `workload` on any byte streams (tests use in-memory pipes) until `input` ends; then
/// writes out everything pending and returns.
pub async fn run_io<W, R, O>(workload: W, input: R, output: O) -> Result<(), RuntimeError>
where
    W: Workload,
    R: AsyncRead + Unpin + Send + 'static,
    O: AsyncWrite + Unpin + Send + 'static,
{
    let (line_tx, mut lines) = mpsc::channel(INPUT_QUEUE_LINES_MAX);
    let (out_tx, out_rx) = mpsc::channel(OUTPUT_QUEUE_LINES_MAX);
    let reader = tokio::spawn(read_lines(input, line_tx));
    let writer = tokio::spawn(write_lines(output, out_rx));
    let mut node = Node::new(workload);
    let start = Instant::now();
    let now_ms = || u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX);
    loop {
        send_outbox(&mut node, &out_tx).await;
        let sleep_ms = node.next_deadline_ms().map(|due| due.saturating_sub(now_ms()));
        tokio::select! {
            line = lines.recv() => match line {
                Some(line) => {
                    node.handle_line(&line, now_ms());
                    // Lines already waiting join this batch: one commit (one fdatasync for a
                    // durable node) and one write then serve them all.
                    for _ in 1..BATCH_LINES_MAX {
                        let Ok(line) = lines.try_recv() else { break };
                        node.handle_line(&line, now_ms());
                    }
                }
                None => break,
            },
            () = sleep_for(sleep_ms) => {}
        }
        node.tick(now_ms());
    }
    send_outbox(&mut node, &out_tx).await;
    drop(out_tx);
    let read = reader.await.map_err(std::io::Error::other)?;
    writer.await.map_err(std::io::Error::other)??;
    read
}

async fn sleep_for(ms: Option<u64>) {
    match ms {
        Some(ms) => tokio::time::sleep(Duration::from_millis(ms)).await,
        None => std::future::pending().await,
    }
}

/// Sends everything the node queued as one chunk of lines: each message is encoded once,
/// straight into the chunk, and a burst costs one allocation and one channel send.
async fn send_outbox<W: Workload>(node: &mut Node<W>, out: &mpsc::Sender<Vec<u8>>) {
    let mut lines = Vec::new();
    node.write_outbox(&mut lines);
    // The writer only stops on an I/O error, which `run_io` reports when it joins it.
    if !lines.is_empty() && out.send(lines).await.is_err() {
        tracing::debug!("the writer has stopped; output dropped");
    }
}

async fn read_lines<R: AsyncRead + Unpin>(input: R, lines: mpsc::Sender<String>) -> Result<(), RuntimeError> {
    let mut input = BufReader::new(input);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        let (read_bytes, complete) = read_line_bounded(&mut input, &mut buf).await?;
        if read_bytes == 0 {
            return Ok(());
        }
        if !complete {
            tracing::warn!(read_bytes, "skipping an input line longer than INPUT_LINE_BYTES_MAX");
            continue;
        }
        match String::from_utf8(std::mem::take(&mut buf)) {
            Ok(line) => {
                if lines.send(line).await.is_err() {
                    return Ok(());
                }
            }
            Err(err) => tracing::warn!(%err, "skipping an input line that is not UTF-8"),
        }
    }
}

/// Reads one line into `buf` (without its `\n`), keeping at most [`INPUT_LINE_BYTES_MAX`]
/// bytes: returns the bytes consumed (0 at end of input) and whether the line fitted.
async fn read_line_bounded<R: AsyncRead + Unpin>(
    input: &mut BufReader<R>,
    buf: &mut Vec<u8>,
) -> std::io::Result<(usize, bool)> {
    let mut read_bytes = 0;
    let mut fits = true;
    loop {
        let chunk = input.fill_buf().await?;
        if chunk.is_empty() {
            return Ok((read_bytes, fits));
        }
        let (used, done) = match chunk.iter().position(|b| *b == b'\n') {
            Some(at) => (at + 1, true),
            None => (chunk.len(), false),
        };
        let content = chunk.get(..used - usize::from(done)).unwrap_or_default();
        fits = fits && buf.len() + content.len() <= INPUT_LINE_BYTES_MAX;
        if fits {
            buf.extend_from_slice(content);
        }
        input.consume(used);
        read_bytes += used;
        if done {
            return Ok((read_bytes, fits));
        }
    }
}

async fn write_lines<O: AsyncWrite + Unpin>(output: O, mut lines: mpsc::Receiver<Vec<u8>>) -> std::io::Result<()> {
    let mut output = BufWriter::new(output);
    while let Some(chunk) = lines.recv().await {
        output.write_all(&chunk).await?;
        // Flush whenever nobody else is waiting, so a burst costs one write(2) and a lone
        // reply leaves at once.
        if lines.is_empty() {
            output.flush().await?;
        }
    }
    output.flush().await
}

/// Sends `tracing` output to stderr, at the level named by `RUST_LOG` (default `info`).
pub fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // A second call (tests) finds a subscriber installed already; keeping the first is right.
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(false).try_init();
}
