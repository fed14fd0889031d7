//! One module per Maelstrom workload, and [`build`], which makes one by its Maelstrom name.
//!
//! Every module has the same shape (see [`echo`]): a request enum with its
//! [`crate::request::Request`] impl, a flags struct, and a type implementing both
//! [`crate::Workload`] and [`FromFlags`].

pub mod echo;
pub mod unique_ids;

use crate::flags::FromFlags;
use crate::Workload;

/// A boxed workload, as drivers that pick the workload at run time hold it.
pub type BoxedWorkload = Box<dyn Workload + Send>;

/// Every workload name [`build`] knows, in Maelstrom's spelling.
pub const NAMES: &[&str] = &["echo", "unique-ids"];

/// The workload named as Maelstrom names it (`"echo"`, `"broadcast"`, …), configured from the
/// node's command-line arguments (unknown ones are reported and ignored); `None` for a name
/// this crate does not implement.
pub fn build(name: &str, args: &[String]) -> Option<BoxedWorkload> {
    // One arm per workload; add the name to NAMES too.
    match name {
        "echo" => Some(boxed::<echo::Echo>(args)),
        "unique-ids" => Some(boxed::<unique_ids::UniqueIds>(args)),
        _ => None,
    }
}

fn boxed<W: Workload + FromFlags + Send + 'static>(args: &[String]) -> BoxedWorkload {
    Box::new(W::from_args(args))
}
