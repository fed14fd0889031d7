//! Maelstrom `g-counter` node (Glomers challenge 4; flags in docs/counters.md).

fn main() -> anyhow::Result<()> {
    glomer_nodes::run_node::<glomer_adapters::workloads::g_counter::GCounter>()
}
