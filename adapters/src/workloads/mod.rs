//! One module per Maelstrom workload, and [`build`], which makes one by its Maelstrom name.

use crate::Workload;

/// A boxed workload, as drivers that pick the workload at run time hold it.
pub type BoxedWorkload = Box<dyn Workload + Send>;

/// The workload named as Maelstrom names it (`"echo"`, `"broadcast"`, …), configured from the
/// node's command-line arguments; `None` for a name this crate does not implement.
pub fn build(name: &str, args: &[String]) -> Option<BoxedWorkload> {
    // Each workload module adds its arm here: `"echo" => Some(Box::new(echo::Echo::from_args(args)))`.
    let _ = (name, args);
    None
}
