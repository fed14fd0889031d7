//! One module per Maelstrom workload, and [`build`], which makes one by its Maelstrom name.
//!
//! Every module has the same shape (see [`echo`]): a request enum with its
//! [`crate::request::Request`] impl, a flags struct, and a type implementing both
//! [`crate::Workload`] and [`FromFlags`].

pub mod broadcast;
pub mod counter;
pub mod echo;
pub mod g_counter;
pub mod g_set;
pub mod kafka;
pub mod pn_counter;
pub mod seq_kv_counter;
pub mod txn_rw_register;
pub mod unique_ids;

use crate::flags::FromFlags;
use crate::Workload;

/// A boxed workload, as drivers that pick the workload at run time hold it.
pub type BoxedWorkload = Box<dyn Workload + Send>;

/// Every workload name [`build`] knows, in Maelstrom's spelling.
pub const NAMES: &[&str] =
    &["broadcast", "echo", "g-counter", "g-set", "kafka", "pn-counter", "txn-rw-register", "unique-ids"];

/// The workload named as Maelstrom names it (`"echo"`, `"broadcast"`, …), configured from the
/// node's command-line arguments (unknown ones are reported and ignored); `None` for a name
/// this crate does not implement.
pub fn build(name: &str, args: &[String]) -> Option<BoxedWorkload> {
    // One arm per workload; add the name to NAMES too.
    match name {
        "broadcast" => Some(boxed::<broadcast::Broadcast>(args)),
        "echo" => Some(boxed::<echo::Echo>(args)),
        "g-counter" => Some(boxed::<g_counter::GCounter>(args)),
        "g-set" => Some(boxed::<g_set::GSetNode>(args)),
        "kafka" => Some(boxed::<kafka::Kafka>(args)),
        "pn-counter" => Some(boxed::<pn_counter::PnCounter>(args)),
        "txn-rw-register" => Some(boxed::<txn_rw_register::TxnRwRegister>(args)),
        "unique-ids" => Some(boxed::<unique_ids::UniqueIds>(args)),
        _ => None,
    }
}

fn boxed<W: Workload + FromFlags + Send + 'static>(args: &[String]) -> BoxedWorkload {
    Box::new(W::from_args(args))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Body, Message, Node};

    #[test]
    fn every_listed_name_builds_a_node_that_answers_init_and_unknown_names_do_not() {
        for name in NAMES {
            let workload = build(name, &["–-nemesis".into(), "partition".into()]);
            let mut node = Node::new(workload.unwrap_or_else(|| panic!("{name} is listed but not built")));
            let mut body = Body::new("init").with("node_id", "n0").with("node_ids", vec!["n0"]);
            body.msg_id = Some(1);
            node.handle_message(Message { src: "c0".into(), dest: "n0".into(), body }, 0);
            assert_eq!(node.take_outbox()[0].body.kind, "init_ok", "{name}");
        }
        assert!(build("lin-kv-but-not-really", &[]).is_none());
    }
}
