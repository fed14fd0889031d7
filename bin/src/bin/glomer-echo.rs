//! Maelstrom `echo` node (Glomers challenge 1).

fn main() -> anyhow::Result<()> {
    glomer_nodes::run_node::<glomer_adapters::workloads::echo::Echo>()
}
