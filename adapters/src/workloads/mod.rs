//! One module per Maelstrom workload, and [`build`], which makes one by its Maelstrom name.
//!
//! Replicated workloads ([`set`], [`counter`], [`kafka`], [`txn_rw_register`]) are each a
//! [`crate::replicated::Crdt`]: a state, a request enum and one handler. The others ([`echo`],
//! [`unique_ids`], and [`g_counter`]'s seq-kv mode in [`seq_kv_counter`]) implement
//! [`crate::Workload`] directly. Each has a flags struct and [`FromFlags`].

pub mod counter;
pub mod echo;
pub mod g_counter;
pub mod kafka;
pub mod seq_kv_counter;
pub mod set;
pub mod txn_rw_register;
pub mod unique_ids;

use crate::flags::FromFlags;
use crate::Workload;

/// A boxed workload, as drivers that pick the workload at run time hold it.
pub type BoxedWorkload = Box<dyn Workload + Send>;

/// One workload [`build`] knows: its Maelstrom name and how to make it from node arguments.
#[derive(Debug, Clone, Copy)]
pub struct Registered {
    /// The name in Maelstrom's spelling (`"g-counter"`), which is also the binary's suffix.
    pub name: &'static str,
    /// Makes the workload from a node's arguments (unknown ones reported and ignored).
    pub build: fn(&[String]) -> BoxedWorkload,
}

/// Every workload this crate implements: the one list of names.
pub const WORKLOADS: &[Registered] = &[
    registered::<set::Broadcast>("broadcast"),
    registered::<echo::Echo>("echo"),
    registered::<g_counter::GCounter>("g-counter"),
    registered::<set::GSetNode>("g-set"),
    registered::<kafka::Kafka>("kafka"),
    registered::<counter::PnCounter>("pn-counter"),
    registered::<txn_rw_register::TxnRwRegister>("txn-rw-register"),
    registered::<unique_ids::UniqueIds>("unique-ids"),
];

/// Every workload name, in [`WORKLOADS`]'s order.
pub fn names() -> impl Iterator<Item = &'static str> {
    WORKLOADS.iter().map(|workload| workload.name)
}

/// The workload named as Maelstrom names it (`"echo"`, `"broadcast"`, …), configured from the
/// node's command-line arguments (unknown ones are reported and ignored); `None` for a name
/// this crate does not implement.
pub fn build(name: &str, args: &[String]) -> Option<BoxedWorkload> {
    WORKLOADS.iter().find(|workload| workload.name == name).map(|workload| (workload.build)(args))
}

const fn registered<W: Workload + FromFlags + Send + 'static>(name: &'static str) -> Registered {
    Registered { name, build: boxed::<W> }
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
        for name in names() {
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
