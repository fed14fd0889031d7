//! Maelstrom `broadcast` node (spec section 4.3; flags in docs/broadcast.md).

fn main() -> anyhow::Result<()> {
    glomer_nodes::run_node::<glomer_adapters::workloads::set::Broadcast>()
}
