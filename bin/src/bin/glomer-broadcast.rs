//! Maelstrom `broadcast` node (Glomers challenges 3a-3e; flags in docs/broadcast.md).

fn main() -> anyhow::Result<()> {
    glomer_nodes::run_node::<glomer_adapters::workloads::set::Broadcast>()
}
