//! Maelstrom `g-set` node (Maelstrom's CRDT workloads; flags in docs/counters.md).

fn main() -> anyhow::Result<()> {
    glomer_nodes::run_node::<glomer_adapters::workloads::set::GSetNode>()
}
